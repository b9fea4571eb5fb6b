// WireGuard family codec. Layout and splitting rules: reference/kernel-netlink-uapi.md §1.
#include "wirelink/netlink/wg_codec.hpp"

#include <linux/netlink.h>
#include <sodium/utils.h>

#include <algorithm>
#include <cstring>

#include "wirelink/netlink/errors.hpp"
#include "wirelink/netlink/genl.hpp"

namespace wl::netlink::wgnl {
namespace {

constexpr std::size_t kIfNameMax = 15;  // IFNAMSIZ - 1

Error malformed(std::string what) {
  return Error{errc::malformed_reply, "wireguard reply: " + std::move(what)};
}
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
bool put_peer_header(MessageBuilder& b, const wg::PeerConfig& p, bool first) {
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

Result<Cidr> parse_allowed_ip(std::span<const std::uint8_t> nest, bool* remove,
                              std::uint32_t* unknown_flags, bool* has_flags) {
  std::optional<Attr> t[aip::max + 1];
  if (!index_attrs(nest, t)) return malformed("bad allowed-IP attribute lengths");
  if (!t[aip::family] || !t[aip::ipaddr] || !t[aip::cidr_mask])
    return malformed("allowed IP missing family/address/mask");
  auto fam = t[aip::family]->u16();
  auto mask = t[aip::cidr_mask]->u8();
  if (!fam || !mask) return malformed("allowed IP family/mask has the wrong size");
  IpAddress addr;
  if (*fam == AF_INET && t[aip::ipaddr]->data.size() == 4) {
    std::array<std::uint8_t, 4> a{};
    std::memcpy(a.data(), t[aip::ipaddr]->data.data(), 4);
    addr = IpAddress::v4(a);
  } else if (*fam == AF_INET6 && t[aip::ipaddr]->data.size() == 16) {
    std::array<std::uint8_t, 16> a{};
    std::memcpy(a.data(), t[aip::ipaddr]->data.data(), 16);
    addr = IpAddress::v6(a);
  } else {
    return malformed("allowed IP family and address length disagree");
  }
  if (*mask > addr.bits()) return malformed("allowed IP prefix longer than the address");
  if (t[aip::flags]) {
    if (has_flags) *has_flags = true;
    auto f = t[aip::flags]->u32();
    if (!f) return malformed("allowed IP flags have the wrong size");
    if (remove) *remove = (*f & aip::f_remove_me) != 0;
    if (unknown_flags) *unknown_flags |= (*f & ~aip::f_remove_me);
  }
  return Cidr(addr, *mask);
}

std::optional<Endpoint> parse_endpoint(const Attr& a) {
  sockaddr_storage ss{};
  const std::size_t n = std::min(a.data.size(), sizeof ss);
  if (n != sizeof(sockaddr_in) && n != sizeof(sockaddr_in6)) return std::nullopt;
  std::memcpy(&ss, a.data.data(), n);
  return Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), static_cast<socklen_t>(n));
}

std::span<const std::uint8_t, 32> key_span(std::span<const std::uint8_t> d) {
  return std::span<const std::uint8_t, 32>(d.data(), 32);  // callers checked the size
}

PublicKey key_from(const Attr& a) {
  std::array<std::uint8_t, 32> k{};
  std::memcpy(k.data(), a.data.data(), 32);
  return PublicKey(k);
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

Result<std::vector<std::vector<std::uint8_t>>> build_set_device(std::uint16_t family,
                                                                const wg::DeviceConfig& cfg,
                                                                std::size_t max_message) {
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

Result<void> DeviceAssembler::add(std::span<const std::uint8_t> payload) {
  auto attrs = after_header(payload, genl::kGenlHeaderLen);
  if (!attrs) return malformed("short message");
  std::optional<Attr> t[dev::max + 1];
  if (!index_attrs(*attrs, t)) return malformed("bad device attribute lengths");
  if (t[dev::ifindex]) {
    auto v = t[dev::ifindex]->u32();
    if (!v) return malformed("ifindex size");
    state_.ifindex = *v;
  }
  if (t[dev::ifname]) state_.ifname = std::string(t[dev::ifname]->str());
  if (t[dev::private_key]) {
    if (t[dev::private_key]->data.size() != 32) return malformed("private key size");
    auto k = PrivateKey::from(key_span(t[dev::private_key]->data));
    if (k.is_zero())
      state_.private_key.reset();
    else
      state_.private_key = std::move(k);
  }
  if (t[dev::public_key]) {
    if (t[dev::public_key]->data.size() != 32) return malformed("public key size");
    PublicKey k = key_from(*t[dev::public_key]);
    if (k.is_zero())
      state_.public_key.reset();
    else
      state_.public_key = k;
  }
  if (t[dev::listen_port]) {
    auto v = t[dev::listen_port]->u16();
    if (!v) return malformed("listen port size");
    state_.listen_port = *v;
  }
  if (t[dev::fwmark]) {
    auto v = t[dev::fwmark]->u32();
    if (!v) return malformed("fwmark size");
    state_.fwmark = *v;
  }
  if (!t[dev::peers]) return {};
  AttrReader peers(t[dev::peers]->data);
  Attr pa;
  while (peers.next(pa)) {
    std::optional<Attr> pt[peer::max + 1];
    if (!index_attrs(pa.data, pt)) return malformed("bad peer attribute lengths");
    if (!pt[peer::public_key] || pt[peer::public_key]->data.size() != 32)
      return malformed("peer without a public key");
    const PublicKey key = key_from(*pt[peer::public_key]);
    auto [it, fresh] = index_.try_emplace(key, state_.peers.size());
    if (fresh) {
      state_.peers.emplace_back();
      state_.peers.back().public_key = key;
    }
    wg::PeerState& p = state_.peers[it->second];
    if (pt[peer::preshared_key]) {
      if (pt[peer::preshared_key]->data.size() != 32) return malformed("PSK size");
      auto k = PresharedKey::from(key_span(pt[peer::preshared_key]->data));
      if (k.is_zero())
        p.preshared_key.reset();
      else
        p.preshared_key = std::move(k);
    }
    if (pt[peer::endpoint]) {
      auto ep = parse_endpoint(*pt[peer::endpoint]);
      if (!ep) return malformed("endpoint is not a sockaddr_in/in6");
      p.endpoint = *ep;
    }
    if (pt[peer::keepalive]) {
      auto v = pt[peer::keepalive]->u16();
      if (!v) return malformed("keepalive size");
      p.persistent_keepalive = *v;
    }
    if (pt[peer::last_handshake]) {
      if (pt[peer::last_handshake]->data.size() != 16) return malformed("handshake time size");
      std::int64_t ts[2];
      std::memcpy(ts, pt[peer::last_handshake]->data.data(), 16);
      if (ts[0] || ts[1]) {
        p.last_handshake = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::seconds(ts[0]) + std::chrono::nanoseconds(ts[1])));
      } else {
        p.last_handshake = {};
      }
    }
    if (pt[peer::rx_bytes]) {
      auto v = pt[peer::rx_bytes]->u64();
      if (!v) return malformed("rx bytes size");
      p.rx_bytes = *v;
    }
    if (pt[peer::tx_bytes]) {
      auto v = pt[peer::tx_bytes]->u64();
      if (!v) return malformed("tx bytes size");
      p.tx_bytes = *v;
    }
    if (pt[peer::protocol_version]) {
      auto v = pt[peer::protocol_version]->u32();
      if (!v) return malformed("protocol version size");
      p.protocol_version = *v;
    }
    if (pt[peer::allowedips]) {
      AttrReader ips(pt[peer::allowedips]->data);
      Attr ia;
      while (ips.next(ia)) {
        auto c = parse_allowed_ip(ia.data, nullptr, nullptr, nullptr);
        if (!c) return c.error();
        p.allowed_ips.push_back(*c);
      }
      if (ips.malformed()) return malformed("bad allowed-IP list lengths");
    }
  }
  if (peers.malformed()) return malformed("bad peer list lengths");
  return {};
}

wg::DeviceState DeviceAssembler::take() {
  index_.clear();
  return std::move(state_);
}

std::vector<std::vector<std::uint8_t>> build_get_replies(std::uint16_t family,
                                                         const wg::DeviceState& s,
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

Result<DeviceRequest> parse_device_request(std::span<const std::uint8_t> payload) {
  auto attrs = after_header(payload, genl::kGenlHeaderLen);
  if (!attrs) return invalid("short message");
  DeviceRequest r;
  std::optional<Attr> t[dev::max + 1];
  if (!index_attrs(*attrs, t)) return invalid("bad attribute lengths");
  if (t[dev::ifindex]) {
    auto v = t[dev::ifindex]->u32();
    if (!v) return invalid("ifindex size");
    r.ifindex = *v;
  }
  if (t[dev::ifname]) r.ifname = std::string(t[dev::ifname]->str());
  r.config.ifname = r.ifname;
  if (t[dev::private_key]) {
    if (t[dev::private_key]->data.size() != 32) return invalid("private key size");
    r.config.private_key = PrivateKey::from(key_span(t[dev::private_key]->data));
  }
  if (t[dev::listen_port]) {
    auto v = t[dev::listen_port]->u16();
    if (!v) return invalid("listen port size");
    r.config.listen_port = *v;
  }
  if (t[dev::fwmark]) {
    auto v = t[dev::fwmark]->u32();
    if (!v) return invalid("fwmark size");
    r.config.fwmark = *v;
  }
  if (t[dev::flags]) {
    auto v = t[dev::flags]->u32();
    if (!v) return invalid("flags size");
    r.config.replace_peers = (*v & dev::f_replace_peers) != 0;
    r.unknown_device_flags = *v & ~dev::f_replace_peers;
  }
  if (!t[dev::peers]) return r;
  AttrReader peers(t[dev::peers]->data);
  Attr pa;
  while (peers.next(pa)) {
    std::optional<Attr> pt[peer::max + 1];
    if (!index_attrs(pa.data, pt)) return invalid("bad peer attribute lengths");
    if (!pt[peer::public_key] || pt[peer::public_key]->data.size() != 32)
      return invalid("peer without a public key");
    wg::PeerConfig p;
    p.public_key = key_from(*pt[peer::public_key]);
    if (pt[peer::flags]) {
      auto v = pt[peer::flags]->u32();
      if (!v) return invalid("peer flags size");
      p.remove = *v & peer::f_remove_me;
      p.update_only = *v & peer::f_update_only;
      p.replace_allowed_ips = *v & peer::f_replace_allowedips;
      r.unknown_peer_flags |=
          *v & ~(peer::f_remove_me | peer::f_update_only | peer::f_replace_allowedips);
    }
    if (pt[peer::preshared_key]) {
      if (pt[peer::preshared_key]->data.size() != 32) return invalid("PSK size");
      p.preshared_key = PresharedKey::from(key_span(pt[peer::preshared_key]->data));
    }
    if (pt[peer::endpoint]) p.endpoint = parse_endpoint(*pt[peer::endpoint]);
    if (pt[peer::keepalive]) {
      auto v = pt[peer::keepalive]->u16();
      if (!v) return invalid("keepalive size");
      p.persistent_keepalive = *v;
    }
    if (pt[peer::protocol_version]) {
      auto v = pt[peer::protocol_version]->u32();
      if (!v) return invalid("protocol version size");
      if (*v != 1) r.bad_protocol_version = true;
    }
    if (pt[peer::allowedips]) {
      AttrReader ips(pt[peer::allowedips]->data);
      Attr ia;
      while (ips.next(ia)) {
        wg::AllowedIp a;
        auto c = parse_allowed_ip(ia.data, &a.remove, &r.unknown_allowedip_flags,
                                  &r.uses_allowedip_flags);
        if (!c) return invalid(c.error().detail);
        a.cidr = *c;
        p.allowed_ips.push_back(a);
      }
      if (ips.malformed()) return invalid("bad allowed-IP list lengths");
    }
    r.config.peers.push_back(std::move(p));
  }
  if (peers.malformed()) return invalid("bad peer list lengths");
  return r;
}

}  // namespace wl::netlink::wgnl
