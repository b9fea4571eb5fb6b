// The UAPI codec from both sides: the client's request encoding and reply parsing, the
// server's set parsing (with wireguard-go's errno values), session framing and partial
// application, and round trips from each side to the other.
#include <gtest/gtest.h>

#include <cerrno>
#include <functional>

#include "wirelink/base/encoding.hpp"
#include "wirelink/base/errors.hpp"
#include "wirelink/uapi/codec.hpp"
#include "wirelink/uapi/server_session.hpp"

using namespace wl;

namespace {
const char* kPriv = "e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a";
const char* kPub = "b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33";
const char* kPeer = "58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376";
const std::string kKey = std::string(62, '0') + "ab";

PrivateKey secret(const char* hex) {
  return PrivateKey::from(std::span<const std::uint8_t, 32>(*hex_decode_key(hex)));
}

// Records the listen port of each configuration the session applies (and hands each to
// `check`); gets show one fixed peer.
struct FakeBackend : uapi::Backend {
  std::vector<std::optional<std::uint16_t>> applied_ports;
  std::function<void(const device_model::DeviceConfig&)> check;
  int fail_with = 0;
  device_model::DeviceState get_state() override {
    device_model::DeviceState s;
    s.listen_port = 51820;
    device_model::PeerState p;
    p.public_key = PublicKey(std::array<std::uint8_t, 32>{1});
    p.endpoint = *Endpoint::parse("[fd00::1]:5");
    p.allowed_ips.push_back(*Cidr::parse("10.0.0.0/8"));
    p.rx_bytes = 7;
    s.peers.push_back(std::move(p));
    return s;
  }
  int apply(const device_model::DeviceConfig& c) override {
    applied_ports.push_back(c.listen_port);
    if (check) check(c);
    return fail_with;
  }
};

bool same_secret(const std::optional<SecretBytes<32>>& a, const std::optional<SecretBytes<32>>& b) {
  return a.has_value() == b.has_value() && (!a || a->equals(*b));
}

// What only a change request or only a state says.
void expect_same_extras(const device_model::DeviceConfig& a, const device_model::DeviceConfig& b) {
  EXPECT_EQ(a.replace_peers, b.replace_peers);
}
void expect_same_extras(const device_model::DeviceState& a, const device_model::DeviceState& b) {
  EXPECT_EQ(a.public_key, b.public_key);
}
void expect_same_extras(const device_model::PeerConfig& p, const device_model::PeerConfig& q) {
  EXPECT_EQ(p.remove, q.remove);
  EXPECT_EQ(p.update_only, q.update_only);
  EXPECT_EQ(p.replace_allowed_ips, q.replace_allowed_ips);
}
void expect_same_extras(const device_model::PeerState& p, const device_model::PeerState& q) {
  EXPECT_EQ(p.last_handshake, q.last_handshake);
  EXPECT_EQ(p.rx_bytes, q.rx_bytes);
  EXPECT_EQ(p.tx_bytes, q.tx_bytes);
  EXPECT_EQ(p.protocol_version, q.protocol_version);
}

// Field by field, for a DeviceConfig or a DeviceState (secrets compared by value).
template <class Device>
void expect_same_device(const Device& a, const Device& b) {
  EXPECT_TRUE(same_secret(a.private_key, b.private_key));
  EXPECT_EQ(a.listen_port, b.listen_port);
  EXPECT_EQ(a.fwmark, b.fwmark);
  expect_same_extras(a, b);
  ASSERT_EQ(a.peers.size(), b.peers.size());
  for (std::size_t i = 0; i < a.peers.size(); ++i) {
    SCOPED_TRACE("peer " + std::to_string(i));
    const auto& p = a.peers[i];
    const auto& q = b.peers[i];
    EXPECT_EQ(p.public_key, q.public_key);
    EXPECT_TRUE(same_secret(p.preshared_key, q.preshared_key));
    EXPECT_EQ(p.endpoint, q.endpoint);
    EXPECT_EQ(p.persistent_keepalive, q.persistent_keepalive);
    EXPECT_EQ(p.allowed_ips, q.allowed_ips);
    expect_same_extras(p, q);
  }
}
}  // namespace

// --- Client side ---

TEST(UapiClient, ParsesAGetReply) {
  std::string reply =
      std::string("private_key=") + kPriv + "\nlisten_port=51820\nfwmark=7\npublic_key=" + kPub +
      "\npreshared_key=0000000000000000000000000000000000000000000000000000000000000000"
      "\nprotocol_version=1\nendpoint=[fd00::2]:51820\nlast_handshake_time_sec=1700000000"
      "\nlast_handshake_time_nsec=5\ntx_bytes=10\nrx_bytes=20\npersistent_keepalive_interval=25"
      "\nallowed_ip=10.0.0.2/32\nallowed_ip=fe80::1/128\npublic_key=" +
      kPeer +
      "\nendpoint=192.0.2.1:1\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\nerrno=0\n\n";
  ASSERT_TRUE(uapi::reply_complete(reply));
  auto st = uapi::decode_get_reply(reply);
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

TEST(UapiClient, ErrnoAndMalformedReplies) {
  auto e = uapi::decode_get_reply("errno=-22\n\n");
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
    auto r = uapi::decode_get_reply(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, make_error_code(errc::malformed)) << bad;
    }
  }
  EXPECT_TRUE(uapi::decode_set_reply("errno=0\n\n").ok());
  auto s = uapi::decode_set_reply("errno=-98\n\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code.value(), 98);
}

TEST(UapiClient, HandshakeTimesPastTheClockSaturate) {
  auto reply_with = [](const std::string& sec) {
    return std::string("public_key=") + kPub + "\nlast_handshake_time_sec=" + sec +
           "\nlast_handshake_time_nsec=999999999\nerrno=0\n\n";
  };
  auto far = uapi::decode_get_reply(reply_with("1099511627776"));  // 2^40 s, the largest taken
  ASSERT_TRUE(far.ok()) << far.error().message();
  EXPECT_EQ(far->peers[0].last_handshake, std::chrono::system_clock::time_point::max());
  auto last = uapi::decode_get_reply(reply_with("9223372035"));  // the last whole second held
  ASSERT_TRUE(last.ok()) << last.error().message();
  EXPECT_EQ(last->peers[0].last_handshake.time_since_epoch(),
            std::chrono::seconds(9223372035) + std::chrono::nanoseconds(999999999));
  EXPECT_FALSE(uapi::decode_get_reply(reply_with("1099511627777")).ok());
}

TEST(UapiClient, EncodesASetInWgOrder) {
  device_model::DeviceConfig cfg;
  cfg.listen_port = 51820;
  cfg.replace_peers = true;
  device_model::PeerConfig p;
  p.public_key = PublicKey(*hex_decode_key(kPub));
  p.update_only = true;
  p.endpoint = *Endpoint::parse("[fd00::2]:51820");
  p.replace_allowed_ips = true;
  p.allowed_ips = {{*Cidr::parse("10.0.0.2/32"), false}, {*Cidr::parse("10.0.0.3/32"), true}};
  cfg.peers.push_back(std::move(p));
  device_model::PeerConfig gone;
  gone.public_key = PublicKey(*hex_decode_key(kPeer));
  gone.remove = true;
  cfg.peers.push_back(std::move(gone));
  EXPECT_EQ(uapi::encode_set_request(cfg),
            std::string("set=1\nlisten_port=51820\nreplace_peers=true\npublic_key=") + kPub +
                "\nupdate_only=true\nendpoint=[fd00::2]:51820\nreplace_allowed_ips=true\n"
                "allowed_ip=10.0.0.2/32\nallowed_ip=-10.0.0.3/32\npublic_key=" +
                kPeer + "\nremove=true\n\n");
  EXPECT_EQ(uapi::encode_get_request(), "get=1\n\n");
}

// --- Server side ---

TEST(UapiServer, ParseSetFull) {
  auto r = uapi::decode_set_request(
      "private_key=" + kKey + "\nlisten_port=51820\nfwmark=0\nreplace_peers=true\npublic_key=" +
      kKey + "\npreshared_key=" + kKey +
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

TEST(UapiServer, ErrnoValuesLikeWireguardGo) {
  auto error_of = [](const std::string& body) { return uapi::decode_set_request(body).error; };
  EXPECT_EQ(error_of("no equals sign\n"), EPROTO);
  EXPECT_EQ(error_of("bogus=1\n"), EINVAL);
  EXPECT_EQ(error_of("listen_port=65536\n"), EINVAL);
  EXPECT_EQ(error_of("listen_port=+5\n"), EINVAL);
  EXPECT_EQ(error_of("private_key=" + kKey.substr(1) + "\n"), EINVAL);
  EXPECT_EQ(error_of("replace_peers=false\n"), EINVAL);
  EXPECT_EQ(error_of("public_key=" + kKey + "\nprotocol_version=2\n"), EINVAL);
  EXPECT_EQ(error_of("public_key=" + kKey + "\nallowed_ip=10.0.0.1\n"), EINVAL);
  EXPECT_EQ(error_of("public_key=" + kKey + "\nendpoint=host:1\n"), EINVAL);
  EXPECT_EQ(error_of("public_key=" + kKey + "\nlisten_port=1\n"), EINVAL);  // device key in a peer
}

TEST(UapiServer, SessionRepliesAndPartialApply) {
  FakeBackend b;
  uapi::ServerSession s(b);
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
  ASSERT_EQ(b.applied_ports.size(), 2u);
  EXPECT_EQ(*b.applied_ports[1], 2);
}

TEST(UapiServer, BackendErrorAndUnknownOperation) {
  FakeBackend b;
  b.fail_with = EADDRINUSE;
  uapi::ServerSession s(b);
  EXPECT_EQ(s.feed("set=1\nlisten_port=9\n\n"), "errno=-98\n\n");
  uapi::ServerSession s2(b);
  EXPECT_EQ(s2.feed("hello=1\n\n"), "");
  EXPECT_TRUE(s2.closed());
  uapi::ServerSession s3(b);
  EXPECT_EQ(s3.feed("get=1\nx\n"), "errno=-22\n\n");
}

TEST(UapiServer, RequestsSplitAnywhereReadLikeWholeOnes) {
  // The framing resumes its search where it stopped: byte by byte gives the same replies.
  const std::string stream = "set=1\nlisten_port=3\n\nset=1\n\nget=1\n\nset=1\nlisten_port=4\n\n";
  FakeBackend whole_b;
  uapi::ServerSession whole(whole_b);
  const std::string want = whole.feed(stream);
  FakeBackend split_b;
  uapi::ServerSession split(split_b);
  std::string got;
  for (const char c : stream) got += split.feed(std::string_view(&c, 1));
  EXPECT_EQ(got, want);
  EXPECT_EQ(split_b.applied_ports, whole_b.applied_ports);
  ASSERT_EQ(split_b.applied_ports.size(), 3u);
  EXPECT_EQ(*split_b.applied_ports[2], 4);
  EXPECT_TRUE(split.idle());
}

TEST(UapiServer, StepAnswersOneRequestAtATime) {
  FakeBackend b;
  uapi::ServerSession s(b);
  s.receive("set=1\nlisten_port=1\n\nset=1\nlisten_port=2\n\nget");
  std::string reply;
  EXPECT_TRUE(s.step(reply));
  EXPECT_EQ(reply, "errno=0\n\n");
  EXPECT_EQ(b.applied_ports.size(), 1u);
  EXPECT_TRUE(s.step(reply));
  EXPECT_EQ(b.applied_ports.size(), 2u);
  EXPECT_FALSE(s.step(reply));  // "get" has not ended
  EXPECT_FALSE(s.idle());
}

TEST(UapiServer, RequestPastTheCapClosesTheSession) {
  FakeBackend b;
  const std::string filler(uapi::ServerSession::kMaxRequest, 'x');
  // An unended set is refused with EMSGSIZE; nothing of it is applied.
  uapi::ServerSession set(b);
  EXPECT_EQ(set.feed("set=1\n"), "");
  EXPECT_EQ(set.feed(filler), "errno=-" + std::to_string(EMSGSIZE) + "\n\n");
  EXPECT_TRUE(set.closed());
  EXPECT_TRUE(b.applied_ports.empty());
  // A first line that never ends is no known operation: closed without a reply.
  uapi::ServerSession line(b);
  EXPECT_EQ(line.feed(filler), "");
  EXPECT_FALSE(line.closed());  // exactly at the cap is still allowed
  EXPECT_EQ(line.feed("y"), "");
  EXPECT_TRUE(line.closed());
}

// --- From one side to the other ---

TEST(UapiRoundTrip, SetRequestFromClientToServer) {
  device_model::DeviceConfig cfg;
  cfg.private_key = secret(kPriv);
  cfg.listen_port = 51820;
  cfg.fwmark = 0;  // "off", still sent
  cfg.replace_peers = true;
  device_model::PeerConfig p;
  p.public_key = PublicKey(*hex_decode_key(kPub));
  p.update_only = true;
  p.replace_allowed_ips = true;
  p.preshared_key = secret(kPeer);
  p.endpoint = *Endpoint::parse("[fd00::2]:51820");
  p.persistent_keepalive = 25;
  p.allowed_ips = {{*Cidr::parse("10.0.0.2/32"), false},
                   {*Cidr::parse("fd00::/64"), false},
                   {*Cidr::parse("10.0.0.3/32"), true}};
  cfg.peers.push_back(std::move(p));
  device_model::PeerConfig v4;
  v4.public_key = PublicKey(std::array<std::uint8_t, 32>{9});
  v4.endpoint = *Endpoint::parse("192.0.2.1:1");
  v4.persistent_keepalive = 0;  // "off", still sent
  cfg.peers.push_back(std::move(v4));
  device_model::PeerConfig gone;
  gone.public_key = PublicKey(*hex_decode_key(kPeer));
  gone.remove = true;
  cfg.peers.push_back(std::move(gone));

  FakeBackend b;
  b.check = [&](const device_model::DeviceConfig& got) { expect_same_device(got, cfg); };
  uapi::ServerSession s(b);
  EXPECT_EQ(s.feed(uapi::encode_set_request(cfg)), "errno=0\n\n");
  // An empty change is a valid request too.
  const device_model::DeviceConfig empty;
  b.check = [&](const device_model::DeviceConfig& got) { expect_same_device(got, empty); };
  EXPECT_EQ(s.feed(uapi::encode_set_request(empty)), "errno=0\n\n");
  EXPECT_EQ(b.applied_ports.size(), 2u);
}

TEST(UapiRoundTrip, GetReplyFromServerToClient) {
  device_model::DeviceState st;
  st.private_key = secret(kPriv);
  st.public_key = public_key_of(*st.private_key);
  st.listen_port = 51820;
  st.fwmark = 7;
  device_model::PeerState p;
  p.public_key = PublicKey(*hex_decode_key(kPub));
  p.preshared_key = secret(kPeer);
  p.endpoint = *Endpoint::parse("[fd00::2]:51820");
  p.persistent_keepalive = 25;
  p.last_handshake = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(1700000000) + std::chrono::nanoseconds(5)));
  p.rx_bytes = 20;
  p.tx_bytes = std::uint64_t{1} << 40;
  p.allowed_ips = {*Cidr::parse("10.0.0.2/32"), *Cidr::parse("fd00::/64")};
  st.peers.push_back(std::move(p));
  device_model::PeerState quiet;  // never shook hands, no PSK, no endpoint
  quiet.public_key = PublicKey(*hex_decode_key(kPeer));
  st.peers.push_back(std::move(quiet));

  const std::string reply = uapi::encode_get_reply(st);
  ASSERT_TRUE(uapi::reply_complete(reply));
  auto back = uapi::decode_get_reply(reply);
  ASSERT_TRUE(back.ok()) << back.error().message();
  expect_same_device(*back, st);

  // An empty device reads back as one.
  auto empty = uapi::decode_get_reply(uapi::encode_get_reply(device_model::DeviceState{}));
  ASSERT_TRUE(empty.ok()) << empty.error().message();
  expect_same_device(*empty, device_model::DeviceState{});
}

TEST(UapiRoundTrip, StatusRepliesFromServerToClient) {
  EXPECT_EQ(uapi::encode_status_reply(0), "errno=0\n\n");
  EXPECT_TRUE(uapi::decode_set_reply(uapi::encode_status_reply(0)).ok());
  auto failed = uapi::decode_set_reply(uapi::encode_status_reply(EADDRINUSE));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code.value(), EADDRINUSE);
  auto get_failed = uapi::decode_get_reply(uapi::encode_status_reply(EINVAL));
  ASSERT_FALSE(get_failed.ok());
  EXPECT_EQ(get_failed.error().code.value(), EINVAL);
}
