#include "config.h"

/* The officers screen: the accounts of the store (officer_list(),
 * localdb/officer.h) with their role and whether they can log in; an
 * administrator adds an account, disables or enables one; anyone holding
 * the store's recovery code gives an officer a new passphrase.  Who may
 * do what is the library's rule: the screen offers every action to
 * everyone and shows the library's refusal (an officer who tries to add
 * an account is told that only an administrator can). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "localdb/officer.h"
#include "localdb/session.h"
#include "tui/console.h"
#include "tui/ui_form.h"
#include "tui/ui_list.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"

#define OFFICERS_TEXT_MAX 400
#define OFFICERS_SECRET_MAX 1024

enum mode {
	MODE_LIST,
	MODE_ADD,
	MODE_RESET
};

struct officers {
	enum mode mode;
	struct ui_list list;
	struct officer_info *v;
	size_t n;
	int rows_shown;
	struct ui_form form;
	char reset_login[KEYRING_LOGIN_MAX + 1];
	char msg[CUTRU_ERR_MSG_MAX];
	struct ui_choice roles[3];
};

static const char *
role_title(enum session_role r)
{
	switch (r) {
	case SESSION_ROLE_SUPERVISOR:
		return _("supervisor");
	case SESSION_ROLE_ADMIN:
		return _("administrator");
	default:
		return _("officer");
	}
}

static void
draw_row(void *arg, WINDOW *w, int y, int x, int cols, size_t i, int sel)
{
	struct officers *o = arg;
	const struct officer_info *oi = &o->v[i];
	char line[512], day[DATE_FMT_MAX], created[DATE_FMT_MAX + 8];

	/* created is "YYYY-MM-DDTHH:MM:SSZ": its date part. */
	snprintf(day, sizeof day, "%.10s", oi->created);
	console_iso_date(day, created, sizeof created);
	snprintf(line, sizeof line, "%-16s %-14s %-10s", oi->login,
	    role_title(oi->role), created);
	ui_put(w, y, x + 1, line, (size_t)-1, cols - 2);
	if (oi->disabled) {
		if (!sel)
			wattrset(w, ui_attr(UI_ERROR));
		ui_put(w, y, x + 44, _("disabled"), (size_t)-1, 10);
		wattrset(w, ui_attr(sel ? UI_SELECTED : UI_NORMAL));
	}
	ui_put(w, y, x + 55, oi->name != NULL ? oi->name : "", (size_t)-1,
	    cols - 56);
}

static void
load(struct console *c, struct officers *o)
{
	struct cutru_err e;

	officer_list_free(o->v, o->n);
	o->v = NULL;
	o->n = 0;
	cutru_err_clear(&e);
	if (officer_list(c->s, &o->v, &o->n, &e) != CUTRU_OK)
		console_error(c, &e);
	ui_list_set_count(&o->list, o->n);
}

static int
officers_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	struct officers *o;

	(void)arg;
	if ((o = calloc(1, sizeof *o)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	o->list.draw_row = draw_row;
	o->list.arg = o;
	ui_form_init(&o->form, 24);
	load(c, o);
	*state = o;
	return CUTRU_OK;
}

static void
officers_close(struct console *c, void *state)
{
	struct officers *o = state;

	(void)c;
	ui_form_free(&o->form);
	officer_list_free(o->v, o->n);
	free(o);
}

/* Build the form of mode m; 0 on success. */
static int
start(struct console *c, struct officers *o, enum mode m)
{
	struct ui_item *it;
	int ok;

	ui_form_clear(&o->form);
	o->msg[0] = '\0';
	if (m == MODE_ADD) {
		o->roles[0].id = "officer";
		o->roles[0].label = _("officer");
		o->roles[1].id = "supervisor";
		o->roles[1].label = _("supervisor");
		o->roles[2].id = "admin";
		o->roles[2].label = _("administrator");
		ok = ui_form_add(&o->form, UI_ITEM_TEXT, _("Login"), 0,
		    KEYRING_LOGIN_MAX, 0) != NULL &&
		    ui_form_add(&o->form, UI_ITEM_TEXT, _("Full name"), 0,
		    OFFICERS_TEXT_MAX, 0) != NULL &&
		    (it = ui_form_add(&o->form, UI_ITEM_CHOICE, _("Role"), 0,
		    0, 0)) != NULL;
		if (ok) {
			it->choices = o->roles;
			it->nchoices = 3;
			it->choice = 0;
		}
	} else {
		if (!ui_list_has_selection(&o->list))
			return -1;
		snprintf(o->reset_login, sizeof o->reset_login, "%s",
		    o->v[o->list.selected].login);
		ok = ui_form_add(&o->form, UI_ITEM_TEXT, _("Recovery code"), 0,
		    OFFICERS_SECRET_MAX, 1) != NULL;
	}
	ok = ok && ui_form_add(&o->form, UI_ITEM_TEXT, _("New passphrase"), 0,
	    OFFICERS_SECRET_MAX, 1) != NULL &&
	    ui_form_add(&o->form, UI_ITEM_TEXT, _("Passphrase again"), 0,
	    OFFICERS_SECRET_MAX, 1) != NULL &&
	    ui_form_add(&o->form, UI_ITEM_ACTION, m == MODE_ADD ?
	    _("Add the account") : _("Set the new passphrase"), 0, 0, 0) !=
	    NULL;
	if (!ok) {
		ui_form_clear(&o->form);
		ui_status(&c->ui, 1, "%s", _("Out of memory."));
		return -1;
	}
	ui_form_focus(&o->form, 0);
	o->mode = m;
	return 0;
}

static void
finish_form(struct console *c, struct officers *o)
{
	struct ui_item *it = o->form.items;
	struct cutru_err e;
	enum session_role role = SESSION_ROLE_OFFICER;
	const char *pass, *again;
	int rc;

	cutru_err_clear(&e);
	pass = ui_text_value(&it[o->mode == MODE_ADD ? 3 : 1].text);
	again = ui_text_value(&it[o->mode == MODE_ADD ? 4 : 2].text);
	if (strcmp(pass, again) != 0) {
		snprintf(o->msg, sizeof o->msg, "%s", _("The two passphrases "
		    "differ; type the same one twice."));
		ui_text_clear(&it[o->mode == MODE_ADD ? 4 : 2].text);
		return;
	}
	if (o->mode == MODE_ADD) {
		if (it[2].choice >= 0 && session_role_parse(
		    o->roles[it[2].choice].id, &role, &e) != CUTRU_OK) {
			snprintf(o->msg, sizeof o->msg, "%s", e.msg);
			return;
		}
		rc = officer_add(c->s, ui_text_value(&it[0].text),
		    ui_text_value(&it[1].text), role, pass, console_now(), &e);
		if (rc == CUTRU_OK)
			ui_status(&c->ui, 0, _("Officer %s added with the role "
			    "%s."), ui_text_value(&it[0].text),
			    role_title(role));
	} else {
		rc = officer_reset_passphrase(c->store,
		    ui_text_value(&it[0].text), o->reset_login, pass,
		    console_now(), &e);
		if (rc == CUTRU_OK)
			ui_status(&c->ui, 0, _("The passphrase of %s is "
			    "changed; their signing key is new."),
			    o->reset_login);
	}
	if (rc != CUTRU_OK) {
		snprintf(o->msg, sizeof o->msg, "%s", e.msg);
		if (o->mode == MODE_RESET) {
			/* The code is typed again, from the start. */
			ui_text_clear(&it[0].text);
			ui_form_focus(&o->form, 0);
		}
		return;
	}
	ui_form_clear(&o->form);
	o->mode = MODE_LIST;
	load(c, o);
}

static void
officers_draw(struct console *c, void *state, int y, int x, int rows,
    int cols, int *cy, int *cx)
{
	struct officers *o = state;
	char head[256];
	int by, bx, bcols = 72, brows = 12, row, w;
	size_t off, len, n;

	(void)c;
	attrset(ui_attr(UI_HEADING));
	snprintf(head, sizeof head, "%-16s %-14s %-10s", _("Login"),
	    _("Role"), _("Since"));
	ui_put(stdscr, y + 1, x + 1, head, (size_t)-1, cols - 2);
	ui_put(stdscr, y + 1, x + 55, _("Name"), (size_t)-1, cols - 56);
	attrset(ui_attr(UI_NORMAL));
	o->rows_shown = rows - 3;
	ui_list_draw(&o->list, stdscr, y + 2, x, rows - 3, cols);
	attrset(ui_attr(UI_DIM));
	ui_put(stdscr, y + rows - 1, x + 1, _("a: add   d: disable   e: "
	    "enable   p: new passphrase with the recovery code"), (size_t)-1,
	    cols - 2);
	attrset(ui_attr(UI_NORMAL));
	if (o->mode == MODE_LIST)
		return;
	if (o->mode == MODE_ADD)
		snprintf(head, sizeof head, "%s", _("Add an account"));
	else
		snprintf(head, sizeof head, _("New passphrase for %s"),
		    o->reset_login);
	ui_box(brows, bcols, head, &by, &bx);
	ui_form_draw(&o->form, stdscr, by + 1, bx + 1, brows - 4, bcols - 2,
	    cy, cx);
	attrset(ui_attr(o->msg[0] != '\0' ? UI_ERROR : UI_DIM));
	if (o->msg[0] == '\0')
		ui_put(stdscr, by + brows - 2, bx + 1, _("Enter on the last "
		    "line: confirm.  Esc: cancel."), (size_t)-1, bcols - 2);
	for (row = by + brows - 3, off = 0, len = strlen(o->msg);
	    off < len && row < by + brows; row++) {
		n = ui_fit(o->msg + off, len - off, bcols - 2, &w);
		if (n == 0)
			break;
		ui_put(stdscr, row, bx + 1, o->msg + off, n, bcols - 2);
		off += n;
	}
	attrset(ui_attr(UI_NORMAL));
}

static void
set_disabled(struct console *c, struct officers *o, int disable)
{
	struct cutru_err e;
	const char *login;
	int rc;

	if (!ui_list_has_selection(&o->list))
		return;
	login = o->v[o->list.selected].login;
	cutru_err_clear(&e);
	rc = disable ? officer_disable(c->s, login, console_now(), &e) :
	    officer_enable(c->s, login, console_now(), &e);
	if (rc != CUTRU_OK)
		console_error(c, &e);
	else if (disable)
		ui_status(&c->ui, 0, _("Officer %s can no longer log in."),
		    login);
	else
		ui_status(&c->ui, 0, _("Officer %s can log in again."), login);
	load(c, o);
}

static int
officers_key(struct console *c, void *state, int key)
{
	struct officers *o = state;
	int r;

	if (o->mode != MODE_LIST) {
		if (key == UI_KEY_ESC) {
			ui_form_clear(&o->form);
			o->mode = MODE_LIST;
			return 1;
		}
		r = ui_form_key(&o->form, key);
		if (r == UI_FORM_ACTION)
			finish_form(c, o);
		else if (r == UI_FORM_CHANGED)
			o->msg[0] = '\0';
		return 1;
	}
	switch (key) {
	case 'a':
		(void)start(c, o, MODE_ADD);
		return 1;
	case 'p':
		(void)start(c, o, MODE_RESET);
		return 1;
	case 'd':
		set_disabled(c, o, 1);
		return 1;
	case 'e':
		set_disabled(c, o, 0);
		return 1;
	case 'r':
		load(c, o);
		return 1;
	default:
		return ui_list_key(&o->list, key, o->rows_shown) >= 0;
	}
}

static const struct ui_fkey officers_keys[] = {
	{ "a", N_("Add") },
	{ "d", N_("Disable") },
	{ "p", N_("Passphrase") },
	{ NULL, NULL }
};

const struct ui_screen screen_officers = {
	"officers",
	N_("Officers"),
	N_("The accounts of this store: login, role, since when, and whether "
	    "they can log in.\n"
	    "a: add an account.  d: disable the chosen account (it can no "
	    "longer log in).  e: enable it again.  Only an administrator "
	    "manages accounts, and nobody disables themselves.\n"
	    "p: give the chosen officer a new passphrase with the store's "
	    "recovery code (the printed code made at cutru init); their "
	    "signing key is replaced."),
	officers_open, officers_close, officers_draw, officers_key, NULL, NULL,
	officers_keys
};
