#include "json_scan.h"

#include <algorithm>
#include <charconv>

namespace mw::bench::historian {

namespace {

// Go (InfluxDB) prints doubles below 1e21 without an exponent, e.g. 180334361474877520000, and
// simdjson 3.0 rejects integers beyond the 64-bit range: such a token gets ".0" appended, which
// makes it the same number written as a double. Strings are left alone.
std::string WidenBigIntegers(const std::string& body) {
  std::string out;
  out.reserve(body.size() + 64);
  bool in_string = false;
  for (std::size_t i = 0; i < body.size();) {
    const char c = body[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < body.size()) out += body[++i];
      if (c == '"') in_string = false;
      ++i;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      ++i;
      continue;
    }
    if ((c >= '0' && c <= '9') || c == '-') {
      // A whole number token: -?digits(.digits)?([eE][+-]?digits)?
      auto digits = [&](std::size_t k) {
        while (k < body.size() && body[k] >= '0' && body[k] <= '9') ++k;
        return k;
      };
      const std::size_t int_from = i + (c == '-' ? 1 : 0);
      std::size_t j = digits(int_from);
      const std::size_t int_digits = j - int_from;
      bool integer = true;
      if (j < body.size() && body[j] == '.') {
        integer = false;
        j = digits(j + 1);
      }
      if (j < body.size() && (body[j] == 'e' || body[j] == 'E')) {
        integer = false;
        ++j;
        if (j < body.size() && (body[j] == '+' || body[j] == '-')) ++j;
        j = digits(j);
      }
      out.append(body, i, j - i);
      if (integer && int_digits >= 19) {
        // Beyond int64 (negative) or uint64 (positive): not representable as a JSON integer here.
        std::errc ec;
        if (c == '-') {
          std::int64_t v = 0;
          ec = std::from_chars(body.data() + i, body.data() + j, v).ec;
        } else {
          std::uint64_t v = 0;
          ec = std::from_chars(body.data() + i, body.data() + j, v).ec;
        }
        if (ec != std::errc()) out += ".0";
      }
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace

Status ForEachJson(const std::string& body, const std::function<Status(simdjson::dom::element)>& fn) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(WidenBigIntegers(body));
  simdjson::dom::document_stream stream;
  // A batch must hold the largest document: make it hold the whole body.
  const std::size_t batch = std::max<std::size_t>(body.size() + 64, simdjson::dom::DEFAULT_BATCH_SIZE);
  if (auto error = parser.parse_many(padded, batch).get(stream))
    return Status::Corruption(std::string("JSON: ") + simdjson::error_message(error));
  for (auto doc : stream) {
    simdjson::dom::element element;
    if (auto error = doc.get(element))
      return Status::Corruption(std::string("JSON: ") + simdjson::error_message(error) + " in " +
                                body.substr(0, 300));
    try {
      MW_RETURN_IF_ERROR(fn(element));
    } catch (const simdjson::simdjson_error& e) {
      return Status::Corruption(std::string("JSON: unexpected shape: ") + e.what() + " in " +
                                body.substr(0, 300));
    }
  }
  return Status::Ok();
}

Result<double> JsonNumber(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::DOUBLE:
      return double(e.get_double());
    case simdjson::dom::element_type::INT64:
      return static_cast<double>(std::int64_t(e.get_int64()));
    case simdjson::dom::element_type::UINT64:
      return static_cast<double>(std::uint64_t(e.get_uint64()));
    case simdjson::dom::element_type::STRING: {
      std::string_view s = e.get_string();
      if (!s.empty() && s.front() == '+') s.remove_prefix(1);  // "+Inf"
      double v = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec != std::errc() || r.ptr != s.data() + s.size())
        return Status::Corruption("not a number: " + std::string(s));
      return v;
    }
    default:
      return Status::Corruption("JSON value is not a number");
  }
}

std::size_t ScanNumberArray(std::string_view text, std::string_view key, std::size_t from,
                            std::vector<double>& out) {
  const std::string needle = "\"" + std::string(key) + "\":[";
  std::size_t pos = text.find(needle, from);
  if (pos == std::string_view::npos) return pos;
  pos += needle.size();
  const char* p = text.data() + pos;
  const char* end = text.data() + text.size();
  while (p < end && *p != ']') {
    double v = 0;
    auto r = std::from_chars(p, end, v);
    if (r.ec == std::errc::result_out_of_range) {
      // from_chars reports overflow/underflow without a value: skip the token, keep the sign.
      const char* q = p;
      while (q < end && *q != ',' && *q != ']') ++q;
      v = 0;
      r.ptr = q;
    } else if (r.ec != std::errc()) {
      return std::string_view::npos;
    }
    out.push_back(v);
    p = r.ptr;
    if (p < end && *p == ',') ++p;
  }
  return p < end ? static_cast<std::size_t>(p - text.data()) + 1 : std::string_view::npos;
}

}  // namespace mw::bench::historian
