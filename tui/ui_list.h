/* A list panel (htop's Panel): rows drawn by the screen that owns them, a
 * selected row, scrolling that keeps it visible.  Rows the owner marks as
 * not selectable (section headings) are skipped by the selection. */
#ifndef CUTRU_UI_LIST_H
#define CUTRU_UI_LIST_H

#include <stddef.h>

#include <curses.h>

struct ui_list {
	size_t count;     /* rows */
	size_t selected;  /* a selectable row, or count when there is none */
	size_t top;       /* first row shown */
	/* 1 if row i can be selected; NULL: every row can. */
	int (*selectable)(void *arg, size_t i);
	/* Draw row i in cols columns at (y, x); selected says whether it is
	 * the selected row (the attributes are already set for it). */
	void (*draw_row)(void *arg, WINDOW *w, int y, int x, int cols,
	    size_t i, int selected);
	void *arg;
};

/* Set the number of rows, keeping the selection on a selectable row
 * (the first one when it was out of range). */
void ui_list_set_count(struct ui_list *l, size_t count);

/* 1 if a row is selected. */
int ui_list_has_selection(const struct ui_list *l);

/* Up, Down, PgUp, PgDn, Home, End (rows: the height shown).  1 if the
 * selection moved, 0 if the key was used without moving, -1 if not a
 * list key. */
int ui_list_key(struct ui_list *l, int key, int rows);

/* Draw rows lines at (y, x), cols wide. */
void ui_list_draw(struct ui_list *l, WINDOW *w, int y, int x, int rows,
    int cols);

#endif
