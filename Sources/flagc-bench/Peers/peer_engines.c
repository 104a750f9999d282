/* The peer engines of `flagc-bench --peers`, called through their C ABI (no Python): Unleash's
 * Yggdrasil (libyggdrasilffi.so of the yggdrasil-engine wheel) and Flipt's client engine
 * (libfliptengine.so of the flipt-client wheel, a static-musl object: dlopen'ed RTLD_LOCAL).
 *
 *   peer_engines ygg|flipt LIB.so DATA_DIR bench   one JSON line: load_ms, request_ns (p50 ...), on
 *   peer_engines ygg|flipt LIB.so DATA_DIR cold    loads, answers one context, prints a line, exits
 *
 * Both engines take the context as JSON in the call, so "evaluate" and "JSON event -> decision"
 * are the same call for them: each timed call is one engine call with a pre-built JSON text, the
 * response checked and freed. Yggdrasil: check_enabled(engine, flag, context_json, "{}") ->
 * {"status_code":"Ok","value":true|false}. Flipt: evaluate_variant(engine, request_json) ->
 * {"status":"success","result":{... "variant_key":"on"|"off" ...}}. Every returned string is freed
 * with the engine's own function (free_response, destroy_string).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t cpu_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t thread_cpu_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static char *slurp(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (fread(text, 1, (size_t)size, f) != (size_t)size) { perror(path); exit(2); }
    text[size] = 0;
    fclose(f);
    return text;
}

static void *symbol(void *library, const char *name) {
    void *p = dlsym(library, name);
    if (!p) { fprintf(stderr, "dlsym %s: %s\n", name, dlerror()); exit(2); }
    return p;
}

static int by_value(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* ---- the two engines behind one interface */
static int is_flipt;
static void *(*ygg_new)(void);
static void (*ygg_free)(void *);
static char *(*ygg_take_state)(void *, const char *);
static char *(*ygg_check)(void *, const char *, const char *, const char *);
static void (*ygg_free_response)(char *);
static void *(*flipt_init)(const char *);
static const char *(*flipt_variant)(void *, const char *);
static void (*flipt_destroy)(void *);
static void (*flipt_free_string)(char *);
static const char *flag = "flag_00500";

static void bind(const char *engine, const char *path) {
    is_flipt = !strcmp(engine, "flipt");
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) { fprintf(stderr, "dlopen: %s\n", dlerror()); exit(2); }
    if (is_flipt) {
        flipt_init = symbol(library, "initialize_engine");
        flipt_variant = symbol(library, "evaluate_variant");
        flipt_destroy = symbol(library, "destroy_engine");
        flipt_free_string = symbol(library, "destroy_string");
    } else {
        ygg_new = symbol(library, "new_engine");
        ygg_free = symbol(library, "free_engine");
        ygg_take_state = symbol(library, "take_state");
        ygg_check = symbol(library, "check_enabled");
        ygg_free_response = symbol(library, "free_response");
    }
}

/* The engine's configuration text, as it loads it. */
static char *configuration(const char *dir) { return slurp(dir, is_flipt ? "flipt.json" : "unleash.json"); }

static void *load(const char *configuration) {
    if (is_flipt) {
        void *engine = flipt_init(configuration);
        if (!engine) { fprintf(stderr, "initialize_engine failed\n"); exit(3); }
        return engine;
    }
    void *engine = ygg_new();
    char *response = ygg_take_state(engine, configuration);
    if (!strstr(response, "\"status_code\":\"Ok\"")) { fprintf(stderr, "take_state: %.300s\n", response); exit(3); }
    ygg_free_response(response);
    return engine;
}

static void unload(void *engine) { if (is_flipt) flipt_destroy(engine); else ygg_free(engine); }

/* One decision for a context given as the engine's JSON: 1 on, 0 off. */
static int decide(void *engine, const char *json) {
    if (is_flipt) {
        char *response = (char *)flipt_variant(engine, json);
        int on = strstr(response, "\"variant_key\":\"on\"") != NULL;
        if (!on && !strstr(response, "\"status\":\"success\"")) { fprintf(stderr, "%s\n", response); exit(4); }
        flipt_free_string(response);
        return on;
    }
    char *response = ygg_check(engine, flag, json, "{}");
    int on = strstr(response, "\"value\":true") != NULL;
    if (!on && !strstr(response, "\"status_code\":\"Ok\"")) { fprintf(stderr, "%s\n", response); exit(4); }
    ygg_free_response(response);
    return on;
}

/* The engine's JSON for context `line` of contexts.tsv (userId, region, plan, age). */
static char *context_json(const char *line) {
    char user[32], region[16], plan[16];
    int age;
    if (sscanf(line, "%31[^\t]\t%15[^\t]\t%15[^\t]\t%d", user, region, plan, &age) != 4) return NULL;
    char text[320];
    if (is_flipt)
        snprintf(text, sizeof text, "{\"flag_key\":\"%s\",\"entity_id\":\"%s\",\"context\":"
                 "{\"region\":\"%s\",\"plan\":\"%s\",\"age\":\"%d\"}}", flag, user, region, plan, age);
    else
        snprintf(text, sizeof text, "{\"userId\":\"%s\",\"properties\":"
                 "{\"region\":\"%s\",\"plan\":\"%s\",\"age\":\"%d\"}}", user, region, plan, age);
    return strdup(text);
}

static char **contexts(const char *dir, size_t limit, size_t *count) {
    char path[4096], line[256];
    snprintf(path, sizeof path, "%s/contexts.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    size_t n = 0, capacity = 1024;
    char **texts = malloc(capacity * sizeof *texts);
    while (n < limit && fgets(line, sizeof line, f)) {
        if (n == capacity) texts = realloc(texts, (capacity *= 2) * sizeof *texts);
        if ((texts[n] = context_json(line))) n++;
    }
    fclose(f);
    *count = n;
    return texts;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s ygg|flipt LIB DATA_DIR bench|cold\n", argv[0]); return 1; }
    const char *dir = argv[3];
    bind(argv[1], argv[2]);
    if (!strcmp(argv[4], "cold")) {
        size_t count;
        char **context = contexts(dir, 1, &count);
        void *engine = load(configuration(dir));
        printf("%d\n", decide(engine, context[0]));
        fflush(stdout);
        _exit(0); /* no teardown: Flipt's engine runs a background runtime */
    }

    /* Load: the configuration text already in memory, one fresh engine per run. */
    char *text = configuration(dir);
    enum { loads = 11 };
    uint64_t load_ns[loads], load_cpu_ns[loads];
    for (int i = 0; i < loads; i++) {
        uint64_t start = now_ns(), cpu = cpu_ns();
        void *engine = load(text);
        load_ns[i] = now_ns() - start;
        load_cpu_ns[i] = cpu_ns() - cpu;
        unload(engine);
    }
    qsort(load_ns, loads, sizeof *load_ns, by_value);
    qsort(load_cpu_ns, loads, sizeof *load_cpu_ns, by_value);

    size_t n;
    char **context = contexts(dir, 100000, &n);
    void *engine = load(text);
    for (size_t i = 0; i < 5000 && i < n; i++) decide(engine, context[i]); /* warm-up */
    uint64_t *latency = malloc(n * sizeof *latency);
    size_t on = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t start = now_ns();
        on += decide(engine, context[i]);
        latency[i] = now_ns() - start;
    }
    qsort(latency, n, sizeof *latency, by_value);
    /* Noise: the spread of the median over five slices of the contexts, relative to the median. */
    /* The mean per call (a pass's thread CPU time over its calls, as flagc's figures are: on a loaded
     * machine the wall time of a pass includes waiting for a core), median of five slices. */
    double lowest = 1e18, highest = 0, means[5];
    for (int pass = 0; pass < 5; pass++) {
        size_t from = n * pass / 5, to = n * (pass + 1) / 5;
        uint64_t start = thread_cpu_ns();
        for (size_t i = from; i < to; i++) on += 0 * decide(engine, context[i]);
        double mean = (double)(thread_cpu_ns() - start) / (double)(to - from);
        means[pass] = mean;
        if (mean < lowest) lowest = mean;
        if (mean > highest) highest = mean;
    }
    for (int i = 1; i < 5; i++)
        for (int j = i; j > 0 && means[j - 1] > means[j]; j--) { double t = means[j]; means[j] = means[j - 1]; means[j - 1] = t; }
    printf("{\"load_ms\":%.3f,\"load_ms_min\":%.3f,\"load_ms_cpu\":%.3f,\"request_ns\":%llu,\"request_ns_p90\":%llu,"
           "\"request_ns_p99\":%llu,\"request_ns_mean\":%.0f,\"request_ns_mean_spread\":%.3f,\"contexts\":%zu,\"on\":%zu}\n",
           load_ns[loads / 2] / 1e6, load_ns[0] / 1e6, load_cpu_ns[loads / 2] / 1e6, (unsigned long long)latency[n / 2],
           (unsigned long long)latency[n * 9 / 10], (unsigned long long)latency[n * 99 / 100], means[2],
           (highest - lowest) / ((highest + lowest) / 2), n, on);
    fflush(stdout);
    _exit(0);
}
