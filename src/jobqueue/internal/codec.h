// Internal: a binary-safe encoding of a list of strings, "<len>:<bytes>" repeated, used by
// both backends for error histories and (Redis) for delayed entries, which a Lua script
// decodes with string.find/string.sub.
//
//   EXPECT_EQ(EncodeList({"a", "bc"}), "1:a2:bc");
#ifndef SECPLAT_JOBQUEUE_INTERNAL_CODEC_H_
#define SECPLAT_JOBQUEUE_INTERNAL_CODEC_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace secplat::jobqueue::internal {

std::string EncodeList(const std::vector<std::string>& items);
void AppendItem(std::string* out, std::string_view item);

// nullopt when `text` is not a valid encoding (untrusted: never crashes).
std::optional<std::vector<std::string>> DecodeList(std::string_view text);

}  // namespace secplat::jobqueue::internal

#endif  // SECPLAT_JOBQUEUE_INTERNAL_CODEC_H_
