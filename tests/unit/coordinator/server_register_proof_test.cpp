// Registration proof of possession against a real coordinator process: nobody registers a key
// without proving its private key (takeover, low-order keys, replayed challenges, tampered
// fields), a registered peer re-registers with a fresh proof, and tokens from before a
// disconnect stay refused after the peer registers again (also across a restart).
#include <nlohmann/json.hpp>

#include "test_support.hpp"
#include "wirelink/base/encoding.hpp"
#include "wirelink/coordinator/paserk.hpp"

using namespace wl;
using namespace wl::test;
using namespace wl::coordinator;

namespace {

struct Reply {
  long status = 0;
  std::string code, message;
};

Reply post_register(CoordinatorClient& cl, const std::string& body) {
  auto raw = cl.request("POST", "/api/v1/register", body);
  EXPECT_TRUE(raw.ok());
  if (!raw.ok()) return {};
  Reply r{raw->status, {}, {}};
  if (raw->status != 200) {
    auto e = wire::parse_error(raw->body);
    EXPECT_TRUE(e.ok()) << raw->body;
    if (e.ok()) r = Reply{raw->status, e->code, e->message};
  }
  return r;
}

wire::Challenge challenge(CoordinatorClient& cl) {
  auto raw = cl.request("GET", "/api/v1/challenge", "");
  EXPECT_TRUE(raw.ok() && raw->status == 200);
  auto c = wire::parse_challenge(raw.ok() ? raw->body : "");
  EXPECT_TRUE(c.ok());
  return c.ok() ? *c : wire::Challenge{};
}

// `r` proven with `key` (not necessarily r.peer_id's key) against a fresh challenge.
wire::RegisterRequest proven_with(CoordinatorClient& cl, wire::RegisterRequest r,
                                  const PrivateKey& key) {
  const auto ch = challenge(cl);
  r.challenge = ch.challenge;
  r.proof = make_register_proof(r, key, PublicKey::parse(ch.coordinator_key).value()).value();
  return r;
}

class RegisterProofTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = test_db(dir);
  std::string pub = keygen(db);
  std::string inv = invite(db, 10);
};

}  // namespace

TEST_F(RegisterProofTest, ChallengeNamesTheKeyDerivedFromTheSigningKey) {
  ServerProcess srv(dir.path(), db, {});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto ch = challenge(cl);
  EXPECT_EQ(ch.challenge.rfind("wlch1.", 0), 0u) << ch.challenge;
  const auto signing = paserk::parse_public(pub);
  ASSERT_TRUE(signing.ok());
  EXPECT_EQ(ch.coordinator_key, exchange_public_key(*signing).value().to_base64());
  EXPECT_EQ(ch.kid, paserk::pid(*signing));
  EXPECT_NE(challenge(cl).challenge, ch.challenge);  // fresh every time
}

TEST_F(RegisterProofTest, TakeoverOfAnotherPeersKeyIsRefused) {
  ServerProcess srv(dir.path(), db, {"--floor", "1", "--dev", "--match-wait", "0"});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto victim = new_key(), attacker = new_key();
  auto v = enroll(cl, reg(victim, inv, true, 5));
  ASSERT_TRUE(v.ok()) << v.error().message();

  // The attacker holds a valid invite and names the victim's key, with a new addr_hint.
  auto take = reg(victim, inv, true, 5);
  take.addr_hint = "203.0.113.66:51820";
  // No challenge, no proof.
  auto r = post_register(cl, to_json(take));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code, "challenge.invalid");
  // A fresh challenge, but no proof.
  auto no_proof = take;
  no_proof.challenge = challenge(cl).challenge;
  r = post_register(cl, to_json(no_proof));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code, "proof.invalid");
  // A forged proof: 32 random bytes.
  auto forged = no_proof;
  forged.challenge = challenge(cl).challenge;
  forged.proof = base64_encode(public_key_of(generate_private_key()).bytes());
  r = post_register(cl, to_json(forged));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code, "proof.invalid");
  // A well-formed proof, made with the attacker's own private key.
  r = post_register(cl, to_json(proven_with(cl, take, private_of(attacker))));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code, "proof.invalid");
  EXPECT_NE(r.message.find("does not verify"), std::string::npos) << r.message;

  // Nothing changed for the victim: its token works and a client matched to it still gets
  // its own addr_hint.
  EXPECT_TRUE(cl.heartbeat(v->session_token, {victim, false, std::nullopt}).ok());
  const auto client = new_key();
  auto c = enroll(cl, reg(client, inv));
  ASSERT_TRUE(c.ok());
  auto m = cl.match(c->session_token, {client, 1, std::nullopt});
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->path.size(), 1u);
  EXPECT_EQ(m->path[0].peer_id, victim.to_base64());
  EXPECT_EQ(m->path[0].addr_hint, "192.0.2.1:51820");
  // The Authorization header does not stand in for a proof either.
  auto raw = cl.request("POST", "/api/v1/register", to_json(take), v->session_token);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->status, 401);
}

TEST_F(RegisterProofTest, LowOrderKeysAreRefused) {
  ServerProcess srv(dir.path(), db, {});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto own = generate_private_key();
  // The all-zero point, the point 1 and a point of order 8: X25519 with any of them is zero.
  for (const char* hex : {"0000000000000000000000000000000000000000000000000000000000000000",
                          "0100000000000000000000000000000000000000000000000000000000000000",
                          "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"}) {
    const PublicKey low(hex_decode_key(hex).value());
    auto r = post_register(cl, to_json(proven_with(cl, reg(low, inv), own)));
    EXPECT_EQ(r.status, 401) << hex;
    EXPECT_EQ(r.code, "proof.invalid") << hex;
    EXPECT_NE(r.message.find("low-order"), std::string::npos) << r.message;
  }
}

TEST_F(RegisterProofTest, ChallengesAreSingleUseAndProofsCoverEveryField) {
  ServerProcess srv(dir.path(), db, {});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto A = new_key();
  const auto body = proven_body(cl, reg(A, inv));
  EXPECT_EQ(post_register(cl, body).status, 200);
  // The same request again (a replay): refused, its challenge is used up.
  auto r = post_register(cl, body);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code, "challenge.invalid");
  // A challenge tampered with, or not issued here.
  auto req = proven_with(cl, reg(A, inv), private_of(A));
  req.challenge.back() = req.challenge.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(post_register(cl, to_json(req)).code, "challenge.invalid");
  EXPECT_EQ(
      post_register(cl, R"({"peer_id":")" + A.to_base64() + R"(","challenge":"wlch1.x"})").code,
      "challenge.invalid");
  // Each field is covered: changing one after proving breaks the proof.
  for (int field = 0; field < 4; ++field) {
    auto p = proven_with(cl, reg(A, inv), private_of(A));
    if (field == 0) p.addr_hint = "198.51.100.1:51820";
    if (field == 1) p.can_exit = true;
    if (field == 2) p.capacity_hint = 7;
    if (field == 3) p.invite = invite(db, 1);
    r = post_register(cl, to_json(p));
    EXPECT_EQ(r.code, "proof.invalid") << field;
  }
  // A proof for another challenge than the one sent.
  auto p = proven_with(cl, reg(A, inv), private_of(A));
  p.challenge = challenge(cl).challenge;
  EXPECT_EQ(post_register(cl, to_json(p)).code, "proof.invalid");
}

TEST_F(RegisterProofTest, RegisteredPeerReRegistersWithAFreshProof) {
  ServerProcess srv(dir.path(), db, {});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto A = new_key();
  auto first = enroll(cl, reg(A, inv));
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto moved = reg(A, "");  // no invite needed: the proof shows it is the registered key
  moved.addr_hint = "198.51.100.7:51820";
  auto again = enroll(cl, moved);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_TRUE(cl.heartbeat(again->session_token, {A, false, std::nullopt}).ok());
  EXPECT_TRUE(cl.heartbeat(first->session_token, {A, false, std::nullopt}).ok());
  // A key never registered still needs an invite, proof or not.
  EXPECT_EQ(code_of(enroll(cl, reg(new_key(), ""))), coord_errc::invite_invalid);
}

TEST_F(RegisterProofTest, TokensFromBeforeADisconnectStayInvalid) {
  const auto A = new_key();
  std::string before, after;
  {
    ServerProcess srv(dir.path(), db, {});
    ASSERT_TRUE(srv.running());
    CoordinatorClient cl({srv.url()});
    auto a = enroll(cl, reg(A, inv));
    ASSERT_TRUE(a.ok());
    before = a->session_token;
    auto refreshed = cl.heartbeat(before, {A, true, std::nullopt});
    ASSERT_TRUE(refreshed.ok() && refreshed->session_token);
    ASSERT_TRUE(cl.disconnect(before, {A, "test", std::nullopt}).ok());
    auto b = enroll(cl, reg(A, inv));
    ASSERT_TRUE(b.ok()) << b.error().message();
    after = b->session_token;
    EXPECT_EQ(code_of(cl.heartbeat(before, {A, false, std::nullopt})), coord_errc::token_invalid);
    EXPECT_EQ(code_of(cl.heartbeat(*refreshed->session_token, {A, false, std::nullopt})),
              coord_errc::token_invalid);
    auto raw = cl.request("POST", "/api/v1/heartbeat",
                          to_json(wire::HeartbeatRequest{A, false, std::nullopt}), before);
    EXPECT_EQ(raw->status, 401);
    EXPECT_TRUE(cl.heartbeat(after, {A, false, std::nullopt}).ok());
  }
  // The generation is durable: after a restart the old token is still refused.
  ServerProcess srv(dir.path(), db, {});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  EXPECT_EQ(code_of(cl.heartbeat(before, {A, false, std::nullopt})), coord_errc::token_invalid);
  EXPECT_TRUE(cl.heartbeat(after, {A, false, std::nullopt}).ok());
  // Offline verifiers see a validly signed, unexpired token either way (documented).
  EXPECT_TRUE(
      verify_session_token(before, KeyRing::parse(pub).value(), A, SystemClock().wall()).ok());
}
