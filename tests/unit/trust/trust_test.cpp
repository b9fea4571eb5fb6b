// The trust matrix (source level x fact kind x subject known) and the evaluator's order of
// sources, router detection, admission and delegate grants.
#include <gtest/gtest.h>

#include "wirelink/test/keys.hpp"
#include "wirelink/trust/acceptance.hpp"
#include "wirelink/trust/evaluator.hpp"

namespace wl::trust {
namespace {

using namespace std::chrono_literals;

using wl::test::cidr;
using wl::test::key;

const TimePoint kNow = TimePoint(100s);

TEST(TrustMatrix, EveryLevelAndKind) {
  using L = Level;
  using K = FactKind;
  const std::array<L, 5> levels = {L::untrusted, L::endpoint, L::allowedips, L::membership,
                                   L::delegate};
  struct Row {
    K kind;
    // Expected verdict per level, for a known subject and for an unknown subject.
    std::array<Verdict, 5> known;
    std::array<Verdict, 5> unknown;
  };
  const auto A = Verdict::accept, U = Verdict::untrusted, S = Verdict::unknown_subject;
  const std::vector<Row> rows = {
      {K::alive, {A, A, A, A, A}, {A, A, A, A, A}},
      {K::endpoint, {U, A, A, A, A}, {U, S, S, A, A}},
      {K::allowed_ip, {U, U, A, A, A}, {U, U, S, A, A}},
      {K::membership, {U, U, U, A, A}, {U, U, U, A, A}},
      {K::token, {U, A, A, A, A}, {U, A, A, A, A}},
      {K::grant, {U, U, U, U, A}, {U, U, U, U, A}},
  };
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < levels.size(); ++i) {
      AcceptQuery q;
      q.kind = r.kind;
      q.source_level = levels[i];
      q.subject_known = true;
      EXPECT_EQ(accept(q), r.known[i])
          << "kind " << int(r.kind) << " level " << to_string(levels[i]);
      q.subject_known = false;
      EXPECT_EQ(accept(q), r.unknown[i])
          << "kind " << int(r.kind) << " level " << to_string(levels[i]) << " unknown";
    }
  }
}

TEST(TrustMatrix, EndpointIntoTunnelIsDroppedWhateverTheTrust) {
  for (auto l : {Level::endpoint, Level::membership, Level::delegate}) {
    AcceptQuery q{l, FactKind::endpoint, true, true, false};
    EXPECT_EQ(accept(q), Verdict::routes_into_tunnel);
  }
}

TEST(TrustMatrix, SelfGrantIsRefused) {
  AcceptQuery q{Level::delegate, FactKind::grant, true, false, true};
  EXPECT_EQ(accept(q), Verdict::self_grant);
}

TEST(Router, DetectionFollowsGlobalUnicastShortPrefix) {
  EXPECT_TRUE(is_router(std::vector<Cidr>{cidr("10.0.0.0/24")}));
  EXPECT_TRUE(is_router(std::vector<Cidr>{cidr("fe80::1/128"), cidr("2001:db8::/64")}));
  EXPECT_FALSE(is_router(std::vector<Cidr>{cidr("10.0.0.1/32")}));
  EXPECT_FALSE(is_router(std::vector<Cidr>{cidr("0.0.0.0/0")}));  // a default route is not a router
  EXPECT_FALSE(is_router(std::vector<Cidr>{cidr("::/0")}));
  EXPECT_FALSE(is_router(std::vector<Cidr>{cidr("fe80::/64")}));
  EXPECT_FALSE(is_router(std::vector<Cidr>{cidr("224.0.0.0/4")}));
  EXPECT_FALSE(is_router(std::vector<Cidr>{}));
}

class EvaluatorTest : public ::testing::Test {
 protected:
  TrustEvaluator t;
  PublicKey router = key(1), leaf = key(2), stranger = key(3), delegate = key(4), cfg = key(5);
  void devices() {
    t.set_device_peers({{router, {cidr("10.0.0.0/24")}},
                        {leaf, {cidr("10.0.0.2/32")}},
                        {delegate, {}},
                        {cfg, {cidr("10.1.0.0/16")}}});
  }
};

TEST_F(EvaluatorTest, FullAutoRouterIsMembershipKnownPeerIsEndpoint) {
  devices();
  EXPECT_TRUE(t.full_auto());
  EXPECT_EQ(t.evaluate(router, kNow), (Decision{Level::membership, Source::router}));
  EXPECT_EQ(t.evaluate(leaf, kNow), (Decision{Level::endpoint, Source::known_peer}));
  EXPECT_EQ(t.evaluate(stranger, kNow), (Decision{Level::untrusted, Source::none}));
}

TEST_F(EvaluatorTest, ConfiguredTrustWinsAndDisablesRouterHeuristic) {
  devices();
  t.set_configured({{cfg, Level::untrusted}, {leaf, Level::allowedips}});
  EXPECT_FALSE(t.full_auto());
  // cfg is a router by its allowed IPs but its configured Trust is authoritative, even if low.
  EXPECT_EQ(t.evaluate(cfg, kNow), (Decision{Level::untrusted, Source::config}));
  EXPECT_EQ(t.evaluate(leaf, kNow), (Decision{Level::allowedips, Source::config}));
  // With a configured Trust somewhere, routers are just known peers.
  EXPECT_EQ(t.evaluate(router, kNow), (Decision{Level::endpoint, Source::known_peer}));
}

TEST_F(EvaluatorTest, ConfiguredPeerWithoutTrustKeepsFullAuto) {
  devices();
  t.set_configured({{leaf, std::nullopt}});
  EXPECT_TRUE(t.full_auto());
  EXPECT_EQ(t.evaluate(router, kNow).source, Source::router);
  EXPECT_EQ(t.evaluate(leaf, kNow).source, Source::known_peer);
}

TEST_F(EvaluatorTest, AdmissionIsMembershipOfTheSubjectUntilItsEnd) {
  t.admit(stranger, kNow + 10s);
  EXPECT_TRUE(t.is_admitted(stranger, kNow));
  EXPECT_FALSE(t.is_admitted(stranger, kNow + 10s));
  // Admission says the subject belongs; it does not make the subject a trusted source.
  EXPECT_EQ(t.evaluate(stranger, kNow).level, Level::untrusted);
  t.admit(stranger, kNow + 20s);  // renewal
  EXPECT_TRUE(t.is_admitted(stranger, kNow + 15s));
  t.revoke(stranger);
  EXPECT_FALSE(t.is_admitted(stranger, kNow));
  t.admit(leaf, kNow + 1s);
  t.expire(kNow + 1s);
  EXPECT_FALSE(t.admitted_until(leaf).has_value());
}

TEST_F(EvaluatorTest, DelegateGrantRules) {
  devices();
  t.set_configured({{delegate, Level::delegate}, {cfg, Level::endpoint}});
  // Granted level applies until the grant ends.
  EXPECT_TRUE(t.grant(delegate, leaf, Level::membership, kNow + 30s, kNow));
  EXPECT_EQ(t.evaluate(leaf, kNow), (Decision{Level::membership, Source::grant}));
  EXPECT_EQ(t.evaluate(leaf, kNow + 30s).level, Level::endpoint);
  // The highest unexpired grant wins.
  EXPECT_TRUE(t.grant(delegate, leaf, Level::allowedips, kNow + 60s, kNow));
  EXPECT_EQ(t.evaluate(leaf, kNow + 10s).level, Level::membership);
  EXPECT_EQ(t.evaluate(leaf, kNow + 40s).level, Level::allowedips);
  // Never delegate itself, never about the delegate, only from a configured delegate.
  EXPECT_FALSE(t.grant(delegate, leaf, Level::delegate, kNow + 30s, kNow));
  EXPECT_FALSE(t.grant(delegate, delegate, Level::membership, kNow + 30s, kNow));
  EXPECT_FALSE(t.grant(router, leaf, Level::membership, kNow + 30s, kNow));
  EXPECT_FALSE(t.grant(delegate, leaf, Level::membership, kNow, kNow));  // already over
  // Config beats grants for the grantee.
  EXPECT_TRUE(t.grant(delegate, cfg, Level::membership, kNow + 30s, kNow));
  EXPECT_EQ(t.evaluate(cfg, kNow), (Decision{Level::endpoint, Source::config}));
  // A granted membership source cannot grant further (one hop).
  EXPECT_FALSE(t.grant(leaf, stranger, Level::endpoint, kNow + 30s, kNow));
  // Removing the delegate from config revokes its grants at once.
  t.set_configured({{cfg, Level::endpoint}});
  EXPECT_EQ(t.evaluate(leaf, kNow).level, Level::endpoint);
  EXPECT_EQ(t.evaluate(leaf, kNow).source, Source::known_peer);
}

TEST_F(EvaluatorTest, GrantCanIntroduceAPeerNotInTheDevice) {
  t.set_configured({{delegate, Level::delegate}});
  EXPECT_TRUE(t.grant(delegate, stranger, Level::endpoint, kNow + 30s, kNow));
  EXPECT_EQ(t.evaluate(stranger, kNow), (Decision{Level::endpoint, Source::grant}));
}

TEST(Level, ParseAndPrint) {
  EXPECT_EQ(parse_level("AllowedIPs"), Level::allowedips);
  EXPECT_EQ(parse_level("DelegateTrust"), Level::delegate);
  EXPECT_FALSE(parse_level("root"));
  EXPECT_EQ(to_string(Level::membership), "membership");
}

}  // namespace
}  // namespace wl::trust
