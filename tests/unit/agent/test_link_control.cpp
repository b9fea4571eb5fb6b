// The rtnetlink LinkControl against the fake kernel: what the endpoint ranking gets to see.
#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>

#include <algorithm>

#include "wirelink/agent/netlink_backends.hpp"
#include "wirelink/netlink/rtnl_codec.hpp"
#include "wirelink/netlink_fake/fake_kernel.hpp"

using namespace wl;
using namespace wl::agent;
using netlink_fake::FakeKernel;

namespace {

IpAddress ip(const char* s) {
  return *IpAddress::parse(s);
}

netlink::rtnl::RouteInfo route(const char* dst, std::uint32_t oif, std::uint32_t table) {
  netlink::rtnl::RouteInfo r;
  r.dst = *Cidr::parse(dst);
  r.oif = oif;
  r.table = table;
  r.protocol = 2;  // kernel
  return r;
}

struct LinkControlTest : ::testing::Test {
  FakeKernel kernel;
  std::unique_ptr<LinkControl> links;
  std::uint32_t eth0 = 0, wg0 = 0;
  void SetUp() override {
    auto& e = kernel.add_link("eth0", "");
    e.flags = 1;  // up
    eth0 = e.index;
    auto& w = kernel.add_link("wg0", "wireguard");
    w.flags = 1;
    wg0 = w.index;
    links = make_rtnl_link_control(kernel.open(NETLINK_ROUTE), nullptr, -1);
  }
};

}  // namespace

// Tentative and deprecated (preferred lifetime 0) addresses may not be a source: they are neither
// advertised as our endpoints nor counted as a subnet we reach.
TEST_F(LinkControlTest, UnusableAddressesAreLeftOut) {
  kernel.addresses.push_back({eth0, ip("192.0.2.10"), 24, 0});
  kernel.addresses.push_back({eth0, ip("2001:db8:1::10"), 64, IFA_F_DEPRECATED});
  kernel.addresses.push_back({eth0, ip("2001:db8:2::10"), 64, IFA_F_TENTATIVE});
  kernel.addresses.push_back({eth0, ip("2001:db8:3::10"), 64, 0});
  const auto ifs = links->interfaces("wg0");
  const auto it =
      std::find_if(ifs.begin(), ifs.end(), [](const auto& i) { return i.name == "eth0"; });
  ASSERT_NE(it, ifs.end());
  EXPECT_EQ(it->addresses, (std::vector<IpAddress>{ip("192.0.2.10"), ip("2001:db8:3::10")}));
  EXPECT_EQ(it->subnets,
            (std::vector<Cidr>{*Cidr::parse("192.0.2.0/24"), *Cidr::parse("2001:db8:3::/64")}));
}

// The main table's routes, default included, without those through a WireGuard link or in
// another table.
TEST_F(LinkControlTest, MainTableRoutesOutsideTheTunnel) {
  kernel.routes = {route("0.0.0.0/0", eth0, netlink::rtnl::kMainTable),
                   route("10.20.0.0/16", eth0, netlink::rtnl::kMainTable),
                   route("10.99.0.0/24", wg0, netlink::rtnl::kMainTable), route("::/0", eth0, 200)};
  EXPECT_EQ(links->routes("wg0"),
            (std::vector<Cidr>{*Cidr::parse("0.0.0.0/0"), *Cidr::parse("10.20.0.0/16")}));
}
