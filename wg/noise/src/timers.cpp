// Peer timers (whitepaper §6): each hook is named after the event that calls it; tick() fires
// the expired ones. Deadlines are absolute monotonic times, kNever when disarmed.
#include "wirelink/wg/noise/engine.hpp"

namespace wl::wg::noise {

void Engine::timers_data_sent(Peer& p) {
  if (p.timers.new_handshake == kNever)
    p.timers.new_handshake = clock_.now() + kKeepaliveTimeout + kRekeyTimeout + jitter();
}

void Engine::timers_data_received(Peer& p) {
  if (p.timers.send_keepalive == kNever) {
    p.timers.send_keepalive = clock_.now() + kKeepaliveTimeout;
  } else {
    p.timers.need_another_keepalive = true;
  }
}

void Engine::timers_any_authenticated_packet_sent(Peer& p) {
  p.timers.send_keepalive = kNever;
}

void Engine::timers_any_authenticated_packet_received(Peer& p) {
  p.timers.new_handshake = kNever;
}

void Engine::timers_any_authenticated_packet_traversal(Peer& p) {
  if (p.persistent_keepalive > 0)
    p.timers.persistent_keepalive = clock_.now() + std::chrono::seconds(p.persistent_keepalive);
}

void Engine::timers_handshake_initiated(Peer& p) {
  p.timers.retransmit_handshake = clock_.now() + kRekeyTimeout + jitter();
}

void Engine::timers_handshake_complete(Peer& p) {
  p.timers.retransmit_handshake = kNever;
  p.timers.handshake_attempts = 0;
  p.timers.sent_last_minute_handshake = false;
  p.last_handshake = clock_.wall();
}

void Engine::timers_session_derived(Peer& p) {
  p.timers.zero_key_material = clock_.now() + 3 * kRejectAfterTime;
}

void Engine::timers_stop_all(Peer& p) {
  p.timers = PeerTimers{};
}

void Engine::tick_peer(Peer& p, TimePoint now) {
  PeerTimers& t = p.timers;
  if (t.retransmit_handshake <= now) {
    t.retransmit_handshake = kNever;
    if (t.handshake_attempts > kMaxTimerHandshakes) {
      // Give up: drop what waited for the session and forget keys later.
      t.send_keepalive = kNever;
      p.staged.clear();
      if (t.zero_key_material == kNever) t.zero_key_material = now + 3 * kRejectAfterTime;
    } else {
      ++t.handshake_attempts;
      initiate(p, true);
    }
  }
  if (t.send_keepalive <= now) {
    t.send_keepalive = kNever;
    send_keepalive(p);
    if (t.need_another_keepalive) {
      t.need_another_keepalive = false;
      t.send_keepalive = now + kKeepaliveTimeout;
    }
  }
  if (t.new_handshake <= now) {
    t.new_handshake = kNever;
    initiate(p, false);
  }
  if (t.zero_key_material <= now) {
    t.zero_key_material = kNever;
    zero_key_material(p);
  }
  if (t.persistent_keepalive <= now) {
    t.persistent_keepalive = kNever;
    if (p.persistent_keepalive > 0) send_keepalive(p);
  }
}

void Engine::tick() {
  const TimePoint now = clock_.now();
  ratelimiter_.gc(now);
  for (std::size_t i = 0; i < peer_list_.size(); ++i) {
    std::shared_ptr<Peer> keep = peer_list_[i];
    tick_peer(*keep, now);
  }
}

}  // namespace wl::wg::noise
