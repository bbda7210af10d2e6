// The lengths of an attribute's variable-length strings, checked before HDF5 reads them.
//
// HDF5 1.10 trusts each stored string's length: H5Aread allocates and clears that many bytes
// (up to 4 GiB per string, twice) before it looks at the global heap the string lives in. Four
// changed bytes cost 8 GB and a minute, or the machine's memory. Datasets' strings are checked
// from their raw records (hdf5_objects.cpp, check_string_lengths); an attribute's records live in
// its object's header, which no HDF5 call hands out, so this reads the header from the file
// (versions 1 and 2, with their continuation blocks) and checks each string of the attribute:
// its length and heap address must lie within the file. Version 2 headers carry checksums that
// HDF5 verifies, so random damage is caught there anyway; version 1 headers (any HDF5 file
// written with the default format) and crafted files are what this is for.
//
// An attribute this cannot find in the header (dense attribute storage, a shared datatype) is
// left to HDF5: cjsim writes neither.
#pragma once

#include <hdf5.h>

#include <string>

namespace cjsim::h5 {

// Throws Hdf5Failure ("the file is damaged (...)") for a string whose stored length or heap
// address lies beyond the file's end, or for a header that runs outside the file.
void check_attribute_strings(hid_t object, const char* name, const std::string& place);

}  // namespace cjsim::h5
