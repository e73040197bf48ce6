#include "config.h"

/* The drafts screen: the forms this officer left unfinished (the console
 * crashed or lost power, the idle lock closed them, or the officer left
 * with Esc or F10), offered right after logging in and from the home
 * screen (d).  For each: resume it (the form comes back with every value
 * and the cursor on the field it was on), discard it (asked twice: it
 * cannot be undone), or leave it for later (Esc).  Drafts are read from
 * the store (localdb/draft.h); another officer's are never listed. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/i18n.h"
#include "core/procedure.h"
#include "localdb/draft.h"
#include "tui/console.h"
#include "tui/ui_list.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"

/* Vietnam's clock: UTC+7, no summer time. */
#define VN_OFFSET (7 * 3600)

struct drafts_row {
	struct draft d;
	char who[128];     /* the applicant's name as typed, or "" */
	char when[32];     /* "14:05 30/11/2026" */
};

struct drafts {
	struct ui_list list;
	struct drafts_row *rows;
	size_t n;
	int rows_shown;
	int confirm;       /* the selected draft is to be discarded on 'd' */
};

/* The name typed for the applicant (or, failing that, for the first
 * person of the form), from the draft's values. */
static void
draft_who(const struct draft *d, char *buf, size_t size)
{
	cJSON *root, *values, *v;

	buf[0] = '\0';
	root = cJSON_ParseWithLength(d->fields, d->fields_len);
	values = cJSON_GetObjectItemCaseSensitive(root, "values");
	v = cJSON_GetObjectItemCaseSensitive(values, "applicant.name");
	if (!cJSON_IsString(v)) {
		v = NULL;
		cJSON_ArrayForEach(v, values) {
			size_t kl = v->string != NULL ? strlen(v->string) : 0;

			if (kl >= 5 && strcmp(v->string + kl - 5, ".name") ==
			    0 && cJSON_IsString(v))
				break;
		}
	}
	if (cJSON_IsString(v))
		snprintf(buf, size, "%s", v->valuestring);
	cJSON_Delete(root);
}

static void
free_rows(struct drafts *ds)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		draft_free(&ds->rows[i].d);
	free(ds->rows);
	ds->rows = NULL;
	ds->n = 0;
}

static int
load(struct console *c, struct drafts *ds, struct cutru_err *e)
{
	struct draft *list = NULL;
	struct tm tm;
	time_t t;
	size_t n = 0, i;
	int rc;

	free_rows(ds);
	if ((rc = draft_list(c->s, &list, &n, e)) != CUTRU_OK)
		return rc;
	if (n > 0 && (ds->rows = calloc(n, sizeof *ds->rows)) == NULL) {
		draft_list_free(list, n);
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	}
	for (i = 0; i < n; i++) {
		struct drafts_row *r = &ds->rows[ds->n];

		/* Whole, for the name; one that went away meanwhile (another
		 * console of the same officer) is left out. */
		if (draft_get(c->s, list[i].id, &r->d, NULL) != CUTRU_OK)
			continue;
		draft_who(&r->d, r->who, sizeof r->who);
		/* The typed values are not kept longer than needed. */
		draft_free(&r->d);
		t = r->d.updated + VN_OFFSET;
		if (gmtime_r(&t, &tm) != NULL)
			strftime(r->when, sizeof r->when, "%H:%M %d/%m/%Y",
			    &tm);
		ds->n++;
	}
	draft_list_free(list, n);
	ui_list_set_count(&ds->list, ds->n);
	ds->confirm = 0;
	return CUTRU_OK;
}

static void
draw_row(void *arg, WINDOW *w, int y, int x, int cols, size_t i, int sel)
{
	struct drafts *ds = arg;
	const struct drafts_row *r = &ds->rows[i];
	const struct procedure *p = procedure_find(r->d.procedure);
	char line[512];

	(void)sel;
	snprintf(line, sizeof line, "%-16s %-10s %-5s %s", r->when,
	    p != NULL ? p->code : "", p != NULL && p->form != NULL ? p->form :
	    "", console_procedure_title(r->d.procedure));
	ui_put(w, y, x + 2, line, (size_t)-1, cols - 3);
	if (r->who[0] != '\0' && cols > 80) {
		snprintf(line, sizeof line, "· %s", r->who);
		ui_put(w, y, x + 80, line, (size_t)-1, cols - 81);
	}
}

static int
drafts_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	struct drafts *ds;

	(void)arg;
	ds = calloc(1, sizeof *ds);
	if (ds == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	ds->list.draw_row = draw_row;
	ds->list.arg = ds;
	if (load(c, ds, e) != CUTRU_OK) {
		free(ds);
		return e != NULL ? e->code : CUTRU_EIO;
	}
	*state = ds;
	return CUTRU_OK;
}

static void
drafts_close(struct console *c, void *state)
{
	struct drafts *ds = state;

	(void)c;
	free_rows(ds);
	free(ds);
}

static void
drafts_resume(struct console *c, void *state)
{
	struct cutru_err e;

	cutru_err_clear(&e);
	if (load(c, state, &e) != CUTRU_OK)
		console_error(c, &e);
}

static void
drafts_draw(struct console *c, void *state, int y, int x, int rows,
    int cols, int *cy, int *cx)
{
	struct drafts *ds = state;
	const struct drafts_row *r;
	char line[256];

	(void)c;
	(void)cy;
	(void)cx;
	attrset(ui_attr(UI_HEADING));
	snprintf(line, sizeof line, _("Unfinished forms kept as drafts (%zu)"),
	    ds->n);
	ui_put(stdscr, y + 1, x + 1, line, (size_t)-1, cols - 2);
	attrset(ui_attr(UI_DIM));
	ui_put(stdscr, y + 2, x + 1, _("Enter: resume the form.  d: discard "
	    "it.  Esc: later (d on the home screen brings this list back)."),
	    (size_t)-1, cols - 2);
	attrset(ui_attr(UI_NORMAL));
	if (ds->n == 0) {
		attrset(ui_attr(UI_DIM));
		ui_put(stdscr, y + 4, x + 3, _("No form is kept as a draft."),
		    (size_t)-1, cols - 4);
		attrset(ui_attr(UI_NORMAL));
		return;
	}
	/* The applicant of the selected draft, on its own line: the list's
	 * column for it only fits wide terminals. */
	ds->rows_shown = rows - 6;
	ui_list_draw(&ds->list, stdscr, y + 4, x, rows - 6, cols);
	if (ui_list_has_selection(&ds->list)) {
		r = &ds->rows[ds->list.selected];
		snprintf(line, sizeof line, _("Applicant: %s"), r->who[0] !=
		    '\0' ? r->who : _("not typed yet"));
		ui_put(stdscr, y + rows - 1, x + 1, line, (size_t)-1,
		    cols - 2);
	}
}

static int
drafts_key(struct console *c, void *state, int key)
{
	static struct console_form_arg resume;
	struct drafts *ds = state;
	struct drafts_row *r;
	struct cutru_err e;
	int confirm = ds->confirm;

	ds->confirm = 0;
	if (key == UI_KEY_ESC || key == 'l') {
		ui_pop(&c->ui);
		return 1;
	}
	if (!ui_list_has_selection(&ds->list))
		return ui_list_key(&ds->list, key, ds->rows_shown) >= 0;
	r = &ds->rows[ds->list.selected];
	switch (key) {
	case UI_KEY_ENTER:
	case 'r':
		memset(&resume, 0, sizeof resume);
		resume.draft = r->d.id;
		ui_pop(&c->ui);
		ui_push(&c->ui, &screen_form, &resume);
		return 1;
	case 'd':
	case UI_KEY_DELETE:
		if (!confirm) {
			ds->confirm = 1;
			ui_status(&c->ui, 1, _("Press d again to discard the "
			    "draft of %s (%s); it cannot be undone. Any other "
			    "key keeps it."), console_procedure_title(
			    r->d.procedure), r->when);
			return 1;
		}
		cutru_err_clear(&e);
		if (draft_delete(c->s, r->d.id, &e) != CUTRU_OK &&
		    e.code != CUTRU_ENOTFOUND) {
			console_error(c, &e);
			return 1;
		}
		ui_status(&c->ui, 0, "%s", _("The draft was discarded."));
		if (load(c, ds, &e) != CUTRU_OK)
			console_error(c, &e);
		return 1;
	default:
		return ui_list_key(&ds->list, key, ds->rows_shown) >= 0;
	}
}

static const struct ui_fkey drafts_keys[] = {
	{ "Enter", N_("Resume") },
	{ "d", N_("Discard") },
	{ "Esc", N_("Later") },
	{ NULL, NULL }
};

const struct ui_screen screen_drafts = {
	"drafts",
	N_("Drafts"),
	N_("Forms you left unfinished are kept in the store as drafts: after "
	    "a power cut, a crash, the idle lock, or Esc on a form.  Only you "
	    "see your drafts.\n"
	    "Enter: resume the selected form where you left it.  d twice: "
	    "discard it.  Esc: later; d on the home screen shows this list "
	    "again.  Filing a form deletes its draft."),
	drafts_open, drafts_close, drafts_draw, drafts_key, drafts_resume,
	NULL, drafts_keys
};
