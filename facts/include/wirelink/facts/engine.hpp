// GossipEngine: one node's fact gossip, a pure protocol core driven by the agent.
//
// Contract:
// - Single-threaded; the owner serialises calls. No sockets, no logging, no blocking: the
//   engine takes bytes and `now` and returns datagrams to send. Time only moves forward
//   through the arguments (a backwards step or a gap > kSuspendGap rolls the boot id).
// - Bad datagrams are dropped and counted per RejectReason; they never change the store,
//   the liveness table or trust. Facts that fail trust are counted per Verdict.
// - The agent calls set_local_view() whenever its view changes (at least each cycle),
//   on_datagram() for every received datagram (source = the IPv6 source address), and
//   tick() when next_deadline() passes; tick() runs a cycle every kCycle, sooner once
//   kCycleQueueTrigger datagrams arrived, and kFlushDelay after something new appeared (a new
//   fact accepted or collected, a new or rebooted peer, a device peer never sent to: fast
//   learning, PROTOCOL.md §6), and returns what to send.
// - Queries (members, endpoints, allowed IPs, liveness, trust) read the current state and
//   ignore anything expired at `now` (the store itself drops expired facts each cycle); the
//   agent's peer state machine builds on them.
// - next_deadline() is the next cycle, the pending flush if earlier, or a time <= now once
//   kCycleQueueTrigger datagrams were accepted since the last cycle.
// - generation() counts received changes that can alter the agent's decisions (a new fact
//   identity, a new or rebooted or returning peer's liveness, an admission, a grant): the agent
//   compares it after on_datagram() to act at once rather than at its next cycle.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/facts/codec.hpp"
#include "wirelink/facts/fact.hpp"
#include "wirelink/facts/local_view.hpp"
#include "wirelink/facts/mac.hpp"
#include "wirelink/facts/send_filter.hpp"
#include "wirelink/facts/store.hpp"
#include "wirelink/facts/timing.hpp"
#include "wirelink/trust/acceptance.hpp"
#include "wirelink/trust/evaluator.hpp"

namespace wl::facts {

// Randomness for nonces and boot ids; injectable so simulations are reproducible.
using RandomFill = std::function<void(std::span<std::uint8_t>)>;

// Verifies a coordinator token fact about `subject`; returns the admission end on success.
// Supplied by the coordinator work; without it token facts are stored but grant nothing.
using TokenVerifier = std::function<std::optional<TimePoint>(
    const PublicKey& subject, std::span<const std::uint8_t> token, TimePoint now)>;

struct EngineOptions {
  RandomFill random;             // default: libsodium randombytes_buf
  TokenVerifier token_verifier;  // optional
  FeatureSet features = default_features();
  // Our own coordinator token, sent as a 'T' fact to peers that advertise the feature.
  std::vector<std::uint8_t> own_token;
  static FeatureSet default_features();
};

struct OutgoingDatagram {
  PublicKey peer;  // send to [link_local_for(peer)%wg]:port
  std::vector<std::uint8_t> bytes;
};

struct Counters {
  std::uint64_t datagrams_received = 0;
  std::uint64_t datagrams_accepted = 0;
  std::array<std::uint64_t, kRejectReasonCount> rejected{};  // by RejectReason
  std::uint64_t bytes_received = 0;
  std::uint64_t facts_received = 0;
  std::uint64_t facts_accepted = 0;
  std::array<std::uint64_t, 6> facts_refused{};  // by trust::Verdict (index 0 unused)
  // The part of facts_refused[untrusted] that is by design: the sender is not trusted for that
  // kind of fact (a leaf telling its router about itself and its peers). A healthy mesh refuses
  // only these.
  std::uint64_t facts_ignored = 0;
  std::uint64_t datagrams_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t facts_sent = 0;
  std::uint64_t boot_id_rolls = 0;
  std::uint64_t cycles = 0;
  std::uint64_t rejected_total() const;
  // Refusals by verdict that are real rejections (facts_refused less facts_ignored).
  std::uint64_t facts_rejected(trust::Verdict v) const;
};

struct AliveInfo {
  BootId boot{};
  TimePoint until{};
};

class GossipEngine {
 public:
  GossipEngine(PrivateKey own_private, EngineOptions options, TimePoint now);
  ~GossipEngine();
  GossipEngine(const GossipEngine&) = delete;
  GossipEngine& operator=(const GossipEngine&) = delete;

  const PublicKey& self() const { return self_; }

  // Inputs.
  void set_local_view(LocalView view, TimePoint now);
  void on_datagram(const IpAddress& source, std::span<const std::uint8_t> bytes, TimePoint now);
  // Replaces our own coordinator token (after a renewal); empty = none. Sent from the next cycle.
  void set_own_token(std::vector<std::uint8_t> token) { options_.own_token = std::move(token); }
  std::vector<OutgoingDatagram> tick(TimePoint now);
  TimePoint next_deadline() const;
  std::uint64_t generation() const { return generation_; }

  // Queries about a subject (accepted facts and local facts, unexpired).
  bool is_member(const PublicKey& subject, TimePoint now) const;  // m/M fact or admission
  std::vector<PublicKey> members(TimePoint now) const;
  std::vector<Endpoint> endpoints_of(const PublicKey& subject, TimePoint now) const;
  std::vector<Cidr> allowed_ips_of(const PublicKey& subject, TimePoint now) const;
  std::optional<MemberMetadata> metadata_of(const PublicKey& subject, TimePoint now) const;
  FeatureSet features_of(const PublicKey& peer) const;
  std::optional<AliveInfo> alive(const PublicKey& peer, TimePoint now) const;
  // Path liveness (feature 0x03): nullopt unless both sides advertise it and neither is a
  // router; otherwise how long since the peer's last accepted datagram.
  std::optional<Duration> silence(const PublicKey& peer, TimePoint now) const;
  bool healthy(const PublicKey& peer) const;  // from the last view (endpoint + fresh handshake)
  trust::Decision trust_of(const PublicKey& peer, TimePoint now) const;
  bool is_router() const { return self_router_; }  // effective (configured or auto-detected)
  std::optional<trust::Level> self_trust() const;
  const BootId& boot_id() const { return boot_; }

  const Counters& counters() const { return counters_; }
  const FactStore& store() const { return store_; }
  trust::TrustEvaluator& trust() { return trust_; }  // coordinator admission: trust().admit()
  const trust::TrustEvaluator& trust() const { return trust_; }

 private:
  struct Peer;
  struct Candidate;  // a stored fact prepared once per cycle for every peer's send filter
  void roll_boot_id();
  // Fast learning: something new goes out at the next flush; note_change() also tells the agent.
  void schedule_flush(TimePoint now);
  void note_change(TimePoint now);
  void run_cycle(TimePoint now, std::vector<OutgoingDatagram>& out);
  std::vector<Fact> local_facts(TimePoint now) const;  // what we say about ourselves and ours
  void refresh_local_facts(TimePoint now);
  void expire(TimePoint now);
  void send_to(Peer& p, const PublicKey& key, TimePoint now, std::vector<OutgoingDatagram>& out);
  void accept_fact(const WireFact& wf, const PublicKey& signer, trust::Level level, Peer& sender,
                   TimePoint now);
  const PairwiseKey* key_for(const PublicKey& peer);
  Peer& peer(const PublicKey& key);
  bool subject_known(const PublicKey& subject, TimePoint now) const;
  bool endpoint_in_tunnel(const Endpoint& ep) const;
  bool liveness_possible() const;  // we speak path liveness and are not a router
  bool fast_liveness(const PublicKey& key, const Peer& p, TimePoint now) const;
  std::optional<TimePoint> next_liveness_ping(TimePoint now) const;
  void send_liveness(TimePoint now, std::vector<OutgoingDatagram>& out);

  PrivateKey own_;
  PublicKey self_;
  EngineOptions options_;
  LocalView view_;
  FactStore store_;
  trust::TrustEvaluator trust_;
  Counters counters_;
  BootId boot_{};
  std::optional<TimePoint> last_cycle_;
  TimePoint next_cycle_{};
  std::size_t queued_since_cycle_ = 0;
  std::optional<TimePoint> flush_at_;
  std::uint64_t generation_ = 0;
  bool self_router_ = false;
  std::unordered_map<PublicKey, std::unique_ptr<Peer>> peers_;
  std::vector<Candidate> candidates_;
};

}  // namespace wl::facts
