// Requester: one netlink request/response exchange over a Transport.
//
// Contract: blocking (it calls Transport::recv until the exchange ends); not thread-safe.
// Assigns sequence numbers, skips messages for other sequence numbers (stale replies of an
// abandoned exchange, multicast events), and ends at the ACK (NLMSG_ERROR 0), the first
// kernel error (returned with its extended-ACK text), or NLMSG_DONE for dumps. A dump that
// carried NLM_F_DUMP_INTR anywhere ends with errc::dump_interrupted after it was drained, so
// the caller can restart it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "wirelink/base/result.hpp"
#include "wirelink/netlink/codec.hpp"
#include "wirelink/netlink/transport.hpp"

namespace wl::netlink {

class Requester {
 public:
  explicit Requester(Transport& t) : transport_(t), buf_(kReceiveBufferSize) {}

  using OnMessage = std::function<Result<void>(const Message&)>;
  // Sends `request` (one message, built with NLM_F_REQUEST and either NLM_F_ACK or
  // NLM_F_DUMP) and feeds each reply message to `on_message`. `what` names the operation in
  // errors ("wireguard GET wg0").
  Result<void> exchange(std::span<const std::uint8_t> request, std::string_view what,
                        const OnMessage& on_message = {});

  Transport& transport() { return transport_; }

 private:
  Transport& transport_;
  std::uint32_t seq_ = 1;
  std::vector<std::uint8_t> buf_;
  std::vector<std::uint8_t> out_;
};

}  // namespace wl::netlink
