#include "wirelink/netlink/requester.hpp"

#include <linux/netlink.h>

#include <sodium/utils.h>

#include <algorithm>
#include <string>

#include "wirelink/netlink/errors.hpp"

namespace wl::netlink {

Result<void> Requester::exchange(std::span<const std::uint8_t> request, std::string_view what,
                                 const OnMessage& on_message) {
  if (request.size() < kHeaderLen)
    return Error{errc::malformed_reply, std::string(what) + ": empty request"};
  out_.assign(request.begin(), request.end());
  const std::uint32_t seq = seq_++;
  if (seq_ == 0) seq_ = 1;
  set_seq(out_, seq, 0);
  std::uint16_t req_flags = 0;
  std::memcpy(&req_flags, out_.data() + 6, 2);
  // NLM_F_DUMP shares bits with REPLACE/EXCL, so the ACK flag tells the two kinds apart.
  const bool dump = (req_flags & NLM_F_ACK) == 0;

  auto sent = transport_.send(out_);
  // Requests and replies may carry private keys and PSKs: wipe our copies once used.
  sodium_memzero(out_.data(), out_.size());
  if (!sent) return Error{sent.error().code, std::string(what) + ": send: " + sent.error().detail};
  struct WipeOnExit {
    std::vector<std::uint8_t>& b;
    std::size_t* used;
    ~WipeOnExit() { sodium_memzero(b.data(), *used); }
  };
  std::size_t used = 0;
  WipeOnExit wipe{buf_, &used};

  bool interrupted = false;
  for (;;) {
    auto n = transport_.recv(buf_);
    if (!n) return Error{n.error().code, std::string(what) + ": receive: " + n.error().detail};
    used = std::max(used, *n);
    MessageReader reader(std::span<const std::uint8_t>(buf_.data(), *n));
    Message m;
    while (reader.next(m)) {
      if (m.seq != seq) continue;  // stale reply or event: not ours
      if (m.flags & NLM_F_DUMP_INTR) interrupted = true;
      if (m.type == NLMSG_ERROR) {
        auto ack = parse_error_message(m);
        if (!ack)
          return Error{errc::malformed_reply, std::string(what) + ": " + ack.error().detail};
        if (ack->error != 0) return kernel_error(ack->error, what, ack->message);
        if (!dump) return {};
        continue;  // an ACK inside a dump: keep reading until DONE
      }
      if (m.type == NLMSG_DONE) {
        auto done = parse_done_message(m);
        if (!done)
          return Error{errc::malformed_reply, std::string(what) + ": " + done.error().detail};
        if (done->error != 0) return kernel_error(done->error, what, done->message);
        if (interrupted)
          return Error{errc::dump_interrupted, std::string(what) + ": dump interrupted"};
        return {};
      }
      if (m.type == NLMSG_NOOP || m.type == NLMSG_OVERRUN) continue;
      if (on_message) {
        if (auto r = on_message(m); !r) return r;
      }
    }
    if (reader.malformed())
      return Error{errc::malformed_reply,
                   std::string(what) + ": truncated or malformed netlink message"};
  }
}

}  // namespace wl::netlink
