#include "wirelink/wg/noise/ratelimiter.hpp"

#include "wirelink/wg/noise/constants.hpp"

namespace wl::wg::noise {

namespace {
constexpr TokenRate kHandshakeRate{kRatelimitPerSecond, kRatelimitBurst};
}  // namespace

bool Ratelimiter::take(Buckets& m, std::uint64_t key, TimePoint now) {
  return m.try_emplace(key, kHandshakeRate, now).first->second.take(kHandshakeRate, now);
}

bool Ratelimiter::allow(const IpAddress& source, TimePoint now) {
  gc(now);
  std::uint64_t key = 0;
  const std::uint8_t* p = source.data();
  if (source.is_v4()) {
    for (int i = 0; i < 4; ++i) key = (key << 8) | p[i];
    return take(v4_, key, now);
  }
  for (int i = 0; i < 8; ++i) key = (key << 8) | p[i];
  return take(v6_, key, now);
}

void Ratelimiter::gc(TimePoint now) {
  if (now - last_gc_ < std::chrono::seconds(1)) return;
  last_gc_ = now;
  // A bucket idle for a second is full again: forgetting it changes nothing.
  auto idle = [&](const auto& kv) {
    return now - kv.second.last_refill() >= std::chrono::seconds(1);
  };
  std::erase_if(v4_, idle);
  std::erase_if(v6_, idle);
}

}  // namespace wl::wg::noise
