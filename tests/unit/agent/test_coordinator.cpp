// The agent's coordinator seam: token facts verified through the gossip adapter with a real
// coordinator key, cohort assignments admitted as members until the token expires, and the
// status rendering of the coordinator state.
#include <gtest/gtest.h>

#include <algorithm>

#include "wirelink/agent/coordinator_link.hpp"
#include "wirelink/agent/facts_gossip.hpp"
#include "wirelink/agent/status.hpp"
#include "wirelink/agent/timing.hpp"
#include "wirelink/coordinator/key_ring.hpp"
#include "wirelink/coordinator/paserk.hpp"
#include "wirelink/coordinator/session_token.hpp"
#include "wirelink/facts/codec.hpp"
#include "wirelink/facts/fact.hpp"
#include "wirelink/facts/local_view.hpp"
#include "wirelink/facts/mac.hpp"
#include "wirelink/test/keys.hpp"

namespace wl::agent {
namespace {

using namespace std::chrono_literals;

struct Node {
  explicit Node(std::uint8_t seed)
      : priv(wl::test::private_from_seed(seed)), pub(public_key_of(priv)) {}
  PrivateKey priv;
  PublicKey pub;
};

class CoordinatorGossipTest : public ::testing::Test {
 protected:
  CoordinatorGossipTest()
      : signer(coordinator::SigningKey::from(coordinator::paseto::V4SecretKey::generate())),
        other(coordinator::SigningKey::from(coordinator::paseto::V4SecretKey::generate())) {
    cfg.coordinator_public_key = coordinator::paserk::to_public(signer.secret.public_key());
    restart(cfg);
  }

  // A new gossip for `c`, with b in our device: a known peer that may relay token facts.
  void restart(const Config& conf) {
    gossip = make_facts_gossip(a.priv, conf, clock.now(), &clock);
    facts::LocalView v;
    v.listen_port = 51820;
    v.wall_now = clock.wall();
    facts::DevicePeerView p;
    p.key = b.pub;
    p.endpoint = *Endpoint::parse("192.0.2.2:51820");
    p.last_handshake = clock.wall() - 5s;
    p.allowed_ips.push_back(Cidr(link_local_for(b.pub), 128));
    v.device_peers.push_back(p);
    gossip->set_local_view(v, clock.now());
  }

  std::string token_for(const PublicKey& sub, const coordinator::SigningKey& k, Duration ttl) {
    coordinator::SessionClaims cl;
    cl.sub = sub;
    cl.cohort = "c1";
    cl.iat = cl.nbf = clock.wall() - 1s;
    cl.exp = clock.wall() + ttl;
    return coordinator::mint_session_token(k, cl);
  }

  // b relays a token fact about `subject` to a.
  void deliver_token(const PublicKey& subject, const std::string& token) {
    std::vector<std::uint8_t> inner;
    facts::encode_fact(
        facts::make_token(subject, std::vector<std::uint8_t>(token.begin(), token.end())), 300,
        inner);
    auto pk = facts::pairwise_key(b.priv, a.pub);
    facts::Nonce nonce{};
    nonce[0] = ++nonce_seed;
    auto tag = facts::mac_tag(*pk, nonce, inner);
    gossip->on_datagram(link_local_for(b.pub), facts::encode_datagram(b.pub, nonce, tag, inner),
                        clock.now());
  }

  bool member(const PublicKey& k) const {
    auto m = gossip->members(clock.now());
    return std::find(m.begin(), m.end(), k) != m.end();
  }

  FakeClock clock;
  Node a{1}, b{2}, c{3}, d{4};
  coordinator::SigningKey signer, other;
  Config cfg;
  std::unique_ptr<GossipView> gossip;
  std::uint8_t nonce_seed = 0;
};

TEST_F(CoordinatorGossipTest, ValidTokenAdmitsUntilExpiry) {
  EXPECT_FALSE(member(c.pub));
  deliver_token(c.pub, token_for(c.pub, signer, 120s));
  EXPECT_TRUE(member(c.pub));
  EXPECT_EQ(gossip->counters().tokens_verified, 1u);
  clock.advance(121s);
  EXPECT_FALSE(member(c.pub));
}

TEST_F(CoordinatorGossipTest, ForgedWrongKeyWrongSubjectAndExpiredTokensGrantNothing) {
  auto good = token_for(c.pub, signer, 120s);
  auto forged = good;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  deliver_token(c.pub, forged);
  deliver_token(c.pub, token_for(c.pub, other, 120s));   // signed by a key we do not know
  deliver_token(d.pub, token_for(c.pub, signer, 120s));  // c's token presented for d
  deliver_token(c.pub, token_for(c.pub, signer, -5s));   // already expired
  EXPECT_FALSE(member(c.pub));
  EXPECT_FALSE(member(d.pub));
  auto counters = gossip->counters();
  EXPECT_EQ(counters.tokens_verified, 0u);
  std::uint64_t token_rejections = 0;
  for (const auto& [why, n] : counters.facts_rejected)
    if (why.rfind("token: ", 0) == 0) token_rejections += n;
  EXPECT_EQ(token_rejections, 4u);
}

TEST_F(CoordinatorGossipTest, WithoutCoordinatorKeyTokensGrantNothing) {
  restart(Config{});
  deliver_token(c.pub, token_for(c.pub, signer, 120s));
  EXPECT_FALSE(member(c.pub));
}

TEST_F(CoordinatorGossipTest, AssignmentPeersAreMembersUntilOurTokenExpires) {
  CoordinatorInfo info;
  info.state = "registered";
  info.token = token_for(a.pub, signer, 60s);
  info.token_expires = clock.wall() + 60s;
  info.cohort = "c1";
  CoordinatorPeer p;
  p.key = d.pub;
  p.endpoints.push_back(*Endpoint::parse("198.51.100.4:51820"));
  p.allowed_ips.push_back(*Cidr::parse("10.7.0.4/32"));
  info.peers.push_back(p);
  gossip->set_coordinator(grant_of(info, clock.now(), clock.wall()), clock.now());
  EXPECT_TRUE(member(d.pub));
  auto eps = gossip->endpoints_of(d.pub, clock.now());
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].to_string(), "198.51.100.4:51820");
  auto ips = gossip->allowed_ips_of(d.pub, clock.now());
  EXPECT_NE(std::find(ips.begin(), ips.end(), *Cidr::parse("10.7.0.4/32")), ips.end());
  clock.advance(61s);
  EXPECT_FALSE(member(d.pub));
  EXPECT_TRUE(gossip->endpoints_of(d.pub, clock.now()).empty());
}

// With a coordinator configured (and CoordinatorOpenMembership false) a token still admits, and
// a peer whose token ran out is gone once the grace has passed.
TEST_F(CoordinatorGossipTest, GatedMembershipAdmitsByTokenAndDropsAfterGrace) {
  cfg.coordinator_url = "http://10.0.0.1:8787";
  restart(cfg);
  EXPECT_FALSE(member(c.pub));
  deliver_token(c.pub, token_for(c.pub, signer, 120s));
  EXPECT_TRUE(member(c.pub));
  clock.advance(121s + timing::kTokenGrace);
  EXPECT_FALSE(member(c.pub));
}

TEST(CoordinatorGrant, ExpiredOrMissingTokenGrantsNothing) {
  FakeClock clock;
  CoordinatorInfo info;
  CoordinatorPeer p;
  p.key = Node(5).pub;
  info.peers.push_back(p);
  EXPECT_TRUE(grant_of(info, clock.now(), clock.wall()).peers.empty());  // no token
  info.token = "v4.public.x";
  info.token_expires = clock.wall() - 1s;
  auto g = grant_of(info, clock.now(), clock.wall());
  EXPECT_TRUE(g.peers.empty());
  EXPECT_TRUE(g.own_token.empty());
  info.token_expires = clock.wall() + 30s;
  g = grant_of(info, clock.now(), clock.wall());
  EXPECT_EQ(g.peers.size(), 1u);
  EXPECT_EQ(g.until, clock.now() + 30s);
}

TEST(CoordinatorStatusRender, JsonAndTableShowState) {
  AgentStatus s;
  s.iface = "wg0";
  s.wall_now = WallTime(std::chrono::seconds(1'800'000'000));
  EXPECT_NE(render_json(s).find("\"coordinator\":null"), std::string::npos);
  s.coordinator_enabled = true;
  s.coordinator.url = "http://10.0.0.1:8787";
  s.coordinator.state = "registered";
  s.coordinator.has_token = true;
  s.coordinator.token_expires = s.wall_now + 900s;
  s.coordinator.cohort = "k7";
  s.coordinator.assigned_peers = 2;
  s.coordinator.last_error = "timeout \"x\"";
  s.counters.tokens_verified = 3;
  auto j = render_json(s);
  EXPECT_NE(j.find("\"state\":\"registered\""), std::string::npos);
  EXPECT_NE(j.find("\"token_expires_unix\":1800000900"), std::string::npos);
  EXPECT_NE(j.find("\"token_expires_in_seconds\":900"), std::string::npos);
  EXPECT_NE(j.find("\"cohort\":\"k7\""), std::string::npos);
  EXPECT_NE(j.find("\"last_error\":\"timeout \\\"x\\\"\""), std::string::npos);
  EXPECT_NE(j.find("\"tokens_verified\":3"), std::string::npos);
  auto t = render_table(s);
  EXPECT_NE(t.find("coordinator: registered (http://10.0.0.1:8787), token expires in 15 minutes, "
                   "cohort k7 (2 peers)"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("coordinator error: timeout"), std::string::npos);
}

TEST(CoordinatorStatusRender, WaitingPathExitServiceAndNoStaleError) {
  AgentStatus s;
  s.wall_now = WallTime(std::chrono::seconds(1'800'000'000));
  s.coordinator_enabled = true;
  s.coordinator.url = "http://10.0.0.1:8787";
  s.coordinator.state = "registered";
  s.coordinator.detail = "waiting for a cohort (3 of 30 on exit X)";
  auto t = render_table(s);
  EXPECT_NE(t.find("coordinator: registered, waiting for a cohort (3 of 30 on exit X) (http://"),
            std::string::npos)
      << t;
  EXPECT_EQ(t.find("coordinator error"), std::string::npos);  // waiting is not an error
  auto j = render_json(s);
  EXPECT_NE(j.find("\"detail\":\"waiting for a cohort (3 of 30 on exit X)\""), std::string::npos);
  EXPECT_NE(j.find("\"exit\":null"), std::string::npos);
  EXPECT_NE(j.find("\"role\":\"client\""), std::string::npos);
  EXPECT_NE(j.find("\"schema\":1"), std::string::npos);

  // Matched through a relay: the path names both, the exit last.
  const auto relay = Node(6).pub, exit = Node(7).pub;
  s.coordinator.detail.clear();
  s.coordinator.path = {relay, exit};
  t = render_table(s);
  EXPECT_NE(t.find("coordinator path: relay " + relay.to_base64() + " -> exit " + exit.to_base64()),
            std::string::npos)
      << t;
  j = render_json(s);
  EXPECT_NE(j.find("\"exit\":\"" + exit.to_base64() + "\""), std::string::npos);
  EXPECT_NE(j.find("\"path\":[\"" + relay.to_base64() + "\",\"" + exit.to_base64() + "\"]"),
            std::string::npos);

  // An exit shows what it serves.
  s.coordinator.path.clear();
  s.coordinator.exit = true;
  s.coordinator.exit_cohorts = 2;
  s.coordinator.exit_clients = 61;
  t = render_table(s);
  EXPECT_NE(t.find("exit service: 2 cohorts, 61 clients"), std::string::npos) << t;
  j = render_json(s);
  EXPECT_NE(j.find("\"role\":\"exit\""), std::string::npos);
  EXPECT_NE(j.find("\"exit_cohorts\":2"), std::string::npos);
  EXPECT_NE(j.find("\"exit_clients\":61"), std::string::npos);
}

}  // namespace
}  // namespace wl::agent
