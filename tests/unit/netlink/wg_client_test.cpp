// WireGuardClient against the fake kernel.
#include <gtest/gtest.h>
#include <linux/netlink.h>

#include <algorithm>

#include "test_util.hpp"
#include "wirelink/netlink/errors.hpp"
#include "wirelink/netlink/wg_client.hpp"
#include "wirelink/netlink_fake/fake_kernel.hpp"

namespace nl = wl::netlink;
using wl::netlink_fake::FakeKernel;
using wltest::key_n;

namespace {
using Client = wltest::FakeKernelClient<nl::WireGuardClient, NETLINK_GENERIC>;
struct Fixture : Client {
  Fixture() { kernel.add_link("wg0", "wireguard"); }
};

wl::device_model::PeerConfig peer(std::uint32_t n, std::vector<wl::Cidr> ips) {
  wl::device_model::PeerConfig p;
  p.public_key = key_n(n);
  for (auto& c : ips) p.allowed_ips.push_back({c, false});
  return p;
}

// A SET for wg0 with these peers.
template <class... Peers>
wl::device_model::DeviceConfig wg0(Peers&&... peers) {
  wl::device_model::DeviceConfig cfg;
  cfg.ifname = "wg0";
  (cfg.peers.push_back(std::forward<Peers>(peers)), ...);
  return cfg;
}

// The allowed-IP removal tests: peer 1 has 10.0.0.1-3, then gains .5 and loses .2.
wl::device_model::DeviceConfig allowed_ip_removal_device() {
  return wg0(peer(1, {wltest::v4(1), wltest::v4(2), wltest::v4(3)}));
}
wl::device_model::DeviceConfig allowed_ip_removal_change() {
  auto p = peer(1, {wltest::v4(5)});
  p.allowed_ips.push_back({wltest::v4(2), true});
  return wg0(std::move(p));
}
// Runs the removal against a kernel with or without the allowed-IP flag: either way only .2
// goes.
void run_allowed_ip_removal(Fixture& f, bool kernel_has_flag) {
  f.kernel.supports_allowedip_flags = kernel_has_flag;
  ASSERT_TRUE(f.client.set_device(allowed_ip_removal_device()));
  ASSERT_TRUE(f.client.set_device(allowed_ip_removal_change()));
  auto st = f.client.get_device("wg0");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->peers[0].allowed_ips,
            (std::vector<wl::Cidr>{wltest::v4(1), wltest::v4(3), wltest::v4(5)}));
}
}  // namespace

TEST(WgClient, ResolvesFamilyOrReportsMissingModule) {
  Fixture f;
  auto fam = f.client.family();
  ASSERT_TRUE(fam);
  EXPECT_EQ(*fam, FakeKernel::kWireGuardFamily);
  Client no_module;
  no_module.kernel.wireguard_available = false;
  auto r = no_module.client.get_device("wg0");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, nl::errc::family_not_found);
}

TEST(WgClient, SetThenGetRoundTripsEveryAttribute) {
  Fixture f;
  wl::device_model::DeviceConfig cfg;
  cfg.ifname = "wg0";
  cfg.private_key = wl::generate_private_key();
  cfg.listen_port = 51820;
  cfg.fwmark = 0x51820;
  auto p1 = peer(1, {wltest::v4(1, 32), wltest::v6(1, 64)});
  p1.preshared_key = wl::generate_preshared_key();
  p1.endpoint = wl::Endpoint::parse("192.0.2.7:1000").value();
  p1.persistent_keepalive = 25;
  auto p2 = peer(2, {wltest::v4(2, 24)});
  p2.endpoint = wl::Endpoint::parse("[2001:db8::7]:2000").value();
  cfg.peers.push_back(p1.clone());
  cfg.peers.push_back(p2.clone());
  ASSERT_TRUE(f.client.set_device(cfg));
  auto st = f.client.get_device("wg0");
  ASSERT_TRUE(st) << st.error().detail;
  EXPECT_TRUE(st->private_key && st->private_key->equals(*cfg.private_key));
  EXPECT_EQ(*st->public_key, wl::public_key_of(*cfg.private_key));
  EXPECT_EQ(st->listen_port, 51820);
  EXPECT_EQ(st->fwmark, 0x51820U);
  ASSERT_EQ(st->peers.size(), 2U);
  EXPECT_TRUE(st->peers[0].preshared_key && st->peers[0].preshared_key->equals(*p1.preshared_key));
  EXPECT_EQ(st->peers[0].endpoint, p1.endpoint);
  EXPECT_EQ(st->peers[0].persistent_keepalive, 25);
  EXPECT_EQ(st->peers[0].allowed_ips,
            (std::vector<wl::Cidr>{wltest::v4(1, 32), wltest::v6(1, 64)}));
  EXPECT_FALSE(st->peers[1].preshared_key);
  EXPECT_EQ(st->peers[1].endpoint, p2.endpoint);
}

// The kernel carries a link-local endpoint's scope in WGPEER_A_ENDPOINT's sin6_scope_id.
TEST(WgClient, ScopedLinkLocalEndpointRoundTrips) {
  Fixture f;
  wl::device_model::DeviceConfig cfg;
  cfg.ifname = "wg0";
  auto p = peer(1, {wltest::v4(1, 32)});
  p.endpoint = wl::Endpoint::parse("[fe80::1%4]:51820").value();
  cfg.peers.push_back(p.clone());
  ASSERT_TRUE(f.client.set_device(cfg));
  auto st = f.client.get_device("wg0");
  ASSERT_TRUE(st) << st.error().detail;
  ASSERT_EQ(st->peers.size(), 1U);
  ASSERT_TRUE(st->peers[0].endpoint);
  EXPECT_EQ(st->peers[0].endpoint->scope(), 4U);
  EXPECT_EQ(st->peers[0].endpoint, p.endpoint);
}

TEST(WgClient, LargeConfigsSplitAndComeBackExact) {
  Fixture f;
  f.kernel.dump_message_size = 4096;
  wl::device_model::DeviceConfig cfg;
  cfg.ifname = "wg0";
  for (std::uint32_t i = 0; i < 300; ++i)
    cfg.peers.push_back(peer(i + 1, {wltest::v4(i * 2), wltest::v6(i * 2 + 1)}));
  auto big = peer(1000, {});
  for (std::uint32_t j = 0; j < 1000; ++j)
    big.allowed_ips.push_back({wltest::v4(1000000 + j), false});
  cfg.peers.push_back(std::move(big));
  nl::WireGuardClient::SetProgress pr;
  ASSERT_TRUE(f.client.set_device(cfg, &pr));
  EXPECT_GT(pr.messages_total, 5U);
  EXPECT_EQ(pr.messages_applied, pr.messages_total);
  for (auto s : f.kernel.set_message_sizes) EXPECT_LE(s, 4096U);
  auto st = f.client.get_device("wg0");
  ASSERT_TRUE(st);
  ASSERT_EQ(st->peers.size(), cfg.peers.size());
  for (std::size_t i = 0; i < cfg.peers.size(); ++i) {
    ASSERT_EQ(st->peers[i].public_key, cfg.peers[i].public_key);
    ASSERT_EQ(st->peers[i].allowed_ips.size(), cfg.peers[i].allowed_ips.size());
    for (std::size_t j = 0; j < cfg.peers[i].allowed_ips.size(); ++j)
      EXPECT_EQ(st->peers[i].allowed_ips[j], cfg.peers[i].allowed_ips[j].cidr);
  }
}

TEST(WgClient, DumpInterruptedIsRetriedABoundedNumberOfTimes) {
  Fixture f;
  wl::device_model::DeviceConfig cfg;
  cfg.ifname = "wg0";
  cfg.peers.push_back(peer(1, {wltest::v4(1)}));
  ASSERT_TRUE(f.client.set_device(cfg));
  f.kernel.dump_intr_remaining = 2;
  auto st = f.client.get_device("wg0");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->peers.size(), 1U);
  EXPECT_EQ(f.kernel.get_dumps_seen, 3);
  f.kernel.dump_intr_remaining = 100;
  auto bad = f.client.get_device("wg0");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, nl::errc::dump_interrupted);
  EXPECT_EQ(f.kernel.get_dumps_seen, 3 + nl::WireGuardClient::kDumpRetries);
}

TEST(WgClient, KernelErrorsAreMappedAndPartialApplyReported) {
  Fixture f;
  f.kernel.add_link("dummy0", "dummy");
  auto missing = f.client.get_device("wg9");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, std::errc::no_such_device);
  auto notwg = f.client.get_device("dummy0");
  ASSERT_FALSE(notwg);
  EXPECT_EQ(notwg.error().code, std::errc::operation_not_supported);

  wl::device_model::DeviceConfig cfg;
  cfg.ifname = "wg0";
  for (std::uint32_t i = 0; i < 500; ++i) cfg.peers.push_back(peer(i + 1, {wltest::v4(i)}));
  f.kernel.fail_set_message = 2;
  f.kernel.fail_set_errno = ENOMEM;
  nl::WireGuardClient::SetProgress pr;
  auto r = f.client.set_device(cfg, &pr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, std::errc::not_enough_memory);
  EXPECT_NE(r.error().detail.find("message 3 of"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("injected failure"), std::string::npos);
  EXPECT_EQ(pr.messages_applied, 2U);
  EXPECT_EQ(f.kernel.set_messages_seen, 3);  // the first error stops the request
  auto* dev = f.kernel.device("wg0");
  EXPECT_GT(dev->peers.size(), 0U);
  EXPECT_LT(dev->peers.size(), 500U);
}

TEST(WgClient, PeerOperations) {
  Fixture f;
  wl::device_model::DeviceConfig cfg;
  cfg.ifname = "wg0";
  cfg.peers.push_back(peer(1, {wltest::v4(1), wltest::v4(2)}));
  cfg.peers.push_back(peer(2, {wltest::v4(3)}));
  ASSERT_TRUE(f.client.set_device(cfg));
  // Remove peer 2, replace peer 1's IPs, update-only on a missing peer 3 (silently skipped),
  // move 10.0.0.3 to peer 1.
  wl::device_model::DeviceConfig ch;
  ch.ifname = "wg0";
  auto rm = peer(2, {});
  rm.remove = true;
  auto rep = peer(1, {wltest::v4(3), wltest::v4(4)});
  rep.replace_allowed_ips = true;
  auto upd = peer(3, {wltest::v4(9)});
  upd.update_only = true;
  ch.peers.push_back(std::move(rm));
  ch.peers.push_back(std::move(rep));
  ch.peers.push_back(std::move(upd));
  ASSERT_TRUE(f.client.set_device(ch));
  auto st = f.client.get_device("wg0");
  ASSERT_TRUE(st);
  ASSERT_EQ(st->peers.size(), 1U);
  EXPECT_EQ(st->peers[0].public_key, key_n(1));
  EXPECT_EQ(st->peers[0].allowed_ips, (std::vector<wl::Cidr>{wltest::v4(3), wltest::v4(4)}));
}

TEST(WgClient, AllowedIpRemovalUsesTheFlagWhenTheKernelHasIt) {
  Fixture f;
  ASSERT_NO_FATAL_FAILURE(run_allowed_ip_removal(f, /*kernel_has_flag=*/true));
  EXPECT_EQ(f.client.allowed_ip_removal(), nl::WireGuardClient::AllowedIpRemoval::supported);
  EXPECT_TRUE(f.kernel.set_requests.back().uses_allowedip_flags);
  EXPECT_FALSE(f.kernel.set_requests.back().config.peers[0].replace_allowed_ips);
}

TEST(WgClient, AllowedIpRemovalFallsBackToReplaceOnOldKernels) {
  Fixture f;
  ASSERT_NO_FATAL_FAILURE(run_allowed_ip_removal(f, /*kernel_has_flag=*/false));
  EXPECT_EQ(f.client.allowed_ip_removal(), nl::WireGuardClient::AllowedIpRemoval::unsupported);
  const auto& last = f.kernel.set_requests.back();
  EXPECT_FALSE(last.uses_allowedip_flags);
  EXPECT_TRUE(last.config.peers[0].replace_allowed_ips);
  // The probe result is remembered: no second probe.
  const auto seen = f.kernel.set_messages_seen;
  ASSERT_TRUE(f.client.set_device(allowed_ip_removal_change()));
  EXPECT_EQ(f.kernel.set_messages_seen, seen + 1);
}

TEST(WgClient, PrivateKeyChangeDropsAPeerWithThatPublicKey) {
  Fixture f;
  auto priv = wl::generate_private_key();
  wl::device_model::DeviceConfig cfg;
  cfg.ifname = "wg0";
  wl::device_model::PeerConfig p;
  p.public_key = wl::public_key_of(priv);
  cfg.peers.push_back(std::move(p));
  cfg.peers.push_back(peer(2, {}));
  ASSERT_TRUE(f.client.set_device(cfg));
  wl::device_model::DeviceConfig ch;
  ch.ifname = "wg0";
  ch.private_key = priv.clone();
  ASSERT_TRUE(f.client.set_device(ch));
  auto st = f.client.get_device("wg0");
  ASSERT_TRUE(st);
  ASSERT_EQ(st->peers.size(), 1U);
  EXPECT_EQ(st->peers[0].public_key, key_n(2));
}
