# Search: localdb/search.{c,h} and the index schema localdb/search_index.h
# (used by localdb/schema.c), its test and its benchmark.  Included from
# localdb/local.mk.
localdb_libcutrudb_a_SOURCES += localdb/search.c localdb/search.h \
	localdb/search_index.h

check_PROGRAMS += tests/unit/test_search
TESTS += tests/unit/test_search
tests_unit_test_search_SOURCES = tests/unit/test_search.c $(TEST_MAIN)
tests_unit_test_search_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_search_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)

# make bench; bench/search_bench --both (see the comment at its top).
EXTRA_PROGRAMS += bench/search_bench
bench_search_bench_SOURCES = bench/search_bench.c
bench_search_bench_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS)
bench_search_bench_LDADD = $(LOCALDB_LIBS)
