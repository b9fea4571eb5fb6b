// The coordinator's stable error codes (seeds/coordinator-protocol.txt, "Error codes").
//
// Contract: pure data. Each code has a fixed wire string ("invite.invalid") and HTTP status;
// both server and client use this table so they cannot drift. Thread-safe (no state).
#pragma once

#include <optional>
#include <string_view>
#include <system_error>

namespace wl::coordinator {

enum class coord_errc {
  invite_invalid = 1,   // 400: invite signature does not verify (or malformed invite)
  invite_exhausted,     // 403: no remaining uses
  invite_expired,       // 403: past expires_at
  insufficient_cohort,  // 503: anonymity-set floor not met; retry
  no_exit_available,    // 503: no exit with available capacity
  token_invalid,        // 401: signature, key id, subject or claims rejected
  token_expired,        // 401: exp passed (or nbf/iat in the future)
  rate_limited,         // 429: per-peer or per-IP limit
  internal,             // 500: anything else
  bad_request,          // 400: body is not the expected JSON (wirelink extension)
  not_found,            // 404: unknown path or peer (wirelink extension)
  too_many_streams,     // 429: the peer has the maximum of open event streams (wirelink extension)
  method_not_allowed,   // 405: e.g. POST /healthz (wirelink extension)
  proof_invalid,        // 401: register without a valid proof of the WireGuard key (wirelink)
  challenge_invalid,    // 401: register challenge unknown, expired or used: fetch a new one
};

const std::error_category& coord_category() noexcept;
inline std::error_code make_error_code(coord_errc e) noexcept {
  return {static_cast<int>(e), coord_category()};
}

// "invite.invalid", ...; and the HTTP status the server answers with.
std::string_view wire_code(coord_errc e) noexcept;
int http_status(coord_errc e) noexcept;
std::optional<coord_errc> parse_wire_code(std::string_view s) noexcept;

}  // namespace wl::coordinator

template <>
struct std::is_error_code_enum<wl::coordinator::coord_errc> : std::true_type {};
