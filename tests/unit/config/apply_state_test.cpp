// Commit-confirm state on disk: what begin_apply, confirm_apply and restore_last_good leave
// behind, the deadline decision, a restart inside the window (state read back from disk), and
// a restore repeated after a crash half way.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "wirelink/agent/apply_state.hpp"

using namespace wl;
using namespace wl::agent;

namespace {

class ApplyStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wl-apply-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    file_ = dir_ + "/wirelink.wg0.json";
    write(file_, "old\n");
    ::chmod(file_.c_str(), 0640);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static void write(const std::string& p, const std::string& s) { std::ofstream(p) << s; }
  static std::string read(const std::string& p) {
    std::ifstream in(p);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static bool exists(const std::string& p) { return std::filesystem::exists(p); }
  static unsigned mode(const std::string& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
  }

  std::string dir_, file_;
};

}  // namespace

TEST(ApplyState, PendingRecordRoundTripsAndRejectsGarbage) {
  auto p = parse_pending(render_pending({1700000060}));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->deadline_unix, 1700000060);
  EXPECT_FALSE(parse_pending(""));
  EXPECT_FALSE(parse_pending("deadline "));
  EXPECT_FALSE(parse_pending("deadline 12x"));
  EXPECT_FALSE(parse_pending("deadline -5"));
  EXPECT_FALSE(parse_pending("until 5"));
}

TEST(ApplyState, StepFollowsTheDeadline) {
  EXPECT_EQ(confirm_step(std::nullopt, 100), ConfirmStep::idle);
  EXPECT_EQ(confirm_step(PendingApply{160}, 159), ConfirmStep::waiting);
  EXPECT_EQ(confirm_step(PendingApply{160}, 160), ConfirmStep::restore);
  EXPECT_EQ(confirm_step(PendingApply{160}, 1000), ConfirmStep::restore);
}

TEST_F(ApplyStateTest, ApplyWithWindowKeepsLastGoodAndRecordsTheDeadline) {
  ASSERT_TRUE(begin_apply(file_, "new\n", 60, 1000));
  EXPECT_EQ(read(file_), "new\n");
  EXPECT_EQ(mode(file_), 0640u);  // the file's mode is kept
  EXPECT_EQ(read(last_good_path(file_)), "old\n");
  auto p = read_pending(file_);  // as an agent started inside the window reads it
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->has_value());
  EXPECT_EQ((*p)->deadline_unix, 1060);
  EXPECT_EQ(confirm_step(*p, 1059), ConfirmStep::waiting);
  EXPECT_FALSE(exists(file_ + ".tmp"));
}

TEST_F(ApplyStateTest, NoConfirmRestoresTheOldFile) {
  ASSERT_TRUE(begin_apply(file_, "new\n", 5, 1000));
  ASSERT_TRUE(restore_last_good(file_));
  EXPECT_EQ(read(file_), "old\n");
  EXPECT_FALSE(exists(pending_path(file_)));
  EXPECT_FALSE(exists(last_good_path(file_)));
  auto p = read_pending(file_);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->has_value());
}

TEST_F(ApplyStateTest, ConfirmKeepsTheNewFile) {
  ASSERT_TRUE(begin_apply(file_, "new\n", 5, 1000));
  auto c = confirm_apply(file_);
  ASSERT_TRUE(c);
  EXPECT_TRUE(*c);
  EXPECT_EQ(read(file_), "new\n");
  EXPECT_FALSE(exists(pending_path(file_)));
  EXPECT_FALSE(exists(last_good_path(file_)));
  auto again = confirm_apply(file_);  // nothing pending any more
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

TEST_F(ApplyStateTest, SecondApplyInsideTheWindowKeepsTheFirstLastGood) {
  ASSERT_TRUE(begin_apply(file_, "new\n", 5, 1000));
  ASSERT_TRUE(begin_apply(file_, "newer\n", 5, 1002));
  EXPECT_EQ(read(last_good_path(file_)), "old\n");
  ASSERT_TRUE(restore_last_good(file_));
  EXPECT_EQ(read(file_), "old\n");
}

TEST_F(ApplyStateTest, PlainApplyIsFinal) {
  ASSERT_TRUE(begin_apply(file_, "new\n", 5, 1000));
  ASSERT_TRUE(begin_apply(file_, "plain\n", 0, 1001));
  EXPECT_EQ(read(file_), "plain\n");
  EXPECT_FALSE(exists(pending_path(file_)));
  EXPECT_FALSE(exists(last_good_path(file_)));
}

TEST_F(ApplyStateTest, RestoreRepeatedAfterACrashGivesTheSameResult) {
  ASSERT_TRUE(begin_apply(file_, "new\n", 5, 1000));
  // A crash after the old contents went back but before the record was removed.
  write(file_, "old\n");
  ASSERT_TRUE(restore_last_good(file_));
  EXPECT_EQ(read(file_), "old\n");
  EXPECT_FALSE(exists(pending_path(file_)));
}

TEST_F(ApplyStateTest, WindowWithoutACurrentFileIsRefused) {
  std::filesystem::remove(file_);
  EXPECT_FALSE(begin_apply(file_, "new\n", 5, 1000));
  EXPECT_FALSE(exists(file_));
  EXPECT_FALSE(exists(pending_path(file_)));
}

TEST_F(ApplyStateTest, CorruptRecordIsAnError) {
  write(pending_path(file_), "garbage");
  EXPECT_FALSE(read_pending(file_));
}

TEST_F(ApplyStateTest, AgentTickRestoresOnlyAfterTheDeadline) {
  ASSERT_TRUE(begin_apply(file_, "new\n", 5, 1000));
  auto early = restore_if_expired(file_, 1004);
  ASSERT_TRUE(early);
  EXPECT_FALSE(*early);
  EXPECT_EQ(read(file_), "new\n");
  auto late = restore_if_expired(file_, 1005);
  ASSERT_TRUE(late);
  EXPECT_TRUE(*late);
  EXPECT_EQ(read(file_), "old\n");
  auto after = restore_if_expired(file_, 2000);  // once only
  ASSERT_TRUE(after);
  EXPECT_FALSE(*after);
}

TEST(ApplyState, WindowSpellings) {
  EXPECT_EQ(*parse_window("60s"), 60);
  EXPECT_EQ(*parse_window("90"), 90);
  EXPECT_EQ(*parse_window("5m"), 300);
  EXPECT_EQ(*parse_window("24h"), 86400);
  for (const char* bad : {"", "0", "-5s", "5x", "25h", "s", "1.5m"})
    EXPECT_FALSE(parse_window(bad)) << bad;
}
