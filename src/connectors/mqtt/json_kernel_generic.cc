// The generic JSON kernel: json_walk.inl on simdjson's builtin On-Demand implementation, which for
// a binary built for baseline x86-64 is simdjson's portable "fallback" one. Stage 1 (finding the
// structure of the payload) is dispatched by simdjson at run time in either kernel.
//
// simdjson's inline functions are inlined here in every build type (simdjson does so itself only
// when optimising), so that this file never calls one out of line: json_kernel_haswell.cc compiles
// its own copies for AVX2, and the linker might keep one of those (see there).
#define simdjson_inline inline __attribute__((always_inline))
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string_view>

#include "connectors/mqtt/json_kernel.h"
#include "core/time_format.h"

#define MW_JSON_KERNEL_NS kernel_generic
#include "connectors/mqtt/json_walk.inl"
#undef MW_JSON_KERNEL_NS

namespace mw::connectors::mqtt::detail {

std::unique_ptr<Kernel> MakeGenericKernel() {
  return std::make_unique<kernel_generic::KernelImpl>(JsonKernel::kGeneric);
}

}  // namespace mw::connectors::mqtt::detail
