#include "io/hdf5_crash_guard.hpp"

#include <execinfo.h>
#include <link.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cjsim/hdf5_io.hpp"
#include "io/file_ops.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CJSIM_GUARD_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CJSIM_GUARD_ASAN 1
#endif
#ifdef CJSIM_GUARD_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace cjsim::h5 {

namespace {

// Executable segments of the HDF5 library (libhdf5*.so), found once at installation: a frame
// whose address lies in one of them is the library's.
struct Range {
  std::uintptr_t begin = 0, end = 0;
};
constexpr int kMaxRanges = 32;
Range g_hdf5[kMaxRanges];
std::atomic<int> g_hdf5_ranges{0};
std::atomic<int> g_action{static_cast<int>(CrashAction::report_and_exit)};
std::atomic<int> g_code{1};
std::atomic<bool> g_installed{false};

// What this thread reads. Plain arrays: the signal handler reads them.
constexpr std::size_t kFileBytes = 1024;
constexpr std::size_t kObjectBytes = 512;
thread_local char t_file[kFileBytes];
thread_local char t_object[kObjectBytes];
thread_local int t_depth = 0;

void copy_bounded(char* to, std::size_t capacity, std::string_view from) {
  const std::size_t n = std::min(from.size(), capacity - 1);
  std::memcpy(to, from.data(), n);
  to[n] = '\0';
}

int find_hdf5(dl_phdr_info* info, std::size_t /*size*/, void* /*data*/) {
  const char* name = info->dlpi_name == nullptr ? "" : info->dlpi_name;
  if (std::strstr(name, "libhdf5") == nullptr) return 0;
  for (int k = 0; k < info->dlpi_phnum; ++k) {
    const ElfW(Phdr)& p = info->dlpi_phdr[k];
    if (p.p_type != PT_LOAD || (p.p_flags & PF_X) == 0) continue;
    const int at = g_hdf5_ranges.load();
    if (at == kMaxRanges) return 1;
    g_hdf5[at] = {info->dlpi_addr + p.p_vaddr, info->dlpi_addr + p.p_vaddr + p.p_memsz};
    g_hdf5_ranges.store(at + 1);
  }
  return 0;
}

bool in_hdf5(std::uintptr_t address) {
  const int n = g_hdf5_ranges.load();
  for (int k = 0; k < n; ++k) {
    if (address >= g_hdf5[k].begin && address < g_hdf5[k].end) return true;
  }
  return false;
}

// Whether the failing stack passes through the HDF5 library: the crash happened inside a call
// into it (our only code it calls back is two name-collecting functions that copy a string the
// library hands them). backtrace() was warmed up at installation, so it allocates nothing here.
bool inside_hdf5_call() {
  void* frames[128];
  const int n = backtrace(frames, 128);
  for (int k = 0; k < n; ++k) {
    if (in_hdf5(reinterpret_cast<std::uintptr_t>(frames[k]))) return true;
  }
  return false;
}

void say(const char* text) {
  std::size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<std::size_t>(n);
  }
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV, an invalid memory access";
    case SIGBUS:
      return "SIGBUS, an invalid memory access";
    case SIGFPE:
      return "SIGFPE, an arithmetic fault";
    case SIGILL:
      return "SIGILL, an invalid instruction";
    case SIGABRT:
      return "SIGABRT, the C library found its heap corrupted";
    default:
      return "a fatal error";
  }
}

// The file broke the library: say so the way InputError messages read, remove the temporary
// outputs, leave with exit 1. Only async-signal-safe calls.
[[noreturn]] void blame_the_file(int sig) {
  if (static_cast<CrashAction>(g_action.load()) == CrashAction::report_and_exit) {
    say(t_file);
    say(": ");
    if (t_object[0] != '\0') {
      say(t_object);
      say(": ");
    }
    say("the file is damaged (the HDF5 library crashed reading it: ");
    say(signal_name(sig));
    say(")\n  fix: write it again with the cjsim command that made it, or copy it again if it "
        "was copied\n");
    files::remove_registered_temporaries();
  }
  ::_exit(g_code.load());
}

// The handlers the guard replaced (the default action, or a sanitizer's), by signal number.
constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction g_previous[NSIG];

extern "C" void on_fatal_signal(int sig, siginfo_t* info, void* /*context*/) {
  if (t_depth > 0 && inside_hdf5_call()) blame_the_file(sig);
  // Not the file's doing: hand the signal to whoever had it before, as if the guard were not
  // there. A fault runs again when this handler returns and reaches that handler (a sanitizer's
  // report, or the default action with the original fault in the core dump); a signal sent by
  // kill() or raise() is sent again.
  sigaction(sig, &g_previous[sig], nullptr);
  if (info == nullptr || info->si_code <= 0) raise(sig);
}

#ifdef CJSIM_GUARD_ASAN
// AddressSanitizer reports a wild copy by the library (through its memcpy interceptor) before
// any signal: decide in its death callback, after its report is printed.
extern "C" void on_sanitizer_death() {
  if (t_depth > 0 && inside_hdf5_call()) blame_the_file(SIGSEGV);
}
#endif

}  // namespace

void install_crash_guard(CrashAction action, int code) {
  g_action.store(static_cast<int>(action));
  g_code.store(code);
  if (g_installed.exchange(true)) return;
  dl_iterate_phdr(find_hdf5, nullptr);
  void* warm[4];
  static_cast<void>(backtrace(warm, 4));  // loads the unwinder now, not in a signal handler
#ifdef CJSIM_GUARD_ASAN
  // ASan may handle SIGSEGV itself and then calls this.
  __sanitizer_set_death_callback(on_sanitizer_death);
#endif
  static std::vector<char> alternate_stack(
      std::max<std::size_t>(static_cast<std::size_t>(SIGSTKSZ), 64 * 1024));
  stack_t stack{};
  stack.ss_sp = alternate_stack.data();
  stack.ss_size = alternate_stack.size();
  sigaltstack(&stack, nullptr);
  struct sigaction sa {};
  sa.sa_sigaction = on_fatal_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (int sig : kSignals) sigaction(sig, &sa, &g_previous[sig]);
}

ReadingFile::ReadingFile(const std::string& file) : was_reading_(t_depth > 0) {
  if (was_reading_) previous_file_ = t_file;
  copy_bounded(t_file, kFileBytes, file);
  t_object[0] = '\0';
  ++t_depth;
}

ReadingFile::~ReadingFile() {
  --t_depth;
  if (was_reading_) copy_bounded(t_file, kFileBytes, previous_file_);
}

void reading_object(std::string_view object) {
  if (t_depth > 0) copy_bounded(t_object, kObjectBytes, object);
}

bool reading_a_file() {
  return t_depth > 0;
}

}  // namespace cjsim::h5

namespace cjsim {

void contain_hdf5_crashes() {
  h5::install_crash_guard(h5::CrashAction::report_and_exit, 1);
}

}  // namespace cjsim
