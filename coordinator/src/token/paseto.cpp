#include "wirelink/coordinator/paseto.hpp"

#include <sodium.h>

#include <cstring>

#include "wirelink/base/encoding.hpp"
#include "wirelink/base/errors.hpp"

namespace wl::coordinator::paseto {
namespace {

constexpr std::string_view kPublicHeader = "v4.public.";
constexpr std::string_view kLocalHeader = "v4.local.";

void le64(std::vector<std::uint8_t>& out, std::uint64_t n) {
  n &= ~(std::uint64_t{1} << 63);  // the spec clears the top bit for interoperability
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
}

std::string_view as_sv(const std::uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}
std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Error bad(std::string d) {
  return Error{wl::errc::malformed, std::move(d)};
}

struct Parts {
  std::vector<std::uint8_t> body;
  std::string footer;
};

// Splits "<header><b64 body>[.<b64 footer>]" strictly.
Result<Parts> split(std::string_view token, std::string_view header) {
  if (token.substr(0, header.size()) != header) return bad("paseto: wrong version or purpose");
  std::string_view rest = token.substr(header.size());
  std::string_view body = rest;
  std::string_view footer;
  if (auto dot = rest.find('.'); dot != std::string_view::npos) {
    body = rest.substr(0, dot);
    footer = rest.substr(dot + 1);
    if (footer.find('.') != std::string_view::npos) return bad("paseto: too many parts");
    if (footer.empty()) return bad("paseto: empty footer part");
  }
  auto b = wl::base64url_decode(body);
  if (!b) return bad("paseto: body is not canonical unpadded base64url");
  Parts p;
  p.body = std::move(*b);
  if (!footer.empty()) {
    auto f = wl::base64url_decode(footer);
    if (!f) return bad("paseto: footer is not canonical unpadded base64url");
    p.footer.assign(f->begin(), f->end());
  }
  return p;
}

std::string assemble(std::string_view header, std::span<const std::uint8_t> body,
                     std::string_view footer) {
  std::string out(header);
  out += wl::base64url_encode(body);
  if (!footer.empty()) {
    out += '.';
    out += wl::base64url_encode(as_bytes(footer));
  }
  return out;
}

// Derives (Ek, n2) and Ak for v4.local from the key and nonce.
void local_keys(const V4LocalKey& key, std::span<const std::uint8_t, 32> n, SecretBytes<32>& ek,
                std::array<std::uint8_t, 24>& n2, SecretBytes<32>& ak) {
  static constexpr std::string_view kEnc = "paseto-encryption-key";
  static constexpr std::string_view kAuth = "paseto-auth-key-for-aead";
  std::array<std::uint8_t, kAuth.size() + 32> in{};
  SecretBytes<56> tmp;
  std::memcpy(in.data(), kEnc.data(), kEnc.size());
  std::memcpy(in.data() + kEnc.size(), n.data(), 32);
  crypto_generichash(tmp.data(), 56, in.data(), kEnc.size() + 32, key.bytes().data(), 32);
  std::memcpy(ek.data(), tmp.data(), 32);
  std::memcpy(n2.data(), tmp.data() + 32, 24);
  std::memcpy(in.data(), kAuth.data(), kAuth.size());
  std::memcpy(in.data() + kAuth.size(), n.data(), 32);
  crypto_generichash(ak.data(), 32, in.data(), in.size(), key.bytes().data(), 32);
}

}  // namespace

std::vector<std::uint8_t> pae(std::span<const std::string_view> pieces) {
  std::vector<std::uint8_t> out;
  std::size_t total = 8;
  for (auto p : pieces) total += 8 + p.size();
  out.reserve(total);
  le64(out, pieces.size());
  for (auto p : pieces) {
    le64(out, p.size());
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

V4SecretKey V4SecretKey::generate() {
  V4SecretKey k;
  std::array<std::uint8_t, 32> pk{};
  crypto_sign_keypair(pk.data(), k.sk_.data());
  return k;
}

V4SecretKey V4SecretKey::from_seed(std::span<const std::uint8_t, 32> seed) {
  V4SecretKey k;
  std::array<std::uint8_t, 32> pk{};
  crypto_sign_seed_keypair(pk.data(), k.sk_.data(), seed.data());
  return k;
}

Result<V4SecretKey> V4SecretKey::from_bytes(std::span<const std::uint8_t> sk) {
  if (sk.size() != 64) return Error{wl::errc::invalid_key, "Ed25519 secret key must be 64 bytes"};
  auto k = from_seed(sk.first<32>());
  if (sodium_memcmp(k.sk_.data() + 32, sk.data() + 32, 32) != 0)
    return Error{wl::errc::invalid_key, "Ed25519 secret key: public half does not match seed"};
  return k;
}

V4PublicKey V4SecretKey::public_key() const {
  std::array<std::uint8_t, 32> pk{};
  crypto_sign_ed25519_sk_to_pk(pk.data(), sk_.data());
  return V4PublicKey(pk);
}

V4LocalKey V4LocalKey::generate() {
  V4LocalKey k;
  randombytes_buf(k.k_.data(), 32);
  return k;
}

Result<V4LocalKey> V4LocalKey::from_bytes(std::span<const std::uint8_t> b) {
  if (b.size() != 32) return Error{wl::errc::invalid_key, "v4.local key must be 32 bytes"};
  V4LocalKey k;
  std::memcpy(k.k_.data(), b.data(), 32);
  return k;
}

std::string v4_public_sign(const V4SecretKey& key, std::string_view message,
                           std::string_view footer, std::string_view implicit) {
  const std::array<std::string_view, 4> pieces{kPublicHeader, message, footer, implicit};
  const auto m2 = pae(pieces);
  std::vector<std::uint8_t> body(message.begin(), message.end());
  body.resize(message.size() + crypto_sign_BYTES);
  crypto_sign_detached(body.data() + message.size(), nullptr, m2.data(), m2.size(),
                       key.bytes().data());
  return assemble(kPublicHeader, body, footer);
}

Result<Opened> v4_public_verify(std::string_view token, const V4PublicKey& key,
                                std::string_view implicit) {
  auto parts = split(token, kPublicHeader);
  if (!parts) return parts.error();
  auto& body = parts->body;
  if (body.size() < crypto_sign_BYTES)
    return bad("paseto: v4.public body shorter than a signature");
  const std::size_t mlen = body.size() - crypto_sign_BYTES;
  const std::string_view m = as_sv(body.data(), mlen);
  const std::array<std::string_view, 4> pieces{kPublicHeader, m, parts->footer, implicit};
  const auto m2 = pae(pieces);
  if (crypto_sign_verify_detached(body.data() + mlen, m2.data(), m2.size(), key.bytes().data()) !=
      0)
    return Error{wl::errc::invalid_key, "paseto: signature does not verify"};
  return Opened{std::string(m), std::move(parts->footer)};
}

std::string v4_local_encrypt(const V4LocalKey& key, std::string_view message,
                             std::string_view footer, std::string_view implicit,
                             std::optional<std::array<std::uint8_t, 32>> nonce) {
  std::array<std::uint8_t, 32> n{};
  if (nonce)
    n = *nonce;
  else
    randombytes_buf(n.data(), n.size());
  SecretBytes<32> ek, ak;
  std::array<std::uint8_t, 24> n2{};
  local_keys(key, n, ek, n2, ak);
  std::vector<std::uint8_t> body(32 + message.size() + 32);
  std::memcpy(body.data(), n.data(), 32);
  crypto_stream_xchacha20_xor(body.data() + 32,
                              reinterpret_cast<const std::uint8_t*>(message.data()), message.size(),
                              n2.data(), ek.data());
  const std::array<std::string_view, 5> pieces{
      kLocalHeader, as_sv(n.data(), 32), as_sv(body.data() + 32, message.size()), footer, implicit};
  const auto pre = pae(pieces);
  crypto_generichash(body.data() + 32 + message.size(), 32, pre.data(), pre.size(), ak.data(), 32);
  return assemble(kLocalHeader, body, footer);
}

Result<Opened> v4_local_decrypt(std::string_view token, const V4LocalKey& key,
                                std::string_view implicit) {
  auto parts = split(token, kLocalHeader);
  if (!parts) return parts.error();
  auto& body = parts->body;
  if (body.size() < 64) return bad("paseto: v4.local body too short");
  const std::size_t clen = body.size() - 64;
  std::span<const std::uint8_t, 32> n(body.data(), 32);
  SecretBytes<32> ek, ak;
  std::array<std::uint8_t, 24> n2{};
  local_keys(key, n, ek, n2, ak);
  const std::array<std::string_view, 5> pieces{
      kLocalHeader, as_sv(body.data(), 32), as_sv(body.data() + 32, clen), parts->footer, implicit};
  const auto pre = pae(pieces);
  std::array<std::uint8_t, 32> t2{};
  crypto_generichash(t2.data(), 32, pre.data(), pre.size(), ak.data(), 32);
  // Authenticate before decrypting (encrypt-then-MAC), in constant time.
  if (sodium_memcmp(t2.data(), body.data() + 32 + clen, 32) != 0)
    return Error{wl::errc::invalid_key, "paseto: v4.local tag does not verify"};
  std::string m(clen, '\0');
  crypto_stream_xchacha20_xor(reinterpret_cast<std::uint8_t*>(m.data()), body.data() + 32, clen,
                              n2.data(), ek.data());
  return Opened{std::move(m), std::move(parts->footer)};
}

Result<std::string> untrusted_footer(std::string_view token) {
  std::string_view header;
  if (token.substr(0, kPublicHeader.size()) == kPublicHeader)
    header = kPublicHeader;
  else if (token.substr(0, kLocalHeader.size()) == kLocalHeader)
    header = kLocalHeader;
  else
    return bad("paseto: not a v4 token");
  auto parts = split(token, header);
  if (!parts) return parts.error();
  return std::move(parts->footer);
}

}  // namespace wl::coordinator::paseto
