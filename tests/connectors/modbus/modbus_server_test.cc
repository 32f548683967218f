// The Modbus TCP server of the twins, driven by a plain libmodbus client: the bank and its setters,
// refusal, client writes, several clients, restart on the same port, and outages.
#include "connectors/modbus/modbus_server.h"

#include <gtest/gtest.h>
#include <modbus.h>

#include <cerrno>
#include <memory>

namespace mw::connectors::modbus {
namespace {

// A libmodbus TCP client of 127.0.0.1:<port>.
class Client {
 public:
  explicit Client(int port) : ctx_(modbus_new_tcp("127.0.0.1", port)) {
    modbus_set_response_timeout(ctx_, 1, 0);
    connected_ = modbus_connect(ctx_) == 0;
  }
  ~Client() {
    modbus_close(ctx_);
    modbus_free(ctx_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  modbus_t* ctx() { return ctx_; }

  // Registers, or empty with `error` set.
  std::vector<std::uint16_t> Read(Table table, int address, int count, int* error = nullptr) {
    std::vector<std::uint16_t> out(static_cast<std::size_t>(count));
    const int rc = table == Table::kHolding ? modbus_read_registers(ctx_, address, count, out.data())
                                            : modbus_read_input_registers(ctx_, address, count, out.data());
    if (error) *error = rc < 0 ? errno : 0;
    if (rc != count) out.clear();
    return out;
  }
  int ReadError(Table table, int address, int count) {
    int error = 0;
    Read(table, address, count, &error);
    return error;
  }

 private:
  modbus_t* ctx_;
  bool connected_ = false;
};

class ModbusServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    ASSERT_NE(server_.port(), 0);
  }
  ModbusServer server_;
};

TEST_F(ModbusServerTest, ServesTheBankWrittenByTheSetters) {
  Client c(server_.port());
  ASSERT_TRUE(c.connected());
  const std::uint16_t words[] = {1, 2, 3};
  ASSERT_TRUE(server_.SetRegisters(Table::kHolding, 10, words).ok());
  EXPECT_EQ(c.Read(Table::kHolding, 10, 3), (std::vector<std::uint16_t>{1, 2, 3}));
  EXPECT_EQ(c.Read(Table::kInput, 10, 3), (std::vector<std::uint16_t>{0, 0, 0}));  // tables are apart

  ASSERT_TRUE(server_.SetFloat32(Table::kInput, 0, 1.5f, WordOrder::kCdab).ok());
  EXPECT_EQ(c.Read(Table::kInput, 0, 2), (std::vector<std::uint16_t>{0x0000, 0x3FC0}));
  ASSERT_TRUE(server_.SetFloat32(Table::kInput, 2, 1.5f).ok());
  EXPECT_EQ(c.Read(Table::kInput, 2, 2), (std::vector<std::uint16_t>{0x3FC0, 0x0000}));
  ASSERT_TRUE(server_.SetInt32(Table::kHolding, 30, -2).ok());
  EXPECT_EQ(c.Read(Table::kHolding, 30, 2), (std::vector<std::uint16_t>{0xFFFF, 0xFFFE}));
  ASSERT_TRUE(server_.SetInt32(Table::kHolding, 32, -2, WordOrder::kCdab).ok());
  EXPECT_EQ(c.Read(Table::kHolding, 32, 2), (std::vector<std::uint16_t>{0xFFFE, 0xFFFF}));
  ASSERT_TRUE(server_.SetScaled(Table::kHolding, 40, -12.3, 0.1).ok());
  EXPECT_EQ(c.Read(Table::kHolding, 40, 1), (std::vector<std::uint16_t>{static_cast<std::uint16_t>(-123)}));
  ASSERT_TRUE(server_.SetScaled(Table::kHolding, 41, 40, 0.5, -10, ValueType::kUint16).ok());
  EXPECT_EQ(c.Read(Table::kHolding, 41, 1), (std::vector<std::uint16_t>{100}));
  EXPECT_EQ(c.Read(Table::kHolding, 65535, 1), (std::vector<std::uint16_t>{0}));

  ASSERT_TRUE(server_.SetBit(Table::kCoil, 3, true).ok());
  ASSERT_TRUE(server_.SetBit(Table::kDiscrete, 4, true).ok());
  std::uint8_t bits[8] = {};
  ASSERT_EQ(modbus_read_bits(c.ctx(), 0, 8, bits), 8);
  EXPECT_EQ(bits[3], 1);
  EXPECT_EQ(bits[4], 0);
  ASSERT_EQ(modbus_read_input_bits(c.ctx(), 0, 8, bits), 8);
  EXPECT_EQ(bits[3], 0);
  EXPECT_EQ(bits[4], 1);
  EXPECT_GE(server_.requests(), 10u);
  EXPECT_EQ(server_.refusals(), 0u);
}

TEST_F(ModbusServerTest, SetterErrors) {
  const std::uint16_t two[] = {1, 2};
  EXPECT_EQ(server_.SetRegisters(Table::kHolding, 65535, two).code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(server_.SetRegisters(Table::kHolding, 65534, two).ok());
  EXPECT_EQ(server_.SetRegisters(Table::kCoil, 0, two).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server_.SetBit(Table::kHolding, 0, true).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server_.SetScaled(Table::kHolding, 0, 5000, 0.1).code(), StatusCode::kOutOfRange);  // raw 50000
  EXPECT_EQ(server_.SetScaled(Table::kHolding, 0, 1, 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server_.SetFloat32(Table::kInput, 65535, 1.0f).code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(server_.Start().ok());  // already started
}

TEST_F(ModbusServerTest, RefusedAddressesAnswerIllegalDataAddress) {
  Client c(server_.port());
  ASSERT_TRUE(c.connected());
  server_.Refuse(Table::kHolding, 5);
  EXPECT_EQ(c.ReadError(Table::kHolding, 0, 10), EMBXILADD);
  EXPECT_EQ(c.ReadError(Table::kHolding, 5, 1), EMBXILADD);
  EXPECT_EQ(c.ReadError(Table::kHolding, 4, 2), EMBXILADD);
  EXPECT_EQ(c.ReadError(Table::kHolding, 0, 5), 0);
  EXPECT_EQ(c.ReadError(Table::kHolding, 6, 4), 0);
  EXPECT_EQ(c.ReadError(Table::kInput, 0, 10), 0);  // only the holding table refuses 5
  EXPECT_EQ(modbus_write_register(c.ctx(), 5, 1), -1);
  EXPECT_EQ(errno, EMBXILADD);
  EXPECT_EQ(server_.refusals(), 4u);
  // Past the end of the address space is refused by the protocol checks too.
  EXPECT_EQ(c.ReadError(Table::kInput, 65530, 10), EMBXILADD);

  server_.Allow(Table::kHolding, 5);
  EXPECT_EQ(c.ReadError(Table::kHolding, 0, 10), 0);
  server_.Refuse(Table::kInput, 0);
  server_.Refuse(Table::kHolding, 1);
  server_.AllowAll();
  EXPECT_EQ(c.ReadError(Table::kInput, 0, 2), 0);
  EXPECT_EQ(c.ReadError(Table::kHolding, 0, 2), 0);
}

TEST_F(ModbusServerTest, ClientWritesReachTheBank) {
  Client c(server_.port());
  ASSERT_TRUE(c.connected());
  const std::uint16_t words[] = {7, 8};
  ASSERT_EQ(modbus_write_registers(c.ctx(), 100, 2, words), 2);
  EXPECT_EQ(server_.GetRegisters(Table::kHolding, 100, 2), (std::vector<std::uint16_t>{7, 8}));
  ASSERT_EQ(modbus_write_bit(c.ctx(), 9, 1), 1);
  EXPECT_TRUE(server_.GetBit(Table::kCoil, 9));
  EXPECT_FALSE(server_.GetBit(Table::kCoil, 8));
  EXPECT_EQ(server_.GetRegisters(Table::kHolding, 65535, 5).size(), 1u);
}

TEST_F(ModbusServerTest, ServesSeveralClientsAtOnce) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<Client>(server_.port()));
    ASSERT_TRUE(clients.back()->connected());
  }
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
      const std::uint16_t value[] = {static_cast<std::uint16_t>(round * 10 + i)};
      ASSERT_TRUE(server_.SetRegisters(Table::kInput, static_cast<std::uint16_t>(i), value).ok());
      EXPECT_EQ(clients[i]->Read(Table::kInput, static_cast<int>(i), 1),
                (std::vector<std::uint16_t>{value[0]}));
    }
  }
  EXPECT_EQ(server_.connections(), 4u);
}

TEST_F(ModbusServerTest, RestartsOnTheSamePortWithTheSameBank) {
  const int port = server_.port();
  ASSERT_TRUE(server_.SetScaled(Table::kHolding, 0, 12.5, 0.5).ok());
  server_.Stop();
  server_.Stop();  // idempotent
  EXPECT_FALSE(server_.serving());
  EXPECT_FALSE(Client(port).connected());
  ASSERT_TRUE(server_.Start().ok());
  EXPECT_EQ(server_.port(), port);
  Client c(port);
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.Read(Table::kHolding, 0, 1), (std::vector<std::uint16_t>{25}));
}

TEST_F(ModbusServerTest, OutageDropsAndRefusesConnectionsUntilBack) {
  const int port = server_.port();
  Client before(port);
  ASSERT_TRUE(before.connected());
  ASSERT_EQ(before.Read(Table::kHolding, 0, 1).size(), 1u);
  ASSERT_TRUE(server_.SetOffline(true).ok());
  EXPECT_FALSE(server_.serving());
  EXPECT_NE(before.ReadError(Table::kHolding, 0, 1), 0);  // the open connection is gone
  EXPECT_FALSE(Client(port).connected());                 // and new ones are refused
  ASSERT_TRUE(server_.SetOffline(false).ok());
  EXPECT_TRUE(server_.serving());
  Client after(port);
  ASSERT_TRUE(after.connected());
  EXPECT_EQ(after.Read(Table::kHolding, 0, 1).size(), 1u);

  // Offline while stopped is remembered: Start() then waits for SetOffline(false).
  server_.Stop();
  ASSERT_TRUE(server_.SetOffline(true).ok());
  ASSERT_TRUE(server_.Start().ok());
  EXPECT_FALSE(server_.serving());
  ASSERT_TRUE(server_.SetOffline(false).ok());
  EXPECT_TRUE(server_.serving());
  EXPECT_EQ(server_.port(), port);
}

}  // namespace
}  // namespace mw::connectors::modbus
