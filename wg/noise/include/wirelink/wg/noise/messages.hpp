// WireGuard wire formats: sizes, offsets and strict classification of received datagrams.
//
// Contract: pure, no allocation. classify() accepts a datagram only when bytes 1-3 of the type
// word are zero and the length is exact for handshake messages (>= 32 for transport data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace wl::wg::noise {

enum class MessageType : std::uint8_t {
  invalid = 0,
  initiation = 1,
  response = 2,
  cookie_reply = 3,
  transport = 4
};

inline constexpr std::size_t kInitiationSize = 148;
inline constexpr std::size_t kResponseSize = 92;
inline constexpr std::size_t kCookieReplySize = 64;
inline constexpr std::size_t kTransportHeaderSize = 16;
inline constexpr std::size_t kTransportMinSize = 32;  // header + tag: a keepalive
inline constexpr std::size_t kTagSize = 16;

// Offsets of mac1 and mac2 in the two handshake messages.
inline constexpr std::size_t kInitiationMac1 = 116;
inline constexpr std::size_t kInitiationMac2 = 132;
inline constexpr std::size_t kResponseMac1 = 60;
inline constexpr std::size_t kResponseMac2 = 76;

inline std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}
inline std::uint64_t load_le64(const std::uint8_t* p) {
  return std::uint64_t{load_le32(p)} | (std::uint64_t{load_le32(p + 4)} << 32);
}
inline void store_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void store_le64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

MessageType classify(std::span<const std::uint8_t> datagram);

// Transport header accessors (caller has classified the datagram as transport).
inline std::uint32_t transport_receiver(const std::uint8_t* p) {
  return load_le32(p + 4);
}
inline std::uint64_t transport_counter(const std::uint8_t* p) {
  return load_le64(p + 8);
}

// Length of the IP packet inside a decrypted transport payload, from its own header; 0 when
// the payload is not a well-formed IPv4/IPv6 packet that fits. Padding is what lies beyond.
std::size_t inner_packet_length(std::span<const std::uint8_t> plaintext);

}  // namespace wl::wg::noise
