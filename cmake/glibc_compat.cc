// Linked into release builds only (PROV_STATIC_RUNTIME). The static libstdc++ of GCC 12 calls
// arc4random() (glibc 2.36) for std::random_device; with --wrap=arc4random the call lands here
// and uses getrandom() (glibc 2.25) instead, so the released binary needs glibc 2.34, not 2.36
// (Ubuntu 22.04 ships 2.35, RHEL 9 2.34). tests/acceptance/test_release.py checks the floor.
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

extern "C" uint32_t __wrap_arc4random(void) {
  uint32_t v = 0;
  for (;;) {
    const ssize_t n = getrandom(&v, sizeof v, 0);
    if (n == static_cast<ssize_t>(sizeof v)) return v;
    if (n < 0 && errno != EINTR) std::abort();  // no kernel entropy source: never guess
  }
}
