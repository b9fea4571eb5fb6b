#include "wirelink/coordinator/paserk.hpp"

#include <sodium.h>

#include "wirelink/base/encoding.hpp"
#include "wirelink/base/errors.hpp"

namespace wl::coordinator::paserk {
namespace {

Error bad(std::string d) {
  return Error{wl::errc::invalid_key, std::move(d)};
}

std::string with_prefix(std::string_view prefix, std::span<const std::uint8_t> bytes) {
  return std::string(prefix) + wl::base64url_encode(bytes);
}

// Decodes the body after an exact prefix, requiring `len` bytes. The buffer is wiped by the
// caller's key type; the temporary vector is wiped here.
template <class F>
auto decode(std::string_view s, std::string_view prefix, std::size_t len, F make)
    -> decltype(make(std::span<const std::uint8_t>{})) {
  if (s.substr(0, prefix.size()) != prefix)
    return bad("PASERK: expected prefix " + std::string(prefix));
  auto b = wl::base64url_decode(s.substr(prefix.size()));
  if (!b) return bad("PASERK: body is not canonical unpadded base64url");
  if (b->size() != len) {
    sodium_memzero(b->data(), b->size());
    return bad("PASERK: " + std::string(prefix) + " key must be " + std::to_string(len) + " bytes");
  }
  auto r = make(std::span<const std::uint8_t>(*b));
  sodium_memzero(b->data(), b->size());
  return r;
}

std::string id_of(std::string_view h, const std::string& paserk) {
  std::string in(h);
  in += paserk;
  std::array<std::uint8_t, 33> d{};
  crypto_generichash(d.data(), d.size(), reinterpret_cast<const std::uint8_t*>(in.data()),
                     in.size(), nullptr, 0);
  return std::string(h) + wl::base64url_encode(d);
}

}  // namespace

std::string to_local(const paseto::V4LocalKey& k) {
  return with_prefix("k4.local.", k.bytes().span());
}
std::string to_public(const paseto::V4PublicKey& k) {
  return with_prefix("k4.public.", k.bytes());
}
std::string to_secret(const paseto::V4SecretKey& k) {
  return with_prefix("k4.secret.", k.bytes().span());
}

Result<paseto::V4LocalKey> parse_local(std::string_view s) {
  return decode(s, "k4.local.", 32,
                [](std::span<const std::uint8_t> b) { return paseto::V4LocalKey::from_bytes(b); });
}

Result<paseto::V4PublicKey> parse_public(std::string_view s) {
  return decode(s, "k4.public.", 32,
                [](std::span<const std::uint8_t> b) -> Result<paseto::V4PublicKey> {
                  std::array<std::uint8_t, 32> a{};
                  std::copy(b.begin(), b.end(), a.begin());
                  return paseto::V4PublicKey(a);
                });
}

Result<paseto::V4SecretKey> parse_secret(std::string_view s) {
  return decode(s, "k4.secret.", 64,
                [](std::span<const std::uint8_t> b) { return paseto::V4SecretKey::from_bytes(b); });
}

std::string lid(const paseto::V4LocalKey& k) {
  return id_of("k4.lid.", to_local(k));
}
std::string pid(const paseto::V4PublicKey& k) {
  return id_of("k4.pid.", to_public(k));
}
std::string sid(const paseto::V4SecretKey& k) {
  std::string s = to_secret(k);
  std::string r = id_of("k4.sid.", s);
  sodium_memzero(s.data(), s.size());
  return r;
}

}  // namespace wl::coordinator::paserk
