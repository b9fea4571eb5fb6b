// The kernel device backend and the rtnetlink link control over any netlink transport: the
// system builds them on libmnl sockets (make_kernel_device, make_system_link_control); tests
// build them on the fake kernel's sockets (netlink/fake), so the agent core is tested against
// the same backends it runs on.
//
// Contract: as WireGuardDevice and LinkControl. `events` may be null (no subscription);
// `events_fd` is what the shell's loop waits on for it (-1 when there is none to wait on).
#pragma once

#include <memory>
#include <string>

#include "wirelink/agent/device.hpp"
#include "wirelink/agent/link_control.hpp"
#include "wirelink/netlink/transport.hpp"

namespace wl::agent {

std::unique_ptr<WireGuardDevice> make_kernel_device(std::string iface,
                                                    std::unique_ptr<netlink::Transport> genl);

std::unique_ptr<LinkControl> make_rtnl_link_control(std::unique_ptr<netlink::Transport> route,
                                                    std::unique_ptr<netlink::Transport> events,
                                                    int events_fd);

}  // namespace wl::agent
