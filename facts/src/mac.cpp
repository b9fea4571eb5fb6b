#include "wirelink/facts/mac.hpp"

#include <sodium.h>

namespace wl::facts {

std::optional<PairwiseKey> pairwise_key(const PrivateKey& own, const PublicKey& peer) {
  PairwiseKey k;
  // libsodium refuses (returns -1) when the result is all zeros; check again regardless,
  // because an all-zero key would let anyone forge tags.
  if (crypto_scalarmult(k.data(), own.data(), peer.data()) != 0 || k.is_zero()) return std::nullopt;
  return k;
}

Tag mac_tag(const PairwiseKey& key, const Nonce& nonce, std::span<const std::uint8_t> inner) {
  Tag tag{};
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(tag.data(), &clen, nullptr, 0, inner.data(),
                                             inner.size(), nullptr, nonce.data(), key.data());
  return tag;
}

bool mac_verify(const PairwiseKey& key, const Nonce& nonce, const Tag& tag,
                std::span<const std::uint8_t> inner) {
  unsigned long long mlen = 0;
  unsigned char dummy[1];
  return crypto_aead_xchacha20poly1305_ietf_decrypt(dummy, &mlen, nullptr, tag.data(), tag.size(),
                                                    inner.data(), inner.size(), nonce.data(),
                                                    key.data()) == 0;
}

}  // namespace wl::facts
