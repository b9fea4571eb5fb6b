// Helpers shared by the facts tests: deterministic keys (wirelink/test/keys.hpp), hex, and
// hand-built datagrams.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "wirelink/base/encoding.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/facts/codec.hpp"
#include "wirelink/facts/mac.hpp"
#include "wirelink/test/keys.hpp"

namespace wl::facts::test {

using wl::test::private_from_seed;

inline std::vector<std::uint8_t> unhex(const std::string& s) {
  std::string clean;
  for (char c : s)
    if (c != ' ' && c != '\n') clean += c;
  auto v = hex_decode(clean);
  return v ? *v : std::vector<std::uint8_t>{};
}

inline std::vector<std::uint8_t> bytes_of(std::initializer_list<int> l) {
  std::vector<std::uint8_t> v;
  for (int x : l) v.push_back(static_cast<std::uint8_t>(x));
  return v;
}

inline void append(std::vector<std::uint8_t>& v, const std::vector<std::uint8_t>& w) {
  v.insert(v.end(), w.begin(), w.end());
}

inline void append_key(std::vector<std::uint8_t>& v, const PublicKey& k) {
  v.insert(v.end(), k.data(), k.data() + 32);
}

// Signs `inner` from `signer_priv` to `recipient` exactly as a peer would.
inline std::vector<std::uint8_t> sign_inner(const PrivateKey& signer_priv,
                                            const PublicKey& recipient,
                                            const std::vector<std::uint8_t>& inner) {
  auto key = pairwise_key(signer_priv, recipient);
  Nonce nonce{};
  for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<std::uint8_t>(i * 3 + 1);
  const Tag tag = mac_tag(*key, nonce, inner);
  return encode_datagram(public_key_of(signer_priv), nonce, tag, inner);
}

inline std::vector<std::vector<std::uint8_t>> load_hex_lines(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::vector<std::uint8_t>> out;
  std::string line;
  while (std::getline(f, line))
    if (!line.empty() && line[0] != '#') out.push_back(unhex(line));
  return out;
}

}  // namespace wl::facts::test
