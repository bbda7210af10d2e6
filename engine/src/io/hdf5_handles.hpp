// Small RAII owners for HDF5 C API identifiers, and the one way HDF5 failures leave a call:
// a Hdf5Failure carrying what we were doing and HDF5's own explanation. The public writer and
// reader turn it into RuntimeError or InputError with the file's name (hdf5_io.hpp).
#pragma once

#include <hdf5.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace cjsim::h5 {

// Owns one identifier and closes it with Close. Move-only; an invalid id (< 0) owns nothing.
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now and reports HDF5's status (a failed close of a file means lost data).
  herr_t close() {
    herr_t status = 0;
    if (id_ >= 0) status = Close(id_);
    id_ = H5I_INVALID_HID;
    return status;
  }
  void reset() { static_cast<void>(close()); }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Dataspace = Handle<H5Sclose>;
using Datatype = Handle<H5Tclose>;
using Attribute = Handle<H5Aclose>;
using PropList = Handle<H5Pclose>;

// An HDF5 call failed. `what` says what we were doing ("creating dataset /runs/base/..."),
// `detail` is HDF5's innermost message (or, when the operating system refused, its one-line
// reason such as "File too large"), `cause` tells apart the failures users act on differently.
class Hdf5Failure : public std::runtime_error {
 public:
  enum class Cause {
    other,
    io,         // the operating system refused a read or write: disk full, file size limit
    truncated,  // the file ends before the end HDF5 recorded
  };
  Hdf5Failure(std::string what, std::string detail, Cause cause);
  const std::string& action() const { return action_; }
  const std::string& detail() const { return detail_; }
  Cause cause() const { return cause_; }

 private:
  std::string action_;
  std::string detail_;
  Cause cause_ = Cause::other;
};

// Turns off HDF5's printing of its error stack for the calling thread (each thread has its own
// stack in the thread-safe build). Cheap to call at every entry point.
void silence_errors();

// The failure on the calling thread's HDF5 error stack (which it clears), and the same thrown.
Hdf5Failure current_failure(std::string_view action);
[[noreturn]] void fail(std::string_view action);

// Returns result, or throws Hdf5Failure when HDF5 signalled failure (a negative id or status).
template <class T>
T check(T result, std::string_view action) {
  if (result < 0) fail(action);
  return result;
}

}  // namespace cjsim::h5
