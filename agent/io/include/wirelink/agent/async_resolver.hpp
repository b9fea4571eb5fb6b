// AsyncResolver: DNS names in configured Endpoints resolved off the event loop.
//
// Contract: resolve() never blocks. A literal address is answered at once. A name is answered
// from a cache; a name not looked up yet (or whose answer is older than the refresh interval)
// is queued for a worker thread, and until its first answer arrives resolve() returns nothing
// (the agent's next cycle, 5 s later, sees the answer). A failed lookup keeps the previous
// answer (DNS being down does not make a peer's endpoint vanish) and is retried after
// `retry_after`. A name that has no answer is logged once (info, with the resolver's reason) by
// the resolve() that first sees the failure, and again only after it resolved in between. The
// worker is started on the first name, runs one lookup at a time and is detached at destruction (a
// lookup in flight may outlive the resolver by the system resolver's own timeout; it only touches
// shared state). Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/ip.hpp"

namespace wl::agent {

// What one blocking lookup gives: the endpoints, or why there are none.
struct LookupAnswer {
  LookupAnswer(std::vector<Endpoint> e = {}, std::string why = {})  // NOLINT: implicit on purpose
      : endpoints(std::move(e)), error(std::move(why)) {}
  std::vector<Endpoint> endpoints;
  std::string error;  // the resolver's reason when `endpoints` is empty ("" = none given)
};

class AsyncResolver {
 public:
  // The blocking lookup the worker runs: getaddrinfo in production, a fake in tests.
  using Lookup = std::function<LookupAnswer(const HostPort&)>;
  struct Options {
    Duration refresh_after = std::chrono::minutes(5);
    Duration retry_after = std::chrono::seconds(30);
  };

  AsyncResolver(Lookup lookup, const Clock& clock, Options opt);
  AsyncResolver(Lookup lookup, const Clock& clock) : AsyncResolver(std::move(lookup), clock, {}) {}
  ~AsyncResolver();
  AsyncResolver(const AsyncResolver&) = delete;
  AsyncResolver& operator=(const AsyncResolver&) = delete;

  std::vector<Endpoint> resolve(const HostPort& hp);
  std::uint64_t lookups() const;  // completed worker lookups, for tests and `show`
  // The reason the last lookup of `hp` failed while it has no answer ("" = it has one or none
  // failed yet).
  std::string failure(const HostPort& hp) const;

 private:
  struct State;
  std::shared_ptr<State> st_;
};

// getaddrinfo (UDP), duplicates removed, the port applied; gai_strerror's text on failure.
// Blocking: for the worker only.
LookupAnswer lookup_with_getaddrinfo(const HostPort& hp);

}  // namespace wl::agent
