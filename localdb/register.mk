# The ward register's schema (included from localdb/local.mk).
localdb_libcutrudb_a_SOURCES += localdb/schema.c localdb/schema.h

check_PROGRAMS += tests/unit/test_schema
TESTS += tests/unit/test_schema
tests_unit_test_schema_SOURCES = tests/unit/test_schema.c $(TEST_MAIN)
tests_unit_test_schema_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_schema_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)
