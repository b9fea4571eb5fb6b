// Service: the coordinator's request handlers, admission, tokens, events and persistence,
// independent of the HTTP transport.
//
// Contract: single-threaded; every method runs on the io thread that owns the executor given
// at construction (timers for match long-polls and the housekeeping tick run there too).
// Handlers never throw; each answers exactly once through its callback, possibly later (match
// waits up to Options::match_wait for its cohort to fill). Logs (spdlog) once per state
// change; never logs tokens or keys.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "admission.hpp"
#include "challenge_ledger.hpp"
#include "metrics.hpp"
#include "rate_limit.hpp"
#include "store.hpp"
#include "wirelink/base/clock.hpp"
#include "wirelink/coordinator/errors.hpp"
#include "wirelink/coordinator/key_ring.hpp"
#include "wirelink/coordinator/wire.hpp"

namespace wl::coordinator::server {

struct Options {
  std::size_t floor = 30;
  bool dev = false;
  Duration rotation = std::chrono::minutes(15);
  Duration token_ttl = std::chrono::minutes(30);
  Duration match_wait = std::chrono::seconds(10);
  Duration peer_timeout = std::chrono::seconds(120);
  double rate_ip = 200, rate_ip_burst = 400;    // requests/s per client IP (0 = off)
  double rate_peer = 20, rate_peer_burst = 40;  // requests/s per peer key (0 = off)
  double rate_fail = 5, rate_fail_burst = 20;   // failed (unauthenticated) requests/s per IP
  std::size_t max_streams = 4;                  // open event streams per peer
};

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

using Done = std::function<void(Reply)>;
using EventSink = std::function<void(const std::string& json)>;

class Service {
 public:
  Service(boost::asio::any_io_executor ex, Options opt, Store store, const Clock& clock);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Loads the key ring (creating a first key when empty), peers and live cohorts.
  Result<void> load();
  // Re-reads the key ring (after `keygen` added a key): SIGHUP.
  Result<void> reload_keys();

  void handle(std::string_view method, std::string_view path, const std::string& ip,
              std::string_view authorization, std::string_view body, Done done);

  // Event streams: authenticate (Authorization: Bearer + ?peer_id= or the token's subject),
  // then subscribe. Returns an id for unsubscribe, or an error reply.
  std::variant<std::uint64_t, Reply> subscribe(const std::string& ip,
                                               std::string_view authorization, EventSink sink);
  void unsubscribe(std::uint64_t id);
  // Expires when the Service is destroyed: streams that outlive it (handlers still queued in
  // the io_context at shutdown) must not call back into it.
  std::weak_ptr<void> alive() const { return alive_; }

  // Housekeeping, every second: rotation, quiet peers.
  void tick();
  // Writes at most `max_rows` pending heartbeat times (0 = all, on shutdown). Called every
  // 100 ms in small batches so a big flush never stalls the io thread (p99 latency).
  void flush(std::size_t max_rows = 0);
  bool ready() const { return ready_; }
  void set_draining() { ready_ = false; }

 private:
  struct Auth {
    PublicKey peer;
    WallTime exp{};
    std::uint64_t gen = 0;  // the peer's generation the token was minted in
  };
  struct Waiter {
    std::uint64_t id;
    Done done;
    std::shared_ptr<void> timer;
  };

  Reply error(coord_errc c, std::string_view msg, const char* endpoint);
  Reply error(const Error& e, const char* endpoint);  // e carries a coord_errc code
  // cohort.insufficient for a pending peer, with its pool's size, the floor and the exit.
  Reply not_yet(const PublicKey& who);
  Reply ok(std::string body, const char* endpoint);
  Result<Auth> authenticate(std::string_view authorization, const PublicKey& expected);
  std::string mint(const PublicKey& who, WallTime now, WallTime& exp);
  wire::MatchResponse response_for(const PublicKey& who, WallTime now);
  void emit(const PublicKey& to, const wire::Event& e);
  void end_cohort(const std::string& id, const std::string& reason);
  void complete_waiters(const PublicKey& who, const Reply& r);
  bool limited_ip(const std::string& ip, const char* endpoint, Done& done);
  bool limited_peer(const PublicKey& k, const char* endpoint, Done& done);
  // Wraps `done` so an authentication failure (400, 401, 403, 404) is charged to the client
  // address's failure bucket; once that is empty the failure answers 429 instead.
  Done charge_failures(const std::string& ip, Done done);
  Reply failed(const std::string& ip, Reply r);

  // The preamble every token-authenticated endpoint shares, in this order: the body parses
  // (bad_request), the session token for the body's peer_id, then the per-peer rate limit
  // (charged only once the token proved the caller is that peer, so nobody else can spend a
  // peer's budget). Only then `handler(req, auth, done)`; otherwise `done` gets the error.
  template <class Req, class Handler>
  void authed(const char* endpoint, Result<Req> req, std::string_view authorization, Done done,
              Handler handler);

  void on_register(const std::string& ip, std::string_view auth, std::string_view body, Done done);
  // The registration's challenge is ours, fresh and unused, and its proof verifies for its
  // peer_id: then the challenge is used up.
  Result<void> check_proof(const wire::RegisterRequest& req, WallTime now);
  std::uint64_t generation(const PublicKey& k) const;
  void on_match(const wire::MatchRequest& req, const Auth& auth, Done done);
  void on_heartbeat(const wire::HeartbeatRequest& req, const Auth& auth, const Done& done);
  void on_disconnect(const wire::DisconnectRequest& req, const Auth& auth, const Done& done);

  boost::asio::any_io_executor ex_;
  Options opt_;
  Store store_;
  const Clock& clock_;
  Admission admission_;
  std::optional<SigningKey> signer_;
  KeyRing ring_;
  // The X25519 key pair registration proofs are computed against, derived from signer_.
  std::optional<PrivateKey> exchange_secret_;
  PublicKey exchange_public_;
  ChallengeLedger challenges_;
  std::map<PublicKey, std::uint64_t> generation_;  // durable in the store, see StoredPeer
  RateLimiter ip_limit_, peer_limit_, fail_limit_;
  Metrics metrics_;
  bool ready_ = false;
  std::unordered_map<std::string, Auth> token_cache_;  // tokens already verified or minted here
  std::map<PublicKey, WallTime> seen_;                 // last heartbeat/match, in memory
  std::map<PublicKey, WallTime> dirty_seen_;           // not yet flushed to the store
  std::map<PublicKey, std::map<std::uint64_t, EventSink>> subscribers_;
  std::map<std::uint64_t, PublicKey> subscriber_peer_;
  std::map<PublicKey, std::vector<Waiter>> waiters_;
  std::uint64_t next_id_ = 1;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace wl::coordinator::server
