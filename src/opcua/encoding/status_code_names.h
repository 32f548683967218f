// Names of the common OPC UA StatusCodes (OPC 10000-4, 7.39; values from the specification's
// StatusCode table). Pure functions over a static table, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mw::opcua {

// Well-known codes used elsewhere in the stack.
inline constexpr std::uint32_t kGood = 0x00000000;
inline constexpr std::uint32_t kUncertain = 0x40000000;
inline constexpr std::uint32_t kBad = 0x80000000;
inline constexpr std::uint32_t kBadDecodingError = 0x80070000;
inline constexpr std::uint32_t kBadEncodingLimitsExceeded = 0x80080000;
inline constexpr std::uint32_t kBadTimeout = 0x800A0000;
inline constexpr std::uint32_t kBadNodeIdUnknown = 0x80340000;
inline constexpr std::uint32_t kBadApplicationSignatureInvalid = 0x80580000;
inline constexpr std::uint32_t kBadAttributeIdInvalid = 0x80350000;
inline constexpr std::uint32_t kBadBrowseDirectionInvalid = 0x804D0000;
inline constexpr std::uint32_t kBadBrowseNameInvalid = 0x80600000;
inline constexpr std::uint32_t kBadCertificateUntrusted = 0x801A0000;
inline constexpr std::uint32_t kBadContinuationPointInvalid = 0x804A0000;
inline constexpr std::uint32_t kBadDataEncodingUnsupported = 0x80390000;
inline constexpr std::uint32_t kBadDeadbandFilterInvalid = 0x808E0000;
inline constexpr std::uint32_t kBadFilterNotAllowed = 0x80450000;
inline constexpr std::uint32_t kBadIdentityTokenInvalid = 0x80200000;
inline constexpr std::uint32_t kBadIdentityTokenRejected = 0x80210000;
inline constexpr std::uint32_t kBadIndexRangeInvalid = 0x80360000;
inline constexpr std::uint32_t kBadIndexRangeNoData = 0x80370000;
inline constexpr std::uint32_t kBadInternalError = 0x80020000;
inline constexpr std::uint32_t kBadInvalidArgument = 0x80AB0000;
inline constexpr std::uint32_t kBadMaxAgeInvalid = 0x80700000;
inline constexpr std::uint32_t kBadMessageNotAvailable = 0x807B0000;
inline constexpr std::uint32_t kBadMonitoredItemFilterUnsupported = 0x80440000;
inline constexpr std::uint32_t kBadMonitoredItemIdInvalid = 0x80420000;
inline constexpr std::uint32_t kBadMonitoringModeInvalid = 0x80410000;
inline constexpr std::uint32_t kBadNoContinuationPoints = 0x804B0000;
inline constexpr std::uint32_t kBadNoMatch = 0x806F0000;
inline constexpr std::uint32_t kBadNoSubscription = 0x80790000;
inline constexpr std::uint32_t kBadNodeIdInvalid = 0x80330000;
inline constexpr std::uint32_t kBadNonceInvalid = 0x80240000;
inline constexpr std::uint32_t kBadNotReadable = 0x803A0000;
inline constexpr std::uint32_t kBadNotWritable = 0x803B0000;
inline constexpr std::uint32_t kBadNothingToDo = 0x800F0000;
inline constexpr std::uint32_t kBadProtocolVersionUnsupported = 0x80BE0000;
inline constexpr std::uint32_t kBadReferenceTypeIdInvalid = 0x804C0000;
inline constexpr std::uint32_t kBadRequestTooLarge = 0x80B80000;
inline constexpr std::uint32_t kBadResponseTooLarge = 0x80B90000;
inline constexpr std::uint32_t kBadSecureChannelIdInvalid = 0x80220000;
inline constexpr std::uint32_t kBadSecureChannelTokenUnknown = 0x80870000;
inline constexpr std::uint32_t kBadSequenceNumberInvalid = 0x80880000;
inline constexpr std::uint32_t kBadSecurityChecksFailed = 0x80130000;
inline constexpr std::uint32_t kBadSecurityModeInsufficient = 0x80E60000;
inline constexpr std::uint32_t kBadSecurityModeRejected = 0x80540000;
inline constexpr std::uint32_t kBadSecurityPolicyRejected = 0x80550000;
inline constexpr std::uint32_t kBadSequenceNumberUnknown = 0x807A0000;
inline constexpr std::uint32_t kBadServiceUnsupported = 0x800B0000;
inline constexpr std::uint32_t kBadSessionClosed = 0x80260000;
inline constexpr std::uint32_t kBadSessionIdInvalid = 0x80250000;
inline constexpr std::uint32_t kBadSessionNotActivated = 0x80270000;
inline constexpr std::uint32_t kBadShutdown = 0x800C0000;
inline constexpr std::uint32_t kBadSubscriptionIdInvalid = 0x80280000;
inline constexpr std::uint32_t kBadTcpEndpointUrlInvalid = 0x80830000;
inline constexpr std::uint32_t kBadTcpInternalError = 0x80820000;
inline constexpr std::uint32_t kBadTcpMessageTooLarge = 0x80800000;
inline constexpr std::uint32_t kBadTcpMessageTypeInvalid = 0x807E0000;
inline constexpr std::uint32_t kBadTcpNotEnoughResources = 0x80810000;
inline constexpr std::uint32_t kBadTcpSecureChannelUnknown = 0x807F0000;
inline constexpr std::uint32_t kBadTcpServerTooBusy = 0x807D0000;
inline constexpr std::uint32_t kBadTimestampsToReturnInvalid = 0x802B0000;
inline constexpr std::uint32_t kBadTooManyMonitoredItems = 0x80DB0000;
inline constexpr std::uint32_t kBadTooManyOperations = 0x80100000;
inline constexpr std::uint32_t kBadTooManyPublishRequests = 0x80780000;
inline constexpr std::uint32_t kBadTooManySessions = 0x80560000;
inline constexpr std::uint32_t kBadTooManySubscriptions = 0x80770000;
inline constexpr std::uint32_t kBadTypeMismatch = 0x80740000;
inline constexpr std::uint32_t kBadUserAccessDenied = 0x801F0000;
inline constexpr std::uint32_t kBadUserSignatureInvalid = 0x80570000;
inline constexpr std::uint32_t kBadViewIdUnknown = 0x806B0000;
inline constexpr std::uint32_t kBadWriteNotSupported = 0x80730000;

// "BadTimeout" for 0x800A0000. The low 16 bits (info bits such as Overflow or the limit bits) do
// not change the name; they are appended in hex: "Good (0x00000400)". Unknown codes print as hex
// ("0x80AB1234").
std::string StatusCodeName(std::uint32_t code);

// The code of a name in the table ("BadTimeout" -> 0x800A0000), or nullopt.
std::optional<std::uint32_t> StatusCodeFromName(std::string_view name);

}  // namespace mw::opcua
