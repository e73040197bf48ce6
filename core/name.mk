# name part of core/ (included from core/local.mk): UTF-8 text, Vietnamese
# names (normalise, split, fold, sort key) and the ID card's QR line.
core_libcutrucore_a_SOURCES += core/utf8.c core/utf8.h core/name.c core/name.h

check_PROGRAMS += tests/unit/test_utf8
TESTS += tests/unit/test_utf8
tests_unit_test_utf8_SOURCES = tests/unit/test_utf8.c $(TEST_MAIN)
tests_unit_test_utf8_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_utf8_LDADD = $(CORE_TEST_LDADD)

check_PROGRAMS += tests/unit/test_name
TESTS += tests/unit/test_name
tests_unit_test_name_SOURCES = tests/unit/test_name.c $(TEST_MAIN)
tests_unit_test_name_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_name_LDADD = $(CORE_TEST_LDADD)

# qr.c calls core/idnum.h and core/date.h (core/iddate.mk).
core_libcutrucore_a_SOURCES += core/qr.c core/qr.h
check_PROGRAMS += tests/unit/test_qr
TESTS += tests/unit/test_qr
tests_unit_test_qr_SOURCES = tests/unit/test_qr.c $(TEST_MAIN)
tests_unit_test_qr_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_qr_LDADD = $(CORE_TEST_LDADD)
