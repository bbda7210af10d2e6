# --- sweep and compare (tools/SWEEP.md) -------------------------------------------------------
# Label "sweep": ctest --preset release -L sweep. Catch2 cases of the engine's sweep pieces, then
# the command line end to end with tests/sweep/check_sweep.py (Debian's python3, h5py, numpy,
# scipy): one reference sweep that every other way of computing it must equal bit for bit.
cjsim_add_test(test_sweep sweep/test_sweep.cpp LABELS sweep parallel)
target_link_libraries(test_sweep PRIVATE TBB::tbb fmt::fmt ${HDF5_C_LIBRARIES})
target_include_directories(test_sweep SYSTEM PRIVATE ${HDF5_C_INCLUDE_DIRS})

set(CJSIM_SWEEP_DIR ${CMAKE_CURRENT_BINARY_DIR}/sweep)
# Sanitized builds run several times slower: a smaller world keeps the checks quick.
set(CJSIM_SWEEP_WORLD 4000x150)
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize")
  set(CJSIM_SWEEP_WORLD 1500x100)
endif()
set(CJSIM_SWEEP_CHECK /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/sweep/check_sweep.py
    --cjsim $<TARGET_FILE:cjsim> --source ${PROJECT_SOURCE_DIR} --work ${CJSIM_SWEEP_DIR}
    --world ${CJSIM_SWEEP_WORLD})
file(MAKE_DIRECTORY ${CJSIM_SWEEP_DIR})
add_test(NAME sweep.reference COMMAND ${CJSIM_SWEEP_CHECK} reference)
set_tests_properties(sweep.reference PROPERTIES FIXTURES_SETUP sweep_reference)
# Built without MPI, sweep.mpi reports itself skipped (a failure under CJSIM_NO_SKIPS=1) instead of
# disappearing.
set(CJSIM_SWEEP_CHECKS threads kill_resume ctrl_c_resume resume_refused bad_input compare pandas help
    mpi)
foreach(check ${CJSIM_SWEEP_CHECKS})
  set(extra)
  if(check STREQUAL "mpi" AND NOT CJSIM_HAVE_MPI)
    set(extra --no-mpi-build)
  endif()
  add_test(NAME sweep.${check} COMMAND ${CJSIM_SWEEP_CHECK} ${check} ${extra})
  set_tests_properties(sweep.${check} PROPERTIES FIXTURES_REQUIRED sweep_reference)
endforeach()
list(TRANSFORM CJSIM_SWEEP_CHECKS PREPEND sweep. OUTPUT_VARIABLE CJSIM_SWEEP_TESTS)
# Open MPI keeps memory until the process ends by design; LeakSanitizer (asan preset) would
# report it as leaks of libmpi, which are not ours.
set_tests_properties(sweep.mpi PROPERTIES ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1")
set_tests_properties(sweep.reference ${CJSIM_SWEEP_TESTS} PROPERTIES LABELS sweep TIMEOUT 180)
# The threaded sweep through the program: also under ThreadSanitizer (the tsan preset).
set_tests_properties(sweep.threads PROPERTIES LABELS "sweep;parallel")
