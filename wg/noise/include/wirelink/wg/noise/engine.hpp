// Engine: the WireGuard protocol core of one device. It owns the static identity, the peers,
// the index table, the cookie checker, the ratelimiter and the allowed-IPs table, and turns
// received datagrams, outgoing packets and the passage of time into datagrams for a
// PacketSink. It performs no I/O and reads time only from the injected Clock.
//
// Contract: not thread-safe: the owner serialises every call (the device holds one mutex).
// The hot paths are split so the expensive AEAD work can run outside that lock:
//   send:    route() -> grant_send() -> [seal_transport() unlocked] -> on_data_sent()
//   receive: lookup_transport() -> [open_transport() unlocked] -> on_transport_authenticated()
// receive()/send_packet() chain those for tests, the fuzzer and slow paths. Bad input is
// dropped and counted in stats(); nothing here throws or logs.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/wg/allowedips/allowed_ips.hpp"
#include "wirelink/wg/noise/constants.hpp"
#include "wirelink/wg/noise/cookie.hpp"
#include "wirelink/wg/noise/handshake.hpp"
#include "wirelink/wg/noise/messages.hpp"
#include "wirelink/wg/noise/peer.hpp"
#include "wirelink/wg/noise/ratelimiter.hpp"

namespace wl::wg::noise {

// Where the Engine's datagrams go. Called with the Engine's lock held.
class PacketSink {
 public:
  virtual ~PacketSink() = default;
  // To the peer's current endpoint (drop silently if it has none).
  virtual void send_to_peer(Peer& peer, std::span<const std::uint8_t> datagram) = 0;
  // Cookie replies go back to the source of the message they answer.
  virtual void send_to_endpoint(const Endpoint& to, std::span<const std::uint8_t> datagram) = 0;
};

struct EngineStats {
  std::uint64_t malformed = 0;  // wrong size or type word
  std::uint64_t bad_mac1 = 0;
  std::uint64_t cookies_sent = 0;  // under load, mac2 missing or stale
  std::uint64_t cookies_received = 0;
  std::uint64_t ratelimited = 0;
  std::uint64_t bad_handshake = 0;  // failed decryption, unknown peer, wrong state
  std::uint64_t replayed_initiation = 0;
  std::uint64_t flooded_initiation = 0;
  std::uint64_t unknown_index = 0;
  std::uint64_t expired_keypair = 0;
  std::uint64_t bad_transport = 0;  // tag mismatch or malformed inner packet
  std::uint64_t replayed_data = 0;
  std::uint64_t disallowed_source = 0;
  std::uint64_t handshakes_completed = 0;
};

struct SendGrant {
  std::shared_ptr<Keypair> keypair;
  std::uint64_t first_counter = 0;
};

struct RecvTicket {
  std::shared_ptr<Peer> peer;
  std::shared_ptr<Keypair> keypair;
};

enum class RecvVerdict : std::uint8_t { drop, keepalive, deliver };

class Engine {
 public:
  Engine(const Clock& clock, PacketSink& sink, std::size_t mtu = 1420);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // ---- configuration (UAPI) ----
  // An all-zero key removes it. Peers whose public key equals the new public key are removed.
  void set_private_key(const PrivateKey* key);
  const StaticIdentity& identity() const { return id_; }
  void set_mtu(std::size_t mtu) { mtu_ = mtu; }
  std::size_t mtu() const { return mtu_; }
  // Returns the existing peer or creates it; null when the peer limit is reached.
  std::shared_ptr<Peer> add_peer(const PublicKey& key);
  std::shared_ptr<Peer> find_peer(const PublicKey& key) const;
  void remove_peer(const PublicKey& key);
  void remove_all_peers();
  void set_preshared_key(Peer& peer, const PresharedKey* psk);  // null or zero = none
  void set_persistent_keepalive(Peer& peer, std::uint16_t seconds);
  // Peers in insertion order.
  const std::vector<std::shared_ptr<Peer>>& peers() const { return peer_list_; }
  AllowedIps<Peer*>& allowed_ips() { return allowed_; }
  const AllowedIps<Peer*>& allowed_ips() const { return allowed_; }

  // ---- receive ----
  // Any datagram from the network. For transport data that is delivered, the IP packet is
  // at datagram + 16 with length *inner_len.
  // `local` (when known) is where the datagram arrived; it becomes the peer's pinned source
  // whenever `src` becomes its endpoint.
  RecvVerdict receive(std::span<std::uint8_t> datagram, const Endpoint& src,
                      std::size_t* inner_len = nullptr,
                      const std::optional<LocalSource>& local = std::nullopt);
  // Handshake initiation, response and cookie reply messages.
  void on_handshake_message(std::span<const std::uint8_t> msg, const Endpoint& src,
                            const std::optional<LocalSource>& local = std::nullopt);
  bool lookup_transport(std::span<const std::uint8_t> datagram, RecvTicket& out);
  RecvVerdict on_transport_authenticated(RecvTicket& t, std::uint64_t counter,
                                         std::span<const std::uint8_t> plaintext,
                                         std::size_t datagram_len, const Endpoint& src,
                                         std::size_t& inner_len,
                                         const std::optional<LocalSource>& local = std::nullopt);

  // ---- send ----
  Peer* route(std::span<const std::uint8_t> ip_packet) const;
  // Reserves `n` counters on the peer's current keypair. False when no keypair can send: the
  // caller then stages the packets.
  bool grant_send(Peer& peer, std::size_t n, SendGrant& out);
  void stage(Peer& peer, std::span<const std::uint8_t> ip_packet);
  void on_data_sent(Peer& peer, const Keypair& kp, std::size_t packets, std::size_t bytes,
                    bool keepalive_only);
  // Routes, encrypts and sends one IP packet (slow path; the device batches instead).
  bool send_packet(std::span<const std::uint8_t> ip_packet);

  // ---- time ----
  void tick();
  // Starts a handshake now unless one was sent less than REKEY_TIMEOUT ago.
  void initiate(Peer& peer, bool retry);
  // The operator moved the peer's endpoint. A handshake still waiting for its answer went to
  // the old one and its retry would wait for REKEY_TIMEOUT: send it again now, to the new one
  // (the mesh agent moves endpoints to try them; wireguard-go and the kernel wait).
  void endpoint_moved(Peer& peer);
  void send_keepalive(Peer& peer);

  // ---- load ----
  bool under_load();
  void force_under_load(bool on) { forced_load_ = on; }

  const EngineStats& stats() const { return stats_; }
  const Clock& clock() const { return clock_; }

 private:
  struct IndexEntry {
    std::shared_ptr<Peer> peer;
    std::shared_ptr<Keypair> keypair;  // null: the index names the peer's handshake
  };

  std::uint32_t new_index(Peer* peer);
  void free_index(std::uint32_t idx);
  void drop_keypair(std::shared_ptr<Keypair>& kp);
  void zero_key_material(Peer& peer);
  void begin_session(Peer& peer, bool initiator);
  void send_staged(Peer& peer);
  void expire_current_keypairs(Peer& peer);
  void handle_initiation(std::span<const std::uint8_t> msg, const Endpoint& src,
                         const std::optional<LocalSource>& local);
  void handle_response(std::span<const std::uint8_t> msg, const Endpoint& src,
                       const std::optional<LocalSource>& local);
  void handle_cookie_reply(std::span<const std::uint8_t> msg);
  void send_handshake(Peer& peer, std::span<const std::uint8_t> msg);
  Duration jitter();

  // timer hooks, named after the events that fire them (timers.cpp)
  void timers_data_sent(Peer& p);
  void timers_data_received(Peer& p);
  void timers_any_authenticated_packet_sent(Peer& p);
  void timers_any_authenticated_packet_received(Peer& p);
  void timers_any_authenticated_packet_traversal(Peer& p);
  void timers_handshake_initiated(Peer& p);
  void timers_handshake_complete(Peer& p);
  void timers_session_derived(Peer& p);
  void timers_stop_all(Peer& p);
  void tick_peer(Peer& p, TimePoint now);

  const Clock& clock_;
  PacketSink& sink_;
  std::size_t mtu_;
  StaticIdentity id_;
  CookieChecker cookie_checker_;
  Ratelimiter ratelimiter_;
  std::unordered_map<PublicKey, std::shared_ptr<Peer>> peers_;
  std::vector<std::shared_ptr<Peer>> peer_list_;
  std::unordered_map<std::uint32_t, IndexEntry> index_;
  AllowedIps<Peer*> allowed_;
  EngineStats stats_;
  // under-load detection
  TimePoint load_window_start_{};
  int load_count_ = 0;
  TimePoint under_load_until_{};
  bool forced_load_ = false;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace wl::wg::noise
