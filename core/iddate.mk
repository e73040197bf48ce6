# iddate part of core/ (included from core/local.mk): personal ID numbers,
# dates, holidays and working days.
core_libcutrucore_a_SOURCES += core/idnum.c core/idnum.h \
	core/date.c core/date.h core/holiday.c core/holiday.h

check_PROGRAMS += tests/unit/test_idnum tests/unit/test_date \
	tests/unit/test_holiday
TESTS += tests/unit/test_idnum tests/unit/test_date tests/unit/test_holiday

tests_unit_test_idnum_SOURCES = tests/unit/test_idnum.c $(TEST_MAIN)
tests_unit_test_idnum_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_idnum_LDADD = $(CORE_TEST_LDADD)

tests_unit_test_date_SOURCES = tests/unit/test_date.c $(TEST_MAIN)
tests_unit_test_date_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_date_LDADD = $(CORE_TEST_LDADD)

tests_unit_test_holiday_SOURCES = tests/unit/test_holiday.c $(TEST_MAIN)
tests_unit_test_holiday_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_holiday_LDADD = $(CORE_TEST_LDADD)
