// The peer state machine's decisions, one small pure function each, so each rule can be read
// next to the PROTOCOL.md section it implements and tested on its own.
//
// Contract: pure functions of their arguments (no clock, no DNS, no memory between calls: the
// state machine keeps that and passes it in). Change requests come back in `wg set` form; events
// are human-readable lines for the log. Never throw.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "wirelink/agent/config.hpp"
#include "wirelink/base/clock.hpp"
#include "wirelink/base/device_model.hpp"
#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/facts/local_view.hpp"
#include "wirelink/trust/level.hpp"

namespace wl::agent::decide {

// --- Roles (decisions/roles.cpp) ---

// What this node may do this cycle, from its configuration, its device and its age.
struct Roles {
  bool router = false;                    // effective role
  bool full_auto = false;                 // no configured peer is trusted for membership
  bool allow_deconfigure = false;         // may take allowed IPs away from unhealthy peers
  std::optional<trust::Level> own_trust;  // Trust configured on our own key
  bool settled = false;                   // running longer than the fact TTL
};

// PROTOCOL.md §7.2 (last paragraph): the configured Router wins; otherwise a node is a router iff
// none of its device peers is one (trust::is_router).
bool effective_router(std::optional<bool> configured, const device_model::DeviceState& dev);

// PROTOCOL.md §5 / §6.1 (fact TTL) and §7.1: a node deconfigures only once it has heard the
// mesh for a fact TTL, is not a router and is trusted below AllowedIPs itself.
Roles roles(const Config& cfg, const PublicKey& self, const device_model::DeviceState& dev,
            bool settled);

// --- Allowed IPs (decisions/allowed_ips.cpp) ---

// The allowed IPs this node trusts for a peer: configured ones, then the gossip's accepted
// ones (PROTOCOL.md §7.3), never the peer's link-local host route (kept separately).
std::vector<Cidr> trusted_allowed_ips(const std::vector<Cidr>& configured,
                                      const std::vector<Cidr>& gossiped, const Cidr& link_local);

// One device peer as the allowed-IP decision sees it.
struct AllowedIpsInput {
  const device_model::PeerState& device;
  Cidr link_local;
  bool healthy = false;
  bool basic = false;
  std::optional<Duration> alive_remaining;
  std::vector<Cidr> trusted;
};

// PROTOCOL.md §6.1 (alive margin) and §6.4: a healthy peer that is alive with more than the
// margin left (or Basic) gets its trusted allowed IPs (exactly those plus its link-local when
// deconfiguring is allowed); an unhealthy one keeps only its link-local when deconfiguring is
// allowed, so traffic falls back to the router. Adds to `change`; true when it changed anything.
bool allowed_ips(const AllowedIpsInput& in, bool allow_deconfigure,
                 device_model::PeerConfig& change, std::vector<std::string>& events);

// PROTOCOL.md §1-§2: every peer keeps its link-local /128 so facts can reach it. True when it
// had to be added to `change`.
bool keep_link_local(const device_model::PeerState& device, const Cidr& link_local,
                     device_model::PeerConfig& change);

// --- Reachability (decisions/reachability.cpp) ---

// What the host can reach, from rtnetlink: our up, non-WireGuard interfaces and the main
// routing table without routes through a WireGuard link. `known` = false (no rtnetlink view, a
// hand-built test) keeps every candidate and ranks LAN-ish before public, as wirelink 0.14 did.
struct LocalNetwork {
  bool known = false;
  std::vector<Cidr> subnets;  // prefixes of usable addresses on up, non-WireGuard interfaces
  std::vector<Cidr> routes;   // main-table unicast destinations; the default route is a /0
  bool v4_address = false;    // a usable (not deprecated, not tentative) non-link-local address
  bool v6_address = false;
};

// `interfaces` as LinkControl::interfaces gives them (addresses = usable ones only). Either list
// empty (a failed read) gives an unknown network.
LocalNetwork local_network(const std::vector<facts::InterfaceSnapshot>& interfaces,
                           std::vector<Cidr> routes);

// How a candidate endpoint is reached, best first (README "Endpoint candidates"). Ranking is by
// how the address relates to this host, never by address family.
enum class Reach : std::uint8_t {
  lan,                   // inside a subnet of one of our up interfaces
  public_routed,         // public, a route other than the default reaches it
  public_default,        // public, through the default route
  private_routed,        // another site's private range that a specific route reaches
  private_default_only,  // a private address only the default route "reaches": a guess
  unreachable,           // no usable address or no route of its family: never tried
};
Reach reach_of(const Endpoint& e, const LocalNetwork& net);
std::string_view to_string(Reach r);
// The host has no usable address of the endpoint's family left (and it is on none of our
// links): a working peer on it must move now. Missing routes alone do not count, since policy
// routing may keep them outside the main table.
bool family_lost(const Endpoint& e, const LocalNetwork& net);

// --- Endpoints (decisions/endpoint.cpp) ---

// LAN-ish addresses (RFC 1918, ULA, link-local): what counts as private.
bool is_lan(const IpAddress& a);

// Candidates for an unhealthy peer: the gossip's accepted endpoints (PROTOCOL.md §7.3), then the
// peer's configured ones (resolved once this cycle), without repeats.
std::vector<Endpoint> endpoint_candidates(std::vector<Endpoint> gossiped,
                                          const std::vector<Endpoint>& configured);

// The candidates worth trying, best first (stable within a rank): unreachable ones dropped,
// private addresses only the default route reaches kept only when nothing better exists.
std::vector<Endpoint> rank_candidates(const std::vector<Endpoint>& candidates,
                                      const LocalNetwork& net);

// PROTOCOL.md §6.1 (endpoint cycle): while a peer is unhealthy, at most every endpoint-cycle
// interval, the least recently tried of the ranked candidates (best rank among equals).
// nullopt = not now.
std::optional<Endpoint> choose_endpoint(std::vector<Endpoint> candidates,
                                        const std::map<Endpoint, TimePoint>& tried,
                                        std::optional<TimePoint> last_switch, TimePoint now,
                                        const LocalNetwork& net = {});

// --- Path (decisions/path.cpp) ---

// What `wirelink show` says about how traffic reaches one peer.
struct PathInput {
  bool healthy = false;                  // a fresh handshake on the device endpoint: direct
  std::optional<std::string> relay;      // name of a healthy router peer (not this peer)
  bool router_pending = false;           // a router peer is on the device but not healthy yet
  std::size_t candidates = 0;            // ranked candidates worth trying
  bool all_tried = false;                // each of them tried at least once in this outage
  std::optional<WallTime> outage_since;  // first attempt of this outage
};
struct Path {
  std::string path;    // "direct", "via <router>", "none"
  std::string reason;  // empty when direct
};
Path explain_path(const PathInput& in);

// "12:03:41 UTC".
std::string clock_time(WallTime t);

// --- Members (decisions/members.cpp) ---

// PROTOCOL.md §7.3 (a subject covered by an accepted m/M fact is known): peers named by
// membership and configured peers missing from the device join it with their link-local only
// (their allowed IPs follow once healthy); a configured one starts at its first resolved
// endpoint. Never ourselves.
std::vector<device_model::PeerConfig> peers_to_add(
    const std::vector<PublicKey>& members, const std::vector<facts::ConfiguredPeerView>& configured,
    const PublicKey& self, const std::set<PublicKey>& in_device, std::vector<std::string>& events);

// Coordinator-gated membership (a coordinator configured, CoordinatorOpenMembership false): of
// `members` (named by membership facts), keeps those whose session-token admission ends after
// now - grace. `admitted_until` holds, per peer, the latest end of admission seen; a peer that
// never showed a valid token is not in it and never joins this way.
std::vector<PublicKey> token_gated(const std::vector<PublicKey>& members,
                                   const std::map<PublicKey, TimePoint>& admitted_until,
                                   TimePoint now, Duration grace);

// Whether a device peer vouches for membership: a membership-trusted configured peer, or in
// full-auto mode a router (PROTOCOL.md §7.2).
bool vouches(bool full_auto, bool peer_router, std::optional<trust::Level> configured_trust);

// PROTOCOL.md §6.1 (delete guard): an anchor has been healthy and alive long enough and has
// enough aliveness left that an empty membership is real news.
bool anchor_steady(std::optional<TimePoint> healthy_alive_since,
                   std::optional<Duration> alive_remaining, TimePoint now);

// PROTOCOL.md §6.1 (delete guard) and §7.1: deletion needs a settled leaf trusted below
// Membership itself, and a steady anchor.
bool may_delete(const Roles& roles, bool anchor_ok);

// One device peer as the deletion sees it.
struct DeletionCandidate {
  PublicKey key;
  bool configured = false;
  bool router = false;
};

// Device peers named by no membership fact are removed; configured peers never, and in
// full-auto mode routers neither.
std::vector<device_model::PeerConfig> peers_to_delete(const std::vector<DeletionCandidate>& device,
                                                      const std::vector<PublicKey>& members,
                                                      bool full_auto,
                                                      std::vector<std::string>& events);

}  // namespace wl::agent::decide
