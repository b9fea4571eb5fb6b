// Offline admission at an exit and a relay: only a valid, unexpired token for the peer's own
// key that names this node admits its tunnel addresses.
#include <gtest/gtest.h>

#include "wirelink/agent/exit/exit_admission.hpp"
#include "wirelink/coordinator/paserk.hpp"
#include "wirelink/test/keys.hpp"

namespace wl::agent::exit {
namespace {

using namespace std::chrono_literals;
using wl::test::key;

class ExitAdmission : public ::testing::Test {
 protected:
  ExitAdmission()
      : signer(coordinator::SigningKey::from(coordinator::paseto::V4SecretKey::generate())),
        other(coordinator::SigningKey::from(coordinator::paseto::V4SecretKey::generate())) {
    ring.add(signer.secret.public_key());
  }

  std::string token(const PublicKey& sub, std::vector<std::string> exits,
                    std::vector<std::string> path, Duration ttl,
                    const coordinator::SigningKey* k = nullptr) {
    coordinator::SessionClaims c;
    c.sub = sub;
    c.cohort = "c1";
    c.iat = c.nbf = now - 1s;
    c.exp = now + ttl;
    c.exit_set = std::move(exits);
    c.path = std::move(path);
    return coordinator::mint_session_token(k ? *k : signer, c);
  }

  ClientCandidate peer(std::uint8_t n, std::string tok, const char* addr) {
    return {key(n), std::move(tok), {*Cidr::parse(addr)}};
  }

  coordinator::SigningKey signer, other;
  coordinator::KeyRing ring;
  WallTime now = WallTime(std::chrono::seconds(1'800'000'000));
  PublicKey self = key(9), elsewhere = key(8);
};

TEST_F(ExitAdmission, OnlyValidTokensNamingThisExitAdmit) {
  const std::vector<ClientCandidate> peers = {
      peer(1, token(key(1), {self.to_base64()}, {}, 60s), "10.9.0.1/32"),         // exit_set
      peer(2, token(key(2), {}, {elsewhere.to_base64(), self.to_base64()}, 60s),  // path end
           "10.9.0.2/32"),
      peer(3, token(key(3), {elsewhere.to_base64()}, {}, 60s), "10.9.0.3/32"),     // other exit
      peer(4, "", "10.9.0.4/32"),                                                  // no token
      peer(5, token(key(5), {self.to_base64()}, {}, -1s), "10.9.0.5/32"),          // expired
      peer(6, token(key(6), {self.to_base64()}, {}, 60s, &other), "10.9.0.6/32"),  // forged
      peer(7, token(key(1), {self.to_base64()}, {}, 60s), "10.9.0.7/32"),          // someone else's
      // Relayed through this node, ending elsewhere: a relay, not an exit.
      peer(10, token(key(10), {}, {self.to_base64(), elsewhere.to_base64()}, 60s), "10.9.0.10/32"),
  };
  auto a = admitted_clients(peers, ring, self, now);
  EXPECT_EQ(a.sources,
            (std::vector<Cidr>{*Cidr::parse("10.9.0.1/32"), *Cidr::parse("10.9.0.2/32")}));
  ASSERT_TRUE(a.next_change);
  EXPECT_EQ(*a.next_change, now + 60s);
}

TEST_F(ExitAdmission, AnExpiredTokenStopsAdmittingLater) {
  const std::vector<ClientCandidate> peers = {
      peer(1, token(key(1), {self.to_base64()}, {}, 30s), "10.9.0.1/32")};
  EXPECT_EQ(admitted_clients(peers, ring, self, now).sources.size(), 1u);
  EXPECT_TRUE(admitted_clients(peers, ring, self, now + 31s).sources.empty());
}

TEST_F(ExitAdmission, RelayIsNamedBeforeThePathEnd) {
  coordinator::SessionClaims c;
  c.path = {self.to_base64(), elsewhere.to_base64()};
  EXPECT_TRUE(names_relay(c, self));
  EXPECT_FALSE(names_exit(c, self));
  c.path = {elsewhere.to_base64(), self.to_base64()};
  EXPECT_FALSE(names_relay(c, self));
  EXPECT_TRUE(names_exit(c, self));
  c.path = {self.to_base64()};
  EXPECT_FALSE(names_relay(c, self));
}

}  // namespace
}  // namespace wl::agent::exit
