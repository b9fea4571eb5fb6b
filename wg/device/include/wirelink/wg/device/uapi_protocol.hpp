// The cross-platform WireGuard UAPI text protocol (what `wg`, `wg-quick` and wireguard-go
// speak over /var/run/wireguard/<iface>.sock), as a pure byte-stream processor.
//
// UapiSession consumes bytes from one connection and produces reply bytes. It validates like
// wireguard-go: a line without '=' is EPROTO; an unknown key, a malformed key/number/endpoint/
// CIDR, a flag other than "true" or protocol_version != 1 is EINVAL; the request is applied up
// to the failing line (not transactional) and the connection is closed after an error. Replies
// end with "errno=N\n\n" where N is 0 or a negative errno, as wireguard-go sends it.
//
// Contract: not thread-safe; the backend is called synchronously; no I/O here.
#pragma once

#include <string>
#include <string_view>

#include "wirelink/base/wg_model.hpp"

namespace wl::wg::device {

class UapiBackend {
 public:
  virtual ~UapiBackend() = default;
  virtual DeviceState get_state() = 0;
  // Applies a (possibly partial) configuration; returns 0 or a positive errno value.
  virtual int apply(const DeviceConfig& cfg) = 0;
};

struct SetParse {
  DeviceConfig config;
  int error = 0;  // positive errno, 0 = the whole request parsed
  std::string detail;
};

// Parses the key=value lines of a set operation (after "set=1", without the blank line).
SetParse parse_set(std::string_view body);
// The get reply body (key=value lines), without the errno line.
std::string format_get(const DeviceState& s);

class UapiSession {
 public:
  explicit UapiSession(UapiBackend& backend) : backend_(backend) {}
  // Appends received bytes; returns reply bytes to write (possibly empty).
  std::string feed(std::string_view bytes);
  // True once the connection must be closed (after an error or an unknown operation).
  bool closed() const { return closed_; }
  // Guards against a peer that never ends its request.
  static constexpr std::size_t kMaxRequest = 64 << 20;

 private:
  UapiBackend& backend_;
  std::string buf_;
  bool closed_ = false;
};

}  // namespace wl::wg::device
