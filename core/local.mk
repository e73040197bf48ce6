# core/: the domain, pure C (no files, no network).  One static library used
# by the console, the store and the registry alike.
noinst_LIBRARIES += core/libcutrucore.a
core_libcutrucore_a_CFLAGS = $(AM_CFLAGS) -pthread $(ICU_CFLAGS) $(SODIUM_CFLAGS) $(CJSON_CFLAGS)
core_libcutrucore_a_SOURCES = core/err.c core/err.h core/i18n.h core/types.h
# What a program linking core/ needs after it.
CORE_LIBS = core/libcutrucore.a $(ICU_LIBS) $(SODIUM_LIBS) $(CJSON_LIBS) $(LIBINTL) -lpthread -lm

# A Check suite of core/: tests/unit/test_X.c + the shared TAP main.
CORE_TEST_LDADD = $(CORE_LIBS) $(CHECK_LIBS)

include core/iddate.mk
include core/name.mk
include core/canon.mk

check_PROGRAMS += tests/unit/test_err
TESTS += tests/unit/test_err
tests_unit_test_err_SOURCES = tests/unit/test_err.c $(TEST_MAIN)
tests_unit_test_err_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_err_LDADD = $(CORE_TEST_LDADD)
