// AllowedIps<V>: WireGuard's cryptokey routing table, a longest-prefix match over IPv4 and IPv6
// prefixes, used outbound (destination -> peer) and inbound (is this source allowed for the
// peer that sent it?).
//
// Design: one hash map per prefix length and family, plus the list of lengths in use, longest
// first. A lookup probes each length in use (in practice a handful), which is branch-light and
// easy to prove correct against a linear-scan model (tests/unit/wg/allowed_ips_test.cpp).
//
// Contract: not thread-safe (the owner locks). V is a small copyable handle (a pointer); V{}
// means "no entry". Inserting an existing prefix moves it to the new owner, as in the kernel.
// Lookups do not allocate.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "wirelink/base/ip.hpp"

namespace wl::wg {

namespace allowedips_detail {
struct V6Key {
  std::uint64_t hi = 0, lo = 0;
  bool operator==(const V6Key&) const = default;
};
struct V6Hash {
  std::size_t operator()(const V6Key& k) const noexcept {
    return static_cast<std::size_t>(k.hi * 0x9e3779b97f4a7c15ULL ^ (k.lo + (k.hi >> 17)));
  }
};
std::uint32_t load_v4(const std::uint8_t* p);
V6Key load_v6(const std::uint8_t* p);
std::uint32_t mask_v4(std::uint32_t a, int prefix);
V6Key mask_v6(V6Key a, int prefix);
IpAddress from_v4(std::uint32_t a);
IpAddress from_v6(V6Key a);
}  // namespace allowedips_detail

template <class V>
class AllowedIps {
 public:
  void insert(const Cidr& c, V owner) {
    using namespace allowedips_detail;
    const int p = c.prefix();
    if (c.address().is_v4()) {
      v4_[p][mask_v4(load_v4(c.address().data()), p)] = owner;
      add_len(v4_lens_, p);
    } else {
      v6_[p][mask_v6(load_v6(c.address().data()), p)] = owner;
      add_len(v6_lens_, p);
    }
  }

  // Removes the prefix only if `owner` holds it (removing another peer's prefix is a no-op).
  bool remove(const Cidr& c, V owner) {
    using namespace allowedips_detail;
    const int p = c.prefix();
    if (c.address().is_v4()) {
      auto& m = v4_[p];
      auto it = m.find(mask_v4(load_v4(c.address().data()), p));
      if (it == m.end() || it->second != owner) return false;
      m.erase(it);
      if (m.empty()) drop_len(v4_lens_, p);
    } else {
      auto& m = v6_[p];
      auto it = m.find(mask_v6(load_v6(c.address().data()), p));
      if (it == m.end() || it->second != owner) return false;
      m.erase(it);
      if (m.empty()) drop_len(v6_lens_, p);
    }
    return true;
  }

  void remove_all(V owner) {
    for (int p = 0; p <= 32; ++p) {
      std::erase_if(v4_[p], [&](const auto& kv) { return kv.second == owner; });
      if (v4_[p].empty()) drop_len(v4_lens_, p);
    }
    for (int p = 0; p <= 128; ++p) {
      std::erase_if(v6_[p], [&](const auto& kv) { return kv.second == owner; });
      if (v6_[p].empty()) drop_len(v6_lens_, p);
    }
  }

  void clear() {
    for (auto& m : v4_) m.clear();
    for (auto& m : v6_) m.clear();
    v4_lens_.clear();
    v6_lens_.clear();
  }

  V lookup_v4(const std::uint8_t* addr4) const {
    using namespace allowedips_detail;
    const std::uint32_t a = load_v4(addr4);
    for (int p : v4_lens_) {
      const auto& m = v4_[p];
      auto it = m.find(mask_v4(a, p));
      if (it != m.end()) return it->second;
    }
    return V{};
  }
  V lookup_v6(const std::uint8_t* addr16) const {
    using namespace allowedips_detail;
    const V6Key a = load_v6(addr16);
    for (int p : v6_lens_) {
      const auto& m = v6_[p];
      auto it = m.find(mask_v6(a, p));
      if (it != m.end()) return it->second;
    }
    return V{};
  }
  V lookup(const IpAddress& a) const {
    return a.is_v4() ? lookup_v4(a.data()) : lookup_v6(a.data());
  }

  // The prefixes owned by `owner`, v4 first, each family sorted by address then length.
  std::vector<Cidr> entries_for(V owner) const {
    using namespace allowedips_detail;
    std::vector<Cidr> out;
    for (int p = 0; p <= 32; ++p)
      for (const auto& [k, v] : v4_[p])
        if (v == owner) out.emplace_back(from_v4(k), p);
    for (int p = 0; p <= 128; ++p)
      for (const auto& [k, v] : v6_[p])
        if (v == owner) out.emplace_back(from_v6(k), p);
    std::sort(out.begin(), out.end());
    return out;
  }

  std::size_t size() const {
    std::size_t n = 0;
    for (const auto& m : v4_) n += m.size();
    for (const auto& m : v6_) n += m.size();
    return n;
  }

 private:
  static void add_len(std::vector<int>& lens, int p) {
    if (std::find(lens.begin(), lens.end(), p) != lens.end()) return;
    lens.push_back(p);
    std::sort(lens.begin(), lens.end(), std::greater<int>());
  }
  static void drop_len(std::vector<int>& lens, int p) { std::erase(lens, p); }

  std::array<std::unordered_map<std::uint32_t, V>, 33> v4_;
  std::array<std::unordered_map<allowedips_detail::V6Key, V, allowedips_detail::V6Hash>, 129> v6_;
  std::vector<int> v4_lens_;
  std::vector<int> v6_lens_;
};

}  // namespace wl::wg
