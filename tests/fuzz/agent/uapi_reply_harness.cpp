// Fuzzes the UAPI reply parsers: a daemon's reply must never crash the agent.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wirelink/agent/uapi_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto st = wl::agent::uapi::parse_get_reply(text);
  if (st) {
    // A parsed state re-encodes as a set without trouble.
    wl::wg::DeviceConfig cfg;
    cfg.listen_port = st->listen_port;
    for (const auto& p : st->peers) {
      wl::wg::PeerConfig pc;
      pc.public_key = p.public_key;
      pc.endpoint = p.endpoint;
      for (const auto& c : p.allowed_ips) pc.allowed_ips.push_back({c, false});
      cfg.peers.push_back(std::move(pc));
    }
    (void)wl::agent::uapi::encode_set(cfg);
  }
  (void)wl::agent::uapi::parse_set_reply(text);
  (void)wl::agent::uapi::reply_complete(text);
  return 0;
}
