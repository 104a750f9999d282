// Linked into package.sh's static bootstrap only. The Swift Glibc overlay (libswiftGlibc.a) calls
// hypotf, which a toolchain built against glibc 2.35 or newer binds to hypotf@GLIBC_2.35: the one
// symbol that keeps the binary from loading on glibc 2.34 (Amazon Linux 2023, provided.al2023).
// This hidden definition takes the overlay's reference at link time and forwards it to glibc's
// original hypotf. Hidden, so the dynamic loader never resolves glibc's own name to it.
#if defined(__x86_64__)
__asm__(".symver flagc_hypotf_original, hypotf@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver flagc_hypotf_original, hypotf@GLIBC_2.17");
#endif
float flagc_hypotf_original(float x, float y);
__attribute__((visibility("hidden"))) float hypotf(float x, float y) { return flagc_hypotf_original(x, y); }
