// WireGuardDevice: the one interface every device backend implements (kernel generic netlink,
// the UAPI socket client, and the in-memory fake used by unit tests).
//
// Contract: single-threaded; called only from the agent's event loop. get() and set() block
// for at most one request/reply exchange with the kernel or daemon (a few ms). Errors come back
// as Result; a backend whose device has vanished returns std::errc::no_such_device so the agent
// can exit and let systemd restart it.
#pragma once

#include <memory>
#include <string>

#include "wirelink/base/device_model.hpp"
#include "wirelink/base/result.hpp"

namespace wl::agent {

class WireGuardDevice {
 public:
  virtual ~WireGuardDevice() = default;
  virtual Result<device_model::DeviceState> get() = 0;
  virtual Result<void> set(const device_model::DeviceConfig& cfg) = 0;
  // "kernel", "uapi", "fake": shown by `wirelink show`.
  virtual std::string kind() const = 0;
};

// The UAPI socket path for an interface: /var/run/wireguard/<iface>.sock (as `wg` uses).
std::string uapi_socket_path(const std::string& iface);

// A backend talking to a UAPI socket (wireguard-go, boringtun, wirelink-wg).
std::unique_ptr<WireGuardDevice> make_uapi_device(std::string socket_path);

// True when a UAPI daemon answers on `socket_path`.
bool uapi_socket_answers(const std::string& socket_path);

}  // namespace wl::agent

namespace wl::agent {

// The kernel backend (generic netlink "wireguard" family). Fails when no generic netlink
// socket can be opened; a missing module shows up at the first get().
Result<std::unique_ptr<WireGuardDevice>> make_kernel_device(std::string iface);

}  // namespace wl::agent
