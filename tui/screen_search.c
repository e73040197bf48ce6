#include "config.h"

/* The search screen: results as the officer types, after every keystroke
 * (search_persons(), localdb/search.h: tone marks, case and đ/d do not
 * matter, "nguyen van" finds "Nguyễn Văn An"; twelve digits find an ID
 * number; a card scan finds its person).  Enter opens the person. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "localdb/search.h"
#include "localdb/session.h"
#include "tui/console.h"
#include "tui/ui_list.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"
#include "tui/ui_text.h"

/* Results kept: more than a screen, few enough to search per keystroke. */
#define SEARCH_SHOWN 200

struct search {
	struct ui_text query;
	struct ui_list list;
	struct search_result *res;
	size_t n;
	char msg[CUTRU_ERR_MSG_MAX];
	int msg_error;
	int rows_shown;
};

/* Column layout at a given width: name, date of birth, ID, state, then
 * the address takes the rest. */
struct cols {
	int name, dob, id, state;
};

static void
layout(int cols, struct cols *c)
{
	c->dob = 11;
	c->id = 13;
	c->state = 11;
	c->name = cols >= 120 ? 32 : 24;
}

static void
draw_row(void *arg, WINDOW *w, int y, int x, int cols, size_t i, int sel)
{
	struct search *s = arg;
	const struct search_result *r = &s->res[i];
	char dob[DATE_FMT_MAX];
	struct cols c;
	int at = x + 1;

	(void)sel;
	layout(cols, &c);
	console_date(&r->dob, dob);
	ui_put(w, y, at, r->name, (size_t)-1, c.name - 1);
	at += c.name;
	ui_put(w, y, at, dob, (size_t)-1, c.dob - 1);
	at += c.dob;
	ui_put(w, y, at, r->id_number[0] != '\0' ? r->id_number : r->cmnd,
	    (size_t)-1, c.id - 1);
	at += c.id;
	ui_put(w, y, at, console_state(r->state), (size_t)-1, c.state - 1);
	at += c.state;
	if (at < x + cols - 1)
		ui_put(w, y, at, r->address, (size_t)-1, x + cols - 1 - at);
}

static void
run_search(struct console *c, struct search *s)
{
	struct cutru_err e;
	const char *q = ui_text_value(&s->query);
	size_t i;

	s->msg[0] = '\0';
	s->msg_error = 0;
	s->n = 0;
	for (i = 0; q[i] == ' '; i++)
		;
	if (q[i] == '\0') {
		ui_list_set_count(&s->list, 0);
		return;
	}
	cutru_err_clear(&e);
	if (search_persons(session_db(c->s), q, NULL, SEARCH_SHOWN, s->res,
	    &s->n, &e) != CUTRU_OK) {
		s->n = 0;
		snprintf(s->msg, sizeof s->msg, "%s", e.msg);
		s->msg_error = 1;
	} else if (s->n == 0) {
		snprintf(s->msg, sizeof s->msg, "%s",
		    _("Nobody in the register matches."));
	} else if (s->n == SEARCH_SHOWN) {
		snprintf(s->msg, sizeof s->msg, _("The first %d matches; type "
		    "more of the name to narrow them down."), SEARCH_SHOWN);
	} else {
		snprintf(s->msg, sizeof s->msg, dngettext(PACKAGE, "%zu person found.",
		    "%zu persons found.", (unsigned long)s->n), s->n);
	}
	s->list.selected = 0;
	s->list.top = 0;
	ui_list_set_count(&s->list, s->n);
}

static int
search_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	struct search *s;

	(void)c;
	(void)arg;
	s = calloc(1, sizeof *s);
	if (s == NULL || (s->res = calloc(SEARCH_SHOWN, sizeof *s->res)) ==
	    NULL) {
		free(s);
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	}
	if (ui_text_init(&s->query, SEARCH_QUERY_MAX, 0, e) != CUTRU_OK) {
		free(s->res);
		free(s);
		return e->code;
	}
	s->list.draw_row = draw_row;
	s->list.arg = s;
	*state = s;
	return CUTRU_OK;
}

static void
search_close(struct console *c, void *state)
{
	struct search *s = state;

	(void)c;
	ui_text_free(&s->query);
	free(s->res);
	free(s);
}

static void
search_draw(struct console *c, void *state, int y, int x, int rows, int cols,
    int *cy, int *cx)
{
	struct search *s = state;
	struct cols cl;
	int lw, at;

	(void)c;
	lw = ui_put(stdscr, y + 1, x + 1, _("Find:"), (size_t)-1, 20) + 2;
	attrset(ui_attr(UI_FIELD_FOCUS));
	ui_text_draw(&s->query, stdscr, y + 1, x + lw, cols - lw - 2, cx);
	*cy = y + 1;
	attrset(ui_attr(s->msg_error ? UI_ERROR : UI_DIM));
	if (s->msg[0] != '\0')
		ui_put(stdscr, y + 2, x + lw, s->msg, (size_t)-1,
		    cols - lw - 2);
	else
		ui_put(stdscr, y + 2, x + lw, _("A name without tone marks "
		    "is enough; or 12 digits of an ID number, or scan the "
		    "card."), (size_t)-1, cols - lw - 2);
	layout(cols, &cl);
	attrset(ui_attr(UI_HEADING));
	at = x + 1;
	ui_put(stdscr, y + 4, at, _("Name"), (size_t)-1, cl.name - 1);
	at += cl.name;
	ui_put(stdscr, y + 4, at, _("Born"), (size_t)-1, cl.dob - 1);
	at += cl.dob;
	ui_put(stdscr, y + 4, at, _("ID number"), (size_t)-1, cl.id - 1);
	at += cl.id;
	ui_put(stdscr, y + 4, at, _("Residence"), (size_t)-1, cl.state - 1);
	at += cl.state;
	ui_put(stdscr, y + 4, at, _("Address"), (size_t)-1,
	    x + cols - 1 - at);
	attrset(ui_attr(UI_NORMAL));
	s->rows_shown = rows - 5;
	ui_list_draw(&s->list, stdscr, y + 5, x, rows - 5, cols);
}

static int
search_key(struct console *c, void *state, int key)
{
	struct search *s = state;
	int r;

	if (key == UI_KEY_ENTER) {
		if (ui_list_has_selection(&s->list))
			ui_push(&c->ui, &screen_person,
			    &s->res[s->list.selected]);
		return 1;
	}
	if (key == UI_KEY_UP || key == UI_KEY_DOWN || key == UI_KEY_PGUP ||
	    key == UI_KEY_PGDN)
		return ui_list_key(&s->list, key, s->rows_shown) >= 0;
	r = ui_text_key(&s->query, key);
	if (r > 0)
		run_search(c, s);
	return r >= 0;
}

static const struct ui_fkey search_keys[] = {
	{ "Enter", N_("Open") },
	{ NULL, NULL }
};

const struct ui_screen screen_search = {
	"search",
	N_("Find a person"),
	N_("Type part of a name: each word you type must begin a word of the "
	    "name, in order; tone marks, capitals and đ/d do not matter "
	    "(\"nguyen van\" finds \"Nguyễn Văn An\").\n"
	    "Twelve digits find a personal ID number, nine an old CMND "
	    "number; a scanned ID card finds its holder.\n"
	    "Up and Down choose a person; Enter opens them; Esc goes back."),
	search_open, search_close, search_draw, search_key, NULL, NULL,
	search_keys
};
