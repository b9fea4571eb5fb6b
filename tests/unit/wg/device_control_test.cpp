// The device's control side over fake TUNs and a fake network: what a UAPI get reports after
// traffic (through the codec and over the socket run() serves), moving the listen port while
// traffic flows, and the interface vanishing under a running device.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "device_pair.hpp"
#include "wirelink/base/unique_fd.hpp"
#include "wirelink/uapi/server_session.hpp"

namespace wgdevtest {
namespace {

// The value of the one `key=` line of a UAPI reply (the pair's devices have one peer each).
std::uint64_t field(const std::string& reply, const std::string& key) {
  const auto at = reply.find("\n" + key + "=");
  if (at == std::string::npos) {
    ADD_FAILURE() << "no " << key << " in " << reply;
    return 0;
  }
  return std::stoull(reply.substr(at + key.size() + 2));
}

// Ping A -> B (120 bytes inside) and pong B -> A (320 bytes inside), handshake first; returns
// once both sides have counted what they sent.
void ping_pong(DevicePair& p) {
  p.a.tun->push({p.a_to_b()});
  ASSERT_EQ(p.b.tun->wait_written(1).size(), 1u);
  p.b.tun->push({p.b_to_a(300)});
  ASSERT_EQ(p.a.tun->wait_written(1).size(), 1u);
  DevicePair::settle(p.a);
  DevicePair::settle(p.b);
}

TEST(DeviceControl, GetReportsTheBytesEachSideSentAndReceived) {
  DevicePair p;
  ping_pong(p);
  wl::uapi::ServerSession sa(*p.a.dev);
  wl::uapi::ServerSession sb(*p.b.dev);
  const std::string ga = sa.feed("get=1\n\n");
  const std::string gb = sb.feed("get=1\n\n");
  // A: initiation 148 + ping (16 + 128 + 16); B: response 92 + pong (16 + 320 + 16).
  EXPECT_EQ(field(ga, "tx_bytes"), 148u + 160u);
  EXPECT_EQ(field(gb, "rx_bytes"), 148u + 160u);
  EXPECT_EQ(field(gb, "tx_bytes"), 92u + 352u);
  EXPECT_EQ(field(ga, "rx_bytes"), 92u + 352u);
  EXPECT_EQ(field(ga, "listen_port"), p.a.endpoint().port());
  EXPECT_NE(ga.find("errno=0\n\n"), std::string::npos);
}

// One request over the device's UAPI socket; the reply up to its blank line.
std::string uapi_request(const std::string& path, const std::string& request) {
  wl::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return "connect failed";
  const timeval guard{20, 0};  // a hang guard, not a timing the result depends on
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size()))
    return "send failed";
  std::string reply;
  char buf[4096];
  while (reply.find("errno=") == std::string::npos || reply.substr(reply.size() - 2) != "\n\n") {
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
  }
  return reply;
}

TEST(DeviceControl, RunServesGetOverTheSocketAndStopEndsIt) {
  DevicePair p;
  ping_pong(p);
  int rc = -1;
  std::thread runner([&] { rc = p.a.dev->run(-1); });
  const std::string reply = uapi_request(p.a.dev->socket_path(), "get=1\n\n");
  p.a.dev->stop();
  runner.join();
  EXPECT_EQ(rc, 0);  // asked to stop: not vanished
  // Timers run now and may add keepalives: at least what the traffic explains.
  EXPECT_GE(field(reply, "tx_bytes"), 148u + 160u);
  EXPECT_GE(field(reply, "rx_bytes"), 92u + 352u);
  EXPECT_EQ(field(reply, "listen_port"), p.a.endpoint().port());
  EXPECT_NE(reply.find("errno=0\n\n"), std::string::npos);
}

TEST(DeviceControl, VanishedInterfaceEndsRunWithStatusOne) {
  DevicePair p;
  int rc = -1;
  std::thread runner([&] { rc = p.b.dev->run(-1); });
  p.b.tun->remove();  // B's TUN thread reads EIO and stops the device
  runner.join();
  EXPECT_EQ(rc, 1);
}

TEST(DeviceControl, NewListenPortTakesOverTheTraffic) {
  DevicePair p;
  ping_pong(p);
  wl::device_model::DeviceConfig move;
  move.listen_port = 51999;
  ASSERT_EQ(p.b.dev->apply(move), 0);
  EXPECT_EQ(p.b.endpoint().port(), 51999);
  wl::device_model::DeviceConfig follow;
  wl::device_model::PeerConfig pc;
  pc.public_key = p.b.pub;
  pc.endpoint = p.b.endpoint();
  follow.peers.push_back(std::move(pc));
  ASSERT_EQ(p.a.dev->apply(follow), 0);

  // B's receive thread switched to the new socket: the session carries on there.
  const Packet again = p.a_to_b(200, 0x5e);
  p.a.tun->push({again});
  const auto at_b = p.b.tun->wait_written(2);
  ASSERT_EQ(at_b.size(), 2u);
  EXPECT_EQ(at_b[1], again);
}

TEST(DeviceControl, ListenPortTakenElsewhereIsRefusedAndTheOldOneKept) {
  DevicePair p;
  const std::uint16_t before = p.b.endpoint().port();
  auto squatter = p.net.bind(p.b.host, 51888);
  ASSERT_TRUE(squatter);
  wl::device_model::DeviceConfig move;
  move.listen_port = 51888;
  EXPECT_EQ(p.b.dev->apply(move), EADDRINUSE);
  EXPECT_EQ(p.b.endpoint().port(), before);
  // Still reachable where it was.
  p.a.tun->push({p.a_to_b()});
  EXPECT_EQ(p.b.tun->wait_written(1).size(), 1u);
}

}  // namespace
}  // namespace wgdevtest
