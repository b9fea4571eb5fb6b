// FakeTun: a TunDevice backed by in-memory queues, so unit tests drive the device's data plane
// as the kernel would: push() what the host routes into the tunnel, wait_written() for what the
// device delivered out of it.
//
// Contract: thread-safe. fd() is an eventfd that is readable while packets are queued, so the
// device's poll loop runs unchanged. Packets of one push() become readable together (the device
// reads them as one batch when it was idle). After remove(), read() fails with EIO and exists()
// is false, as when the interface is deleted. wait_written() waits for the device's thread and
// gives up after `limit`: a guard against a hang, never a timing the result depends on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "wirelink/base/unique_fd.hpp"
#include "wirelink/wg/device/tun.hpp"

namespace wl::wg::device {

class FakeTun final : public TunDevice {
 public:
  using Packet = std::vector<std::uint8_t>;

  explicit FakeTun(std::string name, bool vnet_hdr = false, int mtu = 1420);

  // Queues packets for the device to read (with vnet_hdr, each starts with a virtio-net header).
  void push(std::vector<Packet> packets);
  // Everything the device wrote so far, one entry per write, once there are at least `n`.
  std::vector<Packet> wait_written(std::size_t n,
                                   std::chrono::milliseconds limit = std::chrono::seconds(20));
  std::vector<Packet> written() const;
  // How many pushed packets the device has not read yet.
  std::size_t pending() const;
  // Waits until the device has read every pushed packet. The reader finishes a batch before it
  // reads again, so once a packet pushed after a batch has been read, that batch is done.
  bool wait_read(std::chrono::milliseconds limit = std::chrono::seconds(20));
  void remove();
  void set_mtu(int mtu);

  int fd() const override { return event_.get(); }
  ssize_t read(std::uint8_t* buf, std::size_t cap) override;
  ssize_t writev(const iovec* iov, int n) override;
  int mtu() const override;
  bool exists() const override;

 private:
  UniqueFd event_;
  mutable std::mutex mu_;
  std::condition_variable written_cv_;
  std::condition_variable read_cv_;
  std::deque<Packet> in_;
  std::vector<Packet> out_;
  int mtu_;
  bool removed_ = false;
};

}  // namespace wl::wg::device
