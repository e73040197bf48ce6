# The sync client (sync/client.c: HTTPS transfer of the outbox, receipts and
# feed into the inbox, state file) and `cutru sync` (tui/cmd_sync.c).
# Included from sync/local.mk.
sync_libcutrusync_a_SOURCES += sync/client.c sync/client.h
cutru_SOURCES += tui/cmd_sync.c

# The sync client end to end with cutru-registryd (real processes, TLS on
# loopback): about 10 s.
TESTS += tests/sh/test_cli_sync.sh
EXTRA_DIST += tests/sh/test_cli_sync.sh

# The client's pure parts: batch planning, backoff, the state and registry
# files, certificate pins, and a pass against an absent registry.
check_PROGRAMS += tests/unit/test_client
TESTS += tests/unit/test_client
tests_unit_test_client_SOURCES = tests/unit/test_client.c $(TEST_MAIN)
tests_unit_test_client_CFLAGS = $(SYNC_TEST_CFLAGS) $(CURL_CFLAGS)
tests_unit_test_client_LDADD = $(SYNC_TEST_LIBS) -lm

# Helpers the files of sync/ share.
sync_libcutrusync_a_SOURCES += sync/util.c sync/util.h
