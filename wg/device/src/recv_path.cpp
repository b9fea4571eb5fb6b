// The UDP -> TUN direction: receive a batch (UDP GRO super-datagrams split), look
// keypairs up under the lock, decrypt outside it, apply replay/roaming/timers under the lock,
// then write to the TUN, coalescing consecutive TCP segments of one flow into one write.
#include <poll.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "wirelink/wg/device/device.hpp"
#include "wirelink/wg/device/offload.hpp"

namespace wl::wg::device {

namespace {
constexpr std::size_t kMsgs = 64;
constexpr std::size_t kMsgBuf = 65536;
constexpr std::size_t kMaxDatagrams = 2048;
constexpr std::size_t kHeader = noise::kTransportHeaderSize;

struct Dgram {
  std::uint8_t* data;
  std::size_t len;
  const Endpoint* src;
  const std::optional<noise::LocalSource>* local;
  noise::RecvTicket ticket;
  bool transport = false;
  bool opened = false;
  noise::RecvVerdict verdict = noise::RecvVerdict::drop;
  std::size_t inner = 0;
};

constexpr std::uint8_t kTcpAck = 0x10;
constexpr std::uint8_t kTcpPsh = 0x08;
}  // namespace

void Device::udp_loop() {
  std::vector<std::uint8_t> bufs(kMsgs * kMsgBuf);
  std::vector<ReceivedDatagram> rx(kMsgs);
  for (std::size_t i = 0; i < kMsgs; ++i) {
    rx[i].data = bufs.data() + i * kMsgBuf;
    rx[i].capacity = kMsgBuf;
  }
  std::vector<Dgram> dg;
  dg.reserve(kMaxDatagrams);
  std::vector<iovec> wiov(70);
  std::uint8_t vhdr[VnetHdr::kSize];
  const bool vnet = tun_->vnet_hdr();

  std::shared_ptr<DatagramSocket> udp = sockets();
  while (!stopping_) {
    const std::array<int, 2> ufd = udp ? udp->poll_fds() : std::array<int, 2>{-1, -1};
    pollfd fds[4] = {{stop_fd_.get(), POLLIN, 0},
                     {udp_wake_fd_.get(), POLLIN, 0},
                     {ufd[0], POLLIN, 0},
                     {ufd[1], POLLIN, 0}};
    if (::poll(fds, 4, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (stopping_ || (fds[0].revents & POLLIN) != 0) break;
    if ((fds[1].revents & POLLIN) != 0) {
      std::uint64_t v;
      [[maybe_unused]] auto r = ::read(udp_wake_fd_.get(), &v, sizeof v);
      udp = sockets();
      continue;
    }
    for (std::size_t which = 0; which < 2; ++which) {
      if ((fds[2 + which].revents & POLLIN) == 0) continue;
      const std::size_t got = udp->receive(which, rx);
      if (got == 0) continue;

      // Split GRO super-datagrams into datagrams.
      dg.clear();
      for (std::size_t m = 0; m < got; ++m) {
        const ReceivedDatagram& r = rx[m];
        const std::size_t seg = r.segment > 0 ? r.segment : r.len;
        for (std::size_t off = 0; off < r.len && dg.size() < kMaxDatagrams; off += seg) {
          const std::size_t l = std::min(seg, r.len - off);
          dg.push_back(Dgram{
              r.data + off, l, &r.from, &r.local, {}, false, false, noise::RecvVerdict::drop, 0});
        }
      }

      // Handshakes are handled inline; transport packets get their keypair.
      {
        std::lock_guard<std::mutex> g(mu_);
        for (auto& d : dg) {
          const auto t = noise::classify(std::span<const std::uint8_t>(d.data, d.len));
          if (t == noise::MessageType::transport) {
            d.transport =
                engine_->lookup_transport(std::span<const std::uint8_t>(d.data, d.len), d.ticket);
          } else if (t != noise::MessageType::invalid) {
            engine_->on_handshake_message(std::span<const std::uint8_t>(d.data, d.len), *d.src,
                                          *d.local);
          }
        }
      }
      // Decrypt outside the lock, spread over the crypto pool when it has workers.
      std::vector<Dgram>* dgp = &dg;  // one pointer: the std::function stores it without allocating
      recv_pool_->run(dg.size(), [dgp](std::size_t i) {
        Dgram& d = (*dgp)[i];
        if (d.transport) d.opened = noise::open_transport(*d.ticket.keypair, d.data, d.len);
      });
      {
        std::lock_guard<std::mutex> g(mu_);
        for (auto& d : dg) {
          if (!d.transport) continue;
          if (!d.opened) continue;
          d.verdict = engine_->on_transport_authenticated(
              d.ticket, noise::transport_counter(d.data),
              std::span<const std::uint8_t>(d.data + kHeader, d.len - noise::kTransportMinSize),
              d.len, *d.src, d.inner, *d.local);
        }
      }

      // Write delivered packets, coalescing TCP runs when the TUN takes GSO writes.
      std::size_t i = 0;
      while (i < dg.size()) {
        Dgram& d = dg[i];
        d.ticket = {};
        if (d.verdict != noise::RecvVerdict::deliver) {
          ++i;
          continue;
        }
        std::uint8_t* pkt = d.data + kHeader;
        std::size_t j = i + 1;
        int niov = 0;
        if (vnet) {
          VnetHdr h;
          h.flags = VnetHdr::kDataValid;
          const TcpFlowInfo fi = tcp_info(pkt, d.inner);
          std::size_t total = d.inner;
          std::uint8_t extra = 0;
          wiov[1] = iovec{pkt, d.inner};
          niov = 2;
          if (fi.tcp && fi.payload > 0 && fi.flags == kTcpAck) {
            std::uint32_t next_seq = fi.seq + static_cast<std::uint32_t>(fi.payload);
            while (j < dg.size() && niov < static_cast<int>(wiov.size())) {
              Dgram& e = dg[j];
              if (e.verdict != noise::RecvVerdict::deliver) break;
              std::uint8_t* q = e.data + kHeader;
              const TcpFlowInfo qi = tcp_info(q, e.inner);
              if (!qi.tcp || qi.payload == 0 || qi.payload > fi.payload || qi.seq != next_seq)
                break;
              if ((qi.flags & ~kTcpPsh) != kTcpAck || !same_flow(pkt, fi, q, qi)) break;
              if (total + qi.payload > 65535) break;
              wiov[static_cast<std::size_t>(niov++)] = iovec{q + qi.hdr_len, qi.payload};
              total += qi.payload;
              next_seq += static_cast<std::uint32_t>(qi.payload);
              e.ticket = {};
              ++j;
              if ((qi.flags & kTcpPsh) != 0) {
                extra = kTcpPsh;
                break;
              }
              if (qi.payload < fi.payload) break;
            }
            if (j > i + 1) finish_coalesced(pkt, fi, total, fi.payload, extra, h);
          }
          h.store(vhdr);
          wiov[0] = iovec{vhdr, VnetHdr::kSize};
        } else {
          wiov[0] = iovec{pkt, d.inner};
          niov = 1;
        }
        if (tun_->writev(wiov.data(), niov) < 0 && (errno == EBADFD || errno == EIO)) {
          vanished_ = true;
          stop();
        }
        i = j;
      }
      for (auto& d : dg) d.ticket = {};
    }
  }
}

}  // namespace wl::wg::device
