#include "wirelink/uapi/server_session.hpp"

#include <cerrno>

#include "text.hpp"
#include "wirelink/uapi/codec.hpp"

namespace wl::uapi {

std::string ServerSession::feed(std::string_view bytes) {
  std::string reply;
  if (closed_) return reply;
  buf_.append(bytes);
  for (;;) {
    const auto nl = buf_.find('\n');
    if (nl == std::string::npos) break;
    const std::string_view op(buf_.data(), nl);
    if (op == text::kGetOperation) {
      // get takes no arguments: the next line must be the blank terminator.
      if (buf_.size() < nl + 2) break;
      if (buf_[nl + 1] != '\n') {
        reply += encode_status_reply(EINVAL);
        closed_ = true;
        return reply;
      }
      buf_.erase(0, nl + 2);
      reply += encode_get_reply(backend_.get_state());
      continue;
    }
    if (op == text::kSetOperation) {
      const auto end = buf_.find("\n\n", nl);
      const bool empty_body = buf_.size() > nl + 1 && buf_[nl + 1] == '\n';
      if (end == std::string::npos && !empty_body) {
        if (buf_.size() > kMaxRequest) closed_ = true;
        break;
      }
      const std::size_t body_end = empty_body ? nl : end;
      const std::string_view body = empty_body
                                        ? std::string_view{}
                                        : std::string_view(buf_).substr(nl + 1, body_end - nl - 1);
      const SetRequest parsed = decode_set_request(body);
      int err = backend_.apply(parsed.config);
      if (err == 0) err = parsed.error;  // an apply failure happened on an earlier line
      buf_.erase(0, empty_body ? nl + 2 : end + 2);
      reply += encode_status_reply(err);
      if (err != 0) {
        closed_ = true;
        return reply;
      }
      continue;
    }
    // An unknown operation closes the connection without a reply.
    closed_ = true;
    return reply;
  }
  if (buf_.size() > kMaxRequest) closed_ = true;
  return reply;
}

}  // namespace wl::uapi
