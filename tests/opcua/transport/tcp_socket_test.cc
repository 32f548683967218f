#include "opcua/transport/tcp_socket.h"

#include <gtest/gtest.h>

#include <chrono>

#include "core/process.h"

namespace mw::opcua {
namespace {

TEST(EndpointUrl, ParsesHostPortAndPath) {
  Result<EndpointAddress> a = ParseEndpointUrl("opc.tcp://127.0.0.1:4841/UA/Server");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 4841);
  EXPECT_EQ(a->path, "/UA/Server");
  Result<EndpointAddress> v6 = ParseEndpointUrl("opc.tcp://[::1]:5000");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 5000);
  Result<EndpointAddress> default_port = ParseEndpointUrl("opc.tcp://plc7");
  ASSERT_TRUE(default_port.ok());
  EXPECT_EQ(default_port->port, 4840);
}

TEST(EndpointUrl, RejectsOtherSchemesAndBadPortsNamingTheUrl) {
  Result<EndpointAddress> http = ParseEndpointUrl("http://x:1");
  ASSERT_FALSE(http.ok());
  EXPECT_NE(http.status().message().find("'http://x:1'"), std::string::npos);
  EXPECT_FALSE(ParseEndpointUrl("opc.tcp://x:0").ok());
  EXPECT_FALSE(ParseEndpointUrl("opc.tcp://x:65536").ok());
  EXPECT_FALSE(ParseEndpointUrl("opc.tcp://x:12a").ok());
  EXPECT_FALSE(ParseEndpointUrl("opc.tcp://:12").ok());
  EXPECT_FALSE(ParseEndpointUrl("opc.tcp://[::1").ok());
}

TEST(TcpSocket, ConnectToAClosedPortFailsNamingThePeer) {
  Result<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  Result<TcpSocket> s = TcpSocket::Connect({"127.0.0.1", *port, ""}, std::chrono::milliseconds(2000));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("127.0.0.1:" + std::to_string(*port)), std::string::npos);
}

}  // namespace
}  // namespace mw::opcua
