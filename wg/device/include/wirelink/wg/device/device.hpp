// Device: the userspace WireGuard interface: a TUN device, UDP sockets, the noise Engine and
// the UAPI socket, wired together with two data-plane threads.
//
// Threads: the TUN thread reads (TSO super-packets are split), routes, encrypts and sends in
// batches (UDP GSO / sendmmsg); the UDP thread receives in batches (recvmmsg + UDP GRO),
// decrypts and writes to the TUN (TCP segments of one flow coalesced into one write). The two
// directions therefore run on two cores, and each keeps its packets in order. run() serves the
// UAPI socket's clients concurrently (UapiServer: non-blocking, bounded, with deadlines) and
// fires timers on the calling thread. One mutex guards the Engine; AEAD work runs outside it.
// Buffers are allocated once: no allocation per packet.
//
// The TUN and the UDP port are reached through the TunDevice and DatagramSocket seams, so unit
// tests run the real data plane over in-memory fakes.
//
// Contract: create() returns a clear error (TUN, socket path); run() blocks until stop() is
// called, a SIGINT/SIGTERM arrives on the signalfd passed in, the TUN disappears or the UAPI
// socket file is removed. Logging uses spdlog (this is the I/O edge).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/base/unique_fd.hpp"
#include "wirelink/uapi/server_session.hpp"
#include "wirelink/wg/device/crypto_pool.hpp"
#include "wirelink/wg/device/datagram_socket.hpp"
#include "wirelink/wg/device/tun.hpp"
#include "wirelink/wg/noise/engine.hpp"

namespace wl::wg::device {

struct DeviceOptions {
  std::string ifname;
  int mtu = 1420;
  // Extra crypto threads per direction; -1 = from the number of cores (cores beyond the two
  // data-plane threads, split between the directions).
  int crypto_workers = -1;
  std::string socket_dir = "/var/run/wireguard";
};

class Device final : public uapi::Backend {
 public:
  // Opens the Linux TUN `opt.ifname` and binds kernel UDP sockets.
  static Result<std::unique_ptr<Device>> create(const DeviceOptions& opt);
  // Over a given TUN and UDP binder (opt.ifname and opt.mtu are then the TUN's business).
  static Result<std::unique_ptr<Device>> create(const DeviceOptions& opt,
                                                std::unique_ptr<TunDevice> tun,
                                                BindDatagramSocket bind_udp);
  ~Device() override;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // Serves until stopped; `signal_fd` (may be -1) is polled and ends the loop when readable.
  // Returns 0 on a requested stop, 1 when the interface or socket vanished.
  int run(int signal_fd);
  void stop();
  const std::string& socket_path() const { return socket_path_; }

  device_model::DeviceState get_state() override;
  int apply(const device_model::DeviceConfig& cfg) override;

 private:
  class Sink;
  Device();
  void tun_loop();
  void udp_loop();
  std::shared_ptr<DatagramSocket> sockets();

  SystemClock clock_;
  std::unique_ptr<Sink> sink_;
  std::mutex mu_;  // guards engine_ and the configuration below
  std::unique_ptr<noise::Engine> engine_;
  std::uint16_t listen_port_ = 0;
  std::uint32_t fwmark_ = 0;
  BindDatagramSocket bind_udp_;
  std::mutex udp_mu_;  // guards udp_ (the pointer, not the sockets)
  std::shared_ptr<DatagramSocket> udp_;
  std::unique_ptr<TunDevice> tun_;
  DeviceOptions opt_;
  std::string socket_path_;
  UniqueFd listen_fd_;
  UniqueFd stop_fd_;      // eventfd: readable once stopping
  UniqueFd udp_wake_fd_;  // eventfd: the UDP sockets were replaced
  std::atomic<bool> stopping_{false};
  std::atomic<bool> vanished_{false};
  std::unique_ptr<CryptoPool> send_pool_;
  std::unique_ptr<CryptoPool> recv_pool_;
  std::thread tun_thread_;
  std::thread udp_thread_;
};

}  // namespace wl::wg::device
