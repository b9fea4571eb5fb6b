// The daemon's side of one UAPI connection, as a byte-stream processor: bytes from the client
// in, reply bytes out, requests framed and decoded with the codec (codec.hpp) and carried out
// by a Backend.
//
// Behaves like wireguard-go: several requests may share a connection; a set is applied up to
// its first bad line (not transactional); an error reply, a get with arguments or an unknown
// operation (which gets no reply at all) closes the connection, as does a request that grows
// past kMaxRequest without ending.
//
// Contract: not thread-safe; the backend is called synchronously from feed(); no I/O here.
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
  // Appends received bytes; returns reply bytes to write (possibly empty).
  std::string feed(std::string_view bytes);
  // True once the connection must be closed (after an error or an unknown operation).
  bool closed() const { return closed_; }
  // Guards against a peer that never ends its request.
  static constexpr std::size_t kMaxRequest = 64 << 20;

 private:
  Backend& backend_;
  std::string buf_;
  bool closed_ = false;
};

}  // namespace wl::uapi
