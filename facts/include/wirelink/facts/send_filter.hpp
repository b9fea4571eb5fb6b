// SendFilter: what one peer already knows, so each fact is re-sent only about every two
// minutes (PROTOCOL.md §6).
//
// Contract: single-threaded, no I/O. A fact is due for a peer when the peer's copy would
// expire within kResendWithin (132.5 s) and ours expires later than theirs. Facts received
// from the peer count as known to it. The first boot id heard from the peer, and every change
// of it, forgets everything (facts sent before may have been lost: the peer's agent was not
// listening, or restarted). A router sends its facts only after it heard the peer's boot id
// (or after kUnheardHold without an answer), so a first contact sends them once.
#pragma once

#include <optional>
#include <unordered_map>

#include "wirelink/base/clock.hpp"
#include "wirelink/facts/fact.hpp"
#include "wirelink/facts/store.hpp"

namespace wl::facts {

class SendFilter {
 public:
  // The peer has (or was sent) the fact with this expiry.
  void note_known(FactId id, TimePoint peer_expires);
  bool due(FactId id, TimePoint our_expires, TimePoint now) const;
  // When the peer's copy of `id` expires, if recorded.
  std::optional<TimePoint> known_until(FactId id) const;
  // Returns true when the boot id is the first or differs from the last one seen, and then
  // forgets everything recorded for the peer.
  bool observe_boot_id(const BootId& boot);
  // Whether any boot id was heard from the peer: until then we do not know that its agent
  // is running, and what we send it first may be lost.
  bool heard_boot_id() const { return boot_.has_value(); }
  // Drops records whose copy has expired (bounded memory).
  void prune(TimePoint now);
  void clear() { known_.clear(); }
  std::size_t size() const { return known_.size(); }

  // Our own alive fact as the peer last got it (the ping schedule).
  std::optional<TimePoint> alive_known_until;
  // While no boot id was heard from the peer: when we first sent it a ping. Until
  // kUnheardHold after that it gets only a router's pings (its agent may not listen yet; a running
  // agent answers at its next flush, and then it gets everything, once).
  std::optional<TimePoint> unheard_since;

 private:
  struct Entry {
    std::uint32_t generation;
    TimePoint expires;
  };
  std::unordered_map<std::uint32_t, Entry> known_;
  std::optional<BootId> boot_;
};

}  // namespace wl::facts
