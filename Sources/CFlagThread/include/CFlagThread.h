#ifndef FLAGC_THREAD_H
#define FLAGC_THREAD_H

#include <stdint.h>

/// What the calling thread last counted evaluations into: the telemetry's generation (unique per
/// bundle, never reused; 0 before the thread's first counted evaluation), the thread's counter block
/// in it, and the evaluations left until the next timed one (per thread, whatever the bundle).
typedef struct {
    uint64_t generation;
    void *_Nullable block;
    uint64_t countdown;
} flagc_thread_telemetry;

/// This thread's cache (zero in a new thread).
extern _Thread_local flagc_thread_telemetry flagc_thread_telemetry_state;

/// The calling thread's cache: inlined into Swift as one thread-pointer-relative address, no call.
static inline flagc_thread_telemetry *_Nonnull flagc_thread_telemetry_current(void) {
    return &flagc_thread_telemetry_state;
}

#endif
