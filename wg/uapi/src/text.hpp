// The lexical pieces both sides of the UAPI protocol share: the operation lines, key=value
// lines, decimal numbers and hex keys. Private to wl_uapi.
#pragma once

#include <sodium.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wirelink/base/encoding.hpp"

namespace wl::uapi::text {

// The first line of each request (without its newline).
inline constexpr std::string_view kGetOperation = "get=1";
inline constexpr std::string_view kSetOperation = "set=1";

struct KeyValue {
  std::string_view key;
  std::string_view value;
};
// Splits "key=value" at the first '='; nullopt for a line without one.
std::optional<KeyValue> split_key_value(std::string_view line);

// Appends "key=value\n".
void append_line(std::string& out, std::string_view key, std::string_view value);

// A number as both sides write it: decimal digits only (no sign, space or "0x"), the whole
// string, within T's range.
template <class T>
bool parse_decimal(std::string_view s, T& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// A 32-byte key is 64 hex digits. Secrets are built straight from the decoded bytes, which are
// then wiped.
inline std::string encode_key(std::span<const std::uint8_t, 32> key) {
  return hex_encode(key);
}
template <class Secret>
std::optional<Secret> decode_secret(std::string_view hex) {
  auto bytes = hex_decode_key(hex);
  if (!bytes) return std::nullopt;
  auto secret = Secret::from(std::span<const std::uint8_t, 32>(*bytes));
  sodium_memzero(bytes->data(), bytes->size());
  return secret;
}

}  // namespace wl::uapi::text
