#include "wirelink/coordinator/wire.hpp"

#include <nlohmann/json.hpp>

#include "wirelink/coordinator/rfc3339.hpp"

namespace wl::coordinator::wire {
namespace {

using nlohmann::json;

// `var` is a declared name, which cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define WL_TRY(var, expr)               \
  auto var##_r = (expr);                \
  if (!var##_r) return var##_r.error(); \
  auto var = std::move(*var##_r)
// NOLINTEND(bugprone-macro-parentheses)

// Stores a field reader's value in `dst`, or returns its error.
#define WL_SET(dst, expr)             \
  do {                                \
    auto set_r = (expr);              \
    if (!set_r) return set_r.error(); \
    (dst) = std::move(*set_r);        \
  } while (0)

Error bad(std::string d) {
  return Error{coord_errc::bad_request, std::move(d)};
}

Result<json> object(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return bad("body is not JSON");
  if (!j.is_object()) return bad("body is not a JSON object");
  return j;
}

// Field readers: `required` fields must exist with the right type; optional ones may be absent
// or null.
Result<std::string> get_string(const json& j, const char* k, bool required,
                               std::size_t max = 4096) {
  auto it = j.find(k);
  if (it == j.end() || it->is_null()) {
    if (required) return bad(std::string("missing field ") + k);
    return std::string();
  }
  if (!it->is_string()) return bad(std::string("field ") + k + " must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max) return bad(std::string("field ") + k + " too long");
  return s;
}

Result<PublicKey> get_key(const json& j, const char* k) {
  WL_TRY(s, get_string(j, k, true, 64));
  auto key = PublicKey::parse(s);
  if (!key) return bad(std::string("field ") + k + " is not a WireGuard public key");
  return *key;
}

Result<std::optional<WallTime>> get_time(const json& j, const char* k, bool required) {
  WL_TRY(s, get_string(j, k, required, 64));
  if (s.empty()) {
    if (required) return bad(std::string("missing field ") + k);
    return std::optional<WallTime>();
  }
  auto t = parse_rfc3339(s);
  if (!t) return bad(std::string("field ") + k + " is not an RFC 3339 timestamp");
  return std::optional<WallTime>(*t);
}

Result<WallTime> get_required_time(const json& j, const char* k) {
  WL_TRY(t, get_time(j, k, true));
  return *t;
}

Result<int> get_int(const json& j, const char* k, int def, int lo, int hi) {
  auto it = j.find(k);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_number_integer()) return bad(std::string("field ") + k + " must be an integer");
  auto v = it->get<long long>();
  if (v < lo || v > hi) return bad(std::string("field ") + k + " out of range");
  return static_cast<int>(v);
}

Result<bool> get_bool(const json& j, const char* k) {
  auto it = j.find(k);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_boolean()) return bad(std::string("field ") + k + " must be a boolean");
  return it->get<bool>();
}

// A peer's request: a JSON object with its peer_id, then the request's own fields (`fields`
// reads them into the request), then the optional `at`; errors name the first bad field.
// Each *_fields reader below reads one request's own fields, in wire order.
template <class Req>
Result<Req> peer_request(std::string_view body, Result<void> (*fields)(const json&, Req&)) {
  WL_TRY(j, object(body));
  Req r;
  WL_SET(r.peer_id, get_key(j, "peer_id"));
  if (auto f = fields(j, r); !f) return f.error();
  WL_SET(r.at, get_time(j, "at", false));
  return r;
}

Result<void> register_fields(const json& j, RegisterRequest& r) {
  WL_SET(r.invite, get_string(j, "invite", false, 2048));
  WL_SET(r.addr_hint, get_string(j, "addr_hint", false, 256));
  WL_SET(r.can_exit, get_bool(j, "can_exit"));
  WL_SET(r.capacity_hint, get_int(j, "capacity_hint", 0, 0, 1'000'000));
  WL_SET(r.challenge, get_string(j, "challenge", false, 256));
  WL_SET(r.proof, get_string(j, "proof", false, 64));
  return {};
}

Result<void> match_fields(const json& j, MatchRequest& r) {
  WL_SET(r.hops, get_int(j, "hops", 1, 1, 2));
  return {};
}

Result<void> heartbeat_fields(const json& j, HeartbeatRequest& r) {
  WL_SET(r.refresh, get_bool(j, "refresh"));
  return {};
}

Result<void> disconnect_fields(const json& j, DisconnectRequest& r) {
  WL_SET(r.reason, get_string(j, "reason", false, 256));
  return {};
}

void put_at(json& j, const std::optional<WallTime>& at) {
  if (at) j["at"] = format_rfc3339(*at);
}

json match_json(const MatchResponse& r) {
  json path = json::array();
  for (const auto& h : r.path) path.push_back({{"peer_id", h.peer_id}, {"addr_hint", h.addr_hint}});
  json j = {{"type", r.type},
            {"cohort", r.cohort},
            {"path", path},
            {"session_token", r.session_token},
            {"expires_at", format_rfc3339(r.expires_at)},
            {"rotate_at", format_rfc3339(r.rotate_at)}};
  if (!r.path.empty()) j["exit"] = path.back();
  return j;
}

Result<MatchResponse> match_from(const json& j) {
  MatchResponse r;
  WL_TRY(type, get_string(j, "type", true, 32));
  if (type != "single_hop" && type != "multi_hop")
    return bad("field type must be single_hop or multi_hop");
  r.type = type;
  WL_SET(r.cohort, get_string(j, "cohort", true, 128));
  auto p = j.find("path");
  if (p == j.end() || !p->is_array() || p->empty() || p->size() > 8)
    return bad("field path must be a non-empty array");
  for (const auto& h : *p) {
    if (!h.is_object()) return bad("path entries must be objects");
    WL_TRY(id, get_string(h, "peer_id", true, 64));
    WL_TRY(addr, get_string(h, "addr_hint", false, 256));
    r.path.push_back(Hop{id, addr});
  }
  WL_SET(r.session_token, get_string(j, "session_token", true, 16384));
  WL_SET(r.expires_at, get_required_time(j, "expires_at"));
  WL_SET(r.rotate_at, get_required_time(j, "rotate_at"));
  return r;
}

}  // namespace

Result<RegisterRequest> parse_register(std::string_view body) {
  return peer_request(body, register_fields);
}

Result<RegisterAck> parse_register_ack(std::string_view body) {
  WL_TRY(j, object(body));
  RegisterAck r;
  WL_SET(r.session_token, get_string(j, "session_token", true, 16384));
  WL_SET(r.expires_at, get_required_time(j, "expires_at"));
  WL_SET(r.match_wait_ms, get_int(j, "match_wait_ms", -1, 0, 3'600'000));
  WL_SET(r.warning, get_string(j, "warning", false, 1024));
  return r;
}

Result<Challenge> parse_challenge(std::string_view body) {
  WL_TRY(j, object(body));
  Challenge c;
  WL_SET(c.challenge, get_string(j, "challenge", true, 256));
  WL_SET(c.coordinator_key, get_string(j, "coordinator_key", true, 64));
  WL_SET(c.kid, get_string(j, "kid", false, 128));
  WL_SET(c.expires_at, get_required_time(j, "expires_at"));
  return c;
}

Result<MatchRequest> parse_match(std::string_view body) {
  return peer_request(body, match_fields);
}

Result<MatchResponse> parse_match_response(std::string_view body) {
  WL_TRY(j, object(body));
  return match_from(j);
}

Result<HeartbeatRequest> parse_heartbeat(std::string_view body) {
  return peer_request(body, heartbeat_fields);
}

Result<HeartbeatAck> parse_heartbeat_ack(std::string_view body) {
  WL_TRY(j, object(body));
  HeartbeatAck r;
  WL_TRY(tok, get_string(j, "session_token", false, 16384));
  if (!tok.empty()) {
    r.session_token = tok;
    WL_TRY(exp, get_time(j, "expires_at", true));
    r.expires_at = exp;
  }
  WL_SET(r.exit_cohorts, get_int(j, "exit_cohorts", -1, 0, 1'000'000'000));
  WL_SET(r.exit_clients, get_int(j, "exit_clients", -1, 0, 1'000'000'000));
  return r;
}

Result<DisconnectRequest> parse_disconnect(std::string_view body) {
  return peer_request(body, disconnect_fields);
}

Result<Event> parse_event(std::string_view body) {
  WL_TRY(j, object(body));
  Event e;
  WL_TRY(type, get_string(j, "type", true, 32));
  if (type != "CohortAssigned" && type != "CohortRotated" && type != "Disconnect")
    return bad("unknown event type");
  e.type = type;
  WL_SET(e.cohort, get_string(j, "cohort", false, 128));
  WL_SET(e.peer_id, get_string(j, "peer_id", false, 64));
  WL_SET(e.reason, get_string(j, "reason", false, 256));
  WL_SET(e.at, get_required_time(j, "at"));
  if (type == "CohortAssigned") {
    auto a = j.find("assignment");
    if (a == j.end() || !a->is_object()) return bad("CohortAssigned without assignment");
    WL_TRY(m, match_from(*a));
    e.assignment = std::move(m);
  }
  return e;
}

Result<ErrorBody> parse_error(std::string_view body) {
  WL_TRY(j, object(body));
  WL_TRY(code, get_string(j, "code", true, 64));
  WL_TRY(msg, get_string(j, "message", false, 4096));
  ErrorBody e;
  e.code = code;
  e.message = msg;
  WL_SET(e.waiting, get_int(j, "waiting", -1, 0, 1'000'000'000));
  WL_SET(e.floor, get_int(j, "floor", -1, 0, 1'000'000'000));
  WL_SET(e.exit, get_string(j, "exit", false, 64));
  return e;
}

std::string to_json(const RegisterRequest& r) {
  json j = {{"peer_id", r.peer_id.to_base64()},
            {"can_exit", r.can_exit},
            {"capacity_hint", r.capacity_hint}};
  if (!r.invite.empty()) j["invite"] = r.invite;
  if (!r.addr_hint.empty()) j["addr_hint"] = r.addr_hint;
  if (!r.challenge.empty()) j["challenge"] = r.challenge;
  if (!r.proof.empty()) j["proof"] = r.proof;
  put_at(j, r.at);
  return j.dump();
}
std::string to_json(const Challenge& c) {
  return json{{"challenge", c.challenge},
              {"coordinator_key", c.coordinator_key},
              {"kid", c.kid},
              {"expires_at", format_rfc3339(c.expires_at)}}
      .dump();
}
std::string to_json(const RegisterAck& r) {
  json j = {{"session_token", r.session_token}, {"expires_at", format_rfc3339(r.expires_at)}};
  if (r.match_wait_ms >= 0) j["match_wait_ms"] = r.match_wait_ms;
  if (!r.warning.empty()) j["warning"] = r.warning;
  return j.dump();
}
std::string to_json(const MatchRequest& r) {
  json j = {{"peer_id", r.peer_id.to_base64()}, {"hops", r.hops}};
  put_at(j, r.at);
  return j.dump();
}
std::string to_json(const MatchResponse& r) {
  return match_json(r).dump();
}
std::string to_json(const HeartbeatRequest& r) {
  json j = {{"peer_id", r.peer_id.to_base64()}};
  if (r.refresh) j["refresh"] = true;
  put_at(j, r.at);
  return j.dump();
}
std::string to_json(const HeartbeatAck& r) {
  json j = {{"ok", true}};
  if (r.session_token) j["session_token"] = *r.session_token;
  if (r.expires_at) j["expires_at"] = format_rfc3339(*r.expires_at);
  if (r.exit_cohorts >= 0) j["exit_cohorts"] = r.exit_cohorts;
  if (r.exit_clients >= 0) j["exit_clients"] = r.exit_clients;
  return j.dump();
}
std::string to_json(const DisconnectRequest& r) {
  json j = {{"peer_id", r.peer_id.to_base64()}, {"reason", r.reason}};
  put_at(j, r.at);
  return j.dump();
}
std::string to_json(const Event& e) {
  json j = {{"type", e.type}, {"at", format_rfc3339(e.at)}};
  if (!e.cohort.empty()) j["cohort"] = e.cohort;
  if (!e.peer_id.empty()) j["peer_id"] = e.peer_id;
  if (!e.reason.empty()) j["reason"] = e.reason;
  if (e.assignment) j["assignment"] = match_json(*e.assignment);
  return j.dump();
}
std::string to_json(const ErrorBody& e) {
  json j = {{"code", e.code}, {"message", e.message}};
  if (e.waiting >= 0) j["waiting"] = e.waiting;
  if (e.floor >= 0) j["floor"] = e.floor;
  if (!e.exit.empty()) j["exit"] = e.exit;
  return j.dump();
}
std::string error_json(coord_errc code, std::string_view message) {
  ErrorBody e;
  e.code = std::string(wire_code(code));
  e.message = std::string(message);
  return to_json(e);
}

}  // namespace wl::coordinator::wire
