// Fuzzes the UAPI codec from both sides with every input: as a daemon's reply the agent's
// client reads (it must never crash the agent), and as a request stream wirelink-wg's server
// session reads (framing, set decoding, get encoding). Whatever either side accepts must also
// survive the trip back through the other side unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wirelink/uapi/codec.hpp"
#include "wirelink/uapi/server_session.hpp"

namespace {

using wl::device_model::DeviceConfig;
using wl::device_model::DeviceState;

// The key=value lines of an encoded set request, as the server session hands them on.
std::string_view body_of(std::string_view request) {
  request.remove_prefix(std::string_view("set=1\n").size());
  request.remove_suffix(request.size() >= 2 ? 2 : request.size());
  return request;
}

// The server reads back exactly what the client wrote: re-encoding what it decoded gives the
// same bytes. A configuration the server decoded itself must be accepted again; one built from
// a daemon's reply may hold what no set may ask for (a bracketed endpoint with port 0).
void check_set_round_trip(const DeviceConfig& cfg, bool must_accept) {
  const std::string request = wl::uapi::encode_set_request(cfg);
  const auto decoded = wl::uapi::decode_set_request(body_of(request));
  if (decoded.error != 0) {
    if (must_accept) std::abort();
    return;
  }
  if (wl::uapi::encode_set_request(decoded.config) != request) std::abort();
}

// The client reads back exactly what the server wrote.
void check_get_round_trip(const DeviceState& st) {
  const std::string reply = wl::uapi::encode_get_reply(st);
  const auto decoded = wl::uapi::decode_get_reply(reply);
  if (!decoded || wl::uapi::encode_get_reply(*decoded) != reply) std::abort();
}

// The state a device would show after applying `c` to an empty device.
DeviceState state_after(const DeviceConfig& c) {
  DeviceState s;
  if (c.private_key) s.private_key = c.private_key->clone();
  s.listen_port = c.listen_port.value_or(0);
  s.fwmark = c.fwmark.value_or(0);
  for (const auto& pc : c.peers) {
    if (pc.remove) continue;
    wl::device_model::PeerState ps;
    ps.public_key = pc.public_key;
    if (pc.preshared_key && !pc.preshared_key->is_zero())
      ps.preshared_key = pc.preshared_key->clone();
    ps.endpoint = pc.endpoint;
    ps.persistent_keepalive = pc.persistent_keepalive.value_or(0);
    for (const auto& a : pc.allowed_ips)
      if (!a.remove) ps.allowed_ips.push_back(a.cidr);
    s.peers.push_back(std::move(ps));
  }
  return s;
}

// A set request that would bring a device to `st`.
DeviceConfig config_for(const DeviceState& st) {
  DeviceConfig cfg;
  cfg.listen_port = st.listen_port;
  for (const auto& p : st.peers) {
    wl::device_model::PeerConfig pc;
    pc.public_key = p.public_key;
    pc.endpoint = p.endpoint;
    for (const auto& c : p.allowed_ips) pc.allowed_ips.push_back({c, false});
    cfg.peers.push_back(std::move(pc));
  }
  return cfg;
}

// Checks every configuration the session decodes and shows the last one applied in its gets.
class CheckingBackend final : public wl::uapi::Backend {
 public:
  DeviceState get_state() override {
    return state_after(wl::uapi::decode_set_request(body_of(last_set_)).config);
  }
  int apply(const DeviceConfig& cfg) override {
    check_set_round_trip(cfg, true);
    check_get_round_trip(state_after(cfg));
    last_set_ = wl::uapi::encode_set_request(cfg);
    return 0;
  }

 private:
  std::string last_set_ = wl::uapi::encode_set_request(DeviceConfig{});
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The client's side: the input as a daemon's reply.
  if (auto st = wl::uapi::decode_get_reply(text)) {
    check_get_round_trip(*st);
    check_set_round_trip(config_for(*st), false);
  }
  (void)wl::uapi::decode_set_reply(text);
  (void)wl::uapi::reply_complete(text);

  // The server's side: the input as a client's request stream, fed in two chunks to exercise
  // reassembly; whatever it replies, the client must be able to frame.
  CheckingBackend backend;
  wl::uapi::ServerSession session(backend);
  const std::size_t cut = size / 3;
  const std::string reply = session.feed(text.substr(0, cut)) + session.feed(text.substr(cut));
  if (!reply.empty() && !wl::uapi::reply_complete(reply)) std::abort();
  return 0;
}
