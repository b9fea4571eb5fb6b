#include "wirelink/wg/device/device.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <vector>

#include "wirelink/wg/device/linux_tun.hpp"
#include "wirelink/wg/device/uapi_server.hpp"
#include "wirelink/wg/device/udp.hpp"

namespace wl::wg::device {

class Device::Sink final : public noise::PacketSink {
 public:
  explicit Sink(Device& d) : d_(d) {}
  void send_to_peer(noise::Peer& peer, std::span<const std::uint8_t> data) override {
    if (!peer.endpoint) return;
    auto s = d_.sockets();
    if (!s) return;
    // Called under the engine's lock, so the pinned source can be read and forgotten here.
    bool src_failed = false;
    s->send(*peer.endpoint, data.data(), data.size(),
            peer.local_source ? &*peer.local_source : nullptr, &src_failed);
    if (src_failed) peer.local_source.reset();
  }
  void send_to_endpoint(const Endpoint& to, std::span<const std::uint8_t> data) override {
    if (auto s = d_.sockets()) s->send(to, data.data(), data.size());
  }

 private:
  Device& d_;
};

Device::Device() = default;

Device::~Device() {
  stop();
  if (tun_thread_.joinable()) tun_thread_.join();
  if (udp_thread_.joinable()) udp_thread_.join();
  if (!socket_path_.empty() && listen_fd_) ::unlink(socket_path_.c_str());
}

std::shared_ptr<DatagramSocket> Device::sockets() {
  std::lock_guard<std::mutex> g(udp_mu_);
  return udp_;
}

namespace {
Error sys_error(const std::string& what) {
  return Error{std::error_code(errno, std::generic_category()), what};
}

// Listens on `path`, replacing a stale socket file (one nobody accepts on).
Result<UniqueFd> listen_unix(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path)
    return make_error(std::errc::filename_too_long, "socket path too long: " + path);
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  for (int attempt = 0; attempt < 2; ++attempt) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return sys_error("socket");
    const mode_t old = ::umask(077);
    const int r = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::umask(old);
    if (r == 0) {
      if (::listen(fd.get(), 16) != 0) return sys_error("listen " + path);
      return fd;
    }
    if (errno != EADDRINUSE) return sys_error("bind " + path);
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0)
      return make_error(std::errc::address_in_use, "another process serves " + path);
    ::unlink(path.c_str());
  }
  return make_error(std::errc::address_in_use, "cannot bind " + path);
}
}  // namespace

Result<std::unique_ptr<Device>> Device::create(const DeviceOptions& opt) {
  auto tun = LinuxTun::open(opt.ifname, opt.mtu);
  if (!tun) return tun.error();
  return create(
      opt, std::move(*tun),
      [](std::uint16_t port, std::uint32_t fwmark) -> Result<std::shared_ptr<DatagramSocket>> {
        auto s = UdpSockets::bind(port, fwmark);
        if (!s) return s.error();
        return std::shared_ptr<DatagramSocket>(std::move(*s));
      });
}

Result<std::unique_ptr<Device>> Device::create(const DeviceOptions& opt,
                                               std::unique_ptr<TunDevice> tun,
                                               BindDatagramSocket bind_udp) {
  std::unique_ptr<Device> d(new Device());
  d->opt_ = opt;
  d->bind_udp_ = std::move(bind_udp);
  d->sink_ = std::make_unique<Sink>(*d);
  d->engine_ =
      std::make_unique<noise::Engine>(d->clock_, *d->sink_, static_cast<std::size_t>(opt.mtu));
  d->tun_ = std::move(tun);
  auto udp = d->bind_udp_(0, 0);
  if (!udp) return udp.error();
  d->udp_ = *udp;
  d->listen_port_ = 0;
  d->stop_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  d->udp_wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!d->stop_fd_ || !d->udp_wake_fd_) return sys_error("eventfd");
  if (::mkdir(opt.socket_dir.c_str(), 0755) != 0 && errno != EEXIST)
    return sys_error("mkdir " + opt.socket_dir);
  d->socket_path_ = opt.socket_dir + "/" + d->tun_->name() + ".sock";
  auto l = listen_unix(d->socket_path_);
  if (!l) return l.error();
  d->listen_fd_ = std::move(*l);
  spdlog::info("{}: TUN up (vnet offload {}), UDP port {}{}, UAPI {}", d->tun_->name(),
               d->tun_->vnet_hdr() ? "on" : "off", d->udp_->port(),
               d->udp_->has_ipv6() ? "" : " (IPv4 only)", d->socket_path_);
  unsigned workers = 0;
  if (opt.crypto_workers >= 0) {
    workers = static_cast<unsigned>(opt.crypto_workers);
  } else if (const unsigned hw = std::thread::hardware_concurrency(); hw > 2) {
    workers = (hw - 2) / 2;
  }
  d->send_pool_ = std::make_unique<CryptoPool>(workers);
  d->recv_pool_ = std::make_unique<CryptoPool>(workers);
  d->tun_thread_ = std::thread([p = d.get()] { p->tun_loop(); });
  d->udp_thread_ = std::thread([p = d.get()] { p->udp_loop(); });
  return d;
}

void Device::stop() {
  stopping_ = true;
  if (stop_fd_) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(stop_fd_.get(), &one, sizeof one);
  }
}

int Device::run(int signal_fd) {
  struct stat st0 {};
  const bool have_sock = ::stat(socket_path_.c_str(), &st0) == 0;
  auto last_check = std::chrono::steady_clock::now();
  // Local to run(): returning closes every client connection, so stopping never waits for one.
  UapiServer uapi(*this);
  std::vector<pollfd> fds;
  while (!stopping_) {
    // poll() skips a negative fd: no signalfd, or accepting paused.
    fds.assign({{stop_fd_.get(), POLLIN, 0},
                {signal_fd, POLLIN, 0},
                {uapi.accepting(clock_.now()) ? listen_fd_.get() : -1, POLLIN, 0}});
    uapi.add_pollfds(fds);
    const int r = ::poll(fds.data(), fds.size(), 50);
    if (r < 0 && errno != EINTR) break;
    if ((fds[1].revents & POLLIN) != 0) {
      spdlog::info("{}: signal received, shutting down", tun_->name());
      break;
    }
    if (r > 0) {
      const TimePoint now = clock_.now();
      uapi.handle(std::span<const pollfd>(fds).subspan(3), now);
      if ((fds[2].revents & POLLIN) != 0) uapi.accept_from(listen_fd_.get(), now);
    } else {
      uapi.handle({}, clock_.now());  // deadlines only
    }
    {
      std::lock_guard<std::mutex> g(mu_);
      engine_->tick();
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check >= std::chrono::seconds(1)) {
      last_check = now;
      if (!tun_->exists()) {
        spdlog::info("{}: interface removed, shutting down", tun_->name());
        vanished_ = true;
        break;
      }
      struct stat st {};
      if (have_sock && (::stat(socket_path_.c_str(), &st) != 0 || st.st_ino != st0.st_ino)) {
        spdlog::info("{}: UAPI socket removed, shutting down", tun_->name());
        vanished_ = true;
        listen_fd_.reset();  // it is not ours any more: do not unlink
        break;
      }
      if (const int mtu = tun_->mtu(); mtu > 0) {
        std::lock_guard<std::mutex> g(mu_);
        engine_->set_mtu(static_cast<std::size_t>(mtu));
      }
    }
  }
  if (vanished_) stopping_ = true;
  const bool gone = vanished_.load();
  stop();
  if (tun_thread_.joinable()) tun_thread_.join();
  if (udp_thread_.joinable()) udp_thread_.join();
  return gone ? 1 : 0;
}

device_model::DeviceState Device::get_state() {
  device_model::DeviceState s;
  std::lock_guard<std::mutex> g(mu_);
  s.ifname = tun_->name();
  const auto& id = engine_->identity();
  if (id.has_key) {
    s.private_key = PrivateKey::from(std::span<const std::uint8_t, 32>(id.private_key));
    s.public_key = PublicKey(id.public_key);
  }
  if (auto u = sockets()) s.listen_port = u->port();
  s.fwmark = fwmark_;
  for (const auto& p : engine_->peers()) {
    device_model::PeerState ps;
    ps.public_key = p->public_key;
    if (p->has_psk)
      ps.preshared_key = PresharedKey::from(std::span<const std::uint8_t, 32>(p->hs.preshared_key));
    ps.endpoint = p->endpoint;
    ps.persistent_keepalive = p->persistent_keepalive;
    ps.last_handshake = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            p->last_handshake.time_since_epoch()));
    ps.rx_bytes = p->rx_bytes;
    ps.tx_bytes = p->tx_bytes;
    ps.allowed_ips = engine_->allowed_ips().entries_for(p.get());
    s.peers.push_back(std::move(ps));
  }
  return s;
}

int Device::apply(const device_model::DeviceConfig& cfg) {
  std::lock_guard<std::mutex> g(mu_);
  noise::Engine& e = *engine_;
  if (cfg.private_key) e.set_private_key(&*cfg.private_key);
  if (cfg.listen_port) {
    auto cur = sockets();
    if (!cur || cur->port() != *cfg.listen_port || *cfg.listen_port == 0) {
      // Free the old port first so "the same port again" and port swaps work.
      std::shared_ptr<DatagramSocket> old;
      {
        std::lock_guard<std::mutex> ug(udp_mu_);
        old = std::move(udp_);
      }
      auto fresh = bind_udp_(*cfg.listen_port, fwmark_);
      std::lock_guard<std::mutex> ug(udp_mu_);
      if (!fresh) {
        udp_ = std::move(old);
        spdlog::warn("{}: {}", tun_->name(), fresh.error().message());
        return EADDRINUSE;
      }
      old.reset();
      udp_ = *fresh;
      listen_port_ = *cfg.listen_port;
      const std::uint64_t one = 1;
      [[maybe_unused]] auto r = ::write(udp_wake_fd_.get(), &one, sizeof one);
    }
  }
  if (cfg.fwmark) {
    if (auto u = sockets(); u && u->set_fwmark(*cfg.fwmark) != 0) return EADDRINUSE;
    fwmark_ = *cfg.fwmark;
  }
  if (cfg.replace_peers) e.remove_all_peers();
  for (const auto& pc : cfg.peers) {
    // A peer with the device's own public key is ignored, as wireguard-go does.
    if (e.identity().has_key && pc.public_key.bytes() == e.identity().public_key) continue;
    if (pc.remove) {
      e.remove_peer(pc.public_key);
      continue;
    }
    auto peer = e.find_peer(pc.public_key);
    if (!peer) {
      if (pc.update_only) continue;
      peer = e.add_peer(pc.public_key);
      if (!peer) return EINVAL;
    }
    if (pc.replace_allowed_ips) e.allowed_ips().remove_all(peer.get());
    if (pc.preshared_key) e.set_preshared_key(*peer, &*pc.preshared_key);
    if (pc.endpoint) {
      const bool moved = peer->endpoint != *pc.endpoint;
      peer->endpoint = *pc.endpoint;
      peer->local_source.reset();  // the operator's endpoint: let routing pick the source
      if (moved) e.endpoint_moved(*peer);
    }
    for (const auto& a : pc.allowed_ips) {
      if (a.remove) {
        e.allowed_ips().remove(a.cidr, peer.get());
      } else {
        e.allowed_ips().insert(a.cidr, peer.get());
      }
    }
    if (pc.persistent_keepalive) e.set_persistent_keepalive(*peer, *pc.persistent_keepalive);
  }
  return 0;
}

}  // namespace wl::wg::device
