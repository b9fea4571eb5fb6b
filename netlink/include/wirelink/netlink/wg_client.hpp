// WireGuardClient: the kernel WireGuard device over generic netlink, in the shared device
// vocabulary (wl::device_model::DeviceConfig / DeviceState), so the agent can use it as its kernel
// backend.
//
// Contract: blocking, not thread-safe (one owner, one Transport opened for NETLINK_GENERIC).
// Errors: kernel errnos in the generic category with the extended-ACK text in the detail
// (ENODEV no such interface, EOPNOTSUPP not a wireguard link, EINVAL bad attribute, EPERM,
// EADDRINUSE port busy, ...); errc::family_not_found when the module is absent;
// errc::dump_interrupted when a GET kept racing with writers after kDumpRetries attempts;
// errc::malformed_reply for replies we cannot parse. No logging: the caller logs once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "wirelink/base/device_model.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/netlink/requester.hpp"
#include "wirelink/netlink/transport.hpp"
#include "wirelink/netlink/wg_codec.hpp"

namespace wl::netlink {

class WireGuardClient {
 public:
  static constexpr int kDumpRetries = 5;

  // SET messages are min(page size, 8 KiB), as the kernel's own tool sends them.
  explicit WireGuardClient(Transport& genl);

  // Resolves (once) the "wireguard" generic netlink family; every other call does it lazily.
  Result<std::uint16_t> family();

  // GET_DEVICE as a dump, reassembled; restarted on NLM_F_DUMP_INTR up to kDumpRetries times.
  Result<device_model::DeviceState> get_device(std::string_view ifname);

  // How far a SET got, for error reports: SET is not atomic in the kernel.
  struct SetProgress {
    std::size_t messages_total = 0;
    std::size_t messages_applied = 0;
  };
  // SET_DEVICE split into page-sized messages, each acknowledged; the first error stops and is
  // returned with "message k of n" in its detail. Per-allowed-IP removals (AllowedIp::remove)
  // use the Linux >= 6.16 flag when a probe shows the kernel has it, otherwise the peer's list
  // is rewritten from a GET and sent with replace_allowed_ips (a short window in which the
  // peer may miss some of its IPs if its list spans several messages).
  Result<void> set_device(const device_model::DeviceConfig& cfg, SetProgress* progress = nullptr);

  enum class AllowedIpRemoval { unknown, supported, unsupported };
  AllowedIpRemoval allowed_ip_removal() const { return aip_removal_; }
  // Tests: pretend the probe already ran.
  void set_allowed_ip_removal(AllowedIpRemoval v) { aip_removal_ = v; }
  // How many GET dumps were restarted because of NLM_F_DUMP_INTR (diagnostics, tests).
  std::uint64_t dump_restarts() const { return dump_restarts_; }
  // Tests: smaller messages to exercise splitting.
  void set_max_message(std::size_t n) { max_message_ = n; }

 private:
  Result<void> send_messages(std::vector<std::vector<std::uint8_t>>& msgs, std::string_view what,
                             SetProgress* progress);
  Result<device_model::DeviceConfig> rewrite_removals(const device_model::DeviceConfig& cfg);

  Requester req_;
  std::optional<std::uint16_t> family_;
  AllowedIpRemoval aip_removal_ = AllowedIpRemoval::unknown;
  std::size_t max_message_ = wgnl::kDefaultSetMessageSize;
  std::uint64_t dump_restarts_ = 0;
};

}  // namespace wl::netlink
