// The agent's nft table over its lifetime: created at start (a stale one replaced), kept in
// step with the admitted clients, the kill switch and the relay leases, removed at stop.
//
// Contract: every change is one Nft::apply() (one transaction), so a rotation swaps clients
// without an instant where neither or both are admitted, and a failed apply leaves the last
// applied state in place and in this object's memory (the next call retries the difference).
// Calls before start() or after stop() change nothing and return errc::not_connected.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "wirelink/agent/exit/exit_rules.hpp"
#include "wirelink/agent/exit/nft.hpp"

namespace wl::agent::exit {

class ExitTable {
 public:
  ExitTable(Nft& nft, TableSpec spec) : nft_(nft), spec_(std::move(spec)) {}
  ExitTable(const ExitTable&) = delete;
  ExitTable& operator=(const ExitTable&) = delete;
  ~ExitTable() { (void)stop(); }

  Result<void> start();
  Result<void> stop();
  bool started() const { return started_; }

  // Exit: the admitted clients' tunnel prefixes now (any order, duplicates allowed).
  Result<void> set_clients(std::vector<Cidr> want);
  const std::vector<Cidr>& clients() const { return clients_; }

  // Client: the kill switch engaged (no live exit while exit traffic is wanted) or released.
  Result<void> set_kill_switch(bool engaged, const std::vector<Cidr>& lan);
  bool kill_switch_engaged() const { return engaged_; }

  // Relay: the leases now, by leased port.
  Result<void> set_leases(const std::map<std::uint16_t, Endpoint>& want);

 private:
  Nft& nft_;
  TableSpec spec_;
  bool started_ = false;
  std::vector<Cidr> clients_;  // sorted
  bool engaged_ = false;
  std::vector<Cidr> lan_;
  std::map<std::uint16_t, Endpoint> leases_;
};

}  // namespace wl::agent::exit
