// The kernel WireGuard backend: the netlink module's WireGuardClient on a libmnl socket.
#include <linux/netlink.h>

#include "wirelink/agent/netlink_backends.hpp"
#include "wirelink/netlink/wg_client.hpp"
#include "wirelink/netlink_socket/mnl_socket.hpp"

namespace wl::agent {

namespace {

class KernelDevice final : public WireGuardDevice {
 public:
  KernelDevice(std::string iface, std::unique_ptr<netlink::Transport> s)
      : iface_(std::move(iface)), sock_(std::move(s)), wg_(*sock_) {}

  Result<device_model::DeviceState> get() override { return wg_.get_device(iface_); }
  Result<void> set(const device_model::DeviceConfig& cfg) override {
    if (cfg.ifname == iface_) return wg_.set_device(cfg);
    // The state machine fills ifname from the device; be safe if it did not.
    device_model::DeviceConfig c;
    c.ifname = iface_;
    c.listen_port = cfg.listen_port;
    c.fwmark = cfg.fwmark;
    c.replace_peers = cfg.replace_peers;
    for (const auto& p : cfg.peers) c.peers.push_back(p.clone());
    return wg_.set_device(c);
  }
  std::string kind() const override { return "kernel"; }

 private:
  std::string iface_;
  std::unique_ptr<netlink::Transport> sock_;
  netlink::WireGuardClient wg_;
};

}  // namespace

Result<std::unique_ptr<WireGuardDevice>> make_kernel_device(std::string iface) {
  auto s = netlink_socket::MnlSocket::open(NETLINK_GENERIC);
  if (!s) return s.error();
  return make_kernel_device(std::move(iface), std::unique_ptr<netlink::Transport>(std::move(*s)));
}

std::unique_ptr<WireGuardDevice> make_kernel_device(std::string iface,
                                                    std::unique_ptr<netlink::Transport> genl) {
  return std::make_unique<KernelDevice>(std::move(iface), std::move(genl));
}

}  // namespace wl::agent
