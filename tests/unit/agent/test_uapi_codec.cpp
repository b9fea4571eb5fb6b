#include <gtest/gtest.h>

#include "wirelink/agent/uapi_codec.hpp"
#include "wirelink/base/encoding.hpp"
#include "wirelink/base/errors.hpp"

using namespace wl;
using namespace wl::agent;

namespace {
const char* kPriv = "e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a";
const char* kPub = "b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33";
const char* kPeer = "58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376";
}  // namespace

TEST(UapiCodec, ParsesAGetReply) {
  std::string reply =
      std::string("private_key=") + kPriv + "\nlisten_port=51820\nfwmark=7\npublic_key=" + kPub +
      "\npreshared_key=0000000000000000000000000000000000000000000000000000000000000000"
      "\nprotocol_version=1\nendpoint=[fd00::2]:51820\nlast_handshake_time_sec=1700000000"
      "\nlast_handshake_time_nsec=5\ntx_bytes=10\nrx_bytes=20\npersistent_keepalive_interval=25"
      "\nallowed_ip=10.0.0.2/32\nallowed_ip=fe80::1/128\npublic_key=" +
      kPeer +
      "\nendpoint=192.0.2.1:1\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\nerrno=0\n\n";
  ASSERT_TRUE(uapi::reply_complete(reply));
  auto st = uapi::parse_get_reply(reply);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(st->listen_port, 51820);
  EXPECT_EQ(st->fwmark, 7u);
  ASSERT_TRUE(st->private_key.has_value());
  ASSERT_TRUE(st->public_key.has_value());
  EXPECT_EQ(*st->public_key, public_key_of(*st->private_key));
  ASSERT_EQ(st->peers.size(), 2u);
  const auto& p = st->peers[0];
  EXPECT_EQ(hex_encode(p.public_key.bytes()), kPub);
  EXPECT_FALSE(p.preshared_key.has_value());  // zeros = none
  EXPECT_EQ(p.endpoint->to_string(), "[fd00::2]:51820");
  EXPECT_EQ(p.rx_bytes, 20u);
  EXPECT_EQ(p.tx_bytes, 10u);
  EXPECT_EQ(p.persistent_keepalive, 25);
  ASSERT_EQ(p.allowed_ips.size(), 2u);
  EXPECT_EQ(p.allowed_ips[1].to_string(), "fe80::1/128");
  EXPECT_EQ(
      std::chrono::duration_cast<std::chrono::seconds>(p.last_handshake.time_since_epoch()).count(),
      1700000000);
  EXPECT_EQ(st->peers[1].last_handshake.time_since_epoch().count(), 0);
}

TEST(UapiCodec, ErrnoAndMalformedReplies) {
  auto e = uapi::parse_get_reply("errno=-22\n\n");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code.value(), 22);
  for (const char* bad :
       {"listen_port=70000\nerrno=0\n\n", "bogus=1\nerrno=0\n\n", "noequals\nerrno=0\n\n",
        "public_key=zz\nerrno=0\n\n", "listen_port=1\n\n", "errno=0\n",
        "errno=0\nlisten_port=1\n\n",
        "public_key=b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33\nallowed_ip="
        "10.0.0.0/33\nerrno=0\n\n",
        "public_key=b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33\nendpoint=["
        "fd00::1:1\nerrno=0\n\n",
        "public_key=b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33\nlast_"
        "handshake_time_nsec=1000000000\nerrno=0\n\n"}) {
    auto r = uapi::parse_get_reply(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, make_error_code(errc::malformed)) << bad;
    }
  }
  EXPECT_TRUE(uapi::parse_set_reply("errno=0\n\n").ok());
  auto s = uapi::parse_set_reply("errno=-98\n\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code.value(), 98);
}

TEST(UapiCodec, EncodesASetInWgOrder) {
  wg::DeviceConfig cfg;
  cfg.listen_port = 51820;
  cfg.replace_peers = true;
  wg::PeerConfig p;
  p.public_key = PublicKey(*hex_decode_key(kPub));
  p.update_only = true;
  p.endpoint = *Endpoint::parse("[fd00::2]:51820");
  p.replace_allowed_ips = true;
  p.allowed_ips = {{*Cidr::parse("10.0.0.2/32"), false}, {*Cidr::parse("10.0.0.3/32"), true}};
  cfg.peers.push_back(std::move(p));
  wg::PeerConfig gone;
  gone.public_key = PublicKey(*hex_decode_key(kPeer));
  gone.remove = true;
  cfg.peers.push_back(std::move(gone));
  EXPECT_EQ(uapi::encode_set(cfg),
            std::string("set=1\nlisten_port=51820\nreplace_peers=true\npublic_key=") + kPub +
                "\nupdate_only=true\nendpoint=[fd00::2]:51820\nreplace_allowed_ips=true\n"
                "allowed_ip=10.0.0.2/32\nallowed_ip=-10.0.0.3/32\npublic_key=" +
                kPeer + "\nremove=true\n\n");
  EXPECT_EQ(uapi::encode_get(), "get=1\n\n");
}
