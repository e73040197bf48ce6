# The cutru program's batch commands (cutru(1)), its manuals and its shell
# tests (included from tui/local.mk).
bin_PROGRAMS += cutru
cutru_SOURCES = tui/main.c tui/cli.c tui/cli.h tui/cmd.c tui/cmd.h \
	tui/format.c tui/format.h \
	tui/backup.c tui/backup.h \
	tui/cmd_init.c tui/cmd_officer.c tui/cmd_apply.c tui/cmd_queue.c \
	tui/cmd_search.c tui/cmd_dossier.c tui/cmd_import.c \
	tui/cmd_report.c tui/cmd_audit.c tui/cmd_backup.c tui/cmd_rekey.c
cutru_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS) \
	$(CJSON_CFLAGS) $(ICU_CFLAGS)
cutru_LDADD = $(TUI_LIBS)

dist_man_MANS += man/cutru.1 man/cutru-request.5

# Each runs the real binary on real encrypted stores (cheapest Argon2id
# cost), a few seconds each.
CLI_TESTS = tests/sh/test_cli_flow.sh tests/sh/test_cli_errors.sh \
	tests/sh/test_cli_store.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) tests/sh/cli_lib.sh
