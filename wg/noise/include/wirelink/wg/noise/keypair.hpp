// Keypair: one direction-pair of transport keys from one handshake, with its send counter and
// receive replay window.
//
// Contract: created and mutated under the Engine's lock, except that the keys are read (not
// written) by crypto workers that hold a shared_ptr; keys are wiped in the destructor, i.e.
// after the last holder lets go.
#pragma once

#include <cstdint>

#include "wirelink/base/clock.hpp"
#include "wirelink/wg/noise/cookie.hpp"
#include "wirelink/wg/noise/replay.hpp"

namespace wl::wg::noise {

struct Keypair {
  Key32 send_key{};
  Key32 recv_key{};
  std::uint64_t send_counter = 0;
  ReplayWindow replay;
  TimePoint created{};
  bool initiator = false;
  std::uint32_t local_index = 0;
  std::uint32_t remote_index = 0;

  Keypair() = default;
  ~Keypair();
  Keypair(const Keypair&) = delete;
  Keypair& operator=(const Keypair&) = delete;
};

// Encrypts one transport message in place. `buf` holds 16 free header bytes followed by
// `plain_len` bytes of packet, with room for padding and the tag. Pads to a multiple of 16 but
// never past `mtu`. Returns the datagram length.
std::size_t seal_transport(const Keypair& kp, std::uint64_t counter, std::uint8_t* buf,
                           std::size_t plain_len, std::size_t mtu);
// Decrypts a transport datagram in place; the plaintext starts at datagram + 16 and is
// len - 32 bytes long. False on a bad tag.
bool open_transport(const Keypair& kp, std::uint8_t* datagram, std::size_t len);

}  // namespace wl::wg::noise
