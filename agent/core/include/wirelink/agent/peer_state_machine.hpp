// PeerStateMachine: decides, once per cycle, what the WireGuard device should look like.
//
// Contract: pure and single-threaded. Inputs are the device as it is now (a GET), the gossip
// engine's accepted facts, the configuration and the time; the output is a change request in
// `wg set` form plus the peers to ping, and the cycle's facts::LocalView for the gossip engine.
// That view carries what is decided here once per cycle and nowhere else: each device peer's
// health (facts::peer_healthy), our effective router role, and the configured peers with their
// endpoints resolved (the only DNS of the cycle). The caller adds the interfaces. Configured
// trust is applied by the gossip's trust evaluator (from the view); status shows its answer.
// The rules themselves are the functions in decisions.hpp. It keeps only memory the device
// cannot give back (endpoint attempts, last handshake seen, when a peer became healthy), so an
// agent restarted on a working device rebuilds its view from the device and changes nothing
// (PROTOCOL.md §6, times in timing.hpp). Never throws; never logs.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "wirelink/agent/config.hpp"
#include "wirelink/agent/decisions.hpp"
#include "wirelink/agent/gossip.hpp"
#include "wirelink/base/clock.hpp"
#include "wirelink/base/device_model.hpp"

namespace wl::agent {

// What `wirelink show` prints for one peer.
struct PeerStatus {
  PublicKey key;
  std::string name;
  IpAddress link_local;
  std::optional<Endpoint> endpoint;
  std::optional<Duration> handshake_age;  // nullopt = never
  bool healthy = false;
  bool alive = false;
  std::optional<Duration> alive_remaining;
  TrustInfo trust;
  bool configured = false;
  bool basic = false;
  bool router = false;
  std::vector<Cidr> trusted_allowed_ips;  // what we would apply (link-local excluded)
  std::vector<Cidr> device_allowed_ips;   // what the device has now
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;
  std::size_t endpoint_candidates = 0;
  // Path liveness negotiated and silent past kLivenessDead: the direct path counts as dead
  // (unhealthy) although WireGuard's handshake is still fresh.
  std::optional<Duration> liveness_silence;
  bool path_dead = false;
};

struct CycleResult {
  device_model::DeviceConfig changes;  // empty peers = nothing to do
  std::vector<PublicKey> ping;         // endpoint switched: ask gossip to ping now
  facts::LocalView view;               // for the gossip engine (the caller adds the interfaces)
  std::vector<std::string> events;     // human-readable decisions, for the log
};

// Resolves a configured "host:port" to endpoints (DNS for names). Injected so tests need no DNS.
using Resolver = std::function<std::vector<Endpoint>(const HostPort&)>;

class PeerStateMachine {
 public:
  PeerStateMachine(Config cfg, PublicKey self, TimePoint start, Resolver resolve);

  // HUP: the new configuration takes effect from the next cycle.
  void reconfigure(Config cfg);

  CycleResult on_cycle(const device_model::DeviceState& dev, const GossipView& gossip,
                       TimePoint now, WallTime wall);

  const std::vector<PeerStatus>& status() const { return status_; }
  // The device accepted `applied`: make status() show the device as it is now, not as it was
  // at the start of the cycle.
  void note_applied(const device_model::DeviceConfig& applied);
  bool is_router() const { return router_; }
  bool allow_deconfigure() const { return allow_deconfigure_; }
  bool allow_delete() const { return allow_delete_; }
  const PublicKey& self() const { return self_; }

  // True when `aips` make a peer a router (trust::is_router, PROTOCOL.md §7.2).
  static bool is_router_prefix_set(const std::vector<Cidr>& aips);
  // LAN-ish addresses (RFC 1918, ULA, link-local) are tried before public ones.
  static bool is_lan(const IpAddress& a) { return decide::is_lan(a); }

 private:
  struct Memory {
    WallTime last_handshake_seen{};  // zero = never looked at this peer
    std::map<Endpoint, TimePoint> tried;
    std::optional<TimePoint> last_switch;
    std::optional<TimePoint> healthy_alive_since;
    bool path_dead = false;  // logged once per outage
  };
  // The view without interfaces: configuration (endpoints resolved) and the role.
  facts::LocalView view_of(const device_model::DeviceState& dev, bool router, WallTime wall) const;
  // Health, aliveness, trust and allowed IPs of one device peer; records its device view.
  PeerStatus observe(const device_model::PeerState& p, const facts::ConfiguredPeerView* conf,
                     const GossipView& gossip, TimePoint now, facts::LocalView& view,
                     std::vector<std::string>& events);
  // The endpoint step for an unhealthy peer (PROTOCOL.md §6.1 endpoint cycle).
  bool cycle_endpoint(const device_model::PeerState& p, const facts::ConfiguredPeerView* conf,
                      const GossipView& gossip, TimePoint now, PeerStatus& st,
                      device_model::PeerConfig& change, CycleResult& out);
  // The next endpoint to try for `key` (least recently tried first), recorded as tried and
  // nudged; nullopt while the endpoint cycle holds or there is no candidate.
  std::optional<Endpoint> next_endpoint(const PublicKey& key, const facts::ConfiguredPeerView* conf,
                                        const GossipView& gossip, TimePoint now,
                                        std::size_t& candidates, CycleResult& out);

  Config cfg_;
  PublicKey self_;
  TimePoint start_;
  Resolver resolve_;
  std::map<PublicKey, Memory> memory_;
  std::vector<PeerStatus> status_;
  bool router_ = false;
  bool allow_deconfigure_ = false;
  bool allow_delete_ = false;
};

}  // namespace wl::agent
