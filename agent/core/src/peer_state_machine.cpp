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
                                           WallTime wall) {
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
    for (const auto& hp : p.endpoints) {
      const auto got = resolve_(hp);
      if (got.empty()) unresolved_[p.public_key].push_back(hp);  // shown among the candidates
      resolved.insert(resolved.end(), got.begin(), got.end());
    }
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
  st.name = conf ? conf->name : gossip.name_of(p.public_key, now);
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
  const auto pick =
      next_endpoint(p.public_key, p.endpoint, conf, gossip, now, st.endpoint_candidates, out);
  if (!pick || p.endpoint == *pick) return false;
  change.endpoint = *pick;
  out.events.push_back("peer " + p.public_key.to_base64() + ": " +
                       (st.healthy ? "no usable address of its family left" : "unhealthy") +
                       ", trying endpoint " + pick->to_string() + " (" +
                       std::string(decide::to_string(decide::reach_of(*pick, net_))) + ")");
  return true;
}

std::optional<Endpoint> PeerStateMachine::next_endpoint(const PublicKey& key,
                                                        const std::optional<Endpoint>& current,
                                                        const facts::ConfiguredPeerView* conf,
                                                        const GossipView& gossip, TimePoint now,
                                                        std::size_t& candidates, CycleResult& out) {
  Memory& m = memory_[key];
  auto cands = decide::endpoint_candidates(gossip.endpoints_of(key, now),
                                           conf ? conf->endpoints : std::vector<Endpoint>{});
  candidates_[key] = cands;
  candidates = decide::rank_candidates(cands, net_).size();
  // An endpoint whose address family the host just lost is left at once, not a cycle later.
  const bool stranded = current && decide::family_lost(*current, net_);
  const auto pick = decide::choose_endpoint(std::move(cands), m.tried,
                                            stranded ? std::nullopt : m.last_switch, now, net_);
  if (!pick) return std::nullopt;
  m.tried[*pick] = now;
  m.last_switch = now;
  if (!m.outage_since) m.outage_since = now;
  out.ping.push_back(key);
  return pick;
}

void PeerStateMachine::explain_paths(TimePoint now, WallTime wall) {
  auto wall_of = [&](TimePoint t) { return wall - (now - t); };
  std::optional<std::string> relay;
  bool router_pending = false;
  for (const auto& st : status_) {
    if (!st.router) continue;
    if (st.healthy && !relay)
      relay = st.name.empty() ? st.key.to_base64().substr(0, 8) + "..." : st.name;
    router_pending = router_pending || !st.healthy;
  }
  for (auto& st : status_) {
    const Memory& m = memory_[st.key];
    decide::PathInput in;
    in.healthy = st.healthy;
    if (!router_ && !st.router) {  // leaves reach each other through a router, routers directly
      in.relay = relay;
      in.router_pending = router_pending;
    }
    in.candidates = st.endpoint_candidates;
    if (m.outage_since) in.outage_since = wall_of(*m.outage_since);
    const auto cands = candidates_[st.key];
    const auto ranked = decide::rank_candidates(cands, net_);
    in.all_tried = !ranked.empty() && std::all_of(ranked.begin(), ranked.end(), [&](const auto& e) {
      return m.tried.count(e) != 0;
    });
    const auto path = decide::explain_path(in);
    st.path = path.path;
    st.path_reason = path.reason;
    if (st.healthy) continue;
    for (const auto& e : cands) {
      CandidateStatus c;
      c.endpoint = e;
      const auto reach = decide::reach_of(e, net_);
      c.reach = decide::to_string(reach);
      const auto t = m.tried.find(e);
      if (t != m.tried.end()) c.last_tried = wall_of(t->second);
      if (std::find(ranked.begin(), ranked.end(), e) == ranked.end())
        c.result = reach == decide::Reach::unreachable ? "skipped (unreachable)"
                                                       : "skipped (a better candidate exists)";
      else if (t == m.tried.end())
        c.result = "not tried";
      else if (m.last_switch == t->second && now - t->second < facts::timing::kEndpointCycle)
        c.result = "trying";
      else
        c.result = "no answer";
      st.candidates.push_back(std::move(c));
    }
    for (const auto& hp : unresolved_[st.key]) {
      CandidateStatus c;
      c.name = hp.host.find(':') != std::string::npos
                   ? "[" + hp.host + "]:" + std::to_string(hp.port)
                   : hp.host + ":" + std::to_string(hp.port);
      c.reach = "name";
      c.result = "does not resolve";
      st.candidates.push_back(std::move(c));
    }
  }
}

CycleResult PeerStateMachine::on_cycle(const device_model::DeviceState& dev,
                                       const GossipView& gossip, TimePoint now, WallTime wall) {
  CycleResult out;
  out.changes.ifname = dev.ifname;
  status_.clear();
  candidates_.clear();
  unresolved_.clear();
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
    const bool stranded = p.endpoint && decide::family_lost(*p.endpoint, net_);
    if ((!st.healthy || stranded) && cycle_endpoint(p, conf, gossip, now, st, change, out))
      changed = true;
    if (decide::keep_link_local(p, ll, change)) changed = true;
    if (st.healthy && !stranded) {  // a later outage starts the cycle afresh
      m.tried.clear();
      m.outage_since.reset();
    }
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
      add.endpoint = next_endpoint(add.public_key, std::nullopt, nullptr, gossip, now, n, out);
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

  explain_paths(now, wall);

  // Forget peers that left the device.
  for (auto it = memory_.begin(); it != memory_.end();)
    it = in_device.count(it->first) || added.count(it->first) ? std::next(it) : memory_.erase(it);
  return out;
}

}  // namespace wl::agent
