// Feeds arbitrary bytes to every decoder of the historian's own formats: the four WAL record
// payloads and the rollup blob. The first byte picks the decoder. Decoders must reject bad input
// with a Status, never crash, never read outside the input; what decodes must re-encode to the
// same bytes (series definitions and frames, whose encodings are canonical).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "storage/historian/rollup.h"
#include "storage/historian/wal_records.h"

using namespace mw::storage::historian;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::span<const std::uint8_t> payload(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      auto def = DecodeSeriesDef(payload);
      if (def.ok()) {
        std::vector<std::uint8_t> again;
        EncodeSeriesDef(*def, again);
        if (again.size() != payload.size() || !std::equal(again.begin(), again.end(), payload.begin()))
          std::abort();
      }
      break;
    }
    case 1: {
      SamplesRecord r;
      (void)DecodeSamples(payload, r);
      break;
    }
    case 2: {
      std::vector<mw::Event> events;
      (void)DecodeEvents(payload, events);
      break;
    }
    case 3: {
      auto frame = DecodeFrame(payload);
      if (frame.ok()) {
        std::vector<std::uint8_t> again;
        EncodeFrame(frame->stored_id, frame->time, frame->shape, frame->elements, again);
        if (again.size() != payload.size() || !std::equal(again.begin(), again.end(), payload.begin()))
          std::abort();
      }
      break;
    }
    default: {
      std::vector<mw::storage::Bucket> buckets;
      (void)DecodeRollup(payload, "fuzz", buckets);
      break;
    }
  }
  return 0;
}
