// Labelled tables for the models: rows of numeric columns grouped by unit (one machine's life, one
// engine's run), in time order within a unit. Read from the twins' training CSV, from an exported
// dataset, or from NASA C-MAPSS text files.
//
// CSV: a header line, then one row per reading. The unit column (default `unit`) holds integers; the
// time column (the first of `ts_ms`, `time`, `cycle` unless named) numbers; the label column (default
// `state`, optional) any text; the target column (default `rul_s`, optional) numbers. Every other
// column is a feature, except the ignored ones (default `damage` and `fault`: ground truth the twins
// write that no live machine could know). An empty feature cell is a missing value (NaN); any other
// text that is not a number is an error naming file:line and the column.
// C-MAPSS: whitespace-separated `unit cycle setting1 setting2 setting3 s1 .. s21`; no label, and the
// target is left empty (run-to-failure files: the RUL is derived from each unit's last cycle).
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"

namespace mw::models {

enum class TableFormat { kCsv, kCmapss };

struct TableSpec {
  TableFormat format = TableFormat::kCsv;
  std::string unit_column = "unit";
  std::string time_column;  // empty: ts_ms, time or cycle, whichever comes first
  std::string label_column = "state";
  std::string target_column = "rul_s";
  std::vector<std::string> ignore = {"damage", "fault"};
};

struct Table {
  std::vector<std::string> columns;  // feature columns, in file order
  std::vector<float> values;         // row-major, rows() x columns.size(); NaN = missing
  std::vector<std::int64_t> unit;    // one per row
  std::vector<double> time;          // one per row
  std::vector<std::string> label;    // one per row, or empty when the file has no label column
  std::vector<double> target;        // one per row, or empty when the file has no target column
  // Nanoseconds per unit of `time` when it is a clock (1e6 for ts_ms, as the twins and the
  // historian's datasets write); 0 when it is not (cycles, row numbers).
  std::int64_t time_unit_ns = 0;

  std::size_t rows() const { return unit.size(); }
  const float* row(std::size_t i) const { return values.data() + i * columns.size(); }
  // The index of a feature column, or -1.
  int ColumnIndex(const std::string& name) const;
};

// `source` names the input in error messages ("lifecycles.csv:12: ...").
Result<Table> ReadTable(std::istream& in, const std::string& source, const TableSpec& spec);
// NotFound when the file cannot be opened.
Result<Table> ReadTableFile(const std::string& path, const TableSpec& spec);

// The rows of `table` whose unit is in `units`, in their order (a split by unit).
Table SelectUnits(const Table& table, const std::set<std::int64_t>& units);

// "csv" or "cmapss"; InvalidArgument for anything else.
Result<TableFormat> ParseTableFormat(const std::string& text);

// Lowercase hex SHA-256 of everything the table holds (columns, values, units, times, labels,
// targets), so a model can name exactly the data it was trained on.
std::string TableHash(const Table& table);

}  // namespace mw::models
