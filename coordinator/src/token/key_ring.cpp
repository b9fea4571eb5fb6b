#include "wirelink/coordinator/key_ring.hpp"

#include "wirelink/base/errors.hpp"
#include "wirelink/coordinator/paserk.hpp"

namespace wl::coordinator {

void KeyRing::add(const paseto::V4PublicKey& k) {
  auto id = paserk::pid(k);
  if (find(id)) return;
  keys_.push_back(RingKey{std::move(id), k});
}

Result<KeyRing> KeyRing::parse(std::string_view s) {
  KeyRing ring;
  std::size_t i = 0;
  auto sep = [](char c) { return c == ',' || c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  while (i < s.size()) {
    while (i < s.size() && sep(s[i])) ++i;
    std::size_t j = i;
    while (j < s.size() && !sep(s[j])) ++j;
    if (j > i) {
      auto k = paserk::parse_public(s.substr(i, j - i));
      if (!k) return k.error();
      ring.add(*k);
    }
    i = j;
  }
  if (ring.empty()) return Error{wl::errc::invalid_key, "no k4.public key given"};
  return ring;
}

const paseto::V4PublicKey* KeyRing::find(std::string_view pid) const {
  for (const auto& k : keys_)
    if (k.pid == pid) return &k.key;
  return nullptr;
}

SigningKey SigningKey::from(paseto::V4SecretKey k) {
  SigningKey s{std::move(k), {}};
  s.pid = paserk::pid(s.secret.public_key());
  return s;
}

}  // namespace wl::coordinator
