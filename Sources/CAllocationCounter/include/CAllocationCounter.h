#ifndef FLAGC_ALLOCATION_COUNTER_H
#define FLAGC_ALLOCATION_COUNTER_H

/// The number of heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc,
/// memalign) made by the calling thread so far. Linking this target interposes those functions for the
/// whole process; each forwards to glibc's implementation after counting. For benchmarks and
/// allocation tests only.
long flagc_allocation_count(void);

/// Returns the heap's free pages to the kernel (`malloc_trim(0)`), so the next allocations touch
/// fresh pages, as in a new process. For benchmarks only.
void flagc_release_free_heap(void);

#endif
