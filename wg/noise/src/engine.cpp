#include "wirelink/wg/noise/engine.hpp"

#include <algorithm>
#include <cstring>

#include "wirelink/wg/crypto/primitives.hpp"

namespace wl::wg::noise {

Engine::Engine(const Clock& clock, PacketSink& sink, std::size_t mtu)
    : clock_(clock), sink_(sink), mtu_(mtu) {
  crypto::init();
  scratch_.resize(65536 + 64);
}

// ---------------------------------------------------------------- configuration

void Engine::set_private_key(const PrivateKey* key) {
  Key32 k{};
  const bool set = key != nullptr && !key->is_zero();
  if (set) std::memcpy(k.data(), key->data(), 32);
  if (set && id_.has_key && k == id_.private_key) {
    crypto::wipe(k.data(), 32);
    return;
  }
  if (set) {
    id_.set(k);
  } else {
    id_.clear();
  }
  crypto::wipe(k.data(), 32);
  cookie_checker_.set_public_key(id_.public_key);
  if (id_.has_key) remove_peer(PublicKey(id_.public_key));
  for (auto& p : peer_list_) {
    p->hs.recompute_ss(id_);
    expire_current_keypairs(*p);
  }
}

std::shared_ptr<Peer> Engine::add_peer(const PublicKey& key) {
  if (auto it = peers_.find(key); it != peers_.end()) return it->second;
  if (peers_.size() >= kMaxPeers) return nullptr;
  auto p = std::make_shared<Peer>();
  p->public_key = key;
  p->hs.set_remote_static(key.bytes(), id_);
  p->cookies.set_peer_public_key(key.bytes());
  peers_.emplace(key, p);
  peer_list_.push_back(p);
  return p;
}

std::shared_ptr<Peer> Engine::find_peer(const PublicKey& key) const {
  auto it = peers_.find(key);
  return it == peers_.end() ? nullptr : it->second;
}

void Engine::remove_peer(const PublicKey& key) {
  auto it = peers_.find(key);
  if (it == peers_.end()) return;
  std::shared_ptr<Peer> p = it->second;
  peers_.erase(it);
  std::erase(peer_list_, p);
  allowed_.remove_all(p.get());
  zero_key_material(*p);
  timers_stop_all(*p);
  p->staged.clear();
  p->removed = true;
}

void Engine::remove_all_peers() {
  while (!peer_list_.empty()) remove_peer(peer_list_.front()->public_key);
}

void Engine::set_preshared_key(Peer& peer, const PresharedKey* psk) {
  if (psk == nullptr || psk->is_zero()) {
    crypto::wipe(peer.hs.preshared_key.data(), 32);
    peer.has_psk = false;
  } else {
    std::memcpy(peer.hs.preshared_key.data(), psk->data(), 32);
    peer.has_psk = true;
  }
}

void Engine::set_persistent_keepalive(Peer& peer, std::uint16_t seconds) {
  const bool was_off = peer.persistent_keepalive == 0;
  peer.persistent_keepalive = seconds;
  if (seconds == 0) {
    peer.timers.persistent_keepalive = kNever;
  } else if (was_off && id_.has_key && peer.endpoint) {
    // Turning it on sends a keepalive right away (which starts a handshake if needed).
    send_keepalive(peer);
  }
}

// ---------------------------------------------------------------- indices and keypairs

std::uint32_t Engine::new_index(Peer* peer) {
  for (;;) {
    const std::uint32_t idx = crypto::random_u32();
    if (idx == 0) continue;
    auto [it, fresh] = index_.try_emplace(idx);
    if (!fresh) continue;
    it->second.peer = peer->shared_from_this();
    return idx;
  }
}

void Engine::free_index(std::uint32_t idx) {
  if (idx != 0) index_.erase(idx);
}

void Engine::drop_keypair(std::shared_ptr<Keypair>& kp) {
  if (!kp) return;
  free_index(kp->local_index);
  kp.reset();
}

void Engine::zero_key_material(Peer& p) {
  drop_keypair(p.previous);
  drop_keypair(p.current);
  drop_keypair(p.next);
  free_index(p.hs.local_index);
  p.hs.clear();
}

void Engine::expire_current_keypairs(Peer& p) {
  free_index(p.hs.local_index);
  p.hs.clear();
  p.last_sent_handshake = TimePoint::min();
  if (p.current) p.current->send_counter = kRejectAfterMessages;
  if (p.next) p.next->send_counter = kRejectAfterMessages;
}

void Engine::begin_session(Peer& p, bool initiator) {
  auto kp = std::make_shared<Keypair>();
  derive_transport_keys(p.hs, initiator, kp->send_key, kp->recv_key);
  kp->created = clock_.now();
  kp->initiator = initiator;
  kp->local_index = p.hs.local_index;
  kp->remote_index = p.hs.remote_index;
  p.hs.local_index = 0;  // the index now names the keypair
  index_[kp->local_index] = IndexEntry{p.shared_from_this(), kp};
  if (initiator) {
    if (p.next) {
      drop_keypair(p.previous);
      p.previous = std::move(p.next);
      drop_keypair(p.current);
    } else {
      drop_keypair(p.previous);
      p.previous = std::move(p.current);
    }
    p.current = std::move(kp);
  } else {
    drop_keypair(p.next);
    p.next = std::move(kp);
    drop_keypair(p.previous);
  }
  ++stats_.handshakes_completed;
}

// ---------------------------------------------------------------- load

bool Engine::under_load() {
  if (forced_load_) return true;
  return clock_.now() < under_load_until_;
}

// ---------------------------------------------------------------- handshake messages

void Engine::send_handshake(Peer& peer, std::span<const std::uint8_t> msg) {
  peer.tx_bytes += msg.size();
  sink_.send_to_peer(peer, msg);
}

void Engine::on_handshake_message(std::span<const std::uint8_t> msg, const Endpoint& src,
                                  const std::optional<LocalSource>& local) {
  const MessageType t = classify(msg);
  if (t == MessageType::cookie_reply) {
    handle_cookie_reply(msg);
    return;
  }
  if (t != MessageType::initiation && t != MessageType::response) {
    ++stats_.malformed;
    return;
  }
  const std::size_t mac1 = t == MessageType::initiation ? kInitiationMac1 : kResponseMac1;
  if (!id_.has_key) {
    ++stats_.bad_handshake;
    return;
  }
  if (!cookie_checker_.check_mac1(msg, mac1)) {
    ++stats_.bad_mac1;
    return;
  }
  const TimePoint now = clock_.now();
  // Under-load detection counts handshake messages that passed mac1 per second.
  if (now - load_window_start_ >= std::chrono::seconds(1)) {
    load_window_start_ = now;
    load_count_ = 0;
  }
  if (++load_count_ >= kUnderLoadHandshakesPerSecond) under_load_until_ = now + kUnderLoadAfterTime;
  if (under_load()) {
    if (!cookie_checker_.check_mac2(msg, mac1, src, now)) {
      std::uint8_t reply[kCookieReplySize];
      cookie_checker_.make_reply(reply, msg, mac1, src, now);
      ++stats_.cookies_sent;
      sink_.send_to_endpoint(src, reply);
      return;
    }
    if (!ratelimiter_.allow(src.address(), now)) {
      ++stats_.ratelimited;
      return;
    }
  }
  if (t == MessageType::initiation) {
    handle_initiation(msg, src, local);
  } else {
    handle_response(msg, src, local);
  }
}

void Engine::handle_initiation(std::span<const std::uint8_t> msg, const Endpoint& src,
                               const std::optional<LocalSource>& local) {
  PendingInitiation pending;
  if (!open_initiation(id_, msg, pending)) {
    ++stats_.bad_handshake;
    return;
  }
  auto it = peers_.find(PublicKey(pending.remote_static));
  if (it == peers_.end()) {
    ++stats_.bad_handshake;
    return;
  }
  Peer& p = *it->second;
  Tai64n ts{};
  if (!finish_initiation(p.hs, msg, pending, ts)) {
    ++stats_.bad_handshake;
    return;
  }
  if (!tai64n_after(ts, p.hs.greatest_timestamp)) {
    ++stats_.replayed_initiation;
    return;
  }
  const TimePoint now = clock_.now();
  if (p.last_initiation_consumed != TimePoint::min() &&
      now - p.last_initiation_consumed < kHandshakeInitiationRate) {
    ++stats_.flooded_initiation;
    return;
  }
  free_index(p.hs.local_index);
  commit_initiation(p.hs, pending, ts);
  p.last_initiation_consumed = now;
  p.endpoint = src;
  p.local_source = local;
  p.rx_bytes += msg.size();
  timers_any_authenticated_packet_traversal(p);
  timers_any_authenticated_packet_received(p);

  std::uint8_t out[kResponseSize];
  const std::uint32_t idx = new_index(&p);
  if (!create_response(p.hs, idx, out)) {
    free_index(idx);
    p.hs.clear();
    ++stats_.bad_handshake;
    return;
  }
  p.cookies.stamp(std::span<std::uint8_t>(out, kResponseSize), kResponseMac1, now);
  begin_session(p, false);
  timers_session_derived(p);
  timers_any_authenticated_packet_traversal(p);
  timers_any_authenticated_packet_sent(p);
  send_handshake(p, std::span<const std::uint8_t>(out, kResponseSize));
}

void Engine::handle_response(std::span<const std::uint8_t> msg, const Endpoint& src,
                             const std::optional<LocalSource>& local) {
  const std::uint32_t receiver = load_le32(msg.data() + 8);
  auto it = index_.find(receiver);
  if (it == index_.end() || it->second.keypair) {
    ++stats_.unknown_index;
    return;
  }
  Peer& p = *it->second.peer;
  if (p.hs.local_index != receiver || !consume_response(id_, p.hs, msg)) {
    ++stats_.bad_handshake;
    return;
  }
  p.endpoint = src;
  p.local_source = local;
  p.rx_bytes += msg.size();
  timers_any_authenticated_packet_traversal(p);
  timers_any_authenticated_packet_received(p);
  begin_session(p, true);
  timers_session_derived(p);
  timers_handshake_complete(p);
  send_keepalive(p);
}

void Engine::handle_cookie_reply(std::span<const std::uint8_t> msg) {
  auto it = index_.find(load_le32(msg.data() + 4));
  if (it == index_.end()) {
    ++stats_.unknown_index;
    return;
  }
  if (!it->second.peer->cookies.consume_reply(msg, clock_.now())) {
    ++stats_.bad_handshake;
    return;
  }
  ++stats_.cookies_received;
}

void Engine::endpoint_moved(Peer& p) {
  if (p.timers.retransmit_handshake == kNever) return;  // no handshake waiting for an answer
  p.last_sent_handshake = TimePoint::min();
  initiate(p, true);  // counts as a retry: the give-up limit still holds
}

void Engine::initiate(Peer& p, bool retry) {
  // A batch may finish after its peer was removed: never allocate indices for it again.
  if (p.removed) return;
  if (!retry) p.timers.handshake_attempts = 0;
  const TimePoint now = clock_.now();
  if (p.last_sent_handshake != TimePoint::min() && now - p.last_sent_handshake < kRekeyTimeout)
    return;
  if (!id_.has_key || !p.hs.ss_valid) return;
  p.last_sent_handshake = now;
  free_index(p.hs.local_index);
  p.hs.clear();
  std::uint8_t out[kInitiationSize];
  const std::uint32_t idx = new_index(&p);
  if (!create_initiation(id_, p.hs, idx, tai64n_from(clock_.wall()), out)) {
    free_index(idx);
    p.hs.clear();
    return;
  }
  p.cookies.stamp(std::span<std::uint8_t>(out, kInitiationSize), kInitiationMac1, now);
  timers_any_authenticated_packet_traversal(p);
  timers_any_authenticated_packet_sent(p);
  send_handshake(p, std::span<const std::uint8_t>(out, kInitiationSize));
  timers_handshake_initiated(p);
}

// ---------------------------------------------------------------- transport receive

bool Engine::lookup_transport(std::span<const std::uint8_t> d, RecvTicket& out) {
  auto it = index_.find(transport_receiver(d.data()));
  if (it == index_.end() || !it->second.keypair) {
    ++stats_.unknown_index;
    return false;
  }
  const Keypair& kp = *it->second.keypair;
  if (transport_counter(d.data()) >= kRejectAfterMessages ||
      clock_.now() - kp.created >= kRejectAfterTime) {
    ++stats_.expired_keypair;
    return false;
  }
  out.peer = it->second.peer;
  out.keypair = it->second.keypair;
  return true;
}

RecvVerdict Engine::on_transport_authenticated(RecvTicket& t, std::uint64_t counter,
                                               std::span<const std::uint8_t> plaintext,
                                               std::size_t datagram_len, const Endpoint& src,
                                               std::size_t& inner_len,
                                               const std::optional<LocalSource>& local) {
  Peer& p = *t.peer;
  Keypair& kp = *t.keypair;
  if (p.removed) return RecvVerdict::drop;
  if (!kp.replay.accept(counter, kRejectAfterMessages)) {
    ++stats_.replayed_data;
    return RecvVerdict::drop;
  }
  if (p.next == t.keypair) {
    // Key confirmation: the initiator used the new keypair, so it becomes current.
    drop_keypair(p.previous);
    p.previous = std::move(p.current);
    p.current = std::move(p.next);
    timers_handshake_complete(p);
    send_staged(p);
  }
  if (kp.initiator && !p.timers.sent_last_minute_handshake && p.current == t.keypair &&
      clock_.now() - kp.created >= kRekeyOnReceiveTime) {
    p.timers.sent_last_minute_handshake = true;
    initiate(p, false);
  }
  p.endpoint = src;
  p.local_source = local;
  p.rx_bytes += datagram_len;
  timers_any_authenticated_packet_received(p);
  timers_any_authenticated_packet_traversal(p);
  if (plaintext.empty()) return RecvVerdict::keepalive;
  inner_len = inner_packet_length(plaintext);
  if (inner_len == 0) {
    ++stats_.bad_transport;
    return RecvVerdict::drop;
  }
  const std::uint8_t* ip = plaintext.data();
  Peer* owner = (ip[0] >> 4) == 4 ? allowed_.lookup_v4(ip + 12) : allowed_.lookup_v6(ip + 8);
  if (owner != &p) {
    ++stats_.disallowed_source;
    return RecvVerdict::drop;
  }
  timers_data_received(p);
  return RecvVerdict::deliver;
}

RecvVerdict Engine::receive(std::span<std::uint8_t> d, const Endpoint& src, std::size_t* inner_len,
                            const std::optional<LocalSource>& local) {
  const MessageType t = classify(d);
  if (t == MessageType::invalid) {
    ++stats_.malformed;
    return RecvVerdict::drop;
  }
  if (t != MessageType::transport) {
    on_handshake_message(d, src, local);
    return RecvVerdict::drop;
  }
  RecvTicket ticket;
  if (!lookup_transport(d, ticket)) return RecvVerdict::drop;
  if (!open_transport(*ticket.keypair, d.data(), d.size())) {
    ++stats_.bad_transport;
    return RecvVerdict::drop;
  }
  std::size_t n = 0;
  const auto v = on_transport_authenticated(
      ticket, transport_counter(d.data()),
      d.subspan(kTransportHeaderSize, d.size() - kTransportMinSize), d.size(), src, n, local);
  if (inner_len != nullptr) *inner_len = n;
  return v;
}

// ---------------------------------------------------------------- transport send

Peer* Engine::route(std::span<const std::uint8_t> ip) const {
  if (ip.size() >= 20 && (ip[0] >> 4) == 4) return allowed_.lookup_v4(ip.data() + 16);
  if (ip.size() >= 40 && (ip[0] >> 4) == 6) return allowed_.lookup_v6(ip.data() + 24);
  return nullptr;
}

bool Engine::grant_send(Peer& p, std::size_t n, SendGrant& out) {
  Keypair* kp = p.current.get();
  if (kp == nullptr || !p.endpoint || clock_.now() - kp->created >= kRejectAfterTime ||
      kp->send_counter + n >= kRejectAfterMessages || kp->send_counter + n < kp->send_counter)
    return false;
  out.keypair = p.current;
  out.first_counter = kp->send_counter;
  kp->send_counter += n;
  return true;
}

void Engine::stage(Peer& p, std::span<const std::uint8_t> ip) {
  if (p.removed) return;
  if (p.staged.size() >= kMaxStagedPackets) p.staged.pop_front();
  p.staged.emplace_back(ip.begin(), ip.end());
  initiate(p, false);
}

void Engine::on_data_sent(Peer& p, const Keypair& kp, std::size_t packets, std::size_t bytes,
                          bool keepalive_only) {
  if (packets == 0 || p.removed) return;
  p.tx_bytes += bytes;
  timers_any_authenticated_packet_traversal(p);
  timers_any_authenticated_packet_sent(p);
  if (!keepalive_only) timers_data_sent(p);
  // Keep the key fresh: the initiator of a keypair rekeys after time or messages.
  if (kp.initiator &&
      (kp.send_counter > kRekeyAfterMessages || clock_.now() - kp.created >= kRekeyAfterTime))
    initiate(p, false);
}

void Engine::send_staged(Peer& p) {
  if (p.staged.empty()) return;
  SendGrant g;
  if (!grant_send(p, p.staged.size(), g)) {
    initiate(p, false);
    return;
  }
  std::size_t bytes = 0;
  bool data = false;
  std::uint64_t ctr = g.first_counter;
  const std::size_t n = p.staged.size();
  while (!p.staged.empty()) {
    const auto& pkt = p.staged.front();
    std::uint8_t* buf = scratch_.data();
    if (!pkt.empty()) std::memcpy(buf + kTransportHeaderSize, pkt.data(), pkt.size());
    const std::size_t len = seal_transport(*g.keypair, ctr++, buf, pkt.size(), mtu_);
    bytes += len;
    data = data || !pkt.empty();
    sink_.send_to_peer(p, std::span<const std::uint8_t>(buf, len));
    p.staged.pop_front();
  }
  on_data_sent(p, *g.keypair, n, bytes, !data);
}

void Engine::send_keepalive(Peer& p) {
  if (p.staged.empty()) p.staged.emplace_back();
  send_staged(p);
}

bool Engine::send_packet(std::span<const std::uint8_t> ip) {
  if (ip.size() > mtu_ || ip.empty()) return false;
  Peer* p = route(ip);
  if (p == nullptr || !p->endpoint) return false;
  SendGrant g;
  if (!grant_send(*p, 1, g)) {
    stage(*p, ip);
    return false;
  }
  std::uint8_t* buf = scratch_.data();
  std::memcpy(buf + kTransportHeaderSize, ip.data(), ip.size());
  const std::size_t len = seal_transport(*g.keypair, g.first_counter, buf, ip.size(), mtu_);
  sink_.send_to_peer(*p, std::span<const std::uint8_t>(buf, len));
  on_data_sent(*p, *g.keypair, 1, len, false);
  return true;
}

Duration Engine::jitter() {
  return std::chrono::milliseconds(
      crypto::random_uniform(static_cast<std::uint32_t>(kRekeyTimeoutJitterMax.count())));
}

}  // namespace wl::wg::noise
