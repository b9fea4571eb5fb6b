// Why traffic to a peer takes the path it takes, in words for `wirelink show`.
#include <ctime>

#include "wirelink/agent/decisions.hpp"

namespace wl::agent::decide {

std::string clock_time(WallTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return std::string(buf) + " UTC";
}

Path explain_path(const PathInput& in) {
  if (in.healthy) return {"direct", ""};
  std::string why;
  if (in.candidates == 0)
    why = "no usable endpoint known";
  else if (in.all_tried && in.outage_since)
    why = "no candidate answered since " + clock_time(*in.outage_since);
  else
    why = "trying candidates";
  if (in.relay) return {"via " + *in.relay, why};
  if (in.router_pending) return {"none", "waiting for the router"};
  return {"none", why};
}

}  // namespace wl::agent::decide
