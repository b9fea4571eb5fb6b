// The set exchange: the request the agent's UAPI client writes and wirelink-wg's UAPI server
// reads, and the status reply that answers it.
#include <cerrno>

#include "reply.hpp"
#include "text.hpp"
#include "wirelink/uapi/codec.hpp"

namespace wl::uapi {

std::string encode_set_request(const device_model::DeviceConfig& cfg) {
  std::string s;
  s.append(text::kSetOperation).push_back('\n');
  if (cfg.private_key)
    text::append_line(s, "private_key", text::encode_key(cfg.private_key->span()));
  if (cfg.listen_port) text::append_line(s, "listen_port", std::to_string(*cfg.listen_port));
  if (cfg.fwmark) text::append_line(s, "fwmark", std::to_string(*cfg.fwmark));
  if (cfg.replace_peers) text::append_line(s, "replace_peers", "true");
  for (const auto& p : cfg.peers) {
    text::append_line(s, "public_key", text::encode_key(p.public_key.bytes()));
    if (p.remove) {
      // Nothing else about a peer being removed matters.
      text::append_line(s, "remove", "true");
      continue;
    }
    if (p.update_only) text::append_line(s, "update_only", "true");
    if (p.preshared_key)
      text::append_line(s, "preshared_key", text::encode_key(p.preshared_key->span()));
    if (p.endpoint) text::append_line(s, "endpoint", p.endpoint->to_string());
    if (p.persistent_keepalive)
      text::append_line(s, "persistent_keepalive_interval",
                        std::to_string(*p.persistent_keepalive));
    if (p.replace_allowed_ips) text::append_line(s, "replace_allowed_ips", "true");
    for (const auto& a : p.allowed_ips)
      text::append_line(s, "allowed_ip", (a.remove ? "-" : "") + a.cidr.to_string());
  }
  s.push_back('\n');
  return s;
}

namespace {

SetRequest fail(SetRequest& r, int err, std::string detail) {
  r.error = err;
  r.detail = std::move(detail);
  return std::move(r);
}

// Flags are only ever set: wireguard-go rejects any value but "true".
bool is_true(std::string_view v) {
  return v == "true";
}

// A set request's allowed IP: "[-]address/prefix", the prefix written out.
std::optional<device_model::AllowedIp> decode_allowed_ip(std::string_view v) {
  bool remove = false;
  if (!v.empty() && v[0] == '-') {
    remove = true;
    v.remove_prefix(1);
  }
  if (v.find('/') == std::string_view::npos) return std::nullopt;
  auto c = Cidr::parse(v);
  if (!c) return std::nullopt;
  return device_model::AllowedIp{*c, remove};
}

}  // namespace

SetRequest decode_set_request(std::string_view body) {
  SetRequest r;
  device_model::PeerConfig* peer = nullptr;
  while (!body.empty()) {
    const auto nl = body.find('\n');
    const std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    const auto kv = text::split_key_value(line);
    if (!kv) return fail(r, EPROTO, "line without '='");
    const auto [key, value] = *kv;
    if (key == "public_key") {
      auto k = hex_decode_key(value);
      if (!k) return fail(r, EINVAL, "invalid public_key");
      r.config.peers.emplace_back();
      peer = &r.config.peers.back();
      peer->public_key = PublicKey(*k);
      continue;
    }
    if (peer == nullptr) {
      if (key == "private_key") {
        auto k = text::decode_secret<PrivateKey>(value);
        if (!k) return fail(r, EINVAL, "invalid private_key");
        r.config.private_key = std::move(*k);
      } else if (key == "listen_port") {
        std::uint16_t port = 0;
        if (!text::parse_decimal(value, port)) return fail(r, EINVAL, "invalid listen_port");
        r.config.listen_port = port;
      } else if (key == "fwmark") {
        std::uint32_t mark = 0;
        if (!text::parse_decimal(value, mark)) return fail(r, EINVAL, "invalid fwmark");
        r.config.fwmark = mark;
      } else if (key == "replace_peers") {
        if (!is_true(value)) return fail(r, EINVAL, "replace_peers must be true");
        r.config.replace_peers = true;
      } else {
        return fail(r, EINVAL, "invalid UAPI device key");
      }
      continue;
    }
    if (key == "update_only") {
      if (!is_true(value)) return fail(r, EINVAL, "update_only must be true");
      peer->update_only = true;
    } else if (key == "remove") {
      if (!is_true(value)) return fail(r, EINVAL, "remove must be true");
      peer->remove = true;
    } else if (key == "preshared_key") {
      auto k = text::decode_secret<PresharedKey>(value);
      if (!k) return fail(r, EINVAL, "invalid preshared_key");
      peer->preshared_key = std::move(*k);
    } else if (key == "endpoint") {
      auto ep = Endpoint::parse(value);
      if (!ep) return fail(r, EINVAL, "invalid endpoint");
      peer->endpoint = *ep;
    } else if (key == "persistent_keepalive_interval") {
      std::uint16_t s = 0;
      if (!text::parse_decimal(value, s))
        return fail(r, EINVAL, "invalid persistent_keepalive_interval");
      peer->persistent_keepalive = s;
    } else if (key == "replace_allowed_ips") {
      if (!is_true(value)) return fail(r, EINVAL, "replace_allowed_ips must be true");
      peer->replace_allowed_ips = true;
    } else if (key == "allowed_ip") {
      auto a = decode_allowed_ip(value);
      if (!a) return fail(r, EINVAL, "invalid allowed_ip");
      peer->allowed_ips.push_back(*a);
    } else if (key == "protocol_version") {
      if (value != "1") return fail(r, EINVAL, "invalid protocol_version");
    } else {
      return fail(r, EINVAL, "invalid UAPI peer key");
    }
  }
  return r;
}

Result<void> decode_set_reply(std::string_view text) {
  auto r = reply::split(text);
  if (!r) return r.error();
  if (!r->lines.empty()) return reply::malformed("unexpected lines in a set reply");
  if (r->error != 0) return reply::daemon_error(r->error, "set");
  return {};
}

}  // namespace wl::uapi
