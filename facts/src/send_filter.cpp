#include "wirelink/facts/send_filter.hpp"

#include "wirelink/facts/timing.hpp"

namespace wl::facts {

void SendFilter::note_known(FactId id, TimePoint peer_expires, std::optional<TimePoint> noted) {
  auto [it, inserted] = known_.try_emplace(id.slot, Entry{id.generation, peer_expires, noted});
  if (!inserted) {
    // A recycled slot means a different fact: replace. Same fact: keep the later copy.
    if (it->second.generation != id.generation || peer_expires > it->second.expires)
      it->second = Entry{id.generation, peer_expires, noted};
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

bool SendFilter::observe_boot_id(const BootId& boot, std::optional<TimePoint> now) {
  if (boot_ && *boot_ == boot) return false;
  const bool first = !boot_;
  boot_ = boot;
  if (!first || !now) {
    // A new boot id: the peer's agent restarted and lost what we sent, so forget it all and
    // send everything again instead of waiting two minutes for the regular re-send.
    known_.clear();
    alive_known_until.reset();
    return true;
  }
  // The first boot id we hear: what we sent before the peer's agent was listening is lost, but
  // what we sent just now is what this datagram answers (a restarted node's first send), and
  // sending it again would double a restart's traffic.
  const TimePoint recent = *now - timing::kFirstAnswerWindow;
  std::erase_if(known_,
                [&](const auto& kv) { return !kv.second.noted || *kv.second.noted < recent; });
  if (!alive_sent_at || *alive_sent_at < recent) alive_known_until.reset();
  return true;
}

void SendFilter::prune(TimePoint now) {
  std::erase_if(known_, [now](const auto& kv) { return kv.second.expires <= now; });
}

}  // namespace wl::facts
