// JSON wire types of the coordinator HTTP API (/api/v1/…), shared by server and client.
//
// Contract: pure, thread-safe. parse_* never throw: a body that is not the expected JSON
// (size-capped by the caller, unknown fields ignored for forward compatibility) becomes
// coord_errc::bad_request with a detail naming the field. to_json produces compact JSON.
// Timestamps are RFC 3339 strings; WireGuard keys are standard base64 (44 characters).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/coordinator/errors.hpp"

namespace wl::coordinator::wire {

struct RegisterRequest {
  PublicKey peer_id;
  std::string invite;     // "wlinv1.…" text form; may be empty when re-registering with a token
  std::string addr_hint;  // "host:port" the peer's WireGuard listens on, optional
  bool can_exit = false;
  int capacity_hint = 0;  // clients this peer accepts as an exit
  std::optional<WallTime> at;
  // Proof of possession of the peer's WireGuard private key (register_proof.hpp): the
  // challenge text from GET /api/v1/challenge and the base64 MAC over this request's fields.
  std::string challenge;
  std::string proof;
};

// 200 body of GET /api/v1/challenge: a single-use challenge for one registration, and the
// coordinator's X25519 key the proof is computed against.
struct Challenge {
  std::string challenge;        // opaque to the client, "wlch1.…"
  std::string coordinator_key;  // X25519 public key, base64 (as WireGuard keys are written)
  std::string kid;              // k4.pid of the signing key it is derived from
  WallTime expires_at{};
};

struct RegisterAck {
  std::string session_token;
  WallTime expires_at{};
  // Additive (absent from older coordinators): how long the server holds a match request
  // for its floor (--match-wait, milliseconds), and a note for the operator (e.g. an exit
  // whose capacity is below the floor can never fill a cohort).
  int match_wait_ms = -1;  // -1: not sent
  std::string warning;
};

struct MatchRequest {
  PublicKey peer_id;
  int hops = 1;  // 1 = single hop, 2 = relay + exit
  std::optional<WallTime> at;
};

struct Hop {
  std::string peer_id;  // WireGuard key, base64
  std::string addr_hint;
};

struct MatchResponse {
  std::string type;  // "single_hop" | "multi_hop"
  std::string cohort;
  std::vector<Hop> path;  // last entry is the exit
  std::string session_token;
  WallTime expires_at{};
  WallTime rotate_at{};
};

struct HeartbeatRequest {
  PublicKey peer_id;
  bool refresh = false;  // ask for a fresh session token now
  std::optional<WallTime> at;
};

// 200 body of a heartbeat; carries a fresh token when the old one is in its last third.
struct HeartbeatAck {
  std::optional<std::string> session_token;
  std::optional<WallTime> expires_at;
  // Additive, only to a registered exit: its live cohorts and their clients.
  int exit_cohorts = -1;  // -1: not sent
  int exit_clients = -1;
};

struct DisconnectRequest {
  PublicKey peer_id;
  std::string reason;
  std::optional<WallTime> at;
};

// Server-pushed events on /api/v1/events (WebSocket text frames or text/event-stream data).
struct Event {
  std::string type;  // "CohortAssigned" | "CohortRotated" | "Disconnect"
  std::string cohort;
  std::optional<MatchResponse> assignment;  // CohortAssigned
  std::string peer_id;                      // Disconnect: who left
  std::string reason;
  WallTime at{};
};

struct ErrorBody {
  std::string code;
  std::string message;
  // Additive, only on cohort.insufficient while a peer waits in an exit's pool: how many
  // peers wait there (the peer included), the floor they must reach, and the exit's key.
  int waiting = -1;  // -1: not sent
  int floor = -1;
  std::string exit;
};

Result<RegisterRequest> parse_register(std::string_view body);
Result<RegisterAck> parse_register_ack(std::string_view body);
Result<Challenge> parse_challenge(std::string_view body);
Result<MatchRequest> parse_match(std::string_view body);
Result<MatchResponse> parse_match_response(std::string_view body);
Result<HeartbeatRequest> parse_heartbeat(std::string_view body);
Result<HeartbeatAck> parse_heartbeat_ack(std::string_view body);
Result<DisconnectRequest> parse_disconnect(std::string_view body);
Result<Event> parse_event(std::string_view body);
Result<ErrorBody> parse_error(std::string_view body);

std::string to_json(const RegisterRequest& r);
std::string to_json(const RegisterAck& r);
std::string to_json(const Challenge& c);
std::string to_json(const MatchRequest& r);
std::string to_json(const MatchResponse& r);
std::string to_json(const HeartbeatRequest& r);
std::string to_json(const HeartbeatAck& r);
std::string to_json(const DisconnectRequest& r);
std::string to_json(const Event& e);
std::string to_json(const ErrorBody& e);
std::string error_json(coord_errc code, std::string_view message);

}  // namespace wl::coordinator::wire
