#include "config.h"

/* A list panel; see tui/ui_list.h. */

#include <curses.h>

#include "tui/ui_list.h"
#include "tui/ui_term.h"

static int
can_select(const struct ui_list *l, size_t i)
{
	return i < l->count && (l->selectable == NULL ||
	    l->selectable(l->arg, i));
}

/* The first selectable row from i in direction dir (+1, -1), or count. */
static size_t
find_from(const struct ui_list *l, size_t i, int dir)
{
	while (i < l->count) {
		if (can_select(l, i))
			return i;
		if (dir < 0 && i == 0)
			break;
		i = dir > 0 ? i + 1 : i - 1;
	}
	return l->count;
}

void
ui_list_set_count(struct ui_list *l, size_t count)
{
	l->count = count;
	if (!can_select(l, l->selected))
		l->selected = find_from(l, 0, 1);
	if (l->top >= count)
		l->top = 0;
}

int
ui_list_has_selection(const struct ui_list *l)
{
	return can_select(l, l->selected);
}

int
ui_list_key(struct ui_list *l, int key, int rows)
{
	size_t old = l->selected, want, page;

	page = rows > 1 ? (size_t)rows - 1 : 1;
	switch (key) {
	case UI_KEY_UP:
		want = l->selected > 0 && l->selected <= l->count ?
		    find_from(l, l->selected - 1, -1) : l->count;
		break;
	case UI_KEY_DOWN:
		want = find_from(l, l->selected + 1, 1);
		break;
	case UI_KEY_PGUP:
		want = l->selected > page ? l->selected - page : 0;
		want = find_from(l, want, -1);
		if (want >= l->count)
			want = find_from(l, 0, 1);
		break;
	case UI_KEY_PGDN:
		want = l->selected + page < l->count ? l->selected + page :
		    (l->count > 0 ? l->count - 1 : 0);
		want = find_from(l, want, 1);
		if (want >= l->count && l->count > 0)
			want = find_from(l, l->count - 1, -1);
		break;
	case UI_KEY_HOME:
		want = find_from(l, 0, 1);
		break;
	case UI_KEY_END:
		want = l->count > 0 ? find_from(l, l->count - 1, -1) :
		    l->count;
		break;
	default:
		return -1;
	}
	if (want < l->count)
		l->selected = want;
	return l->selected != old;
}

void
ui_list_draw(struct ui_list *l, WINDOW *w, int y, int x, int rows,
    int cols)
{
	size_t i;
	int r, sel;

	if (rows <= 0 || cols <= 0)
		return;
	if (can_select(l, l->selected)) {
		if (l->selected < l->top)
			l->top = l->selected;
		if (l->selected >= l->top + (size_t)rows)
			l->top = l->selected - (size_t)rows + 1;
	}
	/* A heading just above the selection stays in view with it. */
	if (l->top > 0 && l->top == l->selected && !can_select(l, l->top - 1))
		l->top--;
	for (r = 0; r < rows; r++) {
		i = l->top + (size_t)r;
		if (i >= l->count)
			break;
		sel = i == l->selected && can_select(l, i);
		wattrset(w, sel ? ui_attr(UI_SELECTED) : ui_attr(UI_NORMAL));
		mvwhline(w, y + r, x, ' ' | (chtype)getattrs(w), cols);
		l->draw_row(l->arg, w, y + r, x, cols, i, sel);
		wattrset(w, ui_attr(UI_NORMAL));
	}
}
