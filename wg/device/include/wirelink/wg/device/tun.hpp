// TunDevice: a Linux TUN interface opened with IFF_NO_PI and, when the kernel accepts it,
// IFF_VNET_HDR with TCP segmentation offload, so reads may return 64 KiB TCP super-packets
// (split with offload.hpp) and writes may carry coalesced ones.
//
// Contract: open() creates the interface in the caller's network namespace; closing the fd
// deletes it. read()/write() are thread-safe with respect to each other (one reader thread,
// one writer thread). read() returns -1 with errno EAGAIN when nothing is pending (non-blocking
// fd). Errors are returned, never thrown.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "wirelink/base/result.hpp"
#include "wirelink/base/unique_fd.hpp"

namespace wl::wg::device {

class TunDevice {
 public:
  static Result<TunDevice> open(const std::string& name, int mtu);

  int fd() const { return fd_.get(); }
  const std::string& name() const { return name_; }
  bool vnet_hdr() const { return vnet_; }
  ssize_t read(std::uint8_t* buf, std::size_t cap) const;
  ssize_t writev(const iovec* iov, int n) const;
  // Current MTU of the interface (0 if it is gone).
  int mtu() const;
  bool exists() const;

 private:
  UniqueFd fd_;
  std::string name_;
  bool vnet_ = false;
};

}  // namespace wl::wg::device
