# Channel value, attribution, exports and the optimizer (engine/README.md "Channel value",
# results/README.md "Exports"): unit tests of the models and the optimizer on worlds with known
# answers, and the commands end to end (tests/analysis/check_value.py), including the CSV exports
# read by pandas.
cjsim_add_test(test_attribution analysis/test_attribution.cpp LABELS value)
cjsim_add_test(test_channel_value analysis/test_channel_value.cpp LABELS value parallel)
cjsim_add_test(test_optimize analysis/test_optimize.cpp LABELS value parallel)
set(CJSIM_VALUE_CHECK ${CMAKE_CURRENT_SOURCE_DIR}/analysis/check_value.py)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CJSIM_VALUE_CHECK})
execute_process(COMMAND /usr/bin/python3 ${CJSIM_VALUE_CHECK} - ${CMAKE_CURRENT_BINARY_DIR}/value --list
                OUTPUT_VARIABLE value_cases OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
foreach(case IN LISTS value_cases)
  add_test(NAME value.${case}
           COMMAND /usr/bin/python3 ${CJSIM_VALUE_CHECK} $<TARGET_FILE:cjsim>
                   ${CMAKE_CURRENT_BINARY_DIR}/value/${case} ${case})
  set_tests_properties(value.${case} PROPERTIES LABELS value TIMEOUT 300)
endforeach()
# The report's attribution section in headless Chromium (one browser at a time, like report.*).
add_test(NAME value.report_page
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/analysis/check_attribution_page.py
                 --cjsim $<TARGET_FILE:cjsim> --work ${CMAKE_CURRENT_BINARY_DIR}/value/report_page
                 --scenario ${PROJECT_SOURCE_DIR}/scenarios/funnel_vs_loop.toml)
set_tests_properties(value.report_page PROPERTIES LABELS "value;report" TIMEOUT 300
                     RESOURCE_LOCK chromium)
