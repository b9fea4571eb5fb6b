#include "wirelink/agent/uapi_codec.hpp"

#include <sodium.h>

#include <charconv>
#include <cstdint>
#include <limits>

#include "wirelink/base/encoding.hpp"
#include "wirelink/base/errors.hpp"

namespace wl::agent::uapi {

namespace {

Error malformed(std::string why) {
  return Error{make_error_code(errc::malformed), "UAPI: " + std::move(why)};
}

std::string hex32(std::span<const std::uint8_t, 32> b) {
  return hex_encode(b);
}

template <class T>
bool parse_uint(std::string_view s, T& out) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// UAPI endpoints are numeric: "1.2.3.4:51820" or "[fe80::1%3]:51820" (scope may be present).
Result<Endpoint> parse_endpoint(std::string_view v) {
  if (!v.empty() && v.front() == '[') {
    auto close = v.find(']');
    if (close == std::string_view::npos || close + 1 >= v.size() || v[close + 1] != ':')
      return malformed("bad endpoint " + std::string(v));
    std::string_view host = v.substr(1, close - 1);
    std::uint32_t scope = 0;
    if (auto pct = host.find('%'); pct != std::string_view::npos) {
      if (!parse_uint(host.substr(pct + 1), scope)) scope = 0;  // a named zone: drop it
      host = host.substr(0, pct);
    }
    auto ip = IpAddress::parse(host);
    std::uint16_t port = 0;
    if (!ip || !ip->is_v6() || !parse_uint(v.substr(close + 2), port))
      return malformed("bad endpoint " + std::string(v));
    return Endpoint(*ip, port, scope);
  }
  auto r = Endpoint::parse(v);
  if (!r) return malformed("bad endpoint " + std::string(v));
  return *r;
}

}  // namespace

std::string encode_get() {
  return "get=1\n\n";
}

std::string encode_set(const wg::DeviceConfig& cfg) {
  std::string s = "set=1\n";
  if (cfg.private_key) s += "private_key=" + hex32(cfg.private_key->span()) + "\n";
  if (cfg.listen_port) s += "listen_port=" + std::to_string(*cfg.listen_port) + "\n";
  if (cfg.fwmark) s += "fwmark=" + std::to_string(*cfg.fwmark) + "\n";
  if (cfg.replace_peers) s += "replace_peers=true\n";
  for (const auto& p : cfg.peers) {
    s += "public_key=" + hex32(std::span<const std::uint8_t, 32>(p.public_key.bytes())) + "\n";
    if (p.remove) {
      s += "remove=true\n";
      continue;
    }
    if (p.update_only) s += "update_only=true\n";
    if (p.preshared_key) s += "preshared_key=" + hex32(p.preshared_key->span()) + "\n";
    if (p.endpoint) {
      const auto& e = *p.endpoint;
      if (e.address().is_v6())
        s += "endpoint=[" + e.address().to_string() + "]:" + std::to_string(e.port()) + "\n";
      else
        s += "endpoint=" + e.to_string() + "\n";
    }
    if (p.persistent_keepalive)
      s += "persistent_keepalive_interval=" + std::to_string(*p.persistent_keepalive) + "\n";
    if (p.replace_allowed_ips) s += "replace_allowed_ips=true\n";
    for (const auto& a : p.allowed_ips)
      s += std::string("allowed_ip=") + (a.remove ? "-" : "") + a.cidr.to_string() + "\n";
  }
  s += "\n";
  return s;
}

bool reply_complete(std::string_view text) {
  return text.size() >= 2 && text.substr(text.size() - 2) == "\n\n";
}

namespace {

// Splits the reply into key=value lines; returns errno from the final errno line.
struct Line {
  std::string_view key;
  std::string_view value;
};

Result<std::vector<Line>> split_lines(std::string_view text, long& err) {
  std::vector<Line> lines;
  bool saw_errno = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return malformed("reply not terminated by a newline");
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) {
      if (!saw_errno) return malformed("reply ended without an errno line");
      if (pos != text.size()) return malformed("data after the end of the reply");
      return lines;
    }
    if (saw_errno) return malformed("data after the errno line");
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return malformed("line without '='");
    std::string_view k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "errno") {
      bool neg = !v.empty() && v[0] == '-';
      unsigned long n = 0;
      if (!parse_uint(neg ? v.substr(1) : v, n) || n > 4096) return malformed("bad errno value");
      err = static_cast<long>(n);
      saw_errno = true;
      continue;
    }
    lines.push_back({k, v});
  }
  return malformed("reply not terminated by an empty line");
}

}  // namespace

Result<void> parse_set_reply(std::string_view text) {
  long err = 0;
  auto lines = split_lines(text, err);
  if (!lines) return lines.error();
  if (!lines->empty()) return malformed("unexpected lines in a set reply");
  if (err != 0)
    return Error{std::error_code(static_cast<int>(err), std::generic_category()),
                 "UAPI set failed: errno " + std::to_string(err)};
  return {};
}

Result<wg::DeviceState> parse_get_reply(std::string_view text) {
  long err = 0;
  auto lines = split_lines(text, err);
  if (!lines) return lines.error();
  if (err != 0)
    return Error{std::error_code(static_cast<int>(err), std::generic_category()),
                 "UAPI get failed: errno " + std::to_string(err)};
  wg::DeviceState st;
  wg::PeerState* peer = nullptr;
  std::int64_t hs_sec = 0, hs_nsec = 0;
  auto finish_peer = [&] {
    if (peer && (hs_sec != 0 || hs_nsec != 0))
      peer->last_handshake = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::seconds(hs_sec) + std::chrono::nanoseconds(hs_nsec)));
    hs_sec = hs_nsec = 0;
  };
  for (const auto& [k, v] : *lines) {
    auto key32 = [&](const char* what) -> std::optional<std::array<std::uint8_t, 32>> {
      auto b = hex_decode_key(v);
      (void)what;
      return b;
    };
    if (k == "public_key") {
      finish_peer();
      auto b = key32("public_key");
      if (!b) return malformed("bad public_key");
      st.peers.emplace_back();
      peer = &st.peers.back();
      peer->public_key = PublicKey(*b);
      continue;
    }
    if (!peer) {
      if (k == "private_key") {
        auto b = key32("private_key");
        if (!b) return malformed("bad private_key");
        auto priv = PrivateKey::from(std::span<const std::uint8_t, 32>(*b));
        sodium_memzero(b->data(), b->size());
        if (!priv.is_zero()) {
          st.public_key = public_key_of(priv);
          st.private_key = std::move(priv);
        }
      } else if (k == "listen_port") {
        if (!parse_uint(v, st.listen_port)) return malformed("bad listen_port");
      } else if (k == "fwmark") {
        if (!parse_uint(v, st.fwmark)) return malformed("bad fwmark");
      } else {
        return malformed("unknown device key " + std::string(k.substr(0, 40)));
      }
      continue;
    }
    if (k == "preshared_key") {
      auto b = key32("preshared_key");
      if (!b) return malformed("bad preshared_key");
      auto psk = PresharedKey::from(std::span<const std::uint8_t, 32>(*b));
      sodium_memzero(b->data(), b->size());
      if (!psk.is_zero()) peer->preshared_key = std::move(psk);
    } else if (k == "endpoint") {
      auto e = parse_endpoint(v);
      if (!e) return e.error();
      peer->endpoint = *e;
    } else if (k == "persistent_keepalive_interval") {
      if (!parse_uint(v, peer->persistent_keepalive))
        return malformed("bad persistent_keepalive_interval");
    } else if (k == "allowed_ip") {
      auto c = Cidr::parse_strict(v);
      if (!c) {
        c = Cidr::parse(v);
        if (!c) return malformed("bad allowed_ip " + std::string(v.substr(0, 60)));
      }
      peer->allowed_ips.push_back(*c);
    } else if (k == "last_handshake_time_sec") {
      if (!parse_uint(v, hs_sec) || hs_sec > (std::int64_t{1} << 40))
        return malformed("bad last_handshake_time_sec");
    } else if (k == "last_handshake_time_nsec") {
      if (!parse_uint(v, hs_nsec) || hs_nsec >= 1'000'000'000)
        return malformed("bad last_handshake_time_nsec");
    } else if (k == "rx_bytes") {
      if (!parse_uint(v, peer->rx_bytes)) return malformed("bad rx_bytes");
    } else if (k == "tx_bytes") {
      if (!parse_uint(v, peer->tx_bytes)) return malformed("bad tx_bytes");
    } else if (k == "protocol_version") {
      if (!parse_uint(v, peer->protocol_version)) return malformed("bad protocol_version");
    } else {
      return malformed("unknown peer key " + std::string(k.substr(0, 40)));
    }
  }
  finish_peer();
  return st;
}

}  // namespace wl::agent::uapi
