/* The screen manager (htop's ScreenManager): a stack of screens, the
 * frame around the top one (title line, status line, function-key bar),
 * the help overlay and the event loop.
 *
 * Each screen lives in its own file (tui/screen_NAME.c) and exports one
 * const struct ui_screen of callbacks; tui/console.c lists them in one
 * table.  A screen's state is its own: open() makes it from an argument,
 * close() frees it.  The manager owns the layout: row 0 is the title, the
 * last row the function-key bar, the row above it the status line; a
 * screen draws in the rows between.
 *
 * Keys reach the manager first for F1 (help), F9 (the other language:
 * tui/lang.h), F10 (quit) and a resize; then the top screen; what it does not use goes to Esc (back: the screen
 * below) and to the console's global keys (F3 search, F5 sync, ...).
 * Stack changes asked for while a key is handled (ui_push(), ui_pop())
 * take effect after the handler returns, in the order asked: a handler may
 * pop its own screen and go on using its state until it returns.  A
 * screen's open() copies what it needs from its argument.
 *
 * The idle lock.  When idle_lock_ms is set and that long passes without a
 * key, the manager calls lock(): the console's, which closes every screen
 * (ui_close_all(); a form keeps itself as a draft as it closes), closes
 * the session and asks for the login screen.  The wait is ncurses' own
 * key timeout (the idle tick below), never a busy loop.
 *
 * Background work.  While background() has work (warming the page cache
 * after login, and again after another process wrote the store), a wait for a key is a series of slices, each followed by
 * a look at the keyboard without waiting: a key is served at most one
 * slice late, and the idle tick and the idle lock keep their times.  With
 * no work left the wait is ncurses' timeout again.
 *
 * The language.  After F9 the frame (titles, the bar, help) is drawn in
 * the new language at once; the top screen's resume() runs so that it
 * reads again what it keeps translated, and relabel() lets the console
 * redo its title.  A screen below the top gets resume() when it is on top
 * again.  A screen without resume() compares lang_generation() in draw. */
#ifndef CUTRU_UI_SCREEN_H
#define CUTRU_UI_SCREEN_H

#include <curses.h>

#include "core/err.h"

struct console;

/* An entry of the function-key bar: "Enter" "Open". */
struct ui_fkey {
	const char *key;    /* as shown: "F4", "Enter", "a" */
	const char *label;  /* N_(); translated when drawn */
};

struct ui_screen {
	const char *name;   /* "search": stable, for the table */
	const char *title;  /* N_() */
	const char *help;   /* N_(): what F1 shows, lines separated by \n */
	/* Make the state from arg.  CUTRU_OK, or an error for the status
	 * line (the screen is then not shown). */
	int (*open)(struct console *c, void **state, const void *arg,
	    struct cutru_err *e);
	void (*close)(struct console *c, void *state);
	/* Draw in rows x cols at (y, x) of stdscr; *cy, *cx: the cursor, or
	 * left -1 to hide it. */
	void (*draw)(struct console *c, void *state, int y, int x, int rows,
	    int cols, int *cy, int *cx);
	/* 1 if the key was used. */
	int (*key)(struct console *c, void *state, int key);
	/* The screen is on top again (the one above it closed): refresh
	 * what may have changed.  May be NULL. */
	void (*resume)(struct console *c, void *state);
	/* No key came for a while; 1 if it needs a redraw.  May be NULL. */
	int (*idle)(struct console *c, void *state);
	/* The screen's own entries of the function-key bar, ending with
	 * key NULL; may be NULL. */
	const struct ui_fkey *keys;
};

#define UI_STACK_MAX 16
#define UI_OPS_MAX 8
#define UI_MIN_COLS 80
#define UI_MIN_ROWS 24

struct ui_mgr {
	struct {
		const struct ui_screen *screen;
		void *state;
	} stack[UI_STACK_MAX];
	int depth;
	struct {
		const struct ui_screen *push; /* NULL: a pop */
		const void *arg;
	} ops[UI_OPS_MAX];
	int nops;
	int quit;
	int help;               /* the help overlay is shown */
	char status[CUTRU_ERR_MSG_MAX];
	int status_error;
	char title[256];        /* the ward, the officer */
	struct console *ctx;
	/* Keys neither the manager nor the top screen used (F3, F5, ...);
	 * 1 if used. */
	int (*global_key)(struct console *c, int key);
	/* The idle lock (above): 0 never; lock() may be NULL. */
	int idle_lock_ms;
	void (*lock)(struct console *c);
	/* The language was switched (above); may be NULL. */
	void (*relabel)(struct console *c);
	/* Work for idle moments (the console warms the store's page cache,
	 * localdb/warm.h); may be NULL.  While no key is pending the
	 * manager calls it again and again, each call one short slice (a
	 * few ms: a key is read between two slices), until it returns 0;
	 * then again at the next wait for a key, so that it can take up new
	 * work.  stop 1: the session is about to be closed (the idle lock,
	 * the end of ui_run()): drop the work, return 0. */
	int (*background)(struct console *c, int stop);
};

void ui_mgr_init(struct ui_mgr *m, struct console *ctx);

/* Ask for a screen to be opened on top (see above for when). */
void ui_push(struct ui_mgr *m, const struct ui_screen *s, const void *arg);
/* Ask for the top screen to be closed. */
void ui_pop(struct ui_mgr *m);
/* Close every screen now, top first, and forget the pushes and pops
 * asked for (the idle lock). */
void ui_close_all(struct ui_mgr *m);
/* The screen on top and its state (NULL when none). */
const struct ui_screen *ui_top(const struct ui_mgr *m);

/* The status line: a message, an error (drawn as one), or "" to clear.
 * It stays until the next key. */
void ui_status(struct ui_mgr *m, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Run until F10, or until the last screen is closed.  Closes every screen
 * before returning. */
void ui_run(struct ui_mgr *m);

/* Milliseconds of the monotonic clock (for idle times and slices). */
long long ui_now_ms(void);

/* Draw a box with a title at the centre of the screen, rows x cols
 * inside; (*y, *x) get its inside's top left corner. */
void ui_box(int rows, int cols, const char *title, int *y, int *x);

#endif
