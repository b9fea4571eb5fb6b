// wl-netlink-probe: exercises wirelink's netlink clients from a shell (kernel tests, bench).
// Errors print "error: <category>:<value> <detail>" on stderr and exit 1; usage errors exit 2.
#include <linux/netlink.h>
#include <poll.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "probe_conf.hpp"
#include "wirelink/base/encoding.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/netlink/errors.hpp"
#include "wirelink/netlink/rtnl_client.hpp"
#include "wirelink/netlink/wg_client.hpp"
#include "wirelink/netlink_socket/mnl_socket.hpp"

namespace {
namespace nl = wl::netlink;
using wl::netlink_socket::MnlSocket;

int fail(const wl::Error& e) {
  std::fprintf(stderr, "error: %s:%d %s\n", e.code.category().name(), e.code.value(),
               e.message().c_str());
  return 1;
}

int usage() {
  std::fputs(
      "usage: wl-netlink-probe <command> ...\n"
      "  setconf IF FILE | addconf IF FILE | showconf IF | dump IF | canon FILE|-\n"
      "  set IF [private-key FILE] [listen-port N] [fwmark N] [replace-peers]\n"
      "         [force-flags] [peer KEY [remove] [update-only] [replace-allowed-ips] "
      "[preshared-key FILE]\n"
      "          [endpoint EP] [persistent-keepalive N] [allowed-ips A,-B,...]]...\n"
      "  dump-check IF ITERATIONS IPS_PER_PEER\n"
      "  gen-conf PEERS IPS_PER_PEER [v6]\n"
      "  link-add NAME [MTU] | link-del NAME | link-list | link-set NAME up|down|mtu N\n"
      "  addr-add NAME CIDR [noprefixroute] | addr-del NAME CIDR | addr-list NAME\n"
      "  route-add NAME CIDR [TABLE] | route-list NAME | route-flush NAME\n"
      "  watch NAME TIMEOUT_SECONDS\n",
      stderr);
  return 2;
}

wl::Result<std::string> slurp(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream f(path);
  if (!f) return wl::make_error(std::errc::no_such_file_or_directory, "cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

struct Clients {
  std::unique_ptr<MnlSocket> genl_sock, route_sock;
  std::unique_ptr<nl::WireGuardClient> wg;
  std::unique_ptr<nl::RouteClient> route;
};

wl::Result<Clients> open_clients() {
  Clients c;
  auto g = MnlSocket::open(NETLINK_GENERIC);
  if (!g) return g.error();
  auto r = MnlSocket::open(NETLINK_ROUTE);
  if (!r) return r.error();
  c.genl_sock = std::move(*g);
  c.route_sock = std::move(*r);
  c.wg = std::make_unique<nl::WireGuardClient>(*c.genl_sock);
  c.route = std::make_unique<nl::RouteClient>(*c.route_sock);
  return c;
}

wl::Result<std::uint32_t> ifindex(Clients& c, const std::string& name) {
  auto l = c.route->get_link(name);
  if (!l) return l.error();
  return l->index;
}

int cmd_set(Clients& c, const std::vector<std::string>& a) {
  wl::device_model::DeviceConfig cfg;
  cfg.ifname = a.at(0);
  for (std::size_t i = 1; i < a.size(); ++i) {
    const std::string& k = a[i];
    auto next = [&]() -> const std::string& {
      if (i + 1 >= a.size()) throw std::runtime_error("missing value for " + k);
      return a[++i];
    };
    auto peer = [&]() -> wl::device_model::PeerConfig& {
      if (cfg.peers.empty()) throw std::runtime_error(k + " outside a peer");
      return cfg.peers.back();
    };
    if (k == "private-key") {
      auto text = slurp(next());
      auto key = text ? wl::parse_private_key(std::string_view(*text).substr(0, 44))
                      : wl::Result<wl::PrivateKey>(text.error());
      if (!key) return fail(key.error());
      cfg.private_key = std::move(*key);
    } else if (k == "listen-port")
      cfg.listen_port = static_cast<std::uint16_t>(std::stoul(next()));
    else if (k == "fwmark")
      cfg.fwmark = static_cast<std::uint32_t>(std::stoul(next(), nullptr, 0));
    else if (k == "replace-peers")
      cfg.replace_peers = true;
    else if (k == "force-flags")  // skip the probe: send allowed-IP flags even to old kernels
      c.wg->set_allowed_ip_removal(nl::WireGuardClient::AllowedIpRemoval::supported);
    else if (k == "peer") {
      auto key = wl::PublicKey::parse(next());
      if (!key) return fail(key.error());
      cfg.peers.emplace_back();
      cfg.peers.back().public_key = *key;
    } else if (k == "remove")
      peer().remove = true;
    else if (k == "update-only")
      peer().update_only = true;
    else if (k == "replace-allowed-ips")
      peer().replace_allowed_ips = true;
    else if (k == "preshared-key") {
      auto text = slurp(next());
      auto key = text ? wl::parse_private_key(std::string_view(*text).substr(0, 44))
                      : wl::Result<wl::PrivateKey>(text.error());
      if (!key) return fail(key.error());
      peer().preshared_key = std::move(*key);
    } else if (k == "endpoint") {
      auto e = wl::Endpoint::parse(next());
      if (!e) return fail(e.error());
      peer().endpoint = *e;
    } else if (k == "persistent-keepalive")
      peer().persistent_keepalive = static_cast<std::uint16_t>(std::stoul(next()));
    else if (k == "allowed-ips") {
      std::istringstream in(next());
      std::string item;
      while (std::getline(in, item, ',')) {
        const bool rm = !item.empty() && item[0] == '-';
        auto cidr = wl::Cidr::parse(rm ? item.substr(1) : item);
        if (!cidr) return fail(cidr.error());
        peer().allowed_ips.push_back({*cidr, rm});
      }
    } else {
      return usage();
    }
  }
  nl::WireGuardClient::SetProgress pr;
  auto r = c.wg->set_device(cfg, &pr);
  const char* rm = "unknown";
  switch (c.wg->allowed_ip_removal()) {
    case nl::WireGuardClient::AllowedIpRemoval::supported:
      rm = "supported";
      break;
    case nl::WireGuardClient::AllowedIpRemoval::unsupported:
      rm = "unsupported";
      break;
    default:
      break;
  }
  std::printf("messages=%zu applied=%zu allowed-ip-removal=%s\n", pr.messages_total,
              pr.messages_applied, rm);
  return r ? 0 : fail(r.error());
}

int cmd_dump_check(Clients& c, const std::string& ifname, int iterations, std::size_t ips) {
  std::uint64_t peers_seen = 0;
  int gave_up = 0;
  for (int i = 0; i < iterations; ++i) {
    auto s = c.wg->get_device(ifname);
    if (!s && s.error().code == nl::errc::dump_interrupted) {
      ++gave_up;  // bounded retry exhausted: a clear error, never a torn result
      continue;
    }
    if (!s) return fail(s.error());
    std::set<wl::PublicKey> keys;
    std::set<wl::Cidr> all;
    for (const auto& p : s->peers) {
      if (!keys.insert(p.public_key).second) {
        std::fprintf(stderr, "inconsistent dump: duplicate peer %s\n",
                     p.public_key.to_base64().c_str());
        return 3;
      }
      if (p.allowed_ips.size() != ips) {
        std::fprintf(stderr, "inconsistent dump: peer %s has %zu allowed IPs, want %zu\n",
                     p.public_key.to_base64().c_str(), p.allowed_ips.size(), ips);
        return 3;
      }
      for (const auto& a : p.allowed_ips)
        if (!all.insert(a).second) {
          std::fprintf(stderr, "inconsistent dump: %s appears twice\n", a.to_string().c_str());
          return 3;
        }
    }
    peers_seen += s->peers.size();
  }
  std::printf("dumps=%d consistent=%d gave-up=%d peers=%llu restarts=%llu\n", iterations,
              iterations - gave_up, gave_up, static_cast<unsigned long long>(peers_seen),
              static_cast<unsigned long long>(c.wg->dump_restarts()));
  // Most dumps must get through: the retry is what makes a dump under churn usable.
  return gave_up * 2 > iterations ? 5 : 0;
}

int cmd_gen_conf(std::size_t peers, std::size_t ips, bool v6) {
  std::string o = "[Interface]\nPrivateKey = ";
  std::array<std::uint8_t, 32> k{};
  k.fill(0x11);
  k[0] &= 248;
  k[31] = static_cast<std::uint8_t>((k[31] & 127) | 64);
  o += wl::base64_encode(k) + "\nListenPort = 51820\n";
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < peers; ++i) {
    std::array<std::uint8_t, 32> pk{};
    for (std::size_t b = 0; b < 32; ++b)
      pk[b] = static_cast<std::uint8_t>((i * 2654435761U >> (b % 24)) + b * 31 + 7);
    pk[0] = static_cast<std::uint8_t>(i);
    pk[1] = static_cast<std::uint8_t>(i >> 8);
    pk[2] = static_cast<std::uint8_t>(i >> 16);
    o += "\n[Peer]\nPublicKey = " + wl::base64_encode(pk) + "\n";
    if (i % 2 == 0) {
      pk[5] ^= 0x5a;
      o += "PresharedKey = " + wl::base64_encode(pk) + "\n";
      o += "Endpoint = 192.0.2." + std::to_string(i % 250 + 1) + ":" +
           std::to_string(1000 + i % 60000) + "\n";
      o += "PersistentKeepalive = 25\n";
    } else if (i % 4 == 1) {
      o += "Endpoint = [2001:db8::" + std::to_string(i % 9999 + 1) + "]:51820\n";
    }
    o += "AllowedIPs = ";
    for (std::size_t j = 0; j < ips; ++j, ++n) {
      char buf[64];
      if (v6)
        std::snprintf(buf, sizeof buf, "fd00::%x:%x/128", n >> 16, n & 0xffff);
      else
        std::snprintf(buf, sizeof buf, "10.%u.%u.%u/32", (n >> 16) & 255, (n >> 8) & 255, n & 255);
      o += (j ? ", " : "") + std::string(buf);
    }
    o += "\n";
  }
  std::fwrite(o.data(), 1, o.size(), stdout);
  return 0;
}

const char* kind_name(nl::rtnl::Event::Kind k) {
  switch (k) {
    case nl::rtnl::Event::Kind::link_new:
      return "link-new";
    case nl::rtnl::Event::Kind::link_del:
      return "link-del";
    case nl::rtnl::Event::Kind::addr_new:
      return "addr-new";
    case nl::rtnl::Event::Kind::addr_del:
      return "addr-del";
  }
  return "?";
}

int cmd_watch(const std::string& name, int timeout_s) {
  auto ev = MnlSocket::open_route_events();
  if (!ev) return fail(ev.error());
  std::printf("watching %s\n", name.c_str());
  std::fflush(stdout);
  pollfd pfd{(*ev)->fd(), POLLIN, 0};
  for (;;) {
    const int n = poll(&pfd, 1, timeout_s * 1000);
    if (n <= 0) {
      std::printf("timeout\n");
      return 4;
    }
    auto events = nl::read_route_events(**ev);
    if (!events) return fail(events.error());
    for (const auto& e : *events) {
      if (e.kind == nl::rtnl::Event::Kind::link_new || e.kind == nl::rtnl::Event::Kind::link_del)
        std::printf("%s %s index=%u up=%d\n", kind_name(e.kind), e.link.name.c_str(), e.link.index,
                    e.link.up() ? 1 : 0);
      else
        std::printf("%s index=%u %s/%d\n", kind_name(e.kind), e.addr.ifindex,
                    e.addr.address.to_string().c_str(), e.addr.prefix);
      std::fflush(stdout);
      if (e.kind == nl::rtnl::Event::Kind::link_del && e.link.name == name) return 0;
    }
  }
}

int run(const std::vector<std::string>& a) {
  if (a.empty()) return usage();
  const std::string& cmd = a[0];
  auto arg = [&](std::size_t i) -> const std::string& {
    if (i >= a.size()) throw std::runtime_error("missing argument");
    return a[i];
  };
  if (cmd == "canon") {
    auto text = slurp(arg(1));
    if (!text) return fail(text.error());
    auto cfg = wlprobe::parse_conf(*text);
    if (!cfg) return fail(cfg.error());
    std::fputs(wlprobe::canonical(*cfg).c_str(), stdout);
    return 0;
  }
  if (cmd == "gen-conf")
    return cmd_gen_conf(std::stoul(arg(1)), std::stoul(arg(2)), a.size() > 3 && a[3] == "v6");
  if (cmd == "watch") return cmd_watch(arg(1), std::stoi(arg(2)));

  auto c = open_clients();
  if (!c) return fail(c.error());
  if (cmd == "setconf" || cmd == "addconf") {
    auto text = slurp(arg(2));
    if (!text) return fail(text.error());
    auto cfg = wlprobe::parse_conf(*text);
    if (!cfg) return fail(cfg.error());
    cfg->ifname = arg(1);
    if (cmd == "addconf") {
      cfg->replace_peers = false;
      for (auto& p : cfg->peers) p.replace_allowed_ips = false;
    }
    auto r = c->wg->set_device(*cfg);
    return r ? 0 : fail(r.error());
  }
  if (cmd == "showconf" || cmd == "dump") {
    auto s = c->wg->get_device(arg(1));
    if (!s) return fail(s.error());
    const std::string out = cmd == "showconf" ? wlprobe::showconf(*s) : wlprobe::show_dump(*s);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  }
  if (cmd == "set") return cmd_set(*c, std::vector<std::string>(a.begin() + 1, a.end()));
  if (cmd == "dump-check") return cmd_dump_check(*c, arg(1), std::stoi(arg(2)), std::stoul(arg(3)));
  if (cmd == "link-add") {
    std::optional<std::uint32_t> mtu;
    if (a.size() > 2) mtu = static_cast<std::uint32_t>(std::stoul(a[2]));
    auto l = c->route->create_wireguard(arg(1), mtu);
    if (!l) return fail(l.error());
    std::printf("created %s index=%u mtu=%u kind=%s\n", l->name.c_str(), l->index, l->mtu,
                l->kind.c_str());
    return 0;
  }
  if (cmd == "link-list") {
    auto l = c->route->list_wireguard_links();
    if (!l) return fail(l.error());
    for (const auto& x : *l) std::printf("%s\n", x.name.c_str());
    return 0;
  }
  auto idx = ifindex(*c, arg(1));
  if (!idx) return fail(idx.error());
  if (cmd == "link-del") {
    auto r = c->route->delete_link(*idx);
    return r ? 0 : fail(r.error());
  }
  if (cmd == "link-set") {
    wl::Result<void> r;
    if (arg(2) == "up")
      r = c->route->set_up(*idx, true);
    else if (arg(2) == "down")
      r = c->route->set_up(*idx, false);
    else if (arg(2) == "mtu")
      r = c->route->set_mtu(*idx, static_cast<std::uint32_t>(std::stoul(arg(3))));
    else
      return usage();
    return r ? 0 : fail(r.error());
  }
  if (cmd == "addr-add" || cmd == "addr-del") {
    const auto& cidr_text = arg(2);
    auto slash = cidr_text.find('/');
    auto ip = wl::IpAddress::parse(cidr_text.substr(0, slash));
    if (!ip) return fail(ip.error());
    const int prefix =
        slash == std::string::npos ? ip->bits() : std::stoi(cidr_text.substr(slash + 1));
    const std::uint32_t flags =
        a.size() > 3 && a[3] == "noprefixroute" ? nl::rtnl::kAddrNoPrefixRoute : 0;
    auto r = cmd == "addr-add" ? c->route->add_address(*idx, *ip, prefix, flags)
                               : c->route->del_address(*idx, *ip, prefix);
    return r ? 0 : fail(r.error());
  }
  if (cmd == "addr-list") {
    auto l = c->route->list_addresses(*idx);
    if (!l) return fail(l.error());
    for (const auto& x : *l)
      std::printf("%s/%d%s\n", x.address.to_string().c_str(), x.prefix,
                  (x.flags & nl::rtnl::kAddrNoPrefixRoute) ? " noprefixroute" : "");
    return 0;
  }
  if (cmd == "route-add") {
    auto cidr = wl::Cidr::parse(arg(2));
    if (!cidr) return fail(cidr.error());
    const std::uint32_t table =
        a.size() > 3 ? static_cast<std::uint32_t>(std::stoul(a[3])) : nl::rtnl::kMainTable;
    auto r = c->route->add_route(*idx, *cidr, table);
    return r ? 0 : fail(r.error());
  }
  if (cmd == "route-list") {
    auto l = c->route->list_routes(nl::rtnl::kRouteProtocol, *idx);
    if (!l) return fail(l.error());
    for (const auto& x : *l) std::printf("%s table %u\n", x.dst.to_string().c_str(), x.table);
    return 0;
  }
  if (cmd == "route-flush") {
    auto n = c->route->flush_routes(nl::rtnl::kRouteProtocol, *idx);
    if (!n) return fail(n.error());
    std::printf("flushed %zu\n", *n);
    return 0;
  }
  return usage();
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  try {
    return run(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "usage error: %s\n", e.what());
    return 2;
  }
}
