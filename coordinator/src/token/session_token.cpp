#include "wirelink/coordinator/session_token.hpp"

#include <nlohmann/json.hpp>

#include "wirelink/base/encoding.hpp"
#include "wirelink/coordinator/errors.hpp"
#include "wirelink/coordinator/paseto.hpp"
#include "wirelink/coordinator/rfc3339.hpp"

namespace wl::coordinator {
namespace {

using nlohmann::json;
constexpr std::size_t kMaxFooter = 256;
constexpr std::size_t kMaxToken = std::size_t{16} * 1024;
constexpr const char* kClaim = "wirelink_session";

std::string_view implicit_of(const PublicKey& k) {
  return {reinterpret_cast<const char*>(k.data()), 32};
}

Error invalid(std::string d) {
  return Error{coord_errc::token_invalid, std::move(d)};
}

Result<std::vector<std::string>> string_array(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return invalid(std::string("claim ") + key + " missing");
  std::vector<std::string> out;
  for (const auto& e : *it) {
    if (!e.is_string()) return invalid(std::string("claim ") + key + " has a non-string entry");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<WallTime> time_claim(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return invalid(std::string("claim ") + key + " missing");
  auto t = parse_rfc3339(it->get<std::string>());
  if (!t) return invalid(std::string("claim ") + key + " is not RFC 3339");
  return *t;
}

Result<std::string> kid_of(std::string_view token) {
  auto footer = paseto::untrusted_footer(token);
  if (!footer) return invalid("token: " + footer.error().detail);
  if (footer->empty()) return invalid("token has no footer (kid)");
  if (footer->size() > kMaxFooter) return invalid("token footer too long");
  json f = json::parse(*footer, nullptr, false);
  if (f.is_discarded() || !f.is_object()) return invalid("token footer is not a JSON object");
  auto it = f.find("kid");
  if (it == f.end() || !it->is_string()) return invalid("token footer has no kid");
  return it->get<std::string>();
}

}  // namespace

std::string mint_session_token(const SigningKey& key, const SessionClaims& c) {
  const std::string sub = c.sub.to_base64();
  json payload = {
      {"iss", "wirelink-coordinator"},
      {"sub", sub},
      {"iat", format_rfc3339(c.iat)},
      {"nbf", format_rfc3339(c.nbf)},
      {"exp", format_rfc3339(c.exp)},
      {kClaim,
       {{"sub", sub},
        {"cohort", c.cohort},
        {"exp", format_rfc3339(c.exp)},
        {"exit_set", c.exit_set},
        {"path", c.path}}},
  };
  // Written only once a peer has disconnected, so other tokens keep their shape.
  if (c.gen != 0) payload[kClaim]["gen"] = c.gen;
  const std::string footer = json{{"kid", key.pid}}.dump();
  return paseto::v4_public_sign(key.secret, payload.dump(), footer, implicit_of(c.sub));
}

Result<SessionClaims> verify_session_token(std::string_view token, const KeyRing& ring,
                                           const PublicKey& expected_subject, WallTime now,
                                           Duration leeway) {
  if (token.size() > kMaxToken) return invalid("token too long");
  auto kid = kid_of(token);
  if (!kid) return kid.error();
  const auto* pk = ring.find(*kid);
  if (!pk) return invalid("token signed by an unknown key " + *kid);
  auto opened = paseto::v4_public_verify(token, *pk, implicit_of(expected_subject));
  if (!opened) return invalid("token: " + opened.error().detail);

  json p = json::parse(opened->message, nullptr, false);
  if (p.is_discarded() || !p.is_object()) return invalid("token payload is not a JSON object");
  SessionClaims c;
  c.kid = *kid;
  auto sub = p.find("sub");
  if (sub == p.end() || !sub->is_string()) return invalid("claim sub missing");
  auto subkey = PublicKey::parse(sub->get<std::string>());
  if (!subkey || *subkey != expected_subject) return invalid("token subject is not this peer");
  c.sub = *subkey;
  auto iat = time_claim(p, "iat");
  if (!iat) return iat.error();
  auto nbf = time_claim(p, "nbf");
  if (!nbf) return nbf.error();
  auto exp = time_claim(p, "exp");
  if (!exp) return exp.error();
  c.iat = *iat;
  c.nbf = *nbf;
  c.exp = *exp;
  auto s = p.find(kClaim);
  if (s == p.end() || !s->is_object()) return invalid("claim wirelink_session missing");
  auto ssub = s->find("sub");
  if (ssub == s->end() || !ssub->is_string() || ssub->get<std::string>() != sub->get<std::string>())
    return invalid("session sub differs from token sub");
  auto sexp = time_claim(*s, "exp");
  if (!sexp) return sexp.error();
  if (*sexp != c.exp) return invalid("session exp differs from token exp");
  auto cohort = s->find("cohort");
  if (cohort == s->end() || !cohort->is_string()) return invalid("claim cohort missing");
  c.cohort = cohort->get<std::string>();
  auto exits = string_array(*s, "exit_set");
  if (!exits) return exits.error();
  c.exit_set = std::move(*exits);
  auto path = string_array(*s, "path");
  if (!path) return path.error();
  c.path = std::move(*path);
  if (auto gen = s->find("gen"); gen != s->end()) {
    if (!gen->is_number_unsigned()) return invalid("claim gen is not an unsigned integer");
    c.gen = gen->get<std::uint64_t>();
  }

  if (c.exp <= now) return Error{coord_errc::token_expired, "token expired"};
  if (c.nbf > now + leeway) return Error{coord_errc::token_expired, "token not yet valid (nbf)"};
  if (c.iat > now + leeway) return Error{coord_errc::token_invalid, "token issued in the future"};
  return c;
}

Result<PublicKey> untrusted_subject(std::string_view token) {
  constexpr std::string_view h = "v4.public.";
  if (token.size() > kMaxToken || token.substr(0, h.size()) != h)
    return invalid("not a v4.public token");
  auto rest = token.substr(h.size());
  auto body = wl::base64url_decode(rest.substr(0, rest.find('.')));
  if (!body || body->size() < 64) return invalid("token body malformed");
  json p = json::parse(body->begin(), body->end() - 64, nullptr, false);
  if (p.is_discarded() || !p.is_object()) return invalid("token payload is not a JSON object");
  auto sub = p.find("sub");
  if (sub == p.end() || !sub->is_string()) return invalid("claim sub missing");
  auto k = PublicKey::parse(sub->get<std::string>());
  if (!k) return invalid("claim sub is not a WireGuard key");
  return *k;
}

}  // namespace wl::coordinator
