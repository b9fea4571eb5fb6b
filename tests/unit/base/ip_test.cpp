#include <gtest/gtest.h>

#include "wirelink/base/errors.hpp"
#include "wirelink/base/ip.hpp"

namespace wl {
namespace {

TEST(IpAddress, ParsesAndPrintsCanonically) {
  EXPECT_EQ(IpAddress::parse("10.0.0.1")->to_string(), "10.0.0.1");
  EXPECT_EQ(IpAddress::parse("FE80:0:0:0:AFEC:EE83:716B:51AC")->to_string(),
            "fe80::afec:ee83:716b:51ac");
  EXPECT_EQ(IpAddress::parse("2001:db8:0:0:1:0:0:1")->to_string(), "2001:db8::1:0:0:1");
  EXPECT_TRUE(IpAddress::parse("::ffff:1.2.3.4")->is_v4_mapped());
}

TEST(IpAddress, RejectsJunk) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", " 1.2.3.4", "1.2.3.4 ",
                          "01.2.3.4x", "fe80::1%eth0", "::g", "1::2::3", "hello"}) {
    auto r = IpAddress::parse(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, make_error_code(errc::invalid_address));
    }
  }
}

TEST(IpAddress, Classification) {
  EXPECT_TRUE(IpAddress::parse("10.1.2.3")->is_global_unicast());  // private counts
  EXPECT_TRUE(IpAddress::parse("fd00::1")->is_global_unicast());
  EXPECT_FALSE(IpAddress::parse("0.0.0.0")->is_global_unicast());
  EXPECT_FALSE(IpAddress::parse("::")->is_global_unicast());
  EXPECT_FALSE(IpAddress::parse("fe80::1")->is_global_unicast());
  EXPECT_FALSE(IpAddress::parse("169.254.1.1")->is_global_unicast());
  EXPECT_FALSE(IpAddress::parse("127.0.0.1")->is_global_unicast());
  EXPECT_FALSE(IpAddress::parse("224.0.0.1")->is_global_unicast());
  EXPECT_FALSE(IpAddress::parse("255.255.255.255")->is_global_unicast());
  EXPECT_TRUE(IpAddress::parse("fe80::1")->is_link_local());
}

TEST(Cidr, NormalisesHostBitsLikeTheKernel) {
  EXPECT_EQ(Cidr::parse("10.1.2.3/24")->to_string(), "10.1.2.0/24");
  EXPECT_EQ(Cidr::parse("fd00::1:2/64")->to_string(), "fd00::/64");
  EXPECT_EQ(Cidr::parse("10.1.2.3/21")->to_string(), "10.1.0.0/21");
  EXPECT_EQ(Cidr::parse("10.1.2.3")->to_string(), "10.1.2.3/32");
  EXPECT_EQ(Cidr::parse("fd00::1")->to_string(), "fd00::1/128");
  EXPECT_EQ(Cidr::parse("0.0.0.0/0")->to_string(), "0.0.0.0/0");
  EXPECT_FALSE(Cidr::parse_strict("10.1.2.3/24"));
  EXPECT_TRUE(Cidr::parse_strict("10.1.2.0/24"));
}

TEST(Cidr, RejectsJunk) {
  for (const char* bad :
       {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08",
        "10.0.0.0/8/8", "10.0.0.0/ 8", "/8", "x/8", "10.0.0.0/1a"}) {
    EXPECT_FALSE(Cidr::parse(bad)) << bad;
  }
}

TEST(Cidr, Contains) {
  auto c = *Cidr::parse("10.1.0.0/16");
  EXPECT_TRUE(c.contains(*IpAddress::parse("10.1.200.3")));
  EXPECT_FALSE(c.contains(*IpAddress::parse("10.2.0.1")));
  EXPECT_FALSE(c.contains(*IpAddress::parse("::a01:1")));
}

TEST(HostPort, Parses) {
  auto a = parse_host_port("example.com:51820");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "example.com");
  EXPECT_EQ(a->port, 51820);
  auto b = parse_host_port("[fd00::1]:1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "fd00::1");
  for (const char* bad : {"example.com", "example.com:0", "example.com:65536", "fd00::1:5",
                          "[fd00::1]5", "[1.2.3.4]:5", ":5", "a b:5", "host:5x", "host:+5"}) {
    EXPECT_FALSE(parse_host_port(bad)) << bad;
  }
}

TEST(Endpoint, SockaddrRoundTrip) {
  for (const char* text : {"192.0.2.1:51820", "[2001:db8::1]:443"}) {
    auto e = Endpoint::parse(text);
    ASSERT_TRUE(e) << text;
    sockaddr_storage ss{};
    socklen_t len = e->to_sockaddr(ss);
    auto back = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, *e);
    EXPECT_EQ(back->to_string(), text);
  }
  EXPECT_FALSE(Endpoint::parse("example.com:5"));
}

// Scoped link-local endpoints, as `wg set` and wireguard-go take them: the zone is an interface
// index or name, kept in sin6_scope_id and written back as the index.
TEST(Endpoint, ScopedLinkLocal) {
  auto idx = Endpoint::parse("[fe80::1%7]:51820");
  ASSERT_TRUE(idx);
  EXPECT_EQ(idx->scope(), 7U);
  EXPECT_EQ(idx->to_string(), "[fe80::1%7]:51820");
  EXPECT_EQ(*Endpoint::parse(idx->to_string()), *idx);
  sockaddr_storage ss{};
  socklen_t len = idx->to_sockaddr(ss);
  EXPECT_EQ(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_scope_id, 7U);
  EXPECT_EQ(*Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len), *idx);

  auto named = Endpoint::parse("[fe80::1%lo]:1");  // every netns has lo
  ASSERT_TRUE(named) << named.error().detail;
  EXPECT_NE(named->scope(), 0U);
  EXPECT_FALSE(Endpoint::parse("[fe80::1%no-such-if0]:1"));
  for (const char* bad : {"[fe80::1%]:1", "[fe80::1%a b]:1", "[fe80::1%0123456789abcdef]:1",
                          "1.2.3.4%1:5", "[1.2.3.4%1]:5"})
    EXPECT_FALSE(Endpoint::parse(bad)) << bad;

  auto hp = parse_host_port("[fe80::1%eth0]:51820");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "fe80::1%eth0");  // the zone is resolved where the endpoint is used
  EXPECT_FALSE(parse_host_port("host%eth0:5"));
}

}  // namespace
}  // namespace wl
