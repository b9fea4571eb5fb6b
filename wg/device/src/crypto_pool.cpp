#include "wirelink/wg/device/crypto_pool.hpp"

namespace wl::wg::device {

CryptoPool::CryptoPool(unsigned workers, std::size_t min_parallel) : min_parallel_(min_parallel) {
  for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this, i] { worker(i + 1); });
}

CryptoPool::~CryptoPool() {
  {
    std::lock_guard<std::mutex> g(mu_);
    quit_ = true;
  }
  start_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

namespace {
// Chunk c of n items split into k contiguous chunks.
std::pair<std::size_t, std::size_t> chunk(std::size_t n, std::size_t k, std::size_t c) {
  return {n * c / k, n * (c + 1) / k};
}
}  // namespace

void CryptoPool::run(std::size_t n, const std::function<void(std::size_t)>& fn) {
  if (threads_.empty() || n < min_parallel_) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  const std::size_t k = threads_.size() + 1;
  {
    std::lock_guard<std::mutex> g(mu_);
    fn_ = &fn;
    n_ = n;
    chunks_ = k;
    pending_ = threads_.size();
    ++generation_;
  }
  start_cv_.notify_all();
  const auto [b, e] = chunk(n, k, 0);
  for (std::size_t i = b; i < e; ++i) fn(i);
  std::unique_lock<std::mutex> l(mu_);
  done_cv_.wait(l, [&] { return pending_ == 0; });
  fn_ = nullptr;
}

void CryptoPool::worker(unsigned index) {
  std::uint64_t seen = 0;
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    start_cv_.wait(l, [&] { return quit_ || generation_ != seen; });
    if (quit_) return;
    seen = generation_;
    const auto* fn = fn_;
    const auto [b, e] = chunk(n_, chunks_, index);
    l.unlock();
    for (std::size_t i = b; i < e; ++i) (*fn)(i);
    l.lock();
    if (--pending_ == 0) done_cv_.notify_one();
  }
}

}  // namespace wl::wg::device
