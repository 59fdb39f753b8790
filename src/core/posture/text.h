// Small text helpers for posture reasons (libstdc++ 12 has no <format>). Internal to
// core/posture.
//
//   EXPECT_EQ(FormatSpan(std::chrono::seconds(130)), "2m10s");
//   EXPECT_EQ(FormatRatio(0.3417), "0.34");
#ifndef SECPLAT_CORE_POSTURE_TEXT_H_
#define SECPLAT_CORE_POSTURE_TEXT_H_

#include <string>

#include "core/common/time.h"

namespace secplat::core::posture {

// "0s", "45s", "2m10s", "1h0m5s", "1.5s"; negative spans print as "0s".
std::string FormatSpan(Duration d);

// Fixed notation with two decimals: 0.3417 -> "0.34".
std::string FormatRatio(double v);

}  // namespace secplat::core::posture

#endif  // SECPLAT_CORE_POSTURE_TEXT_H_
