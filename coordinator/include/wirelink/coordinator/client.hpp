// CoordinatorClient: blocking libcurl calls to the coordinator HTTP API, and EventStream,
// the text/event-stream follower.
//
// Contract: thread-confined. One instance per thread (it owns a CURL easy handle and reuses its
// keep-alive connection); calls block for at most Options::timeout (match: see below). Never
// throws. Errors: coord_errc from the server's {code, message} body (token_expired, rate_limited,
// …), or std::errc::host_unreachable / std::errc::timed_out / std::errc::protocol_error for
// transport failures and unexpected replies. Tokens are never logged.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "wirelink/base/result.hpp"
#include "wirelink/coordinator/wire.hpp"

namespace wl::coordinator {

struct ClientOptions {
  std::string base_url;  // "http://127.0.0.1:8787" or "https://…"
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds connect_timeout{3'000};
  std::string ca_file{};  // PEM CA bundle to trust for https (empty: the system store)
  // The server's --match-wait (its default until a registration reports the real one): a
  // match call may be held that long, so its timeout is this plus `timeout`
  // (session_timing.hpp).
  std::chrono::milliseconds match_wait{10'000};
};

class CoordinatorClient {
 public:
  explicit CoordinatorClient(ClientOptions o);
  ~CoordinatorClient();
  CoordinatorClient(const CoordinatorClient&) = delete;
  CoordinatorClient& operator=(const CoordinatorClient&) = delete;

  // Fetches a challenge (GET /api/v1/challenge), proves possession of `own` (the private key
  // of r.peer_id, see register_proof.hpp) and registers. A first registration needs r.invite;
  // a registered peer re-registers without one. A challenge that went stale before use
  // (coordinator restart, key rotation) is fetched again, once. `own` is only read.
  Result<wire::RegisterAck> register_peer(const wire::RegisterRequest& r, const PrivateKey& own);
  // Blocks for at most match_timeout(timeout, match_wait). A reply that the floor is not met
  // yet is cohort.insufficient with the detail "waiting for a cohort (k of N on exit X)" when
  // the server says how many wait.
  Result<wire::MatchResponse> match(const std::string& token, const wire::MatchRequest& r);
  // The server's match wait as learnt from RegisterAck::match_wait_ms.
  void set_match_wait(std::chrono::milliseconds w);
  Result<wire::HeartbeatAck> heartbeat(const std::string& token, const wire::HeartbeatRequest& r);
  Result<void> disconnect(const std::string& token, const wire::DisconnectRequest& r);

  // Raw request for tests and tools: returns {status, body}.
  struct Raw {
    long status = 0;
    std::string body;
  };
  Result<Raw> request(const std::string& method, const std::string& path, const std::string& body,
                      const std::string& token = {});

 private:
  Result<Raw> request_within(const std::string& method, const std::string& path,
                             const std::string& body, const std::string& token,
                             std::chrono::milliseconds timeout);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Follows GET /api/v1/events as text/event-stream until `stop` is set, the server closes, or
// an error occurs; calls on_event for each well-formed event (malformed ones are counted in
// `dropped` and skipped). Returns ok when stopped, else the reason the stream ended.
// Blocking; the stop flag is checked at least every 200 ms.
struct EventStreamStats {
  std::uint64_t events = 0, dropped = 0;
};
Result<void> follow_events(const ClientOptions& o, const std::string& token,
                           const std::function<void(const wire::Event&)>& on_event,
                           const std::atomic<bool>& stop, EventStreamStats* stats = nullptr);

}  // namespace wl::coordinator
