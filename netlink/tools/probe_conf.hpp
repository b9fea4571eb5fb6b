// wg(8)-style configuration text for the probe: parse `wg setconf` files, print `wg showconf`
// and `wg show dump` formats, and a canonical form for comparisons.
#pragma once

#include <string>
#include <string_view>

#include "wirelink/base/device_model.hpp"
#include "wirelink/base/result.hpp"

namespace wlprobe {

// [Interface] PrivateKey/ListenPort/FwMark, [Peer] PublicKey/PresharedKey/Endpoint/
// PersistentKeepalive/AllowedIPs. Other keys are an error.
wl::Result<wl::device_model::DeviceConfig> parse_conf(std::string_view text);
// Exactly what `wg showconf` prints for this state (peers and IPs in the given order).
std::string showconf(const wl::device_model::DeviceState& s);
// Exactly what `wg show <if> dump` prints (handshake seconds, counters included).
std::string show_dump(const wl::device_model::DeviceState& s);
// Canonical text of a configuration: peers sorted by key, allowed IPs sorted.
std::string canonical(const wl::device_model::DeviceConfig& c);

}  // namespace wlprobe
