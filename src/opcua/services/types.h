// The OPC UA service messages this stack uses (OPC 10000-4, section 5 and 7), as plain structures.
//
// Names follow the specification: structures in PascalCase as in OPC 10000-4, fields in
// snake_case in the specification's order (which is the order of the binary encoding). Every
// message carries `kBinaryEncodingId`, the ns=0 id of its "Default Binary" encoding object from the
// published NodeIds.csv. Enumerations are encoded as Int32/UInt32 with the specification's values.
// Encoding and decoding: codec.h. Plain values, not thread-safe to mutate concurrently.
#pragma once

#include <cstdint>
#include <vector>

#include "opcua/encoding/types.h"

namespace mw::opcua {

// Attribute ids (OPC 10000-6, A.1) used by the client.
inline constexpr std::uint32_t kAttributeNodeId = 1;
inline constexpr std::uint32_t kAttributeBrowseName = 3;
inline constexpr std::uint32_t kAttributeDataType = 14;
inline constexpr std::uint32_t kAttributeValue = 13;
enum class TimestampsToReturn : std::uint32_t { kSource = 0, kServer = 1, kBoth = 2, kNeither = 3 };
enum class BrowseDirection : std::uint32_t { kForward = 0, kInverse = 1, kBoth = 2 };
enum class NodeClass : std::uint32_t {
  kUnspecified = 0,
  kObject = 1,
  kVariable = 2,
  kMethod = 4,
  kObjectType = 8,
  kVariableType = 16,
  kReferenceType = 32,
  kDataType = 64,
  kView = 128
};
enum class MonitoringMode : std::uint32_t { kDisabled = 0, kSampling = 1, kReporting = 2 };
enum class DataChangeTrigger : std::uint32_t { kStatus = 0, kStatusValue = 1, kStatusValueTimestamp = 2 };
enum class UserTokenType : std::uint32_t {
  kAnonymous = 0,
  kUserName = 1,
  kCertificate = 2,
  kIssuedToken = 3
};
enum class ApplicationType : std::uint32_t {
  kServer = 0,
  kClient = 1,
  kClientAndServer = 2,
  kDiscoveryServer = 3
};
enum class SecurityTokenRequestType : std::uint32_t { kIssue = 0, kRenew = 1 };
struct RequestHeader {
  NodeId authentication_token;
  DateTime timestamp;
  std::uint32_t request_handle = 0;
  std::uint32_t return_diagnostics = 0;
  String audit_entry_id;
  std::uint32_t timeout_hint = 0;
  ExtensionObject additional_header;
};
struct ResponseHeader {
  DateTime timestamp;
  std::uint32_t request_handle = 0;
  UaStatusCode service_result;
  DiagnosticInfo service_diagnostics;
  std::vector<String> string_table;
  ExtensionObject additional_header;
};
struct ServiceFault {
  static constexpr std::uint32_t kBinaryEncodingId = 397;
  ResponseHeader response_header;
};
struct ChannelSecurityToken {
  std::uint32_t channel_id = 0, token_id = 0;
  DateTime created_at;
  std::uint32_t revised_lifetime = 0;
};
struct OpenSecureChannelRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 446;
  RequestHeader request_header;
  std::uint32_t client_protocol_version = 0;
  SecurityTokenRequestType request_type{};
  std::uint32_t security_mode = 0;
  ByteString client_nonce;
  std::uint32_t requested_lifetime = 0;
};
struct OpenSecureChannelResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 449;
  ResponseHeader response_header;
  std::uint32_t server_protocol_version = 0;
  ChannelSecurityToken security_token;
  ByteString server_nonce;
};
struct CloseSecureChannelRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 452;
  RequestHeader request_header;
};
struct CloseSecureChannelResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 455;
  ResponseHeader response_header;
};
struct ApplicationDescription {
  String application_uri;
  String product_uri;
  LocalizedText application_name;
  ApplicationType application_type{};
  String gateway_server_uri;
  String discovery_profile_uri;
  std::vector<String> discovery_urls;
};
struct UserTokenPolicy {
  String policy_id;
  UserTokenType token_type{};
  String issued_token_type;
  String issuer_endpoint_url;
  String security_policy_uri;
};
struct EndpointDescription {
  String endpoint_url;
  ApplicationDescription server;
  ByteString server_certificate;
  std::uint32_t security_mode = 0;
  String security_policy_uri;
  std::vector<UserTokenPolicy> user_identity_tokens;
  String transport_profile_uri;
  std::uint8_t security_level = 0;
};
struct GetEndpointsRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 428;
  RequestHeader request_header;
  String endpoint_url;
  std::vector<String> locale_ids;
  std::vector<String> profile_uris;
};
struct FindServersRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 422;
  RequestHeader request_header;
  String endpoint_url;
  std::vector<String> locale_ids;
  std::vector<String> server_uris;
};
struct FindServersResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 425;
  ResponseHeader response_header;
  std::vector<ApplicationDescription> servers;
};
struct GetEndpointsResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 431;
  ResponseHeader response_header;
  std::vector<EndpointDescription> endpoints;
};
struct SignatureData {
  String algorithm;
  ByteString signature;
};
struct SignedSoftwareCertificate {
  ByteString certificate_data;
  ByteString signature;
};
struct CreateSessionRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 461;
  RequestHeader request_header;
  ApplicationDescription client_description;
  String server_uri;
  String endpoint_url;
  String session_name;
  ByteString client_nonce;
  ByteString client_certificate;
  double requested_session_timeout = 0;
  std::uint32_t max_response_message_size = 0;
};
struct CreateSessionResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 464;
  ResponseHeader response_header;
  NodeId session_id;
  NodeId authentication_token;
  double revised_session_timeout = 0;
  ByteString server_nonce;
  ByteString server_certificate;
  std::vector<EndpointDescription> server_endpoints;
  std::vector<SignedSoftwareCertificate> server_software_certificates;
  SignatureData server_signature;
  std::uint32_t max_request_message_size = 0;
};
struct AnonymousIdentityToken {
  static constexpr std::uint32_t kBinaryEncodingId = 321;
  String policy_id;
};
struct UserNameIdentityToken {
  static constexpr std::uint32_t kBinaryEncodingId = 324;
  String policy_id;
  String user_name;
  ByteString password;
  String encryption_algorithm;
};
struct X509IdentityToken {
  static constexpr std::uint32_t kBinaryEncodingId = 327;
  String policy_id;
  ByteString certificate_data;
};
struct ActivateSessionRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 467;
  RequestHeader request_header;
  SignatureData client_signature;
  std::vector<SignedSoftwareCertificate> client_software_certificates;
  std::vector<String> locale_ids;
  ExtensionObject user_identity_token;
  SignatureData user_token_signature;
};
struct ActivateSessionResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 470;
  ResponseHeader response_header;
  ByteString server_nonce;
  std::vector<UaStatusCode> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct CloseSessionRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 473;
  RequestHeader request_header;
  bool delete_subscriptions = true;
};
struct CloseSessionResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 476;
  ResponseHeader response_header;
};
struct ReadValueId {
  NodeId node_id;
  std::uint32_t attribute_id = 13;
  String index_range;
  QualifiedName data_encoding;
};
struct ReadRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 631;
  RequestHeader request_header;
  double max_age = 0;
  TimestampsToReturn timestamps_to_return{};
  std::vector<ReadValueId> nodes_to_read;
};
struct ReadResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 634;
  ResponseHeader response_header;
  std::vector<DataValue> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct WriteValue {
  NodeId node_id;
  std::uint32_t attribute_id = 13;
  String index_range;
  DataValue value;
};
struct WriteRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 673;
  RequestHeader request_header;
  std::vector<WriteValue> nodes_to_write;
};
struct WriteResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 676;
  ResponseHeader response_header;
  std::vector<UaStatusCode> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct ReferenceDescription {
  NodeId reference_type_id;
  bool is_forward = true;
  ExpandedNodeId node_id;
  QualifiedName browse_name;
  LocalizedText display_name;
  NodeClass node_class{};
  ExpandedNodeId type_definition;
};
struct BrowseDescription {
  NodeId node_id;
  BrowseDirection browse_direction{};
  NodeId reference_type_id;
  bool include_subtypes = true;
  std::uint32_t node_class_mask = 0;
  std::uint32_t result_mask = 0;
};
struct BrowseResult {
  UaStatusCode status_code;
  ByteString continuation_point;
  std::vector<ReferenceDescription> references;
};
struct ViewDescription {
  NodeId view_id;
  DateTime timestamp;
  std::uint32_t view_version = 0;
};
struct BrowseRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 527;
  RequestHeader request_header;
  ViewDescription view;
  std::uint32_t requested_max_references_per_node = 0;
  std::vector<BrowseDescription> nodes_to_browse;
};
struct BrowseResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 530;
  ResponseHeader response_header;
  std::vector<BrowseResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct BrowseNextRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 533;
  RequestHeader request_header;
  bool release_continuation_points = false;
  std::vector<ByteString> continuation_points;
};
struct BrowseNextResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 536;
  ResponseHeader response_header;
  std::vector<BrowseResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct RelativePathElement {
  NodeId reference_type_id;
  bool is_inverse = false;
  bool include_subtypes = true;
  QualifiedName target_name;
};
struct RelativePath {
  std::vector<RelativePathElement> elements;
};
struct BrowsePath {
  NodeId starting_node;
  RelativePath relative_path;
};
struct BrowsePathTarget {
  ExpandedNodeId target_id;
  std::uint32_t remaining_path_index = 0;
};
struct BrowsePathResult {
  UaStatusCode status_code;
  std::vector<BrowsePathTarget> targets;
};
struct TranslateBrowsePathsToNodeIdsRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 554;
  RequestHeader request_header;
  std::vector<BrowsePath> browse_paths;
};
struct TranslateBrowsePathsToNodeIdsResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 557;
  ResponseHeader response_header;
  std::vector<BrowsePathResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct RegisterNodesRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 560;
  RequestHeader request_header;
  std::vector<NodeId> nodes_to_register;
};
struct RegisterNodesResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 563;
  ResponseHeader response_header;
  std::vector<NodeId> registered_node_ids;
};
struct UnregisterNodesRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 566;
  RequestHeader request_header;
  std::vector<NodeId> nodes_to_unregister;
};
struct UnregisterNodesResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 569;
  ResponseHeader response_header;
};
struct CreateSubscriptionRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 787;
  RequestHeader request_header;
  double requested_publishing_interval = 0;
  std::uint32_t requested_lifetime_count = 0;
  std::uint32_t requested_max_keep_alive_count = 0;
  std::uint32_t max_notifications_per_publish = 0;
  bool publishing_enabled = true;
  std::uint8_t priority = 0;
};
struct CreateSubscriptionResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 790;
  ResponseHeader response_header;
  std::uint32_t subscription_id = 0;
  double revised_publishing_interval = 0;
  std::uint32_t revised_lifetime_count = 0;
  std::uint32_t revised_max_keep_alive_count = 0;
};
struct ModifySubscriptionRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 793;
  RequestHeader request_header;
  std::uint32_t subscription_id = 0;
  double requested_publishing_interval = 0;
  std::uint32_t requested_lifetime_count = 0;
  std::uint32_t requested_max_keep_alive_count = 0;
  std::uint32_t max_notifications_per_publish = 0;
  std::uint8_t priority = 0;
};
struct ModifySubscriptionResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 796;
  ResponseHeader response_header;
  double revised_publishing_interval = 0;
  std::uint32_t revised_lifetime_count = 0;
  std::uint32_t revised_max_keep_alive_count = 0;
};
struct SetPublishingModeRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 799;
  RequestHeader request_header;
  bool publishing_enabled = true;
  std::vector<std::uint32_t> subscription_ids;
};
struct SetPublishingModeResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 802;
  ResponseHeader response_header;
  std::vector<UaStatusCode> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct DeleteSubscriptionsRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 847;
  RequestHeader request_header;
  std::vector<std::uint32_t> subscription_ids;
};
struct DeleteSubscriptionsResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 850;
  ResponseHeader response_header;
  std::vector<UaStatusCode> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct TransferResult {
  UaStatusCode status_code;
  std::vector<std::uint32_t> available_sequence_numbers;
};
struct TransferSubscriptionsRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 841;
  RequestHeader request_header;
  std::vector<std::uint32_t> subscription_ids;
  bool send_initial_values = false;
};
struct TransferSubscriptionsResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 844;
  ResponseHeader response_header;
  std::vector<TransferResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct DataChangeFilter {
  static constexpr std::uint32_t kBinaryEncodingId = 724;
  DataChangeTrigger trigger{};
  std::uint32_t deadband_type = 0;
  double deadband_value = 0;
};
struct MonitoringParameters {
  std::uint32_t client_handle = 0;
  double sampling_interval = 0;
  ExtensionObject filter;
  std::uint32_t queue_size = 0;
  bool discard_oldest = true;
};
struct MonitoredItemCreateRequest {
  ReadValueId item_to_monitor;
  MonitoringMode monitoring_mode{};
  MonitoringParameters requested_parameters;
};
struct MonitoredItemCreateResult {
  UaStatusCode status_code;
  std::uint32_t monitored_item_id = 0;
  double revised_sampling_interval = 0;
  std::uint32_t revised_queue_size = 0;
  ExtensionObject filter_result;
};
struct CreateMonitoredItemsRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 751;
  RequestHeader request_header;
  std::uint32_t subscription_id = 0;
  TimestampsToReturn timestamps_to_return{};
  std::vector<MonitoredItemCreateRequest> items_to_create;
};
struct CreateMonitoredItemsResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 754;
  ResponseHeader response_header;
  std::vector<MonitoredItemCreateResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct MonitoredItemModifyRequest {
  std::uint32_t monitored_item_id = 0;
  MonitoringParameters requested_parameters;
};
struct MonitoredItemModifyResult {
  UaStatusCode status_code;
  double revised_sampling_interval = 0;
  std::uint32_t revised_queue_size = 0;
  ExtensionObject filter_result;
};
struct ModifyMonitoredItemsRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 763;
  RequestHeader request_header;
  std::uint32_t subscription_id = 0;
  TimestampsToReturn timestamps_to_return{};
  std::vector<MonitoredItemModifyRequest> items_to_modify;
};
struct ModifyMonitoredItemsResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 766;
  ResponseHeader response_header;
  std::vector<MonitoredItemModifyResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct SetMonitoringModeRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 769;
  RequestHeader request_header;
  std::uint32_t subscription_id = 0;
  MonitoringMode monitoring_mode{};
  std::vector<std::uint32_t> monitored_item_ids;
};
struct SetMonitoringModeResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 772;
  ResponseHeader response_header;
  std::vector<UaStatusCode> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct DeleteMonitoredItemsRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 781;
  RequestHeader request_header;
  std::uint32_t subscription_id = 0;
  std::vector<std::uint32_t> monitored_item_ids;
};
struct DeleteMonitoredItemsResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 784;
  ResponseHeader response_header;
  std::vector<UaStatusCode> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct SubscriptionAcknowledgement {
  std::uint32_t subscription_id = 0;
  std::uint32_t sequence_number = 0;
};
struct NotificationMessage {
  std::uint32_t sequence_number = 0;
  DateTime publish_time;
  std::vector<ExtensionObject> notification_data;
};
struct MonitoredItemNotification {
  std::uint32_t client_handle = 0;
  DataValue value;
};
struct DataChangeNotification {
  static constexpr std::uint32_t kBinaryEncodingId = 811;
  std::vector<MonitoredItemNotification> monitored_items;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct StatusChangeNotification {
  static constexpr std::uint32_t kBinaryEncodingId = 820;
  UaStatusCode status;
  DiagnosticInfo diagnostic_info;
};
struct PublishRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 826;
  RequestHeader request_header;
  std::vector<SubscriptionAcknowledgement> subscription_acknowledgements;
};
struct PublishResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 829;
  ResponseHeader response_header;
  std::uint32_t subscription_id = 0;
  std::vector<std::uint32_t> available_sequence_numbers;
  bool more_notifications = false;
  NotificationMessage notification_message;
  std::vector<UaStatusCode> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};
struct RepublishRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 832;
  RequestHeader request_header;
  std::uint32_t subscription_id = 0;
  std::uint32_t retransmit_sequence_number = 0;
};
struct RepublishResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 835;
  ResponseHeader response_header;
  NotificationMessage notification_message;
};
struct ReadRawModifiedDetails {
  static constexpr std::uint32_t kBinaryEncodingId = 649;
  bool is_read_modified = false;
  DateTime start_time;
  DateTime end_time;
  std::uint32_t num_values_per_node = 0;
  bool return_bounds = false;
};
struct HistoryReadValueId {
  NodeId node_id;
  String index_range;
  QualifiedName data_encoding;
  ByteString continuation_point;
};
struct HistoryReadResult {
  UaStatusCode status_code;
  ByteString continuation_point;
  ExtensionObject history_data;
};
struct HistoryData {
  static constexpr std::uint32_t kBinaryEncodingId = 658;
  std::vector<DataValue> data_values;
};
struct HistoryReadRequest {
  static constexpr std::uint32_t kBinaryEncodingId = 664;
  RequestHeader request_header;
  ExtensionObject history_read_details;
  TimestampsToReturn timestamps_to_return{};
  bool release_continuation_points = false;
  std::vector<HistoryReadValueId> nodes_to_read;
};
struct HistoryReadResponse {
  static constexpr std::uint32_t kBinaryEncodingId = 667;
  ResponseHeader response_header;
  std::vector<HistoryReadResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};

// Structures a server puts in variable values (OPC 10000-8 for EUInformation and Range, OPC
// 10000-5 for the server's status).
struct EUInformation {
  static constexpr std::uint32_t kBinaryEncodingId = 889;
  String namespace_uri;
  std::int32_t unit_id = -1;
  LocalizedText display_name;
  LocalizedText description;
};
struct Range {
  static constexpr std::uint32_t kBinaryEncodingId = 886;
  double low = 0;
  double high = 0;
};
struct BuildInfo {
  static constexpr std::uint32_t kBinaryEncodingId = 340;
  String product_uri;
  String manufacturer_name;
  String product_name;
  String software_version;
  String build_number;
  DateTime build_date;
};
enum class ServerState : std::uint32_t {
  kRunning = 0,
  kFailed = 1,
  kNoConfiguration = 2,
  kSuspended = 3,
  kShutdown = 4
};
struct ServerStatusDataType {
  static constexpr std::uint32_t kBinaryEncodingId = 864;
  DateTime start_time;
  DateTime current_time;
  ServerState state{};
  BuildInfo build_info;
  std::uint32_t seconds_till_shutdown = 0;
  LocalizedText shutdown_reason;
};

}  // namespace mw::opcua
