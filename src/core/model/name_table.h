// Enum <-> wire-name tables: the two lookups every names.cc shares. Each enum's names are
// spelled once, in its table.
//
//   constexpr std::array<std::pair<Color, std::string_view>, 2> kColors{
//       {{Color::kRed, "red"}, {Color::kBlue, "blue"}}};
//   NameOf(kColors, Color::kRed) == "red";   ValueOf(kColors, "blue") == Color::kBlue
#ifndef SECPLAT_CORE_MODEL_NAME_TABLE_H_
#define SECPLAT_CORE_MODEL_NAME_TABLE_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace secplat::core::model::names {

// The name of `value`; "unknown" for a value missing from the table.
template <typename E, size_t N>
constexpr std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table,
                                  E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

// The value named `name`; nullopt for a name missing from the table.
template <typename E, size_t N>
constexpr std::optional<E> ValueOf(const std::array<std::pair<E, std::string_view>, N>& table,
                                   std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace secplat::core::model::names

#endif  // SECPLAT_CORE_MODEL_NAME_TABLE_H_
