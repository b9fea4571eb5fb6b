// WireGuard family encoders: SET requests (split to fit) and, for the fake kernel and fuzz
// seeds, GET replies. Layout and splitting rules: reference/kernel-netlink-uapi.md §1. The
// decoders are in wg_decode.cpp.
#include "wirelink/netlink/wg_codec.hpp"

#include <linux/netlink.h>
#include <sodium/utils.h>

#include <algorithm>

#include "wirelink/netlink/genl.hpp"

namespace wl::netlink::wgnl {
namespace {

constexpr std::size_t kIfNameMax = 15;  // IFNAMSIZ - 1

Error invalid(std::string what) {
  return make_error(std::errc::invalid_argument, "wireguard request: " + std::move(what));
}

bool put_endpoint(MessageBuilder& b, const Endpoint& ep) {
  sockaddr_storage ss{};
  const socklen_t len = ep.to_sockaddr(ss);
  return b.put(peer::endpoint, &ss, len);
}

bool put_allowed_ip(MessageBuilder& b, const Cidr& c, bool remove) {
  auto n = b.nest_start(0);
  if (!n) return false;
  const std::uint16_t fam = c.address().is_v4() ? AF_INET : AF_INET6;
  if (!b.put_u16(aip::family, fam) || !b.put(aip::ipaddr, c.address().data(), c.address().size()) ||
      !b.put_u8(aip::cidr_mask, static_cast<std::uint8_t>(c.prefix())) ||
      (remove && !b.put_u32(aip::flags, aip::f_remove_me))) {
    b.nest_cancel(*n);
    return false;
  }
  b.nest_end(*n);
  return true;
}

// Puts a peer's header; `first` selects the first-fragment attributes. False = did not fit
// (the caller cancels the enclosing nest).
bool put_peer_header(MessageBuilder& b, const device_model::PeerConfig& p, bool first) {
  if (!b.put(peer::public_key, p.public_key.data(), 32)) return false;
  std::uint32_t flags = 0;
  if (p.remove) flags |= peer::f_remove_me;
  if (p.update_only) flags |= peer::f_update_only;
  if (first && p.replace_allowed_ips) flags |= peer::f_replace_allowedips;
  if (flags && !b.put_u32(peer::flags, flags)) return false;
  if (!first) return true;
  if (p.preshared_key && !b.put(peer::preshared_key, p.preshared_key->data(), 32)) return false;
  if (p.endpoint && !put_endpoint(b, *p.endpoint)) return false;
  if (p.persistent_keepalive && !b.put_u16(peer::keepalive, *p.persistent_keepalive)) return false;
  return true;
}

}  // namespace

void wipe_bytes(std::span<std::uint8_t> bytes) {
  if (!bytes.empty()) sodium_memzero(bytes.data(), bytes.size());
}

std::vector<std::uint8_t> build_get_device(std::uint16_t family, std::string_view ifname) {
  MessageBuilder b(64);
  genl::begin(b, family, cmd::get_device, kVersion, NLM_F_REQUEST | NLM_F_DUMP);
  b.put_str(dev::ifname, ifname.substr(0, kIfNameMax));
  return b.take();
}

Result<std::vector<std::vector<std::uint8_t>>> build_set_device(
    std::uint16_t family, const device_model::DeviceConfig& cfg, std::size_t max_message) {
  if (cfg.ifname.empty() || cfg.ifname.size() > kIfNameMax)
    return invalid("interface name must be 1-15 bytes");
  if (max_message < 512 || max_message > 65535) return invalid("message size must be 512..65535");
  std::vector<std::vector<std::uint8_t>> out;
  MessageBuilder b(max_message);
  std::size_t pi = 0;         // current peer
  std::size_t ai = 0;         // next allowed IP of the current peer
  bool peer_started = false;  // the current peer's first fragment has been sent
  bool first_message = true;
  const auto& peers = cfg.peers;

  do {
    genl::begin(b, family, cmd::set_device, kVersion, NLM_F_REQUEST | NLM_F_ACK);
    b.put_str(dev::ifname, cfg.ifname);
    if (first_message) {
      bool ok = true;
      if (cfg.private_key) ok = ok && b.put(dev::private_key, cfg.private_key->data(), 32);
      if (cfg.listen_port) ok = ok && b.put_u16(dev::listen_port, *cfg.listen_port);
      if (cfg.fwmark) ok = ok && b.put_u32(dev::fwmark, *cfg.fwmark);
      if (cfg.replace_peers) ok = ok && b.put_u32(dev::flags, dev::f_replace_peers);
      if (!ok) return invalid("device attributes do not fit one message");
    }
    if (pi < peers.size()) {
      auto peers_nest = b.nest_start(dev::peers);
      if (!peers_nest) return invalid("message too small for a peer list");
      bool put_any = false;
      while (pi < peers.size()) {
        const auto& p = peers[pi];
        auto pn = b.nest_start(0);
        if (!pn) break;
        if (!put_peer_header(b, p, !peer_started)) {
          b.nest_cancel(*pn);
          if (!put_any) return invalid("a peer header does not fit an empty message");
          break;  // carry the whole peer over
        }
        bool progressed = !peer_started;  // a first fragment carries news even without IPs
        const std::size_t n_ips = p.remove ? 0 : p.allowed_ips.size();
        if (ai < n_ips) {
          auto an = b.nest_start(peer::allowedips);
          std::size_t before = ai;
          if (an) {
            while (ai < n_ips &&
                   put_allowed_ip(b, p.allowed_ips[ai].cidr, p.allowed_ips[ai].remove))
              ++ai;
            if (ai == before)
              b.nest_cancel(*an);
            else
              b.nest_end(*an);
          }
          progressed = progressed || ai > before;
        }
        if (!progressed) {
          // A continuation that carries no allowed IP: send it in the next message instead.
          b.nest_cancel(*pn);
          if (!put_any) return invalid("an allowed IP does not fit an empty message");
          break;
        }
        b.nest_end(*pn);
        put_any = true;
        if (ai < n_ips) {
          peer_started = true;
          break;  // message full in the middle of this peer
        }
        ++pi;
        ai = 0;
        peer_started = false;
      }
      if (put_any)
        b.nest_end(*peers_nest);
      else
        b.nest_cancel(*peers_nest);
    }
    out.push_back(b.take());
    first_message = false;
  } while (pi < peers.size());
  wipe_bytes({const_cast<std::uint8_t*>(b.bytes().data()), b.capacity()});
  return out;
}

std::vector<std::vector<std::uint8_t>> build_get_replies(std::uint16_t family,
                                                         const device_model::DeviceState& s,
                                                         std::size_t max_message, std::uint32_t seq,
                                                         std::uint32_t pid,
                                                         std::uint16_t extra_flags) {
  std::vector<std::vector<std::uint8_t>> out;
  MessageBuilder b(std::max<std::size_t>(max_message, 512));
  std::size_t pi = 0, ai = 0;
  bool started = false, first = true;
  auto finish = [&] {
    auto m = b.take();
    set_seq(m, seq, pid);
    out.push_back(std::move(m));
  };
  do {
    genl::begin(b, family, cmd::get_device, kVersion,
                static_cast<std::uint16_t>(NLM_F_MULTI | extra_flags));
    if (first) {
      b.put_u32(dev::ifindex, s.ifindex);
      b.put_str(dev::ifname, s.ifname);
      if (s.private_key) b.put(dev::private_key, s.private_key->data(), 32);
      if (s.public_key) b.put(dev::public_key, s.public_key->data(), 32);
      b.put_u16(dev::listen_port, s.listen_port);
      b.put_u32(dev::fwmark, s.fwmark);
    }
    if (pi < s.peers.size()) {
      auto pn_all = b.nest_start(dev::peers);
      bool any = false;
      while (pn_all && pi < s.peers.size()) {
        const auto& p = s.peers[pi];
        auto pn = b.nest_start(0);
        if (!pn) break;
        bool ok = b.put(peer::public_key, p.public_key.data(), 32);
        if (!started && ok) {
          static const std::uint8_t zero[32] = {};
          ok = b.put(peer::preshared_key, p.preshared_key ? p.preshared_key->data() : zero, 32);
          std::int64_t ts[2] = {0, 0};
          if (p.last_handshake.time_since_epoch().count() != 0) {
            auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          p.last_handshake.time_since_epoch())
                          .count();
            ts[0] = ns / 1000000000;
            ts[1] = ns % 1000000000;
          }
          ok = ok && b.put(peer::last_handshake, ts, sizeof ts) &&
               b.put_u16(peer::keepalive, p.persistent_keepalive) &&
               b.put_u64(peer::rx_bytes, p.rx_bytes) && b.put_u64(peer::tx_bytes, p.tx_bytes) &&
               b.put_u32(peer::protocol_version, p.protocol_version);
          if (ok && p.endpoint) ok = put_endpoint(b, *p.endpoint);
        }
        if (!ok) {
          b.nest_cancel(*pn);
          break;
        }
        const std::size_t before = ai;
        if (ai < p.allowed_ips.size()) {
          if (auto an = b.nest_start(peer::allowedips)) {
            while (ai < p.allowed_ips.size() && put_allowed_ip(b, p.allowed_ips[ai], false)) ++ai;
            if (ai == before)
              b.nest_cancel(*an);
            else
              b.nest_end(*an);
          }
        }
        if (started && ai == before) {
          b.nest_cancel(*pn);
          break;
        }
        b.nest_end(*pn);
        any = true;
        if (ai < p.allowed_ips.size()) {
          started = true;
          break;
        }
        ++pi;
        ai = 0;
        started = false;
      }
      if (pn_all) {
        if (any)
          b.nest_end(*pn_all);
        else
          b.nest_cancel(*pn_all);
      }
    }
    finish();
    first = false;
  } while (pi < s.peers.size());
  wipe_bytes({const_cast<std::uint8_t*>(b.bytes().data()), b.capacity()});
  return out;
}

}  // namespace wl::netlink::wgnl
