#include <gtest/gtest.h>

#include "wirelink/base/encoding.hpp"
#include "wirelink/coordinator/errors.hpp"
#include "wirelink/coordinator/invite.hpp"
#include "wirelink/coordinator/paserk.hpp"
#include "wirelink/coordinator/rfc3339.hpp"
#include "wirelink/coordinator/session_token.hpp"

using namespace wl::coordinator;
using namespace std::chrono_literals;

namespace {
wl::PublicKey wgkey() {
  return wl::public_key_of(wl::generate_private_key());
}

struct Fixture : ::testing::Test {
  wl::FakeClock clock;
  SigningKey key = SigningKey::from(paseto::V4SecretKey::generate());
  KeyRing ring;
  wl::PublicKey peer = wgkey();
  Fixture() { ring.add(key.secret.public_key()); }
  SessionClaims claims() {
    SessionClaims c;
    c.sub = peer;
    c.cohort = "c-1";
    c.iat = c.nbf = clock.wall();
    c.exp = clock.wall() + 15min;
    c.exit_set = {"exitA"};
    c.path = {"relay", "exitA"};
    return c;
  }
};
}  // namespace

TEST(Rfc3339, RoundTripAndStrictness) {
  auto t = parse_rfc3339("2039-01-01T00:00:00+00:00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(format_rfc3339(*t), "2039-01-01T00:00:00+00:00");
  EXPECT_EQ(*parse_rfc3339("2039-01-01T02:00:00+02:00"), *t);
  EXPECT_EQ(*parse_rfc3339("2038-12-31T23:00:00-01:00"), *t);
  EXPECT_EQ(*parse_rfc3339("2039-01-01T00:00:00Z"), *t);
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00.123456Z").ok());
  for (const char* bad :
       {"", "2039-01-01", "2039-01-01T00:00:00", "2023-02-29T00:00:00Z", "2039-13-01T00:00:00Z",
        "2039-01-01T00:00:00+0000", "2039-01-01T00:00:00Zx", "2039-01-01 00:00:00Z",
        "1969-12-31T23:59:59Z", "2039-01-01T00:00:00.Z", "2484-01-01T00:30:00+00:00",
        "9999-12-31T23:59:59Z"})
    EXPECT_FALSE(parse_rfc3339(bad).ok()) << bad;
  EXPECT_EQ(format_rfc3339(wl::WallTime(1'800'000'000s)), "2027-01-15T08:00:00+00:00");
}

TEST_F(Fixture, MintAndVerify) {
  auto tok = mint_session_token(key, claims());
  auto r = verify_session_token(tok, ring, peer, clock.wall());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->cohort, "c-1");
  EXPECT_EQ(r->path, (std::vector<std::string>{"relay", "exitA"}));
  EXPECT_EQ(r->exit_set, (std::vector<std::string>{"exitA"}));
  EXPECT_EQ(r->exp, clock.wall() + 15min);
  EXPECT_EQ(r->kid, key.pid);
  EXPECT_EQ(r->sub, peer);
  auto sub = untrusted_subject(tok);
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(*sub, peer);
  // The footer names the key id.
  auto footer = paseto::untrusted_footer(tok);
  ASSERT_TRUE(footer.ok());
  EXPECT_EQ(*footer, "{\"kid\":\"" + key.pid + "\"}");
}

TEST_F(Fixture, ExpiredAndNotYetValid) {
  auto tok = mint_session_token(key, claims());
  clock.advance(15min);
  auto r = verify_session_token(tok, ring, peer, clock.wall());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, coord_errc::token_expired);
  auto c = claims();
  c.nbf = clock.wall() + 10min;
  c.exp = clock.wall() + 20min;
  auto r2 = verify_session_token(mint_session_token(key, c), ring, peer, clock.wall());
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code, coord_errc::token_expired);
  c = claims();
  c.iat = clock.wall() + 10min;
  auto r3 = verify_session_token(mint_session_token(key, c), ring, peer, clock.wall());
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error().code, coord_errc::token_invalid);
}

TEST_F(Fixture, WrongSubjectWrongKeyForged) {
  auto tok = mint_session_token(key, claims());
  auto r = verify_session_token(tok, ring, wgkey(), clock.wall());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, coord_errc::token_invalid);

  KeyRing other;
  other.add(paseto::V4SecretKey::generate().public_key());
  EXPECT_EQ(verify_session_token(tok, other, peer, clock.wall()).error().code,
            coord_errc::token_invalid);

  // A forger with its own key who copies our kid into the footer.
  auto forger = SigningKey::from(paseto::V4SecretKey::generate());
  forger.pid = key.pid;
  auto forged = mint_session_token(forger, claims());
  EXPECT_EQ(verify_session_token(forged, ring, peer, clock.wall()).error().code,
            coord_errc::token_invalid);

  // Payload says sub = A but the implicit assertion was B: signature check fails for A.
  auto c = claims();
  c.sub = wgkey();
  auto other_sub = mint_session_token(key, c);
  EXPECT_FALSE(verify_session_token(other_sub, ring, peer, clock.wall()).ok());
  EXPECT_TRUE(verify_session_token(other_sub, ring, c.sub, clock.wall()).ok());

  // Payload tampering (correctly signed, wrong claim shape) is rejected.
  auto msg = std::string("{\"sub\":\"") + peer.to_base64() + "\"}";
  std::string footer = "{\"kid\":\"" + key.pid + "\"}";
  std::string_view imp(reinterpret_cast<const char*>(peer.data()), 32);
  auto shapeless = paseto::v4_public_sign(key.secret, msg, footer, imp);
  EXPECT_EQ(verify_session_token(shapeless, ring, peer, clock.wall()).error().code,
            coord_errc::token_invalid);
  // No footer -> invalid.
  auto nofooter = paseto::v4_public_sign(key.secret, msg, "", imp);
  EXPECT_FALSE(verify_session_token(nofooter, ring, peer, clock.wall()).ok());
  EXPECT_FALSE(verify_session_token("garbage", ring, peer, clock.wall()).ok());
}

TEST_F(Fixture, RotationOldKeyStillVerifies) {
  auto old_tok = mint_session_token(key, claims());
  auto next = SigningKey::from(paseto::V4SecretKey::generate());
  ring.add(next.secret.public_key());
  auto new_tok = mint_session_token(next, claims());
  EXPECT_TRUE(verify_session_token(old_tok, ring, peer, clock.wall()).ok());
  EXPECT_TRUE(verify_session_token(new_tok, ring, peer, clock.wall()).ok());
  auto parsed = KeyRing::parse(paserk::to_public(key.secret.public_key()) + ", " +
                               paserk::to_public(next.secret.public_key()));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->keys().size(), 2u);
  EXPECT_FALSE(KeyRing::parse("").ok());
  EXPECT_FALSE(KeyRing::parse("k4.local.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").ok());
}

TEST_F(Fixture, InviteSignAndVerify) {
  auto inv = make_invite(key, random_invite_code(), clock.wall(), clock.wall() + 24h);
  EXPECT_TRUE(verify_invite_signature(inv, ring).ok());
  EXPECT_TRUE(check_invite_time(inv, clock.wall()).ok());
  auto text = encode_invite(inv);
  auto back = decode_invite("  " + text + "\n");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->code, inv.code);
  EXPECT_TRUE(verify_invite_signature(*back, ring).ok());

  auto tampered = *back;
  tampered.code[0] = tampered.code[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify_invite_signature(tampered, ring).error().code, coord_errc::invite_invalid);
  tampered = *back;
  tampered.expires_at = *tampered.expires_at + 1h;  // extending the expiry breaks the signature
  EXPECT_EQ(verify_invite_signature(tampered, ring).error().code, coord_errc::invite_invalid);
  KeyRing other;
  other.add(paseto::V4SecretKey::generate().public_key());
  EXPECT_EQ(verify_invite_signature(inv, other).error().code, coord_errc::invite_invalid);

  clock.advance(24h);
  EXPECT_EQ(check_invite_time(inv, clock.wall()).error().code, coord_errc::invite_expired);
  auto forever = make_invite(key, "code", clock.wall(), std::nullopt);
  EXPECT_TRUE(check_invite_time(forever, clock.wall() + 10000h).ok());
  EXPECT_TRUE(verify_invite_signature(*decode_invite(encode_invite(forever)), ring).ok());
  EXPECT_FALSE(decode_invite("wlinv1.!!").ok());
  EXPECT_FALSE(decode_invite("").ok());
}

TEST(CoordErrors, WireTable) {
  EXPECT_EQ(wire_code(coord_errc::invite_invalid), "invite.invalid");
  EXPECT_EQ(http_status(coord_errc::invite_invalid), 400);
  EXPECT_EQ(http_status(coord_errc::invite_exhausted), 403);
  EXPECT_EQ(http_status(coord_errc::insufficient_cohort), 503);
  EXPECT_EQ(wire_code(coord_errc::insufficient_cohort), "admission.insufficient_cohort");
  EXPECT_EQ(http_status(coord_errc::token_expired), 401);
  EXPECT_EQ(http_status(coord_errc::rate_limited), 429);
  EXPECT_EQ(*parse_wire_code("match.no_exit_available"), coord_errc::no_exit_available);
  EXPECT_FALSE(parse_wire_code("nope").has_value());
}

// The registration generation: absent while 0 (tokens keep their shape), carried when set.
TEST_F(Fixture, GenerationClaim) {
  auto none = verify_session_token(mint_session_token(key, claims()), ring, peer, clock.wall());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->gen, 0u);
  auto c = claims();
  c.gen = 3;
  const auto tok = mint_session_token(key, c);
  auto r = verify_session_token(tok, ring, peer, clock.wall());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->gen, 3u);
}
