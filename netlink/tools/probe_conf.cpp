#include "probe_conf.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <sstream>

#include <arpa/inet.h>

#include "wirelink/base/encoding.hpp"
#include "wirelink/base/keys.hpp"

namespace wlprobe {
namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}
// Strict standard base64 of exactly 32 bytes (43 characters + '=', no stray low bits), the
// only form wg(8) prints. The config parser meets one per peer, so it is kept cheap.
std::optional<std::array<std::uint8_t, 32>> decode_key(std::string_view t) {
  if (t.size() != 44 || t[43] != '=') return std::nullopt;
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::array<std::uint8_t, 32> out{};
  std::size_t j = 0;
  for (std::size_t i = 0; i < 40; i += 4) {
    const int a = val(t[i]), b = val(t[i + 1]), c = val(t[i + 2]), d = val(t[i + 3]);
    if ((a | b | c | d) < 0) return std::nullopt;
    const unsigned v = (unsigned(a) << 18) | (unsigned(b) << 12) | (unsigned(c) << 6) | unsigned(d);
    out[j++] = static_cast<std::uint8_t>(v >> 16);
    out[j++] = static_cast<std::uint8_t>(v >> 8);
    out[j++] = static_cast<std::uint8_t>(v);
  }
  const int a = val(t[40]), b = val(t[41]), c = val(t[42]);
  if ((a | b | c) < 0 || (c & 3)) return std::nullopt;
  const unsigned v = (unsigned(a) << 18) | (unsigned(b) << 12) | (unsigned(c) << 6);
  out[30] = static_cast<std::uint8_t>(v >> 16);
  out[31] = static_cast<std::uint8_t>(v >> 8);
  return out;
}
std::optional<wl::PrivateKey> decode_secret(std::string_view t) {
  auto k = decode_key(t);
  if (!k) return std::nullopt;
  auto s = wl::PrivateKey::from(std::span<const std::uint8_t, 32>(*k));
  sodium_memzero(k->data(), k->size());
  return s;
}
wl::Error bad(int line, const std::string& why) {
  return wl::make_error(std::errc::invalid_argument, "line " + std::to_string(line) + ": " + why);
}
std::string b64(const std::uint8_t* p) {
  return wl::base64_encode(std::span<const std::uint8_t>(p, 32));
}

// Allocation-free formatting for the dump path, which prints tens of thousands of keys and
// addresses (the benchmark times it against `wg show dump`).
void append_b64(std::string& o, const std::uint8_t* p) {
  static constexpr char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char out[44];
  std::size_t j = 0;
  for (std::size_t i = 0; i < 30; i += 3) {
    const unsigned v = (unsigned{p[i]} << 16) | (unsigned{p[i + 1]} << 8) | p[i + 2];
    out[j++] = tbl[(v >> 18) & 63];
    out[j++] = tbl[(v >> 12) & 63];
    out[j++] = tbl[(v >> 6) & 63];
    out[j++] = tbl[v & 63];
  }
  const unsigned v = (unsigned{p[30]} << 16) | (unsigned{p[31]} << 8);
  out[j++] = tbl[(v >> 18) & 63];
  out[j++] = tbl[(v >> 12) & 63];
  out[j++] = tbl[(v >> 6) & 63];
  out[j++] = '=';
  o.append(out, 44);
}
void append_uint(std::string& o, unsigned long long v) {
  char buf[24];
  char* e = buf + sizeof buf;
  char* b = e;
  do {
    *--b = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  o.append(b, static_cast<std::size_t>(e - b));
}
void append_ip(std::string& o, const wl::IpAddress& a) {
  if (a.is_v4()) {
    for (int i = 0; i < 4; ++i) {
      if (i) o.push_back('.');
      append_uint(o, a.data()[i]);
    }
    return;
  }
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, a.data(), buf, sizeof buf)) o.append(buf);
}
std::string fwmark_text(std::uint32_t m) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", m);
  return buf;
}
}  // namespace

wl::Result<wl::device_model::DeviceConfig> parse_conf(std::string_view text) {
  wl::device_model::DeviceConfig c;
  c.replace_peers = true;
  enum { none, iface, peer } section = none;
  std::size_t pos = 0;
  int ln = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++ln;
    std::string_view line = trim(raw.substr(0, raw.find('#')));
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (iequals(line, "[interface]"))
        section = iface;
      else if (iequals(line, "[peer]")) {
        section = peer;
        c.peers.emplace_back();
        c.peers.back().replace_allowed_ips = true;
      } else
        return bad(ln, "unknown section " + std::string(line));
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) return bad(ln, "expected key = value");
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view val = trim(line.substr(eq + 1));
    auto number = [&](int base) { return std::stoul(std::string(val), nullptr, base); };
    if (section == iface) {
      if (iequals(key, "privatekey")) {
        auto k = decode_secret(val);
        if (!k) return bad(ln, "bad private key");
        c.private_key = std::move(*k);
      } else if (iequals(key, "listenport")) {
        c.listen_port = static_cast<std::uint16_t>(number(10));
      } else if (iequals(key, "fwmark")) {
        c.fwmark = val == "off" ? 0U : static_cast<std::uint32_t>(number(0));
      } else
        return bad(ln, "unknown interface key " + std::string(key));
    } else if (section == peer) {
      auto& p = c.peers.back();
      if (iequals(key, "publickey")) {
        auto k = decode_key(val);
        if (!k) return bad(ln, "bad public key");
        p.public_key = wl::PublicKey(*k);
      } else if (iequals(key, "presharedkey")) {
        auto k = decode_secret(val);
        if (!k) return bad(ln, "bad preshared key");
        p.preshared_key = std::move(*k);
      } else if (iequals(key, "endpoint")) {
        auto e = wl::Endpoint::parse(val);
        if (!e) return bad(ln, "bad endpoint");
        p.endpoint = *e;
      } else if (iequals(key, "persistentkeepalive")) {
        p.persistent_keepalive = val == "off" ? 0 : static_cast<std::uint16_t>(number(10));
      } else if (iequals(key, "allowedips")) {
        std::string_view rest(val);
        while (!rest.empty()) {
          const std::size_t comma = rest.find(',');
          std::string_view item = trim(rest.substr(0, comma));
          rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
          if (item.empty()) continue;
          auto cidr = wl::Cidr::parse(item);
          if (!cidr) return bad(ln, "bad allowed IP " + std::string(item));
          p.allowed_ips.push_back({*cidr, false});
        }
      } else
        return bad(ln, "unknown peer key " + std::string(key));
    } else {
      return bad(ln, "key outside a section");
    }
  }
  return c;
}

std::string showconf(const wl::device_model::DeviceState& s) {
  std::string o = "[Interface]\n";
  if (s.listen_port) o += "ListenPort = " + std::to_string(s.listen_port) + "\n";
  if (s.fwmark) o += "FwMark = " + fwmark_text(s.fwmark) + "\n";
  if (s.private_key) o += "PrivateKey = " + b64(s.private_key->data()) + "\n";
  o += "\n";
  for (std::size_t i = 0; i < s.peers.size(); ++i) {
    const auto& p = s.peers[i];
    o += "[Peer]\nPublicKey = " + p.public_key.to_base64() + "\n";
    if (p.preshared_key) o += "PresharedKey = " + b64(p.preshared_key->data()) + "\n";
    if (!p.allowed_ips.empty()) {
      o += "AllowedIPs = ";
      for (std::size_t j = 0; j < p.allowed_ips.size(); ++j)
        o += (j ? ", " : "") + p.allowed_ips[j].to_string();
      o += "\n";
    }
    if (p.endpoint) o += "Endpoint = " + p.endpoint->to_string() + "\n";
    if (p.persistent_keepalive)
      o += "PersistentKeepalive = " + std::to_string(p.persistent_keepalive) + "\n";
    if (i + 1 < s.peers.size()) o += "\n";
  }
  return o;
}

std::string show_dump(const wl::device_model::DeviceState& s) {
  std::string o;
  std::size_t ips = 0;
  for (const auto& p : s.peers) ips += p.allowed_ips.size();
  o.reserve(200 + s.peers.size() * 200 + ips * 20);
  if (s.private_key)
    append_b64(o, s.private_key->data());
  else
    o += "(none)";
  o += '\t';
  if (s.public_key)
    append_b64(o, s.public_key->data());
  else
    o += "(none)";
  o += '\t';
  append_uint(o, s.listen_port);
  o += '\t';
  o += s.fwmark ? fwmark_text(s.fwmark) : std::string("off");
  o += '\n';
  for (const auto& p : s.peers) {
    append_b64(o, p.public_key.data());
    o += '\t';
    if (p.preshared_key)
      append_b64(o, p.preshared_key->data());
    else
      o += "(none)";
    o += '\t';
    if (p.endpoint) {
      const bool v6 = p.endpoint->address().is_v6();
      if (v6) o += '[';
      append_ip(o, p.endpoint->address());
      if (v6) o += ']';
      o += ':';
      append_uint(o, p.endpoint->port());
    } else {
      o += "(none)";
    }
    o += '\t';
    if (p.allowed_ips.empty()) o += "(none)";
    for (std::size_t j = 0; j < p.allowed_ips.size(); ++j) {
      if (j) o += ',';
      append_ip(o, p.allowed_ips[j].address());
      o += '/';
      append_uint(o, static_cast<unsigned>(p.allowed_ips[j].prefix()));
    }
    const auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(p.last_handshake.time_since_epoch())
            .count();
    o += '\t';
    append_uint(o, static_cast<unsigned long long>(secs));
    o += '\t';
    append_uint(o, p.rx_bytes);
    o += '\t';
    append_uint(o, p.tx_bytes);
    o += '\t';
    if (p.persistent_keepalive)
      append_uint(o, p.persistent_keepalive);
    else
      o += "off";
    o += '\n';
  }
  return o;
}

std::string canonical(const wl::device_model::DeviceConfig& c) {
  std::string o = "[Interface]\n";
  if (c.listen_port && *c.listen_port) o += "ListenPort = " + std::to_string(*c.listen_port) + "\n";
  if (c.fwmark && *c.fwmark) o += "FwMark = " + fwmark_text(*c.fwmark) + "\n";
  if (c.private_key && !c.private_key->is_zero())
    o += "PrivateKey = " + b64(c.private_key->data()) + "\n";
  std::vector<std::string> peers;
  for (const auto& p : c.peers) {
    std::string s = "[Peer]\nPublicKey = " + p.public_key.to_base64() + "\n";
    if (p.preshared_key && !p.preshared_key->is_zero())
      s += "PresharedKey = " + b64(p.preshared_key->data()) + "\n";
    std::vector<wl::Cidr> ips;
    for (const auto& a : p.allowed_ips) ips.push_back(a.cidr);
    std::sort(ips.begin(), ips.end());
    ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
    if (!ips.empty()) {
      s += "AllowedIPs = ";
      for (std::size_t j = 0; j < ips.size(); ++j) s += (j ? ", " : "") + ips[j].to_string();
      s += "\n";
    }
    if (p.endpoint) s += "Endpoint = " + p.endpoint->to_string() + "\n";
    if (p.persistent_keepalive && *p.persistent_keepalive)
      s += "PersistentKeepalive = " + std::to_string(*p.persistent_keepalive) + "\n";
    peers.push_back(std::move(s));
  }
  std::sort(peers.begin(), peers.end());
  for (const auto& p : peers) o += "\n" + p;
  return o;
}

}  // namespace wlprobe
