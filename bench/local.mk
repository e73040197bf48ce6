# bench/: benchmark programs.  They are not built by "make" or run by
# "make check" (speed is measured, never asserted in tests): "make bench"
# builds them; bench/RESULTS.md records what they measured, and how.
EXTRA_PROGRAMS += bench/store_bench
bench_store_bench_SOURCES = bench/store_bench.c
bench_store_bench_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS)
bench_store_bench_LDADD = $(LOCALDB_LIBS)

EXTRA_DIST += bench/RESULTS.md
CLEANFILES += $(EXTRA_PROGRAMS)
bench: $(EXTRA_PROGRAMS)
.PHONY: bench
