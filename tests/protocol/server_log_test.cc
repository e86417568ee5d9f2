// provider/base/log: hclog-style JSON lines on stderr (captured through a pipe).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <regex>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "provider/base/log.h"

namespace prov::log {
namespace {

// Runs `fn` with fd 2 redirected into a pipe and returns what it wrote.
template <class Fn>
std::string CaptureStderr(Fn fn) {
  int p[2];
  EXPECT_EQ(pipe(p), 0);
  std::fflush(stderr);
  int saved = dup(2);
  dup2(p[1], 2);
  close(p[1]);
  fn();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::string out;
  char buf[4096];
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(p[0]);
  return out;
}

class ServerLogTest : public ::testing::Test {
 protected:
  void TearDown() override { SetLevel(Level::kWarn); }
};

TEST_F(ServerLogTest, WritesHclogJsonLine) {
  SetLevel(Level::kTrace);
  std::string out = CaptureStderr([] {
    Debug("Received request", {{"tf_rpc", "PlanResourceChange"}, {"tf_req_id", "00ab"}});
  });
  ASSERT_FALSE(out.empty());
  ASSERT_EQ(out.back(), '\n');
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j.at("@level"), "debug");
  EXPECT_EQ(j.at("@message"), "Received request");
  EXPECT_EQ(j.at("@module"), "provider");
  EXPECT_EQ(j.at("tf_rpc"), "PlanResourceChange");
  EXPECT_EQ(j.at("tf_req_id"), "00ab");
  const std::string ts = j.at("@timestamp");
  EXPECT_TRUE(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)"))) << ts;
}

TEST_F(ServerLogTest, FiltersByLevelAndEscapes) {
  SetLevel(Level::kWarn);
  std::string out = CaptureStderr([] {
    Info("hidden");
    Warn("quote \" and newline \n", {{"k", "v\"1"}});
  });
  EXPECT_EQ(out.find("hidden"), std::string::npos);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j.at("@level"), "warn");
  EXPECT_EQ(j.at("@message"), "quote \" and newline \n");
  EXPECT_EQ(j.at("k"), "v\"1");
  SetLevel(Level::kOff);
  EXPECT_TRUE(CaptureStderr([] { Error("nothing"); }).empty());
}

TEST_F(ServerLogTest, LevelFromEnvironment) {
  setenv("TF_LOG_PROVIDER", "debug", 1);
  setenv("TF_LOG", "error", 1);
  InitFromEnvironment();
  EXPECT_EQ(CurrentLevel(), Level::kDebug);
  unsetenv("TF_LOG_PROVIDER");
  InitFromEnvironment();
  EXPECT_EQ(CurrentLevel(), Level::kError);
  setenv("TF_LOG", "JSON", 1);
  InitFromEnvironment();
  EXPECT_EQ(CurrentLevel(), Level::kTrace);
  unsetenv("TF_LOG");
  InitFromEnvironment();
  EXPECT_EQ(CurrentLevel(), Level::kWarn);
}

TEST_F(ServerLogTest, RedactKeepsOnlyEdgesOfLongIdentifiers) {
  EXPECT_EQ(Redact("AKIAABCDEFGHIJKLXYZ1"), "AKIA****XYZ1");
  EXPECT_EQ(Redact("short"), "<redacted>");
  EXPECT_EQ(Redact(""), "<redacted>");
}

}  // namespace
}  // namespace prov::log
