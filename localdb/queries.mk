# Reading the register (a person's history, a household, residences that
# end soon, a report) and the session entry points of import and export:
# localdb/register.{c,h} and its test (included from localdb/local.mk).
localdb_libcutrudb_a_SOURCES += localdb/register.c localdb/register.h

check_PROGRAMS += tests/unit/test_register
TESTS += tests/unit/test_register
tests_unit_test_register_SOURCES = tests/unit/test_register.c \
	tests/tools/sessiontest.c tests/tools/sessiontest.h $(TEST_MAIN)
tests_unit_test_register_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) \
	$(SODIUM_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_register_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)
