// The nft scripts for the agent's own table `inet wirelink_<iface>`: pure text builders.
//
// Contract: every function is pure and returns one nft script meant for one Nft::apply() (one
// transaction). The table holds, depending on the role:
//   exit     sets exit_clients4/6 (admitted clients' tunnel prefixes); chain exit_forward lets
//            them out of the WireGuard interface and their replies back, drops any other
//            forwarding into or out of it and any forwarding between interfaces whose
//            forwarding only the agent switched on; chain exit_nat masquerades them.
//   client   chain kill_switch (output hook): empty while an exit is live, otherwise drops
//            everything leaving an interface other than the WireGuard one, except loopback,
//            the WireGuard UDP itself (its socket's fwmark) and, with allow_lan, local subnets.
//   relay    map relay_leases4 (leased UDP port -> exit address . port): DNAT of a lease's
//            datagrams to its exit and masquerade, so the exit sees the relay.
// Interface names are validated (IFNAMSIZ, [A-Za-z0-9_.-]) by valid_iface(): a name that fails
// never reaches a script.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wirelink/base/ip.hpp"

namespace wl::agent::exit {

bool valid_iface(std::string_view name);
std::string table_name(std::string_view iface);  // wirelink_<iface>

struct TableSpec {
  std::string iface;                    // the WireGuard interface
  bool exit = false;                    // forward and masquerade admitted clients
  std::vector<std::string> forward_on;  // interfaces whose forwarding the agent switched on,
                                        // other than iface: only wg traffic may cross them
  bool v6_only_wg = false;              // the agent switched IPv6 forwarding on globally:
                                        // forwarded IPv6 must come from or go to iface
  bool client = false;                  // kill_switch chain
  std::uint32_t fwmark = 0;             // the WireGuard socket's mark (client)
  bool relay = false;                   // relay_leases4 map and its NAT
};

// Replaces a stale table from an earlier run and creates the current one, in one transaction.
std::string create_table(const TableSpec& spec);
std::string delete_table(std::string_view iface);

// Admitted-client set changes (exit). Prefixes go to the set of their family.
std::string update_clients(std::string_view iface, const std::vector<Cidr>& add,
                           const std::vector<Cidr>& remove);

// The kill switch's rules (client): engaged drops outside traffic; released empties the chain.
std::string kill_switch(std::string_view iface, std::uint32_t fwmark, bool engaged,
                        const std::vector<Cidr>& lan);

struct RelayLease {
  std::uint16_t port = 0;  // the relay's leased UDP port
  Endpoint exit;           // where the lease's datagrams go (IPv4)
};
std::string update_leases(std::string_view iface, const std::vector<RelayLease>& add,
                          const std::vector<std::uint16_t>& remove);

}  // namespace wl::agent::exit
