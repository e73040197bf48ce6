# The console's settings file (cutru.conf(5)), the language switch, drafts
# of half-filled forms kept in the store, and the idle lock, with their
# tests (included from tui/local.mk).
tui_libcutrutui_a_SOURCES += tui/conf.c tui/conf.h tui/lang.c tui/lang.h
localdb_libcutrudb_a_SOURCES += localdb/draft.c localdb/draft.h
cutru_SOURCES += tui/screen_drafts.c

# Drafts on real encrypted stores (cheapest Argon2id limits); a few seconds.
check_PROGRAMS += tests/unit/test_draft tests/unit/test_conf
TESTS += tests/unit/test_draft tests/unit/test_conf
tests_unit_test_draft_SOURCES = tests/unit/test_draft.c \
	tests/tools/sessiontest.c tests/tools/sessiontest.h $(TEST_MAIN)
tests_unit_test_draft_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) \
	$(SODIUM_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_draft_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)

tests_unit_test_conf_SOURCES = tests/unit/test_conf.c $(TEST_MAIN)
tests_unit_test_conf_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_conf_LDADD = $(TUI_LIBS) $(CHECK_LIBS)

# The real binary in tmux on a real store (console_lib.sh): drafts after a
# SIGKILL, the idle lock and cutru.conf, the language switch; seconds each.
CONSOLE_DRAFT_TESTS = tests/sh/test_console_draft.sh \
	tests/sh/test_console_lock.sh tests/sh/test_console_lang.sh
TESTS += $(CONSOLE_DRAFT_TESTS)
EXTRA_DIST += $(CONSOLE_DRAFT_TESTS)
dist_man_MANS += man/cutru.conf.5
