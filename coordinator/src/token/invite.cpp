#include "wirelink/coordinator/invite.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "wirelink/base/encoding.hpp"
#include "wirelink/coordinator/errors.hpp"
#include "wirelink/coordinator/paseto.hpp"
#include "wirelink/coordinator/rfc3339.hpp"

namespace wl::coordinator {
namespace {

using nlohmann::json;
constexpr std::string_view kDomain = "wirelink-invite-v1";
constexpr std::string_view kTextPrefix = "wlinv1.";
constexpr std::size_t kMaxText = 2048;

std::vector<std::uint8_t> signed_bytes(const Invite& inv) {
  const std::string issued = format_rfc3339(inv.issued_at);
  const std::string expires = inv.expires_at ? format_rfc3339(*inv.expires_at) : std::string();
  const std::array<std::string_view, 4> pieces{kDomain, inv.code, issued, expires};
  return paseto::pae(pieces);
}

Error invalid(std::string d) {
  return Error{coord_errc::invite_invalid, std::move(d)};
}

}  // namespace

Invite make_invite(const SigningKey& key, std::string code, WallTime issued_at,
                   std::optional<WallTime> expires_at) {
  Invite inv;
  inv.code = std::move(code);
  inv.issuer = key.pid;
  // Whole seconds: the signed bytes use the RFC 3339 text, so keep the struct equal to it.
  inv.issued_at = std::chrono::time_point_cast<std::chrono::seconds>(issued_at);
  if (expires_at) inv.expires_at = std::chrono::time_point_cast<std::chrono::seconds>(*expires_at);
  const auto m = signed_bytes(inv);
  crypto_sign_detached(inv.signature.data(), nullptr, m.data(), m.size(),
                       key.secret.bytes().data());
  return inv;
}

std::string random_invite_code() {
  std::array<std::uint8_t, 16> b{};
  randombytes_buf(b.data(), b.size());
  return wl::base64url_encode(b);
}

Result<void> verify_invite_signature(const Invite& inv, const KeyRing& ring) {
  const auto* pk = ring.find(inv.issuer);
  if (!pk) return invalid("invite issuer is not a trusted coordinator key");
  const auto m = signed_bytes(inv);
  if (crypto_sign_verify_detached(inv.signature.data(), m.data(), m.size(), pk->bytes().data()) !=
      0)
    return invalid("invite signature does not verify");
  return {};
}

Result<void> check_invite_time(const Invite& inv, WallTime now) {
  if (inv.expires_at && *inv.expires_at <= now)
    return Error{coord_errc::invite_expired,
                 "invite expired at " + format_rfc3339(*inv.expires_at)};
  return {};
}

std::string encode_invite(const Invite& inv) {
  json j = {{"code", inv.code},
            {"issuer", inv.issuer},
            {"issued_at", format_rfc3339(inv.issued_at)},
            {"expires_at", inv.expires_at ? format_rfc3339(*inv.expires_at) : std::string()},
            {"signature", wl::base64url_encode(inv.signature)}};
  const std::string s = j.dump();
  return std::string(kTextPrefix) +
         wl::base64url_encode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
}

Result<Invite> decode_invite(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text.size() > kMaxText) return invalid("invite too long");
  if (text.substr(0, kTextPrefix.size()) != kTextPrefix) return invalid("not a wlinv1 invite");
  auto raw = wl::base64url_decode(text.substr(kTextPrefix.size()));
  if (!raw) return invalid("invite is not base64url");
  json j = json::parse(raw->begin(), raw->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid("invite is not a JSON object");
  auto str = [&](const char* k) -> const std::string* {
    auto it = j.find(k);
    return (it != j.end() && it->is_string()) ? it->get_ptr<const std::string*>() : nullptr;
  };
  const auto* code = str("code");
  const auto* issuer = str("issuer");
  const auto* issued = str("issued_at");
  const auto* expires = str("expires_at");
  const auto* sig = str("signature");
  if (!code || !issuer || !issued || !expires || !sig) return invalid("invite field missing");
  if (code->empty() || code->size() > 128) return invalid("invite code length");
  Invite inv;
  inv.code = *code;
  inv.issuer = *issuer;
  auto ia = parse_rfc3339(*issued);
  if (!ia) return invalid("invite issued_at is not RFC 3339");
  inv.issued_at = *ia;
  if (!expires->empty()) {
    auto ea = parse_rfc3339(*expires);
    if (!ea) return invalid("invite expires_at is not RFC 3339");
    inv.expires_at = *ea;
  }
  auto s = wl::base64url_decode(*sig);
  if (!s || s->size() != 64) return invalid("invite signature must be 64 bytes");
  std::copy(s->begin(), s->end(), inv.signature.begin());
  return inv;
}

}  // namespace wl::coordinator
