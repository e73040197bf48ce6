#include "config.h"

/* The screen manager; see tui/ui_screen.h. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "core/i18n.h"
#include "core/utf8.h"
#include "tui/lang.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"

/* How long without a key before a screen's idle() runs: short enough to
 * take a card scan that ends without Enter as finished. */
#define UI_IDLE_MS 250

/* The bar's entries every screen has.  F9's label is NULL: it is the
 * other language's name (lang_other_name()).  It comes after F10 so that
 * F10 Quit keeps its place whatever the language. */
static const struct ui_fkey global_keys[] = {
	{ "F1", N_("Help") },
	{ "F2", N_("Save") },
	{ "F3", N_("Search") },
	{ "F5", N_("Sync") },
	{ "F10", N_("Quit") },
	{ "F9", NULL },
	{ NULL, NULL }
};

void
ui_mgr_init(struct ui_mgr *m, struct console *ctx)
{
	memset(m, 0, sizeof *m);
	m->ctx = ctx;
}

void
ui_push(struct ui_mgr *m, const struct ui_screen *s, const void *arg)
{
	if (m->nops >= UI_OPS_MAX || s == NULL)
		return;
	m->ops[m->nops].push = s;
	m->ops[m->nops].arg = arg;
	m->nops++;
}

void
ui_pop(struct ui_mgr *m)
{
	if (m->nops >= UI_OPS_MAX)
		return;
	m->ops[m->nops].push = NULL;
	m->ops[m->nops].arg = NULL;
	m->nops++;
}

const struct ui_screen *
ui_top(const struct ui_mgr *m)
{
	return m->depth > 0 ? m->stack[m->depth - 1].screen : NULL;
}

void
ui_status(struct ui_mgr *m, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->status, sizeof m->status, fmt, ap);
	va_end(ap);
	m->status_error = error;
}

static void
close_top(struct ui_mgr *m)
{
	m->depth--;
	if (m->stack[m->depth].screen->close != NULL)
		m->stack[m->depth].screen->close(m->ctx,
		    m->stack[m->depth].state);
	m->stack[m->depth].screen = NULL;
	m->stack[m->depth].state = NULL;
}

void
ui_close_all(struct ui_mgr *m)
{
	m->nops = 0;
	m->help = 0;
	while (m->depth > 0)
		close_top(m);
}

/* Carry out the pushes and pops asked for, in order. */
static void
run_ops(struct ui_mgr *m)
{
	struct cutru_err e;
	void *state;
	int i, popped = 0;

	for (i = 0; i < m->nops; i++) {
		if (m->ops[i].push == NULL) {
			if (m->depth > 0) {
				close_top(m);
				popped = 1;
			}
			continue;
		}
		if (m->depth >= UI_STACK_MAX) {
			ui_status(m, 1, "%s", _("Too many screens are open; "
			    "press Esc to go back a few, then try again."));
			continue;
		}
		state = NULL;
		cutru_err_clear(&e);
		if (m->ops[i].push->open(m->ctx, &state, m->ops[i].arg, &e) !=
		    CUTRU_OK) {
			ui_status(m, 1, "%s", e.msg);
			continue;
		}
		m->stack[m->depth].screen = m->ops[i].push;
		m->stack[m->depth].state = state;
		m->depth++;
		popped = 0;
	}
	m->nops = 0;
	if (popped && m->depth > 0 &&
	    m->stack[m->depth - 1].screen->resume != NULL)
		m->stack[m->depth - 1].screen->resume(m->ctx,
		    m->stack[m->depth - 1].state);
}

void
ui_box(int rows, int cols, const char *title, int *y, int *x)
{
	int by, bx, r;

	if (cols > COLS - 4)
		cols = COLS - 4;
	if (rows > LINES - 4)
		rows = LINES - 4;
	by = (LINES - rows - 2) / 2;
	bx = (COLS - cols - 2) / 2;
	wattrset(stdscr, ui_attr(UI_NORMAL));
	for (r = 0; r < rows + 2; r++)
		mvhline(by + r, bx, ' ', cols + 2);
	mvaddch(by, bx, ACS_ULCORNER);
	mvhline(by, bx + 1, ACS_HLINE, cols);
	mvaddch(by, bx + cols + 1, ACS_URCORNER);
	mvvline(by + 1, bx, ACS_VLINE, rows);
	mvvline(by + 1, bx + cols + 1, ACS_VLINE, rows);
	mvaddch(by + rows + 1, bx, ACS_LLCORNER);
	mvhline(by + rows + 1, bx + 1, ACS_HLINE, cols);
	mvaddch(by + rows + 1, bx + cols + 1, ACS_LRCORNER);
	if (title != NULL && title[0] != '\0') {
		wattrset(stdscr, ui_attr(UI_HEADING));
		ui_put(stdscr, by, bx + 2, " ", 1, 1);
		r = ui_put(stdscr, by, bx + 3, title, UTF8_NTS, cols - 4);
		ui_put(stdscr, by, bx + 3 + r, " ", 1, 1);
		wattrset(stdscr, ui_attr(UI_NORMAL));
	}
	*y = by + 1;
	*x = bx + 1;
}

static int
draw_fkeys(const struct ui_fkey *k, int x, int y)
{
	for (; k != NULL && k->key != NULL && x < COLS; k++) {
		const char *label = k->label != NULL ? _(k->label) :
		    lang_other_name();
		int lw;

		wattrset(stdscr, ui_attr(UI_BAR_KEY));
		x += ui_put(stdscr, y, x, k->key, UTF8_NTS, COLS - x);
		lw = ui_width(label);
		if (x + lw > COLS)
			break;
		wattrset(stdscr, ui_attr(UI_BAR_LABEL));
		x += ui_put(stdscr, y, x, label, UTF8_NTS, COLS - x);
		wattrset(stdscr, ui_attr(UI_NORMAL));
		if (x < COLS)
			x += ui_put(stdscr, y, x, " ", 1, 1);
	}
	return x;
}

static void
draw_help(const struct ui_screen *s)
{
	static const char *const general = N_(
	    "F1 or Esc 1: this help.  F2, Ctrl+S or Esc 2: save.\n"
	    "F3, Ctrl+F or Esc 3: find a person.  F5 or Esc 5: sync.\n"
	    "F9 or Esc 9: switch between Vietnamese and English.\n"
	    "F10, Ctrl+Q or Esc 0: quit.  Esc: back.\n"
	    "Tab and Shift+Tab: next and previous field.\n"
	    "Press any key to close this help.");
	const char *parts[2];
	int y, x, rows = 0, cols = 72, r, p;

	parts[0] = s != NULL && s->help != NULL ? _(s->help) : "";
	parts[1] = _(general);
	for (p = 0; p < 2; p++) {
		const char *t = parts[p];

		while (*t != '\0') {
			const char *nl = strchr(t, '\n');
			size_t len = nl != NULL ? (size_t)(nl - t) : strlen(t);
			int w;

			do {
				size_t n = ui_fit(t, len, cols, &w);

				if (n == 0)
					n = len;
				rows++;
				t += n;
				len -= n;
			} while (len > 0);
			t = nl != NULL ? nl + 1 : t;
		}
		rows++;
	}
	ui_box(rows, cols, s != NULL ? _(s->title) : _("Help"), &y, &x);
	for (p = 0, r = 0; p < 2; p++) {
		const char *t = parts[p];

		wattrset(stdscr, ui_attr(p == 0 ? UI_NORMAL : UI_DIM));
		while (*t != '\0' && r < LINES - 4) {
			const char *nl = strchr(t, '\n');
			size_t len = nl != NULL ? (size_t)(nl - t) : strlen(t);
			int w;

			do {
				size_t n = ui_fit(t, len, cols, &w);

				if (n == 0)
					n = len;
				ui_put(stdscr, y + r, x, t, n, cols);
				r++;
				t += n;
				len -= n;
			} while (len > 0);
			t = nl != NULL ? nl + 1 : t;
		}
		r++;
	}
	wattrset(stdscr, ui_attr(UI_NORMAL));
}

static void
draw(struct ui_mgr *m)
{
	const struct ui_screen *s = ui_top(m);
	char line[512];
	size_t off, len, n;
	int cy = -1, cx = -1, x, w;

	erase();
	if (COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS) {
		snprintf(line, sizeof line, _("This terminal is %dx%d; the "
		    "console needs at least %dx%d.  Make the window larger, "
		    "or press F10 to quit."), COLS, LINES, UI_MIN_COLS,
		    UI_MIN_ROWS);
		attrset(ui_attr(UI_ERROR));
		for (x = 0, off = 0, len = strlen(line); off < len && x < LINES;
		    x++) {
			n = ui_fit(line + off, len - off, COLS, &w);
			if (n == 0)
				break;
			ui_put(stdscr, x, 0, line + off, n, COLS);
			off += n;
		}
		attrset(ui_attr(UI_NORMAL));
		curs_set(0);
		refresh();
		return;
	}
	/* Title line. */
	attrset(ui_attr(UI_TITLE));
	mvhline(0, 0, ' ' | (chtype)getattrs(stdscr), COLS);
	snprintf(line, sizeof line, "cutru · %s%s%s", s != NULL ?
	    _(s->title) : "", m->title[0] != '\0' ? " · " : "", m->title);
	ui_put(stdscr, 0, 1, line, UTF8_NTS, COLS - 2);
	attrset(ui_attr(UI_NORMAL));
	/* The screen. */
	if (s != NULL)
		s->draw(m->ctx, m->stack[m->depth - 1].state, 1, 0, LINES - 3,
		    COLS, &cy, &cx);
	/* Status line. */
	attrset(ui_attr(m->status_error ? UI_STATUS_ERROR : UI_GOOD));
	if (m->status[0] != '\0') {
		mvhline(LINES - 2, 0, ' ' | (chtype)getattrs(stdscr), COLS);
		ui_put(stdscr, LINES - 2, 1, m->status, UTF8_NTS, COLS - 2);
	}
	attrset(ui_attr(UI_NORMAL));
	/* Function-key bar: the screen's keys after the global ones. */
	x = draw_fkeys(global_keys, 0, LINES - 1);
	if (s != NULL)
		(void)draw_fkeys(s->keys, x, LINES - 1);
	attrset(ui_attr(UI_NORMAL));
	if (m->help) {
		draw_help(s);
		cy = -1;
	}
	if (cy >= 0 && cx >= 0) {
		curs_set(1);
		move(cy, cx);
	} else {
		curs_set(0);
		move(LINES - 1, COLS - 1);
	}
	refresh();
}

long long
ui_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ui_term_key(UI_IDLE_MS), running background slices while no key is
 * pending (see ui_screen.h): a key waiting is taken before any slice. */
static int
wait_key(struct ui_mgr *m)
{
	long long start = ui_now_ms(), left;
	int key;

	if (m->background != NULL)
		for (;;) {
			key = ui_term_key(0);
			if (key != UI_KEY_IDLE)
				return key;
			if (!m->background(m->ctx, 0))
				break;
			if (ui_now_ms() - start >= UI_IDLE_MS)
				return UI_KEY_IDLE;
		}
	left = UI_IDLE_MS - (ui_now_ms() - start);
	return ui_term_key(left > 0 ? (int)left : 0);
}

void
ui_run(struct ui_mgr *m)
{
	const struct ui_screen *s;
	long long last_key = ui_now_ms();
	int key, redraw = 1;

	run_ops(m);
	while (!m->quit && m->depth > 0) {
		if (redraw)
			draw(m);
		redraw = 1;
		key = wait_key(m);
		s = ui_top(m);
		if (key == UI_KEY_IDLE && m->idle_lock_ms > 0 &&
		    m->lock != NULL &&
		    ui_now_ms() - last_key >= (long long)m->idle_lock_ms) {
			if (m->background != NULL)
				(void)m->background(m->ctx, 1);
			m->lock(m->ctx);
			last_key = ui_now_ms();
			run_ops(m);
			clear();
			continue;
		}
		if (key != UI_KEY_IDLE && key != UI_KEY_RESIZE)
			last_key = ui_now_ms();
		if (key == UI_KEY_IDLE) {
			redraw = s != NULL && s->idle != NULL &&
			    s->idle(m->ctx, m->stack[m->depth - 1].state);
			run_ops(m);
			redraw = redraw || m->nops > 0;
			continue;
		}
		if (key == UI_KEY_RESIZE) {
			clear();
			continue;
		}
		if (m->help) {
			m->help = 0;
			continue;
		}
		m->status[0] = '\0';
		m->status_error = 0;
		if (key == UI_KEY_F(10)) {
			m->quit = 1;
			break;
		}
		if (key == UI_KEY_F(1)) {
			m->help = 1;
			continue;
		}
		if (key == UI_KEY_F(9)) {
			(void)lang_toggle();
			if (s != NULL && s->resume != NULL)
				s->resume(m->ctx, m->stack[m->depth - 1].state);
			if (m->relabel != NULL)
				m->relabel(m->ctx);
			run_ops(m);
			continue;
		}
		if (COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS)
			continue;
		if (s != NULL && s->key(m->ctx, m->stack[m->depth - 1].state,
		    key)) {
			run_ops(m);
			continue;
		}
		if (key == UI_KEY_ESC) {
			if (m->depth > 1)
				ui_pop(m);
		} else if (m->global_key != NULL)
			(void)m->global_key(m->ctx, key);
		run_ops(m);
	}
	if (m->background != NULL)
		(void)m->background(m->ctx, 1);
	while (m->depth > 0)
		close_top(m);
}
