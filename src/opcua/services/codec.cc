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
Status Put(Encoder& e, std::int32_t v) {
  e.Int32(v);
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
Status Get(Decoder& d, std::int32_t& v) { return d.Int32(v); }
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

// Every structure: its field list (Io, below) read or written. Io is found at instantiation by
// argument-dependent lookup through In/Out, so the field lists may come in any order.
struct In;
struct Out;
template <typename T>
requires std::is_class_v<T> Status Put(Encoder& e, const T& v);
template <typename T>
requires std::is_class_v<T> Status Get(Decoder& d, T& v);

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
  return io(v.response_header, v.results, v.diagnostic_infos);
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

template <typename IO>
Status Io(IO& io, FindServersRequest& v) {
  return io(v.request_header, v.endpoint_url, v.locale_ids, v.server_uris);
}
template <typename IO>
Status Io(IO& io, FindServersResponse& v) {
  return io(v.response_header, v.servers);
}
template <typename IO>
Status Io(IO& io, UnregisterNodesRequest& v) {
  return io(v.request_header, v.nodes_to_unregister);
}
template <typename IO>
Status Io(IO& io, UnregisterNodesResponse& v) {
  return io(v.response_header);
}
template <typename IO>
Status Io(IO& io, ModifySubscriptionRequest& v) {
  return io(v.request_header, v.subscription_id, v.requested_publishing_interval, v.requested_lifetime_count,
            v.requested_max_keep_alive_count, v.max_notifications_per_publish, v.priority);
}
template <typename IO>
Status Io(IO& io, ModifySubscriptionResponse& v) {
  return io(v.response_header, v.revised_publishing_interval, v.revised_lifetime_count,
            v.revised_max_keep_alive_count);
}
template <typename IO>
Status Io(IO& io, SetPublishingModeRequest& v) {
  return io(v.request_header, v.publishing_enabled, v.subscription_ids);
}
template <typename IO>
Status Io(IO& io, SetPublishingModeResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}
template <typename IO>
Status Io(IO& io, MonitoredItemModifyRequest& v) {
  return io(v.monitored_item_id, v.requested_parameters);
}
template <typename IO>
Status Io(IO& io, MonitoredItemModifyResult& v) {
  return io(v.status_code, v.revised_sampling_interval, v.revised_queue_size, v.filter_result);
}
template <typename IO>
Status Io(IO& io, ModifyMonitoredItemsRequest& v) {
  return io(v.request_header, v.subscription_id, v.timestamps_to_return, v.items_to_modify);
}
template <typename IO>
Status Io(IO& io, ModifyMonitoredItemsResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}
template <typename IO>
Status Io(IO& io, SetMonitoringModeRequest& v) {
  return io(v.request_header, v.subscription_id, v.monitoring_mode, v.monitored_item_ids);
}
template <typename IO>
Status Io(IO& io, SetMonitoringModeResponse& v) {
  return io(v.response_header, v.results, v.diagnostic_infos);
}
template <typename IO>
Status Io(IO& io, EUInformation& v) {
  return io(v.namespace_uri, v.unit_id, v.display_name, v.description);
}
template <typename IO>
Status Io(IO& io, Range& v) {
  return io(v.low, v.high);
}
template <typename IO>
Status Io(IO& io, BuildInfo& v) {
  return io(v.product_uri, v.manufacturer_name, v.product_name, v.software_version, v.build_number,
            v.build_date);
}
template <typename IO>
Status Io(IO& io, ServerStatusDataType& v) {
  return io(v.start_time, v.current_time, v.state, v.build_info, v.seconds_till_shutdown, v.shutdown_reason);
}

template <typename T>
requires std::is_class_v<T> Status Put(Encoder& e, const T& v) {
  Out out{e};
  return Io(out, const_cast<T&>(v));
}
template <typename T>
requires std::is_class_v<T> Status Get(Decoder& d, T& v) {
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

// Explicit instantiations: one line per structure of types.h (a message also travels inside
// ExtensionObjects).
// NOLINTBEGIN(bugprone-macro-parentheses): T is a type name.
#define MW_UA_STRUCTURE(T)                    \
  template Status Encode(Encoder&, const T&); \
  template Status Decode(Decoder&, T&);
#define MW_UA_MESSAGE(T)                                \
  MW_UA_STRUCTURE(T)                                    \
  template ExtensionObject ToExtensionObject(const T&); \
  template Status FromExtensionObject(const ExtensionObject&, T&);
MW_UA_STRUCTURE(RequestHeader)
MW_UA_STRUCTURE(ResponseHeader)
MW_UA_MESSAGE(ServiceFault)
MW_UA_STRUCTURE(ChannelSecurityToken)
MW_UA_MESSAGE(OpenSecureChannelRequest)
MW_UA_MESSAGE(OpenSecureChannelResponse)
MW_UA_MESSAGE(CloseSecureChannelRequest)
MW_UA_MESSAGE(CloseSecureChannelResponse)
MW_UA_STRUCTURE(ApplicationDescription)
MW_UA_STRUCTURE(UserTokenPolicy)
MW_UA_STRUCTURE(EndpointDescription)
MW_UA_MESSAGE(GetEndpointsRequest)
MW_UA_MESSAGE(GetEndpointsResponse)
MW_UA_STRUCTURE(SignatureData)
MW_UA_STRUCTURE(SignedSoftwareCertificate)
MW_UA_MESSAGE(CreateSessionRequest)
MW_UA_MESSAGE(CreateSessionResponse)
MW_UA_MESSAGE(AnonymousIdentityToken)
MW_UA_MESSAGE(UserNameIdentityToken)
MW_UA_MESSAGE(X509IdentityToken)
MW_UA_MESSAGE(ActivateSessionRequest)
MW_UA_MESSAGE(ActivateSessionResponse)
MW_UA_MESSAGE(CloseSessionRequest)
MW_UA_MESSAGE(CloseSessionResponse)
MW_UA_STRUCTURE(ReadValueId)
MW_UA_MESSAGE(ReadRequest)
MW_UA_MESSAGE(ReadResponse)
MW_UA_STRUCTURE(WriteValue)
MW_UA_MESSAGE(WriteRequest)
MW_UA_MESSAGE(WriteResponse)
MW_UA_STRUCTURE(ReferenceDescription)
MW_UA_STRUCTURE(BrowseDescription)
MW_UA_STRUCTURE(BrowseResult)
MW_UA_STRUCTURE(ViewDescription)
MW_UA_MESSAGE(BrowseRequest)
MW_UA_MESSAGE(BrowseResponse)
MW_UA_MESSAGE(BrowseNextRequest)
MW_UA_MESSAGE(BrowseNextResponse)
MW_UA_STRUCTURE(RelativePathElement)
MW_UA_STRUCTURE(RelativePath)
MW_UA_STRUCTURE(BrowsePath)
MW_UA_STRUCTURE(BrowsePathTarget)
MW_UA_STRUCTURE(BrowsePathResult)
MW_UA_MESSAGE(TranslateBrowsePathsToNodeIdsRequest)
MW_UA_MESSAGE(TranslateBrowsePathsToNodeIdsResponse)
MW_UA_MESSAGE(RegisterNodesRequest)
MW_UA_MESSAGE(RegisterNodesResponse)
MW_UA_MESSAGE(CreateSubscriptionRequest)
MW_UA_MESSAGE(CreateSubscriptionResponse)
MW_UA_MESSAGE(DeleteSubscriptionsRequest)
MW_UA_MESSAGE(DeleteSubscriptionsResponse)
MW_UA_STRUCTURE(TransferResult)
MW_UA_MESSAGE(TransferSubscriptionsRequest)
MW_UA_MESSAGE(TransferSubscriptionsResponse)
MW_UA_MESSAGE(DataChangeFilter)
MW_UA_STRUCTURE(MonitoringParameters)
MW_UA_STRUCTURE(MonitoredItemCreateRequest)
MW_UA_STRUCTURE(MonitoredItemCreateResult)
MW_UA_MESSAGE(CreateMonitoredItemsRequest)
MW_UA_MESSAGE(CreateMonitoredItemsResponse)
MW_UA_MESSAGE(DeleteMonitoredItemsRequest)
MW_UA_MESSAGE(DeleteMonitoredItemsResponse)
MW_UA_STRUCTURE(SubscriptionAcknowledgement)
MW_UA_STRUCTURE(NotificationMessage)
MW_UA_STRUCTURE(MonitoredItemNotification)
MW_UA_MESSAGE(DataChangeNotification)
MW_UA_MESSAGE(StatusChangeNotification)
MW_UA_MESSAGE(PublishRequest)
MW_UA_MESSAGE(PublishResponse)
MW_UA_MESSAGE(RepublishRequest)
MW_UA_MESSAGE(RepublishResponse)
MW_UA_MESSAGE(ReadRawModifiedDetails)
MW_UA_STRUCTURE(HistoryReadValueId)
MW_UA_STRUCTURE(HistoryReadResult)
MW_UA_MESSAGE(HistoryData)
MW_UA_MESSAGE(HistoryReadRequest)
MW_UA_MESSAGE(HistoryReadResponse)
MW_UA_MESSAGE(FindServersRequest)
MW_UA_MESSAGE(FindServersResponse)
MW_UA_MESSAGE(UnregisterNodesRequest)
MW_UA_MESSAGE(UnregisterNodesResponse)
MW_UA_MESSAGE(ModifySubscriptionRequest)
MW_UA_MESSAGE(ModifySubscriptionResponse)
MW_UA_MESSAGE(SetPublishingModeRequest)
MW_UA_MESSAGE(SetPublishingModeResponse)
MW_UA_MESSAGE(ModifyMonitoredItemsRequest)
MW_UA_MESSAGE(ModifyMonitoredItemsResponse)
MW_UA_MESSAGE(SetMonitoringModeRequest)
MW_UA_MESSAGE(SetMonitoringModeResponse)
MW_UA_MESSAGE(EUInformation)
MW_UA_MESSAGE(Range)
MW_UA_MESSAGE(BuildInfo)
MW_UA_MESSAGE(ServerStatusDataType)
MW_UA_STRUCTURE(MonitoredItemModifyRequest)
MW_UA_STRUCTURE(MonitoredItemModifyResult)
#undef MW_UA_MESSAGE
#undef MW_UA_STRUCTURE
// NOLINTEND(bugprone-macro-parentheses)

}  // namespace mw::opcua
