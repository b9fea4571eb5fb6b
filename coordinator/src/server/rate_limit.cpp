#include "rate_limit.hpp"

namespace wl::coordinator::server {

bool RateLimiter::allow(const std::string& key, TimePoint now) {
  if (rate_.per_second <= 0) return true;
  if (buckets_.size() > 100'000 || now - last_prune_ > std::chrono::seconds(60)) prune(now);
  return buckets_.try_emplace(key, rate_, now).first->second.take(rate_, now);
}

void RateLimiter::prune(TimePoint now) {
  last_prune_ = now;
  const double full_after = rate_.burst / rate_.per_second;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (std::chrono::duration<double>(now - it->second.last_refill()).count() > full_after)
      it = buckets_.erase(it);
    else
      ++it;
  }
}

}  // namespace wl::coordinator::server
