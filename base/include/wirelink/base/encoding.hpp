// Strict encodings for keys and tokens. Pure functions, no allocation beyond the result.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wl {

// Standard base64 with padding. decode_key accepts exactly 44 characters that decode to 32
// bytes with '=' padding and zero trailing bits (the only canonical form); anything else fails.
std::string base64_encode(std::span<const std::uint8_t> bytes);
std::optional<std::array<std::uint8_t, 32>> base64_decode_key(std::string_view text);

// Unpadded base64url (RFC 4648 §5), strict: rejects padding, whitespace and non-canonical bits.
std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

// Lower-case hex. hex_decode accepts either case, rejects odd lengths and non-hex characters.
std::string hex_encode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view text);
std::optional<std::array<std::uint8_t, 32>> hex_decode_key(std::string_view text);

}  // namespace wl
