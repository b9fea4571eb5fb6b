#include "wirelink/wg/device/uapi_protocol.hpp"

#include <cerrno>
#include <charconv>

#include "wirelink/base/encoding.hpp"

namespace wl::wg::device {

namespace {

template <class T>
bool parse_uint(std::string_view v, T& out) {
  if (v.empty()) return false;
  for (char c : v)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size();
}

bool parse_key(std::string_view v, std::array<std::uint8_t, 32>& out) {
  if (v.size() != 64) return false;
  auto k = hex_decode_key(v);
  if (!k) return false;
  out = *k;
  return true;
}

SetParse fail(SetParse& r, int err, std::string detail) {
  r.error = err;
  r.detail = std::move(detail);
  return std::move(r);
}

}  // namespace

SetParse parse_set(std::string_view body) {
  SetParse r;
  PeerConfig* peer = nullptr;
  while (!body.empty()) {
    const auto nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail(r, EPROTO, "line without '='");
    const std::string_view key = line.substr(0, eq);
    const std::string_view value = line.substr(eq + 1);
    if (key == "public_key") {
      std::array<std::uint8_t, 32> k{};
      if (!parse_key(value, k)) return fail(r, EINVAL, "invalid public_key");
      r.config.peers.emplace_back();
      peer = &r.config.peers.back();
      peer->public_key = PublicKey(k);
      continue;
    }
    if (peer == nullptr) {
      if (key == "private_key") {
        std::array<std::uint8_t, 32> k{};
        if (!parse_key(value, k)) return fail(r, EINVAL, "invalid private_key");
        r.config.private_key = PrivateKey::from(k);
        k.fill(0);
      } else if (key == "listen_port") {
        std::uint16_t port = 0;
        if (!parse_uint(value, port)) return fail(r, EINVAL, "invalid listen_port");
        r.config.listen_port = port;
      } else if (key == "fwmark") {
        std::uint32_t mark = 0;
        if (!parse_uint(value, mark)) return fail(r, EINVAL, "invalid fwmark");
        r.config.fwmark = mark;
      } else if (key == "replace_peers") {
        if (value != "true") return fail(r, EINVAL, "replace_peers must be true");
        r.config.replace_peers = true;
      } else {
        return fail(r, EINVAL, "invalid UAPI device key");
      }
      continue;
    }
    if (key == "update_only") {
      if (value != "true") return fail(r, EINVAL, "update_only must be true");
      peer->update_only = true;
    } else if (key == "remove") {
      if (value != "true") return fail(r, EINVAL, "remove must be true");
      peer->remove = true;
    } else if (key == "preshared_key") {
      std::array<std::uint8_t, 32> k{};
      if (!parse_key(value, k)) return fail(r, EINVAL, "invalid preshared_key");
      peer->preshared_key = PresharedKey::from(k);
      k.fill(0);
    } else if (key == "endpoint") {
      auto ep = Endpoint::parse(value);
      if (!ep) return fail(r, EINVAL, "invalid endpoint");
      peer->endpoint = *ep;
    } else if (key == "persistent_keepalive_interval") {
      std::uint16_t s = 0;
      if (!parse_uint(value, s)) return fail(r, EINVAL, "invalid persistent_keepalive_interval");
      peer->persistent_keepalive = s;
    } else if (key == "replace_allowed_ips") {
      if (value != "true") return fail(r, EINVAL, "replace_allowed_ips must be true");
      peer->replace_allowed_ips = true;
    } else if (key == "allowed_ip") {
      std::string_view v = value;
      bool remove = false;
      if (!v.empty() && v[0] == '-') {
        remove = true;
        v.remove_prefix(1);
      }
      if (v.find('/') == std::string_view::npos) return fail(r, EINVAL, "invalid allowed_ip");
      auto c = Cidr::parse(v);
      if (!c) return fail(r, EINVAL, "invalid allowed_ip");
      peer->allowed_ips.push_back(AllowedIp{*c, remove});
    } else if (key == "protocol_version") {
      if (value != "1") return fail(r, EINVAL, "invalid protocol_version");
    } else {
      return fail(r, EINVAL, "invalid UAPI peer key");
    }
  }
  return r;
}

std::string format_get(const DeviceState& s) {
  std::string out;
  auto kv = [&](std::string_view k, std::string_view v) {
    out.append(k);
    out.push_back('=');
    out.append(v);
    out.push_back('\n');
  };
  if (s.private_key && !s.private_key->is_zero())
    kv("private_key", hex_encode(s.private_key->span()));
  if (s.listen_port != 0) kv("listen_port", std::to_string(s.listen_port));
  if (s.fwmark != 0) kv("fwmark", std::to_string(s.fwmark));
  for (const auto& p : s.peers) {
    kv("public_key", hex_encode(p.public_key.bytes()));
    if (p.preshared_key) {
      kv("preshared_key", hex_encode(p.preshared_key->span()));
    } else {
      kv("preshared_key", std::string(64, '0'));
    }
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
  return out;
}

std::string UapiSession::feed(std::string_view bytes) {
  std::string reply;
  if (closed_) return reply;
  buf_.append(bytes);
  for (;;) {
    const auto nl = buf_.find('\n');
    if (nl == std::string::npos) break;
    const std::string_view op(buf_.data(), nl);
    if (op == "get=1") {
      // get takes no arguments: the next line must be the blank terminator.
      if (buf_.size() < nl + 2) break;
      if (buf_[nl + 1] != '\n') {
        reply += "errno=-" + std::to_string(EINVAL) + "\n\n";
        closed_ = true;
        return reply;
      }
      buf_.erase(0, nl + 2);
      reply += format_get(backend_.get_state());
      reply += "errno=0\n\n";
      continue;
    }
    if (op == "set=1") {
      const auto end = buf_.find("\n\n", nl);
      const bool empty_body = buf_.size() > nl + 1 && buf_[nl + 1] == '\n';
      if (end == std::string::npos && !empty_body) {
        if (buf_.size() > kMaxRequest) closed_ = true;
        break;
      }
      const std::size_t body_end = empty_body ? nl : end;
      std::string_view body = empty_body ? std::string_view{}
                                         : std::string_view(buf_).substr(nl + 1, body_end - nl - 1);
      SetParse parsed = parse_set(body);
      int err = backend_.apply(parsed.config);
      if (err == 0) err = parsed.error;  // an apply failure happened on an earlier line
      buf_.erase(0, empty_body ? nl + 2 : end + 2);
      if (err != 0) {
        reply += "errno=-" + std::to_string(err) + "\n\n";
        closed_ = true;
        return reply;
      }
      reply += "errno=0\n\n";
      continue;
    }
    // An unknown operation closes the connection without a reply.
    closed_ = true;
    return reply;
  }
  if (buf_.size() > kMaxRequest) closed_ = true;
  return reply;
}

}  // namespace wl::wg::device
