// Registration proof and challenge codec, without a server: a known-answer vector computed by
// an independent implementation (vectors/register_proof_vector.py), the coordinator key
// derived from its signing key, low-order keys, and the challenge's strict decoding.
#include <gtest/gtest.h>

#include "wirelink/base/encoding.hpp"
#include "wirelink/coordinator/errors.hpp"
#include "wirelink/coordinator/paseto.hpp"
#include "wirelink/coordinator/register_challenge.hpp"
#include "wirelink/coordinator/register_proof.hpp"

using namespace wl;
using namespace wl::coordinator;
using namespace std::chrono_literals;

namespace {

PrivateKey counting_key(std::uint8_t first) {
  std::array<std::uint8_t, 32> b{};
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(first + i);
  return PrivateKey::from(std::span<const std::uint8_t, 32>(b));
}

wire::RegisterRequest vector_request(const PublicKey& peer) {
  wire::RegisterRequest r;
  r.peer_id = peer;
  r.challenge = "wlch1.example";
  r.invite = "wlinv1.example";
  r.addr_hint = "192.0.2.1:51820";
  r.can_exit = true;
  r.capacity_hint = 5;
  return r;
}

coord_errc code_of(const Error& e) {
  EXPECT_EQ(&e.code.category(), &coord_category()) << e.message();
  return static_cast<coord_errc>(e.code.value());
}

}  // namespace

TEST(RegisterProof, KnownAnswer) {
  const auto peer = counting_key(1), coordinator = counting_key(33);
  const auto peer_pub = public_key_of(peer), coord_pub = public_key_of(coordinator);
  ASSERT_EQ(peer_pub.to_base64(), "B6N8vBQgk8i3VdwbEOhstCY3StFqqFPtC9/AsrhtHHw=");
  ASSERT_EQ(coord_pub.to_base64(), "WGmv9FBUlzLLqu1eXfmzCm2jHLDldCutWtShp2jxpns=");
  auto r = vector_request(peer_pub);
  EXPECT_EQ(register_proof_message(r, coord_pub).size(), 143u);
  auto proof = make_register_proof(r, peer, coord_pub);
  ASSERT_TRUE(proof.ok()) << proof.error().message();
  EXPECT_EQ(*proof, "Al8IeGRqMCODi+LhDj1fDNBmygfdoJZxzyv2HRZIztU=");
  r.proof = *proof;
  EXPECT_TRUE(check_register_proof(r, coordinator, coord_pub).ok());
  // Another coordinator key, another peer key, no proof: refused.
  EXPECT_EQ(
      code_of(check_register_proof(r, counting_key(2), public_key_of(counting_key(2))).error()),
      coord_errc::proof_invalid);
  auto other = r;
  other.peer_id = public_key_of(counting_key(3));
  EXPECT_EQ(code_of(check_register_proof(other, coordinator, coord_pub).error()),
            coord_errc::proof_invalid);
  other = r;
  other.proof.clear();
  EXPECT_EQ(code_of(check_register_proof(other, coordinator, coord_pub).error()),
            coord_errc::proof_invalid);
  other.proof = "not base64";
  EXPECT_EQ(code_of(check_register_proof(other, coordinator, coord_pub).error()),
            coord_errc::proof_invalid);
}

TEST(RegisterProof, CoordinatorKeyFollowsTheSigningKey) {
  const auto signing = paseto::V4SecretKey::generate();
  const auto secret = exchange_secret_key(signing);
  const auto pub = exchange_public_key(signing.public_key());
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(public_key_of(secret), *pub);
  // A peer's proof against the public half verifies with the secret half.
  const auto peer = generate_private_key();
  auto r = vector_request(public_key_of(peer));
  r.proof = make_register_proof(r, peer, *pub).value();
  EXPECT_TRUE(check_register_proof(r, secret, *pub).ok());
}

TEST(RegisterProof, LowOrderPeerKeysNeverVerify) {
  const auto coordinator = counting_key(33);
  const auto coord_pub = public_key_of(coordinator);
  for (const char* hex : {"0000000000000000000000000000000000000000000000000000000000000000",
                          "0100000000000000000000000000000000000000000000000000000000000000",
                          "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"}) {
    auto r = vector_request(PublicKey(hex_decode_key(hex).value()));
    r.proof = base64_encode(coord_pub.bytes());
    auto c = check_register_proof(r, coordinator, coord_pub);
    ASSERT_FALSE(c.ok()) << hex;
    EXPECT_EQ(code_of(c.error()), coord_errc::proof_invalid);
    EXPECT_NE(c.error().detail.find("low-order"), std::string::npos) << c.error().detail;
    // Nor can a peer be fooled into proving against a low-order "coordinator".
    EXPECT_FALSE(make_register_proof(r, counting_key(1), r.peer_id).ok());
  }
}

TEST(RegisterChallenge, SealOpenAndStrictness) {
  ChallengeKey key;
  randombytes_buf(key.data(), key.size());
  const auto coord = public_key_of(counting_key(33));
  const WallTime exp{std::chrono::seconds(1'900'000'000)};
  ChallengeNonce nonce{};
  nonce.fill(9);
  const auto text = seal_challenge(key, coord, exp, nonce);
  EXPECT_EQ(text.rfind("wlch1.", 0), 0u);
  auto o = open_challenge(text, key, coord);
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(o->expires, exp);
  EXPECT_EQ(o->nonce, nonce);
  // Another key (a restart), another coordinator key (rotation), tampering, junk.
  ChallengeKey other;
  randombytes_buf(other.data(), other.size());
  EXPECT_FALSE(open_challenge(text, other, coord).ok());
  EXPECT_FALSE(open_challenge(text, key, public_key_of(counting_key(1))).ok());
  for (std::size_t i = 6; i < text.size(); ++i) {
    auto t = text;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    auto r = open_challenge(t, key, coord);
    ASSERT_FALSE(r.ok()) << i;
    EXPECT_EQ(code_of(r.error()), coord_errc::challenge_invalid);
  }
  for (const char* junk : {"", "wlch1.", "wlch1.!!", "wlch2.AAAA", "wlch1.AAAA"})
    EXPECT_FALSE(open_challenge(junk, key, coord).ok()) << junk;
}
