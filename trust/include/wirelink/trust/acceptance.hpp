// Acceptance rules: may a fact from a source at a given trust level enter the store?
// (PROTOCOL.md §7). Pure functions; no state.
#pragma once

#include <string_view>

#include "wirelink/trust/level.hpp"

namespace wl::trust {

enum class FactKind : std::uint8_t {
  alive,       // never stored; liveness of the signer only
  endpoint,    // e / E
  allowed_ip,  // a / A
  membership,  // m / M
  token,       // coordinator token (self-certifying; verified by the coordinator work)
  grant,       // delegate trust grant
};

enum class Verdict : std::uint8_t {
  accept,
  untrusted,           // the source's level is below what the kind needs
  unknown_subject,     // the subject is not a peer we have and the source lacks membership
  routes_into_tunnel,  // an endpoint inside an address routed through the tunnel
  self_grant,          // a grant about the granting source itself
};
std::string_view to_string(Verdict v);

struct AcceptQuery {
  Level source_level = Level::untrusted;
  FactKind kind = FactKind::endpoint;
  // The subject is in the device or otherwise a member (accepted membership, admission).
  bool subject_known = false;
  // For endpoints: the address lies inside an allowed IP of the device (would loop).
  bool endpoint_in_tunnel = false;
  bool subject_is_source = false;
};

// The level a kind needs (before the unknown-subject rule).
Level required_level(FactKind kind);
Verdict accept(const AcceptQuery& q);

}  // namespace wl::trust
