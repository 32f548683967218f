#include "alarms/condition.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/time_format.h"

namespace mw::alarms {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr Timestamp kNever = std::numeric_limits<Timestamp>::max();

// a + b for b >= 0, without running past the end of time.
Timestamp Later(Timestamp a, std::int64_t b) { return a > kNever - b ? kNever : a + b; }

bool NameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.'; }

// A recursive-descent parser over the text; `at` is the next character.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) { out_.text = std::string(text); }

  Result<Condition> Run() {
    auto root = Or();
    if (!root.ok()) return root.status();
    Skip();
    if (at_ < text_.size()) return Error("expected 'and', 'or' or the end");
    out_.root = *root;
    return std::move(out_);
  }

 private:
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("condition '" + std::string(text_) + "': column " +
                                   std::to_string(at_ + 1) + ": " + what);
  }
  void Skip() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_])) != 0) ++at_;
  }
  // Consumes `token` if it comes next (a word only when not followed by a name character).
  bool Take(std::string_view token) {
    Skip();
    if (text_.substr(at_, token.size()) != token) return false;
    const bool word = NameChar(token.front());
    if (word && at_ + token.size() < text_.size() && NameChar(text_[at_ + token.size()])) return false;
    at_ += token.size();
    return true;
  }
  std::string Name() {
    Skip();
    const std::size_t start = at_;
    while (at_ < text_.size() && NameChar(text_[at_])) ++at_;
    return std::string(text_.substr(start, at_ - start));
  }
  int Add(Condition::Node node) {
    out_.nodes.push_back(node);
    return static_cast<int>(out_.nodes.size() - 1);
  }
  int SignalIndex(const std::string& name) {
    const auto it = std::find(out_.signals.begin(), out_.signals.end(), name);
    if (it != out_.signals.end()) return static_cast<int>(it - out_.signals.begin());
    out_.signals.push_back(name);
    return static_cast<int>(out_.signals.size() - 1);
  }

  Result<int> Binary(Condition::Kind kind, std::initializer_list<std::string_view> ops,
                     Result<int> (Parser::*operand)()) {
    auto left = (this->*operand)();
    if (!left.ok()) return left;
    int node = *left;
    for (;;) {
      const bool more = std::any_of(ops.begin(), ops.end(), [&](std::string_view op) { return Take(op); });
      if (!more) return node;
      auto right = (this->*operand)();
      if (!right.ok()) return right;
      Condition::Node n;
      n.kind = kind;
      n.left = node;
      n.right = *right;
      node = Add(n);
    }
  }
  Result<int> Or() { return Binary(Condition::Kind::kOr, {"or", "||"}, &Parser::And); }
  Result<int> And() { return Binary(Condition::Kind::kAnd, {"and", "&&"}, &Parser::Unary); }

  Result<int> Unary() {
    if (++depth_ > 64) return Error("nested too deeply");
    Result<int> out = UnaryBody();
    --depth_;
    return out;
  }
  Result<int> UnaryBody() {
    if (Take("not") || (!LookingAt("!=") && Take("!"))) {
      auto inner = Unary();
      if (!inner.ok()) return inner;
      Condition::Node n;
      n.kind = Condition::Kind::kNot;
      n.left = *inner;
      return Add(n);
    }
    if (Take("(")) {
      auto inner = Or();
      if (!inner.ok()) return inner;
      if (!Take(")")) return Error("expected ')'");
      return inner;
    }
    // bit(...), stale(...), event(...); a signal may still be called bit, stale or event.
    const std::size_t start = at_;
    const std::string word = Name();
    static constexpr std::pair<std::string_view, Condition::Kind> kCalls[] = {
        {"bit", Condition::Kind::kBit},
        {"stale", Condition::Kind::kStale},
        {"event", Condition::Kind::kEvent}};
    for (const auto& [call, kind] : kCalls) {
      if (word == call && Take("(")) return Call(kind);
    }
    at_ = start;
    return Comparison();
  }
  bool LookingAt(std::string_view token) {
    Skip();
    return text_.substr(at_, token.size()) == token;
  }

  // bit(signal, n), stale(signal, duration), event(signal, duration)
  Result<int> Call(Condition::Kind kind) {
    const std::string name = Name();
    if (name.empty()) return Error("expected a signal name");
    if (!Take(",")) return Error("expected ','");
    Skip();
    const std::size_t start = at_;
    while (at_ < text_.size() && NameChar(text_[at_])) ++at_;
    const std::string_view arg = text_.substr(start, at_ - start);
    Condition::Node n;
    n.kind = kind;
    n.signal = SignalIndex(name);
    if (kind == Condition::Kind::kBit) {
      int bit = -1;
      const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), bit);
      if (ec != std::errc() || end != arg.data() + arg.size() || bit < 0 || bit > 62) {
        at_ = start;
        return Error("expected a bit number from 0 to 62");
      }
      n.number = bit;
    } else {
      auto duration = ParseDuration(arg);
      if (!duration.ok() || *duration <= 0) {
        at_ = start;
        return Error("expected a duration such as 30s or 5m");
      }
      n.duration = *duration;
    }
    if (!Take(")")) return Error("expected ')'");
    return Add(n);
  }

  Result<int> Comparison() {
    const std::string name = Name();
    if (name.empty()) return Error("expected a signal name, 'not', '(' or bit/stale/event(...)");
    Condition::Node n;
    n.kind = Condition::Kind::kCompare;
    n.signal = SignalIndex(name);
    static constexpr std::pair<std::string_view, Condition::Cmp> kOps[] = {
        {">=", Condition::Cmp::kGe}, {"<=", Condition::Cmp::kLe}, {"==", Condition::Cmp::kEq},
        {"!=", Condition::Cmp::kNe}, {">", Condition::Cmp::kGt},  {"<", Condition::Cmp::kLt}};
    bool found = false;
    std::string_view op;
    for (const auto& [text, cmp] : kOps) {
      if (Take(text)) {
        n.cmp = cmp;
        op = text;
        found = true;
        break;
      }
    }
    if (!found) return Error("expected a comparison (> >= < <= == !=) after '" + name + "'");
    Skip();
    const char* begin = text_.data() + at_;
    const auto [end, ec] = std::from_chars(begin, text_.data() + text_.size(), n.number);
    if (ec != std::errc() || !std::isfinite(n.number))
      return Error("expected a number after '" + std::string(op) + "'");
    at_ += static_cast<std::size_t>(end - begin);
    return Add(n);
  }

  std::string_view text_;
  std::size_t at_ = 0;
  int depth_ = 0;
  Condition out_;
};

}  // namespace

Result<Condition> ParseCondition(std::string_view text) { return Parser(text).Run(); }

ConditionTracker::ConditionTracker(const Condition& condition, Debounce debounce, Timestamp start)
    : condition_(&condition),
      debounce_(debounce),
      values_(condition.signals.size(), kNaN),
      seen_(condition.signals.size(), start),
      event_(condition.signals.size(), std::numeric_limits<Timestamp>::min()),
      latched_(condition.nodes.size(), 0),
      raw_since_(start) {
  for (std::size_t i = 0; i < condition.nodes.size() && primary_ < 0; ++i) {
    if (condition.nodes[i].kind == Condition::Kind::kCompare) primary_ = static_cast<int>(i);
  }
}

void ConditionTracker::OnSample(int signal, Timestamp t, double value, Quality quality) {
  if (quality != Quality::kGood || !std::isfinite(value)) return;
  const auto i = static_cast<std::size_t>(signal);
  values_[i] = value;
  seen_[i] = std::max(seen_[i], t);
}

void ConditionTracker::OnEvent(int signal, Timestamp t) {
  const auto i = static_cast<std::size_t>(signal);
  event_[i] = std::max(event_[i], t);
}

bool ConditionTracker::Eval(int index, Timestamp t) {
  const Condition::Node& n = condition_->nodes[static_cast<std::size_t>(index)];
  switch (n.kind) {
    case Condition::Kind::kAnd: {
      const bool a = Eval(n.left, t), b = Eval(n.right, t);  // both: every latch stays current
      return a && b;
    }
    case Condition::Kind::kOr: {
      const bool a = Eval(n.left, t), b = Eval(n.right, t);
      return a || b;
    }
    case Condition::Kind::kNot:
      return !Eval(n.left, t);
    case Condition::Kind::kBit: {
      const double v = values_[static_cast<std::size_t>(n.signal)];
      if (!std::isfinite(v) || std::abs(v) > 9.2e18) return false;
      return ((static_cast<std::int64_t>(v) >> static_cast<int>(n.number)) & 1) != 0;
    }
    case Condition::Kind::kStale:
      return t - seen_[static_cast<std::size_t>(n.signal)] > n.duration;
    case Condition::Kind::kEvent: {
      const Timestamp e = event_[static_cast<std::size_t>(n.signal)];
      return e != std::numeric_limits<Timestamp>::min() && t - e <= n.duration;
    }
    case Condition::Kind::kCompare:
      break;
  }
  const double v = values_[static_cast<std::size_t>(n.signal)];
  std::uint8_t& latch = latched_[static_cast<std::size_t>(index)];
  if (std::isnan(v)) {
    latch = 0;
    return false;
  }
  const double limit = n.number, band = debounce_.deadband;
  switch (n.cmp) {
    case Condition::Cmp::kGt:
      latch = latch ? !(v < limit - band) : v > limit;
      break;
    case Condition::Cmp::kGe:
      latch = latch ? !(v < limit - band) : v >= limit;
      break;
    case Condition::Cmp::kLt:
      latch = latch ? !(v > limit + band) : v < limit;
      break;
    case Condition::Cmp::kLe:
      latch = latch ? !(v > limit + band) : v <= limit;
      break;
    case Condition::Cmp::kEq:
      latch = v == limit;
      break;
    case Condition::Cmp::kNe:
      latch = v != limit;
      break;
  }
  return latch != 0;
}

bool ConditionTracker::Evaluate(Timestamp t) {
  last_evaluated_ = std::max(last_evaluated_, t);
  const bool raw = Eval(condition_->root, t);
  if (raw != raw_) {
    raw_ = raw;
    raw_since_ = t;
  }
  if (raw_ == active_) return false;
  const std::int64_t delay = raw_ ? debounce_.on_delay : debounce_.off_delay;
  if (t - raw_since_ < delay) return false;
  active_ = raw_;
  return true;
}

void ConditionTracker::Assume(bool active, Timestamp t) {
  active_ = raw_ = active;
  raw_since_ = t;
}

Timestamp ConditionTracker::NextDeadline() const {
  Timestamp next = kNever;
  if (raw_ != active_) next = Later(raw_since_, raw_ ? debounce_.on_delay : debounce_.off_delay);
  // Windows that end after the last evaluation: a stale() turning true, an event() turning false.
  const auto consider = [&](Timestamp end) {
    if (end > last_evaluated_) next = std::min(next, end);
  };
  for (const Condition::Node& n : condition_->nodes) {
    const auto s = static_cast<std::size_t>(n.signal);
    if (n.kind == Condition::Kind::kStale) consider(Later(seen_[s], Later(n.duration, 1)));
    if (n.kind == Condition::Kind::kEvent && event_[s] != std::numeric_limits<Timestamp>::min())
      consider(Later(event_[s], Later(n.duration, 1)));
  }
  return next;
}

double ConditionTracker::value() const {
  if (primary_ < 0) return kNaN;
  return values_[static_cast<std::size_t>(condition_->nodes[static_cast<std::size_t>(primary_)].signal)];
}

double ConditionTracker::limit() const {
  return primary_ < 0 ? kNaN : condition_->nodes[static_cast<std::size_t>(primary_)].number;
}

}  // namespace mw::alarms
