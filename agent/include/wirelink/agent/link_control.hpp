// LinkControl: the few interface operations the agent needs besides the WireGuard device:
// is the link there and up, and add/remove our link-local /64.
//
// Contract: single-threaded, blocking for one kernel round trip. A missing interface is
// std::errc::no_such_device. add_address reports whether the address was new, so the agent
// removes at exit only what it added.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "wirelink/agent/gossip.hpp"
#include "wirelink/base/ip.hpp"
#include "wirelink/base/result.hpp"

namespace wl::agent {

struct LinkInfo {
  unsigned ifindex = 0;
  bool up = false;
};

class LinkControl {
 public:
  virtual ~LinkControl() = default;
  virtual Result<LinkInfo> link(const std::string& iface) = 0;
  // Returns true when the address was added, false when it was already there.
  virtual Result<bool> add_address(unsigned ifindex, const IpAddress& addr, int prefix) = 0;
  virtual Result<void> remove_address(unsigned ifindex, const IpAddress& addr, int prefix) = 0;
  // Every interface with its addresses; `wg_iface` and links of kind wireguard are marked.
  virtual std::vector<InterfaceInfo> interfaces(const std::string& wg_iface) = 0;
};

// The real one, over rtnetlink. Fails when no NETLINK_ROUTE socket can be opened.
Result<std::unique_ptr<LinkControl>> make_system_link_control();

}  // namespace wl::agent
