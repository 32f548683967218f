// Write-ahead log: numbered, checksummed records appended to segment files, found again after a
// crash at any moment.
//
// The log is byte-agnostic: a record is an LSN, a one-byte type and a payload of up to
// kMaxPayloadBytes that the caller interprets. LSNs are dense: the first record of a fresh log is
// 1 and every record is the previous plus one, in the order Append() calls took their turn.
//
// Life cycle: Recover() replays the folder (and cuts a torn tail off the newest segment), then
// WalWriter::Open() continues with RecoveryInfo::next_lsn in a fresh segment file. Open() holds an
// exclusive flock() on the folder until Close(); Recover() takes it for its duration. Either fails
// with FailedPrecondition while someone else holds it, so a log is never written by two writers,
// nor cut by a recovery while it is being written.
//
// Durability, per SyncMode:
//   - kSync: Append() returns after an fdatasync that covers its record. Records of concurrent
//     Append() calls share one write and one fdatasync (group commit). The committer thread waits
//     up to commit_interval after the first pending record for more, but stops waiting as soon as
//     1 MiB is pending or as many records as there were appenders lately (the records of the
//     previous group plus those that arrived while it was synced): so one thread commits at once,
//     and two threads that take turns are pulled into the same fdatasync. With commit_interval 0
//     it commits at once, still batching everything that arrived during the previous fdatasync.
//   - kAsync: Append() returns once its record is write()n to the file, so it survives the death of
//     the process (kill -9) but not a power loss; a background thread fdatasyncs whatever was
//     written, at most every commit_interval.
// A new segment file, and the folder entry naming it, are synced before a record in it counts as
// durable; a segment is fdatasynced before the writer moves on to the next one.
//
// Errors: every I/O error names the file. After one, the writer is failed: records appended before
// it that were already durable stay acknowledged, every later call returns the same IoError.
//
// Byte layout: docs/storage-format.md ("Write-ahead log").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/status.h"

namespace mw::storage::wal {

// Record sequence number: 1 for the first record of a fresh log, dense, +1 per record.
using Lsn = std::uint64_t;

// Largest payload of one record. Larger appends are InvalidArgument; a stored length above it is
// corruption (so a damaged length field never makes a reader allocate more than this).
inline constexpr std::size_t kMaxPayloadBytes = std::size_t{64} << 20;

enum class SyncMode {
  kSync,   // Append() returns after an fdatasync (group commit) that covers its record.
  kAsync,  // Append() returns after write(); a background thread fdatasyncs every commit_interval.
};

struct WalOptions {
  std::string dir;  // created if missing
  SyncMode sync = SyncMode::kSync;
  // kSync: how long the committer may wait after the first pending record to gather more (0 =
  // commit at once). kAsync: the longest time between the write of a record and its fdatasync.
  std::chrono::microseconds commit_interval{1000};
  // A new segment file starts once the current one exceeds this many bytes (a segment always holds
  // at least one record, however large).
  std::size_t segment_bytes = std::size_t{64} << 20;
};

struct WalRecord {
  Lsn lsn = 0;
  std::uint8_t type = 0;
  std::span<const std::uint8_t> payload;  // valid only during the callback
};

struct RecoveryInfo {
  Lsn next_lsn = 1;              // what the writer must continue with
  std::uint64_t records = 0;     // valid records passed to the callback
  std::uint64_t segments = 0;    // segment files read
  std::uint64_t torn_bytes = 0;  // bytes cut from the tail
  std::string torn_at;           // "<file>:<offset>" where the cut happened, empty if none
  Lsn first_lsn = 1;             // first LSN in the log, of its oldest segment (== next_lsn if no record)
};

// Reads every segment of `dir` in LSN order and calls `fn` for each valid record with
// lsn >= from_lsn, in LSN order.
//
// A torn or corrupt tail of the LAST segment (a short or invalid segment header, a short record
// header, a length above kMaxPayloadBytes or past the end of the file, a bad CRC, an LSN out of
// sequence) is cut off: the file is truncated at the first bad byte and fsynced, RecoveryInfo says
// how many bytes at which file:offset, and one warning is logged. Anything wrong elsewhere (a middle
// segment, a missing segment between two others) is a Corruption error naming the file and offset:
// records are never skipped silently. If `fn` returns an error, Recover stops and returns it. A
// missing or empty folder is an empty log (next_lsn 1). Files whose names are not 20 digits followed
// by ".wal" are ignored.
Result<RecoveryInfo> Recover(const std::string& dir, Lsn from_lsn,
                             const std::function<Status(const WalRecord&)>& fn);

struct WalStats {
  std::uint64_t records = 0;     // appended through this writer
  std::uint64_t bytes = 0;       // bytes of those records (headers included)
  std::uint64_t syncs = 0;       // fdatasync calls
  std::uint64_t segments = 0;    // live segment files
  std::uint64_t disk_bytes = 0;  // bytes written to the live segment files (older ones included)
  Lsn last_lsn = 0;              // last LSN handed out (next_lsn - 1 when nothing was appended)
  Lsn synced_lsn = 0;            // every record up to this one is fdatasynced
};

class WalWriter {
 public:
  // Opens `options.dir` for appending; `next_lsn` is RecoveryInfo::next_lsn. Always starts a fresh
  // segment named next_lsn (never appends to a file that recovery may have cut); an existing
  // segment of that name is replaced only if it holds no record. FailedPrecondition if a segment
  // starts after next_lsn (Recover() was not run) or another writer holds the folder.
  static Result<std::unique_ptr<WalWriter>> Open(const WalOptions& options, Lsn next_lsn);
  ~WalWriter();  // Close()
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Appends one record made of the concatenation of `parts` (so callers need not copy into one
  // buffer) and returns its LSN once it is durable per SyncMode. Thread-safe: records get LSNs in
  // the order the calls take the writer's lock. InvalidArgument for a payload above
  // kMaxPayloadBytes (no LSN is used), FailedPrecondition after Close(), the writer's IoError after
  // a failure.
  Result<Lsn> Append(std::uint8_t type, std::span<const std::span<const std::uint8_t>> parts);
  Result<Lsn> Append(std::uint8_t type, std::span<const std::uint8_t> payload);

  // Deletes, oldest first, every whole segment all of whose records have lsn < `lsn` (the active
  // segment is never deleted), syncing the folder after each deletion so that a crash never leaves
  // a gap between segments.
  Status DropBefore(Lsn lsn);
  // Returns once everything appended before the call is fdatasynced.
  Status Sync();
  // Syncs, then starts a fresh segment for the next record (unless the current one holds no
  // record yet), so that DropBefore() can delete everything written so far. Appends wait while
  // the new file is created.
  Status Rotate();
  // Syncs, stops the background thread, closes the files and releases the folder. Idempotent:
  // later calls return what the first one did.
  Status Close();

  WalStats Stats() const;

 private:
  class Impl;
  explicit WalWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw::storage::wal
