#include "wirelink/wg/noise/handshake.hpp"

#include <cstring>

#include "wirelink/wg/crypto/primitives.hpp"
#include "wirelink/wg/noise/messages.hpp"

namespace wl::wg::noise {

namespace c = wl::wg::crypto;

namespace {

constexpr char kConstruction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
constexpr char kIdentifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

c::Bytes b(const Key32& k) {
  return c::Bytes(k.data(), k.size());
}
c::Bytes b(const std::uint8_t* p, std::size_t n) {
  return c::Bytes(p, n);
}

struct Initial {
  Key32 chain_key{};
  Key32 hash{};
  Initial() {
    c::hash(chain_key.data(),
            b(reinterpret_cast<const std::uint8_t*>(kConstruction), sizeof kConstruction - 1));
    c::hash(hash.data(), b(chain_key),
            b(reinterpret_cast<const std::uint8_t*>(kIdentifier), sizeof kIdentifier - 1));
  }
};
const Initial& initial() {
  static const Initial i;
  return i;
}

void mix_hash(Key32& h, const std::uint8_t* data, std::size_t n) {
  c::hash(h.data(), b(h), b(data, n));
}
void mix_key(Key32& ck, const std::uint8_t* data, std::size_t n) {
  c::kdf(ck.data(), nullptr, nullptr, b(ck), b(data, n));
}

// Wipes a set of temporaries when it goes out of scope.
struct Scrub {
  std::initializer_list<Key32*> keys;
  ~Scrub() {
    for (Key32* k : keys) c::wipe(k->data(), k->size());
  }
};

}  // namespace

StaticIdentity::~StaticIdentity() {
  clear();
}

void StaticIdentity::set(const Key32& priv) {
  private_key = priv;
  c::dh_public(public_key.data(), private_key.data());
  hash_for_responder = initial().hash;
  mix_hash(hash_for_responder, public_key.data(), 32);
  has_key = true;
}

void StaticIdentity::clear() {
  c::wipe(private_key.data(), 32);
  public_key.fill(0);
  hash_for_responder.fill(0);
  has_key = false;
}

Handshake::~Handshake() {
  clear();
  c::wipe(precomputed_ss.data(), 32);
  c::wipe(preshared_key.data(), 32);
}

void Handshake::set_remote_static(const Key32& remote, const StaticIdentity& local) {
  remote_static = remote;
  hash_for_initiator = initial().hash;
  mix_hash(hash_for_initiator, remote.data(), 32);
  recompute_ss(local);
}

void Handshake::recompute_ss(const StaticIdentity& local) {
  ss_valid =
      local.has_key && c::dh(precomputed_ss.data(), local.private_key.data(), remote_static.data());
  if (!ss_valid) c::wipe(precomputed_ss.data(), 32);
}

void Handshake::clear() {
  c::wipe(hash.data(), 32);
  c::wipe(chain_key.data(), 32);
  c::wipe(local_ephemeral.data(), 32);
  remote_ephemeral.fill(0);
  state = HandshakeState::zeroed;
  local_index = 0;
  remote_index = 0;
}

PendingInitiation::~PendingInitiation() {
  c::wipe(hash.data(), 32);
  c::wipe(chain_key.data(), 32);
}

bool create_initiation(const StaticIdentity& id, Handshake& hs, std::uint32_t local_index,
                       const Tai64n& now, std::uint8_t out[148]) {
  if (!id.has_key || !hs.ss_valid) return false;
  Key32 ck = initial().chain_key;
  Key32 h = hs.hash_for_initiator;
  Key32 eph{};
  Key32 k{};
  Key32 ss{};
  Scrub scrub{{&ck, &eph, &k, &ss}};

  std::memset(out, 0, kInitiationSize);
  store_le32(out, 1);
  store_le32(out + 4, local_index);
  c::dh_generate(eph.data());
  c::dh_public(out + 8, eph.data());
  mix_key(ck, out + 8, 32);
  mix_hash(h, out + 8, 32);
  if (!c::dh(ss.data(), eph.data(), hs.remote_static.data())) return false;
  c::kdf(ck.data(), k.data(), nullptr, b(ck), b(ss));
  c::aead_seal(out + 40, k.data(), 0, b(id.public_key), b(h));
  mix_hash(h, out + 40, 48);
  c::kdf(ck.data(), k.data(), nullptr, b(ck), b(hs.precomputed_ss));
  c::aead_seal(out + 88, k.data(), 0, b(now.data(), now.size()), b(h));
  mix_hash(h, out + 88, 28);

  hs.chain_key = ck;
  hs.hash = h;
  hs.local_ephemeral = eph;
  hs.local_index = local_index;
  hs.state = HandshakeState::initiation_created;
  return true;
}

bool open_initiation(const StaticIdentity& id, std::span<const std::uint8_t> msg,
                     PendingInitiation& p) {
  if (!id.has_key || msg.size() != kInitiationSize) return false;
  const std::uint8_t* m = msg.data();
  Key32 k{};
  Key32 ss{};
  Scrub scrub{{&k, &ss}};
  p.chain_key = initial().chain_key;
  p.hash = id.hash_for_responder;
  p.sender_index = load_le32(m + 4);
  std::memcpy(p.remote_ephemeral.data(), m + 8, 32);
  mix_key(p.chain_key, m + 8, 32);
  mix_hash(p.hash, m + 8, 32);
  if (!c::dh(ss.data(), id.private_key.data(), p.remote_ephemeral.data())) return false;
  c::kdf(p.chain_key.data(), k.data(), nullptr, b(p.chain_key), b(ss));
  if (!c::aead_open(p.remote_static.data(), k.data(), 0, b(m + 40, 48), b(p.hash))) return false;
  mix_hash(p.hash, m + 40, 48);
  return true;
}

bool finish_initiation(const Handshake& hs, std::span<const std::uint8_t> msg, PendingInitiation& p,
                       Tai64n& timestamp) {
  if (!hs.ss_valid || msg.size() != kInitiationSize) return false;
  const std::uint8_t* m = msg.data();
  Key32 k{};
  Scrub scrub{{&k}};
  c::kdf(p.chain_key.data(), k.data(), nullptr, b(p.chain_key), b(hs.precomputed_ss));
  if (!c::aead_open(timestamp.data(), k.data(), 0, b(m + 88, 28), b(p.hash))) return false;
  mix_hash(p.hash, m + 88, 28);
  return true;
}

void commit_initiation(Handshake& hs, PendingInitiation& p, const Tai64n& timestamp) {
  hs.chain_key = p.chain_key;
  hs.hash = p.hash;
  hs.remote_ephemeral = p.remote_ephemeral;
  hs.remote_index = p.sender_index;
  if (timestamp > hs.greatest_timestamp) hs.greatest_timestamp = timestamp;
  hs.state = HandshakeState::initiation_consumed;
}

bool create_response(Handshake& hs, std::uint32_t local_index, std::uint8_t out[92]) {
  if (hs.state != HandshakeState::initiation_consumed) return false;
  Key32 ck = hs.chain_key;
  Key32 h = hs.hash;
  Key32 eph{};
  Key32 ss{};
  Key32 tau{};
  Key32 k{};
  Scrub scrub{{&ck, &eph, &ss, &tau, &k}};

  std::memset(out, 0, kResponseSize);
  store_le32(out, 2);
  store_le32(out + 4, local_index);
  store_le32(out + 8, hs.remote_index);
  c::dh_generate(eph.data());
  c::dh_public(out + 12, eph.data());
  mix_key(ck, out + 12, 32);
  mix_hash(h, out + 12, 32);
  if (!c::dh(ss.data(), eph.data(), hs.remote_ephemeral.data())) return false;
  mix_key(ck, ss.data(), 32);
  if (!c::dh(ss.data(), eph.data(), hs.remote_static.data())) return false;
  mix_key(ck, ss.data(), 32);
  c::kdf(ck.data(), tau.data(), k.data(), b(ck), b(hs.preshared_key));
  mix_hash(h, tau.data(), 32);
  c::aead_seal(out + 44, k.data(), 0, {}, b(h));
  mix_hash(h, out + 44, 16);

  hs.chain_key = ck;
  hs.hash = h;
  hs.local_index = local_index;
  hs.state = HandshakeState::response_created;
  return true;
}

bool consume_response(const StaticIdentity& id, Handshake& hs, std::span<const std::uint8_t> msg) {
  if (hs.state != HandshakeState::initiation_created || msg.size() != kResponseSize || !id.has_key)
    return false;
  const std::uint8_t* m = msg.data();
  Key32 ck = hs.chain_key;
  Key32 h = hs.hash;
  Key32 ss{};
  Key32 tau{};
  Key32 k{};
  Scrub scrub{{&ck, &ss, &tau, &k}};
  mix_key(ck, m + 12, 32);
  mix_hash(h, m + 12, 32);
  if (!c::dh(ss.data(), hs.local_ephemeral.data(), m + 12)) return false;
  mix_key(ck, ss.data(), 32);
  if (!c::dh(ss.data(), id.private_key.data(), m + 12)) return false;
  mix_key(ck, ss.data(), 32);
  c::kdf(ck.data(), tau.data(), k.data(), b(ck), b(hs.preshared_key));
  mix_hash(h, tau.data(), 32);
  std::uint8_t nothing[1];
  if (!c::aead_open(nothing, k.data(), 0, b(m + 44, 16), b(h))) return false;
  mix_hash(h, m + 44, 16);

  hs.chain_key = ck;
  hs.hash = h;
  hs.remote_index = load_le32(m + 4);
  hs.state = HandshakeState::response_consumed;
  return true;
}

void derive_transport_keys(Handshake& hs, bool initiator, Key32& send_key, Key32& recv_key) {
  Key32 t1{};
  Key32 t2{};
  c::kdf(t1.data(), t2.data(), nullptr, b(hs.chain_key), {});
  if (initiator) {
    send_key = t1;
    recv_key = t2;
  } else {
    send_key = t2;
    recv_key = t1;
  }
  c::wipe(t1.data(), 32);
  c::wipe(t2.data(), 32);
  const std::uint32_t keep_local = hs.local_index;
  const std::uint32_t keep_remote = hs.remote_index;
  hs.clear();
  hs.local_index = keep_local;
  hs.remote_index = keep_remote;
}

}  // namespace wl::wg::noise
