// SystemClock: the real wall clock behind core's Clock interface.
#ifndef SECPLAT_ADAPTERS_SYSTEM_SYSTEM_CLOCK_H_
#define SECPLAT_ADAPTERS_SYSTEM_SYSTEM_CLOCK_H_

#include <chrono>

#include "core/common/clock.h"

namespace secplat::adapters::system {

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }
};

}  // namespace secplat::adapters::system

#endif  // SECPLAT_ADAPTERS_SYSTEM_SYSTEM_CLOCK_H_
