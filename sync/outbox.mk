# The console's spool (outbox/inbox), the approval that seals its change
# set, receipts and feed applied at unlock, USB export and import, and the
# cutru commands for them (included from sync/local.mk).
sync_libcutrusync_a_SOURCES += sync/spool.c sync/spool.h \
	sync/outbox.c sync/outbox.h sync/inbox.c sync/inbox.h

check_PROGRAMS += tests/unit/test_outbox
TESTS += tests/unit/test_outbox
tests_unit_test_outbox_SOURCES = tests/unit/test_outbox.c \
	tests/tools/synctest.c tests/tools/synctest.h \
	tests/tools/sessiontest.c tests/tools/sessiontest.h $(TEST_MAIN)
tests_unit_test_outbox_CFLAGS = $(SYNC_TEST_CFLAGS) \
	-DEXAMPLES_DIR='"$(abs_top_srcdir)/examples/requests"'
tests_unit_test_outbox_LDADD = $(SYNC_TEST_LIBS)

# The cutru program: its sync commands, and the library under them.
cutru_SOURCES += tui/syncui.c tui/syncui.h tui/cmd_enroll.c \
	tui/cmd_outbox.c tui/cmd_inbox.c
cutru_LDADD += $(SYNC_LIBS)

# USB transfer end to end with cutru-registryd (real processes, TLS on
# loopback for the enrollment); a few seconds.
TESTS += tests/sh/test_cli_usb.sh
EXTRA_DIST += tests/sh/test_cli_usb.sh
