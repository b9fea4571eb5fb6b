// GossipView: what the peer state machine needs from the fact-gossip engine (facts/ + trust/).
//
// Contract: single-threaded, non-blocking, no I/O. The agent feeds it received datagrams and
// the local view (the facts module's LocalView, built by the peer state machine, with health,
// router role, configured peers and resolved endpoints already decided); tick() returns
// datagrams to send. Queries answer with facts already accepted through the trust filter, which
// is also the one place configured trust is applied (trust_of). An adapter wraps the facts
// module's engine; a scripted fake serves the state-machine tests.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wirelink/agent/config.hpp"
#include "wirelink/base/clock.hpp"
#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/trust/level.hpp"

// Only a reference crosses this interface, so the coordinator link module (which includes this
// header but not the facts module) needs no facts headers.
namespace wl::facts {
struct LocalView;
}

namespace wl::agent {

struct OutgoingDatagram {
  IpAddress dst;  // the peer's link-local address
  std::vector<std::uint8_t> bytes;
};

struct TrustInfo {
  trust::Level level = trust::Level::untrusted;
  std::string source;  // "config", "router", "known peer", "coordinator", "none"
};

// Counters shown by `wirelink show`; names are stable (they appear in the JSON).
struct GossipCounters {
  std::uint64_t datagrams_received = 0;
  std::uint64_t facts_received = 0;
  std::uint64_t facts_accepted = 0;
  std::map<std::string, std::uint64_t> facts_rejected;  // by reason
  // Facts dropped by design: the sender is not trusted for that kind (not a rejection).
  std::uint64_t facts_ignored = 0;
  std::uint64_t tokens_verified = 0;  // coordinator token facts that admitted their subject
  std::uint64_t datagrams_sent = 0;
  std::uint64_t bytes_sent = 0;
};

// What the coordinator session hands the gossip: our own token (sent as a token fact) and
// the peers of our cohort assignment, admitted as members until `until`.
struct CoordinatorPeer {
  PublicKey key;
  std::vector<Endpoint> endpoints;  // the coordinator's address hint, if it parsed
  std::vector<Cidr> allowed_ips;
};

struct CoordinatorGrant {
  std::string own_token;  // "" = none
  TimePoint until{};      // admission end of `peers` (our token's expiry)
  std::vector<CoordinatorPeer> peers;
};

class GossipView {
 public:
  virtual ~GossipView() = default;
  virtual void set_local_view(const facts::LocalView& v, TimePoint now) = 0;
  // HUP. Configured peers, trust and report globs reach the engine through the next view (the
  // state machine's reconfigure); this is for settings only the gossip keeps (none in the facts
  // adapter today).
  virtual void set_config(const Config& cfg) = 0;
  virtual void on_datagram(const IpAddress& src, std::span<const std::uint8_t> bytes,
                           TimePoint now) = 0;
  virtual std::vector<OutgoingDatagram> tick(TimePoint now) = 0;
  // When tick() next has something to do; nullopt = no sooner than the agent's own cycle.
  virtual std::optional<TimePoint> next_deadline() const { return std::nullopt; }
  // Counts received changes that can alter the agent's decisions (new facts, new or rebooted
  // peers, admissions): a change after on_datagram() makes the agent run its cycle at once.
  virtual std::uint64_t generation() const { return 0; }

  virtual std::vector<Endpoint> endpoints_of(const PublicKey& peer, TimePoint now) const = 0;
  virtual std::vector<Cidr> allowed_ips_of(const PublicKey& peer, TimePoint now) const = 0;
  // Peers named by accepted membership facts.
  virtual std::vector<PublicKey> members(TimePoint now) const = 0;
  // Remaining aliveness; nullopt = not alive.
  virtual std::optional<Duration> alive_remaining(const PublicKey& peer, TimePoint now) const = 0;
  virtual TrustInfo trust_of(const PublicKey& peer, TimePoint now) const = 0;
  // The name a member-metadata fact gives the peer ("" = none), for `wirelink show`.
  virtual std::string name_of(const PublicKey& /*peer*/, TimePoint /*now*/) const { return {}; }
  // Path liveness (PROTOCOL.md §8.4): nullopt when not negotiated with this peer, else the time
  // since its last datagram.
  virtual std::optional<Duration> liveness_silence(const PublicKey& /*peer*/,
                                                   TimePoint /*now*/) const {
    return std::nullopt;
  }
  virtual GossipCounters counters() const = 0;
  // Human-readable dump for SIGUSR1.
  virtual std::string dump(TimePoint now) const = 0;
  // Coordinator admission (CoordinatorURL set); ignored by views without token support.
  virtual void set_coordinator(const CoordinatorGrant& /*grant*/, TimePoint /*now*/) {}
  // The latest coordinator token that verified for `peer` ("" = none): an exit re-checks it
  // for its own name (agent/exit). Verified once here; the exit checks exp and exit_set.
  virtual std::string token_of(const PublicKey& /*peer*/) const { return {}; }
};

}  // namespace wl::agent
