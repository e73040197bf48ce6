# tools/demo.mk: `make demo` (tools/demo: a demonstration ward in a store
# of its own, then the console), the ward generator it shares with the
# benchmarks (bench/wardgen.c) and tools/cutru-wardgen, and their test.
# Included from Makefile.am.

# The made-up ward, as import CSV on standard output (not installed).
noinst_PROGRAMS += tools/cutru-wardgen
tools_cutru_wardgen_SOURCES = tools/cutru-wardgen.c bench/wardgen.c \
	bench/wardgen.h
tools_cutru_wardgen_LDADD = $(CORE_LIBS)

# import_bench (localdb/import.mk) writes its CSV with the same generator.
bench_import_bench_SOURCES += bench/wardgen.c bench/wardgen.h

# Build everything, make the demonstration store in ./demo-store (made
# afresh each time), start a registry on loopback if it was built, open
# the console.  On a terminal only; otherwise tools/demo prints what it set
# up and how to open the console.
demo: all
	$(SHELL) $(srcdir)/tools/demo --build '$(abs_top_builddir)' \
	  --dir '$(abs_top_builddir)/demo-store'
.PHONY: demo
EXTRA_DIST += tools/demo

# tools/demo with 300 made-up persons and the cheapest Argon2id cost:
# without a terminal, then in tmux up to the console's login screen (about
# 10 seconds).
TESTS += tests/sh/test_demo.sh
EXTRA_DIST += tests/sh/test_demo.sh
