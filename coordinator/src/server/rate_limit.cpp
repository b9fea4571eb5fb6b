#include "rate_limit.hpp"

#include <algorithm>
#include <vector>

namespace wl::coordinator::server {

bool RateLimiter::allow(const std::string& key, TimePoint now) {
  if (rate_.per_second <= 0) return true;
  if (buckets_.size() >= max_keys_ || now - last_prune_ > std::chrono::seconds(60)) prune(now);
  if (buckets_.size() >= max_keys_ && !buckets_.count(key)) evict_oldest_half();
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

// Linear in the table size, and it frees half the table, so the cost per new key stays constant.
void RateLimiter::evict_oldest_half() {
  std::vector<TimePoint> times;
  times.reserve(buckets_.size());
  for (const auto& [k, b] : buckets_) times.push_back(b.last_refill());
  auto mid = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), mid, times.end());
  const TimePoint cut = *mid;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (it->second.last_refill() <= cut)
      it = buckets_.erase(it);
    else
      ++it;
  }
}

}  // namespace wl::coordinator::server
