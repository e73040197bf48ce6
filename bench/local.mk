# bench/: benchmark programs.  They are not built by "make" or run by
# "make check" (speed is measured, never asserted in tests): "make bench"
# builds them; bench/RESULTS.md records what they measured, and how.
EXTRA_PROGRAMS += bench/store_bench
bench_store_bench_SOURCES = bench/store_bench.c bench/bench_rows.c \
	bench/bench_rows.h
bench_store_bench_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS)
bench_store_bench_LDADD = $(LOCALDB_LIBS)

# The SQLCipher-comparable subset of store_bench, on the system SQLite and
# the cutru cipher.  The same source built against SQLCipher is
# bench/sqlcipher_bench below.
EXTRA_PROGRAMS += bench/subset_bench
bench_subset_bench_SOURCES = bench/sqlcipher_bench.c bench/bench_rows.c \
	bench/bench_rows.h
bench_subset_bench_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS)
bench_subset_bench_LDADD = $(LOCALDB_LIBS)

# bench/sqlcipher_bench: only on demand ("make bench-sqlcipher", which
# bench/compare.sh runs).  SQLCipher is found with pkg-config when this
# rule runs, not by configure, so neither make, make check nor CI needs it
# (Debian: apt-get install libsqlcipher-dev).
SQLCIPHER_BENCH_SRC = $(srcdir)/bench/sqlcipher_bench.c \
	$(srcdir)/bench/bench_rows.c
bench/sqlcipher_bench: $(SQLCIPHER_BENCH_SRC) \
		$(srcdir)/bench/bench_rows.h config.h
	@pkg-config --exists sqlcipher || { echo "bench/sqlcipher_bench:" \
	  "SQLCipher not found by pkg-config; install it (Debian:" \
	  "apt-get install libsqlcipher-dev)" >&2; exit 1; }
	$(AM_V_CC)$(CC) -DBENCH_SQLCIPHER $(AM_CPPFLAGS) $(CPPFLAGS) \
	  $(AM_CFLAGS) $(CFLAGS) `pkg-config --cflags sqlcipher` \
	  -o $@ $(SQLCIPHER_BENCH_SRC) `pkg-config --libs sqlcipher`
bench-sqlcipher: bench/sqlcipher_bench
CLEANFILES += bench/sqlcipher_bench

# bench/aead_count.so (make bench-aead-count): preloaded into a benchmark,
# counts the cipher's AEAD calls (see the top of bench/aead_count.c).
bench/aead_count.so: $(srcdir)/bench/aead_count.c config.h
	$(AM_V_CC)$(CC) $(AM_CPPFLAGS) $(CPPFLAGS) $(AM_CFLAGS) $(CFLAGS) \
	  -fPIC -shared -o $@ $(srcdir)/bench/aead_count.c -ldl
bench-aead-count: bench/aead_count.so
CLEANFILES += bench/aead_count.so

EXTRA_DIST += bench/RESULTS.md bench/callgrind.sh bench/compare.sh \
	bench/aead_count.c
CLEANFILES += $(EXTRA_PROGRAMS)
bench: $(EXTRA_PROGRAMS)
.PHONY: bench bench-sqlcipher bench-aead-count

# The tests of the page cipher's fast paths (nonce generator, page-1
# header reads, cached file size: the speed work on localdb/cipher.c).
# Kept with the benchmark that motivated them; run by make check.
check_PROGRAMS += tests/unit/test_cipher_fastpath
TESTS += tests/unit/test_cipher_fastpath
tests_unit_test_cipher_fastpath_SOURCES = \
	tests/unit/test_cipher_fastpath.c $(CIPHER_TEST_SOURCES)
tests_unit_test_cipher_fastpath_CFLAGS = $(CIPHER_TEST_CFLAGS)
tests_unit_test_cipher_fastpath_LDADD = $(CIPHER_TEST_LDADD)
