// The fuzz build's own copy of toml++'s implementation (TOML_HEADER_ONLY=0 everywhere else in
// that build, so this is the only place it is compiled). Release, asan and tsan builds link
// Debian's shared libtomlplusplus instead and never compile this file.
//
// Kept in a file of its own so that two UBSan checks can be off for toml++ alone while cjsim's
// own code keeps every check (engine/CMakeLists.txt):
//  - unreachable: toml++ 3.3.0's parser reaches __builtin_unreachable() for some non-ASCII
//    code points (upstream issues #190 and #295); test_toml_unicode shows the shipped parser
//    handles all of them;
//  - float-cast-overflow: its formatter estimates an array's width from log10 of each float and
//    converts that to size_t, negative for any |x| < 0.1 (found by fuzz_scenario: an array
//    holding 5e-315). The estimate only chooses between one line and several; test_toml_unicode
//    shows arrays of such floats print and read back exactly.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
