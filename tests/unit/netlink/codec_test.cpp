#include <gtest/gtest.h>
#include <linux/netlink.h>

#include <cerrno>

#include "wirelink/netlink/codec.hpp"
#include "wirelink/netlink/errors.hpp"
#include "wirelink/netlink/requester.hpp"
#include "wirelink/netlink_fake/fake_kernel.hpp"

namespace nl = wl::netlink;

TEST(NetlinkCodec, AttributesRoundTrip) {
  nl::MessageBuilder b(256);
  b.begin(42, NLM_F_REQUEST);
  ASSERT_TRUE(b.put_u8(1, 7));
  ASSERT_TRUE(b.put_u16(2, 0xbeef));
  ASSERT_TRUE(b.put_u32(3, 0xdeadbeef));
  ASSERT_TRUE(b.put_u64(4, 0x0102030405060708ULL));
  ASSERT_TRUE(b.put_str(5, "wg0"));
  auto n = b.nest_start(6);
  ASSERT_TRUE(n);
  ASSERT_TRUE(b.put_u32(1, 99));
  b.nest_end(*n);
  nl::MessageReader mr(b.bytes());
  nl::Message m;
  ASSERT_TRUE(mr.next(m));
  EXPECT_EQ(m.type, 42);
  EXPECT_EQ(m.whole.size(), b.size());
  std::optional<nl::Attr> t[7];
  ASSERT_TRUE(nl::index_attrs(m.payload, t));
  EXPECT_EQ(*t[1]->u8(), 7);
  EXPECT_EQ(*t[2]->u16(), 0xbeef);
  EXPECT_EQ(*t[3]->u32(), 0xdeadbeefU);
  EXPECT_EQ(*t[4]->u64(), 0x0102030405060708ULL);
  EXPECT_EQ(t[5]->str(), "wg0");
  EXPECT_FALSE(t[2]->u32());  // exact length checks
  std::optional<nl::Attr> inner[2];
  ASSERT_TRUE(nl::index_attrs(t[6]->data, inner));
  EXPECT_EQ(*inner[1]->u32(), 99U);
  EXPECT_FALSE(mr.next(m));
  EXPECT_FALSE(mr.malformed());
}

TEST(NetlinkCodec, PutRefusesOverflowAndLeavesMessageIntact) {
  nl::MessageBuilder b(32);
  b.begin(1, 0);
  ASSERT_TRUE(b.put_u32(1, 1));  // 16 + 8 = 24
  const auto before = b.size();
  std::uint8_t big[16] = {};
  EXPECT_FALSE(b.put(2, big, sizeof big));
  EXPECT_EQ(b.size(), before);
  auto n = b.nest_start(3);
  ASSERT_TRUE(n);
  EXPECT_FALSE(b.put_u64(1, 5));
  b.nest_cancel(*n);
  EXPECT_EQ(b.size(), before);
  std::uint32_t len = 0;
  std::memcpy(&len, b.bytes().data(), 4);
  EXPECT_EQ(len, before);
}

TEST(NetlinkCodec, MalformedAttributesStopTheReader) {
  // Length shorter than the header.
  std::vector<std::uint8_t> a = {2, 0, 1, 0};
  nl::AttrReader r1(a);
  nl::Attr x;
  EXPECT_FALSE(r1.next(x));
  EXPECT_TRUE(r1.malformed());
  // Length past the end.
  std::vector<std::uint8_t> c = {8, 0, 1, 0, 1, 2};
  nl::AttrReader r2(c);
  EXPECT_FALSE(r2.next(x));
  EXPECT_TRUE(r2.malformed());
  // Trailing bytes shorter than a header.
  std::vector<std::uint8_t> d = {5, 0, 1, 0, 9, 0, 0, 0, 1, 2};
  nl::AttrReader r3(d);
  EXPECT_TRUE(r3.next(x));
  EXPECT_EQ(x.data.size(), 1U);
  EXPECT_FALSE(r3.next(x));
  EXPECT_TRUE(r3.malformed());
  std::optional<nl::Attr> t[4];
  EXPECT_FALSE(nl::index_attrs(c, t));
}

TEST(NetlinkCodec, MalformedMessagesStopTheReader) {
  std::vector<std::uint8_t> m(20, 0);
  std::uint32_t len = 400;
  std::memcpy(m.data(), &len, 4);
  nl::MessageReader r(m);
  nl::Message x;
  EXPECT_FALSE(r.next(x));
  EXPECT_TRUE(r.malformed());
  len = 3;
  std::memcpy(m.data(), &len, 4);
  nl::MessageReader r2(m);
  EXPECT_FALSE(r2.next(x));
  EXPECT_TRUE(r2.malformed());
}

namespace {
std::vector<std::uint8_t> error_reply(std::uint32_t seq, int err, const std::string& extack) {
  nl::MessageBuilder b(256);
  b.begin(NLMSG_ERROR,
          static_cast<std::uint16_t>(NLM_F_CAPPED | (extack.empty() ? 0 : NLM_F_ACK_TLVS)));
  std::int32_t e = -err;
  b.put_raw(&e, 4);
  std::uint8_t hdr[16] = {16};
  b.put_raw(hdr, 16);
  if (!extack.empty()) b.put_str(NLMSGERR_ATTR_MSG, extack);
  auto out = b.take();
  nl::set_seq(out, seq, 7);
  return out;
}
std::vector<std::uint8_t> simple(std::uint16_t type, std::uint16_t flags, std::uint32_t seq,
                                 std::int32_t body) {
  nl::MessageBuilder b(64);
  b.begin(type, flags);
  b.put_raw(&body, 4);
  auto out = b.take();
  nl::set_seq(out, seq, 7);
  return out;
}
std::vector<std::uint8_t> request(std::uint16_t flags) {
  nl::MessageBuilder b(64);
  b.begin(100, static_cast<std::uint16_t>(NLM_F_REQUEST | flags));
  return b.take();
}

// A Requester on a scripted fake-kernel socket: the replies are the datagrams a test pushes.
struct Scripted {
  wl::netlink_fake::FakeKernel kernel;
  std::unique_ptr<wl::netlink_fake::FakeSocket> t = kernel.open(NETLINK_GENERIC);
  nl::Requester req{*t};
  Scripted() { t->scripted = true; }
};
}  // namespace

TEST(NetlinkRequester, ExtackBecomesTheErrorDetail) {
  Scripted s;
  auto& t = *s.t;
  auto& req = s.req;
  t.push_datagram(error_reply(1, ENODEV, "Interface not found"));
  auto r = req.exchange(request(NLM_F_ACK), "wireguard SET wg9");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, std::errc::no_such_device);
  EXPECT_NE(r.error().detail.find("Interface not found"), std::string::npos);
  EXPECT_NE(r.error().detail.find("wireguard SET wg9"), std::string::npos);
}

TEST(NetlinkRequester, SkipsOtherSequenceNumbersAndEndsAtAck) {
  Scripted s;
  auto& t = *s.t;
  auto& req = s.req;
  // A stale error for seq 99, then the real ACK for seq 1 in the same datagram.
  auto d = error_reply(99, EPERM, "");
  auto ack = error_reply(1, 0, "");
  d.insert(d.end(), ack.begin(), ack.end());
  t.push_datagram(d);
  EXPECT_TRUE(req.exchange(request(NLM_F_ACK), "x"));
  std::uint32_t seq = 0;
  std::memcpy(&seq, t.sent[0].data() + 8, 4);
  EXPECT_EQ(seq, 1U);
}

TEST(NetlinkRequester, DumpInterruptedAndDoneErrors) {
  Scripted s;
  auto& t = *s.t;
  auto& req = s.req;
  int seen = 0;
  t.push_datagram(simple(100, NLM_F_MULTI | NLM_F_DUMP_INTR, 1, 0));
  t.push_datagram(simple(NLMSG_DONE, NLM_F_MULTI, 1, 0));
  auto r = req.exchange(request(NLM_F_DUMP), "dump", [&](const nl::Message&) -> wl::Result<void> {
    ++seen;
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, nl::errc::dump_interrupted);
  EXPECT_EQ(seen, 1);

  t.push_datagram(simple(NLMSG_DONE, NLM_F_MULTI, 2, -EBADR));
  auto r2 = req.exchange(request(NLM_F_DUMP), "dump");
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code.value(), EBADR);
}

TEST(NetlinkRequester, TruncatedReplyIsAnErrorNotACrash) {
  Scripted s;
  auto& t = *s.t;
  auto& req = s.req;
  auto m = simple(100, NLM_F_MULTI, 1, 0);
  m.resize(m.size() - 3);  // nlmsg_len now points past the datagram
  t.push_datagram(m);
  auto r = req.exchange(request(NLM_F_DUMP), "dump",
                        [](const nl::Message&) -> wl::Result<void> { return {}; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, nl::errc::malformed_reply);
  // Short error body.
  auto e = simple(NLMSG_ERROR, 0, 2, 0);
  e.resize(16);
  std::uint32_t len = 16;
  std::memcpy(e.data(), &len, 4);
  t.push_datagram(e);
  auto r2 = req.exchange(request(NLM_F_ACK), "ack");
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, nl::errc::malformed_reply);
}
