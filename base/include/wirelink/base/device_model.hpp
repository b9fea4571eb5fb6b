// device_model: the WireGuard device vocabulary shared by every backend (kernel netlink, UAPI
// socket client, the userspace daemon's UAPI server) and the agent. Plain data, no I/O.
//
// A DeviceConfig is a change request with `wg set` semantics: unset optionals mean "leave as
// is". A DeviceState is what a GET returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"

namespace wl::device_model {

struct AllowedIp {
  Cidr cidr;
  bool remove = false;  // per-IP removal (Linux >= 6.16 attribute; UAPI remove_allowed_ip)
  bool operator==(const AllowedIp&) const = default;
};

struct PeerConfig {
  PublicKey public_key;
  bool remove = false;                        // remove this peer
  bool update_only = false;                   // do not create the peer if missing
  bool replace_allowed_ips = false;           // drop existing allowed IPs first
  std::optional<PresharedKey> preshared_key;  // all-zero = remove the PSK
  std::optional<Endpoint> endpoint;
  std::optional<std::uint16_t> persistent_keepalive;  // seconds, 0 = off
  std::vector<AllowedIp> allowed_ips;

  PeerConfig() = default;
  PeerConfig(PeerConfig&&) = default;
  PeerConfig& operator=(PeerConfig&&) = default;
  PeerConfig clone() const {
    PeerConfig p;
    p.public_key = public_key;
    p.remove = remove;
    p.update_only = update_only;
    p.replace_allowed_ips = replace_allowed_ips;
    if (preshared_key) p.preshared_key = preshared_key->clone();
    p.endpoint = endpoint;
    p.persistent_keepalive = persistent_keepalive;
    p.allowed_ips = allowed_ips;
    return p;
  }
};

struct DeviceConfig {
  std::string ifname;
  std::optional<PrivateKey> private_key;  // all-zero = remove the key
  std::optional<std::uint16_t> listen_port;
  std::optional<std::uint32_t> fwmark;  // 0 = off
  bool replace_peers = false;
  std::vector<PeerConfig> peers;
};

struct PeerState {
  PublicKey public_key;
  std::optional<PresharedKey> preshared_key;  // absent = none
  std::optional<Endpoint> endpoint;
  std::uint16_t persistent_keepalive = 0;
  // Wall-clock time of the last handshake; zero = never.
  std::chrono::system_clock::time_point last_handshake{};
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;
  std::uint32_t protocol_version = 1;
  std::vector<Cidr> allowed_ips;

  PeerState() = default;
  PeerState(PeerState&&) = default;
  PeerState& operator=(PeerState&&) = default;
};

struct DeviceState {
  std::string ifname;
  std::uint32_t ifindex = 0;
  std::optional<PrivateKey> private_key;
  std::optional<PublicKey> public_key;
  std::uint16_t listen_port = 0;
  std::uint32_t fwmark = 0;
  std::vector<PeerState> peers;

  DeviceState() = default;
  DeviceState(DeviceState&&) = default;
  DeviceState& operator=(DeviceState&&) = default;
};

}  // namespace wl::device_model
