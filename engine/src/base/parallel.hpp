// The engine's parallel loops: tbb::parallel_for, plus what ThreadSanitizer needs to check them.
//
// Debian's libtbb is not built with -fsanitize=thread, so TSan cannot see its scheduler's
// synchronisation: that a loop's bodies start after the code before the loop (fork) and that
// the code after the loop runs after every body has ended (join). Without that every write of
// a body looks like a race with the calling thread. In a TSan build these wrappers state both
// edges with __tsan_release / __tsan_acquire. Bodies are still not ordered among themselves, so
// a race between two blocks stays visible. After the loop the caller also acquires what the
// workers released in the frames the loop left below it (see acquire_dead_frames). Otherwise they
// are tbb::parallel_for itself. (tests/tsan.supp covers TBB's own task objects.)
#pragma once

#include <tbb/parallel_for.h>

#include <cstdint>
#include <type_traits>
#include <utility>

#if defined(__SANITIZE_THREAD__)
#define CJSIM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CJSIM_TSAN 1
#endif
#endif
#ifdef CJSIM_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace cjsim {

#ifdef CJSIM_TSAN
namespace detail {
// Fork: the caller releases after building the body, every body acquires before touching it.
// Join: every body releases when done, the caller acquires after the loop. Fixed addresses, so a
// body acquires before it reads anything of the loop (its captures included); bodies never
// acquire what other bodies release, so they stay unordered among themselves.
inline char fork_token = 0;
inline char join_token = 0;

// The join edge again, for what a loop left on the caller's stack. A loop's wait_context lives in
// a frame of tbb::parallel_for below the caller, and each worker counts it down there when its
// part ends (fold_tree: an atomic release, compiled into our binaries, after our body's
// join_token release); the caller's wait, inside uninstrumented libtbb, is what orders it. Once
// the loop returns that frame is dead, but TSan still holds the worker's write, and a later frame
// of the caller that reuses the bytes looks like a race: a parameter GCC stores into its slot in
// the prologue (not instrumented) and a loop body then reads by reference, as act()'s `day` was in
// CI. So the caller acquires every word of the dead frames below it: what libtbb's wait did.
// TSan's own annotation for reused memory (AnnotateNewMemory) no longer resets anything in the
// runtime GCC 12 ships. 64 KiB is far deeper than a parallel_for's frames; an address no one
// released costs a lookup (~4 ns).
[[gnu::noinline]] inline void acquire_dead_frames() {
  constexpr std::uintptr_t kDepth = 64 * 1024;
  volatile char here = 0;
  const std::uintptr_t top = reinterpret_cast<std::uintptr_t>(&here) & ~std::uintptr_t{7};
  for (std::uintptr_t a = top - kDepth; a < top; a += 8) {
    __tsan_acquire(reinterpret_cast<void*>(a));
  }
}

template <typename Body>
auto announced(const Body& body) {
  return [&body](auto&&... args) {
    __tsan_acquire(&fork_token);
    body(std::forward<decltype(args)>(args)...);
    __tsan_release(&join_token);
  };
}
}  // namespace detail
#endif

// tbb::parallel_for(range, body, partitioner).
template <typename Range, typename Body, typename Partitioner>
requires(!std::is_integral_v<Range>) void parallel_for(const Range& range, const Body& body,
                                                       Partitioner&& partitioner) {
#ifdef CJSIM_TSAN
  const auto wrapped = detail::announced(body);
  __tsan_release(&detail::fork_token);
  tbb::parallel_for(range, wrapped, std::forward<Partitioner>(partitioner));
  __tsan_acquire(&detail::join_token);
  detail::acquire_dead_frames();
#else
  tbb::parallel_for(range, body, std::forward<Partitioner>(partitioner));
#endif
}

// tbb::parallel_for(range, body) with TBB's default partitioner.
template <typename Range, typename Body>
requires(!std::is_integral_v<Range>) void parallel_for(const Range& range, const Body& body) {
  parallel_for(range, body, tbb::auto_partitioner());
}

// tbb::parallel_for(first, last, body): body(i) for every index in [first, last).
template <typename Index, typename Body>
requires std::is_integral_v<Index>
void parallel_for(Index first, Index last, const Body& body) {
#ifdef CJSIM_TSAN
  const auto wrapped = detail::announced(body);
  __tsan_release(&detail::fork_token);
  tbb::parallel_for(first, last, wrapped);
  __tsan_acquire(&detail::join_token);
  detail::acquire_dead_frames();
#else
  tbb::parallel_for(first, last, body);
#endif
}

// Happens-before edges that libtbb makes and TSan cannot see, for TBB constructs other than a
// parallel_for (the customer table's pipeline): `release` when handing something over, `acquire`
// before using what was handed over. No-ops outside a TSan build.
inline void tsan_release([[maybe_unused]] const void* token) {
#ifdef CJSIM_TSAN
  __tsan_release(const_cast<void*>(token));
#endif
}
inline void tsan_acquire([[maybe_unused]] const void* token) {
#ifdef CJSIM_TSAN
  __tsan_acquire(const_cast<void*>(token));
#endif
}

}  // namespace cjsim
