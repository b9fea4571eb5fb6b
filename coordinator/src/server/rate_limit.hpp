// RateLimiter: token buckets keyed by a string (client IP or peer key).
//
// Contract: single-threaded, pure (time is passed in). rate <= 0 disables the limiter.
// Memory is bounded: buckets idle long enough to be full again are pruned.
#pragma once

#include <string>
#include <unordered_map>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/token_bucket.hpp"

namespace wl::coordinator::server {

class RateLimiter {
 public:
  RateLimiter(double rate_per_s, double burst) : rate_{rate_per_s, burst < 1 ? 1 : burst} {}
  bool allow(const std::string& key, TimePoint now);
  std::size_t size() const { return buckets_.size(); }

 private:
  void prune(TimePoint now);
  TokenRate rate_;
  std::unordered_map<std::string, TokenBucket> buckets_;
  TimePoint last_prune_{};
};

}  // namespace wl::coordinator::server
