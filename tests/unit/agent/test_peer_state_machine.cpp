// The peer state machine on a fake device with a fake clock: every transition in PROTOCOL.md §4.
#include <gtest/gtest.h>

#include "fake_device.hpp"
#include "wirelink/agent/facts_gossip.hpp"
#include "wirelink/agent/peer_state_machine.hpp"
#include "wirelink/agent/timing.hpp"
#include "wirelink/facts/timing.hpp"
#include "wirelink/test/keys.hpp"

using namespace std::chrono_literals;
using namespace wl;
using namespace wl::agent;
using wl::agent::test::FakeDevice;
using wl::agent::test::ScriptedGossip;

namespace {

using wl::test::cidr;
using wl::test::ep;
using wl::test::key;

Cidr ll(const PublicKey& k) {
  return Cidr(link_local_for(k), 128);
}

bool has(const std::vector<Cidr>& v, const Cidr& c) {
  return std::find(v.begin(), v.end(), c) != v.end();
}

std::vector<Endpoint> no_dns(const HostPort& hp) {
  auto ip = IpAddress::parse(hp.host);
  if (!ip) return {};
  return {Endpoint(*ip, hp.port)};
}

struct Fixture : ::testing::Test {
  FakeClock clock;
  FakeDevice dev;
  ScriptedGossip gossip;
  PublicKey self = key(1), r = key(2), b = key(3), c = key(4), d = key(5);
  Config cfg;

  void SetUp() override {
    dev.state.ifname = "wg0";
    dev.state.listen_port = 51820;
    PeerSettings rs;
    rs.public_key = r;
    rs.name = "r";
    rs.allowed_ips = {cidr("10.99.0.0/24")};
    rs.endpoints = {HostPort{"192.0.2.1", 51820}};
    cfg.peers.push_back(rs);
  }

  // Router r (its /24) and leaf b, both with endpoints; the gossip trusts b with a /32.
  void router_and_leaf() {
    add_peer(r, {cidr("10.99.0.0/24"), ll(r)}, ep("192.0.2.1:51820"));
    add_peer(b, {ll(b)}, ep("198.51.100.3:51820"));
    gossip.aips[b] = {cidr("10.99.0.3/32")};
  }
  // A handshake a second ago and aliveness for `alive_for` from now, for each of `keys`.
  void healthy_and_alive(std::initializer_list<PublicKey> keys, Duration alive_for) {
    for (const auto& k : keys) {
      handshake(k, 1s);
      gossip.alive_until[k] = clock.now() + alive_for;
    }
  }
  device_model::PeerState& add_peer(const PublicKey& k, std::vector<Cidr> aips,
                                    std::optional<Endpoint> e = std::nullopt) {
    dev.state.peers.emplace_back();
    auto& p = dev.state.peers.back();
    p.public_key = k;
    p.allowed_ips = std::move(aips);
    p.endpoint = e;
    return p;
  }
  void handshake(const PublicKey& k, Duration ago) {
    dev.peer(k)->last_handshake = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            (clock.wall() - ago).time_since_epoch()));
  }
  CycleResult cycle(PeerStateMachine& sm) {
    auto st = dev.get();
    auto res = sm.on_cycle(*st, gossip, clock.now(), clock.wall());
    if (!res.changes.peers.empty()) {
      EXPECT_TRUE(dev.set(res.changes).ok());
    }
    for (const auto& k : res.ping) gossip.request_ping(k);
    return res;
  }
  PeerStateMachine machine() { return PeerStateMachine(cfg, self, clock.now(), no_dns); }
  const PeerStatus* status(const PeerStateMachine& sm, const PublicKey& k) {
    for (const auto& s : sm.status())
      if (s.key == k) return &s;
    return nullptr;
  }
};

}  // namespace

TEST(RouterDetection, ShortGlobalPrefixMakesARouter) {
  EXPECT_TRUE(PeerStateMachine::is_router_prefix_set({cidr("10.0.0.0/24")}));
  EXPECT_TRUE(PeerStateMachine::is_router_prefix_set({cidr("10.0.0.9/32"), cidr("2001:db8::/48")}));
  EXPECT_FALSE(PeerStateMachine::is_router_prefix_set({cidr("0.0.0.0/0")}));
  EXPECT_FALSE(PeerStateMachine::is_router_prefix_set({cidr("::/0")}));
  EXPECT_FALSE(PeerStateMachine::is_router_prefix_set({cidr("10.0.0.9/32")}));
  EXPECT_FALSE(PeerStateMachine::is_router_prefix_set({cidr("fe80::/64")}));
  EXPECT_FALSE(PeerStateMachine::is_router_prefix_set({}));
}

TEST_F(Fixture, EveryPeerKeepsItsLinkLocal) {
  add_peer(r, {cidr("10.99.0.0/24")}, ep("192.0.2.1:51820"));
  add_peer(b, {});
  auto sm = machine();
  cycle(sm);
  EXPECT_TRUE(has(dev.peer(r)->allowed_ips, ll(r)));
  EXPECT_TRUE(has(dev.peer(b)->allowed_ips, ll(b)));
  EXPECT_TRUE(has(dev.peer(r)->allowed_ips, cidr("10.99.0.0/24")));
  // A second cycle has nothing left to do.
  EXPECT_TRUE(cycle(sm).changes.peers.empty());
}

TEST_F(Fixture, AutoDetectsRouterRole) {
  add_peer(r, {cidr("10.99.0.0/24")}, ep("192.0.2.1:51820"));
  auto sm = machine();
  cycle(sm);
  EXPECT_FALSE(sm.is_router());  // one of our peers is a router
  dev.peer(r)->allowed_ips = {cidr("10.99.0.1/32")};
  cycle(sm);
  EXPECT_TRUE(sm.is_router());  // no peer is a router, so we are
  cfg.router = false;
  sm.reconfigure(cfg);
  cycle(sm);
  EXPECT_FALSE(sm.is_router());  // configuration wins
}

TEST_F(Fixture, HealthyMeansFreshOrAdvancedHandshake) {
  add_peer(b, {ll(b)}, ep("198.51.100.3:51820"));
  auto sm = machine();
  handshake(b, 10s);
  cycle(sm);
  EXPECT_TRUE(status(sm, b)->healthy);
  clock.advance(170s);  // now 180 s old, unchanged
  cycle(sm);
  EXPECT_FALSE(status(sm, b)->healthy);
  handshake(b, 170s);  // old but newer than what we saw last: it advanced
  cycle(sm);
  EXPECT_TRUE(status(sm, b)->healthy);
  cycle(sm);  // and no longer advancing
  EXPECT_FALSE(status(sm, b)->healthy);
  // No endpoint: never healthy.
  dev.peer(b)->endpoint.reset();
  handshake(b, 1s);
  cycle(sm);
  EXPECT_FALSE(status(sm, b)->healthy);
}

TEST_F(Fixture, TrustedAllowedIpsNeedHealthyAndAlive) {
  router_and_leaf();
  auto sm = machine();
  cycle(sm);  // unhealthy: nothing added
  EXPECT_FALSE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));
  handshake(b, 1s);
  cycle(sm);  // healthy but not alive
  EXPECT_FALSE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));
  gossip.alive_until[b] = clock.now() + 2s;  // alive, but under the 2.5 s margin
  cycle(sm);
  EXPECT_FALSE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));
  gossip.alive_until[b] = clock.now() + 200s;
  auto res = cycle(sm);
  EXPECT_TRUE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));
  EXPECT_TRUE(status(sm, b)->alive);
  // What show prints follows the device once the change is applied.
  EXPECT_FALSE(has(status(sm, b)->device_allowed_ips, cidr("10.99.0.3/32")));
  sm.note_applied(res.changes);
  EXPECT_TRUE(has(status(sm, b)->device_allowed_ips, cidr("10.99.0.3/32")));
}

TEST_F(Fixture, BasicPeerNeedsNoAliveFact) {
  PeerSettings basic;
  basic.public_key = c;
  basic.basic = true;
  basic.allowed_ips = {cidr("10.99.0.4/32")};
  cfg.peers.push_back(basic);
  add_peer(c, {}, ep("198.51.100.4:51820"));
  auto sm = machine();
  cycle(sm);
  EXPECT_FALSE(has(dev.peer(c)->allowed_ips, cidr("10.99.0.4/32")));  // unhealthy
  handshake(c, 1s);
  cycle(sm);
  EXPECT_TRUE(has(dev.peer(c)->allowed_ips, cidr("10.99.0.4/32")));
  EXPECT_TRUE(status(sm, c)->basic);
}

TEST_F(Fixture, EndpointCyclingLeastRecentlyTriedLanFirst) {
  cfg.peers.clear();
  add_peer(b, {ll(b)});
  gossip.endpoints[b] = {ep("203.0.113.5:51820"), ep("192.168.1.5:51820"), ep("10.0.0.5:51820")};
  auto sm = machine();
  cycle(sm);
  EXPECT_EQ(dev.peer(b)->endpoint, ep("192.168.1.5:51820"));  // LAN before public
  EXPECT_EQ(gossip.pinged.size(), 1u);
  clock.advance(5s);
  cycle(sm);
  EXPECT_EQ(dev.peer(b)->endpoint, ep("192.168.1.5:51820"));  // under 15 s: stay
  clock.advance(10s);
  cycle(sm);
  EXPECT_EQ(dev.peer(b)->endpoint, ep("10.0.0.5:51820"));  // next untried LAN candidate
  clock.advance(15s);
  cycle(sm);
  EXPECT_EQ(dev.peer(b)->endpoint, ep("203.0.113.5:51820"));  // then the public one
  clock.advance(15s);
  cycle(sm);
  EXPECT_EQ(dev.peer(b)->endpoint, ep("192.168.1.5:51820"));  // least recently tried again
  EXPECT_EQ(gossip.pinged.size(), 4u);
  // Healthy: cycling stops.
  handshake(b, 1s);
  clock.advance(15s);
  cycle(sm);
  EXPECT_EQ(dev.peer(b)->endpoint, ep("192.168.1.5:51820"));
  EXPECT_EQ(gossip.pinged.size(), 4u);
}

TEST_F(Fixture, ConfiguredEndpointsJoinTheCycle) {
  cfg.peers[0].endpoints = {HostPort{"192.0.2.1", 51820}, HostPort{"192.0.2.2", 51820}};
  add_peer(r, {cidr("10.99.0.0/24")});
  auto sm = machine();
  cycle(sm);
  EXPECT_EQ(dev.peer(r)->endpoint, ep("192.0.2.1:51820"));
  clock.advance(15s);
  cycle(sm);
  EXPECT_EQ(dev.peer(r)->endpoint, ep("192.0.2.2:51820"));
}

TEST_F(Fixture, LeafFallsBackThroughRouterAndRecovers) {
  router_and_leaf();
  gossip.member_keys = {b};
  auto sm = machine();
  healthy_and_alive({r, b}, 1000s);
  cycle(sm);
  ASSERT_TRUE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));
  EXPECT_FALSE(sm.allow_deconfigure());  // not settled yet

  // The direct path dies before we are settled: nothing is removed yet.
  clock.advance(200s);
  handshake(r, 1s);
  cycle(sm);
  EXPECT_FALSE(status(sm, b)->healthy);
  EXPECT_TRUE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));

  // Settled (> FactTTL): B's allowed IPs go, except its link-local; traffic to 10.99.0.3 now
  // matches R's /24.
  clock.advance(60s);
  handshake(r, 1s);
  cycle(sm);
  EXPECT_TRUE(sm.allow_deconfigure());
  ASSERT_NE(dev.peer(b), nullptr);
  EXPECT_EQ(dev.peer(b)->allowed_ips, std::vector<Cidr>{ll(b)});
  EXPECT_TRUE(has(dev.peer(r)->allowed_ips, cidr("10.99.0.0/24")));

  // The direct path returns: B's trusted allowed IPs come back.
  handshake(b, 1s);
  cycle(sm);
  EXPECT_TRUE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));
  EXPECT_TRUE(has(dev.peer(b)->allowed_ips, ll(b)));
}

// Path liveness (PROTOCOL.md §8.4): with a fresh handshake, silence past kLivenessDead makes
// the direct path dead at once (traffic to the router), and a datagram brings it back.
TEST_F(Fixture, PathLivenessSilenceMovesTrafficToTheRouterAndBack) {
  router_and_leaf();
  gossip.member_keys = {b};
  auto sm = machine();
  clock.advance(300s);  // settled: this node may deconfigure
  healthy_and_alive({r, b}, 1000s);
  gossip.silence[b] = 1s;
  cycle(sm);
  ASSERT_TRUE(sm.allow_deconfigure());
  ASSERT_TRUE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));
  EXPECT_TRUE(status(sm, b)->healthy);

  // Silent for longer than kLivenessDead, handshake still 3 s old (WireGuard would call it
  // healthy for minutes): B's allowed IPs go, the router's /24 carries the traffic.
  clock.advance(2s);
  handshake(b, 3s);
  handshake(r, 1s);
  gossip.silence[b] = facts::timing::kLivenessDead + 1s;
  auto res = cycle(sm);
  EXPECT_FALSE(status(sm, b)->healthy);
  EXPECT_TRUE(status(sm, b)->path_dead);
  EXPECT_EQ(dev.peer(b)->allowed_ips, std::vector<Cidr>{ll(b)});
  bool logged = false;
  for (const auto& e : res.events) logged |= e.find("falling back to the router") != e.npos;
  EXPECT_TRUE(logged);

  // A datagram arrives again: the direct path is back.
  clock.advance(2s);
  handshake(b, 5s);
  gossip.silence[b] = 1s;
  cycle(sm);
  EXPECT_TRUE(status(sm, b)->healthy);
  EXPECT_TRUE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));
}

TEST_F(Fixture, WithoutPathLivenessSilenceChangesNothing) {
  router_and_leaf();
  gossip.member_keys = {b};
  auto sm = machine();
  clock.advance(300s);
  healthy_and_alive({r, b}, 1000s);
  cycle(sm);
  clock.advance(30s);
  handshake(b, 20s);  // 0.14 timing: a 20 s old handshake is healthy
  handshake(r, 1s);
  cycle(sm);
  EXPECT_TRUE(status(sm, b)->healthy);
  EXPECT_FALSE(status(sm, b)->path_dead);
  EXPECT_TRUE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));
}

TEST_F(Fixture, RoutersAndAllowedIpsTrustedNodesNeverDeconfigure) {
  add_peer(b, {cidr("10.99.0.3/32"), ll(b)}, ep("198.51.100.3:51820"));
  auto sm = machine();  // no router peer in the device: we are the router
  clock.advance(300s);
  cycle(sm);
  EXPECT_TRUE(sm.is_router());
  EXPECT_TRUE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));

  cfg.router = false;
  PeerSettings me;
  me.public_key = self;
  me.trust = trust::Level::allowedips;
  cfg.peers.push_back(me);
  auto sm2 = PeerStateMachine(cfg, self, clock.now() - 300s, no_dns);
  cycle(sm2);
  EXPECT_FALSE(sm2.allow_deconfigure());
  EXPECT_TRUE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));
}

TEST_F(Fixture, MembershipFactsAndConfigurationAddPeers) {
  gossip.member_keys = {c, self};
  auto sm = machine();
  cycle(sm);
  ASSERT_NE(dev.peer(c), nullptr);
  EXPECT_EQ(dev.peer(c)->allowed_ips, std::vector<Cidr>{ll(c)});
  ASSERT_NE(dev.peer(r), nullptr);  // configured, missing: added with its endpoint
  EXPECT_EQ(dev.peer(r)->endpoint, ep("192.0.2.1:51820"));
  EXPECT_EQ(dev.peer(self), nullptr);  // never ourselves
}

// A member learnt from the gossip joins with its first candidate endpoint and a nudge in the
// same cycle, so its first handshake does not wait for the next cycle's endpoint step.
TEST_F(Fixture, AMemberJoinsWithAnEndpointAndANudge) {
  gossip.member_keys = {c};
  gossip.endpoints[c] = {ep("198.51.100.4:51820")};
  auto sm = machine();
  auto res = cycle(sm);
  ASSERT_NE(dev.peer(c), nullptr);
  EXPECT_EQ(dev.peer(c)->endpoint, ep("198.51.100.4:51820"));
  EXPECT_TRUE(std::find(res.ping.begin(), res.ping.end(), c) != res.ping.end());
  // That counts as a try: the endpoint cycle holds before the next switch.
  clock.advance(5s);
  gossip.endpoints[c].push_back(ep("203.0.113.4:51820"));
  cycle(sm);
  EXPECT_EQ(dev.peer(c)->endpoint, ep("198.51.100.4:51820"));
}

TEST_F(Fixture, DeletionSafetyRules) {
  add_peer(r, {cidr("10.99.0.0/24"), ll(r)}, ep("192.0.2.1:51820"));
  add_peer(b, {ll(b)}, ep("198.51.100.3:51820"));
  add_peer(d, {ll(d)});  // stale: no membership fact names it
  gossip.member_keys = {b};
  auto sm = machine();
  auto steady = [&] {
    handshake(r, 1s);
    gossip.alive_until[r] = clock.now() + 200s;
  };
  steady();
  cycle(sm);
  // Not settled: nothing deleted.
  for (int i = 0; i < 40; ++i) {
    clock.advance(5s);
    steady();
    cycle(sm);
  }
  // 200 s in: the router has been steady 200 s (< 260 s) and we are not settled.
  EXPECT_NE(dev.peer(d), nullptr);
  for (int i = 0; i < 13; ++i) {
    clock.advance(5s);
    steady();
    cycle(sm);
  }
  // 265 s: settled and the router (full-auto anchor) steady for >= 260 s.
  EXPECT_TRUE(sm.allow_delete());
  EXPECT_EQ(dev.peer(d), nullptr);
  EXPECT_NE(dev.peer(b), nullptr);  // named by membership
  EXPECT_NE(dev.peer(r), nullptr);  // configured (and a router in full-auto mode)
}

TEST_F(Fixture, NoDeletionWhenAnchorAlivenessRunsLow) {
  add_peer(r, {cidr("10.99.0.0/24"), ll(r)}, ep("192.0.2.1:51820"));
  add_peer(d, {ll(d)});
  auto sm = machine();
  for (int i = 0; i < 60; ++i) {
    clock.advance(5s);
    handshake(r, 1s);
    gossip.alive_until[r] = clock.now() + 5s;  // alive, but under the 7.5 s margin
    cycle(sm);
  }
  EXPECT_FALSE(sm.allow_delete());
  EXPECT_NE(dev.peer(d), nullptr);
}

TEST_F(Fixture, MembershipTrustedNodeNeverDeletes) {
  add_peer(r, {cidr("10.99.0.0/24"), ll(r)}, ep("192.0.2.1:51820"));
  add_peer(d, {ll(d)});
  PeerSettings me;
  me.public_key = self;
  me.trust = trust::Level::membership;
  cfg.peers.push_back(me);
  auto sm = machine();
  for (int i = 0; i < 60; ++i) {
    clock.advance(5s);
    handshake(r, 1s);
    gossip.alive_until[r] = clock.now() + 200s;
    cycle(sm);
  }
  EXPECT_NE(dev.peer(d), nullptr);
}

TEST_F(Fixture, RestartRebuildsFromTheDeviceWithoutChanges) {
  router_and_leaf();
  gossip.member_keys = {b};
  auto sm = machine();
  for (int i = 0; i < 80; ++i) {
    clock.advance(5s);
    healthy_and_alive({r, b}, 200s);
    cycle(sm);
  }
  ASSERT_TRUE(has(dev.peer(b)->allowed_ips, cidr("10.99.0.3/32")));
  auto before = dev.state.peers.size();
  int sets_before = dev.sets;

  // A new agent process starts on the same device, with gossip not yet heard from anyone.
  ScriptedGossip fresh;
  PeerStateMachine restarted(cfg, self, clock.now(), no_dns);
  auto st = dev.get();
  auto res = restarted.on_cycle(*st, fresh, clock.now(), clock.wall());
  EXPECT_TRUE(res.changes.peers.empty());
  EXPECT_EQ(dev.sets, sets_before);
  EXPECT_EQ(dev.state.peers.size(), before);
  // It sees the peers as they are.
  ASSERT_NE(status(restarted, b), nullptr);
  EXPECT_TRUE(status(restarted, b)->healthy);
}

// The first look at a peer: a handshake already on the device counts only when it is fresh
// (PROTOCOL.md §6.4; wirelink 0.14 never counted a first look as an advance). A stale one means
// unhealthy from the first cycle: endpoint cycling and the ping start at once, and no allowed
// IPs are added; the gossip engine gets the same decision through the view.
TEST_F(Fixture, FirstLookAtAStaleHandshakeIsUnhealthy) {
  cfg.peers.clear();
  PeerSettings basic;
  basic.public_key = c;
  basic.basic = true;
  basic.allowed_ips = {cidr("10.99.0.4/32")};
  cfg.peers.push_back(basic);
  add_peer(b, {ll(b)}, ep("198.51.100.3:51820"));
  add_peer(c, {ll(c)}, ep("198.51.100.4:51820"));
  gossip.endpoints[b] = {ep("192.168.1.3:51820")};
  handshake(b, 200s);
  handshake(c, 200s);
  auto sm = machine();
  auto res = cycle(sm);
  EXPECT_FALSE(status(sm, b)->healthy);
  EXPECT_FALSE(status(sm, c)->healthy);
  EXPECT_EQ(dev.peer(b)->endpoint, ep("192.168.1.3:51820"));  // cycling started
  EXPECT_EQ(gossip.pinged, std::vector<PublicKey>{b});        // c has no other endpoint to try
  EXPECT_FALSE(has(dev.peer(c)->allowed_ips, cidr("10.99.0.4/32")));
  ASSERT_EQ(res.view.device_peers.size(), 2u);
  for (const auto& p : res.view.device_peers) EXPECT_EQ(p.healthy, std::optional<bool>(false));
}

TEST_F(Fixture, FirstLookAtAFreshHandshakeIsHealthy) {
  cfg.peers.clear();
  add_peer(b, {ll(b)}, ep("198.51.100.3:51820"));
  gossip.endpoints[b] = {ep("192.168.1.3:51820")};
  handshake(b, 10s);
  auto sm = machine();
  auto res = cycle(sm);
  EXPECT_TRUE(status(sm, b)->healthy);
  EXPECT_EQ(dev.peer(b)->endpoint, ep("198.51.100.3:51820"));  // kept
  EXPECT_TRUE(gossip.pinged.empty());
  ASSERT_EQ(res.view.device_peers.size(), 1u);
  EXPECT_EQ(res.view.device_peers[0].healthy, std::optional<bool>(true));
}

// The view carries what was decided once: the router role, and the configured peers with their
// endpoints resolved (the cycle's only DNS: one lookup per configured endpoint).
TEST_F(Fixture, ViewCarriesRoleAndResolvedConfiguredPeers) {
  int lookups = 0;
  auto counting_dns = [&](const HostPort& hp) {
    ++lookups;
    return no_dns(hp);
  };
  add_peer(b, {ll(b)});  // not a router: so we are one
  PeerStateMachine sm(cfg, self, clock.now(), counting_dns);
  auto res = cycle(sm);
  EXPECT_EQ(lookups, 1);  // r is configured, missing from the device and then added: one lookup
  EXPECT_EQ(res.view.router, std::optional<bool>(true));
  ASSERT_EQ(res.view.config_peers.size(), 1u);
  EXPECT_EQ(res.view.config_peers[0].endpoints, std::vector<Endpoint>{ep("192.0.2.1:51820")});
  EXPECT_EQ(res.view.listen_port, 51820);
  cycle(sm);  // r is in the device now and unhealthy: its endpoint is tried from the same lookup
  EXPECT_EQ(lookups, 2);
}

// The gossip engine does not judge health again: it takes the state machine's decision from the
// view, even where its own look at the handshake would disagree.
TEST_F(Fixture, GossipTakesTheViewsHealth) {
  auto g = make_facts_gossip(wl::test::private_from_seed(1), cfg, clock.now());
  facts::LocalView v;
  v.wall_now = clock.wall();
  facts::DevicePeerView p;
  p.key = b;
  p.endpoint = ep("198.51.100.3:51820");
  p.last_handshake = clock.wall() - 200s;  // stale
  p.healthy = true;
  v.device_peers = {p};
  g->set_local_view(v, clock.now());
  EXPECT_NE(g->dump(clock.now()).find("healthy 1"), std::string::npos);
  v.device_peers[0].last_handshake = clock.wall() - 1s;  // fresh
  v.device_peers[0].healthy = false;
  g->set_local_view(v, clock.now());
  EXPECT_NE(g->dump(clock.now()).find("healthy 0"), std::string::npos);
}
