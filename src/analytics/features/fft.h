// FFT of real frames with FFTW3, for the spectral features.
//
// FFTW's planner is not thread-safe; executing a plan is, on arrays of the plan's alignment. Plans
// are therefore made once per size, process-wide, under a mutex (FftPlans), and kept for the life of
// the process; each Fft object owns its own buffers (fftw_malloc, so aligned alike) and executes the
// shared plans on them with FFTW's new-array interface. An Fft object is not thread-safe: one per
// processor instance (that is, per worker) or per thread.
#pragma once

#include <complex>
#include <cstddef>

namespace mw::analytics {

class Fft {
 public:
  // n >= 2, even. Plans on first use of n (under the planner mutex: it may take a while, once).
  explicit Fft(std::size_t n);
  ~Fft();
  Fft(const Fft&) = delete;
  Fft& operator=(const Fft&) = delete;

  std::size_t size() const { return n_; }
  // n real values: the input of Forward().
  double* real() { return real_; }
  // n / 2 + 1 bins: the output of Forward(), X_k = sum_j x_j e^{-2 pi i jk / n} (unnormalised).
  std::complex<double>* spectrum() { return spectrum_; }
  void Forward();
  // n complex values, transformed in place by Inverse(): z_j = sum_k Z_k e^{+2 pi i jk / n}
  // (unnormalised: divide by n for the inverse of a forward transform).
  std::complex<double>* complex() { return complex_; }
  void Inverse();

 private:
  std::size_t n_;
  void* forward_plan_;  // fftw_plan, shared, owned by the process-wide cache
  void* inverse_plan_;
  double* real_;
  std::complex<double>* spectrum_;
  std::complex<double>* complex_;
};

}  // namespace mw::analytics
