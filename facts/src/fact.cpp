#include "wirelink/facts/fact.hpp"

#include "wirelink/base/encoding.hpp"
#include "wirelink/facts/codec.hpp"

namespace wl::facts {

std::vector<std::uint8_t> FeatureSet::encode() const {
  std::vector<std::uint8_t> out;
  for (unsigned b = 0; b < 32; ++b)
    if (bits_ & (1u << b)) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

std::optional<FeatureSet> FeatureSet::decode(const std::vector<std::uint8_t>& value) {
  FeatureSet s;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (i > 0 && value[i] <= value[i - 1]) return std::nullopt;
    // Unknown features (a newer peer) are ignored, so the set only grows by agreement.
    if (value[i] == static_cast<std::uint8_t>(Feature::coordinator_token) ||
        value[i] == static_cast<std::uint8_t>(Feature::trust_grant) ||
        value[i] == static_cast<std::uint8_t>(Feature::liveness))
      s.add(static_cast<Feature>(value[i]));
  }
  return s;
}

std::optional<std::string> MemberMetadata::name() const {
  auto it = entries.find(kNameKey);
  if (it == entries.end()) return std::nullopt;
  return std::string(it->second.begin(), it->second.end());
}

void MemberMetadata::set_name(const std::string& n) {
  entries[kNameKey] = std::vector<std::uint8_t>(n.begin(), n.end());
}

std::optional<bool> MemberMetadata::basic() const {
  auto it = entries.find(kBasicKey);
  if (it == entries.end() || it->second.size() != 1) return std::nullopt;
  return it->second[0] != 0;
}

void MemberMetadata::set_basic(bool b) {
  entries[kBasicKey] = {static_cast<std::uint8_t>(b ? 1 : 0)};
}

FeatureSet MemberMetadata::features() const {
  auto it = entries.find(kFeatureKey);
  if (it == entries.end()) return {};
  return FeatureSet::decode(it->second).value_or(FeatureSet{});
}

void MemberMetadata::set_features(const FeatureSet& f) {
  if (f.empty())
    entries.erase(kFeatureKey);
  else
    entries[kFeatureKey] = f.encode();
}

Fact make_alive(const PublicKey& subject, const BootId& boot) {
  return Fact{Attribute::alive, subject, boot};
}

Fact make_endpoint(const PublicKey& subject, const Endpoint& ep) {
  // Endpoints carry no scope on the wire.
  const Endpoint plain(ep.address(), ep.port());
  return Fact{ep.address().is_v4() ? Attribute::endpoint_v4 : Attribute::endpoint_v6, subject,
              plain};
}

Fact make_allowed_ip(const PublicKey& subject, const Cidr& cidr) {
  return Fact{cidr.address().is_v4() ? Attribute::allowed_ip_v4 : Attribute::allowed_ip_v6, subject,
              cidr};
}

Fact make_member(const PublicKey& subject, MemberMetadata meta) {
  return Fact{Attribute::member_metadata, subject, std::move(meta)};
}

Fact make_token(const PublicKey& subject, std::vector<std::uint8_t> token) {
  return Fact{Attribute::coordinator_token, subject, TokenBytes{std::move(token)}};
}

Fact make_grant(const PublicKey& subject, std::uint8_t level) {
  return Fact{Attribute::trust_grant, subject, Grant{level}};
}

FactKey key_of(const Fact& f) {
  FactKey k;
  k.attr = f.attr;
  k.subject = f.subject;
  if (f.attr != Attribute::alive) k.value = encode_value(f);
  return k;
}

bool is_extension(Attribute a) {
  return feature_for(a).has_value();
}

std::optional<Feature> feature_for(Attribute a) {
  switch (a) {
    case Attribute::coordinator_token:
      return Feature::coordinator_token;
    case Attribute::trust_grant:
      return Feature::trust_grant;
    default:
      return std::nullopt;
  }
}

std::string describe(const Fact& f) {
  std::string s(1, static_cast<char>(f.attr));
  s += ' ';
  s += f.subject.to_base64();
  if (const auto* ep = std::get_if<Endpoint>(&f.value)) {
    s += ' ' + ep->to_string();
  } else if (const auto* c = std::get_if<Cidr>(&f.value)) {
    s += ' ' + c->to_string();
  } else if (const auto* b = std::get_if<BootId>(&f.value)) {
    s += " boot=" + hex_encode(*b);
  } else if (const auto* m = std::get_if<MemberMetadata>(&f.value)) {
    if (auto n = m->name()) s += " name=" + *n;
    if (auto b2 = m->basic()) s += *b2 ? " basic" : "";
    s += " keys=" + std::to_string(m->entries.size());
  } else if (const auto* t = std::get_if<TokenBytes>(&f.value)) {
    s += " token(" + std::to_string(t->bytes.size()) + " bytes)";
  } else if (const auto* g = std::get_if<Grant>(&f.value)) {
    s += " level=" + std::to_string(g->level);
  }
  return s;
}

}  // namespace wl::facts
