#include "core/time_format.h"

#include <charconv>
#include <cstdio>

namespace mw {
namespace {

bool ParseInt(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int DaysInMonth(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
}

}  // namespace

Result<std::int64_t> ParseDuration(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  std::int64_t n = 0;
  if (i == 0 || !ParseInt(text.substr(0, i), n))
    return Status::InvalidArgument("bad duration '" + std::string(text) +
                                   "': expected a number with a unit (ns, us, ms, s, m, h, d)");
  std::string_view unit = text.substr(i);
  std::int64_t scale = 0;
  if (unit == "ns")
    scale = 1;
  else if (unit == "us")
    scale = kNanosPerMicro;
  else if (unit == "ms")
    scale = kNanosPerMilli;
  else if (unit == "s")
    scale = kNanosPerSecond;
  else if (unit == "m")
    scale = 60 * kNanosPerSecond;
  else if (unit == "h")
    scale = 3600 * kNanosPerSecond;
  else if (unit == "d")
    scale = 86400 * kNanosPerSecond;
  else
    return Status::InvalidArgument("bad duration '" + std::string(text) + "': unknown unit '" +
                                   std::string(unit) + "' (ns, us, ms, s, m, h, d)");
  if (n > INT64_MAX / scale) return Status::OutOfRange("duration '" + std::string(text) + "' too large");
  return n * scale;
}

Result<Timestamp> ParseRfc3339(std::string_view s) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("bad RFC 3339 time '" + std::string(s) + "': " + why);
  };
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, month) || s[7] != '-' ||
      !Digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, hour) ||
      s[13] != ':' || !Digits(s, 14, 2, minute) || s[16] != ':' || !Digits(s, 17, 2, second))
    return bad("expected YYYY-MM-DDTHH:MM:SS");
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return bad("field out of range");
  std::size_t pos = 19;
  std::int64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad("empty fraction");
  }
  std::int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, om))
      return bad("bad zone offset");
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad("missing zone (Z or +HH:MM)");
  }
  if (pos != s.size()) return bad("trailing characters");
  if (day > DaysInMonth(year, month)) return bad("day out of range for the month");
  std::int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  // Nanoseconds in 64 bits reach from 1677 to 2262.
  if (secs >= INT64_MAX / kNanosPerSecond || secs <= INT64_MIN / kNanosPerSecond)
    return Status::OutOfRange("time '" + std::string(s) + "' is outside 1678..2261");
  return secs * kNanosPerSecond + frac_ns;
}

Result<Timestamp> ParseTime(std::string_view text, Timestamp now) {
  if (text.empty()) return Status::InvalidArgument("empty time");
  if (text == "now") return now;
  if (text[0] == '-' || text[0] == '+') {
    auto d = ParseDuration(text.substr(1));
    if (!d.ok())
      return Status::InvalidArgument(
          "bad relative time '" + std::string(text) +
          "': expected -<number><unit> with unit ns, us, ms, s, m, h, d (e.g. -15m)");
    Timestamp t = 0;
    bool overflow =
        text[0] == '-' ? __builtin_sub_overflow(now, *d, &t) : __builtin_add_overflow(now, *d, &t);
    if (overflow) return Status::OutOfRange("relative time '" + std::string(text) + "' out of range");
    return t;
  }
  std::int64_t ms = 0;
  if (ParseInt(text, ms)) {
    if (ms > INT64_MAX / kNanosPerMilli || ms < INT64_MIN / kNanosPerMilli)
      return Status::OutOfRange("time '" + std::string(text) + "' out of range");
    return ms * kNanosPerMilli;
  }
  return ParseRfc3339(text);
}

std::string FormatRfc3339(Timestamp t) {
  std::int64_t secs = t / kNanosPerSecond;
  std::int64_t ns = t % kNanosPerSecond;
  if (ns < 0) {
    ns += kNanosPerSecond;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  char buf[64];
  int n =
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", y, m, d, static_cast<int>(rem / 3600),
                    static_cast<int>(rem % 3600 / 60), static_cast<int>(rem % 60));
  std::string out(buf, static_cast<std::size_t>(n));
  std::int64_t ms = ns / kNanosPerMilli;
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(ms));
    out += buf;
  }
  out += 'Z';
  return out;
}

}  // namespace mw
