# The sync client under faults (issue 6 section 4) and its benchmark
# (section 5).  tests/tools/syncfill fills a console's outbox with many
# approved registrations through the library, fast; the shell tests drive
# real processes (cutru, cutru-registryd over TLS on loopback, and
# tests/tools/faultproxy between them).
check_PROGRAMS += tests/tools/syncfill
tests_tools_syncfill_SOURCES = tests/tools/syncfill.c
tests_tools_syncfill_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) \
	$(SODIUM_CFLAGS) $(CJSON_CFLAGS)
tests_tools_syncfill_LDADD = $(SYNC_LIBS)

# What faultproxy gained for these tests (--trace, spread), then real
# processes, TLS on loopback, faultproxy in between (section 4): the fault
# matrix on a small queue, a representative set on the queue of 200, the
# client and the registry killed mid-pass, clock skew, a slow link, a busy
# registry and a full inbox.  About 5, 110, 80, 105 and 30 seconds on a
# plain build (140, 76, 115 and 60 under AddressSanitizer).
SYNCPROOF_SH_TESTS = tests/sh/test_sync_proxy.sh \
	tests/sh/test_sync_faults.sh tests/sh/test_sync_queue.sh \
	tests/sh/test_sync_kill.sh tests/sh/test_sync_env.sh
TESTS += $(SYNCPROOF_SH_TESTS)
EXTRA_DIST += $(SYNCPROOF_SH_TESTS) tests/sh/sync_lib.sh \
	tests/sh/sync_layout.py

# The benchmark of section 5 (bench/RESULTS.md): run by hand, see its
# first lines.
EXTRA_DIST += bench/sync_bench.sh

# tests/tools/enospc.so: a full disk under one folder, preloaded into a
# pass by test_sync_env.sh (as well as, or where it cannot mount, a small
# tmpfs).
# Without the sanitizer flags: it is preloaded into timeout(1) too, and a
# clang sanitizer runtime lives only in the instrumented programs.
tests/tools/enospc.so: $(srcdir)/tests/tools/enospc.c config.h
	$(AM_V_CC)$(CC) $(AM_CPPFLAGS) $(CPPFLAGS) -O2 -Wall -Wextra \
	  -fPIC -shared -o $@ $(srcdir)/tests/tools/enospc.c -ldl
# Built by "make check" before the tests run.
check_SCRIPTS += tests/tools/enospc.so
CLEANFILES += tests/tools/enospc.so
EXTRA_DIST += tests/tools/enospc.c
