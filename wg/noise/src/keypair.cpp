#include "wirelink/wg/noise/keypair.hpp"

#include <cstring>

#include "wirelink/wg/crypto/primitives.hpp"
#include "wirelink/wg/noise/constants.hpp"
#include "wirelink/wg/noise/messages.hpp"

namespace wl::wg::noise {

Keypair::~Keypair() {
  crypto::wipe(send_key.data(), 32);
  crypto::wipe(recv_key.data(), 32);
}

std::size_t seal_transport(const Keypair& kp, std::uint64_t counter, std::uint8_t* buf,
                           std::size_t plain_len, std::size_t mtu) {
  std::size_t padded = (plain_len + kPaddingMultiple - 1) / kPaddingMultiple * kPaddingMultiple;
  if (padded > mtu) padded = plain_len > mtu ? plain_len : mtu;
  std::memset(buf + kTransportHeaderSize + plain_len, 0, padded - plain_len);
  store_le32(buf, 4);
  store_le32(buf + 4, kp.remote_index);
  store_le64(buf + 8, counter);
  crypto::aead_seal(buf + kTransportHeaderSize, kp.send_key.data(), counter,
                    crypto::Bytes(buf + kTransportHeaderSize, padded), {});
  return kTransportHeaderSize + padded + kTagSize;
}

bool open_transport(const Keypair& kp, std::uint8_t* datagram, std::size_t len) {
  if (len < kTransportMinSize) return false;
  const std::uint64_t counter = load_le64(datagram + 8);
  return crypto::aead_open(
      datagram + kTransportHeaderSize, kp.recv_key.data(), counter,
      crypto::Bytes(datagram + kTransportHeaderSize, len - kTransportHeaderSize), {});
}

}  // namespace wl::wg::noise
