#include "connectors/mqtt/topic_pattern.h"

#include <array>

namespace mw::connectors::mqtt {
namespace {

// Deep enough for any sane topic layout; a larger placeholder is surely a typo.
constexpr int kMaxLevel = 63;

// The first kMaxLevel+1 levels of a topic, viewing the topic's bytes, and how many it has in all.
struct Levels {
  std::array<std::string_view, kMaxLevel + 1> level;
  std::size_t count = 0;  // may exceed the array size; only the first kMaxLevel+1 are stored
};

void SplitLevels(std::string_view topic, Levels& out) {
  out.count = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = topic.find('/', start);
    std::string_view piece = topic.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (out.count < out.level.size()) out.level[out.count] = piece;
    ++out.count;
    if (slash == std::string_view::npos) return;
    start = slash + 1;
  }
}

}  // namespace

Result<TopicPattern> TopicPattern::Parse(std::string_view pattern) {
  TopicPattern p;
  p.text_ = std::string(pattern);
  std::string literal;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '}')
      return Status::InvalidArgument("asset pattern \"" + p.text_ + "\": '}' without '{' at byte " +
                                     std::to_string(i));
    if (c != '{') {
      literal += c;
      continue;
    }
    std::size_t close = pattern.find('}', i);
    if (close == std::string_view::npos)
      return Status::InvalidArgument("asset pattern \"" + p.text_ + "\": '{' at byte " + std::to_string(i) +
                                     " is never closed");
    std::string_view digits = pattern.substr(i + 1, close - i - 1);
    int level = 0;
    bool ok = !digits.empty() && digits.size() <= 2;
    for (char d : digits) {
      ok = ok && d >= '0' && d <= '9';
      level = level * 10 + (d - '0');
    }
    if (!ok || level > kMaxLevel)
      return Status::InvalidArgument("asset pattern \"" + p.text_ +
                                     "\": expected {N} with N a topic level 0.." + std::to_string(kMaxLevel) +
                                     " at byte " + std::to_string(i));
    if (!literal.empty()) p.parts_.push_back({std::move(literal), -1});
    literal.clear();
    p.parts_.push_back({{}, level});
    if (level > p.max_level_) p.max_level_ = level;
    i = close;
  }
  if (!literal.empty()) p.parts_.push_back({std::move(literal), -1});
  return p;
}

Status TopicPattern::Expand(std::string_view topic, std::string& out) const {
  out.clear();
  if (text_.empty()) {
    std::size_t last = topic.rfind('/');
    if (last == std::string_view::npos)
      return Status::InvalidArgument("topic \"" + std::string(topic) +
                                     "\" has no level before the last one to name the asset");
    std::string_view path = topic.substr(0, last);
    if (path.empty() || path.front() == '/' || path.back() == '/' ||
        path.find("//") != std::string_view::npos)
      return Status::InvalidArgument("topic \"" + std::string(topic) + "\" has an empty level");
    out.assign(path);
    return Status::Ok();
  }
  Levels levels;
  SplitLevels(topic, levels);
  if (max_level_ >= 0 && static_cast<std::size_t>(max_level_) >= levels.count)
    return Status::InvalidArgument("asset pattern \"" + text_ + "\" uses level {" +
                                   std::to_string(max_level_) + "} but topic \"" + std::string(topic) +
                                   "\" has " + std::to_string(levels.count) + " levels");
  for (const Part& part : parts_) {
    if (part.level < 0) {
      out += part.literal;
      continue;
    }
    std::string_view piece = levels.level[static_cast<std::size_t>(part.level)];
    if (piece.empty())
      return Status::InvalidArgument("level {" + std::to_string(part.level) + "} of topic \"" +
                                     std::string(topic) + "\" is empty");
    out += piece;
  }
  return Status::Ok();
}

}  // namespace mw::connectors::mqtt
