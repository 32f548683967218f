// Feeds arbitrary bytes to the frame decoder: the first byte is the frame count (0..7), the rest
// the column. It may only succeed or report Corruption; frames that decode must survive
// re-encoding bit for bit. Columns of more than 64K elements in all are skipped to keep runs fast.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "storage/codec/frame_codec.h"

namespace {

using namespace mw::storage::codec;

constexpr std::size_t kMaxFuzzElements = std::size_t{1} << 16;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t frames = data[0] % 8;
  const std::span<const std::uint8_t> column(data + 1, size - 1);
  mw::Result<FrameShape> shape = ReadFrameShape(column);
  Check(shape.ok() || shape.status().code() == mw::StatusCode::kCorruption);
  // Huge frames exercise no other code, only more memory and time per run.
  if (shape.ok() && shape->elements() * frames > kMaxFuzzElements) return 0;
  FrameShape got;
  std::vector<float> elements;
  const mw::Status s = DecodeFrames(column, frames, got, elements);
  Check(s.ok() || s.code() == mw::StatusCode::kCorruption);
  if (!s.ok()) return 0;
  Check(shape.ok() && *shape == got && elements.size() == frames * got.elements());
  std::vector<std::uint8_t> again;
  Check(EncodeFrames(got, elements, again).ok());
  std::vector<float> back;
  Check(DecodeFrames(again, frames, got, back).ok());
  Check(back.size() == elements.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    Check(std::bit_cast<std::uint32_t>(back[i]) == std::bit_cast<std::uint32_t>(elements[i]));
  }
  return 0;
}
