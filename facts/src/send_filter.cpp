#include "wirelink/facts/send_filter.hpp"

#include "wirelink/facts/timing.hpp"

namespace wl::facts {

void SendFilter::note_known(FactId id, TimePoint peer_expires) {
  auto [it, inserted] = known_.try_emplace(id.slot, Entry{id.generation, peer_expires});
  if (!inserted) {
    // A recycled slot means a different fact: replace. Same fact: keep the later copy.
    if (it->second.generation != id.generation || peer_expires > it->second.expires)
      it->second = Entry{id.generation, peer_expires};
  }
}

std::optional<TimePoint> SendFilter::known_until(FactId id) const {
  auto it = known_.find(id.slot);
  if (it == known_.end() || it->second.generation != id.generation) return std::nullopt;
  return it->second.expires;
}

bool SendFilter::due(FactId id, TimePoint our_expires, TimePoint now) const {
  auto theirs = known_until(id);
  if (!theirs) return true;
  return *theirs - now < timing::kResendWithin && our_expires > *theirs;
}

bool SendFilter::observe_boot_id(const BootId& boot) {
  if (boot_ && *boot_ == boot) return false;
  // The first boot id: what we sent before it may have gone out before the peer's agent
  // listened. A new one: the peer's agent restarted and lost what we sent. Either way, forget
  // it all and send everything again now instead of at the two-minute re-send.
  boot_ = boot;
  known_.clear();
  alive_known_until.reset();
  return true;
}

void SendFilter::prune(TimePoint now) {
  std::erase_if(known_, [now](const auto& kv) { return kv.second.expires <= now; });
}

}  // namespace wl::facts
