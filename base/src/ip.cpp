#include "wirelink/base/ip.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <charconv>
#include <cstring>
#include <utility>

#include "wirelink/base/errors.hpp"

namespace wl {
namespace {
Error bad(errc e, std::string_view text, std::string_view why) {
  std::string d = "\"";
  d.append(text);
  d += "\": ";
  d.append(why);
  return Error{make_error_code(e), std::move(d)};
}

// Decimal 0..max with no sign, no leading zeros (except "0"), no junk.
std::optional<int> parse_small_uint(std::string_view s, int max) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < 0 || v > max) return std::nullopt;
  return v;
}
}  // namespace

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> b) {
  IpAddress a;
  a.family_ = Family::v4;
  std::memcpy(a.bytes_.data(), b.data(), 4);
  return a;
}

IpAddress IpAddress::v6(std::array<std::uint8_t, 16> b) {
  IpAddress a;
  a.family_ = Family::v6;
  a.bytes_ = b;
  return a;
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN)
    return bad(errc::invalid_address, text, "not an IP address");
  std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), a.bytes_.data()) != 1)
      return bad(errc::invalid_address, text, "not an IPv4 address");
    a.family_ = Family::v4;
  } else {
    if (inet_pton(AF_INET6, s.c_str(), a.bytes_.data()) != 1)
      return bad(errc::invalid_address, text, "not an IPv6 address");
    a.family_ = Family::v6;
  }
  return a;
}

bool IpAddress::is_link_local() const {
  if (is_v4()) return bytes_[0] == 169 && bytes_[1] == 254;
  return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

bool IpAddress::is_v4_mapped() const {
  if (!is_v6()) return false;
  for (int i = 0; i < 10; ++i)
    if (bytes_[i] != 0) return false;
  return bytes_[10] == 0xff && bytes_[11] == 0xff;
}

bool IpAddress::is_unspecified() const {
  for (std::size_t i = 0; i < size(); ++i)
    if (bytes_[i] != 0) return false;
  return true;
}

bool IpAddress::is_loopback() const {
  if (is_v4()) return bytes_[0] == 127;
  for (int i = 0; i < 15; ++i)
    if (bytes_[i] != 0) return false;
  return bytes_[15] == 1;
}

bool IpAddress::is_multicast() const {
  if (is_v4()) return (bytes_[0] & 0xf0) == 0xe0;
  return bytes_[0] == 0xff;
}

bool IpAddress::is_global_unicast() const {
  if (is_v4_mapped()) {
    return IpAddress::v4({bytes_[12], bytes_[13], bytes_[14], bytes_[15]}).is_global_unicast();
  }
  if (is_v4()) {
    bool broadcast = bytes_[0] == 255 && bytes_[1] == 255 && bytes_[2] == 255 && bytes_[3] == 255;
    if (broadcast) return false;
  }
  return !is_unspecified() && !is_loopback() && !is_link_local() && !is_multicast();
}

IpAddress IpAddress::masked(int prefix) const {
  IpAddress r = *this;
  const int total = bits();
  if (prefix < 0) prefix = 0;
  if (prefix > total) prefix = total;
  for (int i = 0; i < static_cast<int>(size()); ++i) {
    const int keep = prefix - i * 8;
    if (keep >= 8) continue;
    if (keep <= 0) {
      r.bytes_[i] = 0;
    } else {
      r.bytes_[i] &= static_cast<std::uint8_t>(0xff << (8 - keep));
    }
  }
  return r;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

namespace {
Result<Cidr> parse_cidr(std::string_view text, bool strict) {
  const auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr)
    return bad(errc::invalid_cidr, text, "expected address/prefix, e.g. 10.0.0.0/24 or fd00::/64");
  int prefix = addr->bits();
  if (slash != std::string_view::npos) {
    auto p = parse_small_uint(text.substr(slash + 1), addr->bits());
    if (!p) {
      return bad(errc::invalid_cidr, text,
                 "prefix length must be 0.." + std::to_string(addr->bits()));
    }
    prefix = *p;
  }
  if (strict && addr->masked(prefix) != *addr)
    return bad(errc::invalid_cidr, text, "host bits are set");
  return Cidr(*addr, prefix);
}
}  // namespace

Result<Cidr> Cidr::parse(std::string_view text) {
  return parse_cidr(text, false);
}
Result<Cidr> Cidr::parse_strict(std::string_view text) {
  return parse_cidr(text, true);
}

bool Cidr::contains(const IpAddress& a) const {
  return a.family() == addr_.family() && a.masked(prefix_) == addr_;
}

std::string Cidr::to_string() const {
  return addr_.to_string() + "/" + std::to_string(prefix_);
}

namespace {
// "fe80::1%eth0" -> the address and the zone text ("" when there is none).
std::pair<std::string_view, std::string_view> split_zone(std::string_view host) {
  const auto pct = host.find('%');
  if (pct == std::string_view::npos) return {host, {}};
  return {host.substr(0, pct), host.substr(pct + 1)};
}

// An interface name as the kernel allows it: 1..15 bytes, no '/', ':', whitespace or NUL.
bool valid_zone(std::string_view zone) {
  if (zone.empty() || zone.size() >= IF_NAMESIZE) return false;
  for (char c : zone)
    if (c == '/' || c == ':' || c == ']' || c == '%' || static_cast<unsigned char>(c) <= ' ')
      return false;
  return true;
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad(errc::invalid_endpoint, text, "expected [IPv6]:port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    // A scoped address ("fe80::1%eth0", "fe80::1%2") names the link it is on, as in `wg set`.
    const auto [addr, zone] = split_zone(host);
    if (!IpAddress::parse(addr) || !IpAddress::parse(addr)->is_v6())
      return bad(errc::invalid_endpoint, text, "brackets must hold an IPv6 address");
    if (addr.size() != host.size() && !valid_zone(zone))
      return bad(errc::invalid_endpoint, text, "bad IPv6 zone (interface name or index)");
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return bad(errc::invalid_endpoint, text, "expected host:port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return bad(errc::invalid_endpoint, text, "IPv6 addresses must be written [addr]:port");
    if (host.empty()) return bad(errc::invalid_endpoint, text, "empty host");
    for (char c : host) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_';
      if (!ok) return bad(errc::invalid_endpoint, text, "host contains an invalid character");
    }
  }
  auto p = parse_small_uint(port, 65535);
  if (!p || *p == 0) return bad(errc::invalid_endpoint, text, "port must be 1..65535");
  return HostPort{std::string(host), static_cast<std::uint16_t>(*p)};
}

Result<std::optional<Endpoint>> literal_endpoint(const HostPort& hp) {
  const auto [addr, zone] = split_zone(hp.host);
  auto a = IpAddress::parse(addr);
  if (!a) return std::optional<Endpoint>{};
  if (addr.size() == hp.host.size()) return std::optional<Endpoint>{Endpoint(*a, hp.port)};
  // A numeric zone is an interface index; a name is looked up now (the kernel keeps the index).
  std::uint32_t scope = 0;
  auto [p, ec] = std::from_chars(zone.data(), zone.data() + zone.size(), scope);
  if (ec != std::errc{} || p != zone.data() + zone.size()) {
    scope = ::if_nametoindex(std::string(zone).c_str());
    if (scope == 0)
      return bad(errc::invalid_endpoint, hp.host, "no interface named " + std::string(zone));
  }
  return std::optional<Endpoint>{Endpoint(*a, hp.port, scope)};
}

Result<Endpoint> Endpoint::parse(std::string_view text) {
  auto hp = parse_host_port(text);
  if (!hp) return hp.error();
  auto e = literal_endpoint(*hp);
  if (!e) return e.error();
  if (!*e) return bad(errc::invalid_endpoint, text, "host is not a literal IP address");
  return **e;
}

std::optional<Endpoint> Endpoint::from_sockaddr(const sockaddr* sa, socklen_t len) {
  if (sa == nullptr) return std::nullopt;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, sa, sizeof in);
    std::array<std::uint8_t, 4> b{};
    std::memcpy(b.data(), &in.sin_addr, 4);
    return Endpoint(IpAddress::v4(b), ntohs(in.sin_port));
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, sa, sizeof in6);
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &in6.sin6_addr, 16);
    return Endpoint(IpAddress::v6(b), ntohs(in6.sin6_port), in6.sin6_scope_id);
  }
  return std::nullopt;
}

socklen_t Endpoint::to_sockaddr(sockaddr_storage& ss) const {
  std::memset(&ss, 0, sizeof ss);
  if (addr_.is_v4()) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port_);
    std::memcpy(&in.sin_addr, addr_.data(), 4);
    std::memcpy(&ss, &in, sizeof in);
    return sizeof in;
  }
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port_);
  in6.sin6_scope_id = scope_;
  std::memcpy(&in6.sin6_addr, addr_.data(), 16);
  std::memcpy(&ss, &in6, sizeof in6);
  return sizeof in6;
}

std::string Endpoint::to_string() const {
  if (addr_.is_v4()) return addr_.to_string() + ":" + std::to_string(port_);
  // The scope as an index: numeric zones are what `wg` and wireguard-go read back.
  const std::string zone = scope_ != 0 ? "%" + std::to_string(scope_) : "";
  return "[" + addr_.to_string() + zone + "]:" + std::to_string(port_);
}

}  // namespace wl
