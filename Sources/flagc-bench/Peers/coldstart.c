/* Exec -> first answer and peak RSS of a process, for `flagc-bench --peers`.
 *
 *   coldstart RUNS INPUT_LINE -- COMMAND [ARGUMENT...]
 *
 * Each run starts COMMAND with INPUT_LINE (and a newline) on its standard input, times from just
 * before the spawn to the first line it writes on standard output (the answer), then waits for it
 * and takes its peak resident set size (ru_maxrss, KiB) and CPU time (user + system) from wait4's
 * rusage. Prints one JSON line: medians over RUNS, the fastest and slowest run, the CPU time median
 * (on a loaded machine the wall time includes waiting for a core; the CPU time does not) and the
 * peak RSS median.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 5 || strcmp(argv[3], "--")) { fprintf(stderr, "usage: %s RUNS INPUT -- COMMAND...\n", argv[0]); return 1; }
    int runs = atoi(argv[1]);
    if (runs < 1 || runs > 200) runs = 21;
    const char *input = argv[2];
    double ms[200], rss[200], cpu[200];
    for (int run = 0; run < runs; run++) {
        int out[2], in[2];
        if (pipe(out) || pipe(in)) { perror("pipe"); return 2; }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        posix_spawn_file_actions_addclose(&actions, in[1]);
        struct timespec start, end;
        pid_t child;
        clock_gettime(CLOCK_MONOTONIC, &start);
        if (posix_spawn(&child, argv[4], &actions, NULL, &argv[4], environ)) { perror("posix_spawn"); return 2; }
        close(out[1]);
        close(in[0]);
        dprintf(in[1], "%s\n", input);
        char line[4096];
        FILE *answer = fdopen(out[0], "r");
        char *got = fgets(line, sizeof line, answer);
        clock_gettime(CLOCK_MONOTONIC, &end);
        close(in[1]);
        fclose(answer);
        int status;
        struct rusage usage;
        wait4(child, &status, 0, &usage);
        if (!got) { fprintf(stderr, "%s answered nothing (status %d)\n", argv[4], status); return 3; }
        ms[run] = (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6;
        rss[run] = (double)usage.ru_maxrss;
        cpu[run] = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3
            + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
    }
    qsort(ms, runs, sizeof *ms, by_value);
    qsort(rss, runs, sizeof *rss, by_value);
    qsort(cpu, runs, sizeof *cpu, by_value);
    printf("{\"cold_start_ms\":%.2f,\"cold_start_ms_min\":%.2f,\"cold_start_ms_max\":%.2f,\"cold_start_cpu_ms\":%.2f,\"rss_kb\":%.0f,\"runs\":%d}\n",
           ms[runs / 2], ms[0], ms[runs - 1], cpu[runs / 2], rss[runs / 2], runs);
    return 0;
}
