// Touch paths in a run group (/runs/<v>/replicate_<r>/touch_paths/, results/README.md):
// compressed sparse rows, chunked, shuffled and deflated like the customer table. Optional:
// runs without them simply have no such group, so adding them did not change the format.
#pragma once

#include <string>

#include "cjsim/results.hpp"
#include "io/hdf5_handles.hpp"

namespace cjsim::h5layout {

inline constexpr const char* kTouchPaths = "touch_paths";

void write_touch_paths(hid_t run_group, const TouchPaths& paths);
// Reads the group; throws InputError naming `file` and the object when it is malformed.
// `customers` is the run's population (offsets must have customers + 1 entries); every event
// must name one of `channels` channels (or be a purchase) on a day of the horizon.
TouchPaths read_touch_paths(hid_t run_group, std::uint64_t customers, std::size_t channels,
                            int days, const std::string& file);

}  // namespace cjsim::h5layout
