// LinuxTun: the TunDevice of a Linux TUN interface, opened with IFF_NO_PI and, when the kernel
// accepts it, IFF_VNET_HDR with TCP segmentation offload, so reads may return 64 KiB TCP
// super-packets and writes may carry coalesced ones.
//
// Contract: open() creates the interface in the caller's network namespace; destroying the
// object closes the fd, which deletes the interface. Otherwise as TunDevice.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "wirelink/base/result.hpp"
#include "wirelink/base/unique_fd.hpp"
#include "wirelink/wg/device/tun.hpp"

namespace wl::wg::device {

class LinuxTun final : public TunDevice {
 public:
  static Result<std::unique_ptr<LinuxTun>> open(const std::string& name, int mtu);

  int fd() const override { return fd_.get(); }
  ssize_t read(std::uint8_t* buf, std::size_t cap) override;
  ssize_t writev(const iovec* iov, int n) override;
  int mtu() const override;
  bool exists() const override;

 private:
  LinuxTun(UniqueFd fd, std::string name, bool vnet_hdr)
      : TunDevice(std::move(name), vnet_hdr), fd_(std::move(fd)) {}

  UniqueFd fd_;
};

}  // namespace wl::wg::device
