// TokenBucket: the state of one token bucket, refilled from the time the caller passes in.
//
// Contract: pure and header-only: no clock, no locking, no keying. The rate is passed to each
// call instead of stored, so a table of many buckets (one per client IP or source /64) keeps
// only the tokens and the time of the last refill per entry. Thread-compatible.
#pragma once

#include <algorithm>
#include <chrono>

#include "wirelink/base/clock.hpp"

namespace wl {

struct TokenRate {
  double per_second;  // refill rate
  double burst;       // capacity; a fresh bucket starts full
};

class TokenBucket {
 public:
  TokenBucket(const TokenRate& rate, TimePoint now) : tokens_(rate.burst), last_(now) {}

  // Refills for the time since the last call (none if `now` went backwards), then takes one
  // token if a whole one is there.
  bool take(const TokenRate& rate, TimePoint now) {
    const double dt = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(rate.burst, tokens_ + std::max(0.0, dt) * rate.per_second);
    last_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  // When the bucket was last refilled: callers prune entries idle long enough to be full.
  TimePoint last_refill() const { return last_; }

 private:
  double tokens_;
  TimePoint last_;
};

}  // namespace wl
