// Which peers an exit forwards for, and which leases a relay carries: offline token checks.
//
// Contract: pure, no I/O. A client is admitted while its session token verifies under the
// coordinator's ring for the client's own WireGuard key (signature, subject, nbf/iat, exp) AND
// names this node as an exit: this node's key is in `exit_set` or is the last entry of `path`.
// A relay lease is valid under the same checks when this node's key is in `path` before its
// last entry. Anything else (no token, forged, expired, another exit) admits nothing.
// `next_change` is the earliest expiry among the admitted, so the caller re-checks in time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/coordinator/key_ring.hpp"
#include "wirelink/coordinator/session_token.hpp"

namespace wl::agent::exit {

struct ClientCandidate {
  PublicKey key;
  std::string token;          // the peer's latest session token (empty: none)
  std::vector<Cidr> sources;  // the peer's tunnel addresses (its allowed IPs at this node)
};

struct Admitted {
  std::vector<Cidr> sources;  // sorted, unique
  std::optional<WallTime> next_change;
};

bool names_exit(const coordinator::SessionClaims& c, const PublicKey& self);
bool names_relay(const coordinator::SessionClaims& c, const PublicKey& self);

Admitted admitted_clients(const std::vector<ClientCandidate>& peers,
                          const coordinator::KeyRing& ring, const PublicKey& self, WallTime now);

}  // namespace wl::agent::exit
