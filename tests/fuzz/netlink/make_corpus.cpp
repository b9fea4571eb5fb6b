// Writes the seed corpus for reply_fuzz: real-shaped replies made with the codec itself.
// Usage: netlink_make_corpus <dir>
#include <cstdio>
#include <fstream>
#include <string>

#include "wirelink/base/keys.hpp"
#include "wirelink/netlink/genl.hpp"
#include "wirelink/netlink/rtnl_codec.hpp"
#include "wirelink/netlink/wg_codec.hpp"

namespace {
void write(const std::string& dir, const std::string& name, const std::vector<std::uint8_t>& b) {
  std::ofstream(dir + "/" + name, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
std::vector<std::uint8_t> cat(const std::vector<std::vector<std::uint8_t>>& v) {
  std::vector<std::uint8_t> out;
  for (const auto& m : v) out.insert(out.end(), m.begin(), m.end());
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  namespace nl = wl::netlink;
  wl::device_model::DeviceState s;
  s.ifname = "wg0";
  s.ifindex = 3;
  s.listen_port = 51820;
  s.fwmark = 9;
  std::array<std::uint8_t, 32> kb{};
  kb.fill(0x42);
  s.private_key = wl::PrivateKey::from(std::span<const std::uint8_t, 32>(kb));
  for (int i = 0; i < 3; ++i) {
    wl::device_model::PeerState p;
    kb.fill(static_cast<std::uint8_t>(i + 1));
    p.public_key = wl::PublicKey(kb);
    p.endpoint = wl::Endpoint::parse(i % 2 ? "[fd00::1]:51820" : "192.0.2.1:51820").value();
    p.persistent_keepalive = 25;
    for (int j = 0; j < 20; ++j)
      p.allowed_ips.push_back(
          wl::Cidr::parse("10.0." + std::to_string(i) + "." + std::to_string(j) + "/32").value());
    p.allowed_ips.push_back(wl::Cidr::parse("fd00::/64").value());
    s.peers.push_back(std::move(p));
  }
  write(dir, "wg-get-single", cat(nl::wgnl::build_get_replies(0x1d, s, 8192, 1, 1)));
  write(dir, "wg-get-split", cat(nl::wgnl::build_get_replies(0x1d, s, 600, 1, 1)));
  wl::device_model::DeviceConfig c;
  c.ifname = "wg0";
  c.listen_port = 1;
  wl::device_model::PeerConfig pc;
  pc.public_key = wl::PublicKey(kb);
  pc.allowed_ips.push_back({wl::Cidr::parse("10.1.0.0/16").value(), true});
  c.peers.push_back(std::move(pc));
  write(dir, "wg-set", cat(nl::wgnl::build_set_device(0x1d, c).value()));
  write(dir, "genl-family", nl::genl::build_family_reply({0x1d, 1, "wireguard"}, 1, 1));
  write(dir, "rtnl-newlink", nl::rtnl::build_new_wireguard_link("wg0", 1420));
  write(dir, "rtnl-addr",
        nl::rtnl::build_address(true, 3, wl::IpAddress::parse("fe80::1").value(), 64, 0x200));
  write(dir, "rtnl-route",
        nl::rtnl::build_route(true, 3, wl::Cidr::parse("10.0.0.0/8").value(), 1000, 149));
  // An NLMSG_ERROR with an extended ACK message.
  nl::MessageBuilder b(128);
  b.begin(2 /*NLMSG_ERROR*/, 0x100 | 0x200 /*CAPPED|ACK_TLVS*/);
  std::int32_t e = -19;
  b.put_raw(&e, 4);
  std::uint8_t hdr[16] = {16};
  b.put_raw(hdr, 16);
  b.put_str(1, "Unknown device type");
  write(dir, "nlmsg-error-extack", b.take());
  return 0;
}
