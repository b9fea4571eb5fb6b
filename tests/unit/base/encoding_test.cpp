#include <gtest/gtest.h>

#include "wirelink/base/encoding.hpp"

namespace wl {
namespace {

TEST(Base64Key, RoundTrip) {
  std::array<std::uint8_t, 32> k{};
  for (int i = 0; i < 32; ++i) k[i] = static_cast<std::uint8_t>(i * 7 + 3);
  const std::string text = base64_encode(k);
  ASSERT_EQ(text.size(), 44u);
  auto back = base64_decode_key(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, k);
}

TEST(Base64Key, RejectsWrongLengths) {
  EXPECT_FALSE(base64_decode_key(""));
  EXPECT_FALSE(base64_decode_key("6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38GhE"));    // 43, no pad
  EXPECT_FALSE(base64_decode_key("6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38GhE=="));  // 45
  EXPECT_FALSE(base64_decode_key("AAAA"));
  // 44 characters that decode to 31 bytes ("==" padding).
  EXPECT_FALSE(base64_decode_key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="));
}

TEST(Base64Key, RejectsNonCanonicalTrailingBits) {
  // The last character before '=' carries 2 unused bits that must be zero: 'E' ok, 'F' not.
  EXPECT_TRUE(base64_decode_key("6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38GhE="));
  EXPECT_FALSE(base64_decode_key("6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38GhF="));
}

TEST(Base64Key, RejectsJunk) {
  EXPECT_FALSE(base64_decode_key(" X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38GhE="));
  EXPECT_FALSE(base64_decode_key("6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38Gh\nE="));
  EXPECT_FALSE(base64_decode_key("6X_iz1GyW9euj9JIdP7PUl14eoWyoQiAa-BDTB38GhE="));  // url alphabet
  EXPECT_FALSE(base64_decode_key("6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38Gh=E"));
  EXPECT_FALSE(
      base64_decode_key(std::string_view("6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38Gh\0=", 44)));
}

TEST(Base64Url, StrictUnpadded) {
  const std::vector<std::uint8_t> data = {0xfb, 0xff, 0x01};
  EXPECT_EQ(base64url_encode(data), "-_8B");
  EXPECT_EQ(*base64url_decode("-_8B"), data);
  EXPECT_FALSE(base64url_decode("-_8B="));
  EXPECT_FALSE(base64url_decode("+/8B"));
  EXPECT_FALSE(base64url_decode("A"));   // impossible length
  EXPECT_FALSE(base64url_decode("AB"));  // non-zero trailing bits
  EXPECT_TRUE(base64url_decode("AA"));
  EXPECT_TRUE(base64url_decode(""));
}

TEST(Hex, RoundTripAndErrors) {
  const std::vector<std::uint8_t> data = {0x00, 0xab, 0xff};
  EXPECT_EQ(hex_encode(data), "00abff");
  EXPECT_EQ(*hex_decode("00ABff"), data);
  EXPECT_EQ(hex_decode("")->size(), 0u);
  EXPECT_EQ(hex_encode({}), "");
  EXPECT_FALSE(hex_decode("0"));
  EXPECT_FALSE(hex_decode("0g"));
  EXPECT_FALSE(hex_decode("00 a"));
  EXPECT_FALSE(hex_decode_key("00"));
  EXPECT_TRUE(hex_decode_key(std::string(64, 'a')));
}

}  // namespace
}  // namespace wl
