#include "wirelink/wg/crypto/primitives.hpp"

#include <blake2.h>
#include <sodium.h>

#include <atomic>
#include <cstring>

#include "aead_openssl.hpp"

namespace wl::wg::crypto {

bool init() {
  return sodium_init() >= 0;
}

void hash(std::uint8_t out[kHashLen], Bytes a, Bytes b, Bytes c) {
  blake2s_state s;
  blake2s_init(&s, kHashLen);
  blake2s_update(&s, a.data(), a.size());
  if (!b.empty()) blake2s_update(&s, b.data(), b.size());
  if (!c.empty()) blake2s_update(&s, c.data(), c.size());
  blake2s_final(&s, out, kHashLen);
}

void mac(std::uint8_t out[kMacLen], Bytes key, Bytes x) {
  blake2s_state s;
  blake2s_init_key(&s, kMacLen, key.data(), key.size());
  blake2s_update(&s, x.data(), x.size());
  blake2s_final(&s, out, kMacLen);
  sodium_memzero(&s, sizeof s);
}

void hmac(std::uint8_t out[kHashLen], Bytes key, Bytes a, Bytes b) {
  // Keys here are at most 32 bytes (chaining keys), shorter than the 64-byte block.
  std::uint8_t k[64] = {};
  if (key.size() > 64) {
    hash(k, key);
  } else if (!key.empty()) {
    std::memcpy(k, key.data(), key.size());
  }
  std::uint8_t pad[64];
  std::uint8_t inner[kHashLen];
  blake2s_state s;
  for (int i = 0; i < 64; ++i) pad[i] = k[i] ^ 0x36;
  blake2s_init(&s, kHashLen);
  blake2s_update(&s, pad, 64);
  if (!a.empty()) blake2s_update(&s, a.data(), a.size());
  if (!b.empty()) blake2s_update(&s, b.data(), b.size());
  blake2s_final(&s, inner, kHashLen);
  for (int i = 0; i < 64; ++i) pad[i] = k[i] ^ 0x5c;
  blake2s_init(&s, kHashLen);
  blake2s_update(&s, pad, 64);
  blake2s_update(&s, inner, kHashLen);
  blake2s_final(&s, out, kHashLen);
  sodium_memzero(k, sizeof k);
  sodium_memzero(pad, sizeof pad);
  sodium_memzero(inner, sizeof inner);
  sodium_memzero(&s, sizeof s);
}

void kdf(std::uint8_t* t1, std::uint8_t* t2, std::uint8_t* t3, Bytes key, Bytes input) {
  std::uint8_t prk[kHashLen];
  std::uint8_t o1[kHashLen];
  std::uint8_t o2[kHashLen];
  hmac(prk, key, input);
  const std::uint8_t c1 = 1;
  const std::uint8_t c2 = 2;
  const std::uint8_t c3 = 3;
  hmac(o1, Bytes(prk, kHashLen), Bytes(&c1, 1));
  if (t2 != nullptr || t3 != nullptr)
    hmac(o2, Bytes(prk, kHashLen), Bytes(o1, kHashLen), Bytes(&c2, 1));
  if (t3 != nullptr) hmac(t3, Bytes(prk, kHashLen), Bytes(o2, kHashLen), Bytes(&c3, 1));
  if (t1 != nullptr) std::memcpy(t1, o1, kHashLen);
  if (t2 != nullptr) std::memcpy(t2, o2, kHashLen);
  sodium_memzero(prk, sizeof prk);
  sodium_memzero(o1, sizeof o1);
  sodium_memzero(o2, sizeof o2);
}

bool dh(std::uint8_t out[kKeyLen], const std::uint8_t priv[kKeyLen],
        const std::uint8_t pub[kKeyLen]) {
  if (crypto_scalarmult_curve25519(out, priv, pub) != 0) {
    sodium_memzero(out, kKeyLen);
    return false;
  }
  return sodium_is_zero(out, kKeyLen) == 0;
}

void dh_public(std::uint8_t pub[kKeyLen], const std::uint8_t priv[kKeyLen]) {
  crypto_scalarmult_curve25519_base(pub, priv);
}

void dh_generate(std::uint8_t priv[kKeyLen]) {
  randombytes_buf(priv, kKeyLen);
  priv[0] &= 248;
  priv[31] = static_cast<std::uint8_t>((priv[31] & 127) | 64);
}

namespace {
void nonce12(std::uint8_t n[12], std::uint64_t counter) {
  std::memset(n, 0, 4);
  for (int i = 0; i < 8; ++i) n[4 + i] = static_cast<std::uint8_t>(counter >> (8 * i));
}
std::atomic<AeadBackend> g_backend{AeadBackend::sodium};
}  // namespace

void set_aead_backend(AeadBackend b) {
  g_backend = b;
}
AeadBackend aead_backend() {
  return g_backend.load(std::memory_order_relaxed);
}

void aead_seal(std::uint8_t* out, const std::uint8_t key[kKeyLen], std::uint64_t counter, Bytes in,
               Bytes aad) {
  std::uint8_t n[12];
  nonce12(n, counter);
  if (aead_backend() == AeadBackend::openssl && ossl_seal(out, key, n, in, aad)) return;
  unsigned long long maclen = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(
      out, out + in.size(), &maclen, in.data(), in.size(), aad.data(), aad.size(), nullptr, n, key);
}

bool aead_open(std::uint8_t* out, const std::uint8_t key[kKeyLen], std::uint64_t counter, Bytes in,
               Bytes aad) {
  if (in.size() < kTagLen) return false;
  std::uint8_t n[12];
  nonce12(n, counter);
  if (aead_backend() == AeadBackend::openssl) return ossl_open(out, key, n, in, aad);
  const std::size_t len = in.size() - kTagLen;
  return crypto_aead_chacha20poly1305_ietf_decrypt_detached(
             out, nullptr, in.data(), len, in.data() + len, aad.data(), aad.size(), n, key) == 0;
}

void xaead_seal(std::uint8_t* out, const std::uint8_t key[kKeyLen],
                const std::uint8_t nonce[kXNonceLen], Bytes in, Bytes aad) {
  unsigned long long maclen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out, out + in.size(), &maclen, in.data(),
                                                      in.size(), aad.data(), aad.size(), nullptr,
                                                      nonce, key);
}

bool xaead_open(std::uint8_t* out, const std::uint8_t key[kKeyLen],
                const std::uint8_t nonce[kXNonceLen], Bytes in, Bytes aad) {
  if (in.size() < kTagLen) return false;
  const std::size_t len = in.size() - kTagLen;
  return crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out, nullptr, in.data(), len,
                                                             in.data() + len, aad.data(),
                                                             aad.size(), nonce, key) == 0;
}

void random_bytes(std::uint8_t* out, std::size_t n) {
  randombytes_buf(out, n);
}
std::uint32_t random_u32() {
  return randombytes_random();
}
std::uint32_t random_uniform(std::uint32_t bound) {
  return randombytes_uniform(bound);
}
void wipe(void* p, std::size_t n) {
  sodium_memzero(p, n);
}
bool equal16(const std::uint8_t* a, const std::uint8_t* b) {
  return crypto_verify_16(a, b) == 0;
}

}  // namespace wl::wg::crypto
