#include "config.h"

/* The person screen: who the person is and where they live, as the
 * search found them, and the procedures that can be started for them
 * (the person fills the applicant of the form). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/i18n.h"
#include "core/procedure.h"
#include "localdb/search.h"
#include "tui/console.h"
#include "tui/ui_list.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"

struct person {
	struct search_result r;
	struct ui_list list;
	int rows_shown;
	struct console_form_arg arg;
};

static void
draw_row(void *arg, WINDOW *w, int y, int x, int cols, size_t i, int sel)
{
	char line[256];

	(void)arg;
	(void)sel;
	snprintf(line, sizeof line, "%-10s %s", procedures[i].code,
	    _(procedures[i].title));
	ui_put(w, y, x + 3, line, (size_t)-1, cols - 4);
}

static int
person_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	struct person *p;

	(void)c;
	if (arg == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL, "%s",
		    _("Choose a person first."));
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	memcpy(&p->r, arg, sizeof p->r);
	p->list.draw_row = draw_row;
	p->list.arg = p;
	ui_list_set_count(&p->list, procedure_count());
	*state = p;
	return CUTRU_OK;
}

static void
person_close(struct console *c, void *state)
{
	(void)c;
	free(state);
}

static int
field_line(int y, int x, int cols, const char *label, const char *value)
{
	int lw;

	attrset(ui_attr(UI_DIM));
	lw = ui_put(stdscr, y, x, label, (size_t)-1, 22);
	(void)lw;
	attrset(ui_attr(UI_NORMAL));
	ui_put(stdscr, y, x + 22, value, (size_t)-1, cols - 23);
	return y + 1;
}

static void
person_draw(struct console *c, void *state, int y, int x, int rows, int cols,
    int *cy, int *cx)
{
	struct person *p = state;
	char dob[DATE_FMT_MAX], where[SEARCH_ADDRESS_SIZE + 64];
	int row = y + 1;

	(void)c;
	(void)cy;
	(void)cx;
	attrset(ui_attr(UI_HEADING));
	ui_put(stdscr, row++, x + 1, p->r.name, (size_t)-1, cols - 2);
	attrset(ui_attr(UI_NORMAL));
	console_date(&p->r.dob, dob);
	row = field_line(row, x + 3, cols - 3, _("Date of birth"), dob);
	row = field_line(row, x + 3, cols - 3, _("Sex"),
	    console_sex(p->r.sex));
	row = field_line(row, x + 3, cols - 3, _("Personal ID number"),
	    p->r.id_number[0] != '\0' ? p->r.id_number : _("not recorded"));
	if (p->r.cmnd[0] != '\0')
		row = field_line(row, x + 3, cols - 3, _("Old CMND number"),
		    p->r.cmnd);
	if (p->r.state == SEARCH_STATE_NONE)
		snprintf(where, sizeof where, "%s",
		    _("no active residence in this ward"));
	else
		snprintf(where, sizeof where, "%s: %s (%s)",
		    console_state(p->r.state), p->r.address,
		    p->r.commune_code);
	row = field_line(row, x + 3, cols - 3, _("Residence"), where);
	row++;
	attrset(ui_attr(UI_HEADING));
	ui_put(stdscr, row++, x + 1, _("Start a procedure for this person"),
	    (size_t)-1, cols - 2);
	attrset(ui_attr(UI_NORMAL));
	p->rows_shown = y + rows - row;
	ui_list_draw(&p->list, stdscr, row, x, y + rows - row, cols);
}

static int
person_key(struct console *c, void *state, int key)
{
	struct person *p = state;

	if (key == 'h') {
		static struct console_household_arg h;

		h.household = NULL;
		h.id_number = p->r.id_number;
		ui_push(&c->ui, &screen_household, &h);
		return 1;
	}
	if (key == 'c' || key == 'v') {
		console_print(c, key == 'c' ? PRINT_CONFIRMATION :
		    PRINT_ABSENCE, p->r.id_number);
		return 1;
	}
	if (key == UI_KEY_ENTER) {
		if (!ui_list_has_selection(&p->list))
			return 1;
		p->arg.procedure = procedures[p->list.selected].id;
		p->arg.person = &p->r;
		ui_push(&c->ui, &screen_form, &p->arg);
		return 1;
	}
	return ui_list_key(&p->list, key, p->rows_shown) >= 0;
}

static const struct ui_fkey person_keys[] = {
	{ "Enter", N_("Start") },
	{ NULL, NULL }
};

const struct ui_screen screen_person = {
	"person",
	N_("Person"),
	N_("The person's identity and residence in this ward.\n"
	    "Choose a procedure and press Enter to file a dossier for this "
	    "person: the form starts with what the register already holds.\n"
	    "h: the person's household.  c: print their latest residence "
	    "confirmation (CT07).  v: print their latest absence slip "
	    "(CT03).  The documents go to the export folder."),
	person_open, person_close, person_draw, person_key, NULL, NULL,
	person_keys
};
