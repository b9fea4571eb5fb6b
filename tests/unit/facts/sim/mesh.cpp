#include "mesh.hpp"

#include <sodium.h>
#include <time.h>

#include <algorithm>

namespace wl::facts::sim {

using namespace std::chrono_literals;

namespace {

constexpr auto kRehandshake = 120s;  // WireGuard's REKEY_AFTER_TIME

std::chrono::nanoseconds thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

PrivateKey key_for_index(std::uint64_t seed, std::size_t i) {
  std::array<std::uint8_t, randombytes_SEEDBYTES> s{};
  for (int b = 0; b < 8; ++b) {
    s[b] = static_cast<std::uint8_t>(seed >> (8 * b));
    s[8 + b] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(i) >> (8 * b));
  }
  std::array<std::uint8_t, 32> k{};
  randombytes_buf_deterministic(k.data(), k.size(), s.data());
  k[0] &= 248;
  k[31] = static_cast<std::uint8_t>((k[31] & 127) | 64);
  return PrivateKey::from(std::span<const std::uint8_t, 32>(k));
}

}  // namespace

SimMesh::SimMesh(TimePoint start, std::uint64_t seed)
    : start_(start),
      now_(start),
      wall_start_(WallTime(std::chrono::seconds(1'800'000'000))),
      seed_(seed),
      rng_state_(seed * 0x9e3779b97f4a7c15ull + 1) {}

std::size_t SimMesh::add_node(bool router) {
  auto n = std::make_unique<SimNode>();
  n->index = nodes_.size();
  n->router = router;
  n->key = public_key_of(key_for_index(seed_, n->index));
  // Engines start a little apart, like real hosts, so their cycles are not in lockstep.
  start_engine(*n, now_ + std::chrono::milliseconds((n->index * 877) % 5000));
  const auto i = n->index;
  if (router) {
    n->underlay = Endpoint(IpAddress::v4({203, 0, 113, 1}), 51820);
    n->overlay = *Cidr::parse("10.0.0.0/16");
  } else {
    n->underlay =
        Endpoint(IpAddress::v4({198, static_cast<std::uint8_t>(18 + (i >> 16)),
                                static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}),
                 51820);
    n->overlay = Cidr(IpAddress::v4({10, 0, static_cast<std::uint8_t>((i + 2) >> 8),
                                     static_cast<std::uint8_t>(i + 2)}),
                      32);
  }
  by_key_[n->key] = n->index;
  nodes_.push_back(std::move(n));
  return i;
}

void SimMesh::start_engine(SimNode& n, TimePoint at) {
  EngineOptions opts;
  // Deterministic randomness per node (and per restart) so runs are reproducible.
  auto state = std::make_shared<std::uint64_t>(rng_state_ ^ (n.index + 1) * 0xbf58476d1ce4e5b9ull ^
                                               n.restarts * 0x94d049bb133111ebull);
  opts.random = [state](std::span<std::uint8_t> b) {
    for (auto& x : b) {
      *state ^= *state << 13;
      *state ^= *state >> 7;
      *state ^= *state << 17;
      x = static_cast<std::uint8_t>(*state);
    }
  };
  opts.features = n.features.value_or(EngineOptions::default_features());
  n.engine = std::make_unique<GossipEngine>(key_for_index(seed_, n.index), std::move(opts), at);
}

void SimMesh::restart(std::size_t index) {
  SimNode& n = *nodes_[index];
  ++n.restarts;
  n.running = true;
  start_engine(n, now_);
}

std::size_t SimMesh::add_router() {
  router_ = add_node(true);
  return router_;
}

std::size_t SimMesh::add_leaf() {
  const std::size_t i = add_node(false);
  SimNode& leaf = *nodes_[i];
  SimNode& r = *nodes_[router_];
  // The leaf is configured with the router only (no Trust: full-auto mode).
  ConfiguredPeerView cfg;
  cfg.key = r.key;
  cfg.name = "router";
  cfg.endpoints = {r.underlay};
  cfg.allowed_ips = {r.overlay};
  leaf.config.push_back(cfg);
  leaf.device[r.key] = SimPeer{r.underlay, {}, {Cidr(link_local_for(r.key), 128), r.overlay}};
  // The administrator adds the leaf to the router's device; its endpoint is learned by roaming.
  r.device[leaf.key] =
      SimPeer{std::nullopt, {}, {Cidr(link_local_for(leaf.key), 128), leaf.overlay}};
  return i;
}

void SimMesh::hold_agent(std::size_t index) {
  nodes_[index]->listening = false;
}

void SimMesh::start_agent(std::size_t index) {
  SimNode& n = *nodes_[index];
  n.listening = true;
  start_engine(n, now_);
}

void SimMesh::stop(std::size_t index) {
  nodes_[index]->running = false;
}

LocalView SimMesh::view_of(const SimNode& n) const {
  LocalView v;
  v.listen_port = n.underlay.port();
  v.interfaces.push_back({"eth0", true, false, {n.underlay.address()}});
  v.interfaces.push_back({"wg0", true, true, {n.overlay.address(), link_local_for(n.key)}});
  v.wg_subnets = {n.router ? n.overlay : Cidr(n.overlay.address(), 16)};
  v.config_peers = n.config;
  v.device_peers.reserve(n.device.size());
  for (const auto& [k, p] : n.device)
    v.device_peers.push_back({k, p.endpoint, p.last_handshake, p.allowed_ips});
  v.wall_now = wall();
  return v;
}

void SimMesh::agent_step(SimNode& n) {
  GossipEngine& e = *n.engine;
  // Members we do not have yet go into the device with their link-local address.
  for (const auto& m : e.members(now_)) {
    if (m == n.key || n.device.count(m)) continue;
    n.device[m] = SimPeer{std::nullopt, {}, {Cidr(link_local_for(m), 128)}};
  }
  for (auto& [k, p] : n.device) {
    if (!p.endpoint) {
      auto eps = e.endpoints_of(k, now_);
      if (!eps.empty()) p.endpoint = eps.front();
    }
    if (e.healthy(k) && e.alive(k, now_))
      for (const auto& c : e.allowed_ips_of(k, now_))
        if (std::find(p.allowed_ips.begin(), p.allowed_ips.end(), c) == p.allowed_ips.end())
          p.allowed_ips.push_back(c);
  }
  handshakes(n);
}

void SimMesh::handshakes(SimNode& n) {
  for (auto& [k, p] : n.device) {
    // A handshake succeeds when the endpoint reaches a running node that has us configured.
    if (!p.endpoint || (p.last_handshake.time_since_epoch().count() != 0 &&
                        wall() - p.last_handshake < kRehandshake))
      continue;
    auto it = by_key_.find(k);
    if (it == by_key_.end()) continue;
    SimNode& other = *nodes_[it->second];
    if (!other.running || other.underlay != *p.endpoint) continue;
    auto back = other.device.find(n.key);
    if (back == other.device.end()) continue;
    p.last_handshake = wall();
    back->second.last_handshake = wall();
    back->second.endpoint = n.underlay;  // roaming: the responder learns our address
  }
}

void SimMesh::deliver(SimNode& from, std::vector<OutgoingDatagram>& out) {
  const IpAddress src = link_local_for(from.key);
  for (auto& d : out) {
    auto dev = from.device.find(d.peer);
    if (dev == from.device.end() || !dev->second.endpoint) continue;
    auto it = by_key_.find(d.peer);
    if (it == by_key_.end()) continue;
    SimNode& to = *nodes_[it->second];
    // Cryptokey routing: the recipient must be running and have the sender as a peer, and
    // the sender's endpoint for it must be its real address.
    if (!to.running || to.underlay != *dev->second.endpoint || !to.device.count(from.key)) continue;
    if (!to.listening) {
      ++to.lost_not_listening;
      continue;
    }
    if (capture) captured.push_back({from.index, to.index, now_, d.bytes});
    if (to.router) {
      const auto t0 = thread_cpu();
      to.engine->on_datagram(src, d.bytes, now_);
      router_cpu += thread_cpu() - t0;
    } else {
      to.engine->on_datagram(src, d.bytes, now_);
    }
    ++to.datagrams_delivered;
  }
}

void SimMesh::run_until(TimePoint until, Duration step) {
  while (now_ < until) {
    now_ += step;
    for (auto& np : nodes_) {
      SimNode& n = *np;
      if (n.running && !n.listening) handshakes(n);
      if (!n.running || !n.listening || n.engine->next_deadline() > now_) continue;
      const auto t0 = n.router ? thread_cpu() : std::chrono::nanoseconds{0};
      agent_step(n);
      n.engine->set_local_view(view_of(n), now_);
      auto out = n.engine->tick(now_);
      if (n.router) router_cpu += thread_cpu() - t0;
      deliver(n, out);
    }
  }
}

bool SimMesh::knows(std::size_t observer, std::size_t subject) const {
  const SimNode& o = *nodes_[observer];
  const SimNode& s = *nodes_[subject];
  const GossipEngine& e = *o.engine;
  if (!e.is_member(s.key, now_)) return false;
  auto eps = e.endpoints_of(s.key, now_);
  if (std::find(eps.begin(), eps.end(), s.underlay) == eps.end()) return false;
  auto ips = e.allowed_ips_of(s.key, now_);
  return std::find(ips.begin(), ips.end(), s.overlay) != ips.end();
}

bool SimMesh::knows_anything_about(std::size_t observer, std::size_t subject) const {
  const SimNode& s = *nodes_[subject];
  const GossipEngine& e = *nodes_[observer]->engine;
  return e.is_member(s.key, now_) || !e.endpoints_of(s.key, now_).empty() ||
         !e.allowed_ips_of(s.key, now_).empty();
}

}  // namespace wl::facts::sim
