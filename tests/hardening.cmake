# --- hardening (issue 7; tests/fault/README.md, tests/fuzz/README.md) ------------------------
# The fuzz checks replayed on the seeds and past findings, in every build; toml++'s unicode UB.
cjsim_add_test(test_fuzz_inputs test_fuzz_inputs.cpp fuzz/fuzz_checks.cpp)
target_include_directories(test_fuzz_inputs PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
cjsim_add_test(test_toml_unicode test_toml_unicode.cpp)
target_link_libraries(test_toml_unicode PRIVATE PkgConfig::TOMLPP)
# Absurd numbers, worlds larger than memory, thread counts.
cjsim_add_test(test_limits test_limits.cpp)
target_link_libraries(test_limits PRIVATE PkgConfig::TOMLPP fmt::fmt TBB::tbb)
