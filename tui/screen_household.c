#include "config.h"

/* The household screen: a household of the register (register_household_
 * show(), localdb/register.h) - its number, address and head, the current
 * members with their relationship to the head, and its history (the
 * memberships that ended: former members, a head who handed over).  From
 * a member, Enter opens the person (and the procedures that start there);
 * p starts a procedure with that member as the applicant. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/i18n.h"
#include "localdb/register.h"
#include "localdb/search.h"
#include "localdb/session.h"
#include "tui/console.h"
#include "tui/print.h"
#include "tui/ui_lines.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"

/* Tags of the member lines: current members from 0, past ones from here. */
#define TAG_PAST 1000000L

struct household {
	char number[REGISTER_HOUSEHOLD_SIZE];
	struct register_household h;
	int loaded;
	struct ui_lines lines;
	struct search_result person;   /* the member opened */
	struct console_form_arg form;
	char ward_code[8];
	char ward_name[256];
};

static const char *
relationship(const char *rel)
{
	if (rel == NULL)
		return _("not recorded");
	return strcmp(rel, "head") == 0 ? _("head of household") : rel;
}

static void
member_line(struct household *hh, const struct register_member *m, long tag,
    int past)
{
	char dob[DATE_FMT_MAX], since[DATE_FMT_MAX], until[DATE_FMT_MAX];

	console_date(&m->dob, dob);
	console_iso_date(m->since, since, sizeof since);
	console_iso_date(m->until, until, sizeof until);
	if (past)
		ui_lines_add(&hh->lines, UI_NORMAL, 1, tag,
		    "%-12s %-10s %s · %s · %s – %s", m->id_number, dob,
		    m->name != NULL ? m->name : "",
		    relationship(m->relationship), since, until);
	else
		ui_lines_add(&hh->lines, UI_NORMAL, 1, tag,
		    "%-12s %-10s %-6s %s · %s · %s %s", m->id_number, dob,
		    console_sex(m->sex), m->name != NULL ? m->name : "",
		    relationship(m->relationship), _("since"), since);
}

static int
load(struct console *c, struct household *hh, struct cutru_err *e)
{
	const struct register_household *h = &hh->h;
	char date[DATE_FMT_MAX], date2[DATE_FMT_MAX];
	size_t i;
	int rc;

	if (hh->loaded)
		register_household_free(&hh->h);
	hh->loaded = 0;
	ui_lines_clear(&hh->lines);
	if ((rc = register_household_show(session_db(c->s), hh->number,
	    &hh->h, e)) != CUTRU_OK)
		return rc;
	hh->loaded = 1;
	ui_lines_add(&hh->lines, UI_HEADING, 0, -1, _("Household %s"),
	    h->number);
	ui_lines_add(&hh->lines, UI_NORMAL, 1, -1, _("Address: %s (%s)"),
	    h->address.detail != NULL ? h->address.detail : "",
	    h->address.commune);
	ui_lines_add(&hh->lines, UI_NORMAL, 1, -1, _("Head: %s %s"),
	    h->head_name != NULL ? h->head_name : "", h->head_id);
	console_iso_date(h->created, date, sizeof date);
	if (h->dissolved[0] != '\0') {
		console_iso_date(h->dissolved, date2, sizeof date2);
		ui_lines_add(&hh->lines, UI_ERROR, 1, -1,
		    _("Created %s; dissolved %s."), date, date2);
	} else
		ui_lines_add(&hh->lines, UI_NORMAL, 1, -1, _("Created %s."),
		    date);
	ui_lines_add(&hh->lines, UI_NORMAL, 0, -1, "%s", "");
	ui_lines_add(&hh->lines, UI_HEADING, 0, -1, _("Members (%zu)"),
	    h->n_members);
	for (i = 0; i < h->n_members; i++)
		member_line(hh, &h->members[i], (long)i, 0);
	if (h->n_members == 0)
		ui_lines_add(&hh->lines, UI_DIM, 1, -1, "%s",
		    _("No current members."));
	ui_lines_add(&hh->lines, UI_NORMAL, 0, -1, "%s", "");
	ui_lines_add(&hh->lines, UI_HEADING, 0, -1,
	    _("History: memberships that ended (%zu)"), h->n_past);
	for (i = 0; i < h->n_past; i++)
		member_line(hh, &h->past[i], TAG_PAST + (long)i, 1);
	if (h->n_past == 0)
		ui_lines_add(&hh->lines, UI_DIM, 1, -1, "%s", _("None."));
	return CUTRU_OK;
}

static int
household_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	const struct console_household_arg *a = arg;
	struct household *hh;
	struct register_person p;
	int rc;

	if (a == NULL || ((a->household == NULL || a->household[0] == '\0') &&
	    (a->id_number == NULL || a->id_number[0] == '\0')))
		return cutru_err_set(e, CUTRU_EINVAL, NULL, "%s",
		    _("Choose a household first."));
	if ((hh = calloc(1, sizeof *hh)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	ui_lines_init(&hh->lines);
	if (a->household != NULL && a->household[0] != '\0')
		snprintf(hh->number, sizeof hh->number, "%s", a->household);
	else {
		/* The household the person belongs to today. */
		if ((rc = register_person_show(session_db(c->s), a->id_number,
		    &p, e)) != CUTRU_OK)
			goto fail;
		if (p.household == NULL) {
			rc = cutru_err_set(e, CUTRU_ENOTFOUND, NULL,
			    _("%s belongs to no household of this ward."),
			    p.name);
			register_person_free(&p);
			goto fail;
		}
		snprintf(hh->number, sizeof hh->number, "%s",
		    p.household->household);
		register_person_free(&p);
	}
	if ((rc = load(c, hh, e)) != CUTRU_OK)
		goto fail;
	*state = hh;
	return CUTRU_OK;
fail:
	ui_lines_free(&hh->lines);
	free(hh);
	return rc;
}

static void
household_close(struct console *c, void *state)
{
	struct household *hh = state;

	(void)c;
	if (hh->loaded)
		register_household_free(&hh->h);
	ui_lines_free(&hh->lines);
	free(hh);
}

static void
household_resume(struct console *c, void *state)
{
	struct cutru_err e;

	cutru_err_clear(&e);
	if (load(c, state, &e) != CUTRU_OK)
		console_error(c, &e);
}

static void
household_draw(struct console *c, void *state, int y, int x, int rows,
    int cols, int *cy, int *cx)
{
	struct household *hh = state;

	(void)c;
	(void)cy;
	(void)cx;
	ui_lines_draw(&hh->lines, y + 1, x, rows - 2, cols);
	attrset(ui_attr(UI_DIM));
	ui_put(stdscr, y + rows - 1, x + 1, _("Enter: the person   p: start a "
	    "procedure for the member   c: print CT07   Esc: back"),
	    (size_t)-1, cols - 2);
	attrset(ui_attr(UI_NORMAL));
}

/* The selected member as a search result (the person screen's and the
 * form's argument); 0 when there is none. */
static int
selected_person(struct console *c, struct household *hh)
{
	const struct register_member *m;
	struct cutru_err e;
	long tag = ui_lines_selected(&hh->lines);
	size_t n = 0;

	if (tag < 0 || !hh->loaded)
		return 0;
	m = tag >= TAG_PAST ? &hh->h.past[tag - TAG_PAST] :
	    &hh->h.members[tag];
	cutru_err_clear(&e);
	if (search_persons(session_db(c->s), m->id_number, NULL, 1,
	    &hh->person, &n, &e) != CUTRU_OK) {
		console_error(c, &e);
		return 0;
	}
	if (n != 1) {
		ui_status(&c->ui, 1, _("%s is no longer in the register."),
		    m->id_number);
		return 0;
	}
	return 1;
}

static int
household_key(struct console *c, void *state, int key)
{
	struct household *hh = state;

	switch (key) {
	case UI_KEY_ENTER:
		if (selected_person(c, hh))
			ui_push(&c->ui, &screen_person, &hh->person);
		return 1;
	case 'p':
		if (selected_person(c, hh)) {
			memset(&hh->form, 0, sizeof hh->form);
			hh->form.person = &hh->person;
			ui_push(&c->ui, &screen_form, &hh->form);
		}
		return 1;
	case 'c':
		if (selected_person(c, hh))
			console_print(c, PRINT_CONFIRMATION,
			    hh->person.id_number);
		return 1;
	default:
		return ui_lines_key(&hh->lines, key);
	}
}

static const struct ui_fkey household_keys[] = {
	{ "Enter", N_("Person") },
	{ "p", N_("Procedure") },
	{ NULL, NULL }
};

const struct ui_screen screen_household = {
	"household",
	N_("Household"),
	N_("A household of the register: its address and head, the members "
	    "today with their relationship to the head, and the memberships "
	    "that ended.\n"
	    "Up and Down choose a member.  Enter: open the person (their "
	    "residences and the procedures to start).  p: start a procedure "
	    "with the member as the applicant.  c: print the member's latest "
	    "residence confirmation (CT07)."),
	household_open, household_close, household_draw, household_key,
	household_resume, NULL, household_keys
};
