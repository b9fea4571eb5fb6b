// SET splitting and GET reassembly, at the codec level.
#include <gtest/gtest.h>
#include <linux/netlink.h>

#include <map>

#include "test_util.hpp"
#include "wirelink/netlink/codec.hpp"
#include "wirelink/netlink/wg_codec.hpp"

namespace nl = wl::netlink;
namespace wgnl = wl::netlink::wgnl;
using wltest::key_n;

namespace {
constexpr std::uint16_t kFam = 0x1d;

std::vector<wgnl::DeviceRequest> decode_all(const std::vector<std::vector<std::uint8_t>>& msgs,
                                            std::size_t max) {
  std::vector<wgnl::DeviceRequest> out;
  for (const auto& raw : msgs) {
    EXPECT_LE(raw.size(), max);
    nl::MessageReader r(raw);
    nl::Message m;
    EXPECT_TRUE(r.next(m));
    EXPECT_EQ(m.type, kFam);
    EXPECT_EQ(m.flags, NLM_F_REQUEST | NLM_F_ACK);
    auto d = wgnl::parse_device_request(m.payload);
    EXPECT_TRUE(d) << d.error().detail;
    out.push_back(std::move(*d));
  }
  return out;
}

wl::device_model::PeerConfig peer(std::uint32_t n, std::size_t ips, bool v6 = false) {
  wl::device_model::PeerConfig p;
  p.public_key = key_n(n);
  for (std::size_t i = 0; i < ips; ++i)
    p.allowed_ips.push_back({v6 ? wltest::v6(n * 100000 + static_cast<std::uint32_t>(i))
                                : wltest::v4(n * 100000 + static_cast<std::uint32_t>(i)),
                             false});
  return p;
}

// Checks the splitting rules over decoded messages and returns the peers' allowed IPs in
// arrival order.
std::map<wl::PublicKey, std::vector<wl::Cidr>> check_rules(
    const std::vector<wgnl::DeviceRequest>& reqs) {
  std::map<wl::PublicKey, std::vector<wl::Cidr>> got;
  std::map<wl::PublicKey, int> fragments;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    const auto& c = reqs[i].config;
    EXPECT_EQ(c.ifname, "wg0");
    if (i > 0) {
      EXPECT_FALSE(c.private_key.has_value()) << "device attributes only in the first message";
      EXPECT_FALSE(c.listen_port || c.fwmark || c.replace_peers);
    }
    for (const auto& p : c.peers) {
      const bool first = fragments[p.public_key]++ == 0;
      if (!first) {
        EXPECT_FALSE(p.preshared_key || p.endpoint || p.persistent_keepalive ||
                     p.replace_allowed_ips)
            << "first-fragment attribute repeated in a continuation";
        EXPECT_FALSE(p.allowed_ips.empty()) << "a continuation must carry allowed IPs";
      }
      auto& v = got[p.public_key];
      for (const auto& a : p.allowed_ips) v.push_back(a.cidr);
    }
  }
  return got;
}
}  // namespace

TEST(WgSplit, OnePeerWithFiveThousandAllowedIps) {
  wl::device_model::DeviceConfig cfg;
  cfg.ifname = "wg0";
  cfg.listen_port = 51820;
  cfg.replace_peers = true;
  auto p = peer(1, 5000);
  p.replace_allowed_ips = true;
  p.endpoint = wl::Endpoint::parse("192.0.2.1:51820").value();
  cfg.peers.push_back(std::move(p));
  auto msgs = wgnl::build_set_device(kFam, cfg);
  ASSERT_TRUE(msgs);
  EXPECT_GE(msgs->size(), 5000U / 150U);
  auto reqs = decode_all(*msgs, 4096);
  EXPECT_TRUE(reqs[0].config.replace_peers);
  EXPECT_TRUE(reqs[0].config.peers[0].replace_allowed_ips);
  auto got = check_rules(reqs);
  ASSERT_EQ(got[key_n(1)].size(), 5000U);
  for (std::size_t i = 0; i < 5000; ++i)
    EXPECT_EQ(got[key_n(1)][i], cfg.peers[0].allowed_ips[i].cidr);
}

TEST(WgSplit, ManyPeersAndPeersStraddlingMessages) {
  for (auto [npeers, nips] : {std::pair<std::uint32_t, std::size_t>{2000, 2}, {40, 52}}) {
    wl::device_model::DeviceConfig cfg;
    cfg.ifname = "wg0";
    for (std::uint32_t i = 0; i < npeers; ++i) {
      auto p = peer(i + 1, nips, i % 2);
      p.persistent_keepalive = 25;
      cfg.peers.push_back(std::move(p));
    }
    auto msgs = wgnl::build_set_device(kFam, cfg);
    ASSERT_TRUE(msgs);
    auto got = check_rules(decode_all(*msgs, 4096));
    ASSERT_EQ(got.size(), npeers);
    for (const auto& p : cfg.peers) {
      ASSERT_EQ(got[p.public_key].size(), nips);
      for (std::size_t i = 0; i < nips; ++i) EXPECT_EQ(got[p.public_key][i], p.allowed_ips[i].cidr);
    }
  }
}

TEST(WgSplit, PeerHeaderThatDoesNotFitIsCarriedOverWhole) {
  wl::device_model::DeviceConfig cfg;
  cfg.ifname = "wg0";
  for (std::uint32_t i = 0; i < 6; ++i) {
    auto p = peer(i + 1, 5, true);  // 5 x 40 bytes of IPv6 allowed IPs
    std::array<std::uint8_t, 32> psk{};
    psk.fill(static_cast<std::uint8_t>(i + 1));
    p.preshared_key = wl::PresharedKey::from(std::span<const std::uint8_t, 32>(psk));
    p.endpoint = wl::Endpoint::parse("[2001:db8::1]:51820").value();
    p.persistent_keepalive = 25;
    cfg.peers.push_back(std::move(p));
  }
  const std::size_t max = 512;
  auto msgs = wgnl::build_set_device(kFam, cfg, max);
  ASSERT_TRUE(msgs);
  auto reqs = decode_all(*msgs, max);
  ASSERT_GT(reqs.size(), 2U);
  // Every peer's first appearance carries its PSK, endpoint and keepalive together.
  std::map<wl::PublicKey, bool> seen;
  for (const auto& r : reqs)
    for (const auto& p : r.config.peers)
      if (!seen[p.public_key]) {
        seen[p.public_key] = true;
        EXPECT_TRUE(p.preshared_key && p.endpoint && p.persistent_keepalive);
      }
  auto got = check_rules(reqs);
  for (const auto& p : cfg.peers) EXPECT_EQ(got[p.public_key].size(), 5U);
}

TEST(WgSplit, UpdateOnlyAndRemoveRepeatInContinuations) {
  wl::device_model::DeviceConfig cfg;
  cfg.ifname = "wg0";
  auto p = peer(3, 400);
  p.update_only = true;
  cfg.peers.push_back(std::move(p));
  auto msgs = wgnl::build_set_device(kFam, cfg);
  ASSERT_TRUE(msgs);
  auto reqs = decode_all(*msgs, 4096);
  ASSERT_GT(reqs.size(), 1U);
  for (const auto& r : reqs) EXPECT_TRUE(r.config.peers.at(0).update_only);
  // A removed peer carries no allowed IPs at all.
  cfg.peers[0].update_only = false;
  cfg.peers[0].remove = true;
  auto rm = wgnl::build_set_device(kFam, cfg);
  ASSERT_TRUE(rm);
  EXPECT_EQ(rm->size(), 1U);
}

TEST(WgSplit, RejectsBadInterfaceNames) {
  wl::device_model::DeviceConfig cfg;
  EXPECT_FALSE(wgnl::build_set_device(kFam, cfg));
  cfg.ifname = "a-very-long-interface-name";
  EXPECT_FALSE(wgnl::build_set_device(kFam, cfg));
}

TEST(WgDump, ReassemblesPeersSplitAcrossMessages) {
  wl::device_model::DeviceState s;
  s.ifname = "wg0";
  s.ifindex = 4;
  s.listen_port = 1234;
  s.fwmark = 7;
  for (std::uint32_t i = 0; i < 30; ++i) {
    wl::device_model::PeerState p;
    p.public_key = key_n(i + 1);
    p.rx_bytes = i;
    p.tx_bytes = 2 * i;
    p.persistent_keepalive = static_cast<std::uint16_t>(i);
    p.endpoint = wl::Endpoint::parse(i % 2 ? "[fd00::5]:9" : "10.0.0.5:9").value();
    for (std::uint32_t j = 0; j < (i == 3 ? 300U : 3U); ++j)
      p.allowed_ips.push_back(wltest::v4(i * 1000 + j));
    s.peers.push_back(std::move(p));
  }
  auto msgs = wgnl::build_get_replies(kFam, s, 1024, 1, 1);
  ASSERT_GT(msgs.size(), 10U);
  wgnl::DeviceAssembler a;
  for (const auto& raw : msgs) {
    nl::MessageReader r(raw);
    nl::Message m;
    ASSERT_TRUE(r.next(m));
    ASSERT_TRUE(a.add(m.payload));
  }
  auto got = a.take();
  EXPECT_EQ(got.ifname, "wg0");
  EXPECT_EQ(got.ifindex, 4U);
  EXPECT_EQ(got.listen_port, 1234);
  EXPECT_EQ(got.fwmark, 7U);
  ASSERT_EQ(got.peers.size(), 30U);
  for (std::size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(got.peers[i].public_key, s.peers[i].public_key);
    EXPECT_EQ(got.peers[i].allowed_ips, s.peers[i].allowed_ips);
    EXPECT_EQ(got.peers[i].endpoint, s.peers[i].endpoint);
    EXPECT_EQ(got.peers[i].rx_bytes, s.peers[i].rx_bytes);
    EXPECT_EQ(got.peers[i].persistent_keepalive, s.peers[i].persistent_keepalive);
  }
}

TEST(WgDump, MalformedRepliesAreRejected) {
  wl::device_model::DeviceState s;
  s.ifname = "wg0";
  wl::device_model::PeerState p;
  p.public_key = key_n(1);
  p.allowed_ips.push_back(wltest::v4(1));
  s.peers.push_back(std::move(p));
  auto msgs = wgnl::build_get_replies(kFam, s, 4096, 1, 1);
  ASSERT_EQ(msgs.size(), 1U);
  const auto& good = msgs[0];
  // Every truncation of the payload must be rejected or parse to something, never crash; a cut
  // inside the peers nest is an error.
  std::size_t errors = 0;
  for (std::size_t cut = nl::kHeaderLen; cut < good.size(); ++cut) {
    std::span<const std::uint8_t> payload(good.data() + nl::kHeaderLen, cut - nl::kHeaderLen);
    wgnl::DeviceAssembler a;
    if (!a.add(payload)) ++errors;
  }
  EXPECT_GT(errors, 0U);
  // An allowed IP whose address length disagrees with its family.
  std::vector<std::uint8_t> bad(good);
  for (std::size_t i = nl::kHeaderLen; i + 8 <= bad.size(); ++i) {
    // family attribute: len 6, type 1, value AF_INET(2)
    if (bad[i] == 6 && bad[i + 1] == 0 && bad[i + 2] == 1 && bad[i + 3] == 0 && bad[i + 4] == 2) {
      bad[i + 4] = 10;  // claim AF_INET6 with a 4-byte address
      break;
    }
  }
  wgnl::DeviceAssembler a;
  auto r = a.add(std::span<const std::uint8_t>(bad).subspan(nl::kHeaderLen));
  EXPECT_FALSE(r);
}
