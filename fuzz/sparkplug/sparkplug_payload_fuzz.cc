// Feeds arbitrary bytes to the Sparkplug B payload decoder and checks what it promises: no crash,
// an error or a payload; a decoded payload encodes again and decodes to the same thing; every
// metric with a datatype reads as a number or says why not; the birth datatype of a data message's
// metric applies or is refused.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "connectors/sparkplug/payload.h"
#include "connectors/sparkplug/topic.h"

namespace {

using namespace mw::connectors::sparkplug;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool SameValue(const MetricValue& a, const MetricValue& b) {
  // NaN != NaN: compare doubles by their bits.
  if (const auto* x = std::get_if<double>(&a)) {
    const auto* y = std::get_if<double>(&b);
    return y != nullptr && (std::isnan(*x) ? std::isnan(*y) : *x == *y);
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Payload payload;
  if (!DecodePayload(bytes, payload).ok()) {
    // The same bytes as a topic: the parser must not mind either.
    (void)ParseTopic(bytes);
    return 0;
  }
  for (const Metric& m : payload.metrics) {
    Check(static_cast<std::uint32_t>(m.datatype) <= kMaxDataType);
    auto number = NumericValue(m);
    Check(number.ok() || !number.status().message().empty());
    Metric copy = m;
    if (m.datatype == DataType::kUnknown) (void)ApplyDatatype(copy, static_cast<DataType>(size % 35));
  }
  // Values we keep must survive our own encoding, except a metric whose value we do not unpack
  // (DataSet, Template, ...), which the encoder refuses.
  auto again = EncodePayload(payload);
  if (!again.ok()) return 0;
  Payload second;
  Check(DecodePayload(*again, second).ok());
  Check(second.metrics.size() == payload.metrics.size() && second.seq == payload.seq &&
        second.timestamp == payload.timestamp);
  for (std::size_t i = 0; i < payload.metrics.size(); ++i) {
    Check(second.metrics[i].name == payload.metrics[i].name);
    Check(second.metrics[i].alias == payload.metrics[i].alias);
    Check(second.metrics[i].is_null == payload.metrics[i].is_null);
    // Without a datatype an int_value comes back as long_value: the same number.
    Check(SameValue(second.metrics[i].value, payload.metrics[i].value));
  }
  return 0;
}
