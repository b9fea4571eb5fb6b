#include "probe_conf.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "wirelink/base/encoding.hpp"
#include "wirelink/base/keys.hpp"

namespace wlprobe {
namespace {
std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
wl::Error bad(int line, const std::string& why) {
  return wl::make_error(std::errc::invalid_argument, "line " + std::to_string(line) + ": " + why);
}
std::string b64(const std::uint8_t* p) { return wl::base64_encode(std::span<const std::uint8_t>(p, 32)); }
std::string fwmark_text(std::uint32_t m) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", m);
  return buf;
}
}  // namespace

wl::Result<wl::wg::DeviceConfig> parse_conf(std::string_view text) {
  wl::wg::DeviceConfig c;
  c.replace_peers = true;
  enum { none, iface, peer } section = none;
  std::istringstream in{std::string(text)};
  std::string raw;
  int ln = 0;
  while (std::getline(in, raw)) {
    ++ln;
    auto hash = raw.find('#');
    std::string line = trim(raw.substr(0, hash));
    if (line.empty()) continue;
    if (line.front() == '[') {
      auto name = lower(line);
      if (name == "[interface]") section = iface;
      else if (name == "[peer]") {
        section = peer;
        c.peers.emplace_back();
        c.peers.back().replace_allowed_ips = true;
      } else return bad(ln, "unknown section " + line);
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) return bad(ln, "expected key = value");
    const std::string key = lower(trim(line.substr(0, eq)));
    const std::string val = trim(line.substr(eq + 1));
    if (section == iface) {
      if (key == "privatekey") {
        auto k = wl::parse_private_key(val);
        if (!k) return bad(ln, "bad private key");
        c.private_key = std::move(*k);
      } else if (key == "listenport") {
        c.listen_port = static_cast<std::uint16_t>(std::stoul(val));
      } else if (key == "fwmark") {
        c.fwmark = val == "off" ? 0U : static_cast<std::uint32_t>(std::stoul(val, nullptr, 0));
      } else return bad(ln, "unknown interface key " + key);
    } else if (section == peer) {
      auto& p = c.peers.back();
      if (key == "publickey") {
        auto k = wl::PublicKey::parse(val);
        if (!k) return bad(ln, "bad public key");
        p.public_key = *k;
      } else if (key == "presharedkey") {
        auto k = wl::parse_private_key(val);
        if (!k) return bad(ln, "bad preshared key");
        p.preshared_key = std::move(*k);
      } else if (key == "endpoint") {
        auto e = wl::Endpoint::parse(val);
        if (!e) return bad(ln, "bad endpoint");
        p.endpoint = *e;
      } else if (key == "persistentkeepalive") {
        p.persistent_keepalive = val == "off" ? 0 : static_cast<std::uint16_t>(std::stoul(val));
      } else if (key == "allowedips") {
        std::istringstream ips(val);
        std::string item;
        while (std::getline(ips, item, ',')) {
          item = trim(item);
          if (item.empty()) continue;
          auto cidr = wl::Cidr::parse(item);
          if (!cidr) return bad(ln, "bad allowed IP " + item);
          p.allowed_ips.push_back({*cidr, false});
        }
      } else return bad(ln, "unknown peer key " + key);
    } else {
      return bad(ln, "key outside a section");
    }
  }
  return c;
}

std::string showconf(const wl::wg::DeviceState& s) {
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
      for (std::size_t j = 0; j < p.allowed_ips.size(); ++j) o += (j ? ", " : "") + p.allowed_ips[j].to_string();
      o += "\n";
    }
    if (p.endpoint) o += "Endpoint = " + p.endpoint->to_string() + "\n";
    if (p.persistent_keepalive) o += "PersistentKeepalive = " + std::to_string(p.persistent_keepalive) + "\n";
    if (i + 1 < s.peers.size()) o += "\n";
  }
  return o;
}

std::string show_dump(const wl::wg::DeviceState& s) {
  std::string o;
  o += s.private_key ? b64(s.private_key->data()) : "(none)";
  o += "\t";
  o += s.public_key ? s.public_key->to_base64() : "(none)";
  o += "\t" + std::to_string(s.listen_port) + "\t" + (s.fwmark ? fwmark_text(s.fwmark) : std::string("off")) + "\n";
  for (const auto& p : s.peers) {
    o += p.public_key.to_base64() + "\t";
    o += p.preshared_key ? b64(p.preshared_key->data()) : "(none)";
    o += "\t";
    o += p.endpoint ? p.endpoint->to_string() : "(none)";
    o += "\t";
    if (p.allowed_ips.empty()) o += "(none)";
    for (std::size_t j = 0; j < p.allowed_ips.size(); ++j) o += (j ? "," : "") + p.allowed_ips[j].to_string();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(p.last_handshake.time_since_epoch()).count();
    o += "\t" + std::to_string(secs) + "\t" + std::to_string(p.rx_bytes) + "\t" + std::to_string(p.tx_bytes) + "\t";
    o += p.persistent_keepalive ? std::to_string(p.persistent_keepalive) : std::string("off");
    o += "\n";
  }
  return o;
}

std::string canonical(const wl::wg::DeviceConfig& c) {
  std::string o = "[Interface]\n";
  if (c.listen_port && *c.listen_port) o += "ListenPort = " + std::to_string(*c.listen_port) + "\n";
  if (c.fwmark && *c.fwmark) o += "FwMark = " + fwmark_text(*c.fwmark) + "\n";
  if (c.private_key && !c.private_key->is_zero()) o += "PrivateKey = " + b64(c.private_key->data()) + "\n";
  std::vector<std::string> peers;
  for (const auto& p : c.peers) {
    std::string s = "[Peer]\nPublicKey = " + p.public_key.to_base64() + "\n";
    if (p.preshared_key && !p.preshared_key->is_zero()) s += "PresharedKey = " + b64(p.preshared_key->data()) + "\n";
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
