#include <gtest/gtest.h>

#include <type_traits>

#include "wirelink/base/secret.hpp"

namespace wl {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBytes<32>>);
static_assert(!std::is_copy_assignable_v<SecretBytes<32>>);

TEST(SecretBytes, MoveWipesSource) {
  SecretBytes<32> a;
  a.data()[0] = 0x42;
  a.data()[31] = 0x17;
  SecretBytes<32> b(std::move(a));
  EXPECT_EQ(b.data()[0], 0x42);
  EXPECT_TRUE(a.is_zero());  // NOLINT(bugprone-use-after-move): wiping is the contract
  EXPECT_FALSE(b.is_zero());
}

TEST(SecretBytes, WipeAndCompare) {
  SecretBytes<16> a;
  a.data()[3] = 1;
  auto b = a.clone();
  EXPECT_TRUE(a.equals(b));
  b.wipe();
  EXPECT_TRUE(b.is_zero());
  EXPECT_FALSE(a.equals(b));
}

}  // namespace
}  // namespace wl
