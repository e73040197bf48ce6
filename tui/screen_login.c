#include "config.h"

/* The login screen: the store, the officer's login and passphrase.  The
 * one way in is session_open() (localdb/session.h); its refusals (wrong
 * passphrase, the wait after too many, a disabled account, no store) are
 * shown as the library words them.  The ward's name is inside the
 * encrypted store, so it appears in the title once the store is open.
 *
 * After logging in, an officer who has drafts (forms kept unfinished:
 * localdb/draft.h) is offered them first (tui/screen_drafts.c).
 *
 * The idle lock (console_lock(), called by the screen manager) ends here
 * too: every screen is closed (a form keeps itself as a draft), the
 * session is closed, which wipes the store key, and this screen comes
 * back for the same officer with a message that says why.  With nobody
 * logged in the same idle time empties the passphrase field (its buffer
 * is wiped: tui/ui_text.h), so that a passphrase typed in part and left
 * neither stays in memory nor can be finished by whoever comes next; the
 * status line says why the field is empty. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "localdb/draft.h"
#include "localdb/session.h"
#include "tui/console.h"
#include "tui/syncui.h"
#include "tui/ui_form.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"

#define LOGIN_MAX_BYTES 64
#define PASSPHRASE_MAX_BYTES 1024

struct login {
	struct ui_form form;
	struct ui_item *login, *pass;
	char msg[CUTRU_ERR_MSG_MAX];
};

static int
login_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	struct login *l;
	const char *why = arg;

	l = calloc(1, sizeof *l);
	if (l == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	ui_form_init(&l->form, 20);
	if (ui_form_add(&l->form, UI_ITEM_TEXT, _("Officer"), 0,
	    LOGIN_MAX_BYTES, 0) == NULL ||
	    ui_form_add(&l->form, UI_ITEM_TEXT, _("Passphrase"), 0,
	    PASSPHRASE_MAX_BYTES, 1) == NULL ||
	    ui_form_add(&l->form, UI_ITEM_ACTION, _("Log in"), 0, 0, 0) ==
	    NULL) {
		ui_form_free(&l->form);
		free(l);
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	}
	l->login = &l->form.items[0];
	l->pass = &l->form.items[1];
	ui_text_set(&l->login->text, c->login);
	if (why != NULL)
		snprintf(l->msg, sizeof l->msg, "%s", why);
	/* With the officer known, start at the passphrase. */
	ui_form_focus(&l->form, c->login[0] != '\0' ? 1 : 0);
	*state = l;
	return CUTRU_OK;
}

static void
login_close(struct console *c, void *state)
{
	struct login *l = state;

	(void)c;
	ui_form_free(&l->form);
	free(l);
}

static void
login_draw(struct console *c, void *state, int y, int x, int rows, int cols,
    int *cy, int *cx)
{
	struct login *l = state;
	char line[CLI_PATH_MAX + 64];
	int fy = y + 2, fx = x + 4;

	/* Labels again at each draw: the language may have changed. */
	l->login->label = _("Officer");
	l->pass->label = _("Passphrase");
	l->form.items[2].label = _("Log in");
	attrset(ui_attr(UI_HEADING));
	ui_put(stdscr, y + 1, fx, _("Log in to the ward register"),
	    (size_t)-1, cols - 8);
	attrset(ui_attr(UI_DIM));
	snprintf(line, sizeof line, _("Store: %s"), c->store);
	ui_put(stdscr, y + 2, fx, line, (size_t)-1, cols - 8);
	attrset(ui_attr(UI_NORMAL));
	fy = y + 4;
	ui_form_draw(&l->form, stdscr, fy, fx, rows - 6, cols - 8, cy, cx);
	if (l->msg[0] != '\0') {
		int w, row = fy + 4;
		size_t off = 0, len = strlen(l->msg), n;

		attrset(ui_attr(UI_ERROR));
		while (off < len && row < y + rows) {
			n = ui_fit(l->msg + off, len - off, cols - 8, &w);
			if (n == 0)
				break;
			ui_put(stdscr, row++, fx, l->msg + off, n, cols - 8);
			off += n;
		}
		attrset(ui_attr(UI_NORMAL));
	}
}

void
console_title(struct console *c)
{
	struct session *s = c->s;

	if (s == NULL) {
		c->ui.title[0] = '\0';
		return;
	}
	snprintf(c->ui.title, sizeof c->ui.title, "%s · %s (%s)",
	    session_ward_name(s), session_name(s),
	    session_role(s) == SESSION_ROLE_SUPERVISOR ? _("supervisor") :
	    session_role(s) == SESSION_ROLE_ADMIN ? _("administrator") :
	    _("officer"));
}

/* The idle lock with nobody logged in: wipe a passphrase typed on the
 * login screen and left there. */
static void
clear_idle_passphrase(struct console *c, int secs)
{
	struct login *l;
	int i;

	for (i = c->ui.depth - 1; i >= 0; i--)
		if (c->ui.stack[i].screen == &screen_login)
			break;
	if (i < 0)
		return;
	l = c->ui.stack[i].state;
	if (ui_text_value(&l->pass->text)[0] == '\0')
		return;
	ui_text_clear(&l->pass->text);
	ui_form_focus(&l->form,
	    ui_text_value(&l->login->text)[0] != '\0' ? 1 : 0);
	/* One line: the status line is not wrapped, even at 80 columns. */
	if (secs % 60 == 0 && secs >= 120)
		ui_status(&c->ui, 1, _("Passphrase cleared after %d minutes "
		    "without a key; type it again."), secs / 60);
	else
		ui_status(&c->ui, 1, _("Passphrase cleared after %d seconds "
		    "without a key; type it again."), secs);
}

void
console_lock(struct console *c)
{
	static char why[CUTRU_ERR_MSG_MAX];
	int secs = c->ui.idle_lock_ms / 1000;

	if (c->s == NULL) {
		/* At the login screen already: no session to close. */
		clear_idle_passphrase(c, secs);
		return;
	}
	/* Closing the screens first: a form saves its draft with the
	 * session still open. */
	ui_close_all(&c->ui);
	session_close(c->s);
	c->s = NULL;
	console_title(c);
	if (secs % 60 == 0 && secs >= 120)
		snprintf(why, sizeof why, _("The console locked itself after "
		    "%d minutes without a key, so that nobody else can use "
		    "it. Log in again to go on; an unfinished form was kept "
		    "as a draft."), secs / 60);
	else
		snprintf(why, sizeof why, _("The console locked itself after "
		    "%d seconds without a key, so that nobody else can use "
		    "it. Log in again to go on; an unfinished form was kept "
		    "as a draft."), secs);
	ui_status(&c->ui, 0, "%s", "");
	ui_push(&c->ui, &screen_login, why);
}

static void
try_login(struct console *c, struct login *l)
{
	struct session *s = NULL;
	struct cutru_err e;
	const char *login = ui_text_value(&l->login->text);

	cutru_err_clear(&e);
	l->msg[0] = '\0';
	if (login[0] == '\0') {
		snprintf(l->msg, sizeof l->msg, "%s",
		    _("Type your login, then your passphrase."));
		ui_form_focus(&l->form, 0);
		return;
	}
	if (session_open(c->store, login, ui_text_value(&l->pass->text),
	    console_now(), &s, &e) != CUTRU_OK) {
		ui_text_clear(&l->pass->text);
		snprintf(l->msg, sizeof l->msg, "%s", e.msg);
		ui_form_focus(&l->form, 1);
		return;
	}
	ui_text_clear(&l->pass->text);
	c->s = s;
	snprintf(c->login, sizeof c->login, "%s", login);
	console_title(c);
	ui_pop(&c->ui);
	ui_push(&c->ui, &screen_home, NULL);
	/* Forms left unfinished (a crash, the lock, F10): offered first. */
	{
		struct cutru_err de;
		size_t n = 0;

		cutru_err_clear(&de);
		if (draft_count(s, &n, &de) == CUTRU_OK && n > 0)
			ui_push(&c->ui, &screen_drafts, NULL);
	}
	/* Sync's part of unlocking: outbox repaired, inbox applied. */
	{
		char note[CUTRU_ERR_MSG_MAX + 256];

		if (syncui_unlock(s, console_now(), note, sizeof note))
			ui_status(&c->ui, 1, "%s", note);
	}
}

static int
login_key(struct console *c, void *state, int key)
{
	struct login *l = state;
	struct ui_item *it = ui_form_focused(&l->form);
	int r;

	if (key == UI_KEY_ENTER && it != l->login) {
		try_login(c, l);
		return 1;
	}
	if (key == UI_KEY_ESC)
		return 1; /* nothing to go back to */
	r = ui_form_key(&l->form, key);
	if (r == UI_FORM_CHANGED)
		l->msg[0] = '\0';
	return r != UI_FORM_UNUSED;
}

const struct ui_screen screen_login = {
	"login",
	N_("Log in"),
	N_("Type your login and your passphrase, then press Enter.\n"
	    "After several wrong passphrases the store makes you wait before "
	    "the next try; the message says how long."),
	login_open, login_close, login_draw, login_key, NULL, NULL, NULL
};
