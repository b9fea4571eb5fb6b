// LocalView: the one snapshot of the world per cycle, shared by the agent's peer state machine
// (which builds it) and the gossip engine (which reads it), and the pure collection of the facts
// a node originates from it (PROTOCOL.md §5).
//
// Contract: plain data and pure functions, no I/O. The agent reads interfaces, the device and
// DNS (configured endpoints are resolved once per cycle, into config_peers) and decides health
// and its own router role once per cycle (into device_peers[].healthy and router); the engine
// and collect_local_facts only look at this snapshot. Fields the agent leaves unset (a hand-built
// view in a simulation) the engine decides itself, with the same rules (peer_healthy,
// trust::is_router).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/facts/fact.hpp"
#include "wirelink/trust/level.hpp"

namespace wl::facts {

struct InterfaceSnapshot {
  std::string name;
  bool up = false;
  bool wireguard = false;  // kind wireguard (or our own wg interface): never reported
  std::vector<IpAddress> addresses;
  std::vector<Cidr> subnets = {};  // the same addresses with their prefix lengths
};

struct DevicePeerView {
  PublicKey key;
  std::optional<Endpoint> endpoint;
  WallTime last_handshake{};  // zero = never
  std::vector<Cidr> allowed_ips;
  // Decided by the agent (peer_healthy with its memory of the handshakes it saw); absent = the
  // engine decides with the same rule.
  std::optional<bool> healthy = std::nullopt;
};

struct ConfiguredPeerView {
  PublicKey key;
  std::string name;
  std::optional<trust::Level> trust;
  bool fact_exchanger = false;
  bool basic = false;
  std::vector<Endpoint> endpoints;  // already resolved by the agent (DNS)
  std::vector<Cidr> allowed_ips;
};

struct LocalView {
  std::uint16_t listen_port = 0;  // the WireGuard ListenPort (own endpoints use it)
  std::optional<bool> router;     // the agent's effective role; absent = the engine auto-detects
  bool chatty = false;
  std::vector<std::string> report_ifaces;  // globs; empty = all
  std::vector<std::string> hide_ifaces;    // globs
  std::vector<InterfaceSnapshot> interfaces;
  std::vector<Cidr> wg_subnets;  // addresses on our wg interface (router fallback)
  std::vector<ConfiguredPeerView> config_peers;
  std::vector<DevicePeerView> device_peers;
  WallTime wall_now{};  // for handshake ages
};

// Shell-style glob with '*', '?' and '[...]' (what ReportIfaces/HideIfaces use).
bool glob_match(std::string_view pattern, std::string_view name);
// Reported = (report is empty or matches some glob) and no hide glob matches.
bool interface_reported(std::string_view name, const std::vector<std::string>& report,
                        const std::vector<std::string>& hide);

// Whether a handshake at `last` counts as fresh at `now` (under kHealthyWindow old).
bool handshake_fresh(WallTime last, WallTime now);

// PROTOCOL.md §6.4: a peer is healthy when it has a WireGuard endpoint and its handshake is fresh
// or advanced since `seen`, the handshake time at the previous look (zero = no previous look).
// The first look at a peer is never an advance: a handshake already on the device when we start
// counts only if it is fresh, as in wirelink 0.14.
bool peer_healthy(const DevicePeerView& peer, WallTime seen, WallTime now);

struct CollectContext {
  PublicKey self;
  bool self_router = false;
  std::optional<trust::Level> self_trust;  // Trust configured on our own key
  FeatureSet features;                     // advertised in our own member-metadata
  // Alive-or-healthy per peer: configured endpoints are advertised only while this is false.
  std::function<bool(const PublicKey&)> peer_reachable;
  // A router tells its leaves which of them asked for path liveness (an F fact, §8.4).
  std::function<bool(const PublicKey&)> peer_has_liveness;
};

// The facts this node originates, each to be stored with TTL kFactTtl. Deterministic order.
std::vector<Fact> collect_local_facts(const LocalView& view, const CollectContext& ctx);

}  // namespace wl::facts
