// The cross-platform WireGuard UAPI text protocol (what `wg`, wireguard-go, boringtun and
// wirelink-wg speak over /var/run/wireguard/<iface>.sock): one codec for both sides of it.
// A client sends "get=1\n\n" or "set=1\n" + key=value lines + "\n"; the daemon answers with
// key=value lines (get only), then "errno=N\n\n".
//
// Contract: pure functions, no I/O, no logging, thread-compatible. Secrets (private and
// preshared keys) go straight into SecretBytes and intermediate buffers are wiped; an encoded
// set request or get reply holds key material, so callers wipe it once it is sent.
//
// The two sides judge input differently, each like its counterpart in the field:
//  - The client never trusts the daemon: a malformed line, an unknown key, a bad number, key or
//    endpoint yields an errc::malformed error naming the line; a reply with `errno=N` (N != 0)
//    yields that errno.
//  - The server validates a set like wireguard-go: a line without '=' is EPROTO; an unknown
//    key, a malformed key/number/endpoint/CIDR, a flag other than "true" or protocol_version
//    != 1 is EINVAL, and what came before the bad line is still returned to be applied.
#pragma once

#include <string>
#include <string_view>

#include "wirelink/base/device_model.hpp"
#include "wirelink/base/result.hpp"

namespace wl::uapi {

// --- Client side: requests out, replies in ---

// The request text for a `get`: "get=1\n\n".
std::string encode_get_request();
// The request text for a `set` of `cfg` (device keys first, then one section per peer, in the
// order `wg` writes them). `cfg.ifname` is not part of the protocol.
std::string encode_set_request(const device_model::DeviceConfig& cfg);

// True once `text` holds a complete reply (ends with "\n\n").
bool reply_complete(std::string_view text);
// Parses a complete `get` reply (lines, then `errno=N`, then an empty line). A zero private
// or preshared key reads as absent; a private key also yields the public key.
Result<device_model::DeviceState> decode_get_reply(std::string_view text);
// Parses a complete `set` reply (`errno=N` and an empty line); success = errno 0.
Result<void> decode_set_reply(std::string_view text);

// --- Server side: requests in, replies out ---

struct SetRequest {
  device_model::DeviceConfig config;  // every line before the first bad one
  int error = 0;                      // positive errno; 0 = the whole request parsed
  std::string detail;
};
// Parses the key=value lines of a set request: the text between "set=1\n" and the blank line
// that ends it (lines separated by '\n', the last one unterminated).
SetRequest decode_set_request(std::string_view body);

// The whole reply to a successful get: the state's lines, then "errno=0\n\n". A zero private
// key, a zero listen port and a zero fwmark are left out; a peer without a preshared key
// shows an all-zero one.
std::string encode_get_reply(const device_model::DeviceState& state);
// A reply that carries only a status: "errno=0\n\n", or "errno=-N\n\n" for the positive errno
// `err` (negative, as wireguard-go sends it).
std::string encode_status_reply(int err);

}  // namespace wl::uapi
