// LinkControl: the few interface operations the agent needs besides the WireGuard device:
// is the link there and up, add/remove our link-local /64, and what the host can reach (its
// interfaces' usable addresses and the main routing table) to rank endpoint candidates.
//
// Contract: single-threaded, blocking for one kernel round trip. A missing interface is
// std::errc::no_such_device. add_address reports whether the address was new, so the agent
// removes at exit only what it added. event_fd()/take_events() are the non-blocking rtnetlink
// event subscription (link changes, address removals), so the agent reacts when the interface
// goes down, comes back, vanishes or loses our address instead of at its next cycle; a
// LinkControl without events returns -1 and the agent relies on its cycle alone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wirelink/agent/gossip.hpp"
#include "wirelink/base/ip.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/facts/local_view.hpp"

namespace wl::agent {

// Interfaces are read straight into the facts module's snapshot type (LocalView::interfaces).
using InterfaceInfo = facts::InterfaceSnapshot;

struct LinkInfo {
  unsigned ifindex = 0;
  bool up = false;
};

struct LinkEvent {
  enum class Kind {
    link_changed,     // RTM_NEWLINK: flags, name or anything else of a link
    link_removed,     // RTM_DELLINK
    address_removed,  // RTM_DELADDR
    address_added,    // RTM_NEWADDR (also a flag change: tentative -> usable, deprecated)
    resync,           // events were lost (receive queue overflow): re-read everything
  } kind = Kind::resync;
  unsigned ifindex = 0;
  std::string name;   // link events
  IpAddress address;  // address_removed, address_added
};

class LinkControl {
 public:
  virtual ~LinkControl() = default;
  virtual Result<LinkInfo> link(const std::string& iface) = 0;
  // Returns true when the address was added, false when it was already there.
  virtual Result<bool> add_address(unsigned ifindex, const IpAddress& addr, int prefix) = 0;
  virtual Result<void> remove_address(unsigned ifindex, const IpAddress& addr, int prefix) = 0;
  // Every interface with its addresses; `wg_iface` and links of kind wireguard are marked.
  // Addresses that may not be used as a source (tentative, failed DAD, deprecated: preferred
  // lifetime 0) are left out, so they are neither advertised nor counted as reachable.
  virtual std::vector<InterfaceInfo> interfaces(const std::string& wg_iface) = 0;
  // Destinations of the main table's unicast routes (the default route as a /0), except routes
  // through `wg_iface` or another WireGuard link. Empty when unknown.
  virtual std::vector<Cidr> routes(const std::string& /*wg_iface*/) { return {}; }
  // Readable when events are pending; -1 when this LinkControl has no event subscription.
  virtual int event_fd() const { return -1; }
  // Everything pending, without blocking. Malformed datagrams are dropped (and counted in
  // dropped_events()).
  virtual std::vector<LinkEvent> take_events() { return {}; }
  virtual std::uint64_t dropped_events() const { return 0; }
};

// The real one, over rtnetlink. Fails when no NETLINK_ROUTE socket can be opened.
Result<std::unique_ptr<LinkControl>> make_system_link_control();

}  // namespace wl::agent
