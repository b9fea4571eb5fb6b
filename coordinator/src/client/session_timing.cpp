#include "wirelink/coordinator/session_timing.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace wl::coordinator {

WallTime refresh_at(WallTime iat, WallTime exp, WallTime last_request, Duration heartbeat) {
  const auto lifetime = exp > iat ? exp - iat : Duration::zero();
  const WallTime by_lifetime = iat + lifetime * kRefreshNum / kRefreshDen;
  // A zero last_request means "never asked": the lifetime alone decides.
  if (last_request == WallTime{}) return by_lifetime;
  return std::max(by_lifetime, last_request + heartbeat);
}

std::chrono::milliseconds match_timeout(std::chrono::milliseconds request_timeout,
                                        std::chrono::milliseconds match_wait) {
  return std::max(match_wait, std::chrono::milliseconds::zero()) + request_timeout;
}

std::string waiting_text(int waiting, int floor, std::string_view exit) {
  if (exit.empty()) return fmt::format("waiting for a cohort ({} of {})", waiting, floor);
  return fmt::format("waiting for a cohort ({} of {} on exit {})", waiting, floor, exit);
}

}  // namespace wl::coordinator
