// The exit's data plane end to end on fakes: forwarding switched on and restored, the table's
// client set following tokens (admitted, expired, another exit's), and the table removed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fake_nft.hpp"
#include "wirelink/agent/exit/exit_plane.hpp"
#include "wirelink/test/keys.hpp"

namespace wl::agent::exit {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::FakeNft;
using test::has;

class ExitPlaneTest : public ::testing::Test {
 protected:
  ExitPlaneTest()
      : signer(coordinator::SigningKey::from(coordinator::paseto::V4SecretKey::generate())) {
    ring.add(signer.secret.public_key());
    root = fs::temp_directory_path() /
           ("wl-exitplane-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    for (const char* f : {"net/ipv4/conf/wg0/forwarding", "net/ipv6/conf/wg0/forwarding",
                          "net/ipv4/conf/eth0/forwarding", "net/ipv6/conf/eth0/forwarding",
                          "net/ipv6/conf/all/forwarding"}) {
      fs::create_directories((root / f).parent_path());
      std::ofstream(root / f) << "0\n";
    }
  }
  ~ExitPlaneTest() override { fs::remove_all(root); }

  std::string read(const char* rel) {
    std::string v;
    std::ifstream f(root / rel);
    std::getline(f, v);
    return v;
  }

  ClientCandidate client(std::uint8_t n, const PublicKey& exit, Duration ttl, const char* addr) {
    coordinator::SessionClaims c;
    c.sub = wl::test::key(n);
    c.cohort = "c1";
    c.iat = c.nbf = now - 1s;
    c.exp = now + ttl;
    c.exit_set = {exit.to_base64()};
    return {c.sub, coordinator::mint_session_token(signer, c), {*Cidr::parse(addr)}};
  }

  coordinator::SigningKey signer;
  coordinator::KeyRing ring;
  fs::path root;
  WallTime now = WallTime(std::chrono::seconds(1'800'000'000));
  PublicKey self = wl::test::key(9);
};

TEST_F(ExitPlaneTest, FollowsTokensAndUndoesEverythingAtStop) {
  FakeNft nft;
  {
    ExitPlane plane(std::make_unique<test::NftHandle>(nft), "wg0", ring, root.string());
    ASSERT_TRUE(plane.start({"eth0"}));
    EXPECT_EQ(read("net/ipv4/conf/wg0/forwarding"), "1");
    EXPECT_EQ(read("net/ipv4/conf/eth0/forwarding"), "1");
    EXPECT_EQ(read("net/ipv6/conf/all/forwarding"), "1");
    EXPECT_TRUE(
        has(nft.last(), "exit_forward iifname { \"eth0\" } oifname != \"wg0\" counter drop"));
    EXPECT_TRUE(
        has(nft.last(), "meta nfproto ipv6 iifname != \"wg0\" oifname != \"wg0\" counter drop"));

    const std::vector<ClientCandidate> peers = {
        client(1, self, 30s, "10.9.0.1/32"),
        client(2, wl::test::key(8), 30s, "10.9.0.2/32"),        // another exit's client
        {wl::test::key(3), "", {*Cidr::parse("10.9.0.3/32")}},  // no token
    };
    ASSERT_TRUE(plane.update(self, peers, now));
    EXPECT_EQ(nft.last(), "add element inet wirelink_wg0 exit_clients4 { 10.9.0.1/32 }\n");
    // The token expires: the client is forwarded no more.
    ASSERT_TRUE(plane.update(self, peers, now + 31s));
    EXPECT_EQ(nft.last(), "delete element inet wirelink_wg0 exit_clients4 { 10.9.0.1/32 }\n");
    EXPECT_TRUE(plane.admitted().empty());
  }
  EXPECT_EQ(nft.last(), "add table inet wirelink_wg0\ndelete table inet wirelink_wg0\n");
  EXPECT_EQ(read("net/ipv4/conf/wg0/forwarding"), "0");
  EXPECT_EQ(read("net/ipv4/conf/eth0/forwarding"), "0");
  EXPECT_EQ(read("net/ipv6/conf/all/forwarding"), "0");
}

TEST_F(ExitPlaneTest, AFailedTableRestoresForwarding) {
  FakeNft nft;
  nft.fail_next = true;
  ExitPlane plane(std::make_unique<test::NftHandle>(nft), "wg0", ring, root.string());
  EXPECT_FALSE(plane.start({"eth0"}));
  EXPECT_EQ(read("net/ipv4/conf/wg0/forwarding"), "0");
  EXPECT_EQ(read("net/ipv6/conf/all/forwarding"), "0");
  EXPECT_FALSE(plane.update(self, {}, now));
}

}  // namespace
}  // namespace wl::agent::exit
