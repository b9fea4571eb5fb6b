// An in-memory WireGuard device with `wg set` semantics, and a scripted gossip view, for
// state-machine tests (no kernel, no sockets, fake clock).
#pragma once

#include <algorithm>
#include <map>

#include "wirelink/agent/device.hpp"
#include "wirelink/agent/gossip.hpp"
#include "wirelink/facts/local_view.hpp"

namespace wl::agent::test {

class FakeDevice final : public WireGuardDevice {
 public:
  device_model::DeviceState state;
  int sets = 0;

  Result<device_model::DeviceState> get() override {
    device_model::DeviceState s;
    s.ifname = state.ifname;
    s.listen_port = state.listen_port;
    s.public_key = state.public_key;
    if (state.private_key) s.private_key = state.private_key->clone();
    for (const auto& p : state.peers) {
      device_model::PeerState q;
      q.public_key = p.public_key;
      q.endpoint = p.endpoint;
      q.last_handshake = p.last_handshake;
      q.allowed_ips = p.allowed_ips;
      q.rx_bytes = p.rx_bytes;
      q.tx_bytes = p.tx_bytes;
      s.peers.push_back(std::move(q));
    }
    return s;
  }

  Result<void> set(const device_model::DeviceConfig& cfg) override {
    ++sets;
    for (const auto& pc : cfg.peers) {
      auto it = std::find_if(
          state.peers.begin(), state.peers.end(),
          [&](const device_model::PeerState& p) { return p.public_key == pc.public_key; });
      if (pc.remove) {
        if (it != state.peers.end()) state.peers.erase(it);
        continue;
      }
      if (it == state.peers.end()) {
        if (pc.update_only) continue;
        state.peers.emplace_back();
        state.peers.back().public_key = pc.public_key;
        it = state.peers.end() - 1;
      }
      if (pc.endpoint) it->endpoint = pc.endpoint;
      if (pc.replace_allowed_ips) it->allowed_ips.clear();
      for (const auto& a : pc.allowed_ips) {
        // An allowed IP belongs to one peer only, as in WireGuard's routing table.
        for (auto& other : state.peers)
          other.allowed_ips.erase(
              std::remove(other.allowed_ips.begin(), other.allowed_ips.end(), a.cidr),
              other.allowed_ips.end());
        if (!a.remove) it->allowed_ips.push_back(a.cidr);
      }
    }
    return {};
  }
  std::string kind() const override { return "fake"; }

  device_model::PeerState* peer(const PublicKey& k) {
    for (auto& p : state.peers)
      if (p.public_key == k) return &p;
    return nullptr;
  }
};

class ScriptedGossip final : public GossipView {
 public:
  std::map<PublicKey, std::vector<Endpoint>> endpoints;
  std::map<PublicKey, std::vector<Cidr>> aips;
  std::vector<PublicKey> member_keys;
  std::map<PublicKey, TimePoint> alive_until;
  std::map<PublicKey, Duration> silence;  // path liveness negotiated: time since last datagram
  std::vector<PublicKey> pinged;
  facts::LocalView last_view;
  // Every datagram counts as news (the engine's generation moves) unless a test says otherwise.
  bool datagrams_are_news = true;
  std::uint64_t gen = 0;

  void set_local_view(const facts::LocalView& v, TimePoint) override { last_view = v; }
  void set_config(const Config&) override {}
  void on_datagram(const IpAddress&, std::span<const std::uint8_t>, TimePoint) override {
    if (datagrams_are_news) ++gen;
  }
  std::uint64_t generation() const override { return gen; }
  std::vector<OutgoingDatagram> tick(TimePoint) override { return {}; }
  void request_ping(const PublicKey& k) { pinged.push_back(k); }
  std::vector<Endpoint> endpoints_of(const PublicKey& k, TimePoint) const override {
    auto it = endpoints.find(k);
    return it == endpoints.end() ? std::vector<Endpoint>{} : it->second;
  }
  std::vector<Cidr> allowed_ips_of(const PublicKey& k, TimePoint) const override {
    auto it = aips.find(k);
    return it == aips.end() ? std::vector<Cidr>{} : it->second;
  }
  std::vector<PublicKey> members(TimePoint) const override { return member_keys; }
  std::optional<Duration> alive_remaining(const PublicKey& k, TimePoint now) const override {
    auto it = alive_until.find(k);
    if (it == alive_until.end() || it->second <= now) return std::nullopt;
    return it->second - now;
  }
  std::optional<Duration> liveness_silence(const PublicKey& k, TimePoint) const override {
    auto it = silence.find(k);
    if (it == silence.end()) return std::nullopt;
    return it->second;
  }
  TrustInfo trust_of(const PublicKey&, TimePoint) const override {
    return {trust::Level::endpoint, "known peer"};
  }
  GossipCounters counters() const override { return {}; }
  std::string dump(TimePoint) const override { return {}; }
};

}  // namespace wl::agent::test
