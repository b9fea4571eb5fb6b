// Fuzzes the UAPI session (framing, set parsing, get formatting) against a backend that
// applies configurations to a real noise Engine, so parsed values reach the allowed-IPs table
// and peer setup code too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wirelink/base/clock.hpp"
#include "wirelink/wg/device/uapi_protocol.hpp"
#include "wirelink/wg/noise/engine.hpp"

namespace {
struct NullSink : wl::wg::noise::PacketSink {
  void send_to_peer(wl::wg::noise::Peer&, std::span<const std::uint8_t>) override {}
  void send_to_endpoint(const wl::Endpoint&, std::span<const std::uint8_t>) override {}
};

struct EngineBackend : wl::wg::device::UapiBackend {
  wl::wg::noise::Engine& e;
  explicit EngineBackend(wl::wg::noise::Engine& eng) : e(eng) {}
  wl::wg::DeviceState get_state() override {
    wl::wg::DeviceState s;
    for (const auto& p : e.peers()) {
      wl::wg::PeerState ps;
      ps.public_key = p->public_key;
      ps.endpoint = p->endpoint;
      ps.allowed_ips = e.allowed_ips().entries_for(p.get());
      s.peers.push_back(std::move(ps));
    }
    return s;
  }
  int apply(const wl::wg::DeviceConfig& c) override {
    if (c.private_key) e.set_private_key(&*c.private_key);
    if (c.replace_peers) e.remove_all_peers();
    for (const auto& pc : c.peers) {
      if (pc.remove) {
        e.remove_peer(pc.public_key);
        continue;
      }
      auto p = e.add_peer(pc.public_key);
      if (!p) return 22;
      if (pc.replace_allowed_ips) e.allowed_ips().remove_all(p.get());
      if (pc.preshared_key) e.set_preshared_key(*p, &*pc.preshared_key);
      if (pc.endpoint) p->endpoint = *pc.endpoint;
      for (const auto& a : pc.allowed_ips) {
        if (a.remove) {
          e.allowed_ips().remove(a.cidr, p.get());
        } else {
          e.allowed_ips().insert(a.cidr, p.get());
        }
      }
      if (pc.persistent_keepalive) e.set_persistent_keepalive(*p, *pc.persistent_keepalive);
    }
    return 0;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wl::FakeClock clock;
  NullSink sink;
  wl::wg::noise::Engine engine(clock, sink);
  EngineBackend backend(engine);
  wl::wg::device::UapiSession session(backend);
  // Feed in two chunks to exercise reassembly.
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const std::size_t cut = size / 3;
  session.feed(all.substr(0, cut));
  session.feed(all.substr(cut));
  return 0;
}
