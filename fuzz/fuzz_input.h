// Reads typed values off a fuzzer's bytes, front to back. Once the bytes run out every read
// returns zero, so a fuzzer never has to check lengths and any input is a valid one.
// Ours rather than clang's FuzzedDataProvider so that the fuzzers also build with GCC, where
// `make test` replays their corpora under ASan and UBSan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace mw::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::size_t remaining_bytes() const { return size_ - pos_; }

  template <typename T>
  T ConsumeIntegral() {
    static_assert(std::is_integral_v<T>);
    T value{};
    const std::size_t n = remaining_bytes() < sizeof(T) ? remaining_bytes() : sizeof(T);
    if (n > 0) std::memcpy(&value, data_ + pos_, n);
    pos_ += n;
    return value;
  }

  // A value in [lo, hi]; the modulo bias does not matter for fuzzing.
  template <typename T>
  T ConsumeIntegralInRange(T lo, T hi) {
    using U = std::make_unsigned_t<T>;
    const U span = static_cast<U>(static_cast<U>(hi) - static_cast<U>(lo));
    const auto raw = ConsumeIntegral<U>();
    if (span == static_cast<U>(-1)) return static_cast<T>(raw);
    return static_cast<T>(static_cast<U>(lo) + static_cast<U>(raw % static_cast<U>(span + 1)));
  }

  bool ConsumeBool() { return (ConsumeIntegral<std::uint8_t>() & 1) != 0; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace mw::fuzz
