// IP addresses, prefixes (CIDR) and socket endpoints.
//
// Parsing is strict: inet_pton forms only, no whitespace, no zone ids except where stated,
// no leading '+' or zeros in prefix lengths. A prefix with host bits set (10.1.2.3/24) is
// accepted and normalised to its network (10.1.2.0/24), exactly as the kernel's WireGuard
// allowed-IPs table stores it; Cidr::parse_strict refuses it instead.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wirelink/base/result.hpp"

namespace wl {

class IpAddress {
 public:
  enum class Family : std::uint8_t { v4 = 4, v6 = 6 };

  IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(std::array<std::uint8_t, 4> b);
  static IpAddress v6(std::array<std::uint8_t, 16> b);
  static Result<IpAddress> parse(std::string_view text);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::v4; }
  bool is_v6() const { return family_ == Family::v6; }
  int bits() const { return is_v4() ? 32 : 128; }
  // Address bytes: 4 for v4, 16 for v6.
  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t size() const { return is_v4() ? 4 : 16; }

  bool is_link_local() const;  // fe80::/10 or 169.254/16
  bool is_v4_mapped() const;   // ::ffff:a.b.c.d
  bool is_unspecified() const;
  bool is_loopback() const;
  bool is_multicast() const;
  // Global unicast in the sense wirelink uses (private ranges included; unspecified,
  // loopback, link-local, multicast and broadcast excluded).
  bool is_global_unicast() const;

  IpAddress masked(int prefix) const;
  std::string to_string() const;  // canonical text (RFC 5952 for v6)

  auto operator<=>(const IpAddress&) const =
      default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 false positive

 private:
  Family family_ = Family::v4;
  std::array<std::uint8_t, 16> bytes_{};
};

class Cidr {
 public:
  Cidr() = default;
  Cidr(IpAddress a, int prefix) : addr_(a.masked(prefix)), prefix_(prefix) {}
  // "addr/len" or a bare address (full-length prefix). Host bits are masked off.
  static Result<Cidr> parse(std::string_view text);
  // As parse(), but host bits set is an error.
  static Result<Cidr> parse_strict(std::string_view text);

  const IpAddress& address() const { return addr_; }
  int prefix() const { return prefix_; }
  bool contains(const IpAddress& a) const;
  std::string to_string() const;

  auto operator<=>(const Cidr&) const =
      default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 false positive

 private:
  IpAddress addr_;
  int prefix_ = 0;
};

// An IP address and UDP port, with an optional IPv6 scope (interface index).
class Endpoint {
 public:
  Endpoint() = default;
  Endpoint(IpAddress a, std::uint16_t port, std::uint32_t scope = 0)
      : addr_(a), port_(port), scope_(scope) {}
  // "1.2.3.4:51820", "[fd00::1]:51820" or a scoped "[fe80::1%eth0]:51820" / "[fe80::1%2]:51820"
  // (literal addresses only; see parse_host_port for names). A zone name is looked up with
  // if_nametoindex; an unknown one is an error.
  static Result<Endpoint> parse(std::string_view text);
  static std::optional<Endpoint> from_sockaddr(const sockaddr* sa, socklen_t len);
  // Fills `ss`; returns the length to pass to the kernel.
  socklen_t to_sockaddr(sockaddr_storage& ss) const;

  const IpAddress& address() const { return addr_; }
  std::uint16_t port() const { return port_; }
  std::uint32_t scope() const { return scope_; }
  std::string to_string() const;  // a scope is written as its index: "[fe80::1%2]:51820"

  auto operator<=>(const Endpoint&) const =
      default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 false positive

 private:
  IpAddress addr_;
  std::uint16_t port_ = 0;
  std::uint32_t scope_ = 0;
};

// Splits "host:port" / "[v6]:port" / "[v6%zone]:port" where host may be a DNS name (a scoped
// host keeps its zone: "fe80::1%eth0"). Port must be 1..65535.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
Result<HostPort> parse_host_port(std::string_view text);

// The endpoint a HostPort names without DNS: nullopt for a name, the address (with its zone
// resolved to an interface index) for a literal; an error for a zone naming no interface.
Result<std::optional<Endpoint>> literal_endpoint(const HostPort& hp);

}  // namespace wl
