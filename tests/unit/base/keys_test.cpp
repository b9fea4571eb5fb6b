#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "wirelink/base/encoding.hpp"
#include "wirelink/base/errors.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/base/secret_file.hpp"

namespace wl {
namespace {

TEST(LinkLocal, ReferenceVector) {
  auto k = PublicKey::parse("6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38GhE=");
  ASSERT_TRUE(k);
  EXPECT_EQ(link_local_for(*k).to_string(), "fe80::afec:ee83:716b:51ac");
}

// Second, independent SHA-1 source: the openssl command-line tool.
std::string openssl_sha1_hex(const std::array<std::uint8_t, 32>& bytes) {
  const auto path =
      std::filesystem::temp_directory_path() / ("wl-ll-" + std::to_string(::getpid()));
  {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), 32);
  }
  std::string cmd = "openssl dgst -sha1 -r " + path.string();
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[128] = {};
  std::string out;
  if (p != nullptr) {
    if (std::fgets(buf, sizeof buf, p) != nullptr) out = buf;
    ::pclose(p);
  }
  std::filesystem::remove(path);
  return out.substr(0, 40);
}

TEST(LinkLocal, MatchesOpensslForRandomKeys) {
  for (int i = 0; i < 8; ++i) {
    const PublicKey pub = public_key_of(generate_private_key());
    const std::string digest = openssl_sha1_hex(pub.bytes());
    ASSERT_EQ(digest.size(), 40u) << "openssl dgst must be installed";
    // fe80:: + first 8 digest bytes, written as four 16-bit groups.
    std::array<std::uint8_t, 16> expect{};
    expect[0] = 0xfe;
    expect[1] = 0x80;
    auto bytes = *hex_decode(digest.substr(0, 16));
    for (int j = 0; j < 8; ++j) expect[8 + j] = bytes[j];
    EXPECT_EQ(link_local_for(pub), IpAddress::v6(expect)) << pub.to_base64();
  }
}

TEST(Keys, X25519BasePointVectorRfc7748) {
  auto priv = parse_private_key(base64_encode(
      *hex_decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")));
  ASSERT_TRUE(priv);
  EXPECT_EQ(hex_encode(public_key_of(*priv).bytes()),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
}

TEST(Keys, GeneratedKeysAreClampedAndDistinct) {
  auto a = generate_private_key();
  auto b = generate_private_key();
  EXPECT_FALSE(a.equals(b));
  EXPECT_EQ(a.data()[0] & 7, 0);
  EXPECT_EQ(a.data()[31] & 0x80, 0);
  EXPECT_EQ(a.data()[31] & 0x40, 0x40);
  auto text = private_key_to_base64(a);
  auto back = parse_private_key(text);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->equals(a));
}

TEST(Keys, ParseErrorsNeverEchoPrivateText) {
  auto r = parse_private_key("secretsecretsecret");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail.find("secretsecret"), std::string::npos);
  EXPECT_EQ(r.error().code, make_error_code(errc::invalid_key));
}

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("wl-secret-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    auto p = (dir_ / name).string();
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  std::filesystem::path dir_;
};

TEST_F(SecretFileTest, AcceptsOwnerOnly) {
  auto k = generate_private_key();
  auto p = write("ok.key", private_key_to_base64(k) + "\n", 0600);
  auto r = read_private_key_file(p);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_TRUE(r->equals(k));
}

TEST_F(SecretFileTest, RejectsGroupOrOtherReadable) {
  auto k = generate_private_key();
  for (mode_t mode : {0640, 0604, 0644, 0660}) {
    auto p = write("bad.key", private_key_to_base64(k), mode);
    auto r = read_private_key_file(p);
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_EQ(r.error().code, make_error_code(errc::insecure_permissions));
    EXPECT_NE(r.error().detail.find(p), std::string::npos);
    EXPECT_FALSE(check_secret_file_permissions(p));
  }
}

// The agents run as an unprivileged service user that owns its (staged) key: a key owned by
// another user than root, 0600, is accepted by that user; group or other access is still refused.
TEST_F(SecretFileTest, KeyOwnedByTheServiceUserIsAcceptedOnlyOwnerOnly) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the key to another user";
  constexpr uid_t kUser = 65534;  // stands in for the service user
  auto k = generate_private_key();
  ::chmod(dir_.c_str(), 0755);
  auto p = write("svc.key", private_key_to_base64(k) + "\n", 0600);
  ASSERT_EQ(::chown(p.c_str(), kUser, kUser), 0);
  // Read as that user, in a child that drops to it.
  auto read_as_user = [&] {
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (::setgid(kUser) != 0 || ::setuid(kUser) != 0) ::_exit(2);
      auto r = read_private_key_file(p);
      ::_exit(r && r->equals(k) ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_TRUE(check_secret_file_permissions(p));
  EXPECT_EQ(read_as_user(), 0);
  for (mode_t mode : {0640, 0604}) {
    ::chmod(p.c_str(), mode);
    EXPECT_FALSE(check_secret_file_permissions(p)) << std::oct << mode;
    EXPECT_EQ(read_as_user(), 1) << std::oct << mode;
  }
}

TEST_F(SecretFileTest, RejectsMissingAndGarbage) {
  EXPECT_FALSE(read_private_key_file((dir_ / "absent").string()));
  auto p = write("garbage.key", "not a key", 0600);
  auto r = read_private_key_file(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::invalid_key));
}

TEST_F(SecretFileTest, TextFileIsTrimmedAndPermissionChecked) {
  auto p = write("invite", "  wlinv1.abc\n\n", 0600);
  auto r = read_secret_text_file(p);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, "wlinv1.abc");
  auto q = write("invite-open", "wlinv1.abc\n", 0644);
  auto bad = read_secret_text_file(q);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, make_error_code(errc::insecure_permissions));
  EXPECT_NE(bad.error().detail.find("chmod 600"), std::string::npos);
  EXPECT_FALSE(read_secret_text_file((dir_ / "absent").string()));
}

}  // namespace
}  // namespace wl
