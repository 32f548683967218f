#include "analytics/features/fft.h"

#include <fftw3.h>

#include <map>
#include <mutex>
#include <utility>

namespace mw::analytics {
namespace {

struct Plans {
  fftw_plan forward = nullptr;
  fftw_plan inverse = nullptr;
};

// The planner is the one part of FFTW that threads must not enter together; fftw_malloc and plan
// execution are safe.
std::mutex& PlannerMutex() {
  static std::mutex mu;
  return mu;
}

Plans PlansFor(std::size_t n) {
  std::lock_guard<std::mutex> lock(PlannerMutex());
  static auto* cache = new std::map<std::size_t, Plans>();  // never freed: plans outlive every Fft
  auto it = cache->find(n);
  if (it != cache->end()) return it->second;
  // FFTW_ESTIMATE plans without running trial transforms, so it leaves the arrays untouched and
  // takes microseconds; the plans are reused on other arrays of the same alignment.
  const int size = static_cast<int>(n);
  auto* real = fftw_alloc_real(n);
  auto* spectrum = fftw_alloc_complex(n / 2 + 1);
  auto* complex = fftw_alloc_complex(n);
  Plans plans;
  plans.forward = fftw_plan_dft_r2c_1d(size, real, spectrum, FFTW_ESTIMATE);
  plans.inverse = fftw_plan_dft_1d(size, complex, complex, FFTW_BACKWARD, FFTW_ESTIMATE);
  fftw_free(real);
  fftw_free(spectrum);
  fftw_free(complex);
  cache->emplace(n, plans);
  return plans;
}

}  // namespace

Fft::Fft(std::size_t n) : n_(n) {
  const Plans plans = PlansFor(n);
  forward_plan_ = plans.forward;
  inverse_plan_ = plans.inverse;
  real_ = fftw_alloc_real(n);
  spectrum_ = reinterpret_cast<std::complex<double>*>(fftw_alloc_complex(n / 2 + 1));
  complex_ = reinterpret_cast<std::complex<double>*>(fftw_alloc_complex(n));
  for (std::size_t i = 0; i < n; ++i) {
    real_[i] = 0;
    complex_[i] = 0;
  }
}

Fft::~Fft() {
  fftw_free(real_);
  fftw_free(spectrum_);
  fftw_free(complex_);
}

void Fft::Forward() {
  fftw_execute_dft_r2c(static_cast<fftw_plan>(forward_plan_), real_,
                       reinterpret_cast<fftw_complex*>(spectrum_));
}

void Fft::Inverse() {
  auto* z = reinterpret_cast<fftw_complex*>(complex_);
  fftw_execute_dft(static_cast<fftw_plan>(inverse_plan_), z, z);
}

}  // namespace mw::analytics
