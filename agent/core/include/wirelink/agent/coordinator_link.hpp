// CoordinatorLink: the agent's view of its coordinator session (CoordinatorURL set).
//
// Contract: used from the agent's loop thread only. The real link (a loadable module, see
// coordinator_link_loader.hpp) wraps
// coordinator::CoordinatorSession (worker threads of its own, non-blocking status reads);
// notify_fd() becomes readable when the session's state changed, poll() resets it and returns
// the current snapshot. stop() disconnects (best effort, bounded by the client timeout) and is
// idempotent. Fakes implement the same interface for unit tests.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wirelink/agent/config.hpp"
#include "wirelink/agent/gossip.hpp"
#include "wirelink/base/clock.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/base/result.hpp"

namespace wl::agent {

struct CoordinatorInfo {
  std::string state = "starting";  // starting, registered, unreachable, refused, expired, stopped
  std::string token;               // current session token; "" = none (never shown)
  WallTime token_expires{};
  std::string cohort;
  std::vector<CoordinatorPeer> peers;  // our cohort assignment's peers (self excluded)
  std::string last_error;
  std::string detail;           // "waiting for a cohort (3 of 30 on exit X)" or ""
  std::string warning;          // the coordinator's note at registration
  std::vector<PublicKey> path;  // the assignment's hops, relay first, the exit last
  int exit_cohorts = -1;        // as an exit: live cohorts / clients it serves (-1: unknown)
  int exit_clients = -1;
};

class CoordinatorLink {
 public:
  virtual ~CoordinatorLink() = default;
  virtual int notify_fd() const = 0;  // -1: nothing to poll
  virtual CoordinatorInfo poll() = 0;
  virtual void stop() = 0;
};

// `own` is the device's private key (self's): the session proves it to the coordinator when it
// registers. The factory copies it into the session (wiped there); it is never logged.
using CoordinatorFactory = std::function<Result<std::unique_ptr<CoordinatorLink>>(
    const PublicKey& self, const PrivateKey& own, const Config& cfg, const Clock& clock)>;

// The real link lives in the coordinator module (agent/coordinator_link_module/, loaded through
// coordinator_link_loader.hpp): it reads the invite from cfg.invite_file (a secret, wiped after
// use), parses the coordinator key and starts a CoordinatorSession with want_match.

// Converts a session's snapshot into the gossip's grant; `until` maps the token's wall-clock
// expiry onto monotonic time.
CoordinatorGrant grant_of(const CoordinatorInfo& info, TimePoint now, WallTime wall_now);

}  // namespace wl::agent
