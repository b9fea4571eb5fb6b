// Wire codec. Every branch of the decoder either consumes exactly the bytes an attribute
// defines or rejects the whole datagram: wirelink 0.14 has no version field, so a lenient
// parser here would silently accept what a Go node rejects and split the mesh's view.
#include "wirelink/facts/codec.hpp"

#include <algorithm>
#include <cstring>

#include "wirelink/base/enum_names.hpp"

namespace wl::facts {

std::string_view to_string(RejectReason r) {
  static constexpr std::array<std::string_view, kRejectReasonCount> kNames = {"none",
                                                                              "truncated",
                                                                              "not_signed_group",
                                                                              "nested_group",
                                                                              "unknown_attribute",
                                                                              "bad_varint",
                                                                              "ttl_too_large",
                                                                              "bad_length",
                                                                              "prefix_too_long",
                                                                              "v4_mapped_endpoint",
                                                                              "bad_metadata",
                                                                              "bad_grant",
                                                                              "bad_source_address",
                                                                              "zero_shared_secret",
                                                                              "bad_mac",
                                                                              "self_signed"};
  // count_ is the table's size, not a reason: it reads as "invalid" like any other bad value.
  return r == RejectReason::count_ ? "invalid" : enum_name<RejectReason::self_signed>(r, kNames);
}

void put_uvarint(std::uint64_t v, std::vector<std::uint8_t>& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

std::size_t uvarint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

std::size_t get_uvarint(std::span<const std::uint8_t> in, std::uint64_t& v) {
  // Same acceptance as Go's binary.Uvarint: at most 10 bytes, no overflow of 64 bits.
  v = 0;
  unsigned shift = 0;
  for (std::size_t i = 0; i < in.size() && i < 10; ++i) {
    const std::uint8_t b = in[i];
    if (b < 0x80) {
      if (i == 9 && b > 1) return 0;
      v |= static_cast<std::uint64_t>(b) << shift;
      return i + 1;
    }
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    shift += 7;
  }
  return 0;
}

namespace {

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return b_.size() - pos_; }
  bool done() const { return pos_ >= b_.size(); }
  bool byte(std::uint8_t& out) {
    if (left() < 1) return false;
    out = b_[pos_++];
    return true;
  }
  bool bytes(std::uint8_t* out, std::size_t n) {
    if (left() < n) return false;
    if (n) std::memcpy(out, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::span<const std::uint8_t> take(std::size_t n) {
    auto s = b_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  // 0 = ok, else the reason.
  RejectReason uvarint(std::uint64_t& v) {
    const std::size_t n = get_uvarint(b_.subspan(pos_), v);
    if (n == 0) {
      // Distinguish "ran out" from "overlong"; both void the datagram.
      bool terminated = false;
      for (std::size_t i = pos_; i < b_.size() && i < pos_ + 10; ++i)
        if (b_[i] < 0x80) terminated = true;
      return terminated || left() >= 10 ? RejectReason::bad_varint : RejectReason::truncated;
    }
    pos_ += n;
    return RejectReason::none;
  }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

RejectReason read_ttl(Reader& r, std::uint32_t& ttl) {
  std::uint64_t v = 0;
  if (auto e = r.uvarint(v); e != RejectReason::none) return e;
  if (v > timing::kMaxWireTtlSeconds) return RejectReason::ttl_too_large;
  ttl = static_cast<std::uint32_t>(v);
  return RejectReason::none;
}

RejectReason read_key(Reader& r, PublicKey& key) {
  std::array<std::uint8_t, 32> k{};
  if (!r.bytes(k.data(), k.size())) return RejectReason::truncated;
  key = PublicKey(k);
  return RejectReason::none;
}

// A uvarint length and then that many bytes, all of which must be there.
RejectReason read_sized(Reader& r, std::span<const std::uint8_t>& out) {
  std::uint64_t len = 0;
  if (auto e = r.uvarint(len); e != RejectReason::none) return e;
  if (len > r.left()) return RejectReason::truncated;
  out = r.take(static_cast<std::size_t>(len));
  return RejectReason::none;
}

// The 4 or 16 address bytes of an *_v4 / *_v6 attribute.
bool read_address(Reader& r, bool v4, IpAddress& a) {
  std::array<std::uint8_t, 16> b{};
  if (!r.bytes(b.data(), v4 ? 4 : 16)) return false;
  a = v4 ? IpAddress::v4({b[0], b[1], b[2], b[3]}) : IpAddress::v6(b);
  return true;
}

RejectReason read_metadata(Reader& r, MemberMetadata& meta) {
  std::span<const std::uint8_t> payload;
  if (auto e = read_sized(r, payload); e != RejectReason::none) return e;
  Reader p(payload);
  while (!p.done()) {
    std::uint8_t key = 0;
    p.byte(key);
    // An entry that overruns the payload is a bad length, not a short datagram.
    std::span<const std::uint8_t> val;
    if (auto e = read_sized(p, val); e != RejectReason::none)
      return e == RejectReason::truncated ? RejectReason::bad_length : e;
    if (meta.entries.count(key)) return RejectReason::bad_metadata;
    if (key == kBasicKey && (val.size() != 1 || val[0] > 1)) return RejectReason::bad_metadata;
    meta.entries.emplace(key, std::vector<std::uint8_t>(val.begin(), val.end()));
  }
  return RejectReason::none;
}

RejectReason read_value(Reader& r, Fact& f) {
  switch (f.attr) {
    case Attribute::alive: {
      BootId b{};
      if (!r.bytes(b.data(), b.size())) return RejectReason::truncated;
      f.value = b;
      return RejectReason::none;
    }
    case Attribute::endpoint_v4:
    case Attribute::endpoint_v6: {
      IpAddress a;
      std::array<std::uint8_t, 2> port{};
      if (!read_address(r, f.attr == Attribute::endpoint_v4, a) || !r.bytes(port.data(), 2))
        return RejectReason::truncated;
      if (a.is_v4_mapped()) return RejectReason::v4_mapped_endpoint;
      f.value = Endpoint(a, static_cast<std::uint16_t>((port[0] << 8) | port[1]));
      return RejectReason::none;
    }
    case Attribute::allowed_ip_v4:
    case Attribute::allowed_ip_v6: {
      IpAddress a;
      std::uint8_t prefix = 0;
      if (!read_address(r, f.attr == Attribute::allowed_ip_v4, a) || !r.byte(prefix))
        return RejectReason::truncated;
      if (prefix > a.bits()) return RejectReason::prefix_too_long;
      f.value = Cidr(a, prefix);
      return RejectReason::none;
    }
    case Attribute::member:
      f.value = Empty{};
      return RejectReason::none;
    case Attribute::member_metadata: {
      MemberMetadata m;
      if (auto e = read_metadata(r, m); e != RejectReason::none) return e;
      f.value = std::move(m);
      return RejectReason::none;
    }
    case Attribute::coordinator_token: {
      std::span<const std::uint8_t> t;
      if (auto e = read_sized(r, t); e != RejectReason::none) return e;
      f.value = TokenBytes{std::vector<std::uint8_t>(t.begin(), t.end())};
      return RejectReason::none;
    }
    case Attribute::trust_grant: {
      std::uint8_t lvl = 0;
      if (!r.byte(lvl)) return RejectReason::truncated;
      if (lvl > 3) return RejectReason::bad_grant;
      f.value = Grant{lvl};
      return RejectReason::none;
    }
    case Attribute::peer_feature: {
      std::uint8_t b = 0;
      if (!r.byte(b)) return RejectReason::truncated;
      f.value = FeatureByte{b};  // unknown feature bytes are kept and relayed, never acted on
      return RejectReason::none;
    }
    case Attribute::signed_group:
      return RejectReason::nested_group;
  }
  return RejectReason::unknown_attribute;
}

bool known_inner_attribute(std::uint8_t a) {
  switch (static_cast<Attribute>(a)) {
    case Attribute::alive:
    case Attribute::endpoint_v4:
    case Attribute::endpoint_v6:
    case Attribute::allowed_ip_v4:
    case Attribute::allowed_ip_v6:
    case Attribute::member:
    case Attribute::member_metadata:
    case Attribute::coordinator_token:
    case Attribute::trust_grant:
    case Attribute::peer_feature:
      return true;
    default:
      return false;
  }
}

}  // namespace

RejectReason decode_inner(std::span<const std::uint8_t> inner, std::vector<WireFact>& out,
                          std::size_t* error_offset) {
  Reader r(inner);
  while (!r.done()) {
    const std::size_t start = r.pos();
    auto fail = [&](RejectReason e) {
      if (error_offset) *error_offset = start;
      return e;
    };
    std::uint8_t attr = 0;
    r.byte(attr);
    if (attr == static_cast<std::uint8_t>(Attribute::signed_group))
      return fail(RejectReason::nested_group);
    if (!known_inner_attribute(attr)) return fail(RejectReason::unknown_attribute);
    WireFact wf;
    wf.fact.attr = static_cast<Attribute>(attr);
    if (auto e = read_ttl(r, wf.ttl_seconds); e != RejectReason::none) return fail(e);
    if (auto e = read_key(r, wf.fact.subject); e != RejectReason::none) return fail(e);
    if (auto e = read_value(r, wf.fact); e != RejectReason::none) return fail(e);
    out.push_back(std::move(wf));
  }
  return RejectReason::none;
}

DecodeOutcome decode_datagram(std::span<const std::uint8_t> bytes) {
  DecodeOutcome o;
  Reader r(bytes);
  auto fail = [&](RejectReason e) {
    o.reason = e;
    o.offset = r.pos();
    o.group.facts.clear();
    return std::move(o);
  };
  std::uint8_t attr = 0;
  if (!r.byte(attr)) return fail(RejectReason::truncated);
  if (attr != static_cast<std::uint8_t>(Attribute::signed_group))
    return fail(RejectReason::not_signed_group);
  std::uint32_t ttl = 0;
  if (auto e = read_ttl(r, ttl); e != RejectReason::none) return fail(e);
  if (auto e = read_key(r, o.group.signer); e != RejectReason::none) return fail(e);
  if (!r.bytes(o.group.nonce.data(), o.group.nonce.size())) return fail(RejectReason::truncated);
  if (!r.bytes(o.group.tag.data(), o.group.tag.size())) return fail(RejectReason::truncated);
  const std::size_t inner_start = r.pos();
  o.group.inner = bytes.subspan(inner_start);
  std::size_t err_at = 0;
  if (auto e = decode_inner(o.group.inner, o.group.facts, &err_at); e != RejectReason::none) {
    o.reason = e;
    o.offset = inner_start + err_at;
    o.group.facts.clear();
    return o;
  }
  return o;
}

namespace {

void put_metadata_payload(const MemberMetadata& m, std::vector<std::uint8_t>& out) {
  auto put_entry = [&](std::uint8_t k, const std::vector<std::uint8_t>& v) {
    out.push_back(k);
    put_uvarint(v.size(), out);
    out.insert(out.end(), v.begin(), v.end());
  };
  // Name first, then the other keys in ascending order (wirelink 0.14's canonical order).
  if (auto it = m.entries.find(kNameKey); it != m.entries.end()) put_entry(it->first, it->second);
  for (const auto& [k, v] : m.entries)
    if (k != kNameKey) put_entry(k, v);
}

void put_value(const Fact& f, std::vector<std::uint8_t>& out, bool with_length_prefix) {
  if (const auto* b = std::get_if<BootId>(&f.value)) {
    out.insert(out.end(), b->begin(), b->end());
  } else if (const auto* ep = std::get_if<Endpoint>(&f.value)) {
    out.insert(out.end(), ep->address().data(), ep->address().data() + ep->address().size());
    out.push_back(static_cast<std::uint8_t>(ep->port() >> 8));
    out.push_back(static_cast<std::uint8_t>(ep->port() & 0xff));
  } else if (const auto* c = std::get_if<Cidr>(&f.value)) {
    out.insert(out.end(), c->address().data(), c->address().data() + c->address().size());
    out.push_back(static_cast<std::uint8_t>(c->prefix()));
  } else if (const auto* m = std::get_if<MemberMetadata>(&f.value)) {
    std::vector<std::uint8_t> payload;
    put_metadata_payload(*m, payload);
    if (with_length_prefix) put_uvarint(payload.size(), out);
    out.insert(out.end(), payload.begin(), payload.end());
  } else if (const auto* t = std::get_if<TokenBytes>(&f.value)) {
    if (with_length_prefix) put_uvarint(t->bytes.size(), out);
    out.insert(out.end(), t->bytes.begin(), t->bytes.end());
  } else if (const auto* g = std::get_if<Grant>(&f.value)) {
    out.push_back(g->level);
  } else if (const auto* fb = std::get_if<FeatureByte>(&f.value)) {
    out.push_back(fb->feature);
  }
}

}  // namespace

void encode_fact(const Fact& f, std::uint32_t ttl_seconds, std::vector<std::uint8_t>& out) {
  out.push_back(static_cast<std::uint8_t>(f.attr));
  put_uvarint(std::min<std::uint32_t>(ttl_seconds, timing::kMaxWireTtlSeconds), out);
  out.insert(out.end(), f.subject.data(), f.subject.data() + 32);
  put_value(f, out, true);
}

std::size_t encoded_size(const Fact& f, std::uint32_t ttl_seconds) {
  std::vector<std::uint8_t> tmp;
  encode_fact(f, ttl_seconds, tmp);
  return tmp.size();
}

std::string encode_value(const Fact& f) {
  std::vector<std::uint8_t> tmp;
  put_value(f, tmp, false);
  return std::string(tmp.begin(), tmp.end());
}

std::vector<std::uint8_t> encode_datagram(const PublicKey& signer,
                                          const std::array<std::uint8_t, timing::kNonceSize>& nonce,
                                          const std::array<std::uint8_t, timing::kTagSize>& tag,
                                          std::span<const std::uint8_t> inner) {
  std::vector<std::uint8_t> out;
  out.reserve(2 + 32 + nonce.size() + tag.size() + inner.size());
  out.push_back(static_cast<std::uint8_t>(Attribute::signed_group));
  out.push_back(0);  // TTL 0
  out.insert(out.end(), signer.data(), signer.data() + 32);
  out.insert(out.end(), nonce.begin(), nonce.end());
  out.insert(out.end(), tag.begin(), tag.end());
  out.insert(out.end(), inner.begin(), inner.end());
  return out;
}

std::vector<std::vector<std::uint8_t>> pack_inner(
    const std::vector<std::vector<std::uint8_t>>& facts, std::size_t max_inner) {
  std::vector<std::vector<std::uint8_t>> groups;
  std::vector<std::uint8_t> cur;
  for (const auto& f : facts) {
    if (!cur.empty() && cur.size() + f.size() > max_inner) {
      groups.push_back(std::move(cur));
      cur.clear();
    }
    cur.insert(cur.end(), f.begin(), f.end());
  }
  if (!cur.empty()) groups.push_back(std::move(cur));
  return groups;
}

}  // namespace wl::facts
