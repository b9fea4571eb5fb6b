// FakeKernel: an in-memory Linux kernel behind the netlink Transport seam, for unit tests.
//
// Contract: single-threaded; no I/O. open() hands out sockets (Transports) for
// NETLINK_GENERIC or NETLINK_ROUTE; each decodes requests with the real codec, applies them to
// the shared in-memory state with the kernel's WireGuard SET semantics (order, silent skips,
// allowed-IP moves, non-atomic first-error stop) and queues replies: multi-part dumps split
// like the kernel's, NLM_F_DUMP_INTR on demand, NLMSG_ERROR with extended-ACK text. recv() on
// an empty queue returns EAGAIN instead of blocking. Knobs are public fields. A socket can be
// made scripted: it records what is sent and answers only with datagrams the test pushes.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "wirelink/base/device_model.hpp"
#include "wirelink/netlink/codec.hpp"
#include "wirelink/netlink/rtnl_codec.hpp"
#include "wirelink/netlink/transport.hpp"
#include "wirelink/netlink/wg_codec.hpp"

namespace wl::netlink_fake {

class FakeKernel;

class FakeSocket final : public netlink::Transport {
 public:
  FakeSocket(FakeKernel& k, int protocol, std::uint32_t port)
      : kernel_(k), protocol_(protocol), port_(port) {}
  ~FakeSocket() override;
  Result<void> send(std::span<const std::uint8_t> datagram) override;
  Result<std::size_t> recv(std::span<std::uint8_t> buffer) override;
  std::uint32_t port_id() const override { return port_; }
  // Tests: inject raw bytes as if the kernel sent them.
  void push_datagram(std::vector<std::uint8_t> d) { queue_.push_back(std::move(d)); }
  std::size_t pending() const { return queue_.size(); }

  // Tests: when true the kernel does not look at what is sent (it is only recorded in
  // `sent`), so the replies are exactly what the test pushes: for a client's reaction to
  // replies no kernel would build (stale sequence numbers, truncation, bad ACKs).
  bool scripted = false;
  std::vector<std::vector<std::uint8_t>> sent;  // every datagram sent, in order

 private:
  friend class FakeKernel;
  FakeKernel& kernel_;
  int protocol_;
  std::uint32_t port_;
  std::deque<std::vector<std::uint8_t>> queue_;
};

struct FakeLink {
  std::uint32_t index = 0;
  std::string name;
  std::string kind;
  std::uint32_t flags = 0;
  std::uint32_t mtu = 1420;
  device_model::DeviceState wg;  // meaningful for kind "wireguard"
};

struct FakeAddress {
  std::uint32_t ifindex = 0;
  IpAddress address;
  int prefix = 0;
  std::uint32_t flags = 0;
};

class FakeKernel {
 public:
  static constexpr std::uint16_t kWireGuardFamily = 0x1d;

  FakeKernel();
  // protocol: NETLINK_GENERIC (16) or NETLINK_ROUTE (0). events: subscribe to link/address groups.
  std::unique_ptr<FakeSocket> open(int protocol, bool events = false);

  // --- state ---
  FakeLink& add_link(const std::string& name, const std::string& kind);
  FakeLink* link(const std::string& name);
  FakeLink* link(std::uint32_t index);
  device_model::DeviceState* device(const std::string& name);  // wireguard links only
  std::vector<FakeAddress> addresses;
  std::vector<netlink::rtnl::RouteInfo> routes;

  // --- knobs ---
  bool wireguard_available = true;        // false: family ENOENT, "Unknown device type"
  bool supports_allowedip_flags = false;  // Linux >= 6.16
  std::size_t dump_message_size = 4096;   // largest GET reply message
  std::size_t datagram_size = 16384;      // messages are packed into datagrams up to this
  int dump_intr_remaining = 0;            // the next N GET dumps carry NLM_F_DUMP_INTR
  // Fail the SET message with this index (0-based over the kernel's lifetime) with errno.
  long fail_set_message = -1;
  int fail_set_errno = 0;

  // --- observations ---
  long set_messages_seen = 0;
  std::vector<std::size_t> set_message_sizes;
  std::vector<netlink::wgnl::DeviceRequest> set_requests;
  long get_dumps_seen = 0;

 private:
  friend class FakeSocket;
  void handle(FakeSocket& s, const netlink::Message& m);
  void handle_genl(FakeSocket& s, const netlink::Message& m);
  void handle_route(FakeSocket& s, const netlink::Message& m);
  int apply_set(const netlink::wgnl::DeviceRequest& r, std::string* extack);
  void reply_ack(FakeSocket& s, const netlink::Message& req, int err,
                 const std::string& extack = {});
  void reply_dump(FakeSocket& s, const netlink::Message& req,
                  std::vector<std::vector<std::uint8_t>> msgs);
  void broadcast(const std::vector<std::uint8_t>& msg);
  std::vector<std::uint8_t> link_message(const FakeLink& l, std::uint16_t type, std::uint32_t seq,
                                         std::uint32_t pid);
  std::vector<std::uint8_t> addr_message(const FakeAddress& a, std::uint16_t type,
                                         std::uint32_t seq, std::uint32_t pid);
  std::vector<std::uint8_t> route_message(const netlink::rtnl::RouteInfo& r, std::uint32_t seq,
                                          std::uint32_t pid);

  std::map<std::uint32_t, FakeLink> links_;
  std::vector<FakeSocket*> event_sockets_;
  std::uint32_t next_index_ = 2;
  std::uint32_t next_port_ = 1000;
};

}  // namespace wl::netlink_fake
