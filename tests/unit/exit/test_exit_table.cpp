// The agent's nft table through the fake: what each role's rules say and how changes are
// batched (one transaction per change, only the difference).
#include <gtest/gtest.h>

#include "fake_nft.hpp"
#include "wirelink/agent/exit/exit_table.hpp"

namespace wl::agent::exit {
namespace {

using test::FakeNft;
using test::has;

Cidr cidr(const char* s) {
  return *Cidr::parse(s);
}

TableSpec exit_spec() {
  TableSpec s;
  s.iface = "wg0";
  s.exit = true;
  s.forward_on = {"eth0"};
  return s;
}

TEST(ExitTable, StartReplacesAStaleTableAndStopRemovesIt) {
  FakeNft nft;
  {
    ExitTable t(nft, exit_spec());
    ASSERT_TRUE(t.start());
    ASSERT_EQ(nft.scripts.size(), 1u);
    const auto& s = nft.last();
    // add+delete first, so a table left by a crashed run goes in the same transaction.
    EXPECT_EQ(s.rfind("add table inet wirelink_wg0\ndelete table inet wirelink_wg0\n"
                      "add table inet wirelink_wg0\n",
                      0),
              0u);
  }
  // The destructor removed the table.
  ASSERT_EQ(nft.scripts.size(), 2u);
  EXPECT_EQ(nft.last(), "add table inet wirelink_wg0\ndelete table inet wirelink_wg0\n");
}

TEST(ExitTable, ExitForwardsAndMasqueradesOnlyAdmittedSources) {
  FakeNft nft;
  ExitTable t(nft, exit_spec());
  ASSERT_TRUE(t.start());
  const auto& s = nft.last();
  EXPECT_TRUE(has(s,
                  "exit_forward iifname \"wg0\" oifname != \"wg0\" ip saddr @exit_clients4 "
                  "counter accept"));
  EXPECT_TRUE(has(s, "ip6 saddr @exit_clients6 counter accept"));
  EXPECT_TRUE(has(s, "exit_forward iifname \"wg0\" oifname != \"wg0\" counter drop"));
  EXPECT_TRUE(has(s, "oifname \"wg0\" iifname != \"wg0\" ct state established,related"));
  EXPECT_TRUE(has(s, "exit_forward iifname { \"eth0\" } oifname != \"wg0\" counter drop"));
  EXPECT_TRUE(has(s, "ip saddr @exit_clients4 counter masquerade"));
  EXPECT_TRUE(has(s, "ip6 saddr @exit_clients6 counter masquerade"));
  // The accepts come before the catch-all drop.
  EXPECT_LT(s.find("@exit_clients4 counter accept"), s.find("oifname != \"wg0\" counter drop"));
  EXPECT_FALSE(has(s, "kill_switch"));
  EXPECT_FALSE(has(s, "relay_"));
}

TEST(ExitTable, ClientsChangeByDifferenceInOneTransaction) {
  FakeNft nft;
  ExitTable t(nft, exit_spec());
  ASSERT_TRUE(t.start());
  ASSERT_TRUE(t.set_clients({cidr("10.9.0.2/32"), cidr("fd00::2/128"), cidr("10.9.0.2/32")}));
  EXPECT_EQ(nft.last(),
            "add element inet wirelink_wg0 exit_clients4 { 10.9.0.2/32 }\n"
            "add element inet wirelink_wg0 exit_clients6 { fd00::2/128 }\n");
  const auto before = nft.scripts.size();
  ASSERT_TRUE(t.set_clients({cidr("fd00::2/128"), cidr("10.9.0.2/32")}));
  EXPECT_EQ(nft.scripts.size(), before);  // nothing changed, nothing applied
  // A rotation: one client leaves, another arrives, in one script.
  ASSERT_TRUE(t.set_clients({cidr("10.9.0.3/32")}));
  EXPECT_EQ(nft.last(),
            "delete element inet wirelink_wg0 exit_clients4 { 10.9.0.2/32 }\n"
            "delete element inet wirelink_wg0 exit_clients6 { fd00::2/128 }\n"
            "add element inet wirelink_wg0 exit_clients4 { 10.9.0.3/32 }\n");
  EXPECT_EQ(t.clients(), std::vector<Cidr>{cidr("10.9.0.3/32")});
}

TEST(ExitTable, AFailedApplyKeepsTheOldStateAndTheNextCallRetries) {
  FakeNft nft;
  ExitTable t(nft, exit_spec());
  ASSERT_TRUE(t.start());
  nft.fail_next = true;
  EXPECT_FALSE(t.set_clients({cidr("10.9.0.2/32")}));
  EXPECT_TRUE(t.clients().empty());
  ASSERT_TRUE(t.set_clients({cidr("10.9.0.2/32")}));
  EXPECT_TRUE(has(nft.last(), "add element inet wirelink_wg0 exit_clients4 { 10.9.0.2/32 }"));
}

TEST(ExitTable, NothingBeforeStartAndBadNamesRefused) {
  FakeNft nft;
  ExitTable t(nft, exit_spec());
  EXPECT_FALSE(t.set_clients({cidr("10.9.0.2/32")}));
  TableSpec bad = exit_spec();
  bad.iface = "wg0\"; flush ruleset";
  ExitTable b(nft, bad);
  EXPECT_FALSE(b.start());
  EXPECT_TRUE(nft.scripts.empty());
}

TEST(ExitTable, KillSwitchDropsAllButTunnelLoopbackMarkAndLan) {
  FakeNft nft;
  TableSpec s;
  s.iface = "wg0";
  s.client = true;
  s.fwmark = 0xca6c;
  ExitTable t(nft, s);
  ASSERT_TRUE(t.start());
  EXPECT_TRUE(has(nft.last(), "kill_switch { type filter hook output priority filter;"));
  ASSERT_TRUE(t.set_kill_switch(true, {cidr("192.168.1.0/24")}));
  const auto& k = nft.last();
  EXPECT_EQ(k.rfind("flush chain inet wirelink_wg0 kill_switch\n", 0), 0u);
  EXPECT_TRUE(has(k, "kill_switch oifname \"lo\" accept"));
  EXPECT_TRUE(has(k, "kill_switch oifname \"wg0\" accept"));
  EXPECT_TRUE(has(k, "kill_switch meta mark 0xca6c accept"));
  EXPECT_TRUE(has(k, "kill_switch ip daddr 192.168.1.0/24 accept"));
  EXPECT_LT(k.find("accept"), k.find("counter drop"));
  EXPECT_TRUE(t.kill_switch_engaged());
  ASSERT_TRUE(t.set_kill_switch(false, {}));
  EXPECT_EQ(nft.last(), "flush chain inet wirelink_wg0 kill_switch\n");
}

TEST(ExitTable, RelayLeasesMapPortsToTheExit) {
  FakeNft nft;
  TableSpec s;
  s.iface = "wg0";
  s.relay = true;
  ExitTable t(nft, s);
  ASSERT_TRUE(t.start());
  EXPECT_TRUE(has(nft.last(), "dnat ip to udp dport map @relay_leases4"));
  EXPECT_TRUE(has(nft.last(),
                  "meta l4proto udp ct status dnat ct original proto-dst @relay_ports counter "
                  "masquerade"));
  const Endpoint exit1 = *Endpoint::parse("198.51.100.7:51820");
  ASSERT_TRUE(t.set_leases({{40001, exit1}}));
  EXPECT_EQ(nft.last(),
            "add element inet wirelink_wg0 relay_leases4 { 40001 : 198.51.100.7 . 51820 }\n"
            "add element inet wirelink_wg0 relay_ports { 40001 }\n");
  ASSERT_TRUE(t.set_leases({}));
  EXPECT_EQ(nft.last(),
            "delete element inet wirelink_wg0 relay_ports { 40001 }\n"
            "delete element inet wirelink_wg0 relay_leases4 { 40001 }\n");
}

}  // namespace
}  // namespace wl::agent::exit
