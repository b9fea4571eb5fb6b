#include "wirelink/base/encoding.hpp"

#include <sodium.h>

namespace wl {
namespace {
std::string b64(std::span<const std::uint8_t> bytes, int variant) {
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), variant);
  out.resize(out.size() - 1);  // drop the NUL libsodium counts in the length
  return out;
}
bool b64_decode(std::string_view text, int variant, std::vector<std::uint8_t>& out) {
  out.resize(text.size() * 3 / 4 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  // libsodium rejects non-zero trailing bits and bad padding; `end` catches trailing junk.
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        variant) != 0)
    return false;
  if (end != text.data() + text.size()) return false;
  out.resize(len);
  return true;
}
}  // namespace

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  return b64(bytes, sodium_base64_VARIANT_ORIGINAL);
}

std::optional<std::array<std::uint8_t, 32>> base64_decode_key(std::string_view text) {
  if (text.size() != 44 || text[43] != '=' || text[42] == '=') return std::nullopt;
  std::vector<std::uint8_t> buf;
  if (!b64_decode(text, sodium_base64_VARIANT_ORIGINAL, buf) || buf.size() != 32)
    return std::nullopt;
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < 32; ++i) key[i] = buf[i];
  sodium_memzero(buf.data(), buf.size());
  return key;
}

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  return b64(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text) {
  // A length of 1 mod 4 can never be produced by an encoder.
  if (text.size() % 4 == 1) return std::nullopt;
  std::vector<std::uint8_t> buf;
  if (!b64_decode(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING, buf)) return std::nullopt;
  return buf;
}

std::string hex_encode(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {};
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  if (text.empty()) return std::vector<std::uint8_t>{};  // libsodium must not see a null buffer
  std::vector<std::uint8_t> out(text.size() / 2);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end) != 0)
    return std::nullopt;
  if (end != text.data() + text.size() || len != out.size()) return std::nullopt;
  return out;
}

std::optional<std::array<std::uint8_t, 32>> hex_decode_key(std::string_view text) {
  if (text.size() != 64) return std::nullopt;
  auto v = hex_decode(text);
  if (!v) return std::nullopt;
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < 32; ++i) key[i] = (*v)[i];
  sodium_memzero(v->data(), v->size());
  return key;
}

}  // namespace wl
