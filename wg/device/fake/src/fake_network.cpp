#include "wirelink/wg/device_fake/fake_network.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include "wirelink/base/unique_fd.hpp"

namespace wl::wg::device {

class FakeDatagramSocket final : public DatagramSocket {
 public:
  FakeDatagramSocket(FakeNetwork& net, Endpoint self)
      : net_(net), self_(self), event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~FakeDatagramSocket() override { net_.unbind(self_, this); }
  FakeDatagramSocket(const FakeDatagramSocket&) = delete;
  FakeDatagramSocket& operator=(const FakeDatagramSocket&) = delete;

  std::uint16_t port() const override { return self_.port(); }
  bool has_ipv6() const override { return self_.address().is_v6(); }
  int set_fwmark(std::uint32_t /*mark*/) override { return 0; }
  std::array<int, 2> poll_fds() const override { return {event_.get(), -1}; }

  std::size_t receive(std::size_t which, std::span<ReceivedDatagram> out) override {
    if (which != 0) return 0;
    std::lock_guard<std::mutex> g(mu_);
    std::size_t k = 0;
    for (; k < out.size() && !queue_.empty(); ++k) {
      Queued& q = queue_.front();
      ReceivedDatagram& d = out[k];
      d.len = std::min(q.bytes.size(), d.capacity);
      std::memcpy(d.data, q.bytes.data(), d.len);
      d.segment = q.segment;
      d.from = q.from;
      d.local = noise::LocalSource{self_.address(), 1};  // one interface per host
      queue_.pop_front();
    }
    if (queue_.empty()) {
      // Under the lock, so a datagram queued meanwhile keeps the fd readable.
      std::uint64_t v = 0;
      [[maybe_unused]] auto r = ::read(event_.get(), &v, sizeof v);
    }
    return k;
  }

  int send_batch(const Endpoint& to, iovec* iov, std::size_t n, std::size_t seg,
                 const noise::LocalSource* /*src*/, bool* /*src_failed*/) override {
    bool gso = net_.coalesces() && n > 1 && seg > 0 && iov[n - 1].iov_len <= seg;
    for (std::size_t i = 0; gso && i + 1 < n; ++i) gso = iov[i].iov_len == seg;
    if (gso) {
      std::vector<std::uint8_t> all;
      for (std::size_t i = 0; i < n; ++i) append(all, iov[i]);
      net_.inject(self_, to, all, seg);
      return 0;
    }
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<std::uint8_t> one;
      append(one, iov[i]);
      net_.inject(self_, to, one);
    }
    return 0;
  }

  // Called with the network's lock held.
  void enqueue(const Endpoint& from, std::span<const std::uint8_t> bytes, std::size_t segment) {
    std::lock_guard<std::mutex> g(mu_);
    queue_.push_back(Queued{{bytes.begin(), bytes.end()}, segment, from});
    const std::uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(event_.get(), &one, sizeof one);
  }

 private:
  struct Queued {
    std::vector<std::uint8_t> bytes;
    std::size_t segment;
    Endpoint from;
  };
  static void append(std::vector<std::uint8_t>& v, const iovec& iov) {
    const auto* b = static_cast<const std::uint8_t*>(iov.iov_base);
    v.insert(v.end(), b, b + iov.iov_len);
  }

  FakeNetwork& net_;
  const Endpoint self_;
  UniqueFd event_;
  std::mutex mu_;
  std::deque<Queued> queue_;
};

Result<std::shared_ptr<DatagramSocket>> FakeNetwork::bind(const IpAddress& host,
                                                          std::uint16_t port) {
  std::lock_guard<std::mutex> g(mu_);
  if (port == 0) {
    while (bound_.count(Endpoint(host, next_port_)) != 0) ++next_port_;
    port = next_port_++;
  }
  const Endpoint at(host, port);
  if (bound_.count(at) != 0)
    return Error{std::error_code(EADDRINUSE, std::generic_category()),
                 "bind " + at.to_string() + ": address in use"};
  auto s = std::make_shared<FakeDatagramSocket>(*this, at);
  bound_[at] = s.get();
  return std::shared_ptr<DatagramSocket>(std::move(s));
}

BindDatagramSocket FakeNetwork::binder(const IpAddress& host) {
  return [this, host](std::uint16_t port, std::uint32_t /*fwmark*/) { return bind(host, port); };
}

void FakeNetwork::inject(const Endpoint& from, const Endpoint& to,
                         std::span<const std::uint8_t> bytes, std::size_t segment) {
  std::lock_guard<std::mutex> g(mu_);
  const auto it = bound_.find(to);
  if (it == bound_.end()) {
    ++lost_;
    return;
  }
  ++delivered_;
  if (segment > 0) ++coalesced_;
  it->second->enqueue(from, bytes, segment);
}

void FakeNetwork::unbind(const Endpoint& at, const FakeDatagramSocket* s) {
  std::lock_guard<std::mutex> g(mu_);
  if (const auto it = bound_.find(at); it != bound_.end() && it->second == s) bound_.erase(it);
}

std::size_t FakeNetwork::delivered() const {
  std::lock_guard<std::mutex> g(mu_);
  return delivered_;
}

std::size_t FakeNetwork::lost() const {
  std::lock_guard<std::mutex> g(mu_);
  return lost_;
}

std::size_t FakeNetwork::coalesced() const {
  std::lock_guard<std::mutex> g(mu_);
  return coalesced_;
}

}  // namespace wl::wg::device
