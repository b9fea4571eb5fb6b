// The agent's metrics in the Prometheus text exposition format (version 0.0.4), rendered from
// the same snapshot `wirelink show` prints plus the few counts only the I/O shell sees.
//
// Contract: pure. Names follow Prometheus conventions (counters end in _total, durations are
// seconds, sizes bytes) and are stable: the list is in README "Metrics". Cardinality is
// bounded: per-peer series exist for at most kMaxPeerSeries peers (the rest are counted in
// wirelink_peer_series_omitted), reject reasons come from the gossip engine's fixed set, and
// label values are escaped, so a peer's name cannot break the format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "wirelink/agent/status.hpp"

namespace wl::agent {

// What the shell counts (the core never sees these).
struct ShellCounters {
  std::uint64_t reloads = 0;                  // SIGHUP and control-socket reloads, taken or not
  std::uint64_t datagram_bytes_received = 0;  // payload bytes of fact datagrams read
  std::uint64_t metrics_scrapes = 0;          // this one included
};

inline constexpr std::size_t kMaxPeerSeries = 256;

std::string render_metrics(const AgentStatus& s, const ShellCounters& shell,
                           const std::string& version);

// "wirelink" label value rules: backslash, double quote and newline escaped.
std::string escape_label_value(const std::string& v);

}  // namespace wl::agent
