#include "aead_openssl.hpp"

#include <openssl/evp.h>

#include <climits>

namespace wl::wg::crypto {

namespace {
// Cipher contexts are reused per thread: creating one per packet costs more than the AEAD.
struct Ctx {
  EVP_CIPHER_CTX* enc = nullptr;
  EVP_CIPHER_CTX* dec = nullptr;
  Ctx() {
    enc = EVP_CIPHER_CTX_new();
    dec = EVP_CIPHER_CTX_new();
    if (enc != nullptr &&
        EVP_EncryptInit_ex(enc, EVP_chacha20_poly1305(), nullptr, nullptr, nullptr) != 1) {
      EVP_CIPHER_CTX_free(enc);
      enc = nullptr;
    }
    if (dec != nullptr &&
        EVP_DecryptInit_ex(dec, EVP_chacha20_poly1305(), nullptr, nullptr, nullptr) != 1) {
      EVP_CIPHER_CTX_free(dec);
      dec = nullptr;
    }
  }
  ~Ctx() {
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
  }
  Ctx(const Ctx&) = delete;
  Ctx& operator=(const Ctx&) = delete;
};
Ctx& ctx() {
  thread_local Ctx c;
  return c;
}
}  // namespace

bool ossl_seal(std::uint8_t* out, const std::uint8_t key[32], const std::uint8_t nonce[12],
               std::span<const std::uint8_t> in, std::span<const std::uint8_t> aad) {
  EVP_CIPHER_CTX* c = ctx().enc;
  if (c == nullptr || in.size() > INT_MAX || aad.size() > INT_MAX) return false;
  int len = 0;
  if (EVP_EncryptInit_ex(c, nullptr, nullptr, key, nonce) != 1) return false;
  if (!aad.empty() &&
      EVP_EncryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1)
    return false;
  int total = 0;
  if (!in.empty()) {
    if (EVP_EncryptUpdate(c, out, &len, in.data(), static_cast<int>(in.size())) != 1) return false;
    total = len;
  }
  if (EVP_EncryptFinal_ex(c, out + total, &len) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + in.size()) == 1;
}

bool ossl_open(std::uint8_t* out, const std::uint8_t key[32], const std::uint8_t nonce[12],
               std::span<const std::uint8_t> in, std::span<const std::uint8_t> aad) {
  EVP_CIPHER_CTX* c = ctx().dec;
  if (c == nullptr || in.size() < 16 || in.size() > INT_MAX || aad.size() > INT_MAX) return false;
  const std::size_t n = in.size() - 16;
  std::uint8_t tag[16];
  for (int i = 0; i < 16; ++i) tag[i] = in[n + static_cast<std::size_t>(i)];
  int len = 0;
  if (EVP_DecryptInit_ex(c, nullptr, nullptr, key, nonce) != 1) return false;
  if (!aad.empty() &&
      EVP_DecryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1)
    return false;
  int total = 0;
  if (n > 0) {
    if (EVP_DecryptUpdate(c, out, &len, in.data(), static_cast<int>(n)) != 1) return false;
    total = len;
  }
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1) return false;
  return EVP_DecryptFinal_ex(c, out + total, &len) == 1;
}

}  // namespace wl::wg::crypto
