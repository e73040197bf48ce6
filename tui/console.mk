# The console: the ncursesw full-screen interface of the cutru program
# (`cutru` on a terminal, `cutru console`), its widget kit and screens, and
# its tmux-driven tests (included from tui/local.mk).
cutru_SOURCES += tui/console.c tui/console.h \
	tui/ui_term.c tui/ui_term.h tui/ui_text.c tui/ui_text.h \
	tui/ui_list.c tui/ui_list.h tui/ui_form.c tui/ui_form.h \
	tui/ui_screen.c tui/ui_screen.h \
	tui/screen_login.c tui/screen_home.c tui/screen_search.c \
	tui/screen_person.c tui/screen_form.c tui/screen_queue.c
cutru_CFLAGS += $(NCURSES_CFLAGS)
cutru_LDADD += $(NCURSES_LIBS)

# Each drives the real binary in tmux on a real encrypted store (cheapest
# Argon2id cost); a few seconds each.  Skipped when tmux is missing.
CONSOLE_TESTS = tests/sh/test_console_login.sh \
	tests/sh/test_console_search.sh tests/sh/test_console_queue.sh \
	tests/sh/test_console_form.sh
TESTS += $(CONSOLE_TESTS)
EXTRA_DIST += $(CONSOLE_TESTS) tests/sh/console_lib.sh
