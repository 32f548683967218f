// Fuzzes the decoders of every service message a client or a server receives from the network:
// the first input byte picks the message type; what decodes is encoded again, which must not
// fail.
#include <cstddef>
#include <cstdint>
#include <string>

#include "opcua/services/codec.h"

using namespace mw::opcua;

namespace {

template <typename T>
void Try(const std::string& bytes) {
  Decoder d(bytes);
  T message;
  if (!Decode(d, message).ok()) return;
  std::string out;
  Encoder e(out);
  if (!Encode(e, message).ok()) __builtin_trap();
}

template <typename T>
void TryExtension(const std::string& bytes) {
  ExtensionObject object;
  object.type_id = NodeId::Numeric(0, T::kBinaryEncodingId);
  object.encoding = ExtensionObject::Encoding::kBinary;
  object.body = bytes;
  T message;
  (void)FromExtensionObject(object, message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 16) {
    case 0:
      Try<ServiceFault>(bytes);
      break;
    case 1:
      Try<OpenSecureChannelResponse>(bytes);
      break;
    case 2:
      Try<GetEndpointsResponse>(bytes);
      break;
    case 3:
      Try<CreateSessionResponse>(bytes);
      break;
    case 4:
      Try<ActivateSessionResponse>(bytes);
      break;
    case 5:
      Try<ReadResponse>(bytes);
      break;
    case 6:
      Try<BrowseResponse>(bytes);
      break;
    case 7:
      Try<PublishResponse>(bytes);
      break;
    case 8:
      Try<CreateMonitoredItemsResponse>(bytes);
      break;
    case 9:
      Try<HistoryReadResponse>(bytes);
      break;
    case 10:
      Try<TranslateBrowsePathsToNodeIdsResponse>(bytes);
      break;
    case 11:
      TryExtension<DataChangeNotification>(bytes);
      break;
    case 12:
      TryExtension<HistoryData>(bytes);
      break;
    case 13:
      Try<ReadRequest>(bytes);
      break;
    case 14:
      Try<CreateSessionRequest>(bytes);
      break;
    default:
      Try<ActivateSessionRequest>(bytes);
      break;
  }
  return 0;
}
