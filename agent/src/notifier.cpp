#include <systemd/sd-daemon.h>

#include "wirelink/agent/notifier.hpp"

namespace wl::agent {

namespace {
class SystemdNotifier final : public Notifier {
 public:
  void ready(const std::string& s) override { ::sd_notifyf(0, "READY=1\nSTATUS=%s", s.c_str()); }
  void status(const std::string& s) override { ::sd_notifyf(0, "STATUS=%s", s.c_str()); }
  void stopping() override { ::sd_notify(0, "STOPPING=1"); }
  void reloading() override { ::sd_notify(0, "RELOADING=1"); }
  void watchdog() override { ::sd_notify(0, "WATCHDOG=1"); }
  std::optional<std::chrono::microseconds> watchdog_interval() const override {
    std::uint64_t usec = 0;
    if (::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
    return std::nullopt;
  }
};
}  // namespace

std::unique_ptr<Notifier> make_systemd_notifier() {
  return std::make_unique<SystemdNotifier>();
}

}  // namespace wl::agent
