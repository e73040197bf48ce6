/* A page of styled lines (the detail views of the household, audit,
 * reports and sync screens): each line has a role (tui/ui_term.h), an
 * indent and a tag; lines with a tag >= 0 can be selected (a ui_list over
 * them), the others are text the selection scrolls past.  When no line
 * can be selected, Up and Down scroll the page. */
#ifndef CUTRU_UI_LINES_H
#define CUTRU_UI_LINES_H

#include <stddef.h>

#include "tui/ui_list.h"

struct ui_line {
	char *text;
	int role;       /* enum ui_role */
	int indent;     /* levels of two columns */
	long tag;       /* the caller's; < 0: not selectable */
};

struct ui_lines {
	struct ui_list list;
	struct ui_line *v;
	size_t n, cap;
	int rows_shown;
};

void ui_lines_init(struct ui_lines *l);
/* Remove every line.  The selection's index is kept and settles when the
 * lines are next drawn or used: on the same line if it can still be
 * selected, else on the first that can (so a reload keeps the place). */
void ui_lines_clear(struct ui_lines *l);
void ui_lines_free(struct ui_lines *l);

/* Append a line (printf-style; out of memory drops it). */
void ui_lines_add(struct ui_lines *l, int role, int indent, long tag,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The tag of the selected line, or -1 when none. */
long ui_lines_selected(struct ui_lines *l);

/* Up, Down, PgUp, PgDn, Home, End: 1 if used, 0 if not a moving key. */
int ui_lines_key(struct ui_lines *l, int key);

/* Draw rows lines at (y, x) of stdscr, cols wide. */
void ui_lines_draw(struct ui_lines *l, int y, int x, int rows, int cols);

#endif
