#include "opcua/services/codec.h"

#include <gtest/gtest.h>

#include <string>

namespace mw::opcua {
namespace {

template <typename T>
std::string Bytes(const T& message) {
  std::string out;
  Encoder e(out);
  EXPECT_TRUE(EncodeMessage(e, message).ok());
  return out;
}

// Encodes, decodes and encodes again: the bytes must not change, and nothing may be left over.
template <typename T>
T RoundTrip(const T& message) {
  const std::string bytes = Bytes(message);
  Decoder d(bytes);
  std::uint32_t type = 0;
  EXPECT_TRUE(PeekMessageType(d, type).ok());
  EXPECT_EQ(type, T::kBinaryEncodingId);
  T back;
  const Status s = Decode(d, back);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(d.AtEnd());
  EXPECT_EQ(Bytes(back), bytes);
  return back;
}

RequestHeader Header() {
  RequestHeader h;
  h.authentication_token = NodeId::Opaque(0, "token");
  h.timestamp = DateTime{133'000'000'000'000'000};
  h.request_handle = 77;
  h.audit_entry_id = std::string("audit");
  h.timeout_hint = 5000;
  return h;
}

TEST(ServicesCodec, ReadRequestHasTheSpecificationsLayout) {
  ReadRequest r;
  r.request_header.request_handle = 7;
  r.request_header.timeout_hint = 1000;
  r.timestamps_to_return = TimestampsToReturn::kBoth;
  ReadValueId id;
  id.node_id = NodeId::StringId(2, "A");
  r.nodes_to_read.push_back(id);
  const std::string expected = std::string(
      "\x01\x00\x77\x02"                  // NodeId i=631, four-byte form
      "\x00\x00"                          // RequestHeader.authenticationToken: null NodeId
      "\x00\x00\x00\x00\x00\x00\x00\x00"  // timestamp
      "\x07\x00\x00\x00"                  // requestHandle 7
      "\x00\x00\x00\x00"                  // returnDiagnostics
      "\xff\xff\xff\xff"                  // auditEntryId: null
      "\xe8\x03\x00\x00"                  // timeoutHint 1000
      "\x00\x00\x00"                      // additionalHeader: null NodeId, no body
      "\x00\x00\x00\x00\x00\x00\x00\x00"  // maxAge 0.0
      "\x02\x00\x00\x00"                  // timestampsToReturn Both
      "\x01\x00\x00\x00"                  // one ReadValueId
      "\x03\x02\x00\x01\x00\x00\x00\x41"  // ns=2;s=A
      "\x0d\x00\x00\x00"                  // attributeId Value
      "\xff\xff\xff\xff"                  // indexRange: null
      "\x00\x00\x00\x00\x00\x00",         // dataEncoding: ns 0, empty name
      71);
  EXPECT_EQ(Bytes(r), expected);
  RoundTrip(r);
}

TEST(ServicesCodec, CreateSubscriptionRequestHasTheSpecificationsLayout) {
  CreateSubscriptionRequest r;
  r.requested_publishing_interval = 100;
  r.requested_lifetime_count = 60;
  r.requested_max_keep_alive_count = 10;
  r.max_notifications_per_publish = 0;
  r.publishing_enabled = true;
  r.priority = 3;
  const std::string bytes = Bytes(r);
  // After i=787 (4 bytes) and the 29-byte empty RequestHeader: the six fields.
  const std::string tail = std::string(
      "\x00\x00\x00\x00\x00\x00\x59\x40"  // 100.0
      "\x3c\x00\x00\x00"                  // 60
      "\x0a\x00\x00\x00"                  // 10
      "\x00\x00\x00\x00"                  // 0
      "\x01"                              // true
      "\x03",                             // priority
      22);
  ASSERT_EQ(bytes.size(), 4 + 29 + 22u);
  EXPECT_EQ(bytes.substr(0, 4), std::string("\x01\x00\x13\x03", 4));
  EXPECT_EQ(bytes.substr(33), tail);
}

TEST(ServicesCodec, PublishResponseCarriesDataChangesThroughExtensionObjects) {
  DataChangeNotification changes;
  MonitoredItemNotification n;
  n.client_handle = 42;
  n.value.value = Variant::Scalar(2.5);
  n.value.status = UaStatusCode{0x40000000};
  changes.monitored_items.push_back(n);
  PublishResponse r;
  r.response_header.request_handle = 9;
  r.subscription_id = 5;
  r.available_sequence_numbers = {3, 4};
  r.more_notifications = true;
  r.notification_message.sequence_number = 4;
  r.notification_message.notification_data.push_back(ToExtensionObject(changes));
  r.results = {UaStatusCode{0}};
  const PublishResponse back = RoundTrip(r);
  ASSERT_EQ(back.notification_message.notification_data.size(), 1u);
  DataChangeNotification decoded;
  ASSERT_TRUE(FromExtensionObject(back.notification_message.notification_data[0], decoded).ok());
  ASSERT_EQ(decoded.monitored_items.size(), 1u);
  EXPECT_EQ(decoded.monitored_items[0].client_handle, 42u);
  EXPECT_EQ(std::get<double>(decoded.monitored_items[0].value.value->values[0]), 2.5);
  StatusChangeNotification wrong;
  EXPECT_FALSE(FromExtensionObject(back.notification_message.notification_data[0], wrong).ok());
}

TEST(ServicesCodec, SessionMessagesRoundTrip) {
  CreateSessionResponse created;
  created.session_id = NodeId::Numeric(1, 99);
  created.authentication_token = NodeId::GuidId(0, Guid{1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}});
  created.revised_session_timeout = 60000;
  created.server_nonce.bytes = std::string(32, 'n');
  EndpointDescription endpoint;
  endpoint.endpoint_url = std::string("opc.tcp://h:4840/");
  endpoint.security_mode = 3;
  endpoint.security_policy_uri = std::string("http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256");
  UserTokenPolicy token;
  token.policy_id = std::string("username");
  token.token_type = UserTokenType::kUserName;
  endpoint.user_identity_tokens.push_back(token);
  endpoint.security_level = 3;
  created.server_endpoints.push_back(endpoint);
  created.server_signature.algorithm = std::string("alg");
  created.max_request_message_size = 1 << 20;
  const CreateSessionResponse back = RoundTrip(created);
  EXPECT_EQ(back.server_endpoints[0].user_identity_tokens[0].token_type, UserTokenType::kUserName);

  ActivateSessionRequest activate;
  activate.request_header = Header();
  UserNameIdentityToken user;
  user.policy_id = std::string("username");
  user.user_name = std::string("operator");
  user.password.bytes = std::string("\x01\x02secret", 8);
  user.encryption_algorithm = std::string("http://www.w3.org/2001/04/xmlenc#rsa-oaep");
  activate.user_identity_token = ToExtensionObject(user);
  activate.locale_ids = {std::string("en")};
  const ActivateSessionRequest activated = RoundTrip(activate);
  UserNameIdentityToken user_back;
  ASSERT_TRUE(FromExtensionObject(activated.user_identity_token, user_back).ok());
  EXPECT_EQ(user_back.user_name, String("operator"));
}

TEST(ServicesCodec, BrowseAndMonitoredItemMessagesRoundTrip) {
  BrowseResponse browse;
  BrowseResult result;
  result.continuation_point.bytes = std::string("cp");
  ReferenceDescription ref;
  ref.reference_type_id = NodeId::Numeric(0, 35);
  ref.node_id.node_id = NodeId::StringId(2, "Pump");
  ref.browse_name = QualifiedName{2, "Pump"};
  ref.display_name.text = std::string("Pump");
  ref.node_class = NodeClass::kObject;
  result.references.push_back(ref);
  browse.results.push_back(result);
  RoundTrip(browse);

  CreateMonitoredItemsRequest create;
  create.request_header = Header();
  create.subscription_id = 3;
  MonitoredItemCreateRequest item;
  item.item_to_monitor.node_id = NodeId::StringId(2, "Speed");
  item.monitoring_mode = MonitoringMode::kReporting;
  item.requested_parameters.client_handle = 11;
  item.requested_parameters.sampling_interval = 50;
  item.requested_parameters.queue_size = 10;
  DataChangeFilter filter;
  filter.trigger = DataChangeTrigger::kStatusValue;
  filter.deadband_type = 1;
  filter.deadband_value = 0.25;
  item.requested_parameters.filter = ToExtensionObject(filter);
  create.items_to_create.push_back(item);
  const CreateMonitoredItemsRequest back = RoundTrip(create);
  DataChangeFilter filter_back;
  ASSERT_TRUE(FromExtensionObject(back.items_to_create[0].requested_parameters.filter, filter_back).ok());
  EXPECT_EQ(filter_back.deadband_value, 0.25);
}

TEST(ServicesCodec, ModifyAndModeMessagesRoundTrip) {
  ModifySubscriptionRequest modify;
  modify.request_header = Header();
  modify.subscription_id = 9;
  modify.requested_publishing_interval = 250;
  modify.requested_max_keep_alive_count = 12;
  modify.priority = 4;
  EXPECT_EQ(RoundTrip(modify).requested_publishing_interval, 250);

  SetPublishingModeRequest mode;
  mode.publishing_enabled = false;
  mode.subscription_ids = {1, 2, 3};
  EXPECT_EQ(RoundTrip(mode).subscription_ids.size(), 3u);

  ModifyMonitoredItemsRequest items;
  items.subscription_id = 9;
  items.timestamps_to_return = TimestampsToReturn::kSource;
  MonitoredItemModifyRequest item;
  item.monitored_item_id = 5;
  item.requested_parameters.sampling_interval = 50;
  item.requested_parameters.queue_size = 10;
  item.requested_parameters.filter =
      ToExtensionObject(DataChangeFilter{DataChangeTrigger::kStatusValue, 1, 0.5});
  items.items_to_modify.push_back(item);
  const ModifyMonitoredItemsRequest back = RoundTrip(items);
  DataChangeFilter filter;
  ASSERT_TRUE(FromExtensionObject(back.items_to_modify[0].requested_parameters.filter, filter).ok());
  EXPECT_EQ(filter.deadband_value, 0.5);

  FindServersResponse servers;
  ApplicationDescription app;
  app.application_uri = std::string("urn:millwright:test");
  app.discovery_urls = {std::string("opc.tcp://127.0.0.1:4840/")};
  servers.servers.push_back(app);
  EXPECT_EQ(RoundTrip(servers).servers[0].application_uri, app.application_uri);
  UnregisterNodesRequest unregister;
  unregister.nodes_to_unregister = {NodeId::Numeric(2, 7)};
  EXPECT_EQ(RoundTrip(unregister).nodes_to_unregister.size(), 1u);
}

TEST(ServicesCodec, EUInformationHasTheSpecificationsLayout) {
  EUInformation unit;
  unit.namespace_uri = std::string("http://www.opcfoundation.org/UA/units/un/cefact");
  unit.unit_id = 4408652;  // degree Celsius, "CEL"
  unit.display_name = LocalizedText{std::string("en"), std::string("\xc2\xb0"
                                                                   "C")};
  const ExtensionObject object = ToExtensionObject(unit);
  EXPECT_EQ(object.type_id, NodeId::Numeric(0, 889));
  // String (4 + 47), Int32, LocalizedText (mask + locale + text), LocalizedText (empty mask).
  ASSERT_EQ(object.body.size(), 4 + 47 + 4 + 1 + 6 + 7 + 1u);
  EXPECT_EQ(object.body.substr(51, 4), std::string("\x4c\x45\x43\x00", 4));
  EUInformation back;
  ASSERT_TRUE(FromExtensionObject(object, back).ok());
  EXPECT_EQ(back.unit_id, 4408652);
  Range range{0, 100};
  Range range_back;
  ASSERT_TRUE(FromExtensionObject(ToExtensionObject(range), range_back).ok());
  EXPECT_EQ(range_back.high, 100);
}

TEST(ServicesCodec, TruncatedMessagesFailCleanlyAtEveryLength) {
  PublishResponse r;
  r.subscription_id = 5;
  r.available_sequence_numbers = {1, 2, 3};
  DataChangeNotification changes;
  changes.monitored_items.resize(3);
  r.notification_message.notification_data.push_back(ToExtensionObject(changes));
  const std::string bytes = Bytes(r);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    Decoder d(std::string_view(bytes).substr(0, n));
    std::uint32_t type = 0;
    PublishResponse back;
    const bool ok = PeekMessageType(d, type).ok() && Decode(d, back).ok();
    EXPECT_FALSE(ok) << n;
  }
}

TEST(ServicesCodec, HugeArrayLengthIsRefusedBeforeAllocating) {
  std::string bytes;
  Encoder e(bytes);
  e.UInt32(0x7fffffff);  // subscriptionId... then an absurd array length follows
  ReadResponse r;
  std::string body;
  Encoder b(body);
  ASSERT_TRUE(Encode(b, r.response_header).ok());
  b.Int32(0x7fffffff);  // results: two billion DataValues in a few bytes
  Decoder d(body);
  EXPECT_FALSE(Decode(d, r).ok());
}

TEST(ServicesCodec, MessageTypeMustBeANumericNamespaceZeroNodeId) {
  std::string bytes;
  Encoder e(bytes);
  EncodeNodeId(e, NodeId::StringId(1, "ReadRequest"));
  Decoder d(bytes);
  std::uint32_t type = 0;
  EXPECT_FALSE(PeekMessageType(d, type).ok());
}

}  // namespace
}  // namespace mw::opcua
