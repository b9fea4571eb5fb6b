// The WireGuard UAPI text protocol (the `get=1` / `set=1` lines spoken over
// /var/run/wireguard/<iface>.sock by wireguard-go, boringtun and wirelink-wg).
//
// Contract: pure functions, no I/O, no logging. Parsing is strict and never trusts the daemon:
// a malformed line, an unknown key, a bad number or key yields an errc::malformed error naming
// the line; a reply with `errno=N` (N != 0) yields that errno. Secrets (private and preshared
// keys) go straight into SecretBytes; intermediate buffers are wiped.
#pragma once

#include <string>
#include <string_view>

#include "wirelink/base/result.hpp"
#include "wirelink/base/wg_model.hpp"

namespace wl::agent::uapi {

// The request text for a `get`.
std::string encode_get();
// The request text for a `set` of `cfg` (device keys first, then one section per peer).
// The returned string holds key material; callers wipe it after sending.
std::string encode_set(const wg::DeviceConfig& cfg);

// Parses a complete `get` reply (lines, then `errno=N`, then an empty line).
Result<wg::DeviceState> parse_get_reply(std::string_view text);
// Parses a complete `set` reply (`errno=N` and an empty line); success = errno 0.
Result<void> parse_set_reply(std::string_view text);

// True once `text` holds a complete reply (ends with "\n\n").
bool reply_complete(std::string_view text);

}  // namespace wl::agent::uapi
