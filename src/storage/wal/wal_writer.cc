// WalWriter: appenders encode their record into one shared pending buffer under the writer's lock
// (the LSN is assigned there, so file order is LSN order); whoever writes takes the whole buffer at
// once and write()s it with one call, switching segment files at the roll points recorded with it.
//
//   kSync:  the committer thread is the only writer: it takes the pending group (after waiting for
//           more, see wal.h), writes it, fdatasyncs once, and wakes the appenders it covered.
//   kAsync: an appender whose record is not written yet and finds nobody writing becomes the
//           writer for everything pending (leader/follower); the background thread fdatasyncs the
//           newest segment at most every commit_interval. Older segments were fdatasynced when the
//           writer moved past them, so syncing the newest one covers everything written.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/wal/file_io.h"
#include "storage/wal/format.h"
#include "storage/wal/wal.h"

namespace mw::storage::wal {
namespace {

using Clock = std::chrono::steady_clock;

// kSync: the committer stops gathering once this much is pending.
constexpr std::size_t kGroupCommitBytes = std::size_t{1} << 20;
constexpr std::size_t kMinBufferBytes = std::size_t{64} << 10;
// A buffer that grew past this for an unusually large group is freed after it, not kept.
constexpr std::size_t kKeepBufferBytes = std::size_t{16} << 20;

// A growable byte buffer that, unlike std::vector, does not zero the bytes it hands out. Its
// capacity is kept between groups, so a steady stream of appends allocates nothing.
class ByteBuffer {
 public:
  // Appends `n` uninitialised bytes and returns where they start.
  std::uint8_t* Extend(std::size_t n) {
    if (n > capacity_ - size_) Grow(size_ + n);
    std::uint8_t* p = data_.get() + size_;
    size_ += n;
    return p;
  }
  void Clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  std::span<const std::uint8_t> bytes() const { return {data_.get(), size_}; }

 private:
  void Grow(std::size_t need) {
    const std::size_t capacity = std::max({need, 2 * capacity_, kMinBufferBytes});
    auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// The group switches to a new segment at `offset`, where that segment's header starts.
struct Roll {
  std::size_t offset = 0;
  Lsn first_lsn = 0;
};

// The segment file being appended to. Shared, so that the kAsync syncer can fdatasync it while the
// writer moves on to the next one.
struct OpenSegment {
  UniqueFd fd;
  std::string path;
};

struct LiveSegment {
  Lsn first_lsn = 0;
  std::string path;
  std::uint64_t bytes = 0;  // written so far
};

}  // namespace

class WalWriter::Impl {
 public:
  Impl(const WalOptions& options, Lsn next_lsn, UniqueFd dir, std::deque<LiveSegment> segments,
       std::shared_ptr<OpenSegment> active)
      : options_(options),
        commit_interval_(std::max(options.commit_interval, std::chrono::microseconds{0})),
        dir_fd_(std::move(dir)),
        next_lsn_(next_lsn),
        written_lsn_(next_lsn - 1),
        synced_lsn_(next_lsn - 1),
        last_sync_at_(Clock::now()),
        segments_(std::move(segments)),
        active_(std::move(active)) {}

  void Start() {
    thread_ = std::thread([this] {
      if (options_.sync == SyncMode::kSync) {
        RunCommitter();
      } else {
        RunSyncer();
      }
    });
  }

  Result<Lsn> Append(std::uint8_t type, std::span<const std::span<const std::uint8_t>> parts);
  Status DropBefore(Lsn lsn);
  Status Sync();
  Status RollSegment();
  Status Close();
  WalStats Stats() const;

  void CountSync() { syncs_.fetch_add(1, std::memory_order_relaxed); }

 private:
  Lsn EncodeLocked(std::uint8_t type, std::span<const std::span<const std::uint8_t>> parts, std::size_t size);
  Status WriteGroupLocked(std::unique_lock<std::mutex>& lock, bool sync);
  Status WriteOut(std::shared_ptr<OpenSegment>& file, std::uint64_t& tail_bytes);
  Status SyncWrittenLocked(std::unique_lock<std::mutex>& lock);
  void FailLocked(const Status& status);
  bool CommitNowLocked() const {
    return stopping_ || flush_requested_ || !failed_.ok() || pending_records_ >= commit_target_ ||
           pending_.size() >= kGroupCommitBytes;
  }
  void RunCommitter();
  void RunSyncer();

  const WalOptions options_;
  const std::chrono::microseconds commit_interval_;
  UniqueFd dir_fd_;  // holds the folder's flock
  std::thread thread_;
  std::atomic<std::uint64_t> syncs_{0};

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // the background thread waits here
  std::condition_variable done_cv_;  // appenders wait here
  // Everything below is guarded by mu_, except group_ and group_rolls_.
  Lsn next_lsn_;     // the next LSN to hand out
  Lsn written_lsn_;  // every record up to this one is write()n
  Lsn synced_lsn_;   // every record up to this one is fdatasynced
  ByteBuffer pending_;
  std::vector<Roll> pending_rolls_;
  std::size_t pending_records_ = 0;
  Clock::time_point first_pending_at_;
  // kSync: how many pending records make a full group: the records of the previous group plus those
  // that arrived while it was written and synced, i.e. the appenders active lately.
  std::size_t commit_target_ = 1;
  std::uint64_t segment_bytes_ = kSegmentHeaderSize;  // newest segment, pending records included
  std::uint64_t segment_records_ = 0;
  bool writing_ = false;          // someone owns group_ and writes
  bool background_idle_ = false;  // the background thread waits for work
  bool gathering_ = false;        // the committer waits for more records
  bool flush_requested_ = false;  // Sync() wants the group now
  bool closed_ = false;           // no more appends
  bool stopping_ = false;         // the background thread must end
  Clock::time_point last_sync_at_;
  Status failed_;
  std::deque<LiveSegment> segments_;
  std::shared_ptr<OpenSegment> active_;
  std::uint64_t records_ = 0;
  std::uint64_t bytes_ = 0;

  // The group being written; owned by whoever set writing_.
  ByteBuffer group_;
  std::vector<Roll> group_rolls_;

  std::mutex drop_mu_;  // one DropBefore at a time, so deletions happen oldest first
  std::mutex close_mu_;
  bool close_done_ = false;
  Status close_status_;
};

Lsn WalWriter::Impl::EncodeLocked(std::uint8_t type, std::span<const std::span<const std::uint8_t>> parts,
                                  std::size_t size) {
  const Lsn lsn = next_lsn_++;
  if (segment_records_ > 0 && segment_bytes_ > options_.segment_bytes) {
    pending_rolls_.push_back({pending_.size(), lsn});
    EncodeSegmentHeader(lsn, pending_.Extend(kSegmentHeaderSize));
    segment_bytes_ = kSegmentHeaderSize;
    segment_records_ = 0;
  }
  const std::size_t record_bytes = kRecordHeaderSize + size;
  EncodeRecord(lsn, type, parts, size, pending_.Extend(record_bytes));
  segment_bytes_ += record_bytes;
  ++segment_records_;
  if (pending_records_++ == 0) first_pending_at_ = Clock::now();
  ++records_;
  bytes_ += record_bytes;
  return lsn;
}

Result<Lsn> WalWriter::Impl::Append(std::uint8_t type, std::span<const std::span<const std::uint8_t>> parts) {
  std::size_t size = 0;
  for (const auto& part : parts) {
    if (part.size() > kMaxPayloadBytes - size) {
      return Status::InvalidArgument(
          fmt::format("wal: a record payload may not exceed {} bytes", kMaxPayloadBytes));
    }
    size += part.size();
  }
  std::unique_lock lock(mu_);
  if (!failed_.ok()) return failed_;
  if (closed_)
    return Status::FailedPrecondition(fmt::format("wal: the writer of {} is closed", options_.dir));
  const Lsn lsn = EncodeLocked(type, parts, size);
  if (options_.sync == SyncMode::kSync) {
    if (background_idle_ || (gathering_ && CommitNowLocked())) work_cv_.notify_one();
    done_cv_.wait(lock, [&] { return synced_lsn_ >= lsn || !failed_.ok(); });
    if (synced_lsn_ >= lsn) return lsn;
    return failed_;
  }
  while (written_lsn_ < lsn) {
    if (!failed_.ok()) return failed_;
    if (writing_) {
      done_cv_.wait(lock);
    } else {
      (void)WriteGroupLocked(lock, /*sync=*/false);
    }
  }
  return lsn;
}

Status WalWriter::Impl::WriteGroupLocked(std::unique_lock<std::mutex>& lock, bool sync) {
  writing_ = true;
  std::swap(pending_, group_);
  std::swap(pending_rolls_, group_rolls_);
  const Lsn last = next_lsn_ - 1;
  const std::size_t group_records = pending_records_;
  pending_records_ = 0;
  std::shared_ptr<OpenSegment> file = active_;
  lock.unlock();

  std::uint64_t tail_bytes = 0;
  Status status = WriteOut(file, tail_bytes);
  if (status.ok() && sync) {
    status = SyncData(file->fd.get(), file->path);
    CountSync();
  }

  lock.lock();
  writing_ = false;
  group_.Clear();
  if (group_.capacity() > kKeepBufferBytes) group_ = ByteBuffer();
  group_rolls_.clear();
  if (!status.ok()) {
    FailLocked(status);
    return status;
  }
  segments_.back().bytes += tail_bytes;
  written_lsn_ = last;
  if (sync) {
    synced_lsn_ = last;
    // The appenders just woken will likely be back soon, besides those already waiting: in phase
    // again, they share the next fdatasync instead of taking turns.
    commit_target_ = std::max<std::size_t>(group_records + pending_records_, 1);
  }
  done_cv_.notify_all();
  if (!sync && background_idle_) work_cv_.notify_one();
  return Status::Ok();
}

Status WalWriter::Impl::WriteOut(std::shared_ptr<OpenSegment>& file, std::uint64_t& tail_bytes) {
  const std::span<const std::uint8_t> bytes = group_.bytes();
  std::size_t pos = 0;
  for (const Roll& roll : group_rolls_) {
    MW_RETURN_IF_ERROR(WriteAll(file->fd.get(), bytes.subspan(pos, roll.offset - pos), file->path));
    const std::uint64_t old_bytes = roll.offset - pos;
    pos = roll.offset;
    // The old segment is made durable before anything goes to the new one, so that syncing the
    // newest segment is always enough.
    MW_RETURN_IF_ERROR(SyncData(file->fd.get(), file->path));
    CountSync();
    auto next = std::make_shared<OpenSegment>();
    next->path = options_.dir + "/" + SegmentFileName(roll.first_lsn);
    Result<UniqueFd> fd = OpenFile(next->path, O_WRONLY | O_CREAT | O_EXCL);
    if (!fd.ok()) return fd.status();
    next->fd = std::move(*fd);
    // The new name must survive a power loss before any record in the file counts as durable.
    MW_RETURN_IF_ERROR(SyncFile(dir_fd_.get(), options_.dir));
    {
      std::lock_guard lock(mu_);
      segments_.back().bytes += old_bytes;
      segments_.push_back({roll.first_lsn, next->path, 0});
      active_ = next;
      written_lsn_ = std::max(written_lsn_, roll.first_lsn - 1);
      synced_lsn_ = std::max(synced_lsn_, roll.first_lsn - 1);
    }
    file = std::move(next);
  }
  MW_RETURN_IF_ERROR(WriteAll(file->fd.get(), bytes.subspan(pos), file->path));
  tail_bytes = bytes.size() - pos;
  return Status::Ok();
}

Status WalWriter::Impl::SyncWrittenLocked(std::unique_lock<std::mutex>& lock) {
  const Lsn target = written_lsn_;
  std::shared_ptr<OpenSegment> file = active_;
  lock.unlock();
  // fdatasync may run while the writer write()s more: it covers at least what was written before.
  Status status = SyncData(file->fd.get(), file->path);
  CountSync();
  lock.lock();
  last_sync_at_ = Clock::now();
  if (!status.ok()) {
    FailLocked(status);
    return status;
  }
  synced_lsn_ = std::max(synced_lsn_, target);
  done_cv_.notify_all();
  return Status::Ok();
}

void WalWriter::Impl::FailLocked(const Status& status) {
  if (failed_.ok()) {
    failed_ = status;
    spdlog::error("{}; the WAL writer is failed: every later call returns this error", status.message());
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
}

void WalWriter::Impl::RunCommitter() {
  std::unique_lock lock(mu_);
  for (;;) {
    background_idle_ = true;
    work_cv_.wait(lock, [&] { return stopping_ || pending_records_ > 0 || !failed_.ok(); });
    background_idle_ = false;
    if (!failed_.ok() || (stopping_ && pending_records_ == 0)) return;
    if (commit_interval_.count() > 0) {
      gathering_ = true;
      work_cv_.wait_until(lock, first_pending_at_ + commit_interval_, [&] { return CommitNowLocked(); });
      gathering_ = false;
      if (!failed_.ok()) return;
    }
    flush_requested_ = false;
    (void)WriteGroupLocked(lock, /*sync=*/true);
  }
}

void WalWriter::Impl::RunSyncer() {
  std::unique_lock lock(mu_);
  for (;;) {
    background_idle_ = true;
    work_cv_.wait(lock, [&] { return stopping_ || !failed_.ok() || written_lsn_ > synced_lsn_; });
    background_idle_ = false;
    if (stopping_ || !failed_.ok()) return;
    work_cv_.wait_until(lock, last_sync_at_ + commit_interval_, [&] { return stopping_ || !failed_.ok(); });
    if (stopping_ || !failed_.ok()) return;
    if (written_lsn_ > synced_lsn_) (void)SyncWrittenLocked(lock);
  }
}

Status WalWriter::Impl::Sync() {
  std::unique_lock lock(mu_);
  if (!failed_.ok()) return failed_;
  const Lsn target = next_lsn_ - 1;
  if (synced_lsn_ >= target) return Status::Ok();
  if (options_.sync == SyncMode::kSync) {
    flush_requested_ = true;
    work_cv_.notify_one();
    done_cv_.wait(lock, [&] { return synced_lsn_ >= target || !failed_.ok(); });
    return synced_lsn_ >= target ? Status::Ok() : failed_;
  }
  while (written_lsn_ < target) {
    if (!failed_.ok()) return failed_;
    if (writing_) {
      done_cv_.wait(lock);
    } else {
      (void)WriteGroupLocked(lock, /*sync=*/false);
    }
  }
  if (synced_lsn_ >= target) return Status::Ok();
  return SyncWrittenLocked(lock);
}

Status WalWriter::Impl::RollSegment() {
  MW_RETURN_IF_ERROR(Sync());
  // Holds mu_ throughout: no append can start a group, so no record lands in the old file after
  // the new one exists. Rolling is rare (a flush of the whole historian); appenders wait a sync.
  std::unique_lock lock(mu_);
  if (!failed_.ok()) return failed_;
  if (closed_)
    return Status::FailedPrecondition(fmt::format("wal: the writer of {} is closed", options_.dir));
  if (segment_records_ == 0 || writing_ || pending_records_ > 0) return Status::Ok();
  auto next = std::make_shared<OpenSegment>();
  next->path = options_.dir + "/" + SegmentFileName(next_lsn_);
  Result<UniqueFd> fd = OpenFile(next->path, O_WRONLY | O_CREAT | O_EXCL);
  if (!fd.ok()) return fd.status();
  next->fd = std::move(*fd);
  std::array<std::uint8_t, kSegmentHeaderSize> header{};
  EncodeSegmentHeader(next_lsn_, header.data());
  Status status = WriteAll(next->fd.get(), header, next->path);
  if (status.ok()) status = SyncData(next->fd.get(), next->path);
  if (status.ok()) status = SyncFile(dir_fd_.get(), options_.dir);
  if (!status.ok()) {
    FailLocked(status);
    return status;
  }
  CountSync();
  segments_.push_back({next_lsn_, next->path, kSegmentHeaderSize});
  active_ = std::move(next);
  segment_bytes_ = kSegmentHeaderSize;
  segment_records_ = 0;
  return Status::Ok();
}

Status WalWriter::Impl::DropBefore(Lsn lsn) {
  std::lock_guard drop(drop_mu_);
  for (;;) {
    std::string victim;
    {
      std::lock_guard lock(mu_);
      if (!failed_.ok()) return failed_;
      if (closed_)
        return Status::FailedPrecondition(fmt::format("wal: the writer of {} is closed", options_.dir));
      // Every record of the oldest segment is below the first LSN of the next one.
      if (segments_.size() < 2 || segments_[1].first_lsn > lsn) return Status::Ok();
      victim = segments_.front().path;
    }
    if (::unlink(victim.c_str()) != 0 && errno != ENOENT) return ErrnoError("remove", victim, errno);
    // One deletion at a time reaches the disk, oldest first: a crash never leaves a gap.
    MW_RETURN_IF_ERROR(SyncFile(dir_fd_.get(), options_.dir));
    std::lock_guard lock(mu_);
    segments_.pop_front();
  }
}

Status WalWriter::Impl::Close() {
  std::lock_guard close_lock(close_mu_);
  if (close_done_) return close_status_;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  Status status = Sync();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard drop(drop_mu_);
  std::lock_guard lock(mu_);
  if (status.ok()) status = failed_;
  active_.reset();
  dir_fd_.Reset();
  close_status_ = status;
  close_done_ = true;
  return status;
}

WalStats WalWriter::Impl::Stats() const {
  WalStats stats;
  std::lock_guard lock(mu_);
  stats.records = records_;
  stats.bytes = bytes_;
  stats.syncs = syncs_.load(std::memory_order_relaxed);
  stats.segments = segments_.size();
  for (const LiveSegment& segment : segments_) stats.disk_bytes += segment.bytes;
  stats.last_lsn = next_lsn_ - 1;
  stats.synced_lsn = synced_lsn_;
  return stats;
}

WalWriter::WalWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WalWriter::~WalWriter() {
  if (impl_) (void)impl_->Close();
}

Result<std::unique_ptr<WalWriter>> WalWriter::Open(const WalOptions& options, Lsn next_lsn) {
  if (options.dir.empty()) return Status::InvalidArgument("wal: WalOptions::dir is empty");
  if (next_lsn == 0) return Status::InvalidArgument("wal: LSNs start at 1");
  MW_RETURN_IF_ERROR(CreateDirs(options.dir));
  Result<UniqueFd> dir = LockDir(options.dir);
  if (!dir.ok()) return dir.status();
  Result<std::vector<SegmentFile>> files = ListSegments(options.dir);
  if (!files.ok()) return files.status();

  std::deque<LiveSegment> segments;
  for (const SegmentFile& file : *files) {
    struct stat st {};
    if (::stat(file.path.c_str(), &st) != 0) return ErrnoError("stat", file.path, errno);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (file.first_lsn > next_lsn) {
      return Status::FailedPrecondition(
          fmt::format("wal: {} starts at LSN {}, after the next LSN {}: open with the next_lsn of Recover()",
                      file.path, file.first_lsn, next_lsn));
    }
    if (file.first_lsn == next_lsn) {
      if (size > kSegmentHeaderSize) {
        return Status::FailedPrecondition(
            fmt::format("wal: {} already holds records from LSN {} on: open with the next_lsn of Recover()",
                        file.path, next_lsn));
      }
      // No record in it (a writer died before its first record, or recovery cut them all): the
      // fresh segment takes its place.
      if (::unlink(file.path.c_str()) != 0) return ErrnoError("remove", file.path, errno);
      continue;
    }
    segments.push_back({file.first_lsn, file.path, size});
  }

  auto active = std::make_shared<OpenSegment>();
  active->path = options.dir + "/" + SegmentFileName(next_lsn);
  Result<UniqueFd> fd = OpenFile(active->path, O_WRONLY | O_CREAT | O_EXCL);
  if (!fd.ok()) return fd.status();
  active->fd = std::move(*fd);
  std::array<std::uint8_t, kSegmentHeaderSize> header{};
  EncodeSegmentHeader(next_lsn, header.data());
  MW_RETURN_IF_ERROR(WriteAll(active->fd.get(), header, active->path));
  MW_RETURN_IF_ERROR(SyncData(active->fd.get(), active->path));
  MW_RETURN_IF_ERROR(SyncFile(dir->get(), options.dir));
  segments.push_back({next_lsn, active->path, kSegmentHeaderSize});

  auto impl =
      std::make_unique<Impl>(options, next_lsn, std::move(*dir), std::move(segments), std::move(active));
  impl->CountSync();
  impl->Start();
  return std::unique_ptr<WalWriter>(new WalWriter(std::move(impl)));
}

Status WalWriter::Rotate() { return impl_->RollSegment(); }

Result<Lsn> WalWriter::Append(std::uint8_t type, std::span<const std::span<const std::uint8_t>> parts) {
  return impl_->Append(type, parts);
}

Result<Lsn> WalWriter::Append(std::uint8_t type, std::span<const std::uint8_t> payload) {
  const std::array<std::span<const std::uint8_t>, 1> parts{payload};
  return impl_->Append(type, parts);
}

Status WalWriter::DropBefore(Lsn lsn) { return impl_->DropBefore(lsn); }
Status WalWriter::Sync() { return impl_->Sync(); }
Status WalWriter::Close() { return impl_->Close(); }
WalStats WalWriter::Stats() const { return impl_->Stats(); }

}  // namespace mw::storage::wal
