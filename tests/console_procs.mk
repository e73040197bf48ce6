# The eleven procedures filed through the console (tmux, real binary, real
# encrypted store), and the console's speed benchmark.  Included from
# tests/local.mk.
CONSOLE_PROC_TESTS = tests/sh/test_console_procedures.sh
TESTS += $(CONSOLE_PROC_TESTS)
EXTRA_DIST += $(CONSOLE_PROC_TESTS)

# bench/console_bench (make bench): the real cutru on a pseudo-terminal,
# exec to login screen and a search keystroke to its results redrawn, on
# a store of 1,000,000 residents it makes with tools/cutru-wardgen and
# keeps under /tmp (bench/RESULTS.md, "Console: start-up and search
# redraw").  forkpty() is in libutil.
EXTRA_PROGRAMS += bench/console_bench
bench_console_bench_SOURCES = bench/console_bench.c
bench_console_bench_LDADD = -lutil
EXTRA_bench_console_bench_DEPENDENCIES = cutru$(EXEEXT) \
	tools/cutru-wardgen$(EXEEXT)
