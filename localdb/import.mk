# Import of legacy household books (CSV) and export of the register (CSV,
# JSON), their test and their benchmark (included from localdb/local.mk).
localdb_libcutrudb_a_SOURCES += localdb/import.c localdb/import.h

check_PROGRAMS += tests/unit/test_import
TESTS += tests/unit/test_import
tests_unit_test_import_SOURCES = tests/unit/test_import.c \
	tests/tools/storetest.c tests/tools/storetest.h $(TEST_MAIN)
tests_unit_test_import_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) \
	$(SODIUM_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_import_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)

# make bench: bench/import_bench [-n persons] (see the file).
EXTRA_PROGRAMS += bench/import_bench
bench_import_bench_SOURCES = bench/import_bench.c
bench_import_bench_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS) \
	$(CJSON_CFLAGS)
bench_import_bench_LDADD = $(LOCALDB_LIBS)
