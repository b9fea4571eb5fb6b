// Forwarding switched on for named interfaces only, and put back as it was at stop.
//
// Contract: enable() writes 1 to <root>/net/ipv4/conf/<if>/forwarding and
// <root>/net/ipv6/conf/<if>/forwarding for each interface, remembering what each file held;
// restore() writes the remembered values back (also from the destructor), in reverse order.
// IPv6 forwards only while net.ipv6.conf.all.forwarding is 1 (the kernel checks the "all"
// switch, not the interface's), so with ipv6 set that file is switched on and restored too;
// the agent's forward chain then drops forwarding it did not mean (exit_rules.hpp). <root> is
// /proc/sys in the agent, a temporary directory in unit tests. Errors: the errno of the
// failing read or write; files already written are restored before an error returns.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "wirelink/base/result.hpp"

namespace wl::agent::exit {

class IfaceForwarding {
 public:
  explicit IfaceForwarding(std::string root = "/proc/sys") : root_(std::move(root)) {}
  IfaceForwarding(const IfaceForwarding&) = delete;
  IfaceForwarding& operator=(const IfaceForwarding&) = delete;
  ~IfaceForwarding() { restore(); }

  Result<void> enable(const std::vector<std::string>& ifaces, bool ipv6);
  void restore();
  // Interfaces whose IPv4 forwarding this object switched on (the forward chain restricts them).
  std::vector<std::string> switched_on() const;
  bool switched_v6_all() const;

 private:
  Result<void> set(const std::string& rel);

  std::string root_;
  std::vector<std::pair<std::string, std::string>> saved_;  // path, value before
};

}  // namespace wl::agent::exit
