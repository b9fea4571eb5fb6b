// Error codes of the netlink layer that are not plain kernel errnos (those travel as
// std::generic_category errors with the kernel's extended-ACK text in Error::detail).
#pragma once

#include <system_error>

namespace wl::netlink {

enum class errc {
  ok = 0,
  // RTM_NEWLINK of kind "wireguard" failed with EOPNOTSUPP ("Unknown device type"): this
  // kernel has no WireGuard module. The agent reacts by starting the userspace engine.
  wireguard_unavailable = 1,
  // The generic netlink family "wireguard" does not exist (CTRL_CMD_GETFAMILY gave ENOENT).
  family_not_found,
  // The kernel kept flagging NLM_F_DUMP_INTR after every bounded retry.
  dump_interrupted,
  // The kernel (or a peer on the socket) sent bytes we cannot parse.
  malformed_reply,
  // A reply for another sequence number, or a reply of an unexpected type.
  unexpected_reply,
};

const std::error_category& netlink_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), netlink_category()};
}

}  // namespace wl::netlink

template <>
struct std::is_error_code_enum<wl::netlink::errc> : std::true_type {};
