// Per-interface forwarding against a fake /proc/sys in a temporary directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "wirelink/agent/exit/iface_forwarding.hpp"

namespace wl::agent::exit {
namespace {

namespace fs = std::filesystem;

class IfaceForwardingTest : public ::testing::Test {
 protected:
  IfaceForwardingTest() {
    root = fs::temp_directory_path() /
           ("wl-fwd-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    for (const char* f : {"net/ipv4/conf/wg0/forwarding", "net/ipv6/conf/wg0/forwarding",
                          "net/ipv4/conf/eth0/forwarding", "net/ipv6/conf/eth0/forwarding",
                          "net/ipv6/conf/all/forwarding", "net/ipv4/conf/all/forwarding"})
      write(f, "0");
    write("net/ipv6/conf/eth0/forwarding", "1");
  }
  ~IfaceForwardingTest() override { fs::remove_all(root); }

  void write(const std::string& rel, const std::string& v) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << v << '\n';
  }
  std::string read(const std::string& rel) {
    std::string v;
    std::ifstream f(root / rel);
    std::getline(f, v);
    return v;
  }

  fs::path root;
};

TEST_F(IfaceForwardingTest, EnablesNamedInterfacesOnlyAndRestores) {
  {
    IfaceForwarding f(root.string());
    ASSERT_TRUE(f.enable({"wg0", "eth0"}, true));
    EXPECT_EQ(read("net/ipv4/conf/wg0/forwarding"), "1");
    EXPECT_EQ(read("net/ipv6/conf/wg0/forwarding"), "1");
    EXPECT_EQ(read("net/ipv4/conf/eth0/forwarding"), "1");
    EXPECT_EQ(read("net/ipv6/conf/all/forwarding"), "1");
    EXPECT_EQ(read("net/ipv4/conf/all/forwarding"), "0");  // never the global IPv4 switch
    EXPECT_EQ(f.switched_on(), (std::vector<std::string>{"wg0", "eth0"}));
    EXPECT_TRUE(f.switched_v6_all());
  }
  EXPECT_EQ(read("net/ipv4/conf/wg0/forwarding"), "0");
  EXPECT_EQ(read("net/ipv6/conf/wg0/forwarding"), "0");
  EXPECT_EQ(read("net/ipv4/conf/eth0/forwarding"), "0");
  EXPECT_EQ(read("net/ipv6/conf/eth0/forwarding"), "1");  // was on before: left on
  EXPECT_EQ(read("net/ipv6/conf/all/forwarding"), "0");
}

TEST_F(IfaceForwardingTest, AMissingInterfaceFailsAndUndoesWhatItWrote) {
  IfaceForwarding f(root.string());
  EXPECT_FALSE(f.enable({"wg0", "nosuch0"}, false));
  EXPECT_EQ(read("net/ipv4/conf/wg0/forwarding"), "0");
  EXPECT_FALSE(f.enable({"bad/../name"}, false));
}

}  // namespace
}  // namespace wl::agent::exit
