// AgentStatus: the snapshot `wirelink show` prints, and its two renderings.
//
// Contract: pure. render_json's schema is stable and documented in docs/readme-agent.md
// ("schema": 1); fields are only ever added, never renamed or removed, within a schema number.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wirelink/agent/gossip.hpp"
#include "wirelink/agent/peer_state_machine.hpp"

namespace wl::agent {

struct CoordinatorStatus {
  std::string url;
  std::string state;  // starting, registered, unreachable, refused, expired, stopped, disabled
  bool has_token = false;
  WallTime token_expires{};
  std::string cohort;
  std::size_t assigned_peers = 0;
  std::string last_error;
  std::string detail;           // what a registered peer's match waits for ("" when none)
  std::string warning;          // the coordinator's note at registration
  std::vector<PublicKey> path;  // the assignment's hops: relay first, the exit last
  bool exit = false;            // this agent offers exit capacity
  int exit_cohorts = -1;        // as an exit: live cohorts and clients (-1: not known yet)
  int exit_clients = -1;
};

struct AgentStatus {
  std::string iface;
  std::string backend;  // "uapi", "kernel"
  PublicKey public_key;
  IpAddress link_local;
  std::uint16_t listen_port = 0;
  std::uint16_t fact_port = 0;
  bool fact_socket_bound = false;
  bool router = false;
  bool interface_up = false;
  bool allow_deconfigure = false;
  bool allow_delete = false;
  Duration uptime{};
  std::uint64_t cycles = 0;
  std::uint64_t device_errors = 0;
  std::uint64_t link_events = 0;
  std::string config_file;
  std::vector<PeerStatus> peers;
  GossipCounters counters;
  bool coordinator_enabled = false;  // CoordinatorURL set
  CoordinatorStatus coordinator;
  WallTime wall_now{};  // for "expires in"
};

std::string render_json(const AgentStatus& s);
std::string render_table(const AgentStatus& s);

// "3 seconds", "2 minutes, 5 seconds" (as `wg show` words it).
std::string human_duration(Duration d);
// "1.20 KiB"
std::string human_bytes(std::uint64_t b);

}  // namespace wl::agent
