// The per-cycle walk over the device: observe each peer once, then apply the decisions
// (decisions/*.cpp) in the order PROTOCOL.md gives them.
#include "wirelink/agent/peer_state_machine.hpp"
#include "wirelink/facts/timing.hpp"

#include <algorithm>

#include "wirelink/agent/timing.hpp"
#include "wirelink/trust/evaluator.hpp"

namespace wl::agent {

namespace {

const facts::ConfiguredPeerView* find_configured(const facts::LocalView& v, const PublicKey& k) {
  for (const auto& c : v.config_peers)
    if (c.key == k) return &c;
  return nullptr;
}

}  // namespace

PeerStateMachine::PeerStateMachine(Config cfg, PublicKey self, TimePoint start, Resolver resolve)
    : cfg_(std::move(cfg)), self_(self), start_(start), resolve_(std::move(resolve)) {}

void PeerStateMachine::reconfigure(Config cfg) {
  cfg_ = std::move(cfg);
}

bool PeerStateMachine::is_router_prefix_set(const std::vector<Cidr>& aips) {
  return trust::is_router(aips);
}

void PeerStateMachine::note_applied(const device_model::DeviceConfig& applied) {
  for (const auto& pc : applied.peers) {
    auto it = std::find_if(status_.begin(), status_.end(),
                           [&](const PeerStatus& s) { return s.key == pc.public_key; });
    if (it == status_.end()) continue;  // a new peer shows up from the next cycle
    if (pc.remove) {
      status_.erase(it);
      continue;
    }
    if (pc.endpoint) it->endpoint = pc.endpoint;
    if (pc.replace_allowed_ips) it->device_allowed_ips.clear();
    for (const auto& a : pc.allowed_ips) {
      auto& v = it->device_allowed_ips;
      v.erase(std::remove(v.begin(), v.end(), a.cidr), v.end());
      if (!a.remove) v.push_back(a.cidr);
    }
  }
}

facts::LocalView PeerStateMachine::view_of(const device_model::DeviceState& dev, bool router,
                                           WallTime wall) const {
  facts::LocalView v;
  v.listen_port = dev.listen_port;
  v.router = router;
  v.chatty = cfg_.chatty;
  v.report_ifaces = cfg_.report_ifaces;
  v.hide_ifaces = cfg_.hide_ifaces;
  v.wall_now = wall;
  for (const auto& p : cfg_.peers) {
    // The cycle's only DNS: the engine advertises these and the decisions try them.
    std::vector<Endpoint> resolved;
    for (const auto& hp : p.endpoints)
      for (const auto& e : resolve_(hp)) resolved.push_back(e);
    v.config_peers.push_back(facts::ConfiguredPeerView{p.public_key, p.name, p.trust,
                                                       p.fact_exchanger, p.basic,
                                                       std::move(resolved), p.allowed_ips});
  }
  return v;
}

PeerStatus PeerStateMachine::observe(const device_model::PeerState& p,
                                     const facts::ConfiguredPeerView* conf,
                                     const GossipView& gossip, TimePoint now,
                                     facts::LocalView& view, std::vector<std::string>& events) {
  using std::chrono::duration_cast;
  Memory& m = memory_[p.public_key];
  PeerStatus st;
  st.key = p.public_key;
  st.name = conf ? conf->name : "";
  st.link_local = link_local_for(p.public_key);
  st.endpoint = p.endpoint;
  st.configured = conf != nullptr;
  st.basic = conf && conf->basic;
  st.router = is_router_prefix_set(p.allowed_ips);
  st.device_allowed_ips = p.allowed_ips;
  st.rx_bytes = p.rx_bytes;
  st.tx_bytes = p.tx_bytes;
  st.trust = gossip.trust_of(p.public_key, now);

  facts::DevicePeerView dv;
  dv.key = p.public_key;
  dv.endpoint = p.endpoint;
  dv.last_handshake = WallTime(duration_cast<Duration>(p.last_handshake.time_since_epoch()));
  dv.allowed_ips = p.allowed_ips;
  if (dv.last_handshake.time_since_epoch().count() != 0)
    st.handshake_age = view.wall_now - dv.last_handshake;
  st.healthy = facts::peer_healthy(dv, m.last_handshake_seen, view.wall_now);
  // Path liveness: a fresh handshake says nothing about the last few seconds; silence does.
  st.liveness_silence = gossip.liveness_silence(p.public_key, now);
  st.path_dead =
      st.healthy && st.liveness_silence && *st.liveness_silence > facts::timing::kLivenessDead;
  if (st.path_dead) st.healthy = false;
  if (st.path_dead != m.path_dead)
    events.push_back("peer " + p.public_key.to_base64() +
                     (st.path_dead
                          ? ": no datagram on its direct path for " +
                                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                   *st.liveness_silence)
                                                   .count()) +
                                " s; falling back to the router"
                          : ": direct path answers again"));
  m.path_dead = st.path_dead;
  dv.healthy = st.healthy;
  m.last_handshake_seen = dv.last_handshake;
  view.device_peers.push_back(std::move(dv));

  st.alive_remaining = gossip.alive_remaining(p.public_key, now);
  st.alive = st.alive_remaining && *st.alive_remaining > Duration::zero();
  if (st.healthy && st.alive) {
    if (!m.healthy_alive_since) m.healthy_alive_since = now;
  } else {
    m.healthy_alive_since.reset();
  }
  st.trusted_allowed_ips = decide::trusted_allowed_ips(
      conf ? conf->allowed_ips : std::vector<Cidr>{}, gossip.allowed_ips_of(p.public_key, now),
      Cidr(st.link_local, 128));
  return st;
}

bool PeerStateMachine::cycle_endpoint(const device_model::PeerState& p,
                                      const facts::ConfiguredPeerView* conf,
                                      const GossipView& gossip, TimePoint now, PeerStatus& st,
                                      device_model::PeerConfig& change, CycleResult& out) {
  const auto pick = next_endpoint(p.public_key, conf, gossip, now, st.endpoint_candidates, out);
  if (!pick || p.endpoint == *pick) return false;
  change.endpoint = *pick;
  out.events.push_back("peer " + p.public_key.to_base64() + ": unhealthy, trying endpoint " +
                       pick->to_string());
  return true;
}

std::optional<Endpoint> PeerStateMachine::next_endpoint(const PublicKey& key,
                                                        const facts::ConfiguredPeerView* conf,
                                                        const GossipView& gossip, TimePoint now,
                                                        std::size_t& candidates, CycleResult& out) {
  Memory& m = memory_[key];
  auto cands = decide::endpoint_candidates(gossip.endpoints_of(key, now),
                                           conf ? conf->endpoints : std::vector<Endpoint>{});
  candidates = cands.size();
  const auto pick = decide::choose_endpoint(std::move(cands), m.tried, m.last_switch, now);
  if (!pick) return std::nullopt;
  m.tried[*pick] = now;
  m.last_switch = now;
  out.ping.push_back(key);
  return pick;
}

CycleResult PeerStateMachine::on_cycle(const device_model::DeviceState& dev,
                                       const GossipView& gossip, TimePoint now, WallTime wall) {
  CycleResult out;
  out.changes.ifname = dev.ifname;
  status_.clear();
  const decide::Roles roles =
      decide::roles(cfg_, self_, dev, now - start_ > facts::timing::kFactTtl);
  router_ = roles.router;
  allow_deconfigure_ = roles.allow_deconfigure;
  out.view = view_of(dev, roles.router, wall);

  std::set<PublicKey> in_device;
  bool anchor_ok = false;  // some peer that vouches for membership has been steady long enough
  for (const auto& p : dev.peers) {
    in_device.insert(p.public_key);
    const auto* conf = find_configured(out.view, p.public_key);
    PeerStatus st = observe(p, conf, gossip, now, out.view, out.events);
    Memory& m = memory_[p.public_key];
    if (decide::vouches(roles.full_auto, st.router, conf ? conf->trust : std::nullopt) &&
        decide::anchor_steady(m.healthy_alive_since, st.alive_remaining, now))
      anchor_ok = true;

    device_model::PeerConfig change;
    change.public_key = p.public_key;
    change.update_only = true;
    const Cidr ll(st.link_local, 128);
    bool changed = decide::allowed_ips(
        {p, ll, st.healthy, st.basic, st.alive_remaining, st.trusted_allowed_ips},
        roles.allow_deconfigure, change, out.events);
    if (!st.healthy && cycle_endpoint(p, conf, gossip, now, st, change, out)) changed = true;
    if (decide::keep_link_local(p, ll, change)) changed = true;
    if (st.healthy) m.tried.clear();  // a later outage starts the cycle afresh
    if (changed) out.changes.peers.push_back(std::move(change));
    status_.push_back(std::move(st));
  }

  const auto members = gossip.members(now);
  std::set<PublicKey> added;
  for (auto& add :
       decide::peers_to_add(members, out.view.config_peers, self_, in_device, out.events)) {
    // A member learnt from the gossip joins with its first candidate and a nudge: its first
    // handshake starts in this cycle, not at the next cycle's endpoint step.
    if (!add.endpoint) {
      std::size_t n = 0;
      add.endpoint = next_endpoint(add.public_key, nullptr, gossip, now, n, out);
    }
    added.insert(add.public_key);
    out.changes.peers.push_back(std::move(add));
  }

  allow_delete_ = decide::may_delete(roles, anchor_ok);
  if (allow_delete_) {
    std::vector<decide::DeletionCandidate> device;
    for (const auto& st : status_) device.push_back({st.key, st.configured, st.router});
    for (auto& del : decide::peers_to_delete(device, members, roles.full_auto, out.events))
      out.changes.peers.push_back(std::move(del));
  }

  // Forget peers that left the device.
  for (auto it = memory_.begin(); it != memory_.end();)
    it = in_device.count(it->first) || added.count(it->first) ? std::next(it) : memory_.erase(it);
  return out;
}

}  // namespace wl::agent
