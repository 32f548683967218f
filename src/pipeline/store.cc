#include "pipeline/store.h"

namespace mw::pipeline {
namespace {

Status NoHistory(const char* what) {
  return Status::FailedPrecondition(std::string(what) +
                                    " need the historian; this server keeps only recent values in memory "
                                    "([storage] kind = \"memory\")");
}

}  // namespace

Status SeriesStore::Buckets(SeriesId, Timestamp, Timestamp, Timestamp, std::vector<Bucket>&) const {
  return NoHistory("downsampled buckets");
}
Status SeriesStore::Lttb(SeriesId, Timestamp, Timestamp, std::size_t, std::vector<Point>&) const {
  return NoHistory("LTTB downsampling");
}
Status SeriesStore::AppendFrame(SeriesId, Timestamp, std::uint32_t, std::uint32_t, std::span<const float>) {
  return NoHistory("frames");
}
Result<Frame> SeriesStore::FrameAt(SeriesId, Timestamp, FrameSelect) const { return NoHistory("frames"); }
Result<Frame> SeriesStore::FrameByIndex(SeriesId, std::uint64_t) const { return NoHistory("frames"); }

}  // namespace mw::pipeline
