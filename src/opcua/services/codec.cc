#include "opcua/services/codec.h"

#include <type_traits>
#include <vector>

#include "opcua/encoding/variant.h"

namespace mw::opcua {
namespace {

// --- the built-in types a structure field can have ----------------------------------------------

Status Put(Encoder& e, bool v) {
  e.Boolean(v);
  return Status::Ok();
}
Status Put(Encoder& e, std::uint8_t v) {
  e.Byte(v);
  return Status::Ok();
}
Status Put(Encoder& e, std::uint32_t v) {
  e.UInt32(v);
  return Status::Ok();
}
Status Put(Encoder& e, double v) {
  e.Double(v);
  return Status::Ok();
}
Status Put(Encoder& e, const String& v) {
  e.String(v);
  return Status::Ok();
}
Status Put(Encoder& e, const ByteString& v) {
  e.ByteString(v);
  return Status::Ok();
}
Status Put(Encoder& e, DateTime v) {
  e.DateTime(v);
  return Status::Ok();
}
Status Put(Encoder& e, UaStatusCode v) {
  e.UInt32(v.code);
  return Status::Ok();
}
Status Put(Encoder& e, const NodeId& v) {
  EncodeNodeId(e, v);
  return Status::Ok();
}
Status Put(Encoder& e, const ExpandedNodeId& v) {
  EncodeExpandedNodeId(e, v);
  return Status::Ok();
}
Status Put(Encoder& e, const QualifiedName& v) {
  EncodeQualifiedName(e, v);
  return Status::Ok();
}
Status Put(Encoder& e, const LocalizedText& v) {
  EncodeLocalizedText(e, v);
  return Status::Ok();
}
Status Put(Encoder& e, const ExtensionObject& v) {
  EncodeExtensionObject(e, v);
  return Status::Ok();
}
Status Put(Encoder& e, const DiagnosticInfo& v) {
  EncodeDiagnosticInfo(e, v);
  return Status::Ok();
}
Status Put(Encoder& e, const DataValue& v) { return EncodeDataValue(e, v); }

Status Get(Decoder& d, bool& v) { return d.Boolean(v); }
Status Get(Decoder& d, std::uint8_t& v) { return d.Byte(v); }
Status Get(Decoder& d, std::uint32_t& v) { return d.UInt32(v); }
Status Get(Decoder& d, double& v) { return d.Double(v); }
Status Get(Decoder& d, String& v) { return d.String(v); }
Status Get(Decoder& d, ByteString& v) { return d.ByteString(v); }
Status Get(Decoder& d, DateTime& v) { return d.DateTime(v); }
Status Get(Decoder& d, UaStatusCode& v) { return d.UInt32(v.code); }
Status Get(Decoder& d, NodeId& v) { return DecodeNodeId(d, v); }
Status Get(Decoder& d, ExpandedNodeId& v) { return DecodeExpandedNodeId(d, v); }
Status Get(Decoder& d, QualifiedName& v) { return DecodeQualifiedName(d, v); }
Status Get(Decoder& d, LocalizedText& v) { return DecodeLocalizedText(d, v); }
Status Get(Decoder& d, ExtensionObject& v) { return DecodeExtensionObject(d, v); }
Status Get(Decoder& d, DiagnosticInfo& v) { return DecodeDiagnosticInfo(d, v); }
Status Get(Decoder& d, DataValue& v) { return DecodeDataValue(d, v); }

// Enumerations travel as Int32.
template <typename T>
requires std::is_enum_v<T> Status Put(Encoder& e, T v) {
  e.Int32(static_cast<std::int32_t>(v));
  return Status::Ok();
}
template <typename T>
requires std::is_enum_v<T> Status Get(Decoder& d, T& v) {
  std::int32_t raw = 0;
  MW_RETURN_IF_ERROR(d.Int32(raw));
  v = static_cast<T>(raw);
  return Status::Ok();
}

// The structures (defined below, after their field lists).
Status Put(Encoder& e, const RequestHeader& v);
Status Get(Decoder& d, RequestHeader& v);
Status Put(Encoder& e, const ResponseHeader& v);
Status Get(Decoder& d, ResponseHeader& v);
Status Put(Encoder& e, const ServiceFault& v);
Status Get(Decoder& d, ServiceFault& v);
Status Put(Encoder& e, const ChannelSecurityToken& v);
Status Get(Decoder& d, ChannelSecurityToken& v);
Status Put(Encoder& e, const OpenSecureChannelRequest& v);
Status Get(Decoder& d, OpenSecureChannelRequest& v);
Status Put(Encoder& e, const OpenSecureChannelResponse& v);
Status Get(Decoder& d, OpenSecureChannelResponse& v);
Status Put(Encoder& e, const CloseSecureChannelRequest& v);
Status Get(Decoder& d, CloseSecureChannelRequest& v);
Status Put(Encoder& e, const CloseSecureChannelResponse& v);
Status Get(Decoder& d, CloseSecureChannelResponse& v);
Status Put(Encoder& e, const ApplicationDescription& v);
Status Get(Decoder& d, ApplicationDescription& v);
Status Put(Encoder& e, const UserTokenPolicy& v);
Status Get(Decoder& d, UserTokenPolicy& v);
Status Put(Encoder& e, const EndpointDescription& v);
Status Get(Decoder& d, EndpointDescription& v);
Status Put(Encoder& e, const GetEndpointsRequest& v);
Status Get(Decoder& d, GetEndpointsRequest& v);
Status Put(Encoder& e, const GetEndpointsResponse& v);
Status Get(Decoder& d, GetEndpointsResponse& v);
Status Put(Encoder& e, const SignatureData& v);
Status Get(Decoder& d, SignatureData& v);
Status Put(Encoder& e, const SignedSoftwareCertificate& v);
Status Get(Decoder& d, SignedSoftwareCertificate& v);
Status Put(Encoder& e, const CreateSessionRequest& v);
Status Get(Decoder& d, CreateSessionRequest& v);
Status Put(Encoder& e, const CreateSessionResponse& v);
Status Get(Decoder& d, CreateSessionResponse& v);
Status Put(Encoder& e, const AnonymousIdentityToken& v);
Status Get(Decoder& d, AnonymousIdentityToken& v);
Status Put(Encoder& e, const UserNameIdentityToken& v);
Status Get(Decoder& d, UserNameIdentityToken& v);
Status Put(Encoder& e, const X509IdentityToken& v);
Status Get(Decoder& d, X509IdentityToken& v);
Status Put(Encoder& e, const ActivateSessionRequest& v);
Status Get(Decoder& d, ActivateSessionRequest& v);
Status Put(Encoder& e, const ActivateSessionResponse& v);
Status Get(Decoder& d, ActivateSessionResponse& v);
Status Put(Encoder& e, const CloseSessionRequest& v);
Status Get(Decoder& d, CloseSessionRequest& v);
Status Put(Encoder& e, const CloseSessionResponse& v);
Status Get(Decoder& d, CloseSessionResponse& v);
Status Put(Encoder& e, const ReadValueId& v);
Status Get(Decoder& d, ReadValueId& v);
Status Put(Encoder& e, const ReadRequest& v);
Status Get(Decoder& d, ReadRequest& v);
Status Put(Encoder& e, const ReadResponse& v);
Status Get(Decoder& d, ReadResponse& v);
Status Put(Encoder& e, const WriteValue& v);
Status Get(Decoder& d, WriteValue& v);
Status Put(Encoder& e, const WriteRequest& v);
Status Get(Decoder& d, WriteRequest& v);
Status Put(Encoder& e, const WriteResponse& v);
Status Get(Decoder& d, WriteResponse& v);
Status Put(Encoder& e, const ReferenceDescription& v);
Status Get(Decoder& d, ReferenceDescription& v);
Status Put(Encoder& e, const BrowseDescription& v);
Status Get(Decoder& d, BrowseDescription& v);
Status Put(Encoder& e, const BrowseResult& v);
Status Get(Decoder& d, BrowseResult& v);
Status Put(Encoder& e, const ViewDescription& v);
Status Get(Decoder& d, ViewDescription& v);
Status Put(Encoder& e, const BrowseRequest& v);
Status Get(Decoder& d, BrowseRequest& v);
Status Put(Encoder& e, const BrowseResponse& v);
Status Get(Decoder& d, BrowseResponse& v);
Status Put(Encoder& e, const BrowseNextRequest& v);
Status Get(Decoder& d, BrowseNextRequest& v);
Status Put(Encoder& e, const BrowseNextResponse& v);
Status Get(Decoder& d, BrowseNextResponse& v);
Status Put(Encoder& e, const RelativePathElement& v);
Status Get(Decoder& d, RelativePathElement& v);
Status Put(Encoder& e, const RelativePath& v);
Status Get(Decoder& d, RelativePath& v);
Status Put(Encoder& e, const BrowsePath& v);
Status Get(Decoder& d, BrowsePath& v);
Status Put(Encoder& e, const BrowsePathTarget& v);
Status Get(Decoder& d, BrowsePathTarget& v);
Status Put(Encoder& e, const BrowsePathResult& v);
Status Get(Decoder& d, BrowsePathResult& v);
Status Put(Encoder& e, const TranslateBrowsePathsToNodeIdsRequest& v);
Status Get(Decoder& d, TranslateBrowsePathsToNodeIdsRequest& v);
Status Put(Encoder& e, const TranslateBrowsePathsToNodeIdsResponse& v);
Status Get(Decoder& d, TranslateBrowsePathsToNodeIdsResponse& v);
Status Put(Encoder& e, const RegisterNodesRequest& v);
Status Get(Decoder& d, RegisterNodesRequest& v);
Status Put(Encoder& e, const RegisterNodesResponse& v);
Status Get(Decoder& d, RegisterNodesResponse& v);
Status Put(Encoder& e, const CreateSubscriptionRequest& v);
Status Get(Decoder& d, CreateSubscriptionRequest& v);
Status Put(Encoder& e, const CreateSubscriptionResponse& v);
Status Get(Decoder& d, CreateSubscriptionResponse& v);
Status Put(Encoder& e, const DeleteSubscriptionsRequest& v);
Status Get(Decoder& d, DeleteSubscriptionsRequest& v);
Status Put(Encoder& e, const DeleteSubscriptionsResponse& v);
Status Get(Decoder& d, DeleteSubscriptionsResponse& v);
Status Put(Encoder& e, const TransferResult& v);
Status Get(Decoder& d, TransferResult& v);
Status Put(Encoder& e, const TransferSubscriptionsRequest& v);
Status Get(Decoder& d, TransferSubscriptionsRequest& v);
Status Put(Encoder& e, const TransferSubscriptionsResponse& v);
Status Get(Decoder& d, TransferSubscriptionsResponse& v);
Status Put(Encoder& e, const DataChangeFilter& v);
Status Get(Decoder& d, DataChangeFilter& v);
Status Put(Encoder& e, const MonitoringParameters& v);
Status Get(Decoder& d, MonitoringParameters& v);
Status Put(Encoder& e, const MonitoredItemCreateRequest& v);
Status Get(Decoder& d, MonitoredItemCreateRequest& v);
Status Put(Encoder& e, const MonitoredItemCreateResult& v);
Status Get(Decoder& d, MonitoredItemCreateResult& v);
Status Put(Encoder& e, const CreateMonitoredItemsRequest& v);
Status Get(Decoder& d, CreateMonitoredItemsRequest& v);
Status Put(Encoder& e, const CreateMonitoredItemsResponse& v);
Status Get(Decoder& d, CreateMonitoredItemsResponse& v);
Status Put(Encoder& e, const DeleteMonitoredItemsRequest& v);
Status Get(Decoder& d, DeleteMonitoredItemsRequest& v);
Status Put(Encoder& e, const DeleteMonitoredItemsResponse& v);
Status Get(Decoder& d, DeleteMonitoredItemsResponse& v);
Status Put(Encoder& e, const SubscriptionAcknowledgement& v);
Status Get(Decoder& d, SubscriptionAcknowledgement& v);
Status Put(Encoder& e, const NotificationMessage& v);
Status Get(Decoder& d, NotificationMessage& v);
Status Put(Encoder& e, const MonitoredItemNotification& v);
Status Get(Decoder& d, MonitoredItemNotification& v);
Status Put(Encoder& e, const DataChangeNotification& v);
Status Get(Decoder& d, DataChangeNotification& v);
Status Put(Encoder& e, const StatusChangeNotification& v);
Status Get(Decoder& d, StatusChangeNotification& v);
Status Put(Encoder& e, const PublishRequest& v);
Status Get(Decoder& d, PublishRequest& v);
Status Put(Encoder& e, const PublishResponse& v);
Status Get(Decoder& d, PublishResponse& v);
Status Put(Encoder& e, const RepublishRequest& v);
Status Get(Decoder& d, RepublishRequest& v);
Status Put(Encoder& e, const RepublishResponse& v);
Status Get(Decoder& d, RepublishResponse& v);
Status Put(Encoder& e, const ReadRawModifiedDetails& v);
Status Get(Decoder& d, ReadRawModifiedDetails& v);
Status Put(Encoder& e, const HistoryReadValueId& v);
Status Get(Decoder& d, HistoryReadValueId& v);
Status Put(Encoder& e, const HistoryReadResult& v);
Status Get(Decoder& d, HistoryReadResult& v);
Status Put(Encoder& e, const HistoryData& v);
Status Get(Decoder& d, HistoryData& v);
Status Put(Encoder& e, const HistoryReadRequest& v);
Status Get(Decoder& d, HistoryReadRequest& v);
Status Put(Encoder& e, const HistoryReadResponse& v);
Status Get(Decoder& d, HistoryReadResponse& v);

// Arrays: Int32 length (-1 = null, read as empty), then the elements.
template <typename T>
Status Put(Encoder& e, const std::vector<T>& v) {
  e.Int32(static_cast<std::int32_t>(v.size()));
  for (const T& x : v) MW_RETURN_IF_ERROR(Put(e, x));
  return Status::Ok();
}
template <typename T>
Status Get(Decoder& d, std::vector<T>& v) {
  std::size_t count = 0;
  MW_RETURN_IF_ERROR(d.ArrayLength(count, 1, "array"));
  v.clear();
  v.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    v.emplace_back();
    MW_RETURN_IF_ERROR(Get(d, v.back()));
  }
  return Status::Ok();
}

// A structure's fields in order, written or read by the same list.
struct Out {
  Encoder& e;
  template <typename... F>
  Status operator()(const F&... fields) {
    Status s;
    ((s.ok() ? (void)(s = Put(e, fields)) : (void)0), ...);
    return s;
  }
};
struct In {
  Decoder& d;
  template <typename... F>
  Status operator()(F&... fields) {
    Status s;
    ((s.ok() ? (void)(s = Get(d, fields)) : (void)0), ...);
    return s;
  }
};

// --- field lists, in the order of OPC 10000-4 (generated from types.h, then kept by hand) -----

template <typename IO>
Status Io(IO& io, RequestHeader& v) {
  return io(v.authentication_token, v.timestamp, v.request_handle, v.return_diagnostics, v.audit_entry_id,
            v.timeout_hint, v.additional_header);
}

template <typename IO>
Status Io(IO& io, ResponseHeader& v) {
  return io(v.timestamp, v.request_handle, v.service_result, v.service_diagnostics, v.string_table,
            v.additional_header);
}

template <typename IO>
Status Io(IO& io, ServiceFault& v) {
  return io(v.response_header);
}

template <typename IO>
Status Io(IO& io, ChannelSecurityToken& v) {
  return io(v.channel_id, v.token_id, v.created_at, v.revised_lifetime);
}

template <typename IO>
Status Io(IO& io, OpenSecureChannelRequest& v) {
  return io(v.request_header, v.client_protocol_version, v.request_type, v.security_mode, v.client_nonce,
            v.requested_lifetime);
}

template <typename IO>
Status Io(IO& io, OpenSecureChannelResponse& v) {
  return io(v.response_header, v.server_protocol_version, v.security_token, v.server_nonce);
}

template <typename IO>
Status Io(IO& io, CloseSecureChannelRequest& v) {
  return io(v.request_header);
}

template <typename IO>
Status Io(IO& io, CloseSecureChannelResponse& v) {
  return io(v.response_header);
}

template <typename IO>
Status Io(IO& io, ApplicationDescription& v) {
  return io(v.application_uri, v.product_uri, v.application_name, v.application_type, v.gateway_server_uri,
            v.discovery_profile_uri, v.discovery_urls);
}

template <typename IO>
Status Io(IO& io, UserTokenPolicy& v) {
  return io(v.policy_id, v.token_type, v.issued_token_type, v.issuer_endpoint_url, v.security_policy_uri);
}

template <typename IO>
Status Io(IO& io, EndpointDescription& v) {
  return io(v.endpoint_url, v.server, v.server_certificate, v.security_mode, v.security_policy_uri,
            v.user_identity_tokens, v.transport_profile_uri, v.security_level);
}

template <typename IO>
Status Io(IO& io, GetEndpointsRequest& v) {
  return io(v.request_header, v.endpoint_url, v.locale_ids, v.profile_uris);
}

template <typename IO>
Status Io(IO& io, GetEndpointsResponse& v) {
  return io(v.response_header, v.endpoints);
}

template <typename IO>
Status Io(IO& io, SignatureData& v) {
  return io(v.algorithm, v.signature);
}

template <typename IO>
Status Io(IO& io, SignedSoftwareCertificate& v) {
  return io(v.certificate_data, v.signature);
}

template <typename IO>
Status Io(IO& io, CreateSessionRequest& v) {
  return io(v.request_header, v.client_description, v.server_uri, v.endpoint_url, v.session_name,
            v.client_nonce, v.client_certificate, v.requested_session_timeout, v.max_response_message_size);
}

template <typename IO>
Status Io(IO& io, CreateSessionResponse& v) {
  return io(v.response_header, v.session_id, v.authentication_token, v.revised_session_timeout,
            v.server_nonce, v.server_certificate, v.server_endpoints, v.server_software_certificates,
            v.server_signature, v.max_request_message_size);
}

template <typename IO>
Status Io(IO& io, AnonymousIdentityToken& v) {
  return io(v.policy_id);
}

template <typename IO>
Status Io(IO& io, UserNameIdentityToken& v) {
  return io(v.policy_id, v.user_name, v.password, v.encryption_algorithm);
}

template <typename IO>
Status Io(IO& io, X509IdentityToken& v) {
  return io(v.policy_id, v.certificate_data);
}

template <typename IO>
Status Io(IO& io, ActivateSessionRequest& v) {
  return io(v.request_header, v.client_signature, v.client_software_certificates, v.locale_ids,
            v.user_identity_token, v.user_token_signature);
}

template <typename IO>
Status Io(IO& io, ActivateSessionResponse& v) {
  return io(v.response_header, v.server_nonce, v.results, v.diagnostic_infos);
}

template <typename IO>
Status Io(IO& io, CloseSessionRequest& v) {
  return io(v.request_header, v.delete_subscriptions);
}

template <typename IO>
Status Io(IO& io, CloseSessionResponse& v) {
  return io(v.response_header);
}

template <typename IO>
Status Io(IO& io, ReadValueId& v) {
  return io(v.node_id, v.attribute_id, v.index_range, v.data_encoding);
}

template <typename IO>
Status Io(IO& io, ReadRequest& v) {
  return io(v.request_header, v.max_age, v.timestamps_to_return, v.nodes_to_read);
}

template <typename IO>
Status Io(IO& io, ReadResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}

template <typename IO>
Status Io(IO& io, WriteValue& v) {
  return io(v.node_id, v.attribute_id, v.index_range, v.value);
}

template <typename IO>
Status Io(IO& io, WriteRequest& v) {
  return io(v.request_header, v.nodes_to_write);
}

template <typename IO>
Status Io(IO& io, WriteResponse& v) {
  return io(v.response_header, v.results);
}

template <typename IO>
Status Io(IO& io, ReferenceDescription& v) {
  return io(v.reference_type_id, v.is_forward, v.node_id, v.browse_name, v.display_name, v.node_class,
            v.type_definition);
}

template <typename IO>
Status Io(IO& io, BrowseDescription& v) {
  return io(v.node_id, v.browse_direction, v.reference_type_id, v.include_subtypes, v.node_class_mask,
            v.result_mask);
}

template <typename IO>
Status Io(IO& io, BrowseResult& v) {
  return io(v.status_code, v.continuation_point, v.references);
}

template <typename IO>
Status Io(IO& io, ViewDescription& v) {
  return io(v.view_id, v.timestamp, v.view_version);
}

template <typename IO>
Status Io(IO& io, BrowseRequest& v) {
  return io(v.request_header, v.view, v.requested_max_references_per_node, v.nodes_to_browse);
}

template <typename IO>
Status Io(IO& io, BrowseResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}

template <typename IO>
Status Io(IO& io, BrowseNextRequest& v) {
  return io(v.request_header, v.release_continuation_points, v.continuation_points);
}

template <typename IO>
Status Io(IO& io, BrowseNextResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}

template <typename IO>
Status Io(IO& io, RelativePathElement& v) {
  return io(v.reference_type_id, v.is_inverse, v.include_subtypes, v.target_name);
}

template <typename IO>
Status Io(IO& io, RelativePath& v) {
  return io(v.elements);
}

template <typename IO>
Status Io(IO& io, BrowsePath& v) {
  return io(v.starting_node, v.relative_path);
}

template <typename IO>
Status Io(IO& io, BrowsePathTarget& v) {
  return io(v.target_id, v.remaining_path_index);
}

template <typename IO>
Status Io(IO& io, BrowsePathResult& v) {
  return io(v.status_code, v.targets);
}

template <typename IO>
Status Io(IO& io, TranslateBrowsePathsToNodeIdsRequest& v) {
  return io(v.request_header, v.browse_paths);
}

template <typename IO>
Status Io(IO& io, TranslateBrowsePathsToNodeIdsResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}

template <typename IO>
Status Io(IO& io, RegisterNodesRequest& v) {
  return io(v.request_header, v.nodes_to_register);
}

template <typename IO>
Status Io(IO& io, RegisterNodesResponse& v) {
  return io(v.response_header, v.registered_node_ids);
}

template <typename IO>
Status Io(IO& io, CreateSubscriptionRequest& v) {
  return io(v.request_header, v.requested_publishing_interval, v.requested_lifetime_count,
            v.requested_max_keep_alive_count, v.max_notifications_per_publish, v.publishing_enabled,
            v.priority);
}

template <typename IO>
Status Io(IO& io, CreateSubscriptionResponse& v) {
  return io(v.response_header, v.subscription_id, v.revised_publishing_interval, v.revised_lifetime_count,
            v.revised_max_keep_alive_count);
}

template <typename IO>
Status Io(IO& io, DeleteSubscriptionsRequest& v) {
  return io(v.request_header, v.subscription_ids);
}

template <typename IO>
Status Io(IO& io, DeleteSubscriptionsResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}

template <typename IO>
Status Io(IO& io, TransferResult& v) {
  return io(v.status_code, v.available_sequence_numbers);
}

template <typename IO>
Status Io(IO& io, TransferSubscriptionsRequest& v) {
  return io(v.request_header, v.subscription_ids, v.send_initial_values);
}

template <typename IO>
Status Io(IO& io, TransferSubscriptionsResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}

template <typename IO>
Status Io(IO& io, DataChangeFilter& v) {
  return io(v.trigger, v.deadband_type, v.deadband_value);
}

template <typename IO>
Status Io(IO& io, MonitoringParameters& v) {
  return io(v.client_handle, v.sampling_interval, v.filter, v.queue_size, v.discard_oldest);
}

template <typename IO>
Status Io(IO& io, MonitoredItemCreateRequest& v) {
  return io(v.item_to_monitor, v.monitoring_mode, v.requested_parameters);
}

template <typename IO>
Status Io(IO& io, MonitoredItemCreateResult& v) {
  return io(v.status_code, v.monitored_item_id, v.revised_sampling_interval, v.revised_queue_size,
            v.filter_result);
}

template <typename IO>
Status Io(IO& io, CreateMonitoredItemsRequest& v) {
  return io(v.request_header, v.subscription_id, v.timestamps_to_return, v.items_to_create);
}

template <typename IO>
Status Io(IO& io, CreateMonitoredItemsResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}

template <typename IO>
Status Io(IO& io, DeleteMonitoredItemsRequest& v) {
  return io(v.request_header, v.subscription_id, v.monitored_item_ids);
}

template <typename IO>
Status Io(IO& io, DeleteMonitoredItemsResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}

template <typename IO>
Status Io(IO& io, SubscriptionAcknowledgement& v) {
  return io(v.subscription_id, v.sequence_number);
}

template <typename IO>
Status Io(IO& io, NotificationMessage& v) {
  return io(v.sequence_number, v.publish_time, v.notification_data);
}

template <typename IO>
Status Io(IO& io, MonitoredItemNotification& v) {
  return io(v.client_handle, v.value);
}

template <typename IO>
Status Io(IO& io, DataChangeNotification& v) {
  return io(v.monitored_items, v.diagnostic_infos);
}

template <typename IO>
Status Io(IO& io, StatusChangeNotification& v) {
  return io(v.status, v.diagnostic_info);
}

template <typename IO>
Status Io(IO& io, PublishRequest& v) {
  return io(v.request_header, v.subscription_acknowledgements);
}

template <typename IO>
Status Io(IO& io, PublishResponse& v) {
  return io(v.response_header, v.subscription_id, v.available_sequence_numbers, v.more_notifications,
            v.notification_message, v.results, v.diagnostic_infos);
}

template <typename IO>
Status Io(IO& io, RepublishRequest& v) {
  return io(v.request_header, v.subscription_id, v.retransmit_sequence_number);
}

template <typename IO>
Status Io(IO& io, RepublishResponse& v) {
  return io(v.response_header, v.notification_message);
}

template <typename IO>
Status Io(IO& io, ReadRawModifiedDetails& v) {
  return io(v.is_read_modified, v.start_time, v.end_time, v.num_values_per_node, v.return_bounds);
}

template <typename IO>
Status Io(IO& io, HistoryReadValueId& v) {
  return io(v.node_id, v.index_range, v.data_encoding, v.continuation_point);
}

template <typename IO>
Status Io(IO& io, HistoryReadResult& v) {
  return io(v.status_code, v.continuation_point, v.history_data);
}

template <typename IO>
Status Io(IO& io, HistoryData& v) {
  return io(v.data_values);
}

template <typename IO>
Status Io(IO& io, HistoryReadRequest& v) {
  return io(v.request_header, v.history_read_details, v.timestamps_to_return, v.release_continuation_points,
            v.nodes_to_read);
}

template <typename IO>
Status Io(IO& io, HistoryReadResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}

Status Put(Encoder& e, const RequestHeader& v) {
  Out out{e};
  return Io(out, const_cast<RequestHeader&>(v));
}
Status Get(Decoder& d, RequestHeader& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ResponseHeader& v) {
  Out out{e};
  return Io(out, const_cast<ResponseHeader&>(v));
}
Status Get(Decoder& d, ResponseHeader& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ServiceFault& v) {
  Out out{e};
  return Io(out, const_cast<ServiceFault&>(v));
}
Status Get(Decoder& d, ServiceFault& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ChannelSecurityToken& v) {
  Out out{e};
  return Io(out, const_cast<ChannelSecurityToken&>(v));
}
Status Get(Decoder& d, ChannelSecurityToken& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const OpenSecureChannelRequest& v) {
  Out out{e};
  return Io(out, const_cast<OpenSecureChannelRequest&>(v));
}
Status Get(Decoder& d, OpenSecureChannelRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const OpenSecureChannelResponse& v) {
  Out out{e};
  return Io(out, const_cast<OpenSecureChannelResponse&>(v));
}
Status Get(Decoder& d, OpenSecureChannelResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const CloseSecureChannelRequest& v) {
  Out out{e};
  return Io(out, const_cast<CloseSecureChannelRequest&>(v));
}
Status Get(Decoder& d, CloseSecureChannelRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const CloseSecureChannelResponse& v) {
  Out out{e};
  return Io(out, const_cast<CloseSecureChannelResponse&>(v));
}
Status Get(Decoder& d, CloseSecureChannelResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ApplicationDescription& v) {
  Out out{e};
  return Io(out, const_cast<ApplicationDescription&>(v));
}
Status Get(Decoder& d, ApplicationDescription& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const UserTokenPolicy& v) {
  Out out{e};
  return Io(out, const_cast<UserTokenPolicy&>(v));
}
Status Get(Decoder& d, UserTokenPolicy& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const EndpointDescription& v) {
  Out out{e};
  return Io(out, const_cast<EndpointDescription&>(v));
}
Status Get(Decoder& d, EndpointDescription& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const GetEndpointsRequest& v) {
  Out out{e};
  return Io(out, const_cast<GetEndpointsRequest&>(v));
}
Status Get(Decoder& d, GetEndpointsRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const GetEndpointsResponse& v) {
  Out out{e};
  return Io(out, const_cast<GetEndpointsResponse&>(v));
}
Status Get(Decoder& d, GetEndpointsResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const SignatureData& v) {
  Out out{e};
  return Io(out, const_cast<SignatureData&>(v));
}
Status Get(Decoder& d, SignatureData& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const SignedSoftwareCertificate& v) {
  Out out{e};
  return Io(out, const_cast<SignedSoftwareCertificate&>(v));
}
Status Get(Decoder& d, SignedSoftwareCertificate& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const CreateSessionRequest& v) {
  Out out{e};
  return Io(out, const_cast<CreateSessionRequest&>(v));
}
Status Get(Decoder& d, CreateSessionRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const CreateSessionResponse& v) {
  Out out{e};
  return Io(out, const_cast<CreateSessionResponse&>(v));
}
Status Get(Decoder& d, CreateSessionResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const AnonymousIdentityToken& v) {
  Out out{e};
  return Io(out, const_cast<AnonymousIdentityToken&>(v));
}
Status Get(Decoder& d, AnonymousIdentityToken& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const UserNameIdentityToken& v) {
  Out out{e};
  return Io(out, const_cast<UserNameIdentityToken&>(v));
}
Status Get(Decoder& d, UserNameIdentityToken& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const X509IdentityToken& v) {
  Out out{e};
  return Io(out, const_cast<X509IdentityToken&>(v));
}
Status Get(Decoder& d, X509IdentityToken& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ActivateSessionRequest& v) {
  Out out{e};
  return Io(out, const_cast<ActivateSessionRequest&>(v));
}
Status Get(Decoder& d, ActivateSessionRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ActivateSessionResponse& v) {
  Out out{e};
  return Io(out, const_cast<ActivateSessionResponse&>(v));
}
Status Get(Decoder& d, ActivateSessionResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const CloseSessionRequest& v) {
  Out out{e};
  return Io(out, const_cast<CloseSessionRequest&>(v));
}
Status Get(Decoder& d, CloseSessionRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const CloseSessionResponse& v) {
  Out out{e};
  return Io(out, const_cast<CloseSessionResponse&>(v));
}
Status Get(Decoder& d, CloseSessionResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ReadValueId& v) {
  Out out{e};
  return Io(out, const_cast<ReadValueId&>(v));
}
Status Get(Decoder& d, ReadValueId& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ReadRequest& v) {
  Out out{e};
  return Io(out, const_cast<ReadRequest&>(v));
}
Status Get(Decoder& d, ReadRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ReadResponse& v) {
  Out out{e};
  return Io(out, const_cast<ReadResponse&>(v));
}
Status Get(Decoder& d, ReadResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const WriteValue& v) {
  Out out{e};
  return Io(out, const_cast<WriteValue&>(v));
}
Status Get(Decoder& d, WriteValue& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const WriteRequest& v) {
  Out out{e};
  return Io(out, const_cast<WriteRequest&>(v));
}
Status Get(Decoder& d, WriteRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const WriteResponse& v) {
  Out out{e};
  return Io(out, const_cast<WriteResponse&>(v));
}
Status Get(Decoder& d, WriteResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ReferenceDescription& v) {
  Out out{e};
  return Io(out, const_cast<ReferenceDescription&>(v));
}
Status Get(Decoder& d, ReferenceDescription& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const BrowseDescription& v) {
  Out out{e};
  return Io(out, const_cast<BrowseDescription&>(v));
}
Status Get(Decoder& d, BrowseDescription& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const BrowseResult& v) {
  Out out{e};
  return Io(out, const_cast<BrowseResult&>(v));
}
Status Get(Decoder& d, BrowseResult& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ViewDescription& v) {
  Out out{e};
  return Io(out, const_cast<ViewDescription&>(v));
}
Status Get(Decoder& d, ViewDescription& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const BrowseRequest& v) {
  Out out{e};
  return Io(out, const_cast<BrowseRequest&>(v));
}
Status Get(Decoder& d, BrowseRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const BrowseResponse& v) {
  Out out{e};
  return Io(out, const_cast<BrowseResponse&>(v));
}
Status Get(Decoder& d, BrowseResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const BrowseNextRequest& v) {
  Out out{e};
  return Io(out, const_cast<BrowseNextRequest&>(v));
}
Status Get(Decoder& d, BrowseNextRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const BrowseNextResponse& v) {
  Out out{e};
  return Io(out, const_cast<BrowseNextResponse&>(v));
}
Status Get(Decoder& d, BrowseNextResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const RelativePathElement& v) {
  Out out{e};
  return Io(out, const_cast<RelativePathElement&>(v));
}
Status Get(Decoder& d, RelativePathElement& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const RelativePath& v) {
  Out out{e};
  return Io(out, const_cast<RelativePath&>(v));
}
Status Get(Decoder& d, RelativePath& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const BrowsePath& v) {
  Out out{e};
  return Io(out, const_cast<BrowsePath&>(v));
}
Status Get(Decoder& d, BrowsePath& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const BrowsePathTarget& v) {
  Out out{e};
  return Io(out, const_cast<BrowsePathTarget&>(v));
}
Status Get(Decoder& d, BrowsePathTarget& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const BrowsePathResult& v) {
  Out out{e};
  return Io(out, const_cast<BrowsePathResult&>(v));
}
Status Get(Decoder& d, BrowsePathResult& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const TranslateBrowsePathsToNodeIdsRequest& v) {
  Out out{e};
  return Io(out, const_cast<TranslateBrowsePathsToNodeIdsRequest&>(v));
}
Status Get(Decoder& d, TranslateBrowsePathsToNodeIdsRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const TranslateBrowsePathsToNodeIdsResponse& v) {
  Out out{e};
  return Io(out, const_cast<TranslateBrowsePathsToNodeIdsResponse&>(v));
}
Status Get(Decoder& d, TranslateBrowsePathsToNodeIdsResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const RegisterNodesRequest& v) {
  Out out{e};
  return Io(out, const_cast<RegisterNodesRequest&>(v));
}
Status Get(Decoder& d, RegisterNodesRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const RegisterNodesResponse& v) {
  Out out{e};
  return Io(out, const_cast<RegisterNodesResponse&>(v));
}
Status Get(Decoder& d, RegisterNodesResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const CreateSubscriptionRequest& v) {
  Out out{e};
  return Io(out, const_cast<CreateSubscriptionRequest&>(v));
}
Status Get(Decoder& d, CreateSubscriptionRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const CreateSubscriptionResponse& v) {
  Out out{e};
  return Io(out, const_cast<CreateSubscriptionResponse&>(v));
}
Status Get(Decoder& d, CreateSubscriptionResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const DeleteSubscriptionsRequest& v) {
  Out out{e};
  return Io(out, const_cast<DeleteSubscriptionsRequest&>(v));
}
Status Get(Decoder& d, DeleteSubscriptionsRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const DeleteSubscriptionsResponse& v) {
  Out out{e};
  return Io(out, const_cast<DeleteSubscriptionsResponse&>(v));
}
Status Get(Decoder& d, DeleteSubscriptionsResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const TransferResult& v) {
  Out out{e};
  return Io(out, const_cast<TransferResult&>(v));
}
Status Get(Decoder& d, TransferResult& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const TransferSubscriptionsRequest& v) {
  Out out{e};
  return Io(out, const_cast<TransferSubscriptionsRequest&>(v));
}
Status Get(Decoder& d, TransferSubscriptionsRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const TransferSubscriptionsResponse& v) {
  Out out{e};
  return Io(out, const_cast<TransferSubscriptionsResponse&>(v));
}
Status Get(Decoder& d, TransferSubscriptionsResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const DataChangeFilter& v) {
  Out out{e};
  return Io(out, const_cast<DataChangeFilter&>(v));
}
Status Get(Decoder& d, DataChangeFilter& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const MonitoringParameters& v) {
  Out out{e};
  return Io(out, const_cast<MonitoringParameters&>(v));
}
Status Get(Decoder& d, MonitoringParameters& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const MonitoredItemCreateRequest& v) {
  Out out{e};
  return Io(out, const_cast<MonitoredItemCreateRequest&>(v));
}
Status Get(Decoder& d, MonitoredItemCreateRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const MonitoredItemCreateResult& v) {
  Out out{e};
  return Io(out, const_cast<MonitoredItemCreateResult&>(v));
}
Status Get(Decoder& d, MonitoredItemCreateResult& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const CreateMonitoredItemsRequest& v) {
  Out out{e};
  return Io(out, const_cast<CreateMonitoredItemsRequest&>(v));
}
Status Get(Decoder& d, CreateMonitoredItemsRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const CreateMonitoredItemsResponse& v) {
  Out out{e};
  return Io(out, const_cast<CreateMonitoredItemsResponse&>(v));
}
Status Get(Decoder& d, CreateMonitoredItemsResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const DeleteMonitoredItemsRequest& v) {
  Out out{e};
  return Io(out, const_cast<DeleteMonitoredItemsRequest&>(v));
}
Status Get(Decoder& d, DeleteMonitoredItemsRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const DeleteMonitoredItemsResponse& v) {
  Out out{e};
  return Io(out, const_cast<DeleteMonitoredItemsResponse&>(v));
}
Status Get(Decoder& d, DeleteMonitoredItemsResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const SubscriptionAcknowledgement& v) {
  Out out{e};
  return Io(out, const_cast<SubscriptionAcknowledgement&>(v));
}
Status Get(Decoder& d, SubscriptionAcknowledgement& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const NotificationMessage& v) {
  Out out{e};
  return Io(out, const_cast<NotificationMessage&>(v));
}
Status Get(Decoder& d, NotificationMessage& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const MonitoredItemNotification& v) {
  Out out{e};
  return Io(out, const_cast<MonitoredItemNotification&>(v));
}
Status Get(Decoder& d, MonitoredItemNotification& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const DataChangeNotification& v) {
  Out out{e};
  return Io(out, const_cast<DataChangeNotification&>(v));
}
Status Get(Decoder& d, DataChangeNotification& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const StatusChangeNotification& v) {
  Out out{e};
  return Io(out, const_cast<StatusChangeNotification&>(v));
}
Status Get(Decoder& d, StatusChangeNotification& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const PublishRequest& v) {
  Out out{e};
  return Io(out, const_cast<PublishRequest&>(v));
}
Status Get(Decoder& d, PublishRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const PublishResponse& v) {
  Out out{e};
  return Io(out, const_cast<PublishResponse&>(v));
}
Status Get(Decoder& d, PublishResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const RepublishRequest& v) {
  Out out{e};
  return Io(out, const_cast<RepublishRequest&>(v));
}
Status Get(Decoder& d, RepublishRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const RepublishResponse& v) {
  Out out{e};
  return Io(out, const_cast<RepublishResponse&>(v));
}
Status Get(Decoder& d, RepublishResponse& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const ReadRawModifiedDetails& v) {
  Out out{e};
  return Io(out, const_cast<ReadRawModifiedDetails&>(v));
}
Status Get(Decoder& d, ReadRawModifiedDetails& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const HistoryReadValueId& v) {
  Out out{e};
  return Io(out, const_cast<HistoryReadValueId&>(v));
}
Status Get(Decoder& d, HistoryReadValueId& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const HistoryReadResult& v) {
  Out out{e};
  return Io(out, const_cast<HistoryReadResult&>(v));
}
Status Get(Decoder& d, HistoryReadResult& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const HistoryData& v) {
  Out out{e};
  return Io(out, const_cast<HistoryData&>(v));
}
Status Get(Decoder& d, HistoryData& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const HistoryReadRequest& v) {
  Out out{e};
  return Io(out, const_cast<HistoryReadRequest&>(v));
}
Status Get(Decoder& d, HistoryReadRequest& v) {
  In in{d};
  return Io(in, v);
}

Status Put(Encoder& e, const HistoryReadResponse& v) {
  Out out{e};
  return Io(out, const_cast<HistoryReadResponse&>(v));
}
Status Get(Decoder& d, HistoryReadResponse& v) {
  In in{d};
  return Io(in, v);
}

}  // namespace

template <typename T>
Status Encode(Encoder& e, const T& v) {
  return Put(e, v);
}

template <typename T>
Status Decode(Decoder& d, T& v) {
  return Get(d, v);
}

Status PeekMessageType(Decoder& d, std::uint32_t& binary_encoding_id) {
  const std::size_t at = d.offset();
  NodeId id;
  MW_RETURN_IF_ERROR(DecodeNodeId(d, id));
  if (id.namespace_index != 0 || id.type != IdType::kNumeric) {
    return Decoder::Malformed("message type is not a ns=0 numeric NodeId: " + ToString(id), at);
  }
  binary_encoding_id = id.numeric;
  return Status::Ok();
}

template <typename T>
ExtensionObject ToExtensionObject(const T& v) {
  ExtensionObject object;
  object.type_id = NodeId::Numeric(0, T::kBinaryEncodingId);
  object.encoding = ExtensionObject::Encoding::kBinary;
  Encoder e(object.body);
  (void)Put(e, v);
  return object;
}

template <typename T>
Status FromExtensionObject(const ExtensionObject& object, T& v) {
  if (object.type_id != NodeId::Numeric(0, T::kBinaryEncodingId) ||
      object.encoding != ExtensionObject::Encoding::kBinary) {
    return Status::InvalidArgument("ExtensionObject " + ToString(object.type_id) +
                                   " is not a binary body of i=" + std::to_string(T::kBinaryEncodingId));
  }
  Decoder d(object.body);
  MW_RETURN_IF_ERROR(Get(d, v));
  if (!d.AtEnd()) return d.Malformed("bytes left after the structure");
  return Status::Ok();
}

template Status Encode(Encoder&, const RequestHeader&);
template Status Decode(Decoder&, RequestHeader&);
template Status Encode(Encoder&, const ResponseHeader&);
template Status Decode(Decoder&, ResponseHeader&);
template Status Encode(Encoder&, const ServiceFault&);
template Status Decode(Decoder&, ServiceFault&);
template ExtensionObject ToExtensionObject(const ServiceFault&);
template Status FromExtensionObject(const ExtensionObject&, ServiceFault&);
template Status Encode(Encoder&, const ChannelSecurityToken&);
template Status Decode(Decoder&, ChannelSecurityToken&);
template Status Encode(Encoder&, const OpenSecureChannelRequest&);
template Status Decode(Decoder&, OpenSecureChannelRequest&);
template ExtensionObject ToExtensionObject(const OpenSecureChannelRequest&);
template Status FromExtensionObject(const ExtensionObject&, OpenSecureChannelRequest&);
template Status Encode(Encoder&, const OpenSecureChannelResponse&);
template Status Decode(Decoder&, OpenSecureChannelResponse&);
template ExtensionObject ToExtensionObject(const OpenSecureChannelResponse&);
template Status FromExtensionObject(const ExtensionObject&, OpenSecureChannelResponse&);
template Status Encode(Encoder&, const CloseSecureChannelRequest&);
template Status Decode(Decoder&, CloseSecureChannelRequest&);
template ExtensionObject ToExtensionObject(const CloseSecureChannelRequest&);
template Status FromExtensionObject(const ExtensionObject&, CloseSecureChannelRequest&);
template Status Encode(Encoder&, const CloseSecureChannelResponse&);
template Status Decode(Decoder&, CloseSecureChannelResponse&);
template ExtensionObject ToExtensionObject(const CloseSecureChannelResponse&);
template Status FromExtensionObject(const ExtensionObject&, CloseSecureChannelResponse&);
template Status Encode(Encoder&, const ApplicationDescription&);
template Status Decode(Decoder&, ApplicationDescription&);
template Status Encode(Encoder&, const UserTokenPolicy&);
template Status Decode(Decoder&, UserTokenPolicy&);
template Status Encode(Encoder&, const EndpointDescription&);
template Status Decode(Decoder&, EndpointDescription&);
template Status Encode(Encoder&, const GetEndpointsRequest&);
template Status Decode(Decoder&, GetEndpointsRequest&);
template ExtensionObject ToExtensionObject(const GetEndpointsRequest&);
template Status FromExtensionObject(const ExtensionObject&, GetEndpointsRequest&);
template Status Encode(Encoder&, const GetEndpointsResponse&);
template Status Decode(Decoder&, GetEndpointsResponse&);
template ExtensionObject ToExtensionObject(const GetEndpointsResponse&);
template Status FromExtensionObject(const ExtensionObject&, GetEndpointsResponse&);
template Status Encode(Encoder&, const SignatureData&);
template Status Decode(Decoder&, SignatureData&);
template Status Encode(Encoder&, const SignedSoftwareCertificate&);
template Status Decode(Decoder&, SignedSoftwareCertificate&);
template Status Encode(Encoder&, const CreateSessionRequest&);
template Status Decode(Decoder&, CreateSessionRequest&);
template ExtensionObject ToExtensionObject(const CreateSessionRequest&);
template Status FromExtensionObject(const ExtensionObject&, CreateSessionRequest&);
template Status Encode(Encoder&, const CreateSessionResponse&);
template Status Decode(Decoder&, CreateSessionResponse&);
template ExtensionObject ToExtensionObject(const CreateSessionResponse&);
template Status FromExtensionObject(const ExtensionObject&, CreateSessionResponse&);
template Status Encode(Encoder&, const AnonymousIdentityToken&);
template Status Decode(Decoder&, AnonymousIdentityToken&);
template ExtensionObject ToExtensionObject(const AnonymousIdentityToken&);
template Status FromExtensionObject(const ExtensionObject&, AnonymousIdentityToken&);
template Status Encode(Encoder&, const UserNameIdentityToken&);
template Status Decode(Decoder&, UserNameIdentityToken&);
template ExtensionObject ToExtensionObject(const UserNameIdentityToken&);
template Status FromExtensionObject(const ExtensionObject&, UserNameIdentityToken&);
template Status Encode(Encoder&, const X509IdentityToken&);
template Status Decode(Decoder&, X509IdentityToken&);
template ExtensionObject ToExtensionObject(const X509IdentityToken&);
template Status FromExtensionObject(const ExtensionObject&, X509IdentityToken&);
template Status Encode(Encoder&, const ActivateSessionRequest&);
template Status Decode(Decoder&, ActivateSessionRequest&);
template ExtensionObject ToExtensionObject(const ActivateSessionRequest&);
template Status FromExtensionObject(const ExtensionObject&, ActivateSessionRequest&);
template Status Encode(Encoder&, const ActivateSessionResponse&);
template Status Decode(Decoder&, ActivateSessionResponse&);
template ExtensionObject ToExtensionObject(const ActivateSessionResponse&);
template Status FromExtensionObject(const ExtensionObject&, ActivateSessionResponse&);
template Status Encode(Encoder&, const CloseSessionRequest&);
template Status Decode(Decoder&, CloseSessionRequest&);
template ExtensionObject ToExtensionObject(const CloseSessionRequest&);
template Status FromExtensionObject(const ExtensionObject&, CloseSessionRequest&);
template Status Encode(Encoder&, const CloseSessionResponse&);
template Status Decode(Decoder&, CloseSessionResponse&);
template ExtensionObject ToExtensionObject(const CloseSessionResponse&);
template Status FromExtensionObject(const ExtensionObject&, CloseSessionResponse&);
template Status Encode(Encoder&, const ReadValueId&);
template Status Decode(Decoder&, ReadValueId&);
template Status Encode(Encoder&, const ReadRequest&);
template Status Decode(Decoder&, ReadRequest&);
template ExtensionObject ToExtensionObject(const ReadRequest&);
template Status FromExtensionObject(const ExtensionObject&, ReadRequest&);
template Status Encode(Encoder&, const ReadResponse&);
template Status Decode(Decoder&, ReadResponse&);
template ExtensionObject ToExtensionObject(const ReadResponse&);
template Status FromExtensionObject(const ExtensionObject&, ReadResponse&);
template Status Encode(Encoder&, const WriteValue&);
template Status Decode(Decoder&, WriteValue&);
template Status Encode(Encoder&, const WriteRequest&);
template Status Decode(Decoder&, WriteRequest&);
template ExtensionObject ToExtensionObject(const WriteRequest&);
template Status FromExtensionObject(const ExtensionObject&, WriteRequest&);
template Status Encode(Encoder&, const WriteResponse&);
template Status Decode(Decoder&, WriteResponse&);
template ExtensionObject ToExtensionObject(const WriteResponse&);
template Status FromExtensionObject(const ExtensionObject&, WriteResponse&);
template Status Encode(Encoder&, const ReferenceDescription&);
template Status Decode(Decoder&, ReferenceDescription&);
template Status Encode(Encoder&, const BrowseDescription&);
template Status Decode(Decoder&, BrowseDescription&);
template Status Encode(Encoder&, const BrowseResult&);
template Status Decode(Decoder&, BrowseResult&);
template Status Encode(Encoder&, const ViewDescription&);
template Status Decode(Decoder&, ViewDescription&);
template Status Encode(Encoder&, const BrowseRequest&);
template Status Decode(Decoder&, BrowseRequest&);
template ExtensionObject ToExtensionObject(const BrowseRequest&);
template Status FromExtensionObject(const ExtensionObject&, BrowseRequest&);
template Status Encode(Encoder&, const BrowseResponse&);
template Status Decode(Decoder&, BrowseResponse&);
template ExtensionObject ToExtensionObject(const BrowseResponse&);
template Status FromExtensionObject(const ExtensionObject&, BrowseResponse&);
template Status Encode(Encoder&, const BrowseNextRequest&);
template Status Decode(Decoder&, BrowseNextRequest&);
template ExtensionObject ToExtensionObject(const BrowseNextRequest&);
template Status FromExtensionObject(const ExtensionObject&, BrowseNextRequest&);
template Status Encode(Encoder&, const BrowseNextResponse&);
template Status Decode(Decoder&, BrowseNextResponse&);
template ExtensionObject ToExtensionObject(const BrowseNextResponse&);
template Status FromExtensionObject(const ExtensionObject&, BrowseNextResponse&);
template Status Encode(Encoder&, const RelativePathElement&);
template Status Decode(Decoder&, RelativePathElement&);
template Status Encode(Encoder&, const RelativePath&);
template Status Decode(Decoder&, RelativePath&);
template Status Encode(Encoder&, const BrowsePath&);
template Status Decode(Decoder&, BrowsePath&);
template Status Encode(Encoder&, const BrowsePathTarget&);
template Status Decode(Decoder&, BrowsePathTarget&);
template Status Encode(Encoder&, const BrowsePathResult&);
template Status Decode(Decoder&, BrowsePathResult&);
template Status Encode(Encoder&, const TranslateBrowsePathsToNodeIdsRequest&);
template Status Decode(Decoder&, TranslateBrowsePathsToNodeIdsRequest&);
template ExtensionObject ToExtensionObject(const TranslateBrowsePathsToNodeIdsRequest&);
template Status FromExtensionObject(const ExtensionObject&, TranslateBrowsePathsToNodeIdsRequest&);
template Status Encode(Encoder&, const TranslateBrowsePathsToNodeIdsResponse&);
template Status Decode(Decoder&, TranslateBrowsePathsToNodeIdsResponse&);
template ExtensionObject ToExtensionObject(const TranslateBrowsePathsToNodeIdsResponse&);
template Status FromExtensionObject(const ExtensionObject&, TranslateBrowsePathsToNodeIdsResponse&);
template Status Encode(Encoder&, const RegisterNodesRequest&);
template Status Decode(Decoder&, RegisterNodesRequest&);
template ExtensionObject ToExtensionObject(const RegisterNodesRequest&);
template Status FromExtensionObject(const ExtensionObject&, RegisterNodesRequest&);
template Status Encode(Encoder&, const RegisterNodesResponse&);
template Status Decode(Decoder&, RegisterNodesResponse&);
template ExtensionObject ToExtensionObject(const RegisterNodesResponse&);
template Status FromExtensionObject(const ExtensionObject&, RegisterNodesResponse&);
template Status Encode(Encoder&, const CreateSubscriptionRequest&);
template Status Decode(Decoder&, CreateSubscriptionRequest&);
template ExtensionObject ToExtensionObject(const CreateSubscriptionRequest&);
template Status FromExtensionObject(const ExtensionObject&, CreateSubscriptionRequest&);
template Status Encode(Encoder&, const CreateSubscriptionResponse&);
template Status Decode(Decoder&, CreateSubscriptionResponse&);
template ExtensionObject ToExtensionObject(const CreateSubscriptionResponse&);
template Status FromExtensionObject(const ExtensionObject&, CreateSubscriptionResponse&);
template Status Encode(Encoder&, const DeleteSubscriptionsRequest&);
template Status Decode(Decoder&, DeleteSubscriptionsRequest&);
template ExtensionObject ToExtensionObject(const DeleteSubscriptionsRequest&);
template Status FromExtensionObject(const ExtensionObject&, DeleteSubscriptionsRequest&);
template Status Encode(Encoder&, const DeleteSubscriptionsResponse&);
template Status Decode(Decoder&, DeleteSubscriptionsResponse&);
template ExtensionObject ToExtensionObject(const DeleteSubscriptionsResponse&);
template Status FromExtensionObject(const ExtensionObject&, DeleteSubscriptionsResponse&);
template Status Encode(Encoder&, const TransferResult&);
template Status Decode(Decoder&, TransferResult&);
template Status Encode(Encoder&, const TransferSubscriptionsRequest&);
template Status Decode(Decoder&, TransferSubscriptionsRequest&);
template ExtensionObject ToExtensionObject(const TransferSubscriptionsRequest&);
template Status FromExtensionObject(const ExtensionObject&, TransferSubscriptionsRequest&);
template Status Encode(Encoder&, const TransferSubscriptionsResponse&);
template Status Decode(Decoder&, TransferSubscriptionsResponse&);
template ExtensionObject ToExtensionObject(const TransferSubscriptionsResponse&);
template Status FromExtensionObject(const ExtensionObject&, TransferSubscriptionsResponse&);
template Status Encode(Encoder&, const DataChangeFilter&);
template Status Decode(Decoder&, DataChangeFilter&);
template ExtensionObject ToExtensionObject(const DataChangeFilter&);
template Status FromExtensionObject(const ExtensionObject&, DataChangeFilter&);
template Status Encode(Encoder&, const MonitoringParameters&);
template Status Decode(Decoder&, MonitoringParameters&);
template Status Encode(Encoder&, const MonitoredItemCreateRequest&);
template Status Decode(Decoder&, MonitoredItemCreateRequest&);
template Status Encode(Encoder&, const MonitoredItemCreateResult&);
template Status Decode(Decoder&, MonitoredItemCreateResult&);
template Status Encode(Encoder&, const CreateMonitoredItemsRequest&);
template Status Decode(Decoder&, CreateMonitoredItemsRequest&);
template ExtensionObject ToExtensionObject(const CreateMonitoredItemsRequest&);
template Status FromExtensionObject(const ExtensionObject&, CreateMonitoredItemsRequest&);
template Status Encode(Encoder&, const CreateMonitoredItemsResponse&);
template Status Decode(Decoder&, CreateMonitoredItemsResponse&);
template ExtensionObject ToExtensionObject(const CreateMonitoredItemsResponse&);
template Status FromExtensionObject(const ExtensionObject&, CreateMonitoredItemsResponse&);
template Status Encode(Encoder&, const DeleteMonitoredItemsRequest&);
template Status Decode(Decoder&, DeleteMonitoredItemsRequest&);
template ExtensionObject ToExtensionObject(const DeleteMonitoredItemsRequest&);
template Status FromExtensionObject(const ExtensionObject&, DeleteMonitoredItemsRequest&);
template Status Encode(Encoder&, const DeleteMonitoredItemsResponse&);
template Status Decode(Decoder&, DeleteMonitoredItemsResponse&);
template ExtensionObject ToExtensionObject(const DeleteMonitoredItemsResponse&);
template Status FromExtensionObject(const ExtensionObject&, DeleteMonitoredItemsResponse&);
template Status Encode(Encoder&, const SubscriptionAcknowledgement&);
template Status Decode(Decoder&, SubscriptionAcknowledgement&);
template Status Encode(Encoder&, const NotificationMessage&);
template Status Decode(Decoder&, NotificationMessage&);
template Status Encode(Encoder&, const MonitoredItemNotification&);
template Status Decode(Decoder&, MonitoredItemNotification&);
template Status Encode(Encoder&, const DataChangeNotification&);
template Status Decode(Decoder&, DataChangeNotification&);
template ExtensionObject ToExtensionObject(const DataChangeNotification&);
template Status FromExtensionObject(const ExtensionObject&, DataChangeNotification&);
template Status Encode(Encoder&, const StatusChangeNotification&);
template Status Decode(Decoder&, StatusChangeNotification&);
template ExtensionObject ToExtensionObject(const StatusChangeNotification&);
template Status FromExtensionObject(const ExtensionObject&, StatusChangeNotification&);
template Status Encode(Encoder&, const PublishRequest&);
template Status Decode(Decoder&, PublishRequest&);
template ExtensionObject ToExtensionObject(const PublishRequest&);
template Status FromExtensionObject(const ExtensionObject&, PublishRequest&);
template Status Encode(Encoder&, const PublishResponse&);
template Status Decode(Decoder&, PublishResponse&);
template ExtensionObject ToExtensionObject(const PublishResponse&);
template Status FromExtensionObject(const ExtensionObject&, PublishResponse&);
template Status Encode(Encoder&, const RepublishRequest&);
template Status Decode(Decoder&, RepublishRequest&);
template ExtensionObject ToExtensionObject(const RepublishRequest&);
template Status FromExtensionObject(const ExtensionObject&, RepublishRequest&);
template Status Encode(Encoder&, const RepublishResponse&);
template Status Decode(Decoder&, RepublishResponse&);
template ExtensionObject ToExtensionObject(const RepublishResponse&);
template Status FromExtensionObject(const ExtensionObject&, RepublishResponse&);
template Status Encode(Encoder&, const ReadRawModifiedDetails&);
template Status Decode(Decoder&, ReadRawModifiedDetails&);
template ExtensionObject ToExtensionObject(const ReadRawModifiedDetails&);
template Status FromExtensionObject(const ExtensionObject&, ReadRawModifiedDetails&);
template Status Encode(Encoder&, const HistoryReadValueId&);
template Status Decode(Decoder&, HistoryReadValueId&);
template Status Encode(Encoder&, const HistoryReadResult&);
template Status Decode(Decoder&, HistoryReadResult&);
template Status Encode(Encoder&, const HistoryData&);
template Status Decode(Decoder&, HistoryData&);
template ExtensionObject ToExtensionObject(const HistoryData&);
template Status FromExtensionObject(const ExtensionObject&, HistoryData&);
template Status Encode(Encoder&, const HistoryReadRequest&);
template Status Decode(Decoder&, HistoryReadRequest&);
template ExtensionObject ToExtensionObject(const HistoryReadRequest&);
template Status FromExtensionObject(const ExtensionObject&, HistoryReadRequest&);
template Status Encode(Encoder&, const HistoryReadResponse&);
template Status Decode(Decoder&, HistoryReadResponse&);
template ExtensionObject ToExtensionObject(const HistoryReadResponse&);
template Status FromExtensionObject(const ExtensionObject&, HistoryReadResponse&);

}  // namespace mw::opcua
