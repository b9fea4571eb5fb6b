// CryptoPool: fork-join helper that spreads one batch's AEAD work over extra cores.
//
// run(n, fn) calls fn(i) for every i in [0, n), split into contiguous chunks: the calling
// thread takes the first chunk and each worker one of the others, and run() returns once all
// are done. Packets are sent (or written) only after run() returns, in their original order,
// so per-peer order is kept no matter which core encrypted what.
//
// Contract: one caller thread per pool (each data-plane direction owns its own pool); with
// zero workers, or batches below `min_parallel`, fn runs inline. fn must not throw.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wl::wg::device {

class CryptoPool {
 public:
  explicit CryptoPool(unsigned workers, std::size_t min_parallel = 8);
  ~CryptoPool();
  CryptoPool(const CryptoPool&) = delete;
  CryptoPool& operator=(const CryptoPool&) = delete;

  void run(std::size_t n, const std::function<void(std::size_t)>& fn);
  unsigned workers() const { return static_cast<unsigned>(threads_.size()); }

 private:
  void worker(unsigned index);

  std::size_t min_parallel_;
  std::mutex mu_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  const std::function<void(std::size_t)>* fn_ = nullptr;
  std::size_t n_ = 0;
  std::size_t chunks_ = 0;
  std::uint64_t generation_ = 0;
  std::size_t pending_ = 0;
  bool quit_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace wl::wg::device
