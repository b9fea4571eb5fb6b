// Ratelimiter: per-source token bucket for handshake messages under load (20/s, burst 5;
// IPv6 sources are grouped by /64, as the kernel does).
//
// Contract: not thread-safe; `now` is injected; gc() drops idle entries so memory stays
// bounded by the sources seen in the last second.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/ip.hpp"
#include "wirelink/base/token_bucket.hpp"

namespace wl::wg::noise {

class Ratelimiter {
 public:
  bool allow(const IpAddress& source, TimePoint now);
  void gc(TimePoint now);
  std::size_t tracked() const { return v4_.size() + v6_.size(); }

 private:
  using Buckets = std::unordered_map<std::uint64_t, TokenBucket>;
  static bool take(Buckets& m, std::uint64_t key, TimePoint now);
  Buckets v4_;
  Buckets v6_;  // keyed by the /64
  TimePoint last_gc_{};
};

}  // namespace wl::wg::noise
