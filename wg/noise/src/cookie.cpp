#include "wirelink/wg/noise/cookie.hpp"

#include <cstring>

#include "wirelink/wg/crypto/primitives.hpp"
#include "wirelink/wg/noise/constants.hpp"
#include "wirelink/wg/noise/messages.hpp"

namespace wl::wg::noise {

namespace {
constexpr char kLabelMac1[] = "mac1----";
constexpr char kLabelCookie[] = "cookie--";

void labelled_key(Key32& out, const char* label, const Key32& pub) {
  crypto::hash(out.data(), crypto::Bytes(reinterpret_cast<const std::uint8_t*>(label), 8),
               crypto::Bytes(pub.data(), pub.size()));
}

std::size_t mac2_offset(std::size_t mac1_off) {
  return mac1_off + 16;
}
}  // namespace

CookieChecker::~CookieChecker() {
  crypto::wipe(secret_.data(), secret_.size());
}

void CookieChecker::set_public_key(const Key32& local_public) {
  labelled_key(mac1_key_, kLabelMac1, local_public);
  labelled_key(cookie_key_, kLabelCookie, local_public);
}

bool CookieChecker::check_mac1(std::span<const std::uint8_t> msg, std::size_t mac1_off) const {
  if (msg.size() < mac1_off + 32) return false;
  std::uint8_t m[16];
  crypto::mac(m, crypto::Bytes(mac1_key_.data(), 32), msg.first(mac1_off));
  return crypto::equal16(m, msg.data() + mac1_off);
}

void CookieChecker::cookie_for(std::uint8_t out[16], const Endpoint& src, TimePoint now) {
  if (!secret_valid_ || now - secret_born_ >= kCookieRefreshTime) {
    crypto::random_bytes(secret_.data(), secret_.size());
    secret_born_ = now;
    secret_valid_ = true;
  }
  std::uint8_t buf[18];
  const std::size_t n = src.address().size();
  std::memcpy(buf, src.address().data(), n);
  buf[n] = static_cast<std::uint8_t>(src.port() >> 8);
  buf[n + 1] = static_cast<std::uint8_t>(src.port());
  crypto::mac(out, crypto::Bytes(secret_.data(), 32), crypto::Bytes(buf, n + 2));
}

bool CookieChecker::check_mac2(std::span<const std::uint8_t> msg, std::size_t mac1_off,
                               const Endpoint& src, TimePoint now) {
  const std::size_t mac2_off = mac2_offset(mac1_off);
  if (msg.size() < mac2_off + 16) return false;
  std::uint8_t cookie[16];
  cookie_for(cookie, src, now);
  std::uint8_t m[16];
  crypto::mac(m, crypto::Bytes(cookie, 16), msg.first(mac2_off));
  return crypto::equal16(m, msg.data() + mac2_off);
}

void CookieChecker::make_reply(std::uint8_t out[64], std::span<const std::uint8_t> msg,
                               std::size_t mac1_off, const Endpoint& src, TimePoint now) {
  std::uint8_t cookie[16];
  cookie_for(cookie, src, now);
  store_le32(out, 3);
  std::memcpy(out + 4, msg.data() + 4, 4);  // the sender index of the message we answer
  crypto::random_bytes(out + 8, 24);
  crypto::xaead_seal(out + 32, cookie_key_.data(), out + 8, crypto::Bytes(cookie, 16),
                     msg.subspan(mac1_off, 16));
}

CookieJar::~CookieJar() {
  crypto::wipe(cookie_.data(), cookie_.size());
}

void CookieJar::set_peer_public_key(const Key32& peer_public) {
  labelled_key(mac1_key_, kLabelMac1, peer_public);
  labelled_key(cookie_key_, kLabelCookie, peer_public);
}

bool CookieJar::has_fresh_cookie(TimePoint now) const {
  return have_cookie_ && now - cookie_time_ < kCookieUseTime;
}

void CookieJar::stamp(std::span<std::uint8_t> msg, std::size_t mac1_off, TimePoint now) {
  const std::size_t mac2_off = mac2_offset(mac1_off);
  crypto::mac(msg.data() + mac1_off, crypto::Bytes(mac1_key_.data(), 32), msg.first(mac1_off));
  std::memcpy(last_mac1_.data(), msg.data() + mac1_off, 16);
  have_last_mac1_ = true;
  if (has_fresh_cookie(now)) {
    crypto::mac(msg.data() + mac2_off, crypto::Bytes(cookie_.data(), 16), msg.first(mac2_off));
  } else {
    std::memset(msg.data() + mac2_off, 0, 16);
  }
}

bool CookieJar::consume_reply(std::span<const std::uint8_t> reply, TimePoint now) {
  if (reply.size() != kCookieReplySize || !have_last_mac1_) return false;
  std::uint8_t cookie[16];
  if (!crypto::xaead_open(cookie, cookie_key_.data(), reply.data() + 8, reply.subspan(32, 32),
                          crypto::Bytes(last_mac1_.data(), 16)))
    return false;
  std::memcpy(cookie_.data(), cookie, 16);
  crypto::wipe(cookie, sizeof cookie);
  cookie_time_ = now;
  have_cookie_ = true;
  // One reply per sent message: a second copy of the same reply is not accepted.
  have_last_mac1_ = false;
  return true;
}

}  // namespace wl::wg::noise
