// The daemon's side of one UAPI connection, as a byte-stream processor: bytes from the client
// in, reply bytes out, requests framed and decoded with the codec (codec.hpp) and carried out
// by a Backend.
//
// Behaves like wireguard-go: several requests may share a connection; a set is applied up to
// its first bad line (not transactional); an error reply, a get with arguments or an unknown
// operation (which gets no reply at all) closes the connection. Unlike wireguard-go a request
// may not grow past kMaxRequest without ending: the session closes then, after an
// "errno=-EMSGSIZE" reply when the request is a set.
//
// Framing costs time linear in the bytes received, however they are split: a search for the
// end of a request resumes where the previous one stopped.
//
// Contract: not thread-safe; the backend is called synchronously from step() and feed(); no
// I/O here. Consumed request bytes (they may hold keys) are wiped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "wirelink/base/device_model.hpp"

namespace wl::uapi {

// What a session drives: the device.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual device_model::DeviceState get_state() = 0;
  // Applies a (possibly partial) configuration; returns 0 or a positive errno value.
  virtual int apply(const device_model::DeviceConfig& cfg) = 0;
};

class ServerSession {
 public:
  explicit ServerSession(Backend& backend) : backend_(backend) {}
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // Buffers received bytes; nothing is carried out yet.
  void receive(std::string_view bytes);
  // Carries out the first complete buffered request and appends its reply to `reply`. Returns
  // false (and does nothing) when no complete request is buffered or the session is closed,
  // true when a request was answered or the session just closed. A server that must bound
  // its pending output answers one request at a time this way.
  bool step(std::string& reply);
  // receive() then step() until it returns false; returns the replies (possibly empty).
  std::string feed(std::string_view bytes);

  // True once the connection must be closed (after an error or an unknown operation).
  bool closed() const { return closed_; }
  // True when no part of a request is buffered (between requests).
  bool idle() const { return buf_.empty(); }
  // Bytes buffered: the unfinished request (and any pipelined ones after it).
  std::size_t buffered() const { return buf_.size(); }

  // The longest request: a `wg setconf` of 10,000 peers with a preshared key, an endpoint, a
  // keepalive and a dozen IPv6 allowed IPs each fits.
  static constexpr std::size_t kMaxRequest = std::size_t{16} << 20;

 private:
  bool over_cap(std::string& reply, bool is_set);
  void consume(std::size_t n);

  Backend& backend_;
  std::string buf_;
  std::size_t op_end_ = std::string::npos;  // the first line's '\n', once seen
  std::size_t scan_ = 0;                    // where the search for the request's end resumes
  bool closed_ = false;
};

}  // namespace wl::uapi
