/*
 * The C interface's test: every function of flagc.h, on the example project's dev bundle, checked
 * against the answers its flags define; bad input of every kind (NULLs, lengths, ill-formed UTF-8,
 * foreign handles, wrong keys, tampered bytes); four threads sharing one bundle; and one million
 * evaluations whose memory must not grow. .ci/cabi builds it with AddressSanitizer (and
 * LeakSanitizer, which checks at exit that nothing leaked) and runs it.
 *
 *     test_flagc BUNDLE ROOT_PUBLIC_KEY_FILE RECIPIENT_KEY_FILE [EVALUATIONS]
 */
#define _POSIX_C_SOURCE 200809L
#include "flagc.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures = 0;
static int checks = 0;

#define CHECK(condition)                                                                          \
    do {                                                                                          \
        checks++;                                                                                 \
        if (!(condition)) {                                                                       \
            failures++;                                                                           \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #condition);               \
        }                                                                                         \
    } while (0)

#define CHECK_STR(actual, expected)                                                               \
    do {                                                                                          \
        const char *a_ = (actual);                                                                \
        checks++;                                                                                 \
        if (a_ == NULL || strcmp(a_, (expected)) != 0) {                                          \
            failures++;                                                                           \
            fprintf(stderr, "%s:%d: FAILED: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
                    #actual, a_ ? a_ : "(null)", (expected));                                     \
        }                                                                                         \
    } while (0)

static char *read_file(const char *path, size_t *length) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        perror(path);
        exit(2);
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *bytes = malloc((size_t)size + 1);
    if (fread(bytes, 1, (size_t)size, file) != (size_t)size) {
        perror(path);
        exit(2);
    }
    fclose(file);
    bytes[size] = 0;
    if (length) *length = (size_t)size;
    return bytes;
}

static double seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static long resident_kib(void) {
    FILE *file = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (file) {
        if (fscanf(file, "%ld %ld", &size, &resident) != 2) resident = 0;
        fclose(file);
    }
    return resident * 4;
}

static const char *root_key;
static const char *recipient_key;

static flagc_options *make_options(void) {
    flagc_options *options = flagc_options_new();
    CHECK(options != NULL);
    CHECK(flagc_options_add_root_key(options, root_key, FLAGC_NUL_TERMINATED, NULL) == FLAGC_OK);
    CHECK(flagc_options_set_recipient_key(options, recipient_key, FLAGC_NUL_TERMINATED, NULL) == FLAGC_OK);
    return options;
}

/* ------------------------------------------------------------------------------------------ */

static void test_codes(void) {
    CHECK(flagc_abi_version() == FLAGC_ABI_VERSION);
    CHECK_STR(flagc_reason_name(FLAGC_REASON_TARGETING_MATCH), "TARGETING_MATCH");
    CHECK_STR(flagc_reason_name(FLAGC_REASON_ERROR), "ERROR");
    CHECK_STR(flagc_reason_name(FLAGC_REASON_CIRCUIT_OPEN), "CIRCUIT_OPEN");
    CHECK(flagc_reason_name(8) == NULL && flagc_reason_name(-1) == NULL);
    CHECK_STR(flagc_error_code_name(FLAGC_ERROR_FLAG_NOT_FOUND), "FLAG_NOT_FOUND");
    CHECK_STR(flagc_error_code_name(FLAGC_ERROR_PROVIDER_NOT_READY), "PROVIDER_NOT_READY");
    CHECK(flagc_error_code_name(FLAGC_ERROR_NONE) == NULL && flagc_error_code_name(99) == NULL);
    CHECK_STR(flagc_type_name(FLAGC_TYPE_OBJECT), "object");
    CHECK(flagc_type_name(FLAGC_TYPE_NONE) == NULL);
    flagc_string_free(NULL);
}

static void test_options_and_open_failures(const char *bundle_path, const char *bytes, size_t length) {
    char *error = NULL;
    flagc_bundle *bundle = (flagc_bundle *)1;

    /* NULLs everywhere: statuses, never a crash. */
    flagc_options_free(NULL);
    CHECK(flagc_options_add_root_key(NULL, root_key, FLAGC_NUL_TERMINATED, &error) == FLAGC_INVALID_ARGUMENT);
    CHECK(error != NULL);
    flagc_string_free(error);
    CHECK(flagc_options_set_target(NULL, "x", 1) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_options_set_min_bundle_version(NULL, 1) == FLAGC_INVALID_ARGUMENT);

    flagc_options *options = flagc_options_new();
    /* Keys: wrong kind, garbage, ill-formed UTF-8, NULL with a length. */
    CHECK(flagc_options_add_root_key(options, recipient_key, FLAGC_NUL_TERMINATED, &error) == FLAGC_INVALID_KEY);
    CHECK(error != NULL && strstr(error, "root") != NULL);
    CHECK(error != NULL && strstr(error, recipient_key + 25) == NULL); /* no key material in messages */
    flagc_string_free(error);
    CHECK(flagc_options_add_root_key(options, "flagc-root-public:AAAA", FLAGC_NUL_TERMINATED, NULL) ==
          FLAGC_INVALID_KEY);
    CHECK(flagc_options_add_root_key(options, "\xff\xfe", 2, &error) == FLAGC_INVALID_ARGUMENT);
    flagc_string_free(error);
    CHECK(flagc_options_add_root_key(options, NULL, 5, NULL) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_options_set_recipient_key(options, root_key, FLAGC_NUL_TERMINATED, NULL) == FLAGC_INVALID_KEY);
    CHECK(flagc_options_set_leeway(options, -1) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_options_set_max_bundle_bytes(options, 0) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_options_set_evaluation_time(options, INFINITY) == FLAGC_INVALID_ARGUMENT);

    /* No root key, then no recipient key. */
    CHECK(flagc_bundle_open_path(bundle_path, options, &bundle, &error) == FLAGC_INVALID_ARGUMENT);
    CHECK(bundle == NULL && error != NULL);
    flagc_string_free(error);
    CHECK(flagc_options_add_root_key(options, root_key, FLAGC_NUL_TERMINATED, NULL) == FLAGC_OK);
    CHECK(flagc_bundle_open_path(bundle_path, options, &bundle, &error) == FLAGC_INVALID_ARGUMENT);
    flagc_string_free(error);
    CHECK(flagc_options_set_recipient_key(options, recipient_key, FLAGC_NUL_TERMINATED, NULL) == FLAGC_OK);

    /* Unreadable, NULL path, NULL out-pointer, NULL options. */
    CHECK(flagc_bundle_open_path("/nonexistent/flags.bundle", options, &bundle, &error) == FLAGC_UNREADABLE);
    CHECK(bundle == NULL && error != NULL);
    flagc_string_free(error);
    CHECK(flagc_bundle_open_path(NULL, options, &bundle, NULL) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_bundle_open_path(bundle_path, options, NULL, NULL) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_bundle_open_path(bundle_path, NULL, &bundle, NULL) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_bundle_open_bytes(NULL, 10, options, &bundle, NULL) == FLAGC_INVALID_ARGUMENT);

    /* Every byte position flipped in turn would take long; flip a spread of them: each refused. */
    char *tampered = malloc(length);
    int refused = 0, tries = 0;
    for (size_t position = 0; position < length; position += length / 61 + 1) {
        memcpy(tampered, bytes, length);
        tampered[position] ^= 0x40;
        tries++;
        flagc_status status = flagc_bundle_open_bytes((const uint8_t *)tampered, length, options, &bundle, &error);
        if (status == FLAGC_VERIFICATION_FAILED && bundle == NULL && error != NULL) refused++;
        flagc_string_free(error);
        flagc_bundle_free(bundle);
    }
    CHECK(refused == tries);
    /* Truncated and empty. */
    CHECK(flagc_bundle_open_bytes((const uint8_t *)bytes, length / 2, options, &bundle, NULL) ==
          FLAGC_VERIFICATION_FAILED);
    CHECK(flagc_bundle_open_bytes((const uint8_t *)bytes, 0, options, &bundle, NULL) == FLAGC_VERIFICATION_FAILED);
    free(tampered);

    /* Loader checks reached through the options: target, floors, size limit, clock. */
    CHECK(flagc_options_set_target(options, "prod-eu", FLAGC_NUL_TERMINATED) == FLAGC_OK);
    CHECK(flagc_bundle_open_path(bundle_path, options, &bundle, &error) == FLAGC_VERIFICATION_FAILED);
    CHECK(error != NULL && strstr(error, "target") != NULL);
    flagc_string_free(error);
    CHECK(flagc_options_set_target(options, NULL, 0) == FLAGC_OK);
    CHECK(flagc_options_set_environment(options, "production", FLAGC_NUL_TERMINATED) == FLAGC_OK);
    CHECK(flagc_bundle_open_path(bundle_path, options, &bundle, NULL) == FLAGC_VERIFICATION_FAILED);
    CHECK(flagc_options_set_environment(options, NULL, 0) == FLAGC_OK);
    CHECK(flagc_options_set_min_bundle_version(options, UINT64_MAX) == FLAGC_OK);
    CHECK(flagc_bundle_open_path(bundle_path, options, &bundle, &error) == FLAGC_VERIFICATION_FAILED);
    CHECK(error != NULL && strstr(error, "version") != NULL);
    flagc_string_free(error);
    CHECK(flagc_options_set_min_bundle_version(options, 0) == FLAGC_OK);
    CHECK(flagc_options_set_min_keyring_version(options, UINT32_MAX) == FLAGC_OK);
    CHECK(flagc_bundle_open_path(bundle_path, options, &bundle, NULL) == FLAGC_VERIFICATION_FAILED);
    CHECK(flagc_options_set_min_keyring_version(options, 0) == FLAGC_OK);
    CHECK(flagc_options_set_max_bundle_bytes(options, 16) == FLAGC_OK);
    CHECK(flagc_bundle_open_path(bundle_path, options, &bundle, NULL) == FLAGC_UNREADABLE);
    CHECK(flagc_bundle_open_bytes((const uint8_t *)bytes, length, options, &bundle, NULL) == FLAGC_UNREADABLE);
    CHECK(flagc_options_set_max_bundle_bytes(options, 64 << 20) == FLAGC_OK);
    CHECK(flagc_options_set_verification_time(options, 4102444800) == FLAGC_OK); /* 2100: expired */
    CHECK(flagc_options_set_leeway(options, 0) == FLAGC_OK);
    CHECK(flagc_bundle_open_path(bundle_path, options, &bundle, &error) == FLAGC_VERIFICATION_FAILED);
    CHECK(error != NULL && strstr(error, "expir") != NULL);
    flagc_string_free(error);
    flagc_options_free(options);
}

static void check_header(flagc_bundle *bundle) {
    flagc_header header;
    CHECK(flagc_bundle_header(bundle, &header) == FLAGC_OK);
    CHECK(header.format_version >= 1);
    CHECK(header.bundle_version >= 1);
    CHECK(header.expires_at > header.issued_at);
    CHECK(header.keyring_version >= 1);
    CHECK(header.flag_count == 8);
    CHECK_STR(header.target, "dev");
    CHECK_STR(header.environment, "development");
    CHECK(header.signing_key_id != NULL && strlen(header.signing_key_id) == 16);
    CHECK(flagc_bundle_header(NULL, &header) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_bundle_header(bundle, NULL) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_bundle_flag_count(bundle) == 8);
    CHECK(flagc_bundle_flag_count(NULL) == 0);
    int found = 0;
    for (size_t index = 0; index < 8; index++) {
        const char *key = flagc_bundle_flag_key(bundle, index);
        if (key && strcmp(key, "search-ranking") == 0) found++;
    }
    CHECK(found == 1);
    CHECK(flagc_bundle_flag_key(bundle, 8) == NULL);
    CHECK(flagc_bundle_flag_key(bundle, (size_t)-1) == NULL);
}

static flagc_flag flag(flagc_bundle *bundle, const char *key) {
    flagc_flag handle = 0;
    CHECK(flagc_bundle_flag(bundle, key, FLAGC_NUL_TERMINATED, &handle) == FLAGC_OK);
    CHECK(handle != 0);
    return handle;
}

static void test_flags(flagc_bundle *bundle, flagc_bundle *other) {
    flagc_flag handle = 1;
    CHECK(flagc_bundle_flag(bundle, "no-such-flag", FLAGC_NUL_TERMINATED, &handle) == FLAGC_FLAG_NOT_FOUND);
    CHECK(handle == 0);
    CHECK(flagc_bundle_flag(bundle, "\xc3\x28", 2, &handle) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_bundle_flag(NULL, "x", 1, &handle) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_bundle_flag(bundle, "x", 1, NULL) == FLAGC_INVALID_ARGUMENT);
    /* Keys given with a length are not NUL-terminated. */
    CHECK(flagc_bundle_flag(bundle, "search-rankingXYZ", 14, &handle) == FLAGC_OK && handle != 0);

    flagc_flag ranking = flag(bundle, "search-ranking");
    CHECK_STR(flagc_flag_key(bundle, ranking), "search-ranking");
    CHECK(flagc_flag_type(bundle, ranking) == FLAGC_TYPE_OBJECT);
    CHECK(flagc_flag_variant_count(bundle, ranking) == 2);
    CHECK(flagc_flag_rule_count(bundle, ranking) == 2);
    CHECK_STR(flagc_flag_rule_name(bundle, ranking, 0), "internal dogfood");
    CHECK(flagc_flag_rule_name(bundle, ranking, 2) == NULL);
    CHECK(flagc_flag_rule_name(bundle, ranking, -1) == NULL);
    const char *name = NULL;
    flagc_value value;
    CHECK(flagc_flag_variant(bundle, ranking, 1, &name, &value) == FLAGC_OK);
    CHECK_STR(name, "neural");
    CHECK(value.type == FLAGC_TYPE_OBJECT);
    CHECK_STR(value.string, "{\"model\":\"ranker-v2\",\"boost\":1.3,\"features\":[\"clicks\",\"dwell\"]}");
    CHECK(value.length == strlen(value.string));
    CHECK(flagc_flag_variant(bundle, ranking, 2, &name, &value) == FLAGC_INVALID_ARGUMENT && name == NULL);
    CHECK(flagc_flag_variant(bundle, ranking, -1, &name, &value) == FLAGC_INVALID_ARGUMENT);

    flagc_flag timeout = flag(bundle, "request-timeout-seconds");
    CHECK(flagc_flag_type(bundle, timeout) == FLAGC_TYPE_NUMBER);
    CHECK(flagc_flag_variant(bundle, timeout, 1, &name, NULL) == FLAGC_OK);
    CHECK_STR(name, "relaxed");
    flagc_flag pages = flag(bundle, "search-results-per-page");
    CHECK(flagc_flag_variant(bundle, pages, 2, NULL, &value) == FLAGC_OK);
    CHECK(value.type == FLAGC_TYPE_INTEGER && value.integer == 50 && value.number == 50.0);

    /* A handle of another bundle, and made-up handles: refused, not read out of bounds. */
    flagc_flag foreign = flag(other, "search-ranking");
    CHECK(foreign != ranking);
    CHECK(flagc_flag_key(bundle, foreign) == NULL);
    CHECK(flagc_flag_type(bundle, foreign) == FLAGC_TYPE_NONE);
    CHECK(flagc_flag_variant_count(bundle, foreign) == -1);
    CHECK(flagc_flag_rule_count(bundle, 0) == -1);
    CHECK(flagc_flag_key(bundle, ranking + 1000) == NULL);
    CHECK(flagc_flag_key(bundle, UINT64_MAX) == NULL);
    CHECK(flagc_flag_key(NULL, ranking) == NULL);
}

static void test_contexts(void) {
    flagc_context *context = flagc_context_new();
    CHECK(context != NULL);
    CHECK(flagc_context_set_string(context, "country", FLAGC_NUL_TERMINATED, "DE", 2) == FLAGC_OK);
    CHECK(flagc_context_set_string(context, "country", 7, "\xff", 1) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_context_set_string(context, NULL, 3, "DE", 2) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_context_set_string(NULL, "a", 1, "b", 1) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_context_set_number(context, "age", 3, NAN) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_context_set_number(context, "age", 3, 42) == FLAGC_OK);
    CHECK(flagc_context_set_bool(context, "betaOptIn", 9, true) == FLAGC_OK);
    const char *items[] = {"a", "bc"};
    const size_t lengths[] = {1, 2};
    CHECK(flagc_context_set_string_list(context, "tags", 4, items, lengths, 2) == FLAGC_OK);
    CHECK(flagc_context_set_string_list(context, "tags", 4, items, NULL, 2) == FLAGC_OK);
    CHECK(flagc_context_set_string_list(context, "tags", 4, NULL, NULL, 2) == FLAGC_INVALID_ARGUMENT);
    const char *holes[] = {"a", NULL};
    CHECK(flagc_context_set_string_list(context, "tags", 4, holes, NULL, 2) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_context_set_string_list(context, "tags", 4, NULL, NULL, 0) == FLAGC_OK);
    CHECK(flagc_context_set_targeting_key(context, "user-1", FLAGC_NUL_TERMINATED) == FLAGC_OK);
    CHECK(flagc_context_set_targeting_key(context, NULL, 0) == FLAGC_OK);
    CHECK(flagc_context_set_string(context, "targetingKey", FLAGC_NUL_TERMINATED, "user-2", 6) == FLAGC_OK);
    CHECK(flagc_context_set_number(context, "targetingKey", FLAGC_NUL_TERMINATED, 1) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_context_remove(context, "age", 3) == FLAGC_OK);
    CHECK(flagc_context_remove(context, "never-set", FLAGC_NUL_TERMINATED) == FLAGC_OK);
    CHECK(flagc_context_set_now(context, INFINITY) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_context_set_now(context, 1.8e9) == FLAGC_OK);
    CHECK(flagc_context_set_now(context, NAN) == FLAGC_OK);
    CHECK(flagc_context_clear(context) == FLAGC_OK);
    CHECK(flagc_context_clear(NULL) == FLAGC_INVALID_ARGUMENT);
    flagc_context_free(context);
    flagc_context_free(NULL);

    char *error = NULL;
    flagc_context *parsed = (flagc_context *)1;
    CHECK(flagc_context_parse_json("{\"targetingKey\":\"user-1\"}", FLAGC_NUL_TERMINATED, &parsed, &error) ==
          FLAGC_OK);
    CHECK(parsed != NULL && error == NULL);
    flagc_context_free(parsed);
    const char *bad[] = {"", "[]", "{", "{\"a\":1}{}", "{\"a\":\xff}", "null", "{\"a\":1,\"a\":2}"};
    for (size_t index = 0; index < sizeof bad / sizeof *bad; index++) {
        CHECK(flagc_context_parse_json(bad[index], FLAGC_NUL_TERMINATED, &parsed, &error) == FLAGC_PARSE_ERROR);
        CHECK(parsed == NULL && error != NULL && strstr(error, "byte") != NULL);
        flagc_string_free(error);
    }
    /* Deep nesting is refused, not a stack overflow. */
    size_t depth = 100000;
    char *deep = malloc(depth * 2 + 16);
    strcpy(deep, "{\"a\":");
    size_t length = strlen(deep);
    for (size_t index = 0; index < depth; index++) deep[length++] = '[';
    for (size_t index = 0; index < depth; index++) deep[length++] = ']';
    deep[length++] = '}';
    CHECK(flagc_context_parse_json(deep, length, &parsed, NULL) == FLAGC_PARSE_ERROR);
    free(deep);
    CHECK(flagc_context_parse_json(NULL, 4, &parsed, NULL) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_context_parse_json("{}", 2, NULL, NULL) == FLAGC_INVALID_ARGUMENT);
}

static void test_evaluation(flagc_bundle *bundle, flagc_bundle *other) {
    flagc_result result;
    flagc_context *context = flagc_context_new();

    /* Boolean, targeting match through a segment's include list. */
    flagc_flag checkout = flag(bundle, "new-checkout-flow");
    CHECK(flagc_context_set_targeting_key(context, "user-1", FLAGC_NUL_TERMINATED) == FLAGC_OK);
    CHECK(flagc_evaluate(bundle, checkout, context, &result) == FLAGC_OK);
    CHECK(result.value.type == FLAGC_TYPE_BOOLEAN && result.value.boolean);
    CHECK(result.reason == FLAGC_REASON_TARGETING_MATCH && result.error_code == FLAGC_ERROR_NONE);
    CHECK_STR(result.variant_name, "on");
    CHECK_STR(result.rule_name, "staff first");
    CHECK(result.rule == 0 && result.error_message == NULL);

    /* Static. */
    CHECK(flagc_evaluate_key(bundle, "payments-kill-switch", FLAGC_NUL_TERMINATED, context, &result) == FLAGC_OK);
    CHECK(result.reason == FLAGC_REASON_STATIC && result.value.boolean && result.rule == -1);
    CHECK(result.rule_name == NULL);

    /* Integer, by a segment; the context changes after its first preparation. */
    flagc_flag pages = flag(bundle, "search-results-per-page");
    CHECK(flagc_evaluate(bundle, pages, context, &result) == FLAGC_OK);
    CHECK(result.value.integer == 25 && result.reason == FLAGC_REASON_DEFAULT);
    CHECK(flagc_context_set_string(context, "plan", 4, "pro", 3) == FLAGC_OK);
    CHECK(flagc_context_set_bool(context, "betaOptIn", 9, true) == FLAGC_OK);
    CHECK(flagc_evaluate(bundle, pages, context, &result) == FLAGC_OK);
    CHECK(result.value.type == FLAGC_TYPE_INTEGER && result.value.integer == 50);
    CHECK_STR(result.variant_name, "large");
    CHECK(result.variant == 2 && result.reason == FLAGC_REASON_TARGETING_MATCH);
    CHECK(flagc_context_remove(context, "plan", 4) == FLAGC_OK);
    CHECK(flagc_evaluate(bundle, pages, context, &result) == FLAGC_OK);
    CHECK(result.value.integer == 25);

    /* Number, by CIDR. */
    CHECK(flagc_context_set_string(context, "ip", 2, "10.1.2.3", FLAGC_NUL_TERMINATED) == FLAGC_OK);
    CHECK(flagc_evaluate_key(bundle, "request-timeout-seconds", FLAGC_NUL_TERMINATED, context, &result) == FLAGC_OK);
    CHECK(result.value.type == FLAGC_TYPE_NUMBER && result.value.number == 10.0);

    /* Object, by regular expression (case-insensitive). */
    CHECK(flagc_context_set_string(context, "email", 5, "Ada@Example.com", FLAGC_NUL_TERMINATED) == FLAGC_OK);
    CHECK(flagc_evaluate_key(bundle, "search-ranking", FLAGC_NUL_TERMINATED, context, &result) == FLAGC_OK);
    CHECK(result.value.type == FLAGC_TYPE_OBJECT);
    CHECK_STR(result.value.string, "{\"model\":\"ranker-v2\",\"boost\":1.3,\"features\":[\"clicks\",\"dwell\"]}");
    CHECK_STR(result.rule_name, "internal dogfood");

    /* Multiple attributes and a list attribute via JSON. */
    CHECK(flagc_evaluate_json(bundle, flag(bundle, "patient-records-export"),
                              "{\"targetingKey\":\"u\",\"region\":\"us-east-1\",\"accountType\":\"healthcare\"}",
                              FLAGC_NUL_TERMINATED, &result) == FLAGC_OK);
    CHECK(result.value.boolean && result.reason == FLAGC_REASON_TARGETING_MATCH);
    CHECK_STR(result.rule_name, "allowed regions");

    /* Errors in the result, status OK. */
    CHECK(flagc_evaluate_key(bundle, "no-such-flag", FLAGC_NUL_TERMINATED, context, &result) == FLAGC_OK);
    CHECK(result.reason == FLAGC_REASON_ERROR && result.error_code == FLAGC_ERROR_FLAG_NOT_FOUND);
    CHECK(result.value.type == FLAGC_TYPE_NONE && result.variant == -1 && result.variant_name == NULL);
    CHECK(result.error_message != NULL);
    flagc_flag foreign = flag(other, "new-checkout-flow");
    CHECK(flagc_evaluate(bundle, foreign, context, &result) == FLAGC_OK);
    CHECK(result.error_code == FLAGC_ERROR_FLAG_NOT_FOUND);
    CHECK(flagc_evaluate(bundle, 0, context, &result) == FLAGC_OK && result.error_code == FLAGC_ERROR_FLAG_NOT_FOUND);
    CHECK(flagc_evaluate_json(bundle, checkout, "{\"targetingKey\":", FLAGC_NUL_TERMINATED, &result) == FLAGC_OK);
    CHECK(result.error_code == FLAGC_ERROR_PARSE_ERROR && result.reason == FLAGC_REASON_ERROR);
    CHECK(flagc_evaluate_json(bundle, checkout, "{\"targetingKey\":[1]}", FLAGC_NUL_TERMINATED, &result) == FLAGC_OK);
    CHECK(result.error_code == FLAGC_ERROR_INVALID_CONTEXT);
    flagc_context *invalid = NULL;
    CHECK(flagc_context_parse_json("{\"targetingKey\":{}}", 19, &invalid, NULL) == FLAGC_OK);
    CHECK(flagc_evaluate(bundle, checkout, invalid, &result) == FLAGC_OK);
    CHECK(result.error_code == FLAGC_ERROR_INVALID_CONTEXT);
    flagc_context_free(invalid);

    /* Invalid arguments. */
    CHECK(flagc_evaluate(NULL, checkout, context, &result) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_evaluate(bundle, checkout, NULL, &result) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_evaluate(bundle, checkout, context, NULL) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_evaluate_key(bundle, "\xc3", 1, context, &result) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_evaluate_key(bundle, NULL, 3, context, &result) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_evaluate_json(bundle, checkout, NULL, 3, &result) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_evaluate_json(bundle, checkout, "{}", (size_t)1 << 40, &result) == FLAGC_INVALID_ARGUMENT);

    /* The same context with two bundles in turn: re-prepared for each. */
    CHECK(flagc_context_set_targeting_key(context, "user-1", FLAGC_NUL_TERMINATED) == FLAGC_OK);
    for (int round = 0; round < 3; round++) {
        CHECK(flagc_evaluate(other, flag(other, "new-checkout-flow"), context, &result) == FLAGC_OK);
        CHECK(result.value.boolean && result.rule == 0);
        CHECK(flagc_evaluate(bundle, checkout, context, &result) == FLAGC_OK);
        CHECK(result.value.boolean && result.rule == 0);
    }

    /* Many contexts: prepared, and JSON Lines into columns; each equal to the single evaluation. */
    enum { COUNT = 64 };
    flagc_context *contexts[COUNT];
    flagc_result results[COUNT];
    char lines[COUNT * 96];
    size_t length = 0;
    for (int index = 0; index < COUNT; index++) {
        char key[32];
        snprintf(key, sizeof key, "user-%d", index * 7919);
        contexts[index] = flagc_context_new();
        flagc_context_set_targeting_key(contexts[index], key, FLAGC_NUL_TERMINATED);
        flagc_context_set_string(contexts[index], "country", 7, index % 2 ? "DE" : "US", 2);
        flagc_context_set_string(contexts[index], "appVersion", 10, "2.5.0", 5);
        length += (size_t)snprintf(lines + length, sizeof lines - length,
                                   "{\"targetingKey\":\"%s\",\"country\":\"%s\",\"appVersion\":\"2.5.0\"}%s", key,
                                   index % 2 ? "DE" : "US", index == 5 ? "\r\n" : "\n");
    }
    flagc_flag color = flag(bundle, "search-ranking");
    CHECK(flagc_evaluate_many(bundle, color, contexts, COUNT, results) == FLAGC_OK);
    int32_t variants[COUNT], reasons[COUNT], codes[COUNT], rules[COUNT];
    CHECK(flagc_evaluate_many_json(bundle, color, lines, length, COUNT, variants, reasons, codes, rules) == FLAGC_OK);
    int same = 0, seen[2] = {0, 0};
    for (int index = 0; index < COUNT; index++) {
        flagc_result single;
        flagc_evaluate(bundle, color, contexts[index], &single);
        if (single.variant == results[index].variant && single.variant == variants[index] &&
            single.reason == reasons[index] && codes[index] == FLAGC_ERROR_NONE && single.rule == rules[index])
            same++;
        if (single.variant >= 0 && single.variant < 2) seen[single.variant]++;
    }
    CHECK(same == COUNT);
    CHECK(seen[0] > 10 && seen[1] > 10); /* a 50/50 split */
    /* Several flags per line, flag-major columns: each equal to its flag's own column. */
    flagc_flag several[3] = {color, flag(bundle, "new-checkout-flow"), foreign};
    int32_t grid[3 * COUNT], grid_codes[3 * COUNT];
    CHECK(flagc_evaluate_flags_many_json(bundle, several, 3, lines, length, COUNT, grid, NULL, grid_codes, NULL) ==
          FLAGC_OK);
    int agree = 0;
    for (int column = 0; column < 2; column++) {
        int32_t alone[COUNT];
        flagc_evaluate_many_json(bundle, several[column], lines, length, COUNT, alone, NULL, NULL, NULL);
        for (int index = 0; index < COUNT; index++) agree += grid[column * COUNT + index] == alone[index];
    }
    CHECK(agree == 2 * COUNT);
    CHECK(grid[2 * COUNT] == -1 && grid_codes[2 * COUNT] == FLAGC_ERROR_FLAG_NOT_FOUND);
    CHECK(flagc_evaluate_flags_many_json(bundle, NULL, 3, lines, length, COUNT, grid, NULL, NULL, NULL) ==
          FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_evaluate_flags_many_json(bundle, several, (size_t)-1, lines, length, COUNT, grid, NULL, NULL, NULL) ==
          FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_evaluate_flags_many_json(bundle, several, 0, lines, length, COUNT, NULL, NULL, NULL, NULL) ==
          FLAGC_OK);
    /* Counts that do not match, a bad line, optional columns, a foreign flag. */
    CHECK(flagc_evaluate_many_json(bundle, color, lines, length, COUNT - 1, variants, NULL, NULL, NULL) ==
          FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_evaluate_many_json(bundle, color, lines, length, COUNT + 1, variants, NULL, NULL, NULL) ==
          FLAGC_INVALID_ARGUMENT);
    const char *mixed = "{\"targetingKey\":\"a\"}\nnot json\n{}";
    CHECK(flagc_evaluate_many_json(bundle, color, mixed, FLAGC_NUL_TERMINATED, 3, variants, reasons, codes, NULL) ==
          FLAGC_OK);
    CHECK(variants[0] >= 0 && variants[1] == -1 && codes[1] == FLAGC_ERROR_PARSE_ERROR && variants[2] >= 0);
    CHECK(reasons[1] == FLAGC_REASON_ERROR);
    CHECK(flagc_evaluate_many_json(bundle, foreign, mixed, FLAGC_NUL_TERMINATED, 3, variants, NULL, codes, NULL) ==
          FLAGC_OK);
    CHECK(variants[0] == -1 && codes[0] == FLAGC_ERROR_FLAG_NOT_FOUND);
    CHECK(flagc_evaluate_many_json(bundle, color, "", 0, 0, NULL, NULL, NULL, NULL) == FLAGC_OK);
    CHECK(flagc_evaluate_many_json(bundle, color, mixed, FLAGC_NUL_TERMINATED, 3, NULL, NULL, NULL, NULL) ==
          FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_evaluate_many(bundle, color, NULL, 3, results) == FLAGC_INVALID_ARGUMENT);
    flagc_context *with_hole[2] = {contexts[0], NULL};
    CHECK(flagc_evaluate_many(bundle, color, with_hole, 2, results) == FLAGC_INVALID_ARGUMENT);
    CHECK(flagc_evaluate_many(bundle, color, NULL, 0, NULL) == FLAGC_OK);
    for (int index = 0; index < COUNT; index++) flagc_context_free(contexts[index]);

    /* A fixed evaluation clock from the options decides the ramp for contexts without `now`. */
    flagc_context_free(context);
}

static void test_evaluation_clock(const char *bundle_path) {
    flagc_options *options = make_options();
    flagc_result early, late;
    flagc_bundle *bundle = NULL;
    CHECK(flagc_options_set_evaluation_time(options, 946684800) == FLAGC_OK); /* 2000: before the ramp */
    CHECK(flagc_bundle_open_path(bundle_path, options, &bundle, NULL) == FLAGC_OK);
    flagc_flag checkout = flag(bundle, "new-checkout-flow");
    CHECK(flagc_evaluate_json(bundle, checkout, "{\"targetingKey\":\"user-99\"}", FLAGC_NUL_TERMINATED, &early) ==
          FLAGC_OK);
    /* A context's own `now` wins: after the last step, everyone is on. */
    flagc_context *context = flagc_context_new();
    flagc_context_set_targeting_key(context, "user-99", FLAGC_NUL_TERMINATED);
    flagc_context_set_now(context, 4102444800);
    CHECK(flagc_evaluate(bundle, checkout, context, &late) == FLAGC_OK);
    CHECK(late.value.boolean && late.reason == FLAGC_REASON_SPLIT);
    CHECK(!early.value.boolean);
    flagc_context_free(context);
    flagc_bundle_free(bundle);
    flagc_options_free(options);
}

/* ------------------------------------------------------------------------------------------ */
/* Threads: one bundle shared by four threads, each with its own contexts; every answer equal to the
 * single-threaded one. */

enum { THREADS = 4, PER_THREAD = 20000 };

struct worker {
    flagc_bundle *bundle;
    flagc_flag flag;
    int32_t *expected;
    int mismatches;
};

static void *work(void *argument) {
    struct worker *worker = argument;
    flagc_context *context = flagc_context_new();
    flagc_result result;
    char key[32];
    for (int index = 0; index < PER_THREAD; index++) {
        snprintf(key, sizeof key, "user-%d", index);
        flagc_context_set_targeting_key(context, key, FLAGC_NUL_TERMINATED);
        flagc_evaluate(worker->bundle, worker->flag, context, &result);
        if (result.variant != worker->expected[index]) worker->mismatches++;
    }
    flagc_context_free(context);
    return NULL;
}

static void test_threads(flagc_bundle *bundle) {
    flagc_flag ranking = flag(bundle, "search-ranking");
    int32_t *expected = malloc(sizeof(int32_t) * PER_THREAD);
    flagc_context *context = flagc_context_new();
    flagc_result result;
    char key[32];
    for (int index = 0; index < PER_THREAD; index++) {
        snprintf(key, sizeof key, "user-%d", index);
        flagc_context_set_targeting_key(context, key, FLAGC_NUL_TERMINATED);
        flagc_evaluate(bundle, ranking, context, &result);
        expected[index] = result.variant;
    }
    flagc_context_free(context);
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int index = 0; index < THREADS; index++) {
        workers[index] = (struct worker){bundle, ranking, expected, 0};
        pthread_create(&threads[index], NULL, work, &workers[index]);
    }
    int mismatches = 0;
    for (int index = 0; index < THREADS; index++) {
        pthread_join(threads[index], NULL);
        mismatches += workers[index].mismatches;
    }
    CHECK(mismatches == 0);
    free(expected);
}

/* ------------------------------------------------------------------------------------------ */
/* One million evaluations (or argv[4]) with a prepared context, then a fifth as many with a context
 * changed before each (re-prepared) and with JSON contexts, which allocate and free per call. In each
 * phase, resident memory must not grow from its first tenth to its end (a leak of 16 bytes per
 * evaluation would add 14 MiB over 900,000), and LeakSanitizer (at exit) must find nothing
 * unreachable. Prints the cost per evaluation as JSON. */

typedef void (*phase_body)(flagc_bundle *, const flagc_flag *, flagc_context *, long, long *);

static void prepared_body(flagc_bundle *bundle, const flagc_flag *flags, flagc_context *context, long index,
                          long *checksum) {
    flagc_result result;
    flagc_evaluate(bundle, flags[index & 3], context, &result);
    *checksum += result.variant;
}

static void changed_body(flagc_bundle *bundle, const flagc_flag *flags, flagc_context *context, long index,
                         long *checksum) {
    char key[32];
    flagc_result result;
    snprintf(key, sizeof key, "user-%ld", index);
    flagc_context_set_targeting_key(context, key, FLAGC_NUL_TERMINATED);
    flagc_evaluate(bundle, flags[index & 3], context, &result);
    *checksum += result.variant;
}

static void json_body(flagc_bundle *bundle, const flagc_flag *flags, flagc_context *context, long index,
                      long *checksum) {
    (void)context;
    char json[96];
    flagc_result result;
    int length = snprintf(json, sizeof json, "{\"targetingKey\":\"user-%ld\",\"country\":\"DE\"}", index);
    flagc_evaluate_json(bundle, flags[index & 3], json, (size_t)length, &result);
    *checksum += result.variant;
}

/* Runs `count` evaluations; returns nanoseconds per evaluation and checks memory did not grow. */
static double phase(const char *name, phase_body body, flagc_bundle *bundle, const flagc_flag *flags,
                    flagc_context *context, long count, long *checksum) {
    long resident_early = 0;
    double start = seconds();
    for (long index = 0; index < count; index++) {
        body(bundle, flags, context, index, checksum);
        if (index == count / 10) resident_early = resident_kib();
    }
    double nanoseconds = (seconds() - start) / (double)count * 1e9;
    long growth = resident_kib() - resident_early;
    if (growth >= 1024) fprintf(stderr, "%s: resident memory grew by %ld KiB over %ld evaluations\n", name, growth,
                                count - count / 10);
    CHECK(growth < 1024);
    return nanoseconds;
}

static void test_many_evaluations(flagc_bundle *bundle, long total) {
    flagc_flag flags[4] = {flag(bundle, "new-checkout-flow"), flag(bundle, "search-results-per-page"),
                           flag(bundle, "search-ranking"), flag(bundle, "request-timeout-seconds")};
    flagc_context *context = flagc_context_new();
    flagc_context_set_targeting_key(context, "user-42", FLAGC_NUL_TERMINATED);
    flagc_context_set_string(context, "country", 7, "DE", 2);
    flagc_context_set_string(context, "appVersion", 10, "2.5.0", 5);
    flagc_context_set_string(context, "email", 5, "someone@elsewhere.org", FLAGC_NUL_TERMINATED);
    long checksum = 0;
    double prepared = phase("prepared", prepared_body, bundle, flags, context, total, &checksum);
    double changed = phase("changed context", changed_body, bundle, flags, context, total / 5, &checksum);
    double json = phase("JSON context", json_body, bundle, flags, context, total / 5, &checksum);
    flagc_context_free(context);
    printf("{\"evaluations\":%ld,\"preparedNs\":%.0f,\"changedContextNs\":%.0f,\"jsonContextNs\":%.0f,"
           "\"residentKiB\":%ld,\"checksum\":%ld}\n",
           total + 2 * (total / 5), prepared, changed, json, resident_kib(), checksum);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s BUNDLE ROOT_PUBLIC_KEY_FILE RECIPIENT_KEY_FILE [EVALUATIONS]\n", argv[0]);
        return 2;
    }
    const char *bundle_path = argv[1];
    char *root_text = read_file(argv[2], NULL);
    char *recipient_text = read_file(argv[3], NULL);
    root_key = root_text;
    recipient_key = recipient_text;
    long total = argc > 4 ? atol(argv[4]) : 1000000;
    size_t length = 0;
    char *bytes = read_file(bundle_path, &length);

    test_codes();
    test_options_and_open_failures(bundle_path, bytes, length);

    flagc_options *options = make_options();
    flagc_bundle *bundle = NULL, *other = NULL;
    char *error = NULL;
    CHECK(flagc_bundle_open_path(bundle_path, options, &bundle, &error) == FLAGC_OK);
    CHECK(bundle != NULL && error == NULL);
    CHECK(flagc_bundle_open_bytes((const uint8_t *)bytes, length, options, &other, &error) == FLAGC_OK);
    flagc_options_free(options); /* bundles do not need their options any more */
    if (!bundle || !other) {
        fprintf(stderr, "cannot open %s: %s\n", bundle_path, error ? error : "?");
        return 1;
    }
    check_header(bundle);
    test_flags(bundle, other);
    test_contexts();
    test_evaluation(bundle, other);
    test_evaluation_clock(bundle_path);
    test_threads(bundle);
    test_many_evaluations(bundle, total);
    flagc_bundle_free(other);
    flagc_bundle_free(bundle);
    flagc_bundle_free(NULL);
    free(bytes);
    free(root_text);
    free(recipient_text);
    printf("flagc C interface: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
