// CoordinatorSession: keeps one peer registered with the coordinator, in the background.
//
// What it does: registers with the invite and a proof of its private key (register_proof.hpp),
// heartbeats, refreshes the session token at two thirds of its lifetime and never more often
// than once a heartbeat period (session_timing.hpp), optionally asks
// for a cohort match (and again after CohortRotated), follows the event stream with
// reconnect + exponential backoff + full jitter, and disconnects on stop(). When the
// coordinator is unreachable it fails static: the last token stays valid (and reported) until
// it expires; it retries with capped backoff and logs once per state change.
//
// Contract: thread-confined. The session owns two worker threads (control, events) that only
// touch its own state under a mutex; every public method is thread-safe and non-blocking
// except stop(), which blocks for at most the client timeout (the final disconnect) plus
// thread joins. Integrate with an event loop by polling notify_fd() (an eventfd, readable
// when status changed or events arrived; drain_events() resets it). Never throws; never logs
// tokens, keys or invites. The Clock must advance in real time (SystemClock): the workers
// sleep on it; token expiry and fail-static decisions read its wall time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/coordinator/client.hpp"
#include "wirelink/coordinator/key_ring.hpp"
#include "wirelink/coordinator/wire.hpp"

namespace wl::coordinator {

struct SessionConfig {
  ClientOptions client;
  PublicKey self;
  PrivateKey own;            // self's private key: registrations prove it (never logged, wiped)
  std::string invite;        // "wlinv1.…" (InviteFile); needed for the first registration
  KeyRing coordinator_keys;  // CoordinatorPublicKey: tokens we receive must verify under it
  std::string addr_hint;
  bool can_exit = false;
  int capacity = 0;
  bool want_match = false;
  int hops = 1;
  Duration heartbeat = std::chrono::seconds(30);
  Duration backoff_min = std::chrono::seconds(1);
  Duration backoff_max = std::chrono::seconds(60);
};

enum class SessionState {
  starting,     // nothing tried yet
  registered,   // holding a valid token, coordinator answering
  unreachable,  // coordinator down; keeping the last token until it expires (fail static)
  refused,      // the coordinator refused us (invite invalid/expired/exhausted); retrying slowly
  expired,      // no valid token any more (it ran out while the coordinator did not answer)
  stopped,
};
const char* to_string(SessionState s);

struct SessionStatus {
  SessionState state = SessionState::starting;
  std::string token;  // current session token ("" when none)
  WallTime token_expires{};
  std::optional<wire::MatchResponse> assignment;  // live cohort assignment, if any
  // The last error while it is current: cleared when the session is registered again.
  std::string last_error;
  // While registered without an assignment, what the match waits for: "waiting for a cohort
  // (3 of 30 on exit X)"; "" otherwise. Not an error: the pool has not reached the floor yet.
  std::string detail;
  std::string warning;    // the coordinator's note at registration (e.g. capacity below floor)
  int exit_cohorts = -1;  // as an exit: live cohorts and clients it serves (-1: not told)
  int exit_clients = -1;
  std::uint64_t events = 0;
  std::uint64_t stream_connects = 0;
};

class CoordinatorSession {
 public:
  CoordinatorSession(SessionConfig cfg, const Clock& clock);
  ~CoordinatorSession();  // stop()
  CoordinatorSession(const CoordinatorSession&) = delete;
  CoordinatorSession& operator=(const CoordinatorSession&) = delete;

  void start();
  // Disconnects (best effort, if registered) and joins the workers. Idempotent.
  void stop(const std::string& reason = "shutdown");

  SessionStatus status() const;
  std::vector<wire::Event> drain_events();
  int notify_fd() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wl::coordinator
