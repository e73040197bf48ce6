#include "config.h"

/* `cutru console`: start the terminal, show the login screen, run the
 * screens until the officer quits, and put the terminal back.  The store
 * is reached only through the session opened on the login screen, and is
 * closed (its key wiped) before the command returns. */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/i18n.h"
#include "core/procedure.h"
#include "localdb/session.h"
#include "localdb/warm.h"
#include "tui/cli.h"
#include "tui/cmd.h"
#include "tui/console.h"
#include "tui/lang.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"

const struct ui_screen *const console_screens[] = {
	&screen_login,
	&screen_home,
	&screen_search,
	&screen_person,
	&screen_form,
	&screen_queue,
	&screen_drafts,
	&screen_household,
	&screen_audit,
	&screen_reports,
	&screen_officers,
	&screen_sync,
	NULL
};

time_t
console_now(void)
{
	return time(NULL);
}

int
console_today(struct cutru_date *today, struct cutru_err *e)
{
	int sec;

	return session_today(console_now(), today, &sec, e);
}

void
console_date(const struct cutru_date *d, char *buf)
{
	buf[0] = '\0';
	if (d == NULL || d->prec == CUTRU_DATE_NONE)
		return;
	if (date_format_vn(d, buf, DATE_FMT_MAX) != CUTRU_OK)
		buf[0] = '\0';
}

void
console_iso_date(const char *iso, char *buf, size_t size)
{
	struct cutru_date d;
	char tmp[DATE_FMT_MAX];

	if (iso == NULL || iso[0] == '\0') {
		snprintf(buf, size, "%s", "");
		return;
	}
	if (date_parse(iso, NULL, &d, NULL) != CUTRU_OK) {
		snprintf(buf, size, "%s", iso);
		return;
	}
	console_date(&d, tmp);
	snprintf(buf, size, "%s", tmp);
}

const char *
console_sex(enum cutru_sex sex)
{
	switch (sex) {
	case CUTRU_SEX_MALE:
		return _("Male");
	case CUTRU_SEX_FEMALE:
		return _("Female");
	default:
		return "";
	}
}

const char *
console_state(enum search_state state)
{
	switch (state) {
	case SEARCH_STATE_PERMANENT:
		return _("permanent");
	case SEARCH_STATE_TEMPORARY:
		return _("temporary");
	case SEARCH_STATE_CURRENT:
		return _("declared");
	default:
		return _("none");
	}
}

void
console_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t vn;

	if (t <= 0) {
		snprintf(buf, size, "%s", _("never"));
		return;
	}
	vn = (time_t)t + 7 * 3600;
	gmtime_r(&vn, &tm);
	strftime(buf, size, "%d/%m/%Y %H:%M", &tm);
}

const char *
console_dossier_state(const char *state)
{
	static const struct {
		const char *id, *text;
	} names[] = {
		{ "awaiting", N_("awaiting approval") },
		{ "approved", N_("approved") },
		{ "returned", N_("returned (CT05)") },
		{ "refused", N_("refused (CT06)") },
		{ "sent", N_("sent") },
		{ "accepted", N_("accepted") },
		{ "rejected", N_("rejected") },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (state != NULL && strcmp(state, names[i].id) == 0)
			return _(names[i].text);
	return state != NULL ? state : "";
}

const char *
console_procedure_title(const char *id)
{
	const struct procedure *p = procedure_find(id);

	return p != NULL ? _(p->title) : id;
}

void
console_error(struct console *c, const struct cutru_err *e)
{
	ui_status(&c->ui, 1, "%s", e->msg[0] != '\0' ? e->msg :
	    _("Something went wrong; nothing was changed."));
}

/* F3 and F5 from any screen. */
static int
global_key(struct console *c, int key)
{
	int i, n;

	if (key == UI_KEY_F(3)) {
		if (c->s == NULL) {
			ui_status(&c->ui, 1, "%s",
			    _("Log in first to search the register."));
			return 1;
		}
		/* Back to the search already open when only what it led to
		 * (a person, a household) lies above it, never over a form:
		 * a new search on top each time would fill the stack of
		 * screens, after which nothing more opens. */
		for (i = c->ui.depth - 1; i >= 0 &&
		    c->ui.stack[i].screen != &screen_search &&
		    c->ui.stack[i].screen != &screen_form; i--)
			;
		if (i >= 0 && c->ui.stack[i].screen == &screen_search)
			for (n = c->ui.depth - 1 - i; n > 0; n--)
				ui_pop(&c->ui);
		else
			ui_push(&c->ui, &screen_search, NULL);
		return 1;
	}
	if (key == UI_KEY_F(5)) {
		if (c->s == NULL) {
			ui_status(&c->ui, 1, "%s",
			    _("Log in first to see the sync."));
			return 1;
		}
		if (ui_top(&c->ui) != &screen_sync)
			ui_push(&c->ui, &screen_sync, NULL);
		return 1;
	}
	if (key == UI_KEY_F(2)) {
		ui_status(&c->ui, 0, "%s", _("There is nothing to save on "
		    "this screen."));
		return 1;
	}
	return 0;
}

/* A slice of warming the store's page cache, in microseconds: a key that
 * comes meanwhile waits at most this long (the search target is 20 ms). */
#define WARM_SLICE_US 4000
/* How often to ask whether another connection wrote the store (warm_stale(),
 * one PRAGMA): about once per idle tick of the screen manager, however
 * often background() is called while warming or typing. */
#define WARM_RECHECK_MS 250

/* The page cache is warmed after each login, and again after another
 * connection wrote the store (the sync, an import), which makes SQLite drop
 * the whole cache (localdb/warm.h).  The plan is kept once it is done, for
 * warm_stale() to compare with; the connection it was made for (NULL:
 * none); whether it is done (read to the end, stopped at the cache budget
 * or by an error); when the store was last checked.  One console per
 * process. */
static struct warm *warming;
static sqlite3 *warming_db;
static int warming_over;
static long long warming_checked;

/* struct ui_mgr's background(): warm the cache of the store logged into,
 * while the officer is idle.  Warming is an optimisation: an error only
 * ends it (until the store changes), searches then read their own pages. */
static int
console_background(struct console *c, int stop)
{
	sqlite3 *db = stop || c->s == NULL ? NULL : session_db(c->s);
	struct cutru_err e;
	long long now;
	int more = 0, stale = 0;

	if (db != warming_db) {
		warm_end(warming);
		warming = NULL;
		warming_db = db;
		warming_over = 0;
	}
	if (db == NULL)
		return 0;
	cutru_err_clear(&e);
	now = ui_now_ms();
	/* Written by another connection: the cache is empty again, whether
	 * the walk was done or halfway.  Start again from the name index. */
	if (warming != NULL && now - warming_checked >= WARM_RECHECK_MS) {
		warming_checked = now;
		if (warm_stale(warming, &stale, &e) == CUTRU_OK && stale) {
			warm_end(warming);
			warming = NULL;
			warming_over = 0;
		}
	}
	if (warming_over)
		return 0;
	if (warming == NULL) {
		if (warm_begin(db, &warming, &e) != CUTRU_OK) {
			/* No plan, so nothing to compare: not again before
			 * the next login. */
			warming_over = 1;
			return 0;
		}
		warming_checked = now;
	}
	if (warm_step(warming, WARM_SLICE_US, &more, &e) == CUTRU_OK && more)
		return 1;
	warming_over = 1;
	return 0;
}

static int
console_exec(struct cli *cl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ "config", required_argument, NULL, CLI_OPT_FIRST_FREE },
		{ NULL, 0, NULL, 0 }
	};
	struct console con;
	struct cutru_err e;
	const char *path, *login, *config = NULL;
	int opt, status = CLI_EXIT_OK;

	while ((opt = cli_getopt(cl, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		if (opt == -2)
			return status;
		if (opt == CLI_OPT_FIRST_FREE)
			config = optarg;
	}
	if (optind != argc)
		return cli_usage_error(cl, _("'console' takes no operands."));
	memset(&con, 0, sizeof con);
	cutru_err_clear(&e);
	/* cutru.conf: a file that cannot be read as written stops the
	 * console before the terminal is taken (tui/conf.c says why). */
	if (conf_load(config, &con.conf, &e) != CUTRU_OK)
		return cli_fail(cl, &e);
	if (cli_store_path(cl, &path, &e) != CUTRU_OK)
		return cli_fail(cl, &e);
	snprintf(con.store, sizeof con.store, "%s", path);
	if (cli_login(cl, &login, &e) == CUTRU_OK)
		snprintf(con.login, sizeof con.login, "%s", login);
	lang_set(con.conf.language);
	if (con.conf.color == CONF_COLOR_NEVER)
		ui_term_colour_off();
	if (ui_term_start(&e) != CUTRU_OK)
		return cli_fail(cl, &e);
	ui_mgr_init(&con.ui, &con);
	con.ui.global_key = global_key;
	con.ui.idle_lock_ms = con.conf.idle_lock * 1000;
	con.ui.lock = console_lock;
	con.ui.relabel = console_title;
	con.ui.background = console_background;
	ui_push(&con.ui, &screen_login, NULL);
	ui_run(&con.ui);
	ui_term_stop();
	session_close(con.s);
	con.s = NULL;
	return CLI_EXIT_OK;
}

const struct cmd cmd_console = {
	"console", N_("[--config FILE]"),
	N_("open the console: the full-screen interface for officers and "
	    "supervisors"),
	console_exec, NULL
};
