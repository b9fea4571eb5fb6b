// The fact model: (attribute, subject, value) with a TTL on the wire and an expiry in the store.
//
// Contract: plain value types, no I/O, thread-compatible. A Fact's identity is
// (attribute, subject, canonical value bytes); for `alive` the value is not part of the
// identity (one alive fact per subject, whichever boot id is newest).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"

namespace wl::facts {

// Attribute codes as they appear on the wire (PROTOCOL.md §3).
enum class Attribute : std::uint8_t {
  alive = 0x21,            // '!'  boot id (16 bytes), subject = sender
  endpoint_v4 = 0x65,      // 'e'  4-byte address + 2-byte port
  endpoint_v6 = 0x45,      // 'E'  16-byte address + 2-byte port (no v4-mapped)
  allowed_ip_v4 = 0x61,    // 'a'  4-byte network + prefix length
  allowed_ip_v6 = 0x41,    // 'A'  16-byte network + prefix length
  member = 0x6d,           // 'm'  empty (deprecated; accepted, never sent)
  member_metadata = 0x4d,  // 'M'  uvarint length + {key, uvarint len, bytes}*
  signed_group = 0x53,     // 'S'  top level only
  // Extensions: sent only to peers whose member-metadata advertises the matching feature.
  coordinator_token = 0x54,  // 'T'  uvarint length + PASETO token bytes (coordinator work)
  trust_grant = 0x67,        // 'g'  one byte: trust level granted by a delegate (PROTOCOL.md §7)
};

// Extension features, advertised in member-metadata key kFeatureKey as a strictly ascending
// list of feature bytes.
enum class Feature : std::uint8_t {
  coordinator_token = 0x01,  // understands attribute 'T'
  trust_grant = 0x02,        // understands attribute 'g'
  liveness = 0x03,           // sends and expects path liveness pings (PROTOCOL.md §8.4)
};
inline constexpr std::uint8_t kFeatureKey = 0x66;  // 'f' (wirelink 0.14 keeps and re-sends it)
inline constexpr std::uint8_t kNameKey = 0x6e;     // 'n'
inline constexpr std::uint8_t kBasicKey = 0x62;    // 'b'

class FeatureSet {
 public:
  FeatureSet() = default;
  void add(Feature f) { bits_ |= mask(f); }
  bool has(Feature f) const { return (bits_ & mask(f)) != 0; }
  bool empty() const { return bits_ == 0; }
  // The metadata value: known features' bytes in ascending order.
  std::vector<std::uint8_t> encode() const;
  // Lenient: unknown feature bytes are ignored; a value that is not strictly ascending is
  // treated as "no features" (returns nullopt so the caller can count it).
  static std::optional<FeatureSet> decode(const std::vector<std::uint8_t>& value);
  bool operator==(const FeatureSet&) const = default;

 private:
  static std::uint32_t mask(Feature f) { return 1u << (static_cast<unsigned>(f) & 31u); }
  std::uint32_t bits_ = 0;
};

// Member metadata: every entry by key. 'n' is the display name, 'b' the basic flag; unknown
// keys (including other implementations' extensions) are kept and re-sent as they came.
struct MemberMetadata {
  std::map<std::uint8_t, std::vector<std::uint8_t>> entries;

  std::optional<std::string> name() const;
  void set_name(const std::string& n);
  std::optional<bool> basic() const;
  void set_basic(bool b);
  FeatureSet features() const;  // empty when absent or malformed
  void set_features(const FeatureSet& f);
  bool operator==(const MemberMetadata&) const = default;
};

using BootId = std::array<std::uint8_t, 16>;

struct Empty {
  bool operator==(const Empty&) const = default;
};

struct TokenBytes {
  std::vector<std::uint8_t> bytes;
  bool operator==(const TokenBytes&) const = default;
};

// A trust level in a grant (0..3; delegate cannot be granted).
struct Grant {
  std::uint8_t level = 0;
  bool operator==(const Grant&) const = default;
};

// Endpoint for e/E, Cidr for a/A, Empty for m, MemberMetadata for M, BootId for !.
using FactValue = std::variant<Empty, BootId, Endpoint, Cidr, MemberMetadata, TokenBytes, Grant>;

struct Fact {
  Attribute attr = Attribute::member;
  PublicKey subject;
  FactValue value;

  bool operator==(const Fact&) const = default;
};

// Constructors that pick the right attribute for the address family.
Fact make_alive(const PublicKey& subject, const BootId& boot);
Fact make_endpoint(const PublicKey& subject, const Endpoint& ep);
Fact make_allowed_ip(const PublicKey& subject, const Cidr& cidr);
Fact make_member(const PublicKey& subject, MemberMetadata meta);
Fact make_token(const PublicKey& subject, std::vector<std::uint8_t> token);
Fact make_grant(const PublicKey& subject, std::uint8_t level);

// The identity of a fact (see the contract above).
struct FactKey {
  Attribute attr = Attribute::member;
  PublicKey subject;
  std::string value;  // canonical value bytes; empty for alive

  auto operator<=>(const FactKey&) const = default;
  bool operator==(const FactKey&) const = default;
};
FactKey key_of(const Fact& f);

// True for the attributes that are never sent to peers that did not advertise them.
bool is_extension(Attribute a);
// The feature a peer must advertise to receive an extension attribute.
std::optional<Feature> feature_for(Attribute a);

// Short human-readable form for debugging dumps ("M <key> name=x"); never includes secrets.
std::string describe(const Fact& f);

}  // namespace wl::facts

template <>
struct std::hash<wl::facts::FactKey> {
  std::size_t operator()(const wl::facts::FactKey& k) const noexcept {
    std::size_t h = std::hash<wl::PublicKey>{}(k.subject);
    h ^= static_cast<std::size_t>(k.attr) * 0x9e3779b97f4a7c15ull;
    h ^= std::hash<std::string>{}(k.value) + 0x9e3779b9 + (h << 6) + (h >> 2);
    return h;
  }
};
