// An exit's data plane over the agent's life: forwarding and NAT for admitted clients only.
//
// Contract: start() switches IPv4/IPv6 forwarding on for the WireGuard interface and the
// given uplinks (only where it was off; iface_forwarding.hpp), then creates the agent's table
// (exit_rules.hpp) restricting the uplinks to carrying tunnel replies; on a failure it undoes
// what it did. update() is called every agent cycle with the device peers: the admitted set
// (exit_admission.hpp, checked against the wall clock now) replaces the table's client set in
// one transaction, so an expired, disconnected or rotated-away client stops being forwarded
// at the next cycle. stop() (and the destructor) removes the table and restores forwarding.
// Not thread-safe; the agent's event-loop thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wirelink/agent/exit/exit_admission.hpp"
#include "wirelink/agent/exit/exit_table.hpp"
#include "wirelink/agent/exit/iface_forwarding.hpp"

namespace wl::agent::exit {

class ExitPlane {
 public:
  ExitPlane(std::unique_ptr<Nft> nft, std::string iface, coordinator::KeyRing ring,
            std::string proc_sys = "/proc/sys");
  ExitPlane(const ExitPlane&) = delete;
  ExitPlane& operator=(const ExitPlane&) = delete;
  ~ExitPlane() { stop(); }

  Result<void> start(const std::vector<std::string>& uplinks);
  // On an error the table keeps its last state; the next cycle retries.
  Result<void> update(const PublicKey& self, const std::vector<ClientCandidate>& peers,
                      WallTime now);
  void stop();
  const std::vector<Cidr>& admitted() const;

 private:
  std::unique_ptr<Nft> nft_;
  std::string iface_;
  coordinator::KeyRing ring_;
  IfaceForwarding forwarding_;
  std::optional<ExitTable> table_;
};

// Every interface but loopback and `iface` (if_nameindex): the uplinks an exit may use.
std::vector<std::string> uplinks_except(const std::string& iface);

}  // namespace wl::agent::exit
