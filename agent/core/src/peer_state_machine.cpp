#include "wirelink/agent/peer_state_machine.hpp"

#include <algorithm>

#include "wirelink/agent/timing.hpp"

namespace wl::agent {

namespace {

Cidr host_route(const IpAddress& a) {
  return Cidr(a, a.bits());
}

bool contains(const std::vector<Cidr>& v, const Cidr& c) {
  return std::find(v.begin(), v.end(), c) != v.end();
}

std::optional<trust::Level> self_trust(const Config& cfg, const PublicKey& self) {
  for (const auto& p : cfg.peers)
    if (p.public_key == self) return p.trust;
  return std::nullopt;
}

}  // namespace

PeerStateMachine::PeerStateMachine(Config cfg, PublicKey self, TimePoint start, Resolver resolve)
    : cfg_(std::move(cfg)), self_(self), start_(start), resolve_(std::move(resolve)) {}

void PeerStateMachine::reconfigure(Config cfg) {
  cfg_ = std::move(cfg);
}

const PeerSettings* PeerStateMachine::configured(const PublicKey& k) const {
  for (const auto& p : cfg_.peers)
    if (p.public_key == k) return &p;
  return nullptr;
}

bool PeerStateMachine::is_router_prefix_set(const std::vector<Cidr>& aips) {
  return std::any_of(aips.begin(), aips.end(), [](const Cidr& c) {
    return c.address().is_global_unicast() && c.prefix() > 0 && c.prefix() < c.address().bits();
  });
}

bool PeerStateMachine::is_lan(const IpAddress& a) {
  const std::uint8_t* b = a.data();
  if (a.is_v4()) {
    return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
           (b[0] == 169 && b[1] == 254);
  }
  return (b[0] & 0xfe) == 0xfc || a.is_link_local();
}

void PeerStateMachine::note_applied(const wg::DeviceConfig& applied) {
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

CycleResult PeerStateMachine::on_cycle(const wg::DeviceState& dev, const GossipView& gossip,
                                       TimePoint now, WallTime wall) {
  using namespace std::chrono;
  CycleResult out;
  out.changes.ifname = dev.ifname;
  status_.clear();

  // Router: configured, else auto-detected (we are a router iff none of our peers is).
  bool any_router_peer = false;
  for (const auto& p : dev.peers)
    if (is_router_prefix_set(p.allowed_ips)) any_router_peer = true;
  router_ = cfg_.router.value_or(!any_router_peer);

  const auto own_trust = self_trust(cfg_, self_);
  const bool settled = now - start_ > timing::kFactTtl;
  allow_deconfigure_ = settled && !router_ && (!own_trust || *own_trust < trust::Level::allowedips);
  const bool full_auto = std::none_of(
      cfg_.peers.begin(), cfg_.peers.end(),
      [](const PeerSettings& p) { return p.trust && *p.trust >= trust::Level::membership; });

  out.view.self = self_;
  out.view.listen_port = dev.listen_port;
  out.view.router = router_;
  out.view.wall = wall;

  std::set<PublicKey> in_device;
  bool anchor_ok = false;  // some peer that vouches for membership has been steady long enough

  for (const auto& p : dev.peers) {
    in_device.insert(p.public_key);
    Memory& m = memory_[p.public_key];
    const PeerSettings* conf = configured(p.public_key);
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
    if (conf && conf->trust) st.trust = TrustInfo{*conf->trust, "config"};

    const bool has_hs = p.last_handshake.time_since_epoch().count() != 0;
    if (has_hs)
      st.handshake_age =
          duration_cast<Duration>(wall.time_since_epoch() - p.last_handshake.time_since_epoch());
    const bool advanced = has_hs && p.last_handshake > m.last_handshake_seen;
    const bool fresh = has_hs && *st.handshake_age < timing::kHealthyHandshake;
    st.healthy = p.endpoint.has_value() && (fresh || advanced);
    m.last_handshake_seen = p.last_handshake;

    st.alive_remaining = gossip.alive_remaining(p.public_key, now);
    st.alive = st.alive_remaining && *st.alive_remaining > Duration::zero();

    if (st.healthy && st.alive) {
      if (!m.healthy_alive_since) m.healthy_alive_since = now;
    } else {
      m.healthy_alive_since.reset();
    }
    const bool vouches =
        full_auto ? st.router : (conf && conf->trust && *conf->trust >= trust::Level::membership);
    if (vouches && m.healthy_alive_since &&
        now - *m.healthy_alive_since >= timing::kDeleteHealthyFor && st.alive_remaining &&
        *st.alive_remaining > timing::kDeleteAliveMargin)
      anchor_ok = true;

    // Trusted allowed IPs: configured ones plus what gossip accepted; never our own LL here.
    const Cidr ll = host_route(st.link_local);
    std::vector<Cidr> trusted;
    if (conf)
      for (const auto& c : conf->allowed_ips)
        if (!contains(trusted, c)) trusted.push_back(c);
    for (const auto& c : gossip.allowed_ips_of(p.public_key, now))
      if (c != ll && !contains(trusted, c)) trusted.push_back(c);
    st.trusted_allowed_ips = trusted;

    wg::PeerConfig change;
    change.public_key = p.public_key;
    change.update_only = true;
    bool changed = false;

    const bool apply =
        st.healthy &&
        (st.basic || (st.alive_remaining && *st.alive_remaining > timing::kAliveMargin));
    if (apply) {
      if (allow_deconfigure_) {
        std::vector<Cidr> want = trusted;
        want.push_back(ll);
        std::vector<Cidr> have = p.allowed_ips;
        std::sort(want.begin(), want.end());
        std::sort(have.begin(), have.end());
        if (want != have) {
          change.replace_allowed_ips = true;
          for (const auto& c : want) change.allowed_ips.push_back({c, false});
          changed = true;
          out.events.push_back("peer " + p.public_key.to_base64() +
                               ": allowed IPs set to the trusted set");
        }
      } else {
        for (const auto& c : trusted)
          if (!contains(p.allowed_ips, c)) {
            change.allowed_ips.push_back({c, false});
            changed = true;
          }
        if (changed)
          out.events.push_back("peer " + p.public_key.to_base64() +
                               ": healthy, trusted allowed IPs added");
      }
    } else if (!st.healthy) {
      if (allow_deconfigure_ && !(p.allowed_ips.size() == 1 && p.allowed_ips[0] == ll) &&
          !p.allowed_ips.empty()) {
        change.replace_allowed_ips = true;
        change.allowed_ips.push_back({ll, false});
        changed = true;
        out.events.push_back(
            "peer " + p.public_key.to_base64() +
            ": unhealthy, allowed IPs removed except its link-local (fall back to the router)");
      }
      // Endpoint cycling.
      std::vector<Endpoint> cands = gossip.endpoints_of(p.public_key, now);
      if (conf)
        for (const auto& hp : conf->endpoints)
          for (const auto& e : resolve_(hp))
            if (std::find(cands.begin(), cands.end(), e) == cands.end()) cands.push_back(e);
      st.endpoint_candidates = cands.size();
      if (!cands.empty() && (!m.last_switch || now - *m.last_switch >= timing::kEndpointInterval)) {
        auto tried_at = [&](const Endpoint& e) {
          auto it = m.tried.find(e);
          return it == m.tried.end() ? TimePoint::min() : it->second;
        };
        std::stable_sort(cands.begin(), cands.end(), [&](const Endpoint& a, const Endpoint& b) {
          auto ta = tried_at(a), tb = tried_at(b);
          if (ta != tb) return ta < tb;
          return is_lan(a.address()) && !is_lan(b.address());
        });
        const Endpoint& pick = cands.front();
        m.tried[pick] = now;
        m.last_switch = now;
        if (!p.endpoint || *p.endpoint != pick) {
          change.endpoint = pick;
          changed = true;
          out.events.push_back("peer " + p.public_key.to_base64() +
                               ": unhealthy, trying endpoint " + pick.to_string());
        }
        out.ping.push_back(p.public_key);
      }
    }
    // Every peer keeps its link-local /128 so facts can reach it.
    if (!change.replace_allowed_ips && !contains(p.allowed_ips, ll) &&
        std::none_of(change.allowed_ips.begin(), change.allowed_ips.end(),
                     [&](const wg::AllowedIp& a) { return a.cidr == ll; })) {
      change.allowed_ips.push_back({ll, false});
      changed = true;
    }
    if (st.healthy) m.tried.clear();  // a later outage starts the cycle afresh
    if (changed) out.changes.peers.push_back(std::move(change));

    out.view.peers.push_back(
        LocalPeerView{p.public_key, p.endpoint,
                      WallTime(duration_cast<Duration>(p.last_handshake.time_since_epoch())),
                      st.healthy, st.alive, p.allowed_ips});
    status_.push_back(std::move(st));
  }

  // Peers named by trusted membership facts join the device.
  for (const auto& k : gossip.members(now)) {
    if (k == self_ || in_device.count(k)) continue;
    wg::PeerConfig add;
    add.public_key = k;
    add.allowed_ips.push_back({host_route(link_local_for(k)), false});
    out.changes.peers.push_back(std::move(add));
    out.events.push_back("peer " + k.to_base64() + ": added (membership fact)");
  }
  // Configured peers missing from the device are added too (with their link-local only;
  // their allowed IPs follow once they are healthy).
  for (const auto& c : cfg_.peers) {
    if (c.public_key == self_ || in_device.count(c.public_key)) continue;
    wg::PeerConfig add;
    add.public_key = c.public_key;
    add.allowed_ips.push_back({host_route(link_local_for(c.public_key)), false});
    for (const auto& hp : c.endpoints) {
      auto eps = resolve_(hp);
      if (!eps.empty()) {
        add.endpoint = eps.front();
        break;
      }
    }
    out.changes.peers.push_back(std::move(add));
    out.events.push_back("peer " + c.public_key.to_base64() + ": added (configured)");
  }

  // Deletion: only when settled, not a router, not membership-trusted ourselves, and someone who
  // vouches for membership has been steadily reachable (so an empty membership is real news).
  allow_delete_ =
      settled && !router_ && (!own_trust || *own_trust < trust::Level::membership) && anchor_ok;
  if (allow_delete_) {
    auto members = gossip.members(now);
    std::set<PublicKey> member_set(members.begin(), members.end());
    for (const auto& st : status_) {
      if (st.configured || member_set.count(st.key)) continue;
      if (full_auto && st.router) continue;
      wg::PeerConfig del;
      del.public_key = st.key;
      del.remove = true;
      out.changes.peers.push_back(std::move(del));
      out.events.push_back("peer " + st.key.to_base64() + ": removed (no membership fact)");
    }
  }

  // Forget peers that left the device.
  for (auto it = memory_.begin(); it != memory_.end();)
    it = in_device.count(it->first) ? std::next(it) : memory_.erase(it);
  return out;
}

}  // namespace wl::agent
