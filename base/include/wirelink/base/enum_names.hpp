// Names for a dense enum (enumerators 0, 1, ... `last`, none assigned by hand): one table of
// names per enum instead of a switch, checked at compile time to hold exactly one name per
// enumerator, so adding an enumerator without its name fails to build.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

namespace wl {

// The name of `v`, or `invalid` for a value outside the enum (a cast from bad input).
template <auto Last, std::size_t N>
constexpr std::string_view enum_name(decltype(Last) v, const std::array<std::string_view, N>& names,
                                     std::string_view invalid = "invalid") {
  static_assert(std::is_enum_v<decltype(Last)>);
  static_assert(static_cast<std::size_t>(Last) + 1 == N, "one name per enumerator");
  const auto i = static_cast<std::size_t>(v);
  return i < N ? names[i] : invalid;
}

}  // namespace wl
