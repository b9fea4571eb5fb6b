#include "metrics.hpp"

#include <sstream>

namespace wl::coordinator::server {

std::string Metrics::render(const Gauges& g) const {
  std::ostringstream o;
  o << "# HELP wl_coord_requests_total HTTP requests by endpoint and status.\n"
       "# TYPE wl_coord_requests_total counter\n";
  for (const auto& [k, v] : requests_)
    o << "wl_coord_requests_total{endpoint=\"" << k.first << "\",status=\"" << k.second << "\"} "
      << v << "\n";
  o << "# HELP wl_coord_errors_total Error replies by stable error code.\n"
       "# TYPE wl_coord_errors_total counter\n";
  for (const auto& [k, v] : errors_)
    o << "wl_coord_errors_total{code=\"" << k << "\"} " << v << "\n";
  o << "# HELP wl_coord_rate_limited_total Requests refused by a rate limit.\n"
       "# TYPE wl_coord_rate_limited_total counter\n";
  for (const auto& [k, v] : limited_)
    o << "wl_coord_rate_limited_total{scope=\"" << k << "\"} " << v << "\n";
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n"
      << name << " " << v << "\n";
  };
  auto gauge = [&](const char* name, const char* help, std::uint64_t v) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n"
      << name << " " << v << "\n";
  };
  counter("wl_coord_tokens_minted_total", "Session tokens minted.", tokens_);
  counter("wl_coord_invites_redeemed_total", "Invite redemptions (new peer, new use).", redeemed_);
  counter("wl_coord_cohorts_formed_total", "Cohorts that reached the floor and went live.",
          formed_);
  counter("wl_coord_cohorts_rotated_total", "Cohorts ended by rotation or by their exit leaving.",
          rotated_);
  counter("wl_coord_events_sent_total", "Events delivered to subscribers.", events_);
  gauge("wl_coord_peers", "Registered peers.", g.peers);
  gauge("wl_coord_peers_pending", "Peers waiting in a pending pool.", g.pending);
  gauge("wl_coord_cohorts_live", "Live cohorts.", g.cohorts_live);
  gauge("wl_coord_exits", "Registered peers offering exit capacity.", g.exits);
  gauge("wl_coord_event_subscribers", "Open event streams (WebSocket and SSE).", g.subscribers);
  gauge("wl_coord_signing_keys", "Keys in the coordinator key ring.", g.keys);
  gauge("wl_coord_ready", "1 when the coordinator serves registrations.", g.ready ? 1 : 0);
  return o.str();
}

}  // namespace wl::coordinator::server
