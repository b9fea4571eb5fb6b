// FakeNetwork: an in-memory UDP network whose sockets are DatagramSockets, so unit tests join
// devices back to back and put anything they like on the wire.
//
// A socket binds to (host, port) on the network. A datagram sent to an endpoint is queued at the
// socket bound there, with the sender's endpoint as its source and the destination address as
// its local address, or is counted as lost when nobody is bound there. With coalescing on, a
// batch that UDP GSO would send as one super-datagram (all datagrams but the last of the
// segment size, the last not larger) arrives as one, with that segment size, as UDP GRO
// delivers it; the receiving device has to split it.
//
// Contract: thread-safe. The network must outlive its sockets. Each socket's poll fd is an
// eventfd readable while datagrams are queued; receive() copies them into the caller's slots
// (cut to the slot's capacity). Nothing here is meant to be fast: each datagram is copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <vector>

#include "wirelink/wg/device/datagram_socket.hpp"

namespace wl::wg::device {

class FakeDatagramSocket;

class FakeNetwork {
 public:
  explicit FakeNetwork(bool coalesce = false) : coalesce_(coalesce) {}
  FakeNetwork(const FakeNetwork&) = delete;
  FakeNetwork& operator=(const FakeNetwork&) = delete;

  // Binds a socket at host:port (port 0: a free one); EADDRINUSE if taken.
  Result<std::shared_ptr<DatagramSocket>> bind(const IpAddress& host, std::uint16_t port);
  // The binder a Device is created with: its sockets live at `host`.
  BindDatagramSocket binder(const IpAddress& host);

  // Puts a datagram on the wire as if `from` had sent it to `to` (segment as for GRO).
  void inject(const Endpoint& from, const Endpoint& to, std::span<const std::uint8_t> bytes,
              std::size_t segment = 0);

  // Datagrams queued at a socket (a super-datagram counts once), datagrams nobody was bound
  // to receive, and how many of the queued ones were super-datagrams.
  std::size_t delivered() const;
  std::size_t lost() const;
  std::size_t coalesced() const;

 private:
  friend class FakeDatagramSocket;
  void unbind(const Endpoint& at, const FakeDatagramSocket* s);
  bool coalesces() const { return coalesce_; }

  const bool coalesce_;
  mutable std::mutex mu_;  // guards the map, the counters, and is held while queueing
  std::map<Endpoint, FakeDatagramSocket*> bound_;
  std::uint16_t next_port_ = 40000;
  std::size_t delivered_ = 0;
  std::size_t lost_ = 0;
  std::size_t coalesced_ = 0;
};

}  // namespace wl::wg::device
