// The UAPI socket client: one connection per operation, as `wg` does, so a daemon restart
// between cycles is harmless.
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "wirelink/agent/device.hpp"
#include "wirelink/base/errors.hpp"
#include "wirelink/base/unique_fd.hpp"
#include "wirelink/uapi/codec.hpp"

namespace wl::agent {

namespace {

constexpr int kIoTimeoutMs = 2000;
constexpr std::size_t kMaxReply =
    std::size_t{64} * 1024 * 1024;  // 65,536 peers with many allowed IPs

Result<UniqueFd> connect_unix(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return os_error("socket(AF_UNIX)");
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof(sa.sun_path)) return make_error(std::errc::filename_too_long, path);
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    int e = errno;
    // A missing or refused socket means the daemon (and so the device) is gone.
    if (e == ENOENT || e == ECONNREFUSED)
      return make_error(std::errc::no_such_device, "UAPI socket " + path + ": " + std::strerror(e));
    return make_error(std::errc(e), "connect " + path);
  }
  return fd;
}

Result<void> write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error("UAPI write");
    }
    off += static_cast<std::size_t>(n);
  }
  return {};
}

Result<std::string> read_reply(int fd) {
  std::string out;
  char buf[4096];
  while (!uapi::reply_complete(out)) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, kIoTimeoutMs);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return make_error(std::errc::timed_out, "UAPI reply timed out");
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error("UAPI read");
    }
    if (n == 0) return Error{make_error_code(errc::malformed), "UAPI: connection closed mid-reply"};
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > kMaxReply)
      return Error{make_error_code(errc::malformed), "UAPI: reply too large"};
  }
  return out;
}

class UapiDevice final : public WireGuardDevice {
 public:
  explicit UapiDevice(std::string path) : path_(std::move(path)) {}

  Result<device_model::DeviceState> get() override {
    auto fd = connect_unix(path_);
    if (!fd) return fd.error();
    if (auto w = write_all(fd->get(), uapi::encode_get_request()); !w) return w.error();
    auto reply = read_reply(fd->get());
    if (!reply) return reply.error();
    auto st = uapi::decode_get_reply(*reply);
    sodium_memzero(reply->data(), reply->size());  // it held the private key
    return st;
  }

  Result<void> set(const device_model::DeviceConfig& cfg) override {
    auto fd = connect_unix(path_);
    if (!fd) return fd.error();
    std::string req = uapi::encode_set_request(cfg);
    auto w = write_all(fd->get(), req);
    sodium_memzero(req.data(), req.size());
    if (!w) return w.error();
    auto reply = read_reply(fd->get());
    if (!reply) return reply.error();
    return uapi::decode_set_reply(*reply);
  }

  std::string kind() const override { return "uapi"; }

 private:
  std::string path_;
};

}  // namespace

std::string uapi_socket_path(const std::string& iface) {
  return "/var/run/wireguard/" + iface + ".sock";
}

std::unique_ptr<WireGuardDevice> make_uapi_device(std::string socket_path) {
  return std::make_unique<UapiDevice>(std::move(socket_path));
}

bool uapi_socket_answers(const std::string& socket_path) {
  return connect_unix(socket_path).ok();
}

}  // namespace wl::agent
