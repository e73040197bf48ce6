# tui/: the cutru program and the pieces it is made of.
noinst_LIBRARIES += tui/libcutrutui.a
tui_libcutrutui_a_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tui_libcutrutui_a_SOURCES = tui/passphrase.c tui/passphrase.h
TUI_LIBS = tui/libcutrutui.a $(LOCALDB_LIBS)

check_PROGRAMS += tests/unit/test_passphrase
TESTS += tests/unit/test_passphrase
tests_unit_test_passphrase_SOURCES = tests/unit/test_passphrase.c $(TEST_MAIN)
tests_unit_test_passphrase_CFLAGS = $(TEST_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_passphrase_LDADD = $(TUI_LIBS) $(CHECK_LIBS)
include tui/cli.mk
include tui/console.mk
include tui/drafts.mk
include tui/screens.mk
