#include "wirelink/base/enum_names.hpp"

#include <gtest/gtest.h>

namespace wl {
namespace {

enum class Colour { red, green, blue };

std::string_view name(Colour c) {
  static constexpr std::array<std::string_view, 3> kNames = {"red", "green", "blue"};
  return enum_name<Colour::blue>(c, kNames);
}

TEST(EnumNames, EachEnumeratorHasItsName) {
  EXPECT_EQ(name(Colour::red), "red");
  EXPECT_EQ(name(Colour::green), "green");
  EXPECT_EQ(name(Colour::blue), "blue");
}

TEST(EnumNames, AValueOutsideTheEnumIsInvalid) {
  EXPECT_EQ(name(static_cast<Colour>(3)), "invalid");
  EXPECT_EQ(name(static_cast<Colour>(200)), "invalid");
  static constexpr std::array<std::string_view, 3> kNames = {"r", "g", "b"};
  EXPECT_EQ(enum_name<Colour::blue>(static_cast<Colour>(7), kNames, "?"), "?");
}

}  // namespace
}  // namespace wl
