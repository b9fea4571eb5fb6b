// The receive rules (each rejection leaves no trace), acceptance through trust, the send
// filter and the boot id, on single engines fed hand-built datagrams.
#include <gtest/gtest.h>

#include "test_support.hpp"
#include "wirelink/facts/engine.hpp"

namespace wl::facts {
namespace {

using namespace std::chrono_literals;
using test::append;
using test::append_key;
using test::bytes_of;
using test::private_from_seed;

struct Node {
  explicit Node(std::uint8_t seed) : priv(private_from_seed(seed)), pub(public_key_of(priv)) {}
  PrivateKey priv;
  PublicKey pub;
};

const TimePoint kStart = TimePoint(1000s);
const WallTime kWall = WallTime(std::chrono::seconds(1'800'000'000));

DevicePeerView device_peer(const Node& n, const char* ep, const std::vector<const char*>& ips) {
  DevicePeerView d;
  d.key = n.pub;
  if (ep) d.endpoint = *Endpoint::parse(ep);
  d.last_handshake = kWall - 10s;
  d.allowed_ips.push_back(Cidr(link_local_for(n.pub), 128));
  for (auto* s : ips) d.allowed_ips.push_back(*Cidr::parse(s));
  return d;
}

std::vector<std::uint8_t> fact_bytes(const Fact& f, std::uint32_t ttl) {
  std::vector<std::uint8_t> v;
  encode_fact(f, ttl, v);
  return v;
}

std::string dump(const GossipEngine& e) {
  std::string s;
  e.store().for_each([&](const StoredFact& sf) {
    s += describe(sf.fact) + "@" + std::to_string(sf.expires.time_since_epoch().count()) + "\n";
  });
  return s;
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : engine(private_from_seed(1), EngineOptions{}, kStart) {
    view.listen_port = 51820;
    view.wall_now = kWall;
    view.device_peers.push_back(device_peer(b, "192.0.2.2:51820", {"10.9.0.2/32"}));
    engine.set_local_view(view, kStart);
  }
  std::vector<std::uint8_t> from_b(const std::vector<std::uint8_t>& inner) {
    return test::sign_inner(b.priv, a.pub, inner);
  }
  // `n`'s agent speaks to `e` (its `!` fact with boot id `boot`): from then on it gets facts,
  // not only pings.
  void hear(GossipEngine& e, const Node& n, std::uint8_t boot, TimePoint at) {
    const auto inner = fact_bytes(make_alive(n.pub, BootId{boot}), 255);
    e.on_datagram(link_local_for(n.pub), test::sign_inner(n.priv, a.pub, inner), at);
  }
  std::uint64_t rejected(RejectReason r) const {
    return engine.counters().rejected[static_cast<std::size_t>(r)];
  }

  Node a{1}, b{2}, c{3};
  LocalView view;
  GossipEngine engine;
};

TEST_F(EngineTest, AcceptsEndpointFromKnownPeerAndRecordsLiveness) {
  auto inner = fact_bytes(make_alive(b.pub, BootId{7}), 255);
  append(inner, fact_bytes(make_endpoint(b.pub, *Endpoint::parse("198.51.100.7:51820")), 200));
  engine.on_datagram(link_local_for(b.pub), from_b(inner), kStart);
  EXPECT_EQ(engine.counters().datagrams_accepted, 1u);
  const Endpoint told = *Endpoint::parse("198.51.100.7:51820");
  TimePoint now = kStart;
  auto has_told = [&] {
    auto v = engine.endpoints_of(b.pub, now);
    return std::find(v.begin(), v.end(), told) != v.end();
  };
  EXPECT_TRUE(has_told());
  auto alive = engine.alive(b.pub, kStart);
  ASSERT_TRUE(alive);
  EXPECT_EQ(alive->boot[0], 7);
  EXPECT_EQ(alive->until, kStart + 255s);
  EXPECT_FALSE(engine.alive(b.pub, kStart + 255s));  // expiry is exact
  // The endpoint fact expires after its TTL.
  now = kStart + 199s;
  EXPECT_TRUE(has_told());
  now = kStart + 200s;
  EXPECT_FALSE(has_told());
}

TEST_F(EngineTest, EveryRejectionLeavesNoTrace) {
  // Seed the store with one accepted fact so "no effect" is checked against a non-empty store.
  engine.on_datagram(
      link_local_for(b.pub),
      from_b(fact_bytes(make_endpoint(b.pub, *Endpoint::parse("198.51.100.7:1")), 100)), kStart);
  ASSERT_EQ(engine.store().size(), 1u);

  const auto good_inner = [&] {
    auto v = fact_bytes(make_alive(b.pub, BootId{9}), 255);
    append(v, fact_bytes(make_endpoint(b.pub, *Endpoint::parse("198.51.100.9:2")), 100));
    append(v, fact_bytes(make_allowed_ip(b.pub, *Cidr::parse("10.9.9.0/24")), 100));
    return v;
  }();
  auto with_tail = [&](std::vector<std::uint8_t> tail) {
    auto v = good_inner;
    append(v, tail);
    return v;
  };
  auto fact_hdr = [&](int attr, int ttl) {
    auto v = bytes_of({attr, ttl});
    append_key(v, b.pub);
    return v;
  };

  struct Case {
    const char* name;
    IpAddress source;
    std::vector<std::uint8_t> datagram;
    RejectReason reason;
  };
  std::vector<Case> cases;
  const IpAddress ll_b = link_local_for(b.pub);
  cases.push_back({"source_not_signer_ll", link_local_for(c.pub), from_b(good_inner),
                   RejectReason::bad_source_address});
  cases.push_back({"source_global", *IpAddress::parse("2001:db8::2"), from_b(good_inner),
                   RejectReason::bad_source_address});
  {
    auto d = from_b(good_inner);
    d[34 + 24] ^= 0x01;  // first tag byte
    cases.push_back({"tag_flipped", ll_b, d, RejectReason::bad_mac});
  }
  {
    auto d = from_b(good_inner);
    d[d.size() - 2] ^= 0x80;  // an address byte of the inner facts (the AD) changed after signing
    cases.push_back({"inner_changed", ll_b, d, RejectReason::bad_mac});
  }
  cases.push_back({"signed_for_someone_else", ll_b, test::sign_inner(b.priv, c.pub, good_inner),
                   RejectReason::bad_mac});
  {
    // A low-order public key: X25519 with it is all zeros, so anyone could forge its tags.
    PublicKey zero;  // all-zero point
    std::vector<std::uint8_t> d = {0x53, 0x00};
    append_key(d, zero);
    d.resize(d.size() + 40, 0);
    append(d, fact_bytes(make_endpoint(zero, *Endpoint::parse("198.51.100.1:1")), 100));
    cases.push_back(
        {"zero_shared_secret", link_local_for(zero), d, RejectReason::zero_shared_secret});
  }
  cases.push_back({"self_signed", link_local_for(a.pub),
                   test::sign_inner(a.priv, a.pub, good_inner), RejectReason::self_signed});
  {
    auto t = fact_hdr(0x7a, 5);
    cases.push_back(
        {"unknown_attribute", ll_b, from_b(with_tail(t)), RejectReason::unknown_attribute});
  }
  {
    auto t = bytes_of({0x65, 0x80, 0x80, 0x04});
    append_key(t, b.pub);
    append(t, bytes_of({1, 2, 3, 4, 0, 1}));
    cases.push_back({"ttl_over_65535", ll_b, from_b(with_tail(t)), RejectReason::ttl_too_large});
  }
  {
    auto t = fact_hdr(0x61, 5);
    append(t, bytes_of({10, 0, 0, 0, 33}));
    cases.push_back(
        {"prefix_beyond_address", ll_b, from_b(with_tail(t)), RejectReason::prefix_too_long});
  }
  {
    auto t = fact_hdr(0x45, 5);
    std::vector<std::uint8_t> mapped(16, 0);
    mapped[10] = mapped[11] = 0xff;
    mapped[12] = 10;
    append(t, mapped);
    append(t, bytes_of({0, 1}));
    cases.push_back(
        {"v4_mapped_endpoint", ll_b, from_b(with_tail(t)), RejectReason::v4_mapped_endpoint});
  }
  {
    auto t = fact_hdr(0x65, 5);
    append(t, bytes_of({1, 2, 3}));
    cases.push_back({"bad_length", ll_b, from_b(with_tail(t)), RejectReason::truncated});
  }
  {
    auto t = fact_hdr(0x4d, 5);
    append(t, bytes_of({0x03, 0x62, 0x01, 0x07}));
    cases.push_back({"bad_basic_flag", ll_b, from_b(with_tail(t)), RejectReason::bad_metadata});
  }
  {
    auto nested = test::sign_inner(b.priv, a.pub, good_inner);
    cases.push_back({"nested_group", ll_b, from_b(with_tail(nested)), RejectReason::nested_group});
  }
  cases.push_back({"unsigned_fact", ll_b, good_inner, RejectReason::not_signed_group});

  for (const auto& cs : cases) {
    const std::string before = dump(engine);
    const auto alive_before = engine.alive(b.pub, kStart);
    const auto trust_before = engine.trust_of(b.pub, kStart);
    const auto count_before = rejected(cs.reason);
    const auto accepted_before = engine.counters().datagrams_accepted;
    engine.on_datagram(cs.source, cs.datagram, kStart + 1s);
    EXPECT_EQ(rejected(cs.reason), count_before + 1) << cs.name;
    EXPECT_EQ(engine.counters().datagrams_accepted, accepted_before) << cs.name;
    EXPECT_EQ(dump(engine), before) << cs.name;
    EXPECT_EQ(engine.alive(b.pub, kStart).has_value(), alive_before.has_value()) << cs.name;
    EXPECT_EQ(engine.trust_of(b.pub, kStart), trust_before) << cs.name;
  }
  // And the same good datagram, untouched, is accepted: the cases differ only in the defect.
  engine.on_datagram(ll_b, from_b(good_inner), kStart + 2s);
  EXPECT_EQ(engine.counters().datagrams_accepted, 2u);
  EXPECT_TRUE(engine.alive(b.pub, kStart + 2s));
}

TEST_F(EngineTest, KnownPeerMayNotTellMembershipOrAllowedIps) {
  auto inner = fact_bytes(make_member(c.pub, {}), 100);
  append(inner, fact_bytes(make_allowed_ip(b.pub, *Cidr::parse("10.7.0.0/16")), 100));
  append(inner, fact_bytes(make_endpoint(c.pub, *Endpoint::parse("198.51.100.3:1")), 100));
  engine.on_datagram(link_local_for(b.pub), from_b(inner), kStart);
  EXPECT_EQ(engine.counters().datagrams_accepted, 1u);
  EXPECT_EQ(engine.store().size(), 0u);
  EXPECT_FALSE(engine.is_member(c.pub, kStart));
  EXPECT_EQ(engine.counters().facts_refused[static_cast<std::size_t>(trust::Verdict::untrusted)],
            2u);
  EXPECT_EQ(
      engine.counters().facts_refused[static_cast<std::size_t>(trust::Verdict::unknown_subject)],
      1u);
  // Not trusted for membership or allowed IPs is by design, not a rejection; an unknown subject is.
  EXPECT_EQ(engine.counters().facts_ignored, 2u);
  EXPECT_EQ(engine.counters().facts_rejected(trust::Verdict::untrusted), 0u);
  EXPECT_EQ(engine.counters().facts_rejected(trust::Verdict::unknown_subject), 1u);
}

TEST_F(EngineTest, AliveAboutAnotherPeerIsARealRejection) {
  auto inner = fact_bytes(make_alive(c.pub, BootId{}), 100);
  engine.on_datagram(link_local_for(b.pub), from_b(inner), kStart);
  EXPECT_EQ(engine.counters().facts_ignored, 0u);
  EXPECT_EQ(engine.counters().facts_rejected(trust::Verdict::untrusted), 1u);
}

TEST_F(EngineTest, RouterInFullAutoModeTellsMembershipAndAllowedIps) {
  view.device_peers[0].allowed_ips.push_back(*Cidr::parse("10.9.0.0/24"));  // b routes a subnet
  engine.set_local_view(view, kStart);
  EXPECT_EQ(engine.trust_of(b.pub, kStart).source, trust::Source::router);
  EXPECT_FALSE(engine.is_router());  // a router peer exists, so we are a leaf
  auto inner = fact_bytes(make_member(c.pub, {}), 100);
  append(inner, fact_bytes(make_allowed_ip(c.pub, *Cidr::parse("10.9.0.3/32")), 100));
  append(inner, fact_bytes(make_endpoint(c.pub, *Endpoint::parse("198.51.100.3:1")), 100));
  engine.on_datagram(link_local_for(b.pub), from_b(inner), kStart);
  EXPECT_TRUE(engine.is_member(c.pub, kStart));
  EXPECT_EQ(engine.allowed_ips_of(c.pub, kStart), std::vector<Cidr>{*Cidr::parse("10.9.0.3/32")});
  EXPECT_EQ(engine.endpoints_of(c.pub, kStart).size(), 1u);
  EXPECT_EQ(engine.members(kStart), std::vector<PublicKey>{c.pub});
}

TEST_F(EngineTest, EndpointsInsideTheTunnelAreDropped) {
  auto inner = fact_bytes(make_endpoint(b.pub, *Endpoint::parse("10.9.0.2:51820")), 100);
  engine.on_datagram(link_local_for(b.pub), from_b(inner), kStart);
  EXPECT_TRUE(engine.endpoints_of(b.pub, kStart).empty());
  EXPECT_EQ(
      engine.counters().facts_refused[static_cast<std::size_t>(trust::Verdict::routes_into_tunnel)],
      1u);
}

TEST_F(EngineTest, LatestExpiryWinsAndRelaysForwardRemainingTtl) {
  const Fact ep = make_endpoint(b.pub, *Endpoint::parse("198.51.100.7:51820"));
  engine.on_datagram(link_local_for(b.pub), from_b(fact_bytes(ep, 100)), kStart);
  engine.on_datagram(link_local_for(b.pub), from_b(fact_bytes(ep, 50)), kStart + 1s);
  EXPECT_EQ(engine.store().find(key_of(ep))->expires, kStart + 100s);
  engine.on_datagram(link_local_for(b.pub), from_b(fact_bytes(ep, 200)), kStart + 2s);
  EXPECT_EQ(engine.store().find(key_of(ep))->expires, kStart + 202s);
  EXPECT_EQ(engine.store().size(), 1u);
}

// Decodes what the engine sent to `to` and verifies it as `to` would.
std::vector<WireFact> open_all(const std::vector<OutgoingDatagram>& out, const Node& from,
                               const Node& to) {
  std::vector<WireFact> facts;
  for (const auto& d : out) {
    if (d.peer != to.pub) continue;
    auto dec = decode_datagram(d.bytes);
    EXPECT_TRUE(dec.ok());
    EXPECT_EQ(dec.group.signer, from.pub);
    EXPECT_LE(dec.group.inner.size(), timing::kMaxInner);
    auto key = pairwise_key(to.priv, from.pub);
    EXPECT_TRUE(mac_verify(*key, dec.group.nonce, dec.group.tag, dec.group.inner));
    for (auto& f : dec.group.facts) facts.push_back(f);
  }
  return facts;
}

TEST_F(EngineTest, LeafPingsAndResendsOnlyWhenThePeerCopyRunsLow) {
  // We are a leaf (b is a router); leaves send everything to routers.
  view.device_peers[0].allowed_ips.push_back(*Cidr::parse("10.9.0.0/24"));
  view.interfaces.push_back({"eth0", true, false, {*IpAddress::parse("198.51.100.1")}});
  engine.set_local_view(view, kStart);
  hear(engine, b, 1, kStart);
  auto first = open_all(engine.tick(kStart), a, b);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first[0].fact.attr, Attribute::alive);
  EXPECT_EQ(first[0].ttl_seconds, 255u);
  bool own_endpoint = false;
  for (const auto& f : first)
    if (f.fact.attr == Attribute::endpoint_v4 && f.fact.subject == a.pub) own_endpoint = true;
  EXPECT_TRUE(own_endpoint);
  for (const auto& f : first)
    EXPECT_NE(f.fact.subject == b.pub && f.fact.attr != Attribute::member_metadata, true);

  // Next cycles: nothing new until the ping is due (every 30 s).
  for (int s = 5; s < 30; s += 5)
    EXPECT_TRUE(engine.tick(kStart + std::chrono::seconds(s)).empty()) << s;
  auto ping = open_all(engine.tick(kStart + 30s), a, b);
  ASSERT_EQ(ping.size(), 1u);
  EXPECT_EQ(ping[0].fact.attr, Attribute::alive);
  // The endpoint is re-sent once b's copy has under 132.5 s left: at 255 - 132.5 = 122.5 s.
  bool resent = false;
  TimePoint when{};
  for (int s = 35; s <= 130 && !resent; s += 5) {
    for (const auto& f : open_all(engine.tick(kStart + std::chrono::seconds(s)), a, b))
      if (f.fact.attr == Attribute::endpoint_v4) {
        resent = true;
        when = kStart + std::chrono::seconds(s);
      }
  }
  EXPECT_TRUE(resent);
  EXPECT_EQ(when, kStart + 125s);
}

TEST_F(EngineTest, NewBootIdOfPeerTriggersFullResend) {
  view.device_peers[0].allowed_ips.push_back(*Cidr::parse("10.9.0.0/24"));
  view.interfaces.push_back({"eth0", true, false, {*IpAddress::parse("198.51.100.1")}});
  engine.set_local_view(view, kStart);
  engine.on_datagram(link_local_for(b.pub), from_b(fact_bytes(make_alive(b.pub, BootId{1}), 255)),
                     kStart);
  ASSERT_FALSE(engine.tick(kStart).empty());
  EXPECT_TRUE(engine.tick(kStart + 5s).empty());
  engine.on_datagram(link_local_for(b.pub), from_b(fact_bytes(make_alive(b.pub, BootId{2}), 255)),
                     kStart + 6s);
  auto again = open_all(engine.tick(kStart + 10s), a, b);
  EXPECT_GE(again.size(), 2u);  // ping + our endpoint again
}

// A peer whose agent a router has not heard gets only the ping for kUnheardHold; its answer
// brings it everything at the next flush, once.
TEST_F(EngineTest, FactsWaitForThePeersFirstAnswer) {
  view.interfaces.push_back({"eth0", true, false, {*IpAddress::parse("198.51.100.1")}});
  engine.set_local_view(view, kStart);
  ASSERT_TRUE(engine.is_router());
  auto first = open_all(engine.tick(kStart), a, b);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].fact.attr, Attribute::alive);
  hear(engine, b, 3, kStart + 400ms);
  const TimePoint flush = kStart + 400ms + timing::kFlushDelay;
  EXPECT_EQ(engine.next_deadline(), flush);
  int endpoints = 0;
  for (const auto& f : open_all(engine.tick(flush), a, b))
    endpoints += f.fact.attr == Attribute::endpoint_v4;
  EXPECT_EQ(endpoints, 1);
  for (int s = 5; s <= 60; s += 5)
    for (const auto& f : open_all(engine.tick(kStart + std::chrono::seconds(s)), a, b))
      EXPECT_NE(f.fact.attr, Attribute::endpoint_v4) << s;
}

// A leaf does not hold: its own facts (where it is) reach the router in its first datagram,
// so the router can relay them together.
TEST_F(EngineTest, ALeafSendsItsFactsToTheRouterAtOnce) {
  view.device_peers[0].allowed_ips.push_back(*Cidr::parse("10.9.0.0/24"));  // b is a router
  view.interfaces.push_back({"eth0", true, false, {*IpAddress::parse("198.51.100.1")}});
  engine.set_local_view(view, kStart);
  ASSERT_FALSE(engine.is_router());
  int endpoints = 0;
  for (const auto& f : open_all(engine.tick(kStart), a, b))
    endpoints += f.fact.attr == Attribute::endpoint_v4;
  EXPECT_EQ(endpoints, 1);
}

TEST_F(EngineTest, FactsSentBeforeThePeerWasHeardAreResentOnFirstContact) {
  view.interfaces.push_back({"eth0", true, false, {*IpAddress::parse("198.51.100.1")}});
  engine.set_local_view(view, kStart);
  auto count_endpoints = [&](const std::vector<OutgoingDatagram>& out) {
    int n = 0;
    for (const auto& f : open_all(out, a, b)) n += f.fact.attr == Attribute::endpoint_v4;
    return n;
  };
  ASSERT_EQ(count_endpoints(engine.tick(kStart)), 0);  // b's agent has not spoken: the ping
  // No answer within the hold: everything, blind (b may run no agent, or a slow one).
  EXPECT_EQ(count_endpoints(engine.tick(kStart + timing::kUnheardHold)), 1);
  EXPECT_EQ(count_endpoints(engine.tick(kStart + timing::kUnheardHold + 5s)), 0);
  // b's first boot id: what went before may have been lost, so it goes again at once.
  hear(engine, b, 3, kStart + 12s);
  EXPECT_EQ(count_endpoints(engine.tick(kStart + 13s)), 1);  // not two minutes later
  EXPECT_EQ(count_endpoints(engine.tick(kStart + 18s)), 0);
}

TEST_F(EngineTest, FactsReceivedFromAPeerAreNotEchoedBack) {
  view.device_peers[0].allowed_ips.push_back(*Cidr::parse("10.9.0.0/24"));
  engine.set_local_view(view, kStart);
  auto inner = fact_bytes(make_alive(b.pub, BootId{1}), 255);
  append(inner, fact_bytes(make_member(c.pub, {}), 255));
  engine.on_datagram(link_local_for(b.pub), from_b(inner), kStart);
  ASSERT_TRUE(engine.is_member(c.pub, kStart));
  for (const auto& f : open_all(engine.tick(kStart), a, b)) EXPECT_NE(f.fact.subject, c.pub);
}

TEST_F(EngineTest, BootIdRollsOnSuspendClockStepAndCriticalExpiry) {
  (void)engine.tick(kStart);
  const BootId first = engine.boot_id();
  (void)engine.tick(kStart + 5s);
  EXPECT_EQ(engine.boot_id(), first);
  (void)engine.tick(kStart + 60s);  // a gap of 55 s: we were suspended
  const BootId second = engine.boot_id();
  EXPECT_NE(second, first);
  (void)engine.tick(kStart + 20s);  // backwards
  EXPECT_NE(engine.boot_id(), second);
  const BootId third = engine.boot_id();

  // A router tells us an allowed IP; when it expires we roll so peers resend everything.
  view.device_peers[0].allowed_ips.push_back(*Cidr::parse("10.9.0.0/24"));
  engine.set_local_view(view, kStart + 20s);
  engine.on_datagram(link_local_for(b.pub),
                     from_b(fact_bytes(make_allowed_ip(b.pub, *Cidr::parse("10.8.0.0/16")), 7)),
                     kStart + 21s);
  (void)engine.tick(kStart + 25s);
  EXPECT_EQ(engine.boot_id(), third);
  (void)engine.tick(kStart + 30s);
  EXPECT_NE(engine.boot_id(), third);
  const auto left = engine.allowed_ips_of(b.pub, kStart + 30s);
  EXPECT_EQ(std::count(left.begin(), left.end(), *Cidr::parse("10.8.0.0/16")), 0);
}

TEST_F(EngineTest, FeatureAdvertisementGatesExtensions) {
  EngineOptions opts;
  opts.own_token = {1, 2, 3, 4};
  GossipEngine e(private_from_seed(1), opts, kStart);
  view.device_peers[0].allowed_ips.push_back(*Cidr::parse("10.9.0.0/24"));
  e.set_local_view(view, kStart);
  for (const auto& f : open_all(e.tick(kStart), a, b))
    EXPECT_NE(f.fact.attr, Attribute::coordinator_token);
  // b advertises the token feature in its own metadata (accepted for this purpose whatever
  // its trust), then b's boot id changes so we resend.
  MemberMetadata m;
  FeatureSet fs;
  fs.add(Feature::coordinator_token);
  m.set_features(fs);
  auto inner = fact_bytes(make_alive(b.pub, BootId{5}), 255);
  append(inner, fact_bytes(make_member(b.pub, m), 255));
  e.on_datagram(link_local_for(b.pub), from_b(inner), kStart + 1s);
  EXPECT_TRUE(e.features_of(b.pub).has(Feature::coordinator_token));
  bool token = false;
  for (const auto& f : open_all(e.tick(kStart + 5s), a, b))
    if (f.fact.attr == Attribute::coordinator_token) {
      token = true;
      EXPECT_EQ(std::get<TokenBytes>(f.fact.value).bytes, bytes_of({1, 2, 3, 4}));
    }
  EXPECT_TRUE(token);
}

TEST_F(EngineTest, CoordinatorAdmissionMakesAMember) {
  EXPECT_FALSE(engine.is_member(c.pub, kStart));
  engine.trust().admit(c.pub, kStart + 60s);
  EXPECT_TRUE(engine.is_member(c.pub, kStart + 59s));
  EXPECT_FALSE(engine.is_member(c.pub, kStart + 60s));
  // An admitted subject is known, so a known peer may tell us its endpoint.
  engine.on_datagram(
      link_local_for(b.pub),
      from_b(fact_bytes(make_endpoint(c.pub, *Endpoint::parse("198.51.100.3:1")), 100)), kStart);
  EXPECT_EQ(engine.endpoints_of(c.pub, kStart).size(), 1u);
}

TEST_F(EngineTest, TokenVerifierAdmitsSubject) {
  EngineOptions opts;
  opts.token_verifier = [&](const PublicKey& subject, std::span<const std::uint8_t> tok,
                            TimePoint now) -> std::optional<TimePoint> {
    if (subject == c.pub && tok.size() == 3 && tok[0] == 0x42) return now + 100s;
    return std::nullopt;
  };
  GossipEngine e(private_from_seed(1), opts, kStart);
  e.set_local_view(view, kStart);
  e.on_datagram(link_local_for(b.pub), from_b(fact_bytes(make_token(c.pub, {0x41, 0, 0}), 100)),
                kStart);
  EXPECT_FALSE(e.is_member(c.pub, kStart));
  e.on_datagram(link_local_for(b.pub), from_b(fact_bytes(make_token(c.pub, {0x42, 0, 0}), 100)),
                kStart);
  EXPECT_TRUE(e.is_member(c.pub, kStart));
  EXPECT_FALSE(e.is_member(c.pub, kStart + 100s));
}

TEST_F(EngineTest, TokenAdmitsBeforeTheRestOfItsDatagramAndRollsTheBootId) {
  EngineOptions opts;
  opts.token_verifier = [&](const PublicKey& subject, std::span<const std::uint8_t>,
                            TimePoint now) -> std::optional<TimePoint> {
    if (subject == c.pub) return now + 100s;
    return std::nullopt;
  };
  GossipEngine e(private_from_seed(1), opts, kStart);
  e.set_local_view(view, kStart);
  const auto boot = e.boot_id();
  // The endpoint fact about c comes first in the datagram, its token after it.
  auto inner = fact_bytes(make_endpoint(c.pub, *Endpoint::parse("198.51.100.3:1")), 100);
  append(inner, fact_bytes(make_token(c.pub, {0x42}), 100));
  e.on_datagram(link_local_for(b.pub), from_b(inner), kStart);
  EXPECT_TRUE(e.is_member(c.pub, kStart));
  EXPECT_EQ(e.endpoints_of(c.pub, kStart).size(), 1u);
  EXPECT_NE(e.boot_id(), boot);  // peers resend what we refused before the admission
  const auto boot2 = e.boot_id();
  e.on_datagram(link_local_for(b.pub), from_b(fact_bytes(make_token(c.pub, {0x42}), 100)), kStart);
  EXPECT_EQ(e.boot_id(), boot2);  // a renewal of a known admission rolls nothing
}

TEST_F(EngineTest, DelegateGrantsRaiseTrustOfOthers) {
  Node d{4};
  view.config_peers.push_back({b.pub, "b", trust::Level::delegate, false, false, {}, {}});
  view.device_peers.push_back(device_peer(d, "192.0.2.4:51820", {}));
  engine.set_local_view(view, kStart);
  EXPECT_EQ(engine.trust_of(d.pub, kStart).level, trust::Level::endpoint);
  engine.on_datagram(
      link_local_for(b.pub),
      from_b(
          fact_bytes(make_grant(d.pub, static_cast<std::uint8_t>(trust::Level::membership)), 100)),
      kStart);
  auto t = engine.trust_of(d.pub, kStart + 1s);
  EXPECT_EQ(t.level, trust::Level::membership);
  EXPECT_EQ(t.source, trust::Source::grant);
  EXPECT_EQ(engine.store().size(), 0u);  // grants are not stored or relayed
  (void)engine.tick(kStart + 100s);
  EXPECT_EQ(engine.trust_of(d.pub, kStart + 100s).level, trust::Level::endpoint);
}

TEST_F(EngineTest, GrantsFromNonDelegatesAreRefused) {
  Node d{4};
  view.device_peers.push_back(device_peer(d, "192.0.2.4:51820", {}));
  engine.set_local_view(view, kStart);
  engine.on_datagram(link_local_for(b.pub), from_b(fact_bytes(make_grant(d.pub, 3), 100)), kStart);
  EXPECT_EQ(engine.trust_of(d.pub, kStart).level, trust::Level::endpoint);
  EXPECT_EQ(engine.counters().facts_refused[static_cast<std::size_t>(trust::Verdict::untrusted)],
            1u);
}

TEST_F(EngineTest, RouterSplitsManyFactsIntoGroupsWithinTheInnerLimit) {
  // We are the router for 60 leaves; leaf b has a fresh handshake and gets everything.
  std::vector<Node> leaves;
  for (int i = 10; i < 70; ++i) leaves.emplace_back(static_cast<std::uint8_t>(i));
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const std::string ip = "10.9.1." + std::to_string(i + 1) + "/32";
    const std::string ep = "192.0.2." + std::to_string(i + 10) + ":51820";
    view.device_peers.push_back(device_peer(leaves[i], ep.c_str(), {ip.c_str()}));
  }
  engine.set_local_view(view, kStart);
  ASSERT_TRUE(engine.is_router());
  // Make every leaf alive so its facts may be relayed, and b's agent speak to us.
  hear(engine, b, 3, kStart);
  for (const auto& l : leaves) {
    auto inner = fact_bytes(make_alive(l.pub, BootId{3}), 255);
    engine.on_datagram(link_local_for(l.pub), test::sign_inner(l.priv, a.pub, inner), kStart);
  }
  auto out = engine.tick(kStart);
  std::size_t to_b = 0;
  for (const auto& d : out)
    if (d.peer == b.pub) {
      ++to_b;
      EXPECT_LE(d.bytes.size(), timing::kMaxInner + 74);
    }
  auto facts = open_all(out, a, b);  // also checks each inner <= 1136 and the MAC
  EXPECT_GE(to_b, 3u);
  // 60 leaves x (endpoint + allowed IP + member) + the ping, nothing about b but its M.
  std::size_t about_leaves = 0;
  for (const auto& f : facts)
    if (f.fact.subject != a.pub && f.fact.subject != b.pub) ++about_leaves;
  EXPECT_EQ(about_leaves, 180u);
}

TEST_F(EngineTest, ChattyLeafSendsFactsToHealthyPeersQuietLeafOnlyPings) {
  Node r{5};
  view.device_peers.push_back(device_peer(r, "192.0.2.5:51820", {"10.9.0.0/24"}));  // a router
  view.interfaces.push_back({"eth0", true, false, {*IpAddress::parse("198.51.100.1")}});
  engine.set_local_view(view, kStart);
  ASSERT_FALSE(engine.is_router());
  auto quiet = open_all(engine.tick(kStart), a, b);
  ASSERT_EQ(quiet.size(), 1u);
  EXPECT_EQ(quiet[0].fact.attr, Attribute::alive);
  view.chatty = true;
  GossipEngine chatty(private_from_seed(1), EngineOptions{}, kStart);
  chatty.set_local_view(view, kStart);
  hear(chatty, b, 1, kStart);
  auto facts = open_all(chatty.tick(kStart), a, b);
  EXPECT_GT(facts.size(), 1u);
  // An unhealthy peer (stale handshake) gets only the ping even from a chatty node.
  view.device_peers[0].last_handshake = kWall - 200s;
  GossipEngine chatty2(private_from_seed(1), EngineOptions{}, kStart);
  chatty2.set_local_view(view, kStart);
  hear(chatty2, b, 1, kStart);
  EXPECT_EQ(open_all(chatty2.tick(kStart), a, b).size(), 1u);
}

TEST_F(EngineTest, HundredDatagramsMakeTheCycleDue) {
  (void)engine.tick(kStart);
  EXPECT_EQ(engine.next_deadline(), kStart + 5s);
  const auto inner = fact_bytes(make_alive(b.pub, BootId{1}), 255);
  for (int i = 0; i < 100; ++i)
    engine.on_datagram(link_local_for(b.pub), from_b(inner), kStart + 1s);
  EXPECT_LE(engine.next_deadline(), kStart + 1s);
  const auto cycles = engine.counters().cycles;
  (void)engine.tick(kStart + 1s);
  EXPECT_EQ(engine.counters().cycles, cycles + 1);
  EXPECT_EQ(engine.next_deadline(), kStart + 6s);
}

TEST_F(EngineTest, RelaysForwardTheRemainingTtl) {
  view.device_peers.push_back(device_peer(c, "192.0.2.3:51820", {"10.9.0.3/32"}));
  engine.set_local_view(view, kStart);
  ASSERT_TRUE(engine.is_router());
  (void)engine.tick(kStart);  // the first full exchange with c
  const Endpoint told = *Endpoint::parse("198.51.100.7:4000");
  engine.on_datagram(link_local_for(b.pub), from_b(fact_bytes(make_endpoint(b.pub, told), 200)),
                     kStart + 1s);
  std::optional<std::uint32_t> ttl;
  for (const auto& f : open_all(engine.tick(kStart + 50s), a, c))
    if (f.fact.attr == Attribute::endpoint_v4 && std::get<Endpoint>(f.fact.value) == told)
      ttl = f.ttl_seconds;
  ASSERT_TRUE(ttl.has_value());
  EXPECT_EQ(*ttl, 151u);  // received at +1 s with 200 s, sent at +50 s
}

// Fast learning: a new fact goes on kFlushDelay after it arrived, not at the next 5 s cycle;
// the same fact again (a refresh) schedules nothing.
TEST_F(EngineTest, ANewFactIsRelayedAtTheNextFlushNotTheNextCycle) {
  view.device_peers.push_back(device_peer(c, "192.0.2.3:51820", {"10.9.0.3/32"}));
  engine.set_local_view(view, kStart);
  ASSERT_TRUE(engine.is_router());
  hear(engine, c, 1, kStart);
  (void)engine.tick(kStart);  // the first full exchange with b and c
  ASSERT_EQ(engine.next_deadline(), kStart + 5s);
  const auto gen = engine.generation();
  const Endpoint told = *Endpoint::parse("198.51.100.7:4000");
  auto inner = fact_bytes(make_alive(b.pub, BootId{7}), 255);
  append(inner, fact_bytes(make_endpoint(b.pub, told), 200));
  engine.on_datagram(link_local_for(b.pub), from_b(inner), kStart + 1s);
  EXPECT_GT(engine.generation(), gen);  // the agent acts on it at once
  EXPECT_EQ(engine.next_deadline(), kStart + 1s + timing::kFlushDelay);
  auto relayed = [&](const std::vector<OutgoingDatagram>& out) {
    for (const auto& f : open_all(out, a, c))
      if (f.fact.attr == Attribute::endpoint_v4 && std::get<Endpoint>(f.fact.value) == told)
        return true;
    return false;
  };
  EXPECT_TRUE(engine.tick(kStart + 1s + timing::kFlushDelay - 1ms).empty());
  EXPECT_TRUE(relayed(engine.tick(kStart + 1s + timing::kFlushDelay)));
  // The same facts again: nothing new, so nothing is due before the regular cycle.
  const auto gen2 = engine.generation();
  engine.on_datagram(link_local_for(b.pub), from_b(inner), kStart + 2s);
  EXPECT_EQ(engine.generation(), gen2);
  EXPECT_EQ(engine.next_deadline(), kStart + 1s + timing::kFlushDelay + timing::kCycle);
}

// Path liveness (feature 0x03): between two leaves that both advertise it, an alive fact goes
// every kLivenessPeriod between cycles and silence() tells the agent how long the peer has been
// quiet; towards a peer without the feature the 30 s ping stays.
TEST_F(EngineTest, PathLivenessPingsEveryPeriodOnlyWhenBothSidesAdvertiseIt) {
  view.device_peers.push_back(device_peer(c, "192.0.2.3:51820", {"10.9.0.0/24"}));  // a router
  engine.set_local_view(view, kStart);
  ASSERT_FALSE(engine.is_router());
  (void)engine.tick(kStart);
  auto pings_to_b = [&](TimePoint t) {
    int n = 0;
    for (const auto& o : engine.tick(t))
      if (o.peer == b.pub)
        for (const auto& f : open_all({o}, a, b)) n += f.fact.attr == Attribute::alive;
    return n;
  };
  EXPECT_EQ(pings_to_b(kStart + 2s), 0);  // b has not advertised the feature
  EXPECT_FALSE(engine.silence(b.pub, kStart + 2s).has_value());

  MemberMetadata meta;
  FeatureSet fs;
  fs.add(Feature::liveness);
  meta.set_features(fs);
  engine.on_datagram(link_local_for(b.pub), from_b(fact_bytes(make_member(b.pub, meta), 255)),
                     kStart + 3s);
  ASSERT_TRUE(engine.features_of(b.pub).has(Feature::liveness));
  ASSERT_TRUE(engine.silence(b.pub, kStart + 4s).has_value());
  EXPECT_EQ(*engine.silence(b.pub, kStart + 4s), 1s);
  // Our last ping to b went at kStart: the next is due kLivenessPeriod later, i.e. now.
  EXPECT_LE(engine.next_deadline(), kStart + 3s);
  EXPECT_EQ(pings_to_b(kStart + 3s), 1);
  EXPECT_EQ(engine.next_deadline(), kStart + 5s);  // the cycle, which is also the next ping
  EXPECT_EQ(pings_to_b(kStart + 4s), 0);
  EXPECT_EQ(pings_to_b(kStart + 5s), 1);
  EXPECT_EQ(pings_to_b(kStart + 7s), 1);
  // Never towards the router c, which did not advertise it anyway, and never from a router.
  view.device_peers.pop_back();
  engine.set_local_view(view, kStart + 8s);
  ASSERT_TRUE(engine.is_router());
  EXPECT_FALSE(engine.silence(b.pub, kStart + 8s).has_value());
}

// Leaves under default trust never exchange their own M: a leaf learns that another leaf asked
// for path liveness from its router's F fact.
TEST_F(EngineTest, PathLivenessLearntFromTheRoutersFeatureFact) {
  view.device_peers.push_back(device_peer(c, "192.0.2.3:51820", {"10.9.0.0/24"}));  // router
  engine.set_local_view(view, kStart);
  ASSERT_FALSE(engine.is_router());
  (void)engine.tick(kStart);
  engine.on_datagram(link_local_for(b.pub), from_b(fact_bytes(make_alive(b.pub, BootId{1}), 255)),
                     kStart + 1s);
  EXPECT_FALSE(engine.silence(b.pub, kStart + 1s).has_value());
  auto inner = fact_bytes(make_member(b.pub, MemberMetadata{}), 255);
  append(inner, fact_bytes(make_peer_feature(b.pub, Feature::liveness), 255));
  engine.on_datagram(link_local_for(c.pub), test::sign_inner(c.priv, a.pub, inner), kStart + 2s);
  ASSERT_TRUE(engine.silence(b.pub, kStart + 3s).has_value());
  EXPECT_EQ(*engine.silence(b.pub, kStart + 3s), 2s);
}

TEST_F(EngineTest, FlushesComeNoCloserThanTheFlushGap) {
  (void)engine.tick(kStart);
  engine.on_datagram(
      link_local_for(b.pub),
      from_b(fact_bytes(make_endpoint(b.pub, *Endpoint::parse("198.51.100.7:4000")), 200)),
      kStart + 10ms);
  EXPECT_EQ(engine.next_deadline(), kStart + timing::kFlushGap);
}

TEST_F(EngineTest, ANewDevicePeerHearsFromUsAtTheNextFlush) {
  (void)engine.tick(kStart);
  view.device_peers.push_back(device_peer(c, "192.0.2.3:51820", {"10.9.0.3/32"}));
  engine.set_local_view(view, kStart + 2s);
  EXPECT_EQ(engine.next_deadline(), kStart + 2s + timing::kFlushDelay);
  bool pinged = false;
  for (const auto& o : engine.tick(kStart + 2s + timing::kFlushDelay)) pinged |= o.peer == c.pub;
  EXPECT_TRUE(pinged);
}

TEST(EngineDelegate, SelfDelegateNodeGrantsReachPeersThatTrustIt) {
  Node a{1}, d{2}, x{3};
  // d is configured (on itself) as a delegate and trusts x for membership.
  LocalView dv;
  dv.listen_port = 51820;
  dv.wall_now = kWall;
  dv.config_peers = {{d.pub, "", trust::Level::delegate, false, false, {}, {}},
                     {x.pub, "x", trust::Level::membership, false, false, {}, {}}};
  dv.device_peers = {device_peer(a, "192.0.2.1:51820", {}), device_peer(x, "192.0.2.3:51820", {})};
  GossipEngine de(private_from_seed(2), EngineOptions{}, kStart);
  de.set_local_view(dv, kStart);
  // a trusts d as a delegate; x is in a's device as a plain peer.
  LocalView av;
  av.listen_port = 51820;
  av.wall_now = kWall;
  av.config_peers = {{d.pub, "d", trust::Level::delegate, false, false, {}, {}}};
  av.device_peers = {device_peer(d, "192.0.2.2:51820", {}), device_peer(x, "192.0.2.3:51820", {})};
  GossipEngine ae(private_from_seed(1), EngineOptions{}, kStart);
  ae.set_local_view(av, kStart);
  EXPECT_EQ(ae.trust_of(x.pub, kStart).level, trust::Level::endpoint);
  // Round 1: a tells d its features (a's own metadata); round 2: d sends the grant.
  for (int round = 0; round < 3; ++round) {
    const TimePoint t = kStart + std::chrono::seconds(5 * round);
    for (auto& o : ae.tick(t))
      if (o.peer == d.pub) de.on_datagram(link_local_for(a.pub), o.bytes, t);
    for (auto& o : de.tick(t))
      if (o.peer == a.pub) ae.on_datagram(link_local_for(d.pub), o.bytes, t);
  }
  EXPECT_TRUE(de.features_of(a.pub).has(Feature::trust_grant));
  const auto t = ae.trust_of(x.pub, kStart + 10s);
  EXPECT_EQ(t.level, trust::Level::membership);
  EXPECT_EQ(t.source, trust::Source::grant);
}

}  // namespace
}  // namespace wl::facts
