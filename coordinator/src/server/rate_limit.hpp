// RateLimiter: token buckets keyed by a string (client IP or peer key).
//
// Contract: single-threaded, pure (time is passed in). rate <= 0 disables the limiter.
// Memory is bounded: buckets idle long enough to be full again are pruned, and when the table
// still holds `max_keys` entries (a flood from many addresses) the least recently used half is
// dropped, so an attacker can reset buckets only by spending as many requests as the table holds.
#pragma once

#include <string>
#include <unordered_map>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/token_bucket.hpp"

namespace wl::coordinator::server {

class RateLimiter {
 public:
  RateLimiter(double rate_per_s, double burst, std::size_t max_keys = 100'000)
      : rate_{rate_per_s, burst < 1 ? 1 : burst}, max_keys_(max_keys < 2 ? 2 : max_keys) {}
  bool allow(const std::string& key, TimePoint now);
  std::size_t size() const { return buckets_.size(); }

 private:
  void prune(TimePoint now);
  void evict_oldest_half();
  TokenRate rate_;
  std::size_t max_keys_;
  std::unordered_map<std::string, TokenBucket> buckets_;
  TimePoint last_prune_{};
};

}  // namespace wl::coordinator::server
