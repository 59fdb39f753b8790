// Clock: the one interface through which service loops read time. core/ never reads a clock;
// it takes `now`. adapters/system/system_clock.h implements it; tests use
// testing::FakeClock (tests/support/fake_clock.h).
#ifndef SECPLAT_CORE_COMMON_CLOCK_H_
#define SECPLAT_CORE_COMMON_CLOCK_H_

#include "core/common/time.h"

namespace secplat {

class Clock {
 public:
  virtual ~Clock() = default;
  // Current wall-clock time, UTC, millisecond resolution. Thread-safe in every implementation.
  virtual Timestamp Now() const = 0;
};

}  // namespace secplat

#endif  // SECPLAT_CORE_COMMON_CLOCK_H_
