// SendFilter: what one peer already knows, so each fact is re-sent only about every two
// minutes (PROTOCOL.md §6).
//
// Contract: single-threaded, no I/O. A fact is due for a peer when the peer's copy would
// expire within kResendWithin (132.5 s) and ours expires later than theirs. Facts received
// from the peer count as known to it. A change of the peer's boot id forgets everything (facts
// sent before may have been lost); the first boot id heard forgets what was noted more than
// kFirstAnswerWindow before it (sent before the peer's agent listened) and keeps the rest (what
// the peer's datagram answers), so a first contact does not send everything twice.
#pragma once

#include <optional>
#include <unordered_map>

#include "wirelink/base/clock.hpp"
#include "wirelink/facts/fact.hpp"
#include "wirelink/facts/store.hpp"

namespace wl::facts {

class SendFilter {
 public:
  // The peer has (or was sent, at `noted`) the fact with this expiry. Without `noted` the
  // record counts as old for the first boot id.
  void note_known(FactId id, TimePoint peer_expires, std::optional<TimePoint> noted = {});
  bool due(FactId id, TimePoint our_expires, TimePoint now) const;
  // When the peer's copy of `id` expires, if recorded.
  std::optional<TimePoint> known_until(FactId id) const;
  // Returns true when the boot id is the first or differs from the last one seen, and then
  // forgets: everything for a change (or without `now`), for the first one what was noted
  // before now - kFirstAnswerWindow.
  bool observe_boot_id(const BootId& boot, std::optional<TimePoint> now = {});
  // Whether any boot id was heard from the peer: until then we do not know that its agent
  // is running, and what we send it first may be lost.
  bool heard_boot_id() const { return boot_.has_value(); }
  // Drops records whose copy has expired (bounded memory).
  void prune(TimePoint now);
  void clear() { known_.clear(); }
  std::size_t size() const { return known_.size(); }

  // Our own alive fact as the peer last got it (the ping schedule).
  std::optional<TimePoint> alive_known_until;
  // When alive_known_until was last set (the first boot id keeps a ping this recent).
  std::optional<TimePoint> alive_sent_at;

 private:
  struct Entry {
    std::uint32_t generation;
    TimePoint expires;
    std::optional<TimePoint> noted;
  };
  std::unordered_map<std::uint32_t, Entry> known_;
  std::optional<BootId> boot_;
};

}  // namespace wl::facts
