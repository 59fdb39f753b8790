#include "jobqueue/internal/codec.h"

#include <charconv>

namespace secplat::jobqueue::internal {

void AppendItem(std::string* out, std::string_view item) {
  *out += std::to_string(item.size());
  *out += ':';
  out->append(item.data(), item.size());
}

std::string EncodeList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) AppendItem(&out, item);
  return out;
}

std::optional<std::vector<std::string>> DecodeList(std::string_view text) {
  std::vector<std::string> items;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t colon = text.find(':', pos);
    if (colon == std::string_view::npos || colon == pos || colon - pos > 12) return std::nullopt;
    size_t len = 0;
    auto [p, ec] = std::from_chars(text.data() + pos, text.data() + colon, len);
    if (ec != std::errc() || p != text.data() + colon) return std::nullopt;
    if (len > text.size() - colon - 1) return std::nullopt;
    items.emplace_back(text.substr(colon + 1, len));
    pos = colon + 1 + len;
  }
  return items;
}

}  // namespace secplat::jobqueue::internal
