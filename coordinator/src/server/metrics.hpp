// Metrics: the coordinator's counters and gauges in Prometheus text exposition format 0.0.4.
//
// Contract: single-threaded (io thread). Gauges are sampled by the caller at render time.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace wl::coordinator::server {

struct Gauges {
  std::size_t peers = 0, pending = 0, cohorts_live = 0, exits = 0, subscribers = 0, keys = 0;
  bool ready = false;
};

class Metrics {
 public:
  void request(const std::string& endpoint, int status) { ++requests_[{endpoint, status}]; }
  void error(std::string_view code) { ++errors_[std::string(code)]; }
  void tokens_minted(std::uint64_t n) { tokens_ += n; }
  void invite_redeemed() { ++redeemed_; }
  void cohort_formed() { ++formed_; }
  void cohort_rotated() { ++rotated_; }
  void event_sent() { ++events_; }
  void rate_limited(const char* scope) { ++limited_[scope]; }
  std::string render(const Gauges& g) const;

 private:
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, std::uint64_t> errors_;
  std::map<std::string, std::uint64_t> limited_;
  std::uint64_t tokens_ = 0, redeemed_ = 0, formed_ = 0, rotated_ = 0, events_ = 0;
};

}  // namespace wl::coordinator::server
