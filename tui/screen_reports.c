#include "config.h"

/* The reports screen: the register today (persons, households, active
 * residences by kind), the dossiers by state and by procedure, the
 * dossiers received month by month, and the temporary residences whose
 * term ends soon.  The counting is the library's (register_report(),
 * register_expiring(), localdb/register.h), as for `cutru report` and
 * `cutru expiring`. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/i18n.h"
#include "core/procedure.h"
#include "localdb/register.h"
#include "localdb/session.h"
#include "tui/console.h"
#include "tui/ui_lines.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"

/* The look-ahead for expiring residences, changed with d. */
static const int reports_days[] = { 30, 60, 90 };
#define REPORTS_NDAYS (sizeof reports_days / sizeof reports_days[0])

struct reports {
	struct ui_lines lines;
	size_t days;   /* index into reports_days */
};

/* The seven states as short column headings, in register_dossier_states
 * order. */
static const char *
state_title(size_t i)
{
	static const char *const t[REGISTER_N_STATES] = {
		N_("await"), N_("apprv"), N_("retrn"), N_("refus"),
		N_("sent"), N_("accpt"), N_("rejct")
	};

	return i < REGISTER_N_STATES ? _(t[i]) : "";
}

/* s cut to cols columns at a character boundary and padded with blanks
 * to cols, into out. */
static void
pad_cols(char *out, size_t size, const char *s, int cols)
{
	int w = 0;
	size_t n = ui_fit(s, strlen(s), cols, &w);

	snprintf(out, size, "%.*s%*s", (int)n, s, cols - w > 0 ? cols - w :
	    0, "");
}

static void
counts_line(struct reports *r, int role, const char *label,
    const struct register_counts *c)
{
	char line[512], first[256];
	size_t i, off;
	int w;

	pad_cols(first, sizeof first, label, 30);
	w = snprintf(line, sizeof line, "%s %6zu", first, c->total);
	off = w > 0 ? (size_t)w : 0;
	for (i = 0; i < REGISTER_N_STATES && off < sizeof line; i++) {
		w = snprintf(line + off, sizeof line - off, " %5zu",
		    c->state[i]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	ui_lines_add(&r->lines, role, 1, -1, "%s", line);
}

static void
counts_heading(struct reports *r, const char *first)
{
	char line[512], col[256];
	size_t i, off;
	int w;

	pad_cols(col, sizeof col, first, 30);
	w = snprintf(line, sizeof line, "%s %6s", col, _("total"));
	off = w > 0 ? (size_t)w : 0;
	for (i = 0; i < REGISTER_N_STATES && off < sizeof line; i++) {
		pad_cols(col, sizeof col, state_title(i), 5);
		w = snprintf(line + off, sizeof line - off, " %s", col);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	ui_lines_add(&r->lines, UI_HEADING, 1, -1, "%s", line);
}

static void
load(struct console *c, struct reports *r)
{
	struct register_report rep;
	struct register_expiring *x = NULL;
	struct cutru_date today;
	struct cutru_err e;
	char date[DATE_FMT_MAX];
	size_t i, n = 0;
	int days = reports_days[r->days];

	ui_lines_clear(&r->lines);
	cutru_err_clear(&e);
	memset(&rep, 0, sizeof rep);
	if (register_report(session_db(c->s), NULL, NULL,
	    REGISTER_PERIOD_MONTH, &rep, &e) != CUTRU_OK) {
		ui_lines_add(&r->lines, UI_ERROR, 0, -1, "%s", e.msg);
		return;
	}
	ui_lines_add(&r->lines, UI_HEADING, 0, -1, "%s",
	    _("The register today"));
	ui_lines_add(&r->lines, UI_NORMAL, 1, -1, _("Persons: %zu   "
	    "Households: %zu"), rep.persons, rep.households);
	ui_lines_add(&r->lines, UI_NORMAL, 1, -1, _("Active residences: %zu "
	    "permanent, %zu temporary, %zu declared places of living"),
	    rep.permanent, rep.temporary, rep.current);
	ui_lines_add(&r->lines, UI_NORMAL, 0, -1, "%s", "");
	ui_lines_add(&r->lines, UI_HEADING, 0, -1, "%s",
	    _("Dossiers by procedure and state"));
	counts_heading(r, _("Procedure"));
	for (i = 0; i < rep.n_procedures; i++)
		if (rep.procedures[i].total > 0)
			counts_line(r, UI_NORMAL, console_procedure_title(
			    rep.procedures[i].key), &rep.procedures[i]);
	counts_line(r, UI_GOOD, _("All procedures"), &rep.all);
	ui_lines_add(&r->lines, UI_NORMAL, 0, -1, "%s", "");
	ui_lines_add(&r->lines, UI_HEADING, 0, -1, "%s",
	    _("Dossiers received, by month"));
	counts_heading(r, _("Month"));
	for (i = 0; i < rep.n_periods; i++)
		counts_line(r, UI_NORMAL, rep.periods[i].key,
		    &rep.periods[i]);
	if (rep.n_periods == 0)
		ui_lines_add(&r->lines, UI_DIM, 1, -1, "%s",
		    _("No dossier has been received yet."));
	register_report_free(&rep);
	ui_lines_add(&r->lines, UI_NORMAL, 0, -1, "%s", "");
	if (console_today(&today, &e) != CUTRU_OK ||
	    register_expiring(session_db(c->s), &today, days, &x, &n, &e) !=
	    CUTRU_OK) {
		ui_lines_add(&r->lines, UI_ERROR, 0, -1, "%s", e.msg);
		return;
	}
	ui_lines_add(&r->lines, UI_HEADING, 0, -1, _("Temporary residences "
	    "ending within %d days (%zu)"), days, n);
	for (i = 0; i < n; i++) {
		console_iso_date(x[i].to, date, sizeof date);
		if (x[i].days_left < 0)
			ui_lines_add(&r->lines, UI_ERROR, 1, -1, _("%s  ended "
			    "%ld days ago  %-12s %s · %s"), date,
			    -x[i].days_left, x[i].id_number, x[i].name,
			    x[i].detail);
		else
			ui_lines_add(&r->lines, UI_NORMAL, 1, -1, _("%s  in %3ld "
			    "days  %-12s %s · %s"), date, x[i].days_left,
			    x[i].id_number, x[i].name, x[i].detail);
	}
	if (n == 0)
		ui_lines_add(&r->lines, UI_DIM, 1, -1, "%s", _("None."));
	register_expiring_free(x, n);
}

static int
reports_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	struct reports *r;

	(void)arg;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	ui_lines_init(&r->lines);
	load(c, r);
	*state = r;
	return CUTRU_OK;
}

static void
reports_close(struct console *c, void *state)
{
	struct reports *r = state;

	(void)c;
	ui_lines_free(&r->lines);
	free(r);
}

static void
reports_resume(struct console *c, void *state)
{
	load(c, state);
}

static void
reports_draw(struct console *c, void *state, int y, int x, int rows,
    int cols, int *cy, int *cx)
{
	struct reports *r = state;

	(void)c;
	(void)cy;
	(void)cx;
	ui_lines_draw(&r->lines, y + 1, x, rows - 1, cols);
}

static int
reports_key(struct console *c, void *state, int key)
{
	struct reports *r = state;

	switch (key) {
	case 'd':
		r->days = (r->days + 1) % REPORTS_NDAYS;
		load(c, r);
		return 1;
	case 'r':
		load(c, r);
		return 1;
	default:
		return ui_lines_key(&r->lines, key);
	}
}

static const struct ui_fkey reports_keys[] = {
	{ "d", N_("Days") },
	{ "r", N_("Reload") },
	{ NULL, NULL }
};

const struct ui_screen screen_reports = {
	"reports",
	N_("Reports"),
	N_("Counts of the register today (persons, households, residences "
	    "by kind), of the dossiers by procedure and state, and month by "
	    "month; then the temporary residences whose term ends soon.\n"
	    "States: await(ing), appr(o)v(ed), ret(u)rn(ed), refus(ed), sent, "
	    "acc(e)pt(ed) and rej(e)ct(ed) by the registry.\n"
	    "Up, Down, PgUp, PgDn: scroll.  d: look 30, 60 or 90 days "
	    "ahead.  r: count again."),
	reports_open, reports_close, reports_draw, reports_key,
	reports_resume, NULL, reports_keys
};
