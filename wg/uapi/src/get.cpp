// The get exchange: the request the agent's UAPI client writes, and the reply wirelink-wg's
// UAPI server writes and the client reads.
#include <chrono>
#include <cstdint>

#include "reply.hpp"
#include "text.hpp"
#include "wirelink/uapi/codec.hpp"

namespace wl::uapi {

std::string encode_get_request() {
  return std::string(text::kGetOperation) + "\n\n";
}

std::string encode_get_reply(const device_model::DeviceState& s) {
  std::string out;
  auto kv = [&](std::string_view k, std::string_view v) { text::append_line(out, k, v); };
  if (s.private_key && !s.private_key->is_zero())
    kv("private_key", text::encode_key(s.private_key->span()));
  if (s.listen_port != 0) kv("listen_port", std::to_string(s.listen_port));
  if (s.fwmark != 0) kv("fwmark", std::to_string(s.fwmark));
  for (const auto& p : s.peers) {
    kv("public_key", text::encode_key(p.public_key.bytes()));
    kv("preshared_key",
       p.preshared_key ? text::encode_key(p.preshared_key->span()) : std::string(64, '0'));
    kv("protocol_version", "1");
    if (p.endpoint) kv("endpoint", p.endpoint->to_string());
    const auto since = p.last_handshake.time_since_epoch();
    const auto sec = std::chrono::duration_cast<std::chrono::seconds>(since);
    const auto nsec = std::chrono::duration_cast<std::chrono::nanoseconds>(since - sec);
    kv("last_handshake_time_sec", std::to_string(sec.count()));
    kv("last_handshake_time_nsec", std::to_string(nsec.count()));
    kv("tx_bytes", std::to_string(p.tx_bytes));
    kv("rx_bytes", std::to_string(p.rx_bytes));
    kv("persistent_keepalive_interval", std::to_string(p.persistent_keepalive));
    for (const auto& c : p.allowed_ips) kv("allowed_ip", c.to_string());
  }
  out += encode_status_reply(0);
  return out;
}

namespace {

// A reply's endpoint is numeric: "1.2.3.4:51820" or "[fe80::1%3]:51820"; a daemon may add an
// IPv6 scope, kept when numeric and dropped when it is a zone name.
Result<Endpoint> decode_endpoint(std::string_view v) {
  if (!v.empty() && v.front() == '[') {
    const auto close = v.find(']');
    if (close == std::string_view::npos || close + 1 >= v.size() || v[close + 1] != ':')
      return reply::malformed("bad endpoint " + std::string(v));
    std::string_view host = v.substr(1, close - 1);
    std::uint32_t scope = 0;
    if (const auto pct = host.find('%'); pct != std::string_view::npos) {
      if (!reply::parse_number(host.substr(pct + 1), scope)) scope = 0;
      host = host.substr(0, pct);
    }
    const auto ip = IpAddress::parse(host);
    std::uint16_t port = 0;
    if (!ip || !ip->is_v6() || !reply::parse_number(v.substr(close + 2), port))
      return reply::malformed("bad endpoint " + std::string(v));
    return Endpoint(*ip, port, scope);
  }
  auto r = Endpoint::parse(v);
  if (!r) return reply::malformed("bad endpoint " + std::string(v));
  return *r;
}

// The device lines, before the first peer.
Result<void> decode_device_line(std::string_view k, std::string_view v,
                                device_model::DeviceState& st) {
  if (k == "private_key") {
    auto priv = text::decode_secret<PrivateKey>(v);
    if (!priv) return reply::malformed("bad private_key");
    if (!priv->is_zero()) {
      st.public_key = public_key_of(*priv);
      st.private_key = std::move(*priv);
    }
  } else if (k == "listen_port") {
    if (!reply::parse_number(v, st.listen_port)) return reply::malformed("bad listen_port");
  } else if (k == "fwmark") {
    if (!reply::parse_number(v, st.fwmark)) return reply::malformed("bad fwmark");
  } else {
    return reply::malformed("unknown device key " + std::string(k.substr(0, 40)));
  }
  return {};
}

// A peer's lines. The handshake time comes in two lines, so it is gathered here and set once
// the peer's section ends.
struct HandshakeTime {
  std::int64_t sec = 0;
  std::int64_t nsec = 0;
};

Result<void> decode_peer_line(std::string_view k, std::string_view v, device_model::PeerState& peer,
                              HandshakeTime& hs) {
  if (k == "preshared_key") {
    auto psk = text::decode_secret<PresharedKey>(v);
    if (!psk) return reply::malformed("bad preshared_key");
    if (!psk->is_zero()) peer.preshared_key = std::move(*psk);
  } else if (k == "endpoint") {
    auto e = decode_endpoint(v);
    if (!e) return e.error();
    peer.endpoint = *e;
  } else if (k == "persistent_keepalive_interval") {
    if (!reply::parse_number(v, peer.persistent_keepalive))
      return reply::malformed("bad persistent_keepalive_interval");
  } else if (k == "allowed_ip") {
    // Host bits are tolerated (and dropped): the daemon's table is what it is.
    auto c = Cidr::parse(v);
    if (!c) return reply::malformed("bad allowed_ip " + std::string(v.substr(0, 60)));
    peer.allowed_ips.push_back(*c);
  } else if (k == "last_handshake_time_sec") {
    if (!reply::parse_number(v, hs.sec) || hs.sec > (std::int64_t{1} << 40))
      return reply::malformed("bad last_handshake_time_sec");
  } else if (k == "last_handshake_time_nsec") {
    if (!reply::parse_number(v, hs.nsec) || hs.nsec >= 1'000'000'000)
      return reply::malformed("bad last_handshake_time_nsec");
  } else if (k == "rx_bytes") {
    if (!reply::parse_number(v, peer.rx_bytes)) return reply::malformed("bad rx_bytes");
  } else if (k == "tx_bytes") {
    if (!reply::parse_number(v, peer.tx_bytes)) return reply::malformed("bad tx_bytes");
  } else if (k == "protocol_version") {
    if (!reply::parse_number(v, peer.protocol_version))
      return reply::malformed("bad protocol_version");
  } else {
    return reply::malformed("unknown peer key " + std::string(k.substr(0, 40)));
  }
  return {};
}

// The protocol's seconds reach far past what a nanosecond clock holds (the year 2262): such a
// time saturates rather than overflowing.
std::chrono::system_clock::time_point handshake_time(const HandshakeTime& hs) {
  using std::chrono::nanoseconds;
  using std::chrono::seconds;
  constexpr auto kMaxSec = std::chrono::duration_cast<seconds>(nanoseconds::max());
  constexpr auto kMaxNsecInLastSec = nanoseconds::max() - kMaxSec;
  if (hs.sec > kMaxSec.count() ||
      (hs.sec == kMaxSec.count() && hs.nsec > kMaxNsecInLastSec.count()))
    return std::chrono::system_clock::time_point::max();
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(seconds(hs.sec) +
                                                                      nanoseconds(hs.nsec)));
}

void finish_peer(device_model::PeerState* peer, HandshakeTime& hs) {
  if (peer != nullptr && (hs.sec != 0 || hs.nsec != 0)) peer->last_handshake = handshake_time(hs);
  hs = {};
}

}  // namespace

Result<device_model::DeviceState> decode_get_reply(std::string_view text) {
  auto r = reply::split(text);
  if (!r) return r.error();
  if (r->error != 0) return reply::daemon_error(r->error, "get");
  device_model::DeviceState st;
  device_model::PeerState* peer = nullptr;
  HandshakeTime hs;
  for (const auto& [k, v] : r->lines) {
    if (k == "public_key") {
      finish_peer(peer, hs);
      auto b = hex_decode_key(v);
      if (!b) return reply::malformed("bad public_key");
      st.peers.emplace_back();
      peer = &st.peers.back();
      peer->public_key = PublicKey(*b);
      continue;
    }
    auto line = peer == nullptr ? decode_device_line(k, v, st) : decode_peer_line(k, v, *peer, hs);
    if (!line) return line.error();
  }
  finish_peer(peer, hs);
  return st;
}

}  // namespace wl::uapi
