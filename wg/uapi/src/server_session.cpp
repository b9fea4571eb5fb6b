#include "wirelink/uapi/server_session.hpp"

#include <sodium.h>

#include <algorithm>
#include <cerrno>

#include "text.hpp"
#include "wirelink/uapi/codec.hpp"

namespace wl::uapi {

ServerSession::~ServerSession() {
  sodium_memzero(buf_.data(), buf_.size());
}

void ServerSession::receive(std::string_view bytes) {
  if (!closed_) buf_.append(bytes);
}

std::string ServerSession::feed(std::string_view bytes) {
  receive(bytes);
  std::string reply;
  while (step(reply)) {
  }
  return reply;
}

bool ServerSession::over_cap(std::string& reply, bool is_set) {
  if (buf_.size() <= kMaxRequest) return false;
  if (is_set) reply += encode_status_reply(EMSGSIZE);
  closed_ = true;
  return true;
}

void ServerSession::consume(std::size_t n) {
  sodium_memzero(buf_.data(), n);
  buf_.erase(0, n);
  op_end_ = std::string::npos;
  scan_ = 0;
}

bool ServerSession::step(std::string& reply) {
  if (closed_) return false;
  if (op_end_ == std::string::npos) {
    op_end_ = buf_.find('\n', scan_);
    if (op_end_ == std::string::npos) {
      scan_ = buf_.size();
      return over_cap(reply, false);
    }
    scan_ = op_end_;
  }
  const std::string_view op(buf_.data(), op_end_);
  if (op == text::kGetOperation) {
    // get takes no arguments: the next line must be the blank terminator.
    if (buf_.size() < op_end_ + 2) return false;
    if (buf_[op_end_ + 1] != '\n') {
      reply += encode_status_reply(EINVAL);
      closed_ = true;
      return true;
    }
    consume(op_end_ + 2);
    reply += encode_get_reply(backend_.get_state());
    return true;
  }
  if (op == text::kSetOperation) {
    // The body ends at the first blank line; an empty body ends right after the first line.
    const auto end = buf_.find("\n\n", scan_);
    if (end == std::string::npos) {
      // A '\n' in the last byte may start the terminator: look at it again next time.
      scan_ = std::max(op_end_, buf_.size() - 1);
      return over_cap(reply, true);
    }
    const std::string_view body =
        end == op_end_ ? std::string_view{}
                       : std::string_view(buf_).substr(op_end_ + 1, end - op_end_ - 1);
    const SetRequest parsed = decode_set_request(body);
    int err = backend_.apply(parsed.config);
    if (err == 0) err = parsed.error;  // an apply failure happened on an earlier line
    consume(end + 2);
    reply += encode_status_reply(err);
    if (err != 0) closed_ = true;
    return true;
  }
  // An unknown operation closes the connection without a reply.
  closed_ = true;
  return true;
}

}  // namespace wl::uapi
