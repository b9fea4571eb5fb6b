// Creating a missing WireGuard interface (settings PrivateKeyFile and Userspace).
//
// When the interface does not exist and PrivateKeyFile is set, the agent creates it before it
// starts: a kernel WireGuard link, or, with Userspace=true or when the kernel answers "Unknown
// device type", the userspace daemon wirelink-wg (found next to the wirelink binary, else on
// PATH). It then sets the private key, ListenPort kCreatedListenPort, and brings the link up.
// The interface is left in place when the agent stops, so a restart adopts it: under systemd
// (INVOCATION_ID set and /run/systemd/system present) wirelink-wg runs as its own unit,
// wirelink-wg@<iface>.service, started with `systemctl start`, so it is outside the agent's
// cgroup; elsewhere it is forked and detaches.
//
// Contract: blocking (kernel round trips, waiting for wirelink-wg to report ready); errors
// name the step that failed. Never logs the key.
#pragma once

#include <cstdint>
#include <string>

#include "wirelink/agent/config.hpp"
#include "wirelink/base/result.hpp"

namespace wl::agent {

inline constexpr std::uint16_t kCreatedListenPort = 51820;

// Returns "kernel" or "userspace": how the interface was created.
Result<std::string> create_interface(const Config& config);

}  // namespace wl::agent
