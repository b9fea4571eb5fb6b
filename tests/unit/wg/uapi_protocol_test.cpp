// UAPI protocol: parsing, wireguard-go's errno values, partial application, get formatting.
#include <gtest/gtest.h>

#include <cerrno>

#include "wirelink/wg/device/uapi_protocol.hpp"

using namespace wl::wg::device;

namespace {
struct FakeBackend : UapiBackend {
  std::vector<wl::wg::DeviceConfig> applied;
  int fail_with = 0;
  wl::wg::DeviceState get_state() override {
    wl::wg::DeviceState s;
    s.listen_port = 51820;
    wl::wg::PeerState p;
    p.public_key = wl::PublicKey(std::array<std::uint8_t, 32>{1});
    p.endpoint = *wl::Endpoint::parse("[fd00::1]:5");
    p.allowed_ips.push_back(*wl::Cidr::parse("10.0.0.0/8"));
    p.rx_bytes = 7;
    s.peers.push_back(std::move(p));
    return s;
  }
  int apply(const wl::wg::DeviceConfig& c) override {
    wl::wg::DeviceConfig copy;
    copy.listen_port = c.listen_port;
    copy.replace_peers = c.replace_peers;
    for (const auto& p : c.peers) copy.peers.push_back(p.clone());
    applied.push_back(std::move(copy));
    return fail_with;
  }
};
const std::string kKey = std::string(62, '0') + "ab";
}  // namespace

TEST(WgUapi, ParseSetFull) {
  auto r = parse_set("private_key=" + kKey +
                     "\nlisten_port=51820\nfwmark=0\nreplace_peers=true\npublic_key=" + kKey +
                     "\npreshared_key=" + kKey +
                     "\nendpoint=[2001:db8::1]:51820\npersistent_keepalive_interval=25\n"
                     "replace_allowed_ips=true\nallowed_ip=10.1.2.3/24\nallowed_ip=-fd00::/"
                     "8\nprotocol_version=1\n");
  ASSERT_EQ(r.error, 0) << r.detail;
  EXPECT_EQ(*r.config.listen_port, 51820);
  EXPECT_TRUE(r.config.replace_peers);
  ASSERT_EQ(r.config.peers.size(), 1u);
  const auto& p = r.config.peers[0];
  EXPECT_EQ(p.endpoint->to_string(), "[2001:db8::1]:51820");
  EXPECT_EQ(*p.persistent_keepalive, 25);
  ASSERT_EQ(p.allowed_ips.size(), 2u);
  EXPECT_EQ(p.allowed_ips[0].cidr.to_string(), "10.1.2.0/24");
  EXPECT_TRUE(p.allowed_ips[1].remove);
}

TEST(WgUapi, ErrnoValuesLikeWireguardGo) {
  EXPECT_EQ(parse_set("no equals sign\n").error, EPROTO);
  EXPECT_EQ(parse_set("bogus=1\n").error, EINVAL);
  EXPECT_EQ(parse_set("listen_port=65536\n").error, EINVAL);
  EXPECT_EQ(parse_set("listen_port=+5\n").error, EINVAL);
  EXPECT_EQ(parse_set("private_key=" + kKey.substr(1) + "\n").error, EINVAL);
  EXPECT_EQ(parse_set("replace_peers=false\n").error, EINVAL);
  EXPECT_EQ(parse_set("public_key=" + kKey + "\nprotocol_version=2\n").error, EINVAL);
  EXPECT_EQ(parse_set("public_key=" + kKey + "\nallowed_ip=10.0.0.1\n").error, EINVAL);
  EXPECT_EQ(parse_set("public_key=" + kKey + "\nendpoint=host:1\n").error, EINVAL);
  EXPECT_EQ(parse_set("public_key=" + kKey + "\nlisten_port=1\n").error,
            EINVAL);  // device key in a peer
}

TEST(WgUapi, SessionRepliesAndPartialApply) {
  FakeBackend b;
  UapiSession s(b);
  std::string reply = s.feed("get=1\n");
  EXPECT_EQ(reply, "");  // incomplete
  reply = s.feed("\n");
  EXPECT_NE(reply.find("listen_port=51820\n"), std::string::npos);
  EXPECT_NE(reply.find("endpoint=[fd00::1]:5\n"), std::string::npos);
  EXPECT_NE(reply.find("allowed_ip=10.0.0.0/8\n"), std::string::npos);
  EXPECT_NE(reply.find("rx_bytes=7\n"), std::string::npos);
  EXPECT_TRUE(reply.ends_with("errno=0\n\n"));
  EXPECT_FALSE(s.closed());
  // Several operations on one connection, then an error closes it after applying the prefix.
  reply = s.feed("set=1\nlisten_port=1\n\nset=1\nlisten_port=2\nbogus=x\n\nget=1\n\n");
  EXPECT_EQ(reply, "errno=0\n\nerrno=-22\n\n");
  EXPECT_TRUE(s.closed());
  ASSERT_EQ(b.applied.size(), 2u);
  EXPECT_EQ(*b.applied[1].listen_port, 2);
}

TEST(WgUapi, BackendErrorAndUnknownOperation) {
  FakeBackend b;
  b.fail_with = EADDRINUSE;
  UapiSession s(b);
  EXPECT_EQ(s.feed("set=1\nlisten_port=9\n\n"), "errno=-98\n\n");
  UapiSession s2(b);
  EXPECT_EQ(s2.feed("hello=1\n\n"), "");
  EXPECT_TRUE(s2.closed());
  UapiSession s3(b);
  EXPECT_EQ(s3.feed("get=1\nx\n"), "errno=-22\n\n");
}
