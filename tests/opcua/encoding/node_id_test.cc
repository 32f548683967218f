#include "opcua/encoding/node_id.h"

#include <gtest/gtest.h>

#include <string>

#include "encoding_test_util.h"

namespace mw::opcua {
namespace {

using testing::Bytes;
using testing::DecodeAll;
using testing::EncodeToString;

std::string Encode(const NodeId& id) { return EncodeToString(id, EncodeNodeId); }
std::string Encode(const ExpandedNodeId& id) { return EncodeToString(id, EncodeExpandedNodeId); }

const Guid kSpecGuid{0x72962B91, 0xFA75, 0x4AE6, {0x8D, 0x28, 0xB4, 0x04, 0xDC, 0x7D, 0xAF, 0x3F}};

TEST(NodeIdEncoding, UsesTwoByteFormForSmallNamespaceZeroIds) {
  // OPC 10000-6, 5.2.2.9: i=72 -> 00 48.
  EXPECT_EQ(Encode(NodeId::Numeric(0, 72)), Bytes({0x00, 0x48}));
}

TEST(NodeIdEncoding, UsesFourByteFormForSmallNamespaceAndId) {
  // OPC 10000-6, 5.2.2.9: ns=5;i=1025 -> 01 05 01 04.
  EXPECT_EQ(Encode(NodeId::Numeric(5, 1025)), Bytes({0x01, 0x05, 0x01, 0x04}));
  EXPECT_EQ(Encode(NodeId::Numeric(0, 256)), Bytes({0x01, 0x00, 0x00, 0x01}));
}

TEST(NodeIdEncoding, UsesFullNumericFormOtherwise) {
  EXPECT_EQ(Encode(NodeId::Numeric(1, 70000)), Bytes({0x02, 0x01, 0x00, 0x70, 0x11, 0x01, 0x00}));
  EXPECT_EQ(Encode(NodeId::Numeric(256, 1)), Bytes({0x02, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00}));
}

TEST(NodeIdEncoding, EncodesStringIdentifierAsUtf8) {
  // OPC 10000-6, 5.2.2.9: ns=1;s=Hot<water> with the CJK character U+6C34.
  EXPECT_EQ(Encode(NodeId::StringId(1, "Hot\xE6\xB0\xB4")),
            Bytes({0x03, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x48, 0x6F, 0x74, 0xE6, 0xB0, 0xB4}));
}

TEST(NodeIdEncoding, EncodesGuidAndOpaqueIdentifiers) {
  EXPECT_EQ(Encode(NodeId::GuidId(4, kSpecGuid)),
            Bytes({0x04, 0x04, 0x00, 0x91, 0x2B, 0x96, 0x72, 0x75, 0xFA, 0xE6, 0x4A, 0x8D, 0x28, 0xB4, 0x04,
                   0xDC, 0x7D, 0xAF, 0x3F}));
  EXPECT_EQ(Encode(NodeId::Opaque(2, "\x01\x02")),
            Bytes({0x05, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x02}));
}

TEST(NodeIdEncoding, RoundTripsEveryForm) {
  for (const NodeId& id :
       {NodeId::Numeric(0, 0), NodeId::Numeric(0, 255), NodeId::Numeric(255, 65535),
        NodeId::Numeric(65535, 4294967295U), NodeId::StringId(3, ""), NodeId::StringId(3, "a;b"),
        NodeId::GuidId(0, kSpecGuid), NodeId::Opaque(9, std::string("\0\xFF", 2))}) {
    NodeId back;
    ASSERT_TRUE(DecodeAll(Encode(id), back, DecodeNodeId).ok()) << ToString(id);
    EXPECT_EQ(back, id) << ToString(id);
  }
}

TEST(NodeIdDecoding, AcceptsNonMinimalForms) {
  NodeId id;
  ASSERT_TRUE(DecodeAll(Bytes({0x02, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00}), id, DecodeNodeId).ok());
  EXPECT_EQ(id, NodeId::Numeric(0, 72));
}

TEST(NodeIdDecoding, RejectsExpandedFlagsAndUnknownForms) {
  NodeId id;
  Status s = DecodeAll(Bytes({0x80, 0x01}), id, DecodeNodeId);
  EXPECT_EQ(s.code(), mw::StatusCode::kCorruption);
  EXPECT_NE(s.message().find("ExpandedNodeId flags at offset 0"), std::string::npos);
  s = DecodeAll(Bytes({0x06, 0x00}), id, DecodeNodeId);
  EXPECT_EQ(s.message(), "unknown NodeId encoding 6 at offset 0");
}

TEST(NodeIdDecoding, ReportsTruncatedIdentifiers) {
  NodeId id;
  EXPECT_EQ(DecodeAll(Bytes({0x01, 0x05, 0x01}), id, DecodeNodeId).code(), mw::StatusCode::kCorruption);
  EXPECT_EQ(DecodeAll(Bytes({0x04, 0x00, 0x00, 1, 2, 3}), id, DecodeNodeId).code(),
            mw::StatusCode::kCorruption);
  EXPECT_EQ(DecodeAll(Bytes({0x03, 0x00, 0x00, 9, 0, 0, 0, 'a'}), id, DecodeNodeId).code(),
            mw::StatusCode::kCorruption);
}

TEST(ExpandedNodeIdEncoding, SetsUriAndServerIndexFlags) {
  ExpandedNodeId id;
  id.node_id = NodeId::Numeric(0, 5);
  id.namespace_uri = "u";
  id.server_index = 2;
  EXPECT_EQ(Encode(id), Bytes({0xC0, 0x05, 0x01, 0x00, 0x00, 0x00, 'u', 0x02, 0x00, 0x00, 0x00}));
  ExpandedNodeId back;
  ASSERT_TRUE(DecodeAll(Encode(id), back, DecodeExpandedNodeId).ok());
  EXPECT_EQ(back, id);
  ExpandedNodeId plain;
  plain.node_id = NodeId::StringId(1, "x");
  EXPECT_EQ(Encode(plain), Bytes({0x03, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 'x'}));
}

TEST(NodeIdText, PrintsAllIdentifierTypes) {
  EXPECT_EQ(ToString(NodeId::Numeric(0, 2258)), "i=2258");
  EXPECT_EQ(ToString(NodeId::StringId(1, "Device.Temp")), "ns=1;s=Device.Temp");
  EXPECT_EQ(ToString(NodeId::GuidId(2, kSpecGuid)), "ns=2;g=72962b91-fa75-4ae6-8d28-b404dc7daf3f");
  EXPECT_EQ(ToString(NodeId::Opaque(1, "hello")), "ns=1;b=aGVsbG8=");
}

TEST(NodeIdText, ParsesAllIdentifierTypes) {
  EXPECT_EQ(*ParseNodeId("i=2258"), NodeId::Numeric(0, 2258));
  EXPECT_EQ(*ParseNodeId("ns=1;s=Device.Temp"), NodeId::StringId(1, "Device.Temp"));
  EXPECT_EQ(*ParseNodeId("ns=1;s=a;b=c"), NodeId::StringId(1, "a;b=c"));
  Result<NodeId> guid = ParseNodeId("ns=2;g=09087e75-8e5e-499b-954f-f2a9603db28a");
  ASSERT_TRUE(guid.ok());
  EXPECT_EQ(guid->guid.data1, 0x09087e75U);
  EXPECT_EQ(guid->guid.data4[7], 0x8a);
  EXPECT_EQ(ToString(*guid), "ns=2;g=09087e75-8e5e-499b-954f-f2a9603db28a");
  EXPECT_EQ(*ParseNodeId("ns=2;g=72962B91-FA75-4AE6-8D28-B404DC7DAF3F"), NodeId::GuidId(2, kSpecGuid));
  EXPECT_EQ(*ParseNodeId("ns=1;b=aGVsbG8="), NodeId::Opaque(1, "hello"));
  EXPECT_EQ(*ParseNodeId("b="), NodeId::Opaque(0, ""));
}

TEST(NodeIdText, ErrorsQuoteTheOffendingText) {
  const auto message = [](std::string_view text) { return ParseNodeId(text).status().message(); };
  EXPECT_EQ(message("ns=x;i=1"), "NodeId \"ns=x;i=1\": namespace index \"x\" is not a number 0..65535");
  EXPECT_EQ(message("ns=70000;i=1"),
            "NodeId \"ns=70000;i=1\": namespace index \"70000\" is not a number 0..65535");
  EXPECT_EQ(message("i=12a"), "NodeId \"i=12a\": numeric identifier \"12a\" is not a number 0..4294967295");
  EXPECT_EQ(message("i=4294967296"),
            "NodeId \"i=4294967296\": numeric identifier \"4294967296\" is not a number 0..4294967295");
  EXPECT_EQ(message("x=1"), "NodeId \"x=1\": unknown identifier type \"x=\"");
  EXPECT_EQ(message(""), "NodeId \"\": expected i=, s=, g= or b= at \"\"");
  EXPECT_EQ(message("g=1234"), "NodeId \"g=1234\": Guid \"1234\" is not 8-4-4-4-12 hex digits");
  EXPECT_EQ(message("b=abc"), "NodeId \"b=abc\": bad base64 \"abc\"");
  EXPECT_EQ(ParseNodeId("i=5").status().code(), mw::StatusCode::kOk);
  EXPECT_EQ(ParseNodeId("i=-1").status().code(), mw::StatusCode::kInvalidArgument);
}

TEST(ExpandedNodeIdText, ParsesAndPrintsUriAndServer) {
  Result<ExpandedNodeId> id = ParseExpandedNodeId("svr=1;nsu=http://acme.com/plant;i=5");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->server_index, 1U);
  EXPECT_EQ(id->namespace_uri, "http://acme.com/plant");
  EXPECT_EQ(id->node_id, NodeId::Numeric(0, 5));
  EXPECT_EQ(ToString(*id), "svr=1;nsu=http://acme.com/plant;i=5");

  Result<ExpandedNodeId> local = ParseExpandedNodeId("ns=3;s=Pump1");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->node_id, NodeId::StringId(3, "Pump1"));
  EXPECT_EQ(ToString(*local), "ns=3;s=Pump1");
}

TEST(ExpandedNodeIdText, EscapesSemicolonsInUris) {
  ExpandedNodeId id;
  id.namespace_uri = "urn:a;b%c";
  id.node_id = NodeId::StringId(0, "x");
  EXPECT_EQ(ToString(id), "nsu=urn:a%3Bb%25c;s=x");
  EXPECT_EQ(*ParseExpandedNodeId(ToString(id)), id);
  EXPECT_EQ(ParseExpandedNodeId("nsu=a%zz;i=1").status().message(),
            "NodeId \"nsu=a%zz;i=1\": bad escape in namespace URI \"a%zz\"");
  EXPECT_EQ(ParseExpandedNodeId("svr=q;i=1").status().message(),
            "NodeId \"svr=q;i=1\": server index \"q\" is not a number 0..4294967295");
}

TEST(Base64, RoundTripsAllPaddingLengths) {
  for (const std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    Result<std::string> back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(Base64Decode("Zm=v").ok());
  EXPECT_FALSE(Base64Decode("Z===").ok());
}

}  // namespace
}  // namespace mw::opcua
