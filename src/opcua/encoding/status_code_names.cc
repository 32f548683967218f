#include "opcua/encoding/status_code_names.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace mw::opcua {
namespace {

struct Entry {
  std::uint32_t code;
  std::string_view name;
};

// Sorted by code, so that lookups can binary-search.
constexpr Entry kEntries[] = {
    {0x00000000, "Good"},
    {0x002D0000, "GoodSubscriptionTransferred"},
    {0x002E0000, "GoodCompletesAsynchronously"},
    {0x002F0000, "GoodOverload"},
    {0x00300000, "GoodClamped"},
    {0x00960000, "GoodLocalOverride"},
    {0x40000000, "Uncertain"},
    {0x408F0000, "UncertainNoCommunicationLastUsableValue"},
    {0x40900000, "UncertainLastUsableValue"},
    {0x40910000, "UncertainSubstituteValue"},
    {0x40920000, "UncertainInitialValue"},
    {0x40930000, "UncertainSensorNotAccurate"},
    {0x40940000, "UncertainEngineeringUnitsExceeded"},
    {0x40950000, "UncertainSubNormal"},
    {0x80000000, "Bad"},
    {0x80010000, "BadUnexpectedError"},
    {0x80020000, "BadInternalError"},
    {0x80030000, "BadOutOfMemory"},
    {0x80040000, "BadResourceUnavailable"},
    {0x80050000, "BadCommunicationError"},
    {0x80060000, "BadEncodingError"},
    {0x80070000, "BadDecodingError"},
    {0x80080000, "BadEncodingLimitsExceeded"},
    {0x80090000, "BadUnknownResponse"},
    {0x800A0000, "BadTimeout"},
    {0x800B0000, "BadServiceUnsupported"},
    {0x800C0000, "BadShutdown"},
    {0x800D0000, "BadServerNotConnected"},
    {0x800E0000, "BadServerHalted"},
    {0x800F0000, "BadNothingToDo"},
    {0x80100000, "BadTooManyOperations"},
    {0x80110000, "BadDataTypeIdUnknown"},
    {0x80120000, "BadCertificateInvalid"},
    {0x80130000, "BadSecurityChecksFailed"},
    {0x80140000, "BadCertificateTimeInvalid"},
    {0x80150000, "BadCertificateIssuerTimeInvalid"},
    {0x80160000, "BadCertificateHostNameInvalid"},
    {0x80170000, "BadCertificateUriInvalid"},
    {0x80180000, "BadCertificateUseNotAllowed"},
    {0x80190000, "BadCertificateIssuerUseNotAllowed"},
    {0x801A0000, "BadCertificateUntrusted"},
    {0x801B0000, "BadCertificateRevocationUnknown"},
    {0x801C0000, "BadCertificateIssuerRevocationUnknown"},
    {0x801D0000, "BadCertificateRevoked"},
    {0x801E0000, "BadCertificateIssuerRevoked"},
    {0x801F0000, "BadUserAccessDenied"},
    {0x80200000, "BadIdentityTokenInvalid"},
    {0x80210000, "BadIdentityTokenRejected"},
    {0x80220000, "BadSecureChannelIdInvalid"},
    {0x80230000, "BadInvalidTimestamp"},
    {0x80240000, "BadNonceInvalid"},
    {0x80250000, "BadSessionIdInvalid"},
    {0x80260000, "BadSessionClosed"},
    {0x80270000, "BadSessionNotActivated"},
    {0x80280000, "BadSubscriptionIdInvalid"},
    {0x802A0000, "BadRequestHeaderInvalid"},
    {0x802B0000, "BadTimestampsToReturnInvalid"},
    {0x802C0000, "BadRequestCancelledByClient"},
    {0x80310000, "BadNoCommunication"},
    {0x80320000, "BadWaitingForInitialData"},
    {0x80330000, "BadNodeIdInvalid"},
    {0x80340000, "BadNodeIdUnknown"},
    {0x80350000, "BadAttributeIdInvalid"},
    {0x80360000, "BadIndexRangeInvalid"},
    {0x80370000, "BadIndexRangeNoData"},
    {0x80380000, "BadDataEncodingInvalid"},
    {0x80390000, "BadDataEncodingUnsupported"},
    {0x803A0000, "BadNotReadable"},
    {0x803B0000, "BadNotWritable"},
    {0x803C0000, "BadOutOfRange"},
    {0x803D0000, "BadNotSupported"},
    {0x803E0000, "BadNotFound"},
    {0x803F0000, "BadObjectDeleted"},
    {0x80400000, "BadNotImplemented"},
    {0x80410000, "BadMonitoringModeInvalid"},
    {0x80420000, "BadMonitoredItemIdInvalid"},
    {0x80430000, "BadMonitoredItemFilterInvalid"},
    {0x80440000, "BadMonitoredItemFilterUnsupported"},
    {0x80450000, "BadFilterNotAllowed"},
    {0x80460000, "BadStructureMissing"},
    {0x80470000, "BadEventFilterInvalid"},
    {0x80480000, "BadContentFilterInvalid"},
    {0x804A0000, "BadContinuationPointInvalid"},
    {0x804B0000, "BadNoContinuationPoints"},
    {0x804C0000, "BadReferenceTypeIdInvalid"},
    {0x804D0000, "BadBrowseDirectionInvalid"},
    {0x804E0000, "BadNodeNotInView"},
    {0x80530000, "BadRequestTypeInvalid"},
    {0x80540000, "BadSecurityModeRejected"},
    {0x80550000, "BadSecurityPolicyRejected"},
    {0x80560000, "BadTooManySessions"},
    {0x80570000, "BadUserSignatureInvalid"},
    {0x80580000, "BadApplicationSignatureInvalid"},
    {0x80590000, "BadNoValidCertificates"},
    {0x80600000, "BadBrowseNameInvalid"},
    {0x806B0000, "BadViewIdUnknown"},
    {0x806F0000, "BadNoMatch"},
    {0x80700000, "BadMaxAgeInvalid"},
    {0x80730000, "BadWriteNotSupported"},
    {0x80740000, "BadTypeMismatch"},
    {0x80750000, "BadMethodInvalid"},
    {0x80760000, "BadArgumentsMissing"},
    {0x80770000, "BadTooManySubscriptions"},
    {0x80780000, "BadTooManyPublishRequests"},
    {0x80790000, "BadNoSubscription"},
    {0x807A0000, "BadSequenceNumberUnknown"},
    {0x807B0000, "BadMessageNotAvailable"},
    {0x807C0000, "BadInsufficientClientProfile"},
    {0x807D0000, "BadTcpServerTooBusy"},
    {0x807E0000, "BadTcpMessageTypeInvalid"},
    {0x807F0000, "BadTcpSecureChannelUnknown"},
    {0x80800000, "BadTcpMessageTooLarge"},
    {0x80810000, "BadTcpNotEnoughResources"},
    {0x80820000, "BadTcpInternalError"},
    {0x80830000, "BadTcpEndpointUrlInvalid"},
    {0x80840000, "BadRequestInterrupted"},
    {0x80850000, "BadRequestTimeout"},
    {0x80860000, "BadSecureChannelClosed"},
    {0x80870000, "BadSecureChannelTokenUnknown"},
    {0x80880000, "BadSequenceNumberInvalid"},
    {0x80890000, "BadConfigurationError"},
    {0x808A0000, "BadNotConnected"},
    {0x808B0000, "BadDeviceFailure"},
    {0x808C0000, "BadSensorFailure"},
    {0x808D0000, "BadOutOfService"},
    {0x808E0000, "BadDeadbandFilterInvalid"},
    {0x80AB0000, "BadInvalidArgument"},
    {0x80AC0000, "BadConnectionRejected"},
    {0x80AD0000, "BadDisconnect"},
    {0x80AE0000, "BadConnectionClosed"},
    {0x80AF0000, "BadInvalidState"},
    {0x80B00000, "BadEndOfStream"},
    {0x80B10000, "BadNoDataAvailable"},
    {0x80B20000, "BadWaitingForResponse"},
    {0x80B30000, "BadOperationAbandoned"},
    {0x80B40000, "BadExpectedStreamToBlock"},
    {0x80B50000, "BadWouldBlock"},
    {0x80B60000, "BadSyntaxError"},
    {0x80B70000, "BadMaxConnectionsReached"},
    {0x80B80000, "BadRequestTooLarge"},
    {0x80B90000, "BadResponseTooLarge"},
    {0x80BE0000, "BadProtocolVersionUnsupported"},
    {0x80BF0000, "BadStateNotActive"},
    {0x80DB0000, "BadTooManyMonitoredItems"},
    {0x80E60000, "BadSecurityModeInsufficient"},
    {0x80EA0000, "BadIndexRangeDataMismatch"},
};

std::string Hex(std::uint32_t code) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(code));
  return buf;
}

const Entry* Find(std::uint32_t code) {
  const auto* it = std::lower_bound(std::begin(kEntries), std::end(kEntries), code,
                                    [](const Entry& e, std::uint32_t c) { return e.code < c; });
  return it != std::end(kEntries) && it->code == code ? it : nullptr;
}

}  // namespace

std::string StatusCodeName(std::uint32_t code) {
  const Entry* e = Find(code & 0xFFFF0000U);
  if (e == nullptr) return Hex(code);
  if ((code & 0xFFFFU) == 0) return std::string(e->name);
  return std::string(e->name) + " (" + Hex(code) + ")";
}

std::optional<std::uint32_t> StatusCodeFromName(std::string_view name) {
  for (const Entry& e : kEntries) {
    if (e.name == name) return e.code;
  }
  return std::nullopt;
}

}  // namespace mw::opcua
