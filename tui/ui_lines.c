#include "config.h"

/* A page of styled lines; see tui/ui_lines.h. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui/ui_lines.h"
#include "tui/ui_term.h"

static int
line_selectable(void *arg, size_t i)
{
	struct ui_lines *l = arg;

	return l->v[i].tag >= 0;
}

static void
line_draw(void *arg, WINDOW *w, int y, int x, int cols, size_t i, int sel)
{
	struct ui_lines *l = arg;
	int ind = 1 + 2 * l->v[i].indent;

	if (!sel)
		wattrset(w, ui_attr(l->v[i].role));
	if (cols > ind + 1)
		ui_put(w, y, x + ind, l->v[i].text, (size_t)-1,
		    cols - ind - 1);
}

void
ui_lines_init(struct ui_lines *l)
{
	memset(l, 0, sizeof *l);
	l->list.selectable = line_selectable;
	l->list.draw_row = line_draw;
	l->list.arg = l;
}

void
ui_lines_clear(struct ui_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	l->n = 0;
	l->list.count = 0;
}

void
ui_lines_free(struct ui_lines *l)
{
	ui_lines_clear(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

void
ui_lines_add(struct ui_lines *l, int role, int indent, long tag,
    const char *fmt, ...)
{
	struct ui_line *grown;
	va_list ap;
	char *s;

	if (l->n == l->cap) {
		size_t cap = l->cap != 0 ? l->cap * 2 : 64;

		grown = realloc(l->v, cap * sizeof *grown);
		if (grown == NULL)
			return;
		l->v = grown;
		l->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return;
	l->v[l->n].text = s;
	l->v[l->n].role = role;
	l->v[l->n].indent = indent;
	l->v[l->n].tag = tag;
	l->n++;
	/* The selection is settled when the lines are next used, so that
	 * a reload finds it again on its line. */
	l->list.count = l->n;
}

long
ui_lines_selected(struct ui_lines *l)
{
	ui_list_set_count(&l->list, l->n);
	if (!ui_list_has_selection(&l->list))
		return -1;
	return l->v[l->list.selected].tag;
}

int
ui_lines_key(struct ui_lines *l, int key)
{
	size_t page = l->rows_shown > 1 ? (size_t)l->rows_shown - 1 : 1;
	size_t last = l->n > (size_t)l->rows_shown ?
	    l->n - (size_t)l->rows_shown : 0;

	ui_list_set_count(&l->list, l->n);
	if (ui_list_has_selection(&l->list)) {
		int r = ui_list_key(&l->list, key, l->rows_shown);

		if (r < 0)
			return 0;
		/* At the first or last selectable line, scroll the text
		 * around it into view. */
		if (r == 0 && key == UI_KEY_UP && l->list.top > 0)
			l->list.top--;
		else if (r == 0 && key == UI_KEY_DOWN && l->list.top < last &&
		    l->list.selected > l->list.top)
			l->list.top++;
		return 1;
	}
	switch (key) {
	case UI_KEY_UP:
		if (l->list.top > 0)
			l->list.top--;
		return 1;
	case UI_KEY_DOWN:
		if (l->list.top < last)
			l->list.top++;
		return 1;
	case UI_KEY_PGUP:
		l->list.top = l->list.top > page ? l->list.top - page : 0;
		return 1;
	case UI_KEY_PGDN:
		l->list.top = l->list.top + page < last ? l->list.top + page :
		    last;
		return 1;
	case UI_KEY_HOME:
		l->list.top = 0;
		return 1;
	case UI_KEY_END:
		l->list.top = last;
		return 1;
	default:
		return 0;
	}
}

void
ui_lines_draw(struct ui_lines *l, int y, int x, int rows, int cols)
{
	l->rows_shown = rows;
	ui_list_set_count(&l->list, l->n);
	if (l->list.top >= l->n)
		l->list.top = 0;
	ui_list_draw(&l->list, stdscr, y, x, rows, cols);
}
