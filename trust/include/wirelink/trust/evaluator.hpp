// TrustEvaluator: how much we believe what a peer tells us (PROTOCOL.md §7).
//
// Contract: single-threaded, no I/O, never logs. Inputs are replaced wholesale by the owner
// (the gossip engine, from the agent's view of config and device) plus coordinator admissions
// and delegate grants that carry their own expiry. evaluate() answers the first source that
// applies, in this order:
//   1. config      the peer's configured Trust, if set (authoritative, even if low);
//   2. grant       the highest unexpired grant from a delegate-trusted source (<= membership);
//   3. router      membership, for a device peer that is a router, only when no configured
//                  peer has a Trust (wirelink 0.14's full-auto mode);
//   4. known peer  endpoint, for any peer currently in the device.
// Coordinator admission is not a source level: an admitted subject counts as a member until
// its admission ends (is_admitted), the same as an accepted membership fact.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/trust/level.hpp"

namespace wl::trust {

enum class Source : std::uint8_t { none, config, grant, router, known_peer };
std::string_view to_string(Source s);

struct Decision {
  Level level = Level::untrusted;
  Source source = Source::none;
  bool operator==(const Decision&) const = default;
};

struct ConfiguredTrust {
  PublicKey key;
  std::optional<Level> trust;
};

struct DevicePeerTrust {
  PublicKey key;
  std::vector<Cidr> allowed_ips;
};

// A router has an allowed IP that is global unicast (private ranges count) with a prefix
// shorter than a host route. 0.0.0.0/0, ::/0 and link-local prefixes do not count.
bool is_router(std::span<const Cidr> allowed_ips);

class TrustEvaluator {
 public:
  void set_configured(const std::vector<ConfiguredTrust>& peers);
  void set_device_peers(const std::vector<DevicePeerTrust>& peers);

  // Coordinator admission: `subject` counts as a member until `until`. A later call replaces
  // the time (a renewal or an earlier revocation).
  void admit(const PublicKey& subject, TimePoint until);
  void revoke(const PublicKey& subject);
  bool is_admitted(const PublicKey& subject, TimePoint now) const;
  std::optional<TimePoint> admitted_until(const PublicKey& subject) const;

  // Delegate grants: `delegate` says `subject` deserves `level` until `until`. Recorded only if
  // `delegate` evaluates to Level::delegate *now*, `subject` is not the delegate, and `level`
  // is at most membership; returns whether it was recorded. Grants are not transitive: a
  // granted peer's own grants count only if its level comes from config.
  bool grant(const PublicKey& delegate, const PublicKey& subject, Level level, TimePoint until,
             TimePoint now);
  // Drops grants whose time has passed.
  void expire(TimePoint now);

  Decision evaluate(const PublicKey& source, TimePoint now) const;
  bool in_device(const PublicKey& key) const;
  bool is_device_router(const PublicKey& key) const;
  bool any_device_router() const;
  // Full-auto mode: no configured peer has a Trust, so routers get membership.
  bool full_auto() const { return !any_configured_trust_; }
  std::optional<Level> configured(const PublicKey& key) const;

 private:
  struct GrantEntry {
    PublicKey delegate;
    Level level;
    TimePoint until;
  };
  std::unordered_map<PublicKey, std::optional<Level>> configured_;
  std::unordered_map<PublicKey, bool> device_;  // key -> is router
  std::unordered_map<PublicKey, TimePoint> admitted_;
  std::unordered_map<PublicKey, std::vector<GrantEntry>> grants_;
  bool any_configured_trust_ = false;
};

}  // namespace wl::trust
