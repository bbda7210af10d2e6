#pragma once

namespace cjsim {

// The engine's version, written into every output file.
const char* engine_version();

// Version of the HDF5 layout documented in results/README.md. Readers refuse newer files.
inline constexpr int kFormatVersion = 1;

}  // namespace cjsim
