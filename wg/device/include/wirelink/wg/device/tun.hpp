// TunDevice: the seam between the data plane and the tunnel interface: the kernel's TUN driver
// (LinuxTun) or an in-memory queue in unit tests (FakeTun).
//
// A read returns one IP packet or, with vnet_hdr(), a virtio-net header followed by a packet
// that may be a 64 KiB TCP super-packet (split with offload.hpp); writes have the same shape, so
// a coalesced TCP run leaves in one write.
//
// Contract: fd() is polled for POLLIN: readable while read() may return a packet, POLLERR/POLLHUP
// once the interface is gone. read() never blocks: -1 with errno EAGAIN when nothing is pending,
// EBADFD, EIO or ENODEV once the interface is gone. One reader thread and one writer thread may
// use it at once; mtu() and exists() may be called from a third. name() and vnet_hdr() never
// change. One virtual call per read or write: the syscall behind it dwarfs it. Errors are
// returned, never thrown.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace wl::wg::device {

class TunDevice {
 public:
  virtual ~TunDevice() = default;
  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;

  const std::string& name() const { return name_; }
  bool vnet_hdr() const { return vnet_; }
  virtual int fd() const = 0;
  virtual ssize_t read(std::uint8_t* buf, std::size_t cap) = 0;
  virtual ssize_t writev(const iovec* iov, int n) = 0;
  // Current MTU of the interface (0 if it is gone).
  virtual int mtu() const = 0;
  virtual bool exists() const = 0;

 protected:
  TunDevice(std::string name, bool vnet_hdr) : name_(std::move(name)), vnet_(vnet_hdr) {}

 private:
  const std::string name_;
  const bool vnet_;
};

}  // namespace wl::wg::device
