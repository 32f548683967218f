#include "core/process.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mw {
namespace {

TEST(ChildProcess, ReportsExitCode) {
  auto child = ChildProcess::Spawn({"sh", "-c", "exit 3"});
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  EXPECT_EQ(child->Wait(std::chrono::seconds(5)), 3);
}

TEST(ChildProcess, StopTerminatesAndDestructorReaps) {
  auto child = ChildProcess::Spawn({"sleep", "30"});
  ASSERT_TRUE(child.ok());
  EXPECT_TRUE(child->running());
  EXPECT_EQ(child->Stop(15, std::chrono::seconds(5)), 128 + 15);
  EXPECT_FALSE(child->running());
}

TEST(ChildProcess, MissingProgramIsNotFound) {
  auto child = ChildProcess::Spawn({"no-such-program-mw"});
  EXPECT_EQ(child.status().code(), StatusCode::kNotFound);
}

TEST(FreeLoopbackPort, GivesABindablePortThatWaitForPortSees) {
  auto port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  EXPECT_FALSE(WaitForPort(*port, std::chrono::milliseconds(50)));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(*port));
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  EXPECT_TRUE(WaitForPort(*port, std::chrono::seconds(2)));
  close(fd);
}

}  // namespace
}  // namespace mw
