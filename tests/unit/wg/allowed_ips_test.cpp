// AllowedIps against a trivial model (a list of prefixes scanned for the longest match), with
// random prefixes biased to overlap, plus insert/replace/remove semantics.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "wirelink/wg/allowedips/allowed_ips.hpp"

using wl::Cidr;
using wl::IpAddress;

namespace {
struct Model {
  std::vector<std::pair<Cidr, int>> entries;
  void insert(const Cidr& c, int v) {
    for (auto& e : entries)
      if (e.first == c) {
        e.second = v;
        return;
      }
    entries.emplace_back(c, v);
  }
  void remove(const Cidr& c, int v) {
    std::erase_if(entries, [&](const auto& e) { return e.first == c && e.second == v; });
  }
  void remove_all(int v) {
    std::erase_if(entries, [&](const auto& e) { return e.second == v; });
  }
  int lookup(const IpAddress& a) const {
    int best = -1, val = 0;
    for (const auto& [c, v] : entries)
      if (c.address().family() == a.family() && c.contains(a) && c.prefix() > best) {
        best = c.prefix();
        val = v;
      }
    return val;
  }
};

IpAddress random_addr(std::mt19937& rng, bool v6) {
  // Few distinct leading bytes so prefixes overlap often.
  if (!v6) {
    return IpAddress::v4({static_cast<std::uint8_t>(10 + rng() % 2),
                          static_cast<std::uint8_t>(rng() % 3), static_cast<std::uint8_t>(rng()),
                          static_cast<std::uint8_t>(rng())});
  }
  std::array<std::uint8_t, 16> b{};
  b[0] = 0xfd;
  b[1] = static_cast<std::uint8_t>(rng() % 2);
  for (int i = 2; i < 16; ++i) b[i] = static_cast<std::uint8_t>(i < 8 ? rng() % 3 : rng());
  return IpAddress::v6(b);
}
}  // namespace

TEST(WgAllowedIps, MatchesLinearModel) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    wl::wg::AllowedIps<int> t;
    Model m;
    for (int op = 0; op < 400; ++op) {
      bool v6 = rng() % 2;
      Cidr c(random_addr(rng, v6), static_cast<int>(rng() % (v6 ? 129 : 33)));
      int v = 1 + static_cast<int>(rng() % 8);
      switch (rng() % 10) {
        case 0:
          t.remove(c, v);
          m.remove(c, v);
          break;
        case 1:
          if (rng() % 4 == 0) {
            t.remove_all(v);
            m.remove_all(v);
          }
          break;
        default:
          t.insert(c, v);
          m.insert(c, v);
      }
      for (int q = 0; q < 20; ++q) {
        IpAddress a = random_addr(rng, rng() % 2);
        ASSERT_EQ(t.lookup(a), m.lookup(a)) << a.to_string();
      }
    }
    ASSERT_EQ(t.size(), m.entries.size());
    for (int v = 1; v <= 8; ++v) {
      auto got = t.entries_for(v);
      std::vector<Cidr> want;
      for (const auto& [c, val] : m.entries)
        if (val == v) want.push_back(c);
      std::sort(want.begin(), want.end());
      ASSERT_EQ(got, want);
    }
  }
}

TEST(WgAllowedIps, ReplaceAndOwnership) {
  wl::wg::AllowedIps<int> t;
  auto c = *Cidr::parse("10.0.0.0/8");
  t.insert(c, 1);
  t.insert(*Cidr::parse("10.1.2.3/32"), 2);
  t.insert(*Cidr::parse("::/0"), 3);
  EXPECT_EQ(t.lookup(*IpAddress::parse("10.9.9.9")), 1);
  EXPECT_EQ(t.lookup(*IpAddress::parse("10.1.2.3")), 2);
  EXPECT_EQ(t.lookup(*IpAddress::parse("11.0.0.1")), 0);
  EXPECT_EQ(t.lookup(*IpAddress::parse("2001:db8::1")), 3);
  EXPECT_FALSE(t.remove(c, 2));  // not the owner
  EXPECT_EQ(t.lookup(*IpAddress::parse("10.9.9.9")), 1);
  t.insert(c, 2);  // moves to peer 2
  EXPECT_EQ(t.entries_for(1).size(), 0u);
  EXPECT_TRUE(t.remove(c, 2));
  EXPECT_EQ(t.lookup(*IpAddress::parse("10.9.9.9")), 0);
}
