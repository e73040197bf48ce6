# The console's screens beyond the first ones (household, audit, reports,
# officers, sync) and the printed documents (CT04, CT07, CT03) with their
# command `cutru print` (included from tui/local.mk).
cutru_SOURCES += tui/print.c tui/print.h tui/cmd_print.c

# The documents' model, renderers and files, without a store.
check_PROGRAMS += tests/unit/test_print
TESTS += tests/unit/test_print
tests_unit_test_print_SOURCES = tests/unit/test_print.c tui/print.c \
	tui/print.h $(TEST_MAIN)
tests_unit_test_print_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) \
	$(SODIUM_CFLAGS) $(CJSON_CFLAGS) $(ICU_CFLAGS)
tests_unit_test_print_LDADD = $(TUI_LIBS) $(CHECK_LIBS)

cutru_SOURCES += tui/ui_lines.c tui/ui_lines.h tui/console_print.c \
	tui/screen_household.c tui/screen_audit.c tui/screen_reports.c \
	tui/screen_officers.c tui/screen_sync.c

# The screens and the printed documents through tmux on real stores.
SCREEN_TESTS = tests/sh/test_console_screens.sh \
	tests/sh/test_console_print.sh
TESTS += $(SCREEN_TESTS)
EXTRA_DIST += $(SCREEN_TESTS)
