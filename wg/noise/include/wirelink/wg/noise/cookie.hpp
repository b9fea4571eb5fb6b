// mac1/mac2 and cookie replies (whitepaper §5.4.4, §5.4.7).
//
// CookieChecker is the responder side: it verifies mac1 (always) and mac2 (under load) of
// received handshake messages and builds cookie replies. CookieJar is the initiator side, one
// per peer: it stamps mac1/mac2 on outgoing handshake messages and opens cookie replies.
//
// Contract: not thread-safe (the engine's lock covers them); time is injected; no allocation.
// The cookie encodes the source address as address bytes || port (big-endian); the encoding
// is local to this responder.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/ip.hpp"

namespace wl::wg::noise {

using Key32 = std::array<std::uint8_t, 32>;

class CookieChecker {
 public:
  CookieChecker() = default;
  ~CookieChecker();
  CookieChecker(const CookieChecker&) = delete;
  CookieChecker& operator=(const CookieChecker&) = delete;

  // Called when the device's public key changes (or is removed).
  void set_public_key(const Key32& local_public);
  // msg is a full initiation or response; mac1_off is where mac1 starts.
  bool check_mac1(std::span<const std::uint8_t> msg, std::size_t mac1_off) const;
  bool check_mac2(std::span<const std::uint8_t> msg, std::size_t mac1_off, const Endpoint& src,
                  TimePoint now);
  // Writes a 64-byte cookie reply for `msg` (whose sender index is at offset 4).
  void make_reply(std::uint8_t out[64], std::span<const std::uint8_t> msg, std::size_t mac1_off,
                  const Endpoint& src, TimePoint now);

 private:
  void cookie_for(std::uint8_t out[16], const Endpoint& src, TimePoint now);

  Key32 mac1_key_{};
  Key32 cookie_key_{};
  Key32 secret_{};
  TimePoint secret_born_{};
  bool secret_valid_ = false;
};

class CookieJar {
 public:
  CookieJar() = default;
  ~CookieJar();
  CookieJar(const CookieJar&) = delete;
  CookieJar& operator=(const CookieJar&) = delete;

  void set_peer_public_key(const Key32& peer_public);
  // Fills mac1 (and mac2 when a fresh cookie is held) of an outgoing handshake message.
  void stamp(std::span<std::uint8_t> msg, std::size_t mac1_off, TimePoint now);
  // Opens a cookie reply answering our last stamped message; false = drop.
  bool consume_reply(std::span<const std::uint8_t> reply, TimePoint now);
  bool has_fresh_cookie(TimePoint now) const;

 private:
  Key32 mac1_key_{};
  Key32 cookie_key_{};
  std::array<std::uint8_t, 16> cookie_{};
  TimePoint cookie_time_{};
  bool have_cookie_ = false;
  std::array<std::uint8_t, 16> last_mac1_{};
  bool have_last_mac1_ = false;
};

}  // namespace wl::wg::noise
