#include "opcua/encoding/status_code_names.h"

#include <gtest/gtest.h>

#include <string>

#include "opcua/encoding/types.h"

namespace mw::opcua {
namespace {

TEST(StatusCodeName, NamesCommonCodes) {
  EXPECT_EQ(StatusCodeName(0x00000000), "Good");
  EXPECT_EQ(StatusCodeName(0x40000000), "Uncertain");
  EXPECT_EQ(StatusCodeName(0x80000000), "Bad");
  EXPECT_EQ(StatusCodeName(0x80340000), "BadNodeIdUnknown");
  EXPECT_EQ(StatusCodeName(0x800A0000), "BadTimeout");
  EXPECT_EQ(StatusCodeName(0x80220000), "BadSecureChannelIdInvalid");
  EXPECT_EQ(StatusCodeName(0x80250000), "BadSessionIdInvalid");
  EXPECT_EQ(StatusCodeName(0x801F0000), "BadUserAccessDenied");
  EXPECT_EQ(StatusCodeName(0x80200000), "BadIdentityTokenInvalid");
  EXPECT_EQ(StatusCodeName(0x801A0000), "BadCertificateUntrusted");
  EXPECT_EQ(StatusCodeName(0x80100000), "BadTooManyOperations");
  EXPECT_EQ(StatusCodeName(0x80790000), "BadNoSubscription");
  EXPECT_EQ(StatusCodeName(0x807A0000), "BadSequenceNumberUnknown");
}

TEST(StatusCodeName, AppendsInfoBitsInHex) {
  EXPECT_EQ(StatusCodeName(0x00000400), "Good (0x00000400)");
  EXPECT_EQ(StatusCodeName(0x408F0480), "UncertainNoCommunicationLastUsableValue (0x408F0480)");
}

TEST(StatusCodeName, PrintsUnknownCodesAsHex) { EXPECT_EQ(StatusCodeName(0x80FF1234), "0x80FF1234"); }

TEST(StatusCodeName, TableHasAtLeastFortyNamesThatRoundTrip) {
  int known = 0;
  for (std::uint32_t sub = 0; sub <= 0xFFFF; ++sub) {
    for (std::uint32_t severity : {0U, 1U, 2U}) {
      const std::uint32_t code = (severity << 30) | (sub << 16);
      const std::string name = StatusCodeName(code);
      if (name.rfind("0x", 0) == 0) continue;
      ++known;
      EXPECT_EQ(StatusCodeFromName(name), code) << name;
    }
  }
  EXPECT_GE(known, 40);
  EXPECT_EQ(StatusCodeFromName("NoSuchCode"), std::nullopt);
}

TEST(UaStatusCode, ClassifiesSeverity) {
  EXPECT_TRUE(UaStatusCode{kGood}.IsGood());
  EXPECT_TRUE(UaStatusCode{0x40920000}.IsUncertain());
  EXPECT_TRUE(UaStatusCode{kBadTimeout}.IsBad());
}

}  // namespace
}  // namespace mw::opcua
