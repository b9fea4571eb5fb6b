// Text of the agent's nft table. Chains are base chains at the standard priorities so the
// host's own tables keep working: a packet must pass every table's verdict, and ours only
// drops what the agent itself opened up (forwarding it switched on) or what the kill switch
// must keep off the wire.
#include "wirelink/agent/exit/exit_rules.hpp"

#include <algorithm>
#include <cstdio>

namespace wl::agent::exit {

namespace {

std::string q(std::string_view iface) {
  return "\"" + std::string(iface) + "\"";
}

std::string hex(std::uint32_t v) {
  char buf[16];
  (void)std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

// "add|delete element inet T set { a, b }" for one family; nothing when no prefix matches.
std::string elements(const char* verb, std::string_view table, const char* set,
                     const std::vector<Cidr>& cidrs, bool v4) {
  std::string list;
  for (const auto& c : cidrs) {
    if (c.address().is_v4() != v4) continue;
    if (!list.empty()) list += ", ";
    list += c.to_string();
  }
  if (list.empty()) return {};
  return std::string(verb) + " element inet " + std::string(table) + " " + set + " { " + list +
         " }\n";
}

std::string exit_part(const TableSpec& s, const std::string& t) {
  const std::string wg = q(s.iface);
  std::string out;
  out += "add set inet " + t + " exit_clients4 { type ipv4_addr; flags interval; }\n";
  out += "add set inet " + t + " exit_clients6 { type ipv6_addr; flags interval; }\n";
  out += "add chain inet " + t +
         " exit_forward { type filter hook forward priority filter; policy accept; }\n";
  const std::string fwd = "add rule inet " + t + " exit_forward ";
  out += fwd + "iifname " + wg + " oifname != " + wg + " ip saddr @exit_clients4 counter accept\n";
  out += fwd + "iifname " + wg + " oifname != " + wg + " ip6 saddr @exit_clients6 counter accept\n";
  out += fwd + "oifname " + wg + " iifname != " + wg +
         " ct state established,related counter accept\n";
  // Everyone else's tunnel packets stop here: a peer without a token for this exit gets
  // nothing forwarded.
  out += fwd + "iifname " + wg + " oifname != " + wg + " counter drop\n";
  out += fwd + "oifname " + wg + " iifname != " + wg + " counter drop\n";
  if (!s.forward_on.empty()) {
    std::string names;
    for (const auto& n : s.forward_on) names += (names.empty() ? "" : ", ") + q(n);
    // Forwarding the agent switched on for the uplink carries only the tunnel's replies.
    out += fwd + "iifname { " + names + " } oifname != " + wg + " counter drop\n";
  }
  if (s.v6_only_wg)
    out += fwd + "meta nfproto ipv6 iifname != " + wg + " oifname != " + wg + " counter drop\n";
  out += "add chain inet " + t + " exit_nat { type nat hook postrouting priority srcnat; }\n";
  const std::string nat = "add rule inet " + t + " exit_nat iifname " + wg + " oifname != " + wg;
  out += nat + " ip saddr @exit_clients4 counter masquerade\n";
  out += nat + " ip6 saddr @exit_clients6 counter masquerade\n";
  return out;
}

std::string relay_part(const std::string& t) {
  std::string out;
  out += "add map inet " + t + " relay_leases4 { type inet_service : ipv4_addr . inet_service; }\n";
  out += "add set inet " + t + " relay_ports { type inet_service; }\n";
  out += "add chain inet " + t + " relay_dnat { type nat hook prerouting priority dstnat; }\n";
  out += "add rule inet " + t +
         " relay_dnat meta nfproto ipv4 udp dport @relay_ports counter dnat ip to udp dport map "
         "@relay_leases4\n";
  out += "add chain inet " + t + " relay_snat { type nat hook postrouting priority srcnat; }\n";
  // The exit sees the relay, never the client.
  out += "add rule inet " + t +
         " relay_snat meta nfproto ipv4 meta l4proto udp ct status dnat ct original proto-dst "
         "@relay_ports counter "
         "masquerade\n";
  return out;
}

}  // namespace

bool valid_iface(std::string_view name) {
  if (name.empty() || name.size() > 15) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

std::string table_name(std::string_view iface) {
  return "wirelink_" + std::string(iface);
}

std::string create_table(const TableSpec& s) {
  const std::string t = table_name(s.iface);
  // "add" then "delete" then "add": the delete never fails, so a crashed run's table goes.
  std::string out =
      "add table inet " + t + "\ndelete table inet " + t + "\nadd table inet " + t + "\n";
  if (s.exit) out += exit_part(s, t);
  if (s.client) {
    out += "add chain inet " + t +
           " kill_switch { type filter hook output priority filter; policy accept; }\n";
  }
  if (s.relay) out += relay_part(t);
  return out;
}

std::string delete_table(std::string_view iface) {
  const std::string t = table_name(iface);
  return "add table inet " + t + "\ndelete table inet " + t + "\n";
}

std::string update_clients(std::string_view iface, const std::vector<Cidr>& add,
                           const std::vector<Cidr>& remove) {
  const std::string t = table_name(iface);
  return elements("delete", t, "exit_clients4", remove, true) +
         elements("delete", t, "exit_clients6", remove, false) +
         elements("add", t, "exit_clients4", add, true) +
         elements("add", t, "exit_clients6", add, false);
}

std::string kill_switch(std::string_view iface, std::uint32_t fwmark, bool engaged,
                        const std::vector<Cidr>& lan) {
  const std::string t = table_name(iface);
  std::string out = "flush chain inet " + t + " kill_switch\n";
  if (!engaged) return out;
  const std::string r = "add rule inet " + t + " kill_switch ";
  out += r + "oifname \"lo\" accept\n";
  out += r + "oifname " + q(iface) + " accept\n";
  out += r + "meta mark " + hex(fwmark) + " accept\n";  // the tunnel's own UDP
  for (const auto& c : lan)
    out += r + (c.address().is_v4() ? "ip" : "ip6") + " daddr " + c.to_string() + " accept\n";
  out += r + "counter drop\n";
  return out;
}

std::string update_leases(std::string_view iface, const std::vector<RelayLease>& add,
                          const std::vector<std::uint16_t>& remove) {
  const std::string t = table_name(iface);
  std::string out;
  for (auto p : remove) {
    out += "delete element inet " + t + " relay_ports { " + std::to_string(p) + " }\n";
    out += "delete element inet " + t + " relay_leases4 { " + std::to_string(p) + " }\n";
  }
  for (const auto& l : add) {
    if (!l.exit.address().is_v4()) continue;  // the lease map is IPv4 only (PROTOCOL.md)
    const std::string port = std::to_string(l.port);
    out.append("add element inet ").append(t).append(" relay_leases4 { ").append(port);
    out.append(" : ").append(l.exit.address().to_string()).append(" . ");
    out.append(std::to_string(l.exit.port())).append(" }\n");
    out.append("add element inet ").append(t).append(" relay_ports { ").append(port).append(" }\n");
  }
  return out;
}

}  // namespace wl::agent::exit
