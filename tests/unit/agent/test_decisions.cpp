// Each of the peer state machine's decisions on its own (decisions.hpp), with hand-built inputs.
#include <gtest/gtest.h>

#include "wirelink/agent/decisions.hpp"
#include "wirelink/agent/timing.hpp"
#include "wirelink/facts/timing.hpp"
#include "wirelink/test/keys.hpp"

using namespace std::chrono_literals;
using namespace wl;
using namespace wl::agent;
using wl::test::cidr;
using wl::test::ep;
using wl::test::key;

namespace {

const TimePoint kNow = TimePoint(1000s);

device_model::PeerState device_peer(const PublicKey& k, std::vector<Cidr> aips) {
  device_model::PeerState p;
  p.public_key = k;
  p.allowed_ips = std::move(aips);
  return p;
}

Cidr ll(const PublicKey& k) {
  return Cidr(link_local_for(k), 128);
}

std::vector<Cidr> cidrs_of(const device_model::PeerConfig& c) {
  std::vector<Cidr> out;
  for (const auto& a : c.allowed_ips) out.push_back(a.cidr);
  return out;
}

}  // namespace

TEST(DecideRoles, RouterIsConfiguredOrNoPeerIsOne) {
  device_model::DeviceState dev;
  dev.peers.push_back(device_peer(key(2), {cidr("10.0.0.2/32")}));
  EXPECT_TRUE(decide::effective_router(std::nullopt, dev));
  dev.peers.push_back(device_peer(key(3), {cidr("10.0.0.0/24")}));
  EXPECT_FALSE(decide::effective_router(std::nullopt, dev));
  EXPECT_TRUE(decide::effective_router(true, dev));
  EXPECT_FALSE(decide::effective_router(false, device_model::DeviceState{}));
}

TEST(DecideRoles, DeconfigureNeedsSettledLeafTrustedBelowAllowedIps) {
  device_model::DeviceState dev;
  dev.peers.push_back(device_peer(key(2), {cidr("10.0.0.0/24")}));  // a router peer: we are a leaf
  Config cfg;
  EXPECT_FALSE(decide::roles(cfg, key(1), dev, false).allow_deconfigure);
  auto r = decide::roles(cfg, key(1), dev, true);
  EXPECT_TRUE(r.allow_deconfigure);
  EXPECT_FALSE(r.router);
  EXPECT_TRUE(r.full_auto);
  EXPECT_FALSE(r.own_trust.has_value());
  PeerSettings me;
  me.public_key = key(1);
  me.trust = trust::Level::allowedips;
  cfg.peers.push_back(me);
  r = decide::roles(cfg, key(1), dev, true);
  EXPECT_FALSE(r.allow_deconfigure);
  EXPECT_EQ(r.own_trust, trust::Level::allowedips);
  EXPECT_TRUE(r.full_auto);  // allowedips is not membership
  cfg.peers[0].trust = trust::Level::membership;
  EXPECT_FALSE(decide::roles(cfg, key(1), dev, true).full_auto);
  cfg.peers.clear();
  cfg.router = true;
  EXPECT_FALSE(decide::roles(cfg, key(1), dev, true).allow_deconfigure);
}

TEST(DecideAllowedIps, TrustedSetIsConfiguredThenGossipedWithoutLinkLocal) {
  const auto got = decide::trusted_allowed_ips(
      {cidr("10.0.0.4/32")}, {cidr("10.0.0.4/32"), ll(key(4)), cidr("10.0.1.0/24")}, ll(key(4)));
  EXPECT_EQ(got, (std::vector<Cidr>{cidr("10.0.0.4/32"), cidr("10.0.1.0/24")}));
}

TEST(DecideAllowedIps, HealthyAndAliveAddsTheMissingTrusted) {
  const auto p = device_peer(key(4), {ll(key(4)), cidr("10.0.0.4/32")});
  std::vector<std::string> events;
  decide::AllowedIpsInput in{p,     ll(key(4)), true,
                             false, 10s,        {cidr("10.0.0.4/32"), cidr("10.0.1.0/24")}};
  device_model::PeerConfig change;
  EXPECT_TRUE(decide::allowed_ips(in, false, change, events));
  EXPECT_FALSE(change.replace_allowed_ips);
  EXPECT_EQ(cidrs_of(change), std::vector<Cidr>{cidr("10.0.1.0/24")});
  EXPECT_EQ(events.size(), 1u);
  // Alive, but not above the margin: nothing.
  in.alive_remaining = facts::timing::kAliveMargin;
  device_model::PeerConfig none;
  EXPECT_FALSE(decide::allowed_ips(in, false, none, events));
  EXPECT_TRUE(none.allowed_ips.empty());
  // Basic needs no aliveness.
  in.alive_remaining.reset();
  in.basic = true;
  device_model::PeerConfig basic;
  EXPECT_TRUE(decide::allowed_ips(in, false, basic, events));
  // Not healthy: nothing without deconfiguring.
  in.healthy = false;
  device_model::PeerConfig sick;
  EXPECT_FALSE(decide::allowed_ips(in, false, sick, events));
  EXPECT_TRUE(sick.allowed_ips.empty());
}

TEST(DecideAllowedIps, DeconfiguringReplacesWithExactlyTheTrustedSetOrTheLinkLocal) {
  const auto p = device_peer(key(4), {ll(key(4)), cidr("10.0.9.0/24")});
  std::vector<std::string> events;
  decide::AllowedIpsInput in{p, ll(key(4)), true, false, 10s, {cidr("10.0.0.4/32")}};
  device_model::PeerConfig change;
  EXPECT_TRUE(decide::allowed_ips(in, true, change, events));
  EXPECT_TRUE(change.replace_allowed_ips);
  auto got = cidrs_of(change);
  std::sort(got.begin(), got.end());
  std::vector<Cidr> want{cidr("10.0.0.4/32"), ll(key(4))};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  // Already exactly that: nothing.
  const auto same = device_peer(key(4), {cidr("10.0.0.4/32"), ll(key(4))});
  decide::AllowedIpsInput in_same{same, ll(key(4)), true, false, 10s, {cidr("10.0.0.4/32")}};
  device_model::PeerConfig none;
  EXPECT_FALSE(decide::allowed_ips(in_same, true, none, events));
  // Unhealthy: only the link-local stays (traffic falls back to the router) ...
  in.healthy = false;
  device_model::PeerConfig sick;
  EXPECT_TRUE(decide::allowed_ips(in, true, sick, events));
  EXPECT_TRUE(sick.replace_allowed_ips);
  EXPECT_EQ(cidrs_of(sick), std::vector<Cidr>{ll(key(4))});
  // ... and once that is all it has, nothing more to do.
  const auto bare = device_peer(key(4), {ll(key(4))});
  decide::AllowedIpsInput in_bare{bare, ll(key(4)), false, false, std::nullopt, {}};
  device_model::PeerConfig done;
  EXPECT_FALSE(decide::allowed_ips(in_bare, true, done, events));
}

TEST(DecideAllowedIps, EveryPeerKeepsItsLinkLocal) {
  const auto p = device_peer(key(4), {});
  device_model::PeerConfig change;
  EXPECT_TRUE(decide::keep_link_local(p, ll(key(4)), change));
  EXPECT_EQ(cidrs_of(change), std::vector<Cidr>{ll(key(4))});
  EXPECT_FALSE(decide::keep_link_local(p, ll(key(4)), change));  // already in the change
  device_model::PeerConfig replacing;
  replacing.replace_allowed_ips = true;
  EXPECT_FALSE(decide::keep_link_local(p, ll(key(4)), replacing));
  device_model::PeerConfig untouched;
  EXPECT_FALSE(decide::keep_link_local(device_peer(key(4), {ll(key(4))}), ll(key(4)), untouched));
  EXPECT_TRUE(untouched.allowed_ips.empty());
}

TEST(DecideEndpoint, CandidatesAreGossipedThenConfiguredWithoutRepeats) {
  EXPECT_EQ(decide::endpoint_candidates({ep("192.0.2.1:1"), ep("192.0.2.2:1")},
                                        {ep("192.0.2.2:1"), ep("192.0.2.3:1")}),
            (std::vector<Endpoint>{ep("192.0.2.1:1"), ep("192.0.2.2:1"), ep("192.0.2.3:1")}));
}

TEST(DecideEndpoint, LeastRecentlyTriedLanFirstNoFasterThanTheInterval) {
  const std::vector<Endpoint> cands{ep("203.0.113.5:1"), ep("192.168.1.5:1"), ep("10.0.0.5:1")};
  std::map<Endpoint, TimePoint> tried;
  EXPECT_EQ(decide::choose_endpoint(cands, tried, std::nullopt, kNow), ep("192.168.1.5:1"));
  tried[ep("192.168.1.5:1")] = kNow;
  EXPECT_EQ(decide::choose_endpoint(cands, tried, kNow, kNow + 5s), std::nullopt);
  EXPECT_EQ(decide::choose_endpoint(cands, tried, kNow, kNow + facts::timing::kEndpointCycle),
            ep("10.0.0.5:1"));
  tried[ep("10.0.0.5:1")] = kNow + 15s;
  tried[ep("203.0.113.5:1")] = kNow + 30s;
  EXPECT_EQ(decide::choose_endpoint(cands, tried, kNow + 30s, kNow + 45s), ep("192.168.1.5:1"));
  EXPECT_EQ(decide::choose_endpoint({}, tried, std::nullopt, kNow), std::nullopt);
  EXPECT_TRUE(decide::is_lan(*IpAddress::parse("172.16.0.1")));
  EXPECT_TRUE(decide::is_lan(*IpAddress::parse("fd00::1")));
  EXPECT_FALSE(decide::is_lan(*IpAddress::parse("172.32.0.1")));
  EXPECT_FALSE(decide::is_lan(*IpAddress::parse("2001:db8::1")));
}

TEST(DecideMembers, MembersAndConfiguredPeersJoinWithTheirLinkLocal) {
  facts::ConfiguredPeerView conf;
  conf.key = key(5);
  conf.endpoints = {ep("192.0.2.5:51820"), ep("192.0.2.6:51820")};
  facts::ConfiguredPeerView self_conf;
  self_conf.key = key(1);
  std::vector<std::string> events;
  const auto adds =
      decide::peers_to_add({key(3), key(4), key(1)}, {conf, self_conf}, key(1), {key(4)}, events);
  ASSERT_EQ(adds.size(), 2u);
  EXPECT_EQ(adds[0].public_key, key(3));
  EXPECT_EQ(cidrs_of(adds[0]), std::vector<Cidr>{ll(key(3))});
  EXPECT_FALSE(adds[0].endpoint.has_value());
  EXPECT_EQ(adds[1].public_key, key(5));
  EXPECT_EQ(adds[1].endpoint, ep("192.0.2.5:51820"));  // the first resolved one
  EXPECT_FALSE(adds[1].update_only);
  EXPECT_EQ(events.size(), 2u);
}

TEST(DecideMembers, DeletionGuardAndWhatMayGo) {
  EXPECT_TRUE(decide::vouches(true, true, std::nullopt));
  EXPECT_FALSE(decide::vouches(true, false, trust::Level::membership));
  EXPECT_TRUE(decide::vouches(false, false, trust::Level::membership));
  EXPECT_FALSE(decide::vouches(false, true, trust::Level::allowedips));

  EXPECT_TRUE(decide::anchor_steady(kNow - facts::timing::kDeleteHealthyFor, 10s, kNow));
  EXPECT_FALSE(decide::anchor_steady(kNow - facts::timing::kDeleteHealthyFor + 1s, 10s, kNow));
  EXPECT_FALSE(decide::anchor_steady(kNow - 300s, facts::timing::kDeleteAliveMargin, kNow));
  EXPECT_FALSE(decide::anchor_steady(std::nullopt, 10s, kNow));

  decide::Roles leaf;
  leaf.settled = true;
  EXPECT_TRUE(decide::may_delete(leaf, true));
  EXPECT_FALSE(decide::may_delete(leaf, false));
  leaf.own_trust = trust::Level::membership;
  EXPECT_FALSE(decide::may_delete(leaf, true));
  leaf.own_trust.reset();
  leaf.router = true;
  EXPECT_FALSE(decide::may_delete(leaf, true));

  std::vector<std::string> events;
  const std::vector<decide::DeletionCandidate> device{
      {key(2), true, false}, {key(3), false, false}, {key(4), false, true}, {key(5), false, false}};
  auto dels = decide::peers_to_delete(device, {key(5)}, true, events);
  ASSERT_EQ(dels.size(), 1u);
  EXPECT_EQ(dels[0].public_key, key(3));
  EXPECT_TRUE(dels[0].remove);
  dels = decide::peers_to_delete(device, {key(5)}, false, events);  // routers go too
  ASSERT_EQ(dels.size(), 2u);
  EXPECT_EQ(dels[1].public_key, key(4));
}

namespace {

// eth0 (up): a LAN in both families; wg0 and a down link do not count. Main table: both
// default routes and a route to another site's 10.20/16.
decide::LocalNetwork dual_stack_lan() {
  facts::InterfaceSnapshot eth0{"eth0", true, false, {}, {}};
  eth0.addresses = {*IpAddress::parse("192.168.1.10"), *IpAddress::parse("2001:db8:1::10")};
  eth0.subnets = {cidr("192.168.1.0/24"), cidr("2001:db8:1::/64")};
  facts::InterfaceSnapshot wg0{
      "wg0", true, true, {*IpAddress::parse("10.99.0.1")}, {cidr("10.99.0.0/24")}};
  facts::InterfaceSnapshot down{
      "eth1", false, false, {*IpAddress::parse("172.16.5.1")}, {cidr("172.16.5.0/24")}};
  return decide::local_network({eth0, wg0, down}, {cidr("0.0.0.0/0"), cidr("::/0"),
                                                   cidr("10.20.0.0/16"), cidr("203.0.113.0/24")});
}

}  // namespace

TEST(DecideEndpoint, ABetterCandidateThatArrivesLateIsTriedAtOnceOnlyOnce) {
  const auto net = dual_stack_lan();  // on 192.168.1.0/24
  std::map<Endpoint, TimePoint> tried;
  // The router relayed the peer's NAT mapping first.
  EXPECT_EQ(decide::choose_endpoint({ep("198.51.100.2:4000")}, tried, std::nullopt, kNow, net),
            ep("198.51.100.2:4000"));
  tried[ep("198.51.100.2:4000")] = kNow;
  // Its LAN address (our subnet) arrives a second later: no 15 s wait for it.
  const std::vector<Endpoint> both{ep("198.51.100.2:4000"), ep("192.168.1.3:51820")};
  EXPECT_EQ(decide::choose_endpoint(both, tried, kNow, kNow + 1s, net), ep("192.168.1.3:51820"));
  tried[ep("192.168.1.3:51820")] = kNow + 1s;
  // Both tried: the interval holds again, whatever the ranks.
  EXPECT_EQ(decide::choose_endpoint(both, tried, kNow + 1s, kNow + 2s, net), std::nullopt);
  // A worse candidate that arrives late waits for the interval.
  const std::map<Endpoint, TimePoint> lan_tried{{ep("192.168.1.3:51820"), kNow}};
  EXPECT_EQ(decide::choose_endpoint({ep("192.168.1.3:51820"), ep("198.51.100.9:1")}, lan_tried,
                                    kNow, kNow + 1s, net),
            std::nullopt);
}

TEST(DecideEndpoint, RankedLanSubnetThenPublicThenRoutedPrivate) {
  const auto net = dual_stack_lan();
  const std::vector<Endpoint> cands{
      ep("10.30.0.5:1"),         // private, only the default route: another site's LAN
      ep("198.51.100.7:1"),      // public, default route
      ep("10.20.0.5:1"),         // private, a specific route reaches it
      ep("[2001:db8:9::1]:1"),   // public IPv6, default route: ranks with IPv4 public
      ep("203.0.113.9:1"),       // public, a specific route: before the default-route ones
      ep("192.168.1.20:1"),      // inside eth0's subnet
      ep("10.99.0.5:1"),         // inside wg0's subnet: not a LAN, the tunnel is no underlay
      ep("172.16.5.9:1"),        // inside the down link's subnet: not a LAN
      ep("[2001:db8:1::20]:1"),  // inside eth0's IPv6 subnet
  };
  EXPECT_EQ(
      decide::rank_candidates(cands, net),
      (std::vector<Endpoint>{ep("192.168.1.20:1"), ep("[2001:db8:1::20]:1"), ep("203.0.113.9:1"),
                             ep("198.51.100.7:1"), ep("[2001:db8:9::1]:1"), ep("10.20.0.5:1")}));
  EXPECT_EQ(decide::reach_of(ep("10.30.0.5:1"), net), decide::Reach::private_default_only);
  EXPECT_EQ(decide::reach_of(ep("192.168.1.20:1"), net), decide::Reach::lan);
  // The cycle tries them in that order, then starts again with the least recently tried.
  std::map<Endpoint, TimePoint> tried;
  EXPECT_EQ(decide::choose_endpoint(cands, tried, std::nullopt, kNow, net), ep("192.168.1.20:1"));
  tried[ep("192.168.1.20:1")] = kNow;
  tried[ep("[2001:db8:1::20]:1")] = kNow;
  EXPECT_EQ(decide::choose_endpoint(cands, tried, std::nullopt, kNow, net), ep("203.0.113.9:1"));
}

TEST(DecideEndpoint, UnroutablePrivateOnlyWhenNothingElse) {
  const auto net = dual_stack_lan();
  // Alone, another site's private addresses are still worth a guess, in their given order.
  EXPECT_EQ(decide::rank_candidates({ep("10.30.0.5:1"), ep("172.31.0.9:1")}, net),
            (std::vector<Endpoint>{ep("10.30.0.5:1"), ep("172.31.0.9:1")}));
  // With anything better they are never tried.
  EXPECT_EQ(decide::rank_candidates({ep("10.30.0.5:1"), ep("10.20.0.5:1")}, net),
            (std::vector<Endpoint>{ep("10.20.0.5:1")}));
  EXPECT_EQ(decide::choose_endpoint({ep("10.30.0.5:1"), ep("198.51.100.7:1")},
                                    {{ep("198.51.100.7:1"), kNow}}, std::nullopt, kNow + 60s, net),
            ep("198.51.100.7:1"));
}

TEST(DecideEndpoint, FamilyWithoutAddressOrRouteIsDropped) {
  // IPv6 only: eth0 lost its IPv4 address (and with it the IPv4 routes).
  facts::InterfaceSnapshot eth0{
      "eth0", true, false, {*IpAddress::parse("2001:db8:1::10")}, {cidr("2001:db8:1::/64")}};
  auto v6_only = decide::local_network({eth0}, {cidr("::/0")});
  const std::vector<Endpoint> cands{ep("192.168.1.20:1"), ep("198.51.100.7:1"),
                                    ep("[2001:db8:9::1]:1")};
  EXPECT_EQ(decide::rank_candidates(cands, v6_only),
            (std::vector<Endpoint>{ep("[2001:db8:9::1]:1")}));
  // Even alone, an IPv4 candidate is never tried without an IPv4 address.
  EXPECT_TRUE(decide::rank_candidates({ep("198.51.100.7:1")}, v6_only).empty());
  EXPECT_EQ(decide::choose_endpoint({ep("198.51.100.7:1")}, {}, std::nullopt, kNow, v6_only),
            std::nullopt);
  // An address but no route of the family: also unreachable.
  eth0.addresses.push_back(*IpAddress::parse("192.0.2.10"));
  eth0.subnets.push_back(cidr("192.0.2.0/24"));
  auto no_v4_route = decide::local_network({eth0}, {cidr("::/0")});
  EXPECT_EQ(decide::reach_of(ep("198.51.100.7:1"), no_v4_route), decide::Reach::unreachable);
  EXPECT_EQ(decide::reach_of(ep("192.0.2.20:1"), no_v4_route), decide::Reach::lan);
  // A link-local candidate is reachable only on a link that has that prefix.
  EXPECT_EQ(decide::reach_of(ep("[fe80::1]:1"), no_v4_route), decide::Reach::unreachable);
  // Without an rtnetlink view nothing is dropped (hand-built tests, 0.14 order).
  EXPECT_EQ(decide::rank_candidates(cands, {}).size(), 3u);
  EXPECT_FALSE(decide::local_network({eth0}, {}).known);  // a failed route read
  EXPECT_FALSE(decide::local_network({}, {cidr("::/0")}).known);
}

TEST(DecidePath, DirectRelayedOrNoneWithTheReason) {
  decide::PathInput in;
  in.healthy = true;
  EXPECT_EQ(decide::explain_path(in).path, "direct");
  EXPECT_EQ(decide::explain_path(in).reason, "");
  in = {};
  in.relay = "r";
  in.candidates = 2;
  in.outage_since = WallTime(std::chrono::hours(24 * 365) + 12h + 3min + 41s);
  auto p = decide::explain_path(in);
  EXPECT_EQ(p.path, "via r");
  EXPECT_EQ(p.reason, "trying candidates");
  in.all_tried = true;
  EXPECT_EQ(decide::explain_path(in).reason, "no candidate answered since 12:03:41 UTC");
  in = {};
  in.router_pending = true;
  in.candidates = 1;
  p = decide::explain_path(in);
  EXPECT_EQ(p.path, "none");
  EXPECT_EQ(p.reason, "waiting for the router");
  p = decide::explain_path({});
  EXPECT_EQ(p.path, "none");
  EXPECT_EQ(p.reason, "no usable endpoint known");
}

TEST(DecideEndpoint, FamilyLostOnlyWithoutAnAddress) {
  facts::InterfaceSnapshot eth0{
      "eth0", true, false, {*IpAddress::parse("2001:db8:1::10")}, {cidr("2001:db8:1::/64")}};
  const auto v6_only = decide::local_network({eth0}, {cidr("::/0")});
  EXPECT_TRUE(decide::family_lost(ep("198.51.100.7:1"), v6_only));
  EXPECT_FALSE(decide::family_lost(ep("[2001:db8:9::1]:1"), v6_only));
  // An IPv4 address but no IPv4 route in the main table (policy routing): not lost.
  eth0.addresses.push_back(*IpAddress::parse("192.0.2.10"));
  eth0.subnets.push_back(cidr("192.0.2.0/24"));
  EXPECT_FALSE(
      decide::family_lost(ep("198.51.100.7:1"), decide::local_network({eth0}, {cidr("::/0")})));
  EXPECT_FALSE(decide::family_lost(ep("198.51.100.7:1"), {}));
}

// Coordinator-gated membership: named by a membership fact is not enough; a token admission
// (or its grace after it ended) is needed.
TEST(DecideMembers, TokenGatedNeedsAnAdmissionWithinTheGrace) {
  const TimePoint now = TimePoint(1000s);
  const auto with_token = key(1), without = key(2), lapsed = key(3), long_gone = key(4);
  const std::map<PublicKey, TimePoint> admitted = {
      {with_token, now + 300s}, {lapsed, now - 30s}, {long_gone, now - 61s}};
  const auto out = decide::token_gated({with_token, without, lapsed, long_gone}, admitted, now,
                                       timing::kTokenGrace);
  EXPECT_EQ(out, (std::vector<PublicKey>{with_token, lapsed}));
  EXPECT_TRUE(decide::token_gated({without}, {}, now, timing::kTokenGrace).empty());
}
