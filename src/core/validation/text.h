// Text checks shared by the validators: UTF-8 well-formedness, NUL bytes (PostgreSQL text
// cannot hold them) and lengths counted in characters (Unicode code points).
//
// From tests/core/validation/text_test.cc:
//   EXPECT_EQ(CheckText("name", "", 1, 200).error().message, "name: must be 1 to 200 characters");
//   EXPECT_EQ(CountCodePoints("h\xc3\xa9"), 2u);
#ifndef SECPLAT_CORE_VALIDATION_TEXT_H_
#define SECPLAT_CORE_VALIDATION_TEXT_H_

#include <cstddef>
#include <string_view>

#include "core/common/result.h"

namespace secplat::core::validation {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Number of code points in well-formed UTF-8 (bytes that are not continuation bytes).
size_t CountCodePoints(std::string_view s);

// Checks that `value` is valid UTF-8 without NUL and has min_chars..max_chars code points.
// Errors: kInvalidArgument "<field>: must be valid UTF-8", "<field>: must not contain NUL
// characters", "<field>: must be 1 to 200 characters" (min > 0) or "<field>: must be at most
// 256 characters" (min == 0).
Status CheckText(std::string_view field, std::string_view value, size_t min_chars,
                 size_t max_chars);

}  // namespace secplat::core::validation

#endif  // SECPLAT_CORE_VALIDATION_TEXT_H_
