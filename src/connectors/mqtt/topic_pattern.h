// TopicPattern: builds an asset path from the levels of an MQTT topic.
//
// A pattern is literal text with `{N}` placeholders, N being a 0-based topic level:
// "plant1/{1}/{2}" on topic "plant/line2/pump-07/telemetry" gives "plant1/line2/pump-07". The empty
// pattern joins all levels but the last with '/' ("plant/line2/pump-07" above), the usual layout
// being <asset path>/<message kind>.
//
// A TopicPattern is immutable after Parse() and safe to share between threads. Expand() allocates
// nothing beyond the growth of `out`, so a caller that reuses `out` pays no allocation per message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mw::connectors::mqtt {

class TopicPattern {
 public:
  // The default pattern (all levels but the last).
  TopicPattern() = default;

  // Parses `pattern`; an error names the byte offset of an unbalanced brace or a bad level number.
  static Result<TopicPattern> Parse(std::string_view pattern);

  // Writes the asset path for `topic` into `out` (replacing its content). Fails with
  // InvalidArgument when the topic has too few levels for the pattern, or when a level the pattern
  // uses is empty; the message names the topic and the level.
  Status Expand(std::string_view topic, std::string& out) const;

  // The pattern as written ("" for the default).
  const std::string& text() const { return text_; }

 private:
  // A piece of the pattern: literal text, or a topic level when `level` >= 0.
  struct Part {
    std::string literal;
    int level = -1;
  };

  std::string text_;
  std::vector<Part> parts_;
  int max_level_ = -1;
};

}  // namespace mw::connectors::mqtt
