# Channel value, attribution, exports and the optimizer (engine/README.md "Channel value",
# results/README.md "Exports"): unit tests of the models and the optimizer on worlds with known
# answers, and the commands end to end (tests/value/check_value.py), including the CSV exports
# read by pandas.
cjsim_add_test(test_value test_value.cpp LABELS value)
