#include "wirelink/agent/exit/iface_forwarding.hpp"

#include <fstream>

#include "wirelink/agent/exit/exit_rules.hpp"

namespace wl::agent::exit {

namespace {

Result<std::string> read_value(const std::string& path) {
  std::ifstream f(path);
  if (!f) return make_error(std::errc::no_such_file_or_directory, path);
  std::string v;
  std::getline(f, v);
  return v;
}

Result<void> write_value(const std::string& path, const std::string& v) {
  std::ofstream f(path, std::ios::trunc);
  if (!f) return make_error(std::errc::permission_denied, path);
  f << v << '\n';
  f.flush();
  if (!f) return make_error(std::errc::io_error, path);
  return {};
}

}  // namespace

Result<void> IfaceForwarding::set(const std::string& rel) {
  const std::string path = root_ + "/" + rel;
  auto before = read_value(path);
  if (!before) return before.error();
  if (*before == "1") return {};  // already on: nothing to put back
  auto w = write_value(path, "1");
  if (!w) return w;
  saved_.emplace_back(path, *before);
  return {};
}

Result<void> IfaceForwarding::enable(const std::vector<std::string>& ifaces, bool ipv6) {
  std::vector<std::string> rel;
  for (const auto& i : ifaces) {
    if (!valid_iface(i)) return make_error(std::errc::invalid_argument, "interface " + i);
    rel.push_back("net/ipv4/conf/" + i + "/forwarding");
    if (ipv6) rel.push_back("net/ipv6/conf/" + i + "/forwarding");
  }
  if (ipv6) rel.emplace_back("net/ipv6/conf/all/forwarding");
  for (const auto& r : rel)
    if (auto s = set(r); !s) {
      restore();
      return s;
    }
  return {};
}

std::vector<std::string> IfaceForwarding::switched_on() const {
  const std::string prefix = root_ + "/net/ipv4/conf/";
  std::vector<std::string> out;
  for (const auto& [path, before] : saved_)
    if (path.rfind(prefix, 0) == 0)
      out.push_back(path.substr(prefix.size(), path.rfind('/') - prefix.size()));
  return out;
}

bool IfaceForwarding::switched_v6_all() const {
  const std::string all = root_ + "/net/ipv6/conf/all/forwarding";
  for (const auto& [path, before] : saved_)
    if (path == all) return true;
  return false;
}

void IfaceForwarding::restore() {
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it)
    (void)write_value(it->first, it->second);
  saved_.clear();
}

}  // namespace wl::agent::exit
