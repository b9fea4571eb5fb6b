#include "wirelink/wg/device_fake/fake_tun.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wl::wg::device {

namespace {
void signal(int fd) {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto r = ::write(fd, &one, sizeof one);
}
void drain(int fd) {
  std::uint64_t v = 0;
  [[maybe_unused]] auto r = ::read(fd, &v, sizeof v);
}
}  // namespace

FakeTun::FakeTun(std::string name, bool vnet_hdr, int mtu)
    : TunDevice(std::move(name), vnet_hdr),
      event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      mtu_(mtu) {}

void FakeTun::push(std::vector<Packet> packets) {
  std::lock_guard<std::mutex> g(mu_);
  for (auto& p : packets) in_.push_back(std::move(p));
  signal(event_.get());
}

ssize_t FakeTun::read(std::uint8_t* buf, std::size_t cap) {
  std::lock_guard<std::mutex> g(mu_);
  if (removed_) {
    errno = EIO;
    return -1;
  }
  if (in_.empty()) {
    // Under the lock, so a push() cannot slip between the check and the reset.
    drain(event_.get());
    errno = EAGAIN;
    return -1;
  }
  Packet p = std::move(in_.front());
  in_.pop_front();
  if (in_.empty()) read_cv_.notify_all();
  // Like a TUN read into a short buffer: the rest of the packet is lost.
  const std::size_t n = std::min(cap, p.size());
  std::memcpy(buf, p.data(), n);
  return static_cast<ssize_t>(n);
}

ssize_t FakeTun::writev(const iovec* iov, int n) {
  Packet p;
  for (int i = 0; i < n; ++i) {
    const auto* b = static_cast<const std::uint8_t*>(iov[i].iov_base);
    p.insert(p.end(), b, b + iov[i].iov_len);
  }
  std::lock_guard<std::mutex> g(mu_);
  if (removed_) {
    errno = EIO;
    return -1;
  }
  const auto len = static_cast<ssize_t>(p.size());
  out_.push_back(std::move(p));
  written_cv_.notify_all();
  return len;
}

std::vector<FakeTun::Packet> FakeTun::wait_written(std::size_t n, std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> l(mu_);
  written_cv_.wait_for(l, limit, [&] { return out_.size() >= n; });
  return out_;
}

bool FakeTun::wait_read(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> l(mu_);
  return read_cv_.wait_for(l, limit, [&] { return in_.empty(); });
}

std::vector<FakeTun::Packet> FakeTun::written() const {
  std::lock_guard<std::mutex> g(mu_);
  return out_;
}

std::size_t FakeTun::pending() const {
  std::lock_guard<std::mutex> g(mu_);
  return in_.size();
}

void FakeTun::remove() {
  std::lock_guard<std::mutex> g(mu_);
  removed_ = true;
  signal(event_.get());  // the reader finds out on its next read
}

void FakeTun::set_mtu(int mtu) {
  std::lock_guard<std::mutex> g(mu_);
  mtu_ = mtu;
}

int FakeTun::mtu() const {
  std::lock_guard<std::mutex> g(mu_);
  return removed_ ? 0 : mtu_;
}

bool FakeTun::exists() const {
  std::lock_guard<std::mutex> g(mu_);
  return !removed_;
}

}  // namespace wl::wg::device
