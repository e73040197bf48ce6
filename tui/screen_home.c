#include "config.h"

/* The home screen: what to do next, the dossiers received today, those
 * awaiting a decision, those due soon or overdue by their statutory
 * deadline (localdb/dossier.h), where sync stands (the outbox, the last
 * contact with the registry, the rejected change sets needing attention:
 * sync/outbox.h and the sync client's state file), and the temporary
 * residences whose term ends soon (localdb/register.h).  Everything is read again whenever the screen
 * comes back on top. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/i18n.h"
#include "localdb/dossier.h"
#include "localdb/register.h"
#include "localdb/search.h"
#include "localdb/session.h"
#include "sync/client.h"
#include "sync/outbox.h"
#include "tui/console.h"
#include "tui/ui_list.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"

/* "Due soon": due within this many days from today. */
#define HOME_DUE_SOON_DAYS 2
/* Temporary residences listed when their term ends within this many
 * days (a renewal may be filed from 15 days before the end). */
#define HOME_EXPIRING_DAYS 30

enum row_kind {
	ROW_HEADING,
	ROW_NEW,
	ROW_SEARCH,
	ROW_QUEUE,
	ROW_DOSSIER,
	ROW_EXPIRING,
	ROW_TODAY,
	ROW_SYNC,
	ROW_NOTE
};

struct row {
	enum row_kind kind;
	const char *text;   /* headings and notes */
	size_t index;       /* ROW_DOSSIER: into list */
	int due_mark;       /* 0, 1 due soon, 2 overdue */
};

struct home {
	struct ui_list list;
	struct row *rows;
	size_t nrows, caprows;
	struct dossier *dossiers;
	size_t ndossiers;
	struct dossier *todays;      /* every dossier; ROW_TODAY indexes */
	size_t ntodays;
	struct register_expiring *expiring;
	size_t nexpiring;
	char sync_line[CUTRU_ERR_MSG_MAX + 64];
	int sync_alarm;              /* rejected items or a failed pass */
	struct search_result person;  /* the one opened from the list */
	char headings[5][128];
	char today[DATE_FMT_MAX];
	int rows_shown;
};

static int
add_row(struct home *h, enum row_kind kind, const char *text, size_t index,
    int due_mark)
{
	struct row *grown;

	if (h->nrows == h->caprows) {
		size_t cap = h->caprows != 0 ? h->caprows * 2 : 32;

		grown = realloc(h->rows, cap * sizeof *grown);
		if (grown == NULL)
			return -1;
		h->rows = grown;
		h->caprows = cap;
	}
	h->rows[h->nrows].kind = kind;
	h->rows[h->nrows].text = text;
	h->rows[h->nrows].index = index;
	h->rows[h->nrows].due_mark = due_mark;
	h->nrows++;
	return 0;
}

static int
row_selectable(void *arg, size_t i)
{
	struct home *h = arg;

	return h->rows[i].kind != ROW_HEADING && h->rows[i].kind != ROW_NOTE;
}

/* One line of where sync stands, into h->sync_line. */
static void
load_sync(struct console *c, struct home *h)
{
	struct outbox_status st;
	struct client_state cs;
	struct cutru_err e;
	char when[32];
	size_t to_send;

	cutru_err_clear(&e);
	memset(&st, 0, sizeof st);
	h->sync_alarm = 0;
	if (outbox_status(c->s, &st, &e) != CUTRU_OK) {
		snprintf(h->sync_line, sizeof h->sync_line, "%s", e.msg);
		h->sync_alarm = 1;
		return;
	}
	to_send = st.count[OUTBOX_SEALED] + st.count[OUTBOX_SENT] +
	    st.count[OUTBOX_EXPORTED] + st.count[OUTBOX_HELD] + st.unsealed;
	client_state_init(&cs);
	if (client_state_load(c->store, &cs, &e) != CUTRU_OK)
		client_state_init(&cs);
	console_time(cs.last_contact, when, sizeof when);
	snprintf(h->sync_line, sizeof h->sync_line, _("To send %zu · "
	    "rejected, needing attention %zu · last contact %s"), to_send,
	    st.count[OUTBOX_REJECTED], when);
	h->sync_alarm = st.count[OUTBOX_REJECTED] > 0 ||
	    (cs.last_attempt > 0 && cs.last_outcome != CLIENT_DONE);
}

static void
draw_row(void *arg, WINDOW *w, int y, int x, int cols, size_t i, int sel)
{
	struct home *h = arg;
	const struct row *r = &h->rows[i];
	const struct dossier *d;
	char line[512], due[DATE_FMT_MAX], recv[DATE_FMT_MAX];
	const char *mark;

	switch (r->kind) {
	case ROW_HEADING:
		wattrset(w, ui_attr(UI_HEADING));
		ui_put(w, y, x + 1, r->text, (size_t)-1, cols - 2);
		return;
	case ROW_NOTE:
		wattrset(w, ui_attr(UI_DIM));
		ui_put(w, y, x + 3, r->text, (size_t)-1, cols - 4);
		return;
	case ROW_NEW:
		ui_put(w, y, x + 3, _("n  File a new dossier"), (size_t)-1,
		    cols - 4);
		return;
	case ROW_SEARCH:
		ui_put(w, y, x + 3, _("s  Find a person (F3)"), (size_t)-1,
		    cols - 4);
		return;
	case ROW_QUEUE:
		ui_put(w, y, x + 3, _("a  Approval queue"), (size_t)-1,
		    cols - 4);
		return;
	case ROW_EXPIRING: {
		const struct register_expiring *xp = &h->expiring[r->index];

		console_iso_date(xp->to, due, sizeof due);
		if (xp->days_left < 0)
			snprintf(recv, sizeof recv, "%s", _("ended"));
		else
			snprintf(recv, sizeof recv, _("%ld d"), xp->days_left);
		snprintf(line, sizeof line, "%-12s %-10s %-8s", xp->id_number,
		    due, recv);
		ui_put(w, y, x + 3, line, (size_t)-1, cols - 4);
		snprintf(line, sizeof line, "%s · %s", xp->name, xp->detail);
		ui_put(w, y, x + 37, line, (size_t)-1, cols - 38);
		return;
	}
	case ROW_SYNC:
		if (h->sync_alarm && !sel)
			wattrset(w, ui_attr(UI_ERROR));
		ui_put(w, y, x + 3, h->sync_line, (size_t)-1, cols - 4);
		return;
	case ROW_TODAY:
		d = &h->todays[r->index];
		snprintf(line, sizeof line, "%-15s %s", d->number,
		    console_dossier_state(d->state));
		ui_put(w, y, x + 3, line, (size_t)-1, cols - 4);
		snprintf(line, sizeof line, "%s · %s", d->applicant_name !=
		    NULL ? d->applicant_name : "",
		    console_procedure_title(d->procedure));
		ui_put(w, y, x + 42, line, (size_t)-1, cols - 43);
		return;
	case ROW_DOSSIER:
		break;
	}
	d = &h->dossiers[r->index];
	console_iso_date(d->due, due, sizeof due);
	console_iso_date(d->received, recv, sizeof recv);
	mark = r->due_mark == 2 ? _("OVERDUE") : r->due_mark == 1 ?
	    _("due soon") : "";
	snprintf(line, sizeof line, "%-15s %-10s %-10s", d->number, recv, due);
	ui_put(w, y, x + 3, line, (size_t)-1, cols - 4);
	if (mark[0] != '\0') {
		if (!sel)
			wattrset(w, ui_attr(r->due_mark == 2 ? UI_ERROR :
			    UI_HEADING));
		ui_put(w, y, x + 42, mark, (size_t)-1, 10);
		wattrset(w, ui_attr(sel ? UI_SELECTED : UI_NORMAL));
	}
	snprintf(line, sizeof line, "%s · %s", d->applicant_name != NULL ?
	    d->applicant_name : "", console_procedure_title(d->procedure));
	ui_put(w, y, x + 53, line, (size_t)-1, cols - 54);
}

static void
load(struct console *c, struct home *h)
{
	struct cutru_err e;
	struct cutru_date today, soon;
	char soon_iso[DATE_FMT_MAX];
	size_t i, nsoon = 0, ntoday = 0;
	int mark;

	dossier_list_free(h->dossiers, h->ndossiers);
	h->dossiers = NULL;
	h->ndossiers = 0;
	h->nrows = 0;
	cutru_err_clear(&e);
	if (dossier_list(c->s, "awaiting", &h->dossiers, &h->ndossiers, &e) !=
	    CUTRU_OK)
		console_error(c, &e);
	h->today[0] = soon_iso[0] = '\0';
	if (console_today(&today, &e) == CUTRU_OK &&
	    date_add_days(&today, HOME_DUE_SOON_DAYS, &soon) == CUTRU_OK) {
		date_format_iso(&today, h->today, sizeof h->today);
		date_format_iso(&soon, soon_iso, sizeof soon_iso);
	}
	(void)add_row(h, ROW_HEADING, _("What to do"), 0, 0);
	(void)add_row(h, ROW_NEW, NULL, 0, 0);
	(void)add_row(h, ROW_SEARCH, NULL, 0, 0);
	(void)add_row(h, ROW_QUEUE, NULL, 0, 0);
	dossier_list_free(h->todays, h->ntodays);
	h->todays = NULL;
	h->ntodays = 0;
	if (dossier_list(c->s, NULL, &h->todays, &h->ntodays, &e) != CUTRU_OK)
		console_error(c, &e);
	for (i = 0; i < h->ntodays; i++)
		if (h->today[0] != '\0' &&
		    strcmp(h->todays[i].received, h->today) == 0)
			ntoday++;
	snprintf(h->headings[3], sizeof h->headings[3],
	    _("Received today (%zu)"), ntoday);
	(void)add_row(h, ROW_HEADING, h->headings[3], 0, 0);
	for (i = 0; i < h->ntodays; i++)
		if (h->today[0] != '\0' &&
		    strcmp(h->todays[i].received, h->today) == 0)
			(void)add_row(h, ROW_TODAY, NULL, i, 0);
	if (ntoday == 0)
		(void)add_row(h, ROW_NOTE, _("No dossier has been received "
		    "today."), 0, 0);
	for (i = 0; i < h->ndossiers; i++)
		if (soon_iso[0] != '\0' &&
		    strcmp(h->dossiers[i].due, soon_iso) <= 0)
			nsoon++;
	snprintf(h->headings[0], sizeof h->headings[0],
	    _("Due soon or overdue (%zu)"), nsoon);
	(void)add_row(h, ROW_HEADING, h->headings[0], 0, 0);
	for (i = 0; i < h->ndossiers; i++) {
		if (soon_iso[0] == '\0' ||
		    strcmp(h->dossiers[i].due, soon_iso) > 0)
			continue;
		mark = strcmp(h->dossiers[i].due, h->today) < 0 ? 2 : 1;
		(void)add_row(h, ROW_DOSSIER, NULL, i, mark);
	}
	if (nsoon == 0)
		(void)add_row(h, ROW_NOTE, _("Nothing is due in the next two "
		    "days."), 0, 0);
	snprintf(h->headings[1], sizeof h->headings[1],
	    _("Awaiting approval (%zu)"), h->ndossiers);
	(void)add_row(h, ROW_HEADING, h->headings[1], 0, 0);
	for (i = 0; i < h->ndossiers; i++) {
		mark = soon_iso[0] == '\0' ? 0 :
		    strcmp(h->dossiers[i].due, h->today) < 0 ? 2 :
		    strcmp(h->dossiers[i].due, soon_iso) <= 0 ? 1 : 0;
		(void)add_row(h, ROW_DOSSIER, NULL, i, mark);
	}
	if (h->ndossiers == 0)
		(void)add_row(h, ROW_NOTE, _("No dossier is awaiting "
		    "approval."), 0, 0);
	load_sync(c, h);
	snprintf(h->headings[4], sizeof h->headings[4], "%s",
	    _("Sync with the registry (F5)"));
	(void)add_row(h, ROW_HEADING, h->headings[4], 0, 0);
	(void)add_row(h, ROW_SYNC, NULL, 0, 0);
	register_expiring_free(h->expiring, h->nexpiring);
	h->expiring = NULL;
	h->nexpiring = 0;
	if (h->today[0] != '\0' && register_expiring(session_db(c->s),
	    &today, HOME_EXPIRING_DAYS, &h->expiring, &h->nexpiring, &e) !=
	    CUTRU_OK)
		console_error(c, &e);
	snprintf(h->headings[2], sizeof h->headings[2],
	    _("Temporary residences ending within %d days (%zu)"),
	    HOME_EXPIRING_DAYS, h->nexpiring);
	(void)add_row(h, ROW_HEADING, h->headings[2], 0, 0);
	for (i = 0; i < h->nexpiring; i++)
		(void)add_row(h, ROW_EXPIRING, NULL, i, 0);
	if (h->nexpiring == 0)
		(void)add_row(h, ROW_NOTE, _("None."), 0, 0);
	ui_list_set_count(&h->list, h->nrows);
}

static int
home_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	struct home *h;

	(void)arg;
	h = calloc(1, sizeof *h);
	if (h == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	h->list.selectable = row_selectable;
	h->list.draw_row = draw_row;
	h->list.arg = h;
	load(c, h);
	*state = h;
	return CUTRU_OK;
}

static void
home_close(struct console *c, void *state)
{
	struct home *h = state;

	(void)c;
	dossier_list_free(h->dossiers, h->ndossiers);
	dossier_list_free(h->todays, h->ntodays);
	register_expiring_free(h->expiring, h->nexpiring);
	free(h->rows);
	free(h);
}

static void
home_resume(struct console *c, void *state)
{
	load(c, state);
}

static void
home_draw(struct console *c, void *state, int y, int x, int rows, int cols,
    int *cy, int *cx)
{
	struct home *h = state;

	(void)c;
	(void)cy;
	(void)cx;
	h->rows_shown = rows - 1;
	ui_list_draw(&h->list, stdscr, y + 1, x, rows - 1, cols);
}

static void
open_row(struct console *c, struct home *h)
{
	static struct console_form_arg choose;
	const struct row *r;

	if (!ui_list_has_selection(&h->list))
		return;
	r = &h->rows[h->list.selected];
	switch (r->kind) {
	case ROW_NEW:
		memset(&choose, 0, sizeof choose);
		ui_push(&c->ui, &screen_form, &choose);
		break;
	case ROW_SEARCH:
		ui_push(&c->ui, &screen_search, NULL);
		break;
	case ROW_QUEUE:
		ui_push(&c->ui, &screen_queue, NULL);
		break;
	case ROW_DOSSIER:
		ui_push(&c->ui, &screen_queue,
		    h->dossiers[r->index].number);
		break;
	case ROW_TODAY:
		if (strcmp(h->todays[r->index].state, "awaiting") == 0)
			ui_push(&c->ui, &screen_queue,
			    h->todays[r->index].number);
		else
			ui_status(&c->ui, 0, _("Dossier %s: %s."),
			    h->todays[r->index].number,
			    console_dossier_state(h->todays[r->index].state));
		break;
	case ROW_SYNC:
		ui_push(&c->ui, &screen_sync, NULL);
		break;
	case ROW_EXPIRING: {
		struct cutru_err e;
		size_t n = 0;

		cutru_err_clear(&e);
		if (search_persons(session_db(c->s),
		    h->expiring[r->index].id_number, NULL, 1, &h->person, &n,
		    &e) != CUTRU_OK)
			console_error(c, &e);
		else if (n == 1)
			ui_push(&c->ui, &screen_person, &h->person);
		break;
	}
	default:
		break;
	}
}

static int
home_key(struct console *c, void *state, int key)
{
	struct home *h = state;
	size_t i;

	switch (key) {
	case UI_KEY_ENTER:
		open_row(c, h);
		return 1;
	case 'n': case 's': case '/': case 'a':
		for (i = 0; i < h->nrows; i++)
			if (h->rows[i].kind == (key == 'n' ? ROW_NEW :
			    key == 'a' ? ROW_QUEUE : ROW_SEARCH)) {
				h->list.selected = i;
				open_row(c, h);
			}
		return 1;
	case 'r':
		load(c, h);
		return 1;
	case 'd':
		ui_push(&c->ui, &screen_drafts, NULL);
		return 1;
	case 'j':
		ui_push(&c->ui, &screen_audit, NULL);
		return 1;
	case 't':
		ui_push(&c->ui, &screen_reports, NULL);
		return 1;
	case 'o':
		ui_push(&c->ui, &screen_officers, NULL);
		return 1;
	case UI_KEY_ESC:
		return 1; /* the first screen: F10 quits */
	default:
		return ui_list_key(&h->list, key, h->rows_shown) >= 0;
	}
}

static const struct ui_fkey home_keys[] = {
	{ "Enter", N_("Open") },
	{ NULL, NULL }
};

const struct ui_screen screen_home = {
	"home",
	N_("Home"),
	N_("What to do next; the dossiers received today, those due soon or "
	    "overdue and those awaiting a decision; where sync stands (what "
	    "is still to send, the change sets the registry rejected, the "
	    "last contact); the temporary residences ending soon.\n"
	    "n: file a new dossier.  s or F3: find a person.  a: the approval "
	    "queue.  r: read the lists again.  d: your drafts (forms left "
	    "unfinished).\n"
	    "j: the journal (audit).  t: reports.  o: officer accounts.  "
	    "F5: sync.\n"
	    "Enter on a dossier shows it in the approval queue; on the sync "
	    "line, the sync screen; on a temporary residence, the person (to "
	    "file the extension)."),
	home_open, home_close, home_draw, home_key, home_resume, NULL,
	home_keys
};
