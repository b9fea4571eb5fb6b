// Local fact collection from a snapshot, globs, the store's identity/expiry rules and the
// per-peer send filter.
#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.hpp"
#include "wirelink/facts/local_view.hpp"
#include "wirelink/facts/send_filter.hpp"
#include "wirelink/facts/store.hpp"

namespace wl::facts {
namespace {

using namespace std::chrono_literals;

using wl::test::key;

const WallTime kWall = WallTime(std::chrono::seconds(1'800'000'000));

bool has(const std::vector<Fact>& v, const Fact& f) {
  return std::find(v.begin(), v.end(), f) != v.end();
}

LocalView base_view() {
  LocalView v;
  v.listen_port = 51820;
  v.wall_now = kWall;
  v.interfaces = {
      {"eth0",
       true,
       false,
       {*IpAddress::parse("192.0.2.10"), *IpAddress::parse("fe80::1"),
        *IpAddress::parse("2001:db8::10")}},
      {"eth1", false, false, {*IpAddress::parse("198.51.100.10")}},  // down
      {"wg0", true, true, {*IpAddress::parse("10.0.0.1")}},          // WireGuard
      {"docker0", true, false, {*IpAddress::parse("172.17.0.1")}},
      {"lo", true, false, {*IpAddress::parse("127.0.0.1")}},
  };
  DevicePeerView fresh{key(2),
                       *Endpoint::parse("203.0.113.2:51820"),
                       kWall - 100s,
                       {*Cidr::parse("fe80::2/128"), *Cidr::parse("10.0.0.2/32")}};
  DevicePeerView stale{
      key(3), *Endpoint::parse("203.0.113.3:51820"), kWall - 170s, {*Cidr::parse("10.0.0.3/32")}};
  v.device_peers = {fresh, stale};
  return v;
}

TEST(LocalFacts, OwnEndpointsFromUpNonWireguardGlobalAddresses) {
  auto v = base_view();
  CollectContext ctx{key(1), false, std::nullopt, FeatureSet{}, {}, {}};
  auto f = collect_local_facts(v, ctx);
  EXPECT_TRUE(has(f, make_endpoint(key(1), *Endpoint::parse("192.0.2.10:51820"))));
  EXPECT_TRUE(has(f, make_endpoint(key(1), *Endpoint::parse("[2001:db8::10]:51820"))));
  EXPECT_TRUE(has(f, make_endpoint(key(1), *Endpoint::parse("172.17.0.1:51820"))));
  EXPECT_FALSE(has(f, make_endpoint(key(1), *Endpoint::parse("198.51.100.10:51820"))));  // down
  EXPECT_FALSE(has(f, make_endpoint(key(1), *Endpoint::parse("10.0.0.1:51820"))));       // wg
  EXPECT_FALSE(has(f, make_endpoint(key(1), *Endpoint::parse("127.0.0.1:51820"))));
  // Peers' endpoints only while the handshake is fresh (< 165.334 s).
  EXPECT_TRUE(has(f, make_endpoint(key(2), *Endpoint::parse("203.0.113.2:51820"))));
  EXPECT_FALSE(has(f, make_endpoint(key(3), *Endpoint::parse("203.0.113.3:51820"))));
  // A leaf without self-trust tells neither allowed IPs nor membership.
  for (const auto& x : f) {
    EXPECT_NE(x.attr, Attribute::allowed_ip_v4);
    EXPECT_NE(x.attr, Attribute::member_metadata);
  }
}

TEST(LocalFacts, ReportAndHideGlobs) {
  auto v = base_view();
  v.hide_ifaces = {"docker*"};
  CollectContext ctx{key(1), false, std::nullopt, FeatureSet{}, {}, {}};
  auto f = collect_local_facts(v, ctx);
  EXPECT_FALSE(has(f, make_endpoint(key(1), *Endpoint::parse("172.17.0.1:51820"))));
  EXPECT_TRUE(has(f, make_endpoint(key(1), *Endpoint::parse("192.0.2.10:51820"))));
  v.hide_ifaces.clear();
  v.report_ifaces = {"dock?r[0-9]"};
  f = collect_local_facts(v, ctx);
  EXPECT_TRUE(has(f, make_endpoint(key(1), *Endpoint::parse("172.17.0.1:51820"))));
  EXPECT_FALSE(has(f, make_endpoint(key(1), *Endpoint::parse("192.0.2.10:51820"))));
  EXPECT_TRUE(glob_match("wg*", "wg0"));
  EXPECT_FALSE(glob_match("wg?", "wg10"));
}

// A router tells its leaves which of them asked for path liveness (F facts, PROTOCOL.md §8.4);
// a leaf never does.
TEST(LocalFacts, RouterTellsWhichPeersAskedForPathLiveness) {
  auto v = base_view();
  auto asked = [](const PublicKey& k) { return k == key(2); };
  CollectContext router{key(1), true, std::nullopt, FeatureSet{}, {}, asked};
  auto f = collect_local_facts(v, router);
  EXPECT_TRUE(has(f, make_peer_feature(key(2), Feature::liveness)));
  EXPECT_FALSE(has(f, make_peer_feature(key(3), Feature::liveness)));
  CollectContext leaf{key(1), false, std::nullopt, FeatureSet{}, {}, asked};
  EXPECT_FALSE(has(collect_local_facts(v, leaf), make_peer_feature(key(2), Feature::liveness)));
}

TEST(LocalFacts, RouterTellsAllowedIpsMembershipAndItsSubnets) {
  auto v = base_view();
  v.wg_subnets = {*Cidr::parse("10.0.0.0/24"), *Cidr::parse("fe80::/64")};
  CollectContext ctx{key(1), true, std::nullopt, FeatureSet{}, {}, {}};
  auto f = collect_local_facts(v, ctx);
  EXPECT_TRUE(has(f, make_allowed_ip(key(2), *Cidr::parse("10.0.0.2/32"))));
  EXPECT_FALSE(has(f, make_allowed_ip(key(2), *Cidr::parse("fe80::2/128"))));  // LL excluded
  EXPECT_TRUE(has(f, make_allowed_ip(key(3), *Cidr::parse("10.0.0.3/32"))));
  EXPECT_TRUE(has(f, make_member(key(2), {})));
  EXPECT_TRUE(has(f, make_member(key(3), {})));
  EXPECT_TRUE(has(f, make_allowed_ip(key(1), *Cidr::parse("10.0.0.0/24"))));
  EXPECT_FALSE(has(f, make_allowed_ip(key(1), *Cidr::parse("fe80::/64"))));
  // Self-trust AllowedIPs (not a router): allowed IPs but no membership.
  CollectContext ctx2{key(1), false, trust::Level::allowedips, FeatureSet{}, {}, {}};
  auto g = collect_local_facts(v, ctx2);
  EXPECT_TRUE(has(g, make_allowed_ip(key(2), *Cidr::parse("10.0.0.2/32"))));
  EXPECT_FALSE(has(g, make_member(key(2), {})));
  EXPECT_FALSE(has(g, make_allowed_ip(key(1), *Cidr::parse("10.0.0.0/24"))));
}

TEST(LocalFacts, ConfiguredPeersAndOwnFeatures) {
  auto v = base_view();
  ConfiguredPeerView c{key(4),
                       "db",
                       std::nullopt,
                       false,
                       true,
                       {*Endpoint::parse("198.51.100.4:51820")},
                       {*Cidr::parse("10.0.4.0/24")}};
  v.config_peers = {c};
  FeatureSet fs;
  fs.add(Feature::coordinator_token);
  bool reachable = false;
  CollectContext ctx{key(1), false, std::nullopt, fs, [&](const PublicKey&) { return reachable; },
                     {}};
  auto f = collect_local_facts(v, ctx);
  MemberMetadata m;
  m.set_name("db");
  m.set_basic(true);
  EXPECT_TRUE(has(f, make_member(key(4), m)));
  EXPECT_TRUE(has(f, make_allowed_ip(key(4), *Cidr::parse("10.0.4.0/24"))));
  EXPECT_TRUE(has(f, make_endpoint(key(4), *Endpoint::parse("198.51.100.4:51820"))));
  MemberMetadata own;
  own.set_features(fs);
  EXPECT_TRUE(has(f, make_member(key(1), own)));
  // Configured endpoints stop once the peer is alive or healthy.
  reachable = true;
  f = collect_local_facts(v, ctx);
  EXPECT_FALSE(has(f, make_endpoint(key(4), *Endpoint::parse("198.51.100.4:51820"))));
}

TEST(LocalFacts, SelfDelegateEmitsCappedGrants) {
  auto v = base_view();
  v.config_peers = {{key(4), "", trust::Level::delegate, false, false, {}, {}},
                    {key(5), "", trust::Level::allowedips, false, false, {}, {}},
                    {key(6), "", std::nullopt, false, false, {}, {}}};
  CollectContext leaf{key(1), false, std::nullopt, FeatureSet{}, {}, {}};
  for (const auto& x : collect_local_facts(v, leaf)) EXPECT_NE(x.attr, Attribute::trust_grant);
  CollectContext del{key(1), false, trust::Level::delegate, FeatureSet{}, {}, {}};
  auto f = collect_local_facts(v, del);
  EXPECT_TRUE(has(f, make_grant(key(4), 3)));  // delegate is capped at membership
  EXPECT_TRUE(has(f, make_grant(key(5), 2)));
  EXPECT_EQ(std::count_if(f.begin(), f.end(),
                          [](const Fact& x) { return x.attr == Attribute::trust_grant; }),
            2);
}

TEST(Store, IdentityLatestExpiryAndExactExpiry) {
  FactStore s;
  const TimePoint t0(100s);
  const Fact a = make_endpoint(key(2), *Endpoint::parse("192.0.2.1:1"));
  auto u1 = s.upsert(a, t0 + 10s);
  EXPECT_TRUE(u1.added);
  auto u2 = s.upsert(a, t0 + 5s);  // earlier: ignored
  EXPECT_FALSE(u2.added || u2.extended);
  EXPECT_EQ(s.find(key_of(a))->expires, t0 + 10s);
  auto u3 = s.upsert(a, t0 + 20s);
  EXPECT_TRUE(u3.extended);
  EXPECT_EQ(u3.id, u1.id);
  // Same subject and attribute, other value: another identity.
  s.upsert(make_endpoint(key(2), *Endpoint::parse("192.0.2.1:2")), t0 + 5s);
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.about(key(2)).size(), 2u);
  EXPECT_TRUE(s.expire(t0 + 4s).empty());
  auto gone = s.expire(t0 + 5s);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(s.size(), 1u);
  s.expire(t0 + 20s);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.get(u1.id), nullptr);  // stale ids do not resolve to a recycled slot
  auto u4 = s.upsert(make_member(key(9), {}), t0 + 50s);
  EXPECT_EQ(u4.id.slot, u1.id.slot);
  EXPECT_NE(u4.id.generation, u1.id.generation);
}

TEST(SendFilter, ResendWindowAndBootReset) {
  SendFilter f;
  const TimePoint t0(100s);
  const FactId id{3, 1};
  EXPECT_TRUE(f.due(id, t0 + 255s, t0));
  f.note_known(id, t0 + 255s);
  EXPECT_FALSE(f.due(id, t0 + 255s, t0));
  EXPECT_FALSE(f.due(id, t0 + 380s, t0 + 122s));    // peer copy has 133 s left
  EXPECT_TRUE(f.due(id, t0 + 380s, t0 + 123s));     // 132 s left, ours is later
  EXPECT_FALSE(f.due(id, t0 + 255s, t0 + 123s));    // ours is not later: nothing to gain
  EXPECT_TRUE(f.due(FactId{3, 2}, t0 + 255s, t0));  // a recycled slot is another fact
  EXPECT_TRUE(f.observe_boot_id(BootId{1}));        // first contact forgets what was sent blind
  EXPECT_TRUE(f.due(id, t0 + 255s, t0));
  f.note_known(id, t0 + 255s);
  EXPECT_FALSE(f.observe_boot_id(BootId{1}));
  EXPECT_FALSE(f.due(id, t0 + 255s, t0));
  EXPECT_TRUE(f.observe_boot_id(BootId{2}));
  EXPECT_TRUE(f.due(id, t0 + 255s, t0));
  f.note_known(id, t0 + 10s);
  f.prune(t0 + 10s);
  EXPECT_EQ(f.size(), 0u);
}

TEST(SendFilter, FirstBootIdForgetsEvenWhatWasJustSent) {
  // What we sent just before the peer's first datagram may have reached a port its agent did
  // not listen on yet (a new host: its tunnel comes up with its agent): send it again.
  SendFilter f;
  const TimePoint t0(100s);
  f.note_known(FactId{1, 1}, t0 + 255s);
  f.alive_known_until = t0 + 255s;
  EXPECT_FALSE(f.heard_boot_id());
  EXPECT_TRUE(f.observe_boot_id(BootId{1}));
  EXPECT_TRUE(f.heard_boot_id());
  EXPECT_TRUE(f.due(FactId{1, 1}, t0 + 255s, t0 + 1ms));
  EXPECT_FALSE(f.alive_known_until.has_value());
  // What the peer sends (or we send) after it is kept.
  f.note_known(FactId{1, 1}, t0 + 255s);
  EXPECT_FALSE(f.observe_boot_id(BootId{1}));
  EXPECT_FALSE(f.due(FactId{1, 1}, t0 + 255s, t0 + 1s));
}

}  // namespace
}  // namespace wl::facts
