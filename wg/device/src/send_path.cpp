// The TUN -> UDP direction: read a batch (TSO super-packets split into segments), route and
// reserve counters under the lock, encrypt outside it, send each peer's run with UDP GSO.
#include <poll.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "wirelink/wg/device/device.hpp"
#include "wirelink/wg/device/offload.hpp"

namespace wl::wg::device {

namespace {
constexpr std::size_t kSlotSize = 2048;  // 16 header + MTU (<= 1500 here) + padding + tag
constexpr std::size_t kSlots = 512;
constexpr std::size_t kReadCap = 65536 + VnetHdr::kSize;
constexpr std::size_t kMaxSegmentsPerRead = 128;
constexpr std::size_t kHeader = noise::kTransportHeaderSize;
constexpr std::size_t kSegCapacity = kSlotSize - kHeader - 16 - 16;

struct Run {
  std::shared_ptr<noise::Peer> peer;
  std::size_t first = 0;
  std::size_t count = 0;
  bool granted = false;
  noise::SendGrant grant;
  Endpoint endpoint;
  std::optional<noise::LocalSource> local;
  bool src_failed = false;
  std::size_t bytes = 0;
  bool data = false;
};
struct Work {
  Run* run;
  std::size_t k;
};

struct SealJob {
  std::vector<Work>* work;
  std::vector<std::uint8_t>* slots;
  std::vector<std::size_t>* len;
  std::vector<iovec>* iov;
  std::size_t mtu;
  void seal(std::size_t w) const {
    const Work& x = (*work)[w];
    const std::size_t i = x.run->first + x.k;
    std::uint8_t* buf = slots->data() + i * kSlotSize;
    const std::size_t out = noise::seal_transport(
        *x.run->grant.keypair, x.run->grant.first_counter + x.k, buf, (*len)[i], mtu);
    (*iov)[i].iov_base = buf;
    (*iov)[i].iov_len = out;
  }
};
}  // namespace

void Device::tun_loop() {
  std::vector<std::uint8_t> slots(kSlots * kSlotSize);
  std::vector<std::uint8_t> readbuf(kReadCap);
  std::vector<std::size_t> len(kSlots);
  std::vector<iovec> iov(kSlots);
  std::vector<std::uint8_t*> outp(kMaxSegmentsPerRead);
  std::vector<Run> runs;
  runs.reserve(kSlots);
  std::vector<Work> work;
  work.reserve(kSlots);
  const bool vnet = tun_->vnet_hdr();

  while (!stopping_) {
    pollfd fds[2] = {{tun_->fd(), POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (stopping_ || (fds[1].revents & POLLIN) != 0) break;
    if ((fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
      vanished_ = true;
      stop();
      break;
    }
    // 1. Read until the TUN queue is empty or the slots are nearly full.
    std::size_t n = 0;
    for (int reads = 0; reads < 64 && n + kMaxSegmentsPerRead <= kSlots; ++reads) {
      ssize_t r;
      if (vnet) {
        r = tun_->read(readbuf.data(), readbuf.size());
      } else {
        r = tun_->read(slots.data() + n * kSlotSize + kHeader, kSegCapacity);
      }
      if (r < 0) {
        if (errno == EAGAIN || errno == EINTR) break;
        if (errno == EBADFD || errno == EIO || errno == ENODEV) {
          vanished_ = true;
          stop();
        }
        break;
      }
      if (!vnet) {
        if (r > 0) len[n++] = static_cast<std::size_t>(r);
        continue;
      }
      if (static_cast<std::size_t>(r) <= VnetHdr::kSize) continue;
      const VnetHdr h = VnetHdr::load(readbuf.data());
      for (std::size_t i = 0; i < kMaxSegmentsPerRead; ++i)
        outp[i] = slots.data() + (n + i) * kSlotSize + kHeader;
      n += split(h, readbuf.data() + VnetHdr::kSize, static_cast<std::size_t>(r) - VnetHdr::kSize,
                 outp.data(), len.data() + n, kMaxSegmentsPerRead, kSegCapacity);
    }
    if (n == 0) continue;

    // 2. Route and reserve counters under the lock.
    runs.clear();
    std::size_t mtu = 1420;
    {
      std::lock_guard<std::mutex> g(mu_);
      mtu = engine_->mtu();
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t* pkt = slots.data() + i * kSlotSize + kHeader;
        noise::Peer* p = engine_->route(std::span<const std::uint8_t>(pkt, len[i]));
        if (p == nullptr) continue;  // no route: dropped, like wireguard-go (it sends ICMP-less)
        if (!runs.empty() && runs.back().peer.get() == p &&
            runs.back().first + runs.back().count == i) {
          ++runs.back().count;
          continue;
        }
        Run r;
        r.peer = p->shared_from_this();
        r.first = i;
        r.count = 1;
        runs.push_back(std::move(r));
      }
      for (auto& r : runs) {
        r.granted = engine_->grant_send(*r.peer, r.count, r.grant);
        if (r.granted) {
          r.endpoint = *r.peer->endpoint;
          r.local = r.peer->local_source;
        } else {
          for (std::size_t i = r.first; i < r.first + r.count; ++i)
            engine_->stage(*r.peer, std::span<const std::uint8_t>(
                                        slots.data() + i * kSlotSize + kHeader, len[i]));
        }
      }
    }

    // 3. Encrypt outside the lock (spread over the crypto pool when it has workers), then send
    //    each run in one batch, in the original order.
    work.clear();
    for (auto& r : runs)
      if (r.granted)
        for (std::size_t k = 0; k < r.count; ++k) work.push_back(Work{&r, k});
    SealJob job{&work, &slots, &len, &iov, mtu};
    const SealJob* jp = &job;  // one pointer: the std::function stores it without allocating
    send_pool_->run(work.size(), [jp](std::size_t w) { jp->seal(w); });
    auto udp = sockets();
    for (auto& r : runs) {
      if (!r.granted) continue;
      for (std::size_t k = 0; k < r.count; ++k) {
        r.bytes += iov[r.first + k].iov_len;
        r.data = r.data || len[r.first + k] > 0;
      }
      if (udp)
        udp->send_batch(r.endpoint, iov.data() + r.first, r.count, iov[r.first].iov_len,
                        r.local ? &*r.local : nullptr, &r.src_failed);
    }

    // 4. Timers and counters.
    {
      std::lock_guard<std::mutex> g(mu_);
      for (auto& r : runs) {
        if (!r.granted) continue;
        engine_->on_data_sent(*r.peer, *r.grant.keypair, r.count, r.bytes, !r.data);
        // The pinned source failed: forget it unless a newer packet already re-pinned it.
        if (r.src_failed && r.peer->local_source == r.local) r.peer->local_source.reset();
      }
    }
    for (auto& r : runs) {
      r.peer.reset();
      r.grant.keypair.reset();
    }
  }
}

}  // namespace wl::wg::device
