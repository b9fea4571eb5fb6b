// WireGuard protocol constants (whitepaper §6, section "Timers"), in one place.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace wl::wg::noise {

using namespace std::chrono_literals;

inline constexpr std::uint64_t kRekeyAfterMessages = std::uint64_t{1} << 60;
inline constexpr std::uint64_t kRejectAfterMessages = ~std::uint64_t{0} - (std::uint64_t{1} << 13);
inline constexpr auto kRekeyAfterTime = 120s;
inline constexpr auto kRejectAfterTime = 180s;
inline constexpr auto kRekeyAttemptTime = 90s;
inline constexpr auto kRekeyTimeout = 5s;
inline constexpr auto kKeepaliveTimeout = 10s;
inline constexpr auto kCookieRefreshTime = 120s;
// A received cookie is used a little less long than the responder keeps its secret.
inline constexpr auto kCookieUseTime = kCookieRefreshTime - 5s;
inline constexpr auto kHandshakeInitiationRate = 20ms;  // 50 initiations/s per peer
inline constexpr auto kRekeyTimeoutJitterMax = 334ms;
inline constexpr auto kUnderLoadAfterTime = 1s;
// Initiator rekeys when receiving on a keypair this old (180 - 10 - 5 s).
inline constexpr auto kRekeyOnReceiveTime = kRejectAfterTime - kKeepaliveTimeout - kRekeyTimeout;
inline constexpr int kMaxTimerHandshakes = 90 / 5;
inline constexpr std::size_t kMaxStagedPackets = 128;
inline constexpr std::size_t kMaxPeers = 1 << 16;
inline constexpr std::size_t kPaddingMultiple = 16;
// Handshake messages per second above which the responder demands cookies.
inline constexpr int kUnderLoadHandshakesPerSecond = 128;
inline constexpr double kRatelimitPerSecond = 20;
inline constexpr double kRatelimitBurst = 5;

}  // namespace wl::wg::noise
