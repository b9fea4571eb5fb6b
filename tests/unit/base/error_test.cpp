// Error::message says what was being done and why; categories keep their names and texts.
#include <gtest/gtest.h>

#include <cerrno>

#include "wirelink/base/errors.hpp"
#include "wirelink/base/result.hpp"

namespace {

TEST(ErrorMessage, DetailThenReason) {
  const wl::Error e = wl::make_error(std::errc::address_in_use, "bind [fe80::1%wg0]:51821");
  EXPECT_EQ(e.message(), "bind [fe80::1%wg0]:51821: " +
                             std::make_error_code(std::errc::address_in_use).message());
}

TEST(ErrorMessage, ReasonAloneWithoutDetail) {
  const wl::Error e{std::make_error_code(std::errc::no_such_file_or_directory)};
  EXPECT_EQ(e.message(), std::make_error_code(std::errc::no_such_file_or_directory).message());
}

TEST(ErrorMessage, DetailAloneWithoutCode) {
  const wl::Error e{std::error_code(), "no reason known"};
  EXPECT_EQ(e.message(), "no reason known");
}

TEST(ErrorMessage, OwnCategoryTextIsTheReason) {
  const wl::Error e{wl::errc::invalid_cidr, "10.0.0.0/33"};
  EXPECT_EQ(e.message(), "10.0.0.0/33: invalid CIDR prefix");
}

TEST(ErrorMessage, OsErrorReadsErrno) {
  errno = EACCES;
  const wl::Error e = wl::os_error("open /etc/wirelink/key");
  EXPECT_EQ(e.code, std::errc::permission_denied);
  EXPECT_EQ(e.detail, "open /etc/wirelink/key");
  EXPECT_EQ(e.message(), "open /etc/wirelink/key: " +
                             std::make_error_code(std::errc::permission_denied).message());
}

TEST(ErrorCategory, NameAndTextsAsBefore) {
  EXPECT_STREQ(wl::wl_category().name(), "wirelink");
  EXPECT_EQ(std::error_code(wl::errc::invalid_key).message(),
            "invalid key (expected 44-character base64 of 32 bytes)");
  EXPECT_EQ(std::error_code(wl::errc::unsupported).message(), "not supported");
  EXPECT_EQ(wl::wl_category().message(999), "unknown wirelink error");
}

}  // namespace
