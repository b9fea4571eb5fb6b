// WireGuard generic netlink family codec (family "wireguard", version 1).
//
// Contract: pure, see codec.hpp. Requests are built from the shared device vocabulary
// (wl::device_model::DeviceConfig) and replies parse into wl::device_model::DeviceState. The same
// functions encode replies and decode requests, so the fake kernel and the fuzzers share the real
// codec. Buffers that held a private key or PSK are the caller's to wipe (see wipe_bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "wirelink/base/device_model.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/netlink/codec.hpp"

namespace wl::netlink::wgnl {

// Attribute numbers (UAPI linux/wireguard.h). AIP_FLAGS is Linux >= 6.16 and missing from
// older headers, so every number is spelled out here.
namespace cmd {
inline constexpr std::uint8_t get_device = 0, set_device = 1;
}
namespace dev {
inline constexpr std::uint16_t ifindex = 1, ifname = 2, private_key = 3, public_key = 4, flags = 5,
                               listen_port = 6, fwmark = 7, peers = 8, max = 8;
inline constexpr std::uint32_t f_replace_peers = 1;
}  // namespace dev
namespace peer {
inline constexpr std::uint16_t public_key = 1, preshared_key = 2, flags = 3, endpoint = 4,
                               keepalive = 5, last_handshake = 6, rx_bytes = 7, tx_bytes = 8,
                               allowedips = 9, protocol_version = 10, max = 10;
inline constexpr std::uint32_t f_remove_me = 1, f_replace_allowedips = 2, f_update_only = 4;
}  // namespace peer
namespace aip {
inline constexpr std::uint16_t family = 1, ipaddr = 2, cidr_mask = 3, flags = 4, max = 4;
inline constexpr std::uint32_t f_remove_me = 1;
}  // namespace aip
inline constexpr std::uint8_t kVersion = 1;

// Largest SET message: min(page size, 8192) as the kernel's own tool uses; 4 KiB on x86-64.
inline constexpr std::size_t kDefaultSetMessageSize = 4096;

// GET_DEVICE dump request for one interface.
std::vector<std::uint8_t> build_get_device(std::uint16_t family, std::string_view ifname);

// SET_DEVICE split into messages of at most `max_message` bytes: the first carries the device
// attributes and REPLACE_PEERS; a peer that does not fit continues in the next message as
// PUBLIC_KEY (+REMOVE_ME/UPDATE_ONLY) with the remaining allowed IPs; PSK, endpoint, keepalive
// and REPLACE_ALLOWEDIPS only in a peer's first fragment. Every message asks for an ACK.
// Errors: EINVAL for an empty/too-long ifname or a max_message below 512.
Result<std::vector<std::vector<std::uint8_t>>> build_set_device(
    std::uint16_t family, const device_model::DeviceConfig& cfg,
    std::size_t max_message = kDefaultSetMessageSize);

// Reassembles a GET_DEVICE dump: feed each reply message's payload (genlmsghdr + attributes).
// Peers continued across messages are merged by public key through a hash map.
class DeviceAssembler {
 public:
  Result<void> add(std::span<const std::uint8_t> payload);
  std::size_t peer_count() const { return state_.peers.size(); }
  device_model::DeviceState take();

 private:
  device_model::DeviceState state_;
  std::unordered_map<PublicKey, std::size_t> index_;
};

// --- the kernel's side, for the fake kernel and for fuzz seeds ---

// Encodes `state` as GET_DEVICE reply messages of at most `max_message` bytes each (peers and
// allowed IPs split across messages as the kernel does). The messages carry NLM_F_MULTI plus
// `extra_flags`; no NLMSG_DONE is appended.
std::vector<std::vector<std::uint8_t>> build_get_replies(std::uint16_t family,
                                                         const device_model::DeviceState& state,
                                                         std::size_t max_message, std::uint32_t seq,
                                                         std::uint32_t pid,
                                                         std::uint16_t extra_flags = 0);

// A decoded SET_DEVICE (or GET_DEVICE) request.
struct DeviceRequest {
  std::uint32_t ifindex = 0;          // 0 = not given
  std::string ifname;                 // empty = not given
  device_model::DeviceConfig config;  // config.ifname mirrors ifname
  bool uses_allowedip_flags = false;  // some allowed IP carried WGALLOWEDIP_A_FLAGS
  std::uint32_t unknown_device_flags = 0, unknown_peer_flags = 0, unknown_allowedip_flags = 0;
  bool bad_protocol_version = false;
};
// Decodes a request payload (genlmsghdr + attributes). Errors: EINVAL for malformed or
// incomplete attributes (the kernel's policy checks).
Result<DeviceRequest> parse_device_request(std::span<const std::uint8_t> payload);

// Overwrites bytes (key material in message buffers) in a way the compiler keeps.
void wipe_bytes(std::span<std::uint8_t> bytes);

}  // namespace wl::netlink::wgnl
