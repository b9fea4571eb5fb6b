#include "rate_limit.hpp"

#include <algorithm>

namespace wl::coordinator::server {

bool RateLimiter::allow(const std::string& key, TimePoint now) {
  if (rate_ <= 0) return true;
  if (buckets_.size() > 100'000 || now - last_prune_ > std::chrono::seconds(60)) prune(now);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  auto& b = it->second;
  if (!fresh) {
    const double dt = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + std::max(0.0, dt) * rate_);
    b.last = now;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

void RateLimiter::prune(TimePoint now) {
  last_prune_ = now;
  const double full_after = burst_ / rate_;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (std::chrono::duration<double>(now - it->second.last).count() > full_after)
      it = buckets_.erase(it);
    else
      ++it;
  }
}

}  // namespace wl::coordinator::server
