# --- hardening (issue 7; tests/fault/README.md, tests/fuzz/README.md) ------------------------
# The fuzz checks replayed on the seeds and past findings, in every build; toml++'s unicode UB.
cjsim_add_test(test_fuzz_inputs fuzz/test_fuzz_inputs.cpp fuzz/fuzz_checks.cpp)
target_include_directories(test_fuzz_inputs PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
cjsim_add_test(test_toml_unicode scenario/test_toml_unicode.cpp)
target_link_libraries(test_toml_unicode PRIVATE PkgConfig::TOMLPP)
# Absurd numbers, worlds larger than memory, thread counts.
cjsim_add_test(test_limits sim/test_limits.cpp)
target_link_libraries(test_limits PRIVATE PkgConfig::TOMLPP fmt::fmt TBB::tbb)
# Fault tests (tests/fault/README.md): cjsim as a process under a full disk, a read-only folder,
# kills and damaged inputs. Exit 77 = the machine cannot set the fault up (ctest: skipped).
foreach(fault disk_full disk_full_tmpfs read_only read_only_mount killed interrupted
              scenario_unreadable scenario_vanishes bad_result_input sweep_faults absurd_input)
  add_test(NAME fault.${fault}
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/fault/fault_tests.py
                   --cjsim $<TARGET_FILE:cjsim> --source ${PROJECT_SOURCE_DIR}
                   --work ${CMAKE_CURRENT_BINARY_DIR}/fault ${fault})
  set_tests_properties(fault.${fault} PROPERTIES LABELS fault SKIP_RETURN_CODE 77 TIMEOUT 600)
endforeach()
# The kills time a run of seconds: alone, they do not slow the rest of the suite much.
set_tests_properties(fault.killed fault.interrupted PROPERTIES RESOURCE_LOCK cjsim_slow_run)
# A failed write, then a good one, then a normal exit (HDF5 1.10.8's exit-time crash).
cjsim_add_test(test_write_faults io/test_write_faults.cpp)
# Soak: 100 runs through the library API in one process; same bits, no RSS growth.
cjsim_add_test(test_soak sim/test_soak.cpp LABELS slow parallel)
