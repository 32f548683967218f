#include "analytics/models/table.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/types.h"

namespace mw::models {
namespace {

std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    cells.push_back(
        line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return cells;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool ParseDouble(std::string_view text, double* out) {
  text = Trim(text);
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseInt(std::string_view text, std::int64_t* out) {
  text = Trim(text);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// What each CSV column is for.
enum class Role { kFeature, kUnit, kTime, kLabel, kTarget, kIgnored };

struct Layout {
  std::vector<Role> roles;
  std::vector<std::string> names;
};

Result<Layout> LayoutOf(std::string_view header, const std::string& source, const TableSpec& spec) {
  Layout layout;
  for (std::string_view cell : SplitCsv(header)) layout.names.emplace_back(Trim(cell));
  std::string time_column = spec.time_column;
  if (time_column.empty()) {
    for (const std::string& name : layout.names) {
      if (name == "ts_ms" || name == "time" || name == "cycle") {
        time_column = name;
        break;
      }
    }
  }
  for (std::size_t c = 0; c < layout.names.size(); ++c) {
    if (std::find(layout.names.begin(), layout.names.begin() + static_cast<std::ptrdiff_t>(c),
                  layout.names[c]) != layout.names.begin() + static_cast<std::ptrdiff_t>(c)) {
      return Status::InvalidArgument(source + ":1: column '" + layout.names[c] + "' appears twice");
    }
  }
  bool has_unit = false;
  for (const std::string& name : layout.names) {
    Role role = Role::kFeature;
    if (name == spec.unit_column) {
      role = Role::kUnit;
      has_unit = true;
    } else if (name == time_column) {
      role = Role::kTime;
    } else if (!spec.label_column.empty() && name == spec.label_column) {
      role = Role::kLabel;
    } else if (!spec.target_column.empty() && name == spec.target_column) {
      role = Role::kTarget;
    } else if (std::find(spec.ignore.begin(), spec.ignore.end(), name) != spec.ignore.end()) {
      role = Role::kIgnored;
    }
    layout.roles.push_back(role);
  }
  if (!has_unit) return Status::InvalidArgument(source + ":1: no '" + spec.unit_column + "' column");
  return layout;
}

Status ParseCsv(std::istream& in, const std::string& source, const TableSpec& spec, Table& table) {
  std::string line;
  if (!std::getline(in, line)) return Status::InvalidArgument(source + ": empty, no header line");
  auto layout = LayoutOf(line, source, spec);
  if (!layout.ok()) return layout.status();
  bool has_label = false, has_target = false;
  for (std::size_t c = 0; c < layout->roles.size(); ++c) {
    if (layout->roles[c] == Role::kTime && layout->names[c] == "ts_ms") table.time_unit_ns = kNanosPerMilli;
    if (layout->roles[c] == Role::kFeature) table.columns.push_back(layout->names[c]);
    has_label |= layout->roles[c] == Role::kLabel;
    has_target |= layout->roles[c] == Role::kTarget;
  }
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    if (Trim(line).empty()) continue;
    const auto cells = SplitCsv(line);
    const auto where = [&](std::size_t c) {
      return source + ":" + std::to_string(number) + ": column '" + layout->names[c] + "'";
    };
    if (cells.size() != layout->roles.size()) {
      return Status::InvalidArgument(source + ":" + std::to_string(number) + ": " +
                                     std::to_string(cells.size()) + " cells, the header has " +
                                     std::to_string(layout->roles.size()));
    }
    double time = static_cast<double>(table.rows());
    for (std::size_t c = 0; c < cells.size(); ++c) {
      double number_value = 0;
      switch (layout->roles[c]) {
        case Role::kUnit: {
          std::int64_t unit = 0;
          if (!ParseInt(cells[c], &unit))
            return Status::InvalidArgument(where(c) + ": '" + std::string(cells[c]) + "' is not an integer");
          table.unit.push_back(unit);
          break;
        }
        case Role::kTime:
          if (!ParseDouble(cells[c], &time))
            return Status::InvalidArgument(where(c) + ": '" + std::string(cells[c]) + "' is not a number");
          break;
        case Role::kLabel:
          table.label.emplace_back(Trim(cells[c]));
          break;
        case Role::kTarget:
          if (!ParseDouble(cells[c], &number_value))
            return Status::InvalidArgument(where(c) + ": '" + std::string(cells[c]) + "' is not a number");
          table.target.push_back(number_value);
          break;
        case Role::kFeature:
          if (Trim(cells[c]).empty()) {
            table.values.push_back(std::numeric_limits<float>::quiet_NaN());
          } else if (ParseDouble(cells[c], &number_value)) {
            table.values.push_back(static_cast<float>(number_value));
          } else {
            return Status::InvalidArgument(where(c) + ": '" + std::string(cells[c]) + "' is not a number");
          }
          break;
        case Role::kIgnored:
          break;
      }
    }
    table.time.push_back(time);
  }
  if (!has_label) table.label.clear();
  if (!has_target) table.target.clear();
  return Status::Ok();
}

Status ParseCmapss(std::istream& in, const std::string& source, Table& table) {
  table.columns = {"setting1", "setting2", "setting3"};
  for (int s = 1; s <= 21; ++s) table.columns.push_back("s" + std::to_string(s));
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    std::istringstream fields(line);
    std::vector<std::string> cells;
    for (std::string cell; fields >> cell;) cells.push_back(cell);
    if (cells.empty()) continue;
    const std::string where = source + ":" + std::to_string(number);
    if (cells.size() != 26) {
      return Status::InvalidArgument(where + ": " + std::to_string(cells.size()) +
                                     " fields, C-MAPSS rows have 26 (unit, cycle, 3 settings, 21 sensors)");
    }
    std::int64_t unit = 0;
    double cycle = 0;
    if (!ParseInt(cells[0], &unit))
      return Status::InvalidArgument(where + ": unit '" + cells[0] + "' is not an integer");
    if (!ParseDouble(cells[1], &cycle))
      return Status::InvalidArgument(where + ": cycle '" + cells[1] + "' is not a number");
    for (std::size_t c = 2; c < cells.size(); ++c) {
      double value = 0;
      if (!ParseDouble(cells[c], &value)) {
        return Status::InvalidArgument(where + ": field " + std::to_string(c + 1) + " ('" +
                                       table.columns[c - 2] + "') '" + cells[c] + "' is not a number");
      }
      table.values.push_back(static_cast<float>(value));
    }
    table.unit.push_back(unit);
    table.time.push_back(cycle);
  }
  return Status::Ok();
}

}  // namespace

int Table::ColumnIndex(const std::string& name) const {
  const auto it = std::find(columns.begin(), columns.end(), name);
  return it == columns.end() ? -1 : static_cast<int>(it - columns.begin());
}

Result<Table> ReadTable(std::istream& in, const std::string& source, const TableSpec& spec) {
  Table table;
  const Status parsed = spec.format == TableFormat::kCmapss ? ParseCmapss(in, source, table)
                                                            : ParseCsv(in, source, spec, table);
  if (!parsed.ok()) return parsed;
  if (table.rows() == 0) return Status::InvalidArgument(source + ": no rows");
  return table;
}

Result<Table> ReadTableFile(const std::string& path, const TableSpec& spec) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open " + path);
  return ReadTable(in, path, spec);
}

Table SelectUnits(const Table& table, const std::set<std::int64_t>& units) {
  Table out;
  out.columns = table.columns;
  out.time_unit_ns = table.time_unit_ns;
  const std::size_t cols = table.columns.size();
  for (std::size_t i = 0; i < table.rows(); ++i) {
    if (!units.contains(table.unit[i])) continue;
    out.values.insert(out.values.end(), table.row(i), table.row(i) + cols);
    out.unit.push_back(table.unit[i]);
    out.time.push_back(table.time[i]);
    if (!table.label.empty()) out.label.push_back(table.label[i]);
    if (!table.target.empty()) out.target.push_back(table.target[i]);
  }
  return out;
}

Result<TableFormat> ParseTableFormat(const std::string& text) {
  if (text == "csv") return TableFormat::kCsv;
  if (text == "cmapss") return TableFormat::kCmapss;
  return Status::InvalidArgument("format '" + text + "': expected csv or cmapss");
}

std::string TableHash(const Table& table) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  const auto add = [ctx](const void* data, std::size_t size) { EVP_DigestUpdate(ctx, data, size); };
  for (const std::string& column : table.columns) add(column.c_str(), column.size() + 1);
  add(table.values.data(), table.values.size() * sizeof(float));
  add(table.unit.data(), table.unit.size() * sizeof(std::int64_t));
  add(table.time.data(), table.time.size() * sizeof(double));
  for (const std::string& label : table.label) add(label.c_str(), label.size() + 1);
  add(table.target.data(), table.target.size() * sizeof(double));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx, digest, &size);
  EVP_MD_CTX_free(ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace mw::models
