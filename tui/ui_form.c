#include "config.h"

/* A form of labelled items; see tui/ui_form.h. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui/ui_form.h"
#include "tui/ui_term.h"

void
ui_form_init(struct ui_form *f, int label_cols)
{
	memset(f, 0, sizeof *f);
	f->label_cols = label_cols;
	f->msg_cols = 80;
}

void
ui_form_clear(struct ui_form *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		ui_text_free(&f->items[i].text);
	f->n = 0;
	f->focus = 0;
	f->top = 0;
}

void
ui_form_free(struct ui_form *f)
{
	ui_form_clear(f);
	free(f->items);
	f->items = NULL;
	f->cap = 0;
}

struct ui_item *
ui_form_add(struct ui_form *f, enum ui_item_kind kind, const char *label,
    int indent, size_t max_bytes, int secret)
{
	struct ui_item *it, *grown;

	if (f->n == f->cap) {
		size_t cap = f->cap != 0 ? f->cap * 2 : 16;

		grown = realloc(f->items, cap * sizeof *grown);
		if (grown == NULL)
			return NULL;
		f->items = grown;
		f->cap = cap;
	}
	it = &f->items[f->n];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	it->label = label;
	it->indent = indent;
	it->choice = -1;
	if (kind == UI_ITEM_TEXT &&
	    ui_text_init(&it->text, max_bytes, secret, NULL) != CUTRU_OK)
		return NULL;
	f->n++;
	return it;
}

static int
focusable(const struct ui_item *it)
{
	return it->kind != UI_ITEM_HEADING;
}

struct ui_item *
ui_form_focused(struct ui_form *f)
{
	return f->focus < f->n ? &f->items[f->focus] : NULL;
}

void
ui_form_focus(struct ui_form *f, size_t i)
{
	while (i < f->n && !focusable(&f->items[i]))
		i++;
	if (i < f->n)
		f->focus = i;
}

static int
form_move(struct ui_form *f, int dir)
{
	size_t i = f->focus;

	for (;;) {
		if (dir > 0) {
			if (i + 1 >= f->n)
				return UI_FORM_USED;
			i++;
		} else {
			if (i == 0)
				return UI_FORM_USED;
			i--;
		}
		if (focusable(&f->items[i]))
			break;
	}
	f->focus = i;
	return UI_FORM_MOVED;
}

int
ui_form_key(struct ui_form *f, int key)
{
	struct ui_item *it = ui_form_focused(f);
	int r;

	switch (key) {
	case UI_KEY_TAB:
	case UI_KEY_DOWN:
		return form_move(f, 1);
	case UI_KEY_BTAB:
	case UI_KEY_UP:
		return form_move(f, -1);
	case UI_KEY_ENTER:
		if (it != NULL && it->kind == UI_ITEM_ACTION)
			return UI_FORM_ACTION;
		return form_move(f, 1);
	default:
		break;
	}
	if (it == NULL)
		return UI_FORM_UNUSED;
	if (it->kind == UI_ITEM_TEXT) {
		r = ui_text_key(&it->text, key);
		return r < 0 ? UI_FORM_UNUSED : r > 0 ? UI_FORM_CHANGED :
		    UI_FORM_USED;
	}
	if (it->kind == UI_ITEM_CHOICE && it->nchoices > 0) {
		if (key == ' ' || key == UI_KEY_RIGHT) {
			it->choice = it->choice + 1 >= it->nchoices ? 0 :
			    it->choice + 1;
			return UI_FORM_CHANGED;
		}
		if (key == UI_KEY_LEFT) {
			it->choice = it->choice <= 0 ? it->nchoices - 1 :
			    it->choice - 1;
			return UI_FORM_CHANGED;
		}
		if (key == UI_KEY_BACKSPACE || key == UI_KEY_DELETE) {
			it->choice = -1;
			return UI_FORM_CHANGED;
		}
	}
	return UI_FORM_UNUSED;
}

/* Lines a message takes at width cols (at most UI_FORM_MSG_LINES). */
#define UI_FORM_MSG_LINES 3

static int
msg_lines(const char *msg, int cols)
{
	size_t off = 0, len = strlen(msg), n;
	int lines = 0, w;

	while (off < len && lines < UI_FORM_MSG_LINES) {
		n = ui_fit(msg + off, len - off, cols, &w);
		if (n == 0)
			break;
		/* Break after a space when the line is cut inside a word. */
		if (off + n < len) {
			size_t b = n;

			while (b > 0 && msg[off + b - 1] != ' ')
				b--;
			if (b > 0)
				n = b;
		}
		off += n;
		lines++;
	}
	return lines;
}

static int
item_lines(const struct ui_form *f, const struct ui_item *it)
{
	if (it->msg[0] == '\0')
		return 1;
	return 1 + msg_lines(it->msg, f->msg_cols - it->indent * 2 - 2);
}

/* Draw msg wrapped in cols columns from (y, x), at most max lines. */
static void
draw_msg(WINDOW *w, int y, int x, int cols, int max, const char *msg)
{
	size_t off = 0, len = strlen(msg), n;
	int lines = 0, wd;

	while (off < len && lines < max) {
		n = ui_fit(msg + off, len - off, cols, &wd);
		if (n == 0)
			break;
		if (off + n < len) {
			size_t b = n;

			while (b > 0 && msg[off + b - 1] != ' ')
				b--;
			if (b > 0)
				n = b;
		}
		ui_put(w, y + lines, x, msg + off, n, cols);
		off += n;
		lines++;
	}
}

void
ui_form_draw(struct ui_form *f, WINDOW *w, int y, int x, int rows,
    int cols, int *cy, int *cx)
{
	size_t i;
	int line, lc, vx, vcols, ind, lines, focus_end;
	struct ui_item *it;

	*cy = *cx = -1;
	if (rows <= 0 || cols <= 0)
		return;
	f->msg_cols = cols;
	/* Scroll so that the focused item and its message are shown. */
	if (f->focus < f->top)
		f->top = f->focus;
	for (;;) {
		focus_end = 0;
		for (i = f->top; i <= f->focus && i < f->n; i++)
			focus_end += item_lines(f, &f->items[i]);
		if (focus_end <= rows || f->top >= f->focus)
			break;
		f->top++;
	}
	/* A heading just above the top stays visible when there is room. */
	if (f->top > 0 && f->items[f->top - 1].kind == UI_ITEM_HEADING &&
	    focus_end + 1 <= rows)
		f->top--;
	lc = f->label_cols < cols / 2 ? f->label_cols : cols / 2;
	vx = x + lc + 1;
	vcols = cols - lc - 1;
	if (vcols > 50)
		vcols = 50;
	for (i = f->top, line = 0; i < f->n && line < rows; i++) {
		it = &f->items[i];
		ind = it->indent * 2;
		lines = item_lines(f, it);
		wattrset(w, ui_attr(it->kind == UI_ITEM_HEADING ? UI_HEADING :
		    UI_NORMAL));
		if (it->kind == UI_ITEM_ACTION) {
			int used;

			wattrset(w, ui_attr(i == f->focus ? UI_SELECTED :
			    UI_NORMAL));
			used = ui_put(w, y + line, x + ind, "[ ", 2, cols - ind);
			used += ui_put(w, y + line, x + ind + used, it->label,
			    (size_t)-1, cols - ind - used - 2);
			ui_put(w, y + line, x + ind + used, " ]", 2, 2);
			if (i == f->focus) {
				*cy = y + line;
				*cx = x + ind;
			}
		} else if (it->kind == UI_ITEM_HEADING) {
			ui_put(w, y + line, x + ind, it->label, (size_t)-1,
			    cols - ind);
		} else {
			int used;

			used = ui_put(w, y + line, x + ind, it->label,
			    (size_t)-1, lc - ind - 1);
			if (it->required)
				ui_put(w, y + line, x + ind + used, "*", 1, 1);
			wattrset(w, ui_attr(i == f->focus ? UI_FIELD_FOCUS :
			    UI_FIELD));
			if (it->kind == UI_ITEM_TEXT) {
				int c;

				ui_text_draw(&it->text, w, y + line, vx, vcols,
				    &c);
				if (i == f->focus) {
					*cy = y + line;
					*cx = c;
				}
			} else {
				const char *lab = it->choice >= 0 &&
				    it->choice < it->nchoices ?
				    it->choices[it->choice].label : "";
				char buf[256];

				snprintf(buf, sizeof buf, "< %s >", lab);
				ui_put_pad(w, y + line, vx, buf, vcols);
				if (i == f->focus) {
					*cy = y + line;
					*cx = vx;
				}
			}
		}
		wattrset(w, ui_attr(UI_NORMAL));
		if (lines > 1 && line + 1 < rows) {
			wattrset(w, ui_attr(it->msg_error ? UI_ERROR : UI_DIM));
			/* Under the label, where the whole message fits. */
			draw_msg(w, y + line + 1, x + ind + 2, cols - ind - 2,
			    rows - line - 1 < lines - 1 ? rows - line - 1 :
			    lines - 1, it->msg);
			wattrset(w, ui_attr(UI_NORMAL));
		}
		line += lines;
	}
}
