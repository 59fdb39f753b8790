// SECPLAT_CHECK: aborts with file and line when an invariant breaks (the can't-happen case).
// Never use it for untrusted input: that gets an Error.
#ifndef SECPLAT_CORE_COMMON_CHECK_H_
#define SECPLAT_CORE_COMMON_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define SECPLAT_CHECK(cond, why)                                                                  \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "SECPLAT_CHECK failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, #cond, \
                   why);                                                                          \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)

#endif  // SECPLAT_CORE_COMMON_CHECK_H_
