// wirelink's own error codes (wl::errc), a std::error_category so they travel in Result.
#pragma once

#include <system_error>

namespace wl {

enum class errc {
  ok = 0,
  invalid_key = 1,       // not a 44-character standard base64 encoding of 32 bytes
  invalid_address,       // not an IPv4/IPv6 address
  invalid_cidr,          // not address/prefix, or prefix out of range
  invalid_endpoint,      // not host:port
  config_invalid,        // configuration error (detail names file, JSON pointer, value)
  insecure_permissions,  // a secret file readable by group or other
  malformed,             // bad bytes from the network, kernel, or a socket
  unsupported,           // valid but not supported by the other side
};

const std::error_category& wl_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), wl_category()};
}

}  // namespace wl

template <>
struct std::is_error_code_enum<wl::errc> : std::true_type {};
