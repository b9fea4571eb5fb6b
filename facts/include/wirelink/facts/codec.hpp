// The datagram codec, wire-compatible with wirelink 0.14 (PROTOCOL.md §2-§3).
//
// Contract: pure functions over bytes; no allocation beyond the results; never throws. The
// decoder accepts exactly one signed group per datagram and rejects the whole datagram on any
// problem (unknown attribute, bad length, nested group, ...), returning the reason. It does
// not check the MAC or the source address: see mac.hpp and GossipEngine::on_datagram.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "wirelink/facts/fact.hpp"
#include "wirelink/facts/timing.hpp"

namespace wl::facts {

// Why a datagram was dropped. Each reason has its own counter (GossipEngine::Counters).
enum class RejectReason : std::uint8_t {
  none = 0,
  truncated,           // ran out of bytes inside a fact
  not_signed_group,    // top-level fact is not 'S' (unsigned facts, old 0x00 ping, ...)
  nested_group,        // 'S' inside a group
  unknown_attribute,   // any attribute code we do not know (or an extension in a 0.14 frame)
  bad_varint,          // overlong or unterminated uvarint
  ttl_too_large,       // TTL above 65535
  bad_length,          // a length prefix that disagrees with the bytes or the attribute
  prefix_too_long,     // allowed-IP prefix beyond the address size
  v4_mapped_endpoint,  // ::ffff:a.b.c.d in an 'E' fact
  bad_metadata,        // duplicate metadata key, basic flag not 0/1
  bad_grant,           // trust grant level above membership
  bad_source_address,  // source IP is not the signer's link-local address
  zero_shared_secret,  // X25519 with the signer gave all zeros (low-order key)
  bad_mac,             // tag does not verify
  self_signed,         // signer is our own key (a loop or a reflection)
  count_               // number of reasons
};
inline constexpr std::size_t kRejectReasonCount = static_cast<std::size_t>(RejectReason::count_);
std::string_view to_string(RejectReason r);

// A decoded inner fact with the TTL it carried.
struct WireFact {
  Fact fact;
  std::uint32_t ttl_seconds = 0;
};

// A decoded datagram. `inner` is the exact associated data the tag covers.
struct SignedGroup {
  PublicKey signer;
  std::array<std::uint8_t, timing::kNonceSize> nonce{};
  std::array<std::uint8_t, timing::kTagSize> tag{};
  std::span<const std::uint8_t> inner;  // view into the decoded datagram
  std::vector<WireFact> facts;
};

struct DecodeOutcome {
  RejectReason reason = RejectReason::none;  // none = success, `group` is valid
  std::size_t offset = 0;                    // where decoding stopped, for diagnostics
  SignedGroup group;
  bool ok() const { return reason == RejectReason::none; }
};

// Decodes one datagram. `bytes` must outlive the returned group's `inner` view.
DecodeOutcome decode_datagram(std::span<const std::uint8_t> bytes);

// Decodes a run of inner facts (the associated data of a group).
RejectReason decode_inner(std::span<const std::uint8_t> inner, std::vector<WireFact>& out,
                          std::size_t* error_offset = nullptr);

// Encoding. TTLs above 65535 are clamped. encode_fact appends to `out`.
void encode_fact(const Fact& f, std::uint32_t ttl_seconds, std::vector<std::uint8_t>& out);
std::size_t encoded_size(const Fact& f, std::uint32_t ttl_seconds);
// The canonical value bytes (what FactKey uses); for metadata and tokens without the outer
// length prefix.
std::string encode_value(const Fact& f);
// 'S' | TTL 0 | signer | nonce | tag | inner.
std::vector<std::uint8_t> encode_datagram(const PublicKey& signer,
                                          const std::array<std::uint8_t, timing::kNonceSize>& nonce,
                                          const std::array<std::uint8_t, timing::kTagSize>& tag,
                                          std::span<const std::uint8_t> inner);

// Greedy packing of encoded facts into groups of at most kMaxInner bytes, in order. A fact
// larger than kMaxInner on its own gets its own group.
std::vector<std::vector<std::uint8_t>> pack_inner(
    const std::vector<std::vector<std::uint8_t>>& facts, std::size_t max_inner = timing::kMaxInner);

// Protobuf-style unsigned varints (exposed for tests and the metadata codec).
void put_uvarint(std::uint64_t v, std::vector<std::uint8_t>& out);
std::size_t uvarint_size(std::uint64_t v);
// Returns bytes consumed, 0 on a truncated or overlong (> 10 bytes / overflow) varint.
std::size_t get_uvarint(std::span<const std::uint8_t> in, std::uint64_t& v);

}  // namespace wl::facts
