# The one path that applies domain events to the register, and the
# hash-chained journal that records them (included from localdb/local.mk).
localdb_libcutrudb_a_SOURCES += localdb/apply.c localdb/apply.h \
	localdb/journal.c localdb/journal.h

check_PROGRAMS += tests/unit/test_apply tests/unit/test_journal
TESTS += tests/unit/test_apply tests/unit/test_journal
tests_unit_test_apply_SOURCES = tests/unit/test_apply.c $(TEST_MAIN)
tests_unit_test_apply_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_apply_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)
tests_unit_test_journal_SOURCES = tests/unit/test_journal.c $(TEST_MAIN)
tests_unit_test_journal_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) $(CJSON_CFLAGS) \
	$(SODIUM_CFLAGS)
tests_unit_test_journal_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)
