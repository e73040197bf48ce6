# Warming the page cache for searches while the console is idle:
# localdb/warm.{c,h} and its test.  Included from localdb/local.mk.
localdb_libcutrudb_a_SOURCES += localdb/warm.c localdb/warm.h

check_PROGRAMS += tests/unit/test_warm
TESTS += tests/unit/test_warm
tests_unit_test_warm_SOURCES = tests/unit/test_warm.c $(TEST_MAIN)
tests_unit_test_warm_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_warm_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)
