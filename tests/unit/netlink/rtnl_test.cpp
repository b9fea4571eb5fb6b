// RouteClient against the fake kernel.
#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "test_util.hpp"
#include "wirelink/netlink/errors.hpp"
#include "wirelink/netlink/rtnl_client.hpp"
#include "wirelink/netlink_fake/fake_kernel.hpp"

namespace nl = wl::netlink;
using wl::netlink_fake::FakeKernel;

TEST(Rtnl, CreateListAndConfigureLinks) {
  FakeKernel k;
  k.add_link("dummy0", "dummy");
  auto s = k.open(NETLINK_ROUTE);
  nl::RouteClient rc(*s);
  auto l = rc.create_wireguard("wg0", 1380);
  ASSERT_TRUE(l) << l.error().detail;
  EXPECT_EQ(l->kind, "wireguard");
  EXPECT_EQ(l->mtu, 1380U);
  EXPECT_FALSE(l->up());
  auto dup = rc.create_wireguard("wg0");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, std::errc::file_exists);
  auto wgs = rc.list_wireguard_links();
  ASSERT_TRUE(wgs);
  ASSERT_EQ(wgs->size(), 1U);
  EXPECT_EQ((*wgs)[0].name, "wg0");
  ASSERT_TRUE(rc.set_up(l->index, true));
  ASSERT_TRUE(rc.set_mtu(l->index, 1420));
  auto again = rc.get_link("wg0");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->up());
  EXPECT_EQ(again->mtu, 1420U);
  ASSERT_TRUE(rc.delete_link(l->index));
  auto gone = rc.get_link("wg0");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, std::errc::no_such_device);
}

TEST(Rtnl, UnknownDeviceTypeIsADistinctError) {
  wltest::FakeKernelClient<nl::RouteClient, NETLINK_ROUTE> f;
  f.kernel.wireguard_available = false;
  auto r = f.client.create_wireguard("wg0");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, nl::errc::wireguard_unavailable);
  EXPECT_NE(r.error().detail.find("Unknown device type"), std::string::npos);
}

TEST(Rtnl, AddressesWithAndWithoutNoPrefixRoute) {
  FakeKernel k;
  auto& wg = k.add_link("wg0", "wireguard");
  auto s = k.open(NETLINK_ROUTE);
  nl::RouteClient rc(*s);
  auto ll = wl::IpAddress::parse("fe80::1234").value();
  ASSERT_TRUE(rc.add_address(wg.index, ll, 64, nl::rtnl::kAddrNoPrefixRoute));
  ASSERT_TRUE(rc.add_address(wg.index, wl::IpAddress::parse("10.9.0.1").value(), 24));
  auto list = rc.list_addresses(wg.index);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2U);
  EXPECT_EQ((*list)[0].address, ll);
  EXPECT_EQ((*list)[0].prefix, 64);
  EXPECT_TRUE((*list)[0].flags & nl::rtnl::kAddrNoPrefixRoute);
  EXPECT_FALSE((*list)[1].flags & nl::rtnl::kAddrNoPrefixRoute);
  ASSERT_TRUE(rc.del_address(wg.index, ll, 64));
  auto after = rc.list_addresses(wg.index);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->size(), 1U);
}

TEST(Rtnl, RoutesCarryOurProtocolAndFlushTouchesOnlyOurs) {
  FakeKernel k;
  auto& wg = k.add_link("wg0", "wireguard");
  nl::rtnl::RouteInfo foreign;
  foreign.dst = wl::Cidr::parse("10.50.0.0/16").value();
  foreign.oif = wg.index;
  foreign.table = nl::rtnl::kMainTable;
  foreign.protocol = 4;  // static, someone else's
  k.routes.push_back(foreign);
  auto s = k.open(NETLINK_ROUTE);
  nl::RouteClient rc(*s);
  ASSERT_TRUE(rc.add_route(wg.index, wl::Cidr::parse("10.9.0.0/24").value()));
  ASSERT_TRUE(rc.add_route(wg.index, wl::Cidr::parse("fd00::/64").value(), 51820));
  auto dup = rc.add_route(wg.index, wl::Cidr::parse("10.9.0.0/24").value());
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, std::errc::file_exists);
  auto ours = rc.list_routes();
  ASSERT_TRUE(ours);
  ASSERT_EQ(ours->size(), 2U);
  EXPECT_EQ((*ours)[1].table, 51820U);
  auto n = rc.flush_routes(nl::rtnl::kRouteProtocol, wg.index);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2U);
  ASSERT_EQ(k.routes.size(), 1U);
  EXPECT_EQ(k.routes[0].protocol, 4);
}

TEST(Rtnl, LinkAndAddressEventsArrive) {
  FakeKernel k;
  auto s = k.open(NETLINK_ROUTE);
  auto ev = k.open(NETLINK_ROUTE, /*events=*/true);
  nl::RouteClient rc(*s);
  auto l = rc.create_wireguard("wg0");
  ASSERT_TRUE(l);
  ASSERT_TRUE(rc.add_address(l->index, wl::IpAddress::parse("10.1.1.1").value(), 32));
  ASSERT_TRUE(rc.set_up(l->index, true));
  ASSERT_TRUE(rc.delete_link(l->index));
  std::vector<nl::rtnl::Event> all;
  while (ev->pending()) {
    auto e = nl::read_route_events(*ev);
    ASSERT_TRUE(e);
    all.insert(all.end(), e->begin(), e->end());
  }
  ASSERT_GE(all.size(), 4U);
  EXPECT_EQ(all.front().kind, nl::rtnl::Event::Kind::link_new);
  EXPECT_EQ(all.back().kind, nl::rtnl::Event::Kind::link_del);
  EXPECT_EQ(all.back().link.name, "wg0");
  bool saw_up = false, saw_addr = false;
  for (const auto& e : all) {
    if (e.kind == nl::rtnl::Event::Kind::link_new && e.link.up()) saw_up = true;
    if (e.kind == nl::rtnl::Event::Kind::addr_new && e.addr.address.to_string() == "10.1.1.1")
      saw_addr = true;
  }
  EXPECT_TRUE(saw_up);
  EXPECT_TRUE(saw_addr);
  // Garbage on the event socket is an error, not a crash.
  ev->push_datagram({1, 2, 3});
  EXPECT_FALSE(nl::read_route_events(*ev));
}

// IFA_CACHEINFO's preferred lifetime: 0 marks a deprecated address the agent must not advertise.
TEST(Rtnl, AddressCacheInfoGivesThePreferredLifetime) {
  for (std::uint32_t lft : {0U, 3600U}) {
    nl::MessageBuilder b(256);
    b.begin(RTM_NEWADDR, 0);
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET6;
    ifa.ifa_prefixlen = 64;
    ifa.ifa_index = 3;
    b.put_raw(&ifa, sizeof ifa);
    const auto a = *wl::IpAddress::parse("2001:db8::5");
    b.put(IFA_ADDRESS, a.data(), a.size());
    ifa_cacheinfo ci{};
    ci.ifa_prefered = lft;
    ci.ifa_valid = 7200;
    b.put(IFA_CACHEINFO, &ci, sizeof ci);
    const auto bytes = b.take();
    nl::MessageReader r(bytes);
    nl::Message m;
    ASSERT_TRUE(r.next(m));
    auto parsed = nl::rtnl::parse_address(m);
    ASSERT_TRUE(parsed) << parsed.error().detail;
    EXPECT_EQ(parsed->preferred_lft, lft);
    EXPECT_EQ(parsed->address, a);
  }
  // Without IFA_CACHEINFO (a permanent address, or the fake kernel): forever.
  EXPECT_EQ(nl::rtnl::AddressInfo{}.preferred_lft, 0xffffffffU);
}
