// The haswell JSON kernel: json_walk.inl compiled against simdjson's haswell (AVX2) On-Demand
// implementation, for CPUs with AVX2, BMI1, PCLMULQDQ and LZCNT. The binary as a whole targets
// baseline x86-64; JsonMapper creates this kernel only after checking the CPU (json_mapper.cc).
//
// How the AVX2 code stays inside this kernel. The danger is an inline function or a template
// instantiation that other files use too (std::vector<double>::push_back, say): the linker keeps one
// copy of it for the whole program, and if it kept this file's AVX2 one, a CPU without AVX2 would
// fault outside the kernel. So:
//
//  1. Every header but simdjson.h is included first, before the target changes: the standard
//     library (all that simdjson.h includes, and what json_walk.inl uses), the intrinsics, and our
//     own headers. A function takes its target from the declaration that defines it, and an
//     instantiation from its template, so these, and whatever this file instantiates from them, are
//     compiled for the baseline target even where AVX2 code calls (or inlines) them.
//  2. Then an AVX2 region opens (the pragmas simdjson uses for its own kernels) around simdjson.h and
//     json_walk.inl, with SIMDJSON_BUILTIN_IMPLEMENTATION=haswell, so that simdjson::ondemand here is
//     simdjson::haswell::ondemand. The other simdjson implementations are left out. Compiled for
//     AVX2 are then:
//       - simdjson::haswell::* and mw::connectors::mqtt::kernel_haswell::*, and instantiations for
//         their types: nothing outside this file can call those;
//       - simdjson's implementation-independent inline functions (padded_string_view,
//         simdjson_result<double>, ...), which json_mapper.cc and the generic kernel use too. They
//         cannot simply be forced inline here (`simdjson_inline`, simdjson's always_inline in
//         optimised builds, is plain `inline` in this file): std::pair's constructors, baseline per
//         1., would then have to inline haswell's always-inline constructors, which GCC and Clang
//         refuse across targets. Instead, (a) the other two files define `simdjson_inline` (nearly
//         all of these functions are) as always_inline in every build type, so they never call
//         one out of line, and whichever copy the linker keeps, only this file's code calls it;
//         and (b) this file emits (next to) none of them, whatever their kind: it is compiled optimised in
//         every build type (CMakeLists.txt), and the kernel's entry point, Walk(), is flattened (GCC inlines
//         everything it calls, recursively; Clang its direct calls).
//  3. The region closes before MakeHaswellKernel(), the one function other files call: it is
//     compiled for the baseline target and only calls into the kernel.
//
// tests/connectors/mqtt/check_isa_leaks.sh verifies the outcome on the linked unit-test binary and
// on millwright (ctest): every function holding an AVX, BMI, LZCNT or PCLMUL instruction belongs to
// kernel_haswell or to simdjson's own kernels, or is called only from them.
#if !defined(__x86_64__) || !(defined(__GNUC__) || defined(__clang__))
#error "json_kernel_haswell.cc is for x86-64 with GCC or Clang (see CMakeLists.txt)"
#endif

// 1. Everything but simdjson.h, for the baseline target.
#include <cpuid.h>
#include <immintrin.h>
#include <strings.h>
#include <x86intrin.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cfloat>
#include <cinttypes>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iomanip>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <ostream>
#include <ranges>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "connectors/mqtt/json_kernel.h"
#include "core/time_format.h"

// 2. simdjson's haswell On-Demand and the walk, for AVX2.
#define SIMDJSON_BUILTIN_IMPLEMENTATION haswell
#define SIMDJSON_IMPLEMENTATION_FALLBACK 0
#define SIMDJSON_IMPLEMENTATION_WESTMERE 0
#define SIMDJSON_IMPLEMENTATION_ICELAKE 0
#define simdjson_inline inline  // see 2.

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,bmi,pclmul,lzcnt"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,bmi,pclmul,lzcnt")
#endif

#include <simdjson.h>

#define MW_JSON_KERNEL_NS kernel_haswell
#include "connectors/mqtt/json_walk.inl"
#undef MW_JSON_KERNEL_NS

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

// 3. The entry point, for the baseline target.
namespace mw::connectors::mqtt::detail {

std::unique_ptr<Kernel> MakeHaswellKernel() {
  return std::make_unique<kernel_haswell::KernelImpl>(JsonKernel::kHaswell);
}

}  // namespace mw::connectors::mqtt::detail
