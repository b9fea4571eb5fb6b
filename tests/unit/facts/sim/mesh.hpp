// SimMesh: an in-process mesh of full GossipEngines over a fake network and a fake clock,
// for the mesh tests and bench/gossip.
//
// Each node has a stand-in for the agent (a minimal peer state machine: add members to the
// device, take an endpoint from accepted facts, "handshake" when both sides have each other,
// re-handshake every 120 s like WireGuard, add trusted allowed IPs when healthy and alive).
// Datagrams are delivered at once, and only through a tunnel that both ends have configured
// (WireGuard's cryptokey routing), with the sender's link-local address as the source.
// Everything else (codec, MAC, trust, store, send filter) is the real thing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "wirelink/facts/engine.hpp"

namespace wl::facts::sim {

struct SimPeer {
  std::optional<Endpoint> endpoint;
  WallTime last_handshake{};
  std::vector<Cidr> allowed_ips;
};

struct SimNode {
  std::size_t index = 0;
  bool router = false;
  bool running = true;
  // False while only its WireGuard device is up: it handshakes, its agent neither runs nor
  // receives (a new host whose agent starts after its tunnel).
  bool listening = true;
  // Datagrams that reached its device while its agent was not listening (lost).
  std::uint64_t lost_not_listening = 0;
  PublicKey key;
  Endpoint underlay;  // its "public" address and WireGuard port
  Cidr overlay;       // its own tunnel address (/32 for leaves, the subnet for the router)
  std::unique_ptr<GossipEngine> engine;
  std::map<PublicKey, SimPeer> device;
  std::vector<ConfiguredPeerView> config;
  std::uint64_t datagrams_delivered = 0;
  std::uint64_t restarts = 0;
  // The engine's feature set when not the default (set before the node's first cycle).
  std::optional<FeatureSet> features;
};

class SimMesh {
 public:
  explicit SimMesh(TimePoint start, std::uint64_t seed = 1);

  // A router (10.0.0.0/16) or a leaf configured only with the router. Leaves are added to the
  // router's device (the administrator's part); returns the node index.
  std::size_t add_router();
  std::size_t add_leaf();
  // The node stops: no cycles, no datagrams in or out.
  void stop(std::size_t index);
  // The node's agent restarts: a new engine with the same key (a new boot id, an empty store);
  // its WireGuard device keeps its peers, like a kernel device across an agent restart.
  void restart(std::size_t index);
  // The node's device is up but its agent is not running yet (see SimNode::listening), until
  // start_agent(), which starts a fresh engine at once.
  void hold_agent(std::size_t index);
  void start_agent(std::size_t index);

  // Runs the mesh until `until` in steps of `step`.
  void run_until(TimePoint until, Duration step = std::chrono::seconds(1));
  TimePoint now() const { return now_; }

  SimNode& node(std::size_t i) { return *nodes_[i]; }
  std::size_t size() const { return nodes_.size(); }
  std::size_t router_index() const { return router_; }

  // Does `observer` know `subject` as a member with an endpoint and its allowed IP?
  bool knows(std::size_t observer, std::size_t subject) const;
  bool knows_anything_about(std::size_t observer, std::size_t subject) const;

  // Every datagram delivered (sender, recipient, bytes), when capture is on.
  struct Captured {
    std::size_t from, to;
    TimePoint at;
    std::vector<std::uint8_t> bytes;
  };
  bool capture = false;
  std::vector<Captured> captured;

  // Thread CPU time spent inside the router's engine (its cycles, its view, received
  // datagrams), for bench/gossip.
  std::chrono::nanoseconds router_cpu{0};

 private:
  std::size_t add_node(bool router);
  void start_engine(SimNode& n, TimePoint at);
  void agent_step(SimNode& n);
  void handshakes(SimNode& n);
  LocalView view_of(const SimNode& n) const;
  void deliver(SimNode& from, std::vector<OutgoingDatagram>& out);
  WallTime wall() const { return wall_start_ + (now_ - start_); }

  TimePoint start_, now_;
  WallTime wall_start_;
  std::uint64_t seed_;
  std::size_t router_ = SIZE_MAX;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::unordered_map<PublicKey, std::size_t> by_key_;
  std::uint64_t rng_state_;
};

}  // namespace wl::facts::sim
