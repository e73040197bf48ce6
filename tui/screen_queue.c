#include "config.h"

/* The approval queue: the dossiers awaiting a decision, soonest due
 * first; a dossier's detail shows the request and exactly the events that
 * approving it today would apply (dossier_show(), localdb/dossier.h).  A
 * supervisor approves (typing their passphrase again: it opens the key
 * that signs), returns the dossier for completion (CT05) or refuses it
 * (CT06) with a reason.  Who may decide is the library's rule; the
 * screen shows its refusal. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/i18n.h"
#include "localdb/dossier.h"
#include "sync/outbox.h"
#include "tui/console.h"
#include "tui/ui_lines.h"
#include "tui/ui_list.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"
#include "tui/ui_text.h"

#define QUEUE_PASSPHRASE_MAX 1024
#define QUEUE_REASON_MAX_BYTES (DOSSIER_REASON_MAX * 4)

enum mode {
	MODE_LIST,
	MODE_DETAIL,
	MODE_APPROVE,  /* asking for the passphrase */
	MODE_RETURN,   /* asking for the reason */
	MODE_REFUSE
};

struct queue {
	enum mode mode;
	struct ui_list list;
	struct dossier *dossiers;
	size_t n;
	int rows_shown;
	/* The detail. */
	char number[DOSSIER_NUMBER_MAX];
	struct ui_lines detail;
	/* The prompt. */
	struct ui_text pass, reason;
	char prompt_msg[CUTRU_ERR_MSG_MAX];
};

static void
draw_row(void *arg, WINDOW *w, int y, int x, int cols, size_t i, int sel)
{
	struct queue *q = arg;
	const struct dossier *d = &q->dossiers[i];
	char line[512], due[DATE_FMT_MAX], recv[DATE_FMT_MAX];

	(void)sel;
	console_iso_date(d->due, due, sizeof due);
	console_iso_date(d->received, recv, sizeof recv);
	snprintf(line, sizeof line, "%-15s %-10s %-10s %-8s", d->number,
	    recv, due, d->officer);
	ui_put(w, y, x + 1, line, (size_t)-1, cols - 2);
	snprintf(line, sizeof line, "%s · %s", d->applicant_name != NULL ?
	    d->applicant_name : "", console_procedure_title(d->procedure));
	ui_put(w, y, x + 48, line, (size_t)-1, cols - 49);
}

static void
load(struct console *c, struct queue *q)
{
	struct cutru_err e;

	dossier_list_free(q->dossiers, q->n);
	q->dossiers = NULL;
	q->n = 0;
	cutru_err_clear(&e);
	if (dossier_list(c->s, "awaiting", &q->dossiers, &q->n, &e) !=
	    CUTRU_OK)
		console_error(c, &e);
	ui_list_set_count(&q->list, q->n);
}

/* Empty the detail, scrolled back to its top for the next dossier. */
static void
free_lines(struct queue *q)
{
	ui_lines_clear(&q->detail);
	q->detail.list.top = 0;
}

/* One line per value of a JSON document, "key: value", nested values
 * indented under their key. */
static void
add_json(struct queue *q, const cJSON *v, const char *key, int indent)
{
	const cJSON *ch;
	char *text;
	int i = 0;

	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		if (key != NULL)
			ui_lines_add(&q->detail, UI_NORMAL, indent, -1, "%s:", key);
		cJSON_ArrayForEach(ch, v) {
			char idx[16];

			if (cJSON_IsArray(v)) {
				snprintf(idx, sizeof idx, "%d.", ++i);
				add_json(q, ch, idx, indent + 1);
			} else
				add_json(q, ch, ch->string, indent + 1);
		}
		return;
	}
	if (cJSON_IsString(v))
		ui_lines_add(&q->detail, UI_NORMAL, indent, -1, "%s: %s", key != NULL ? key : "",
		    v->valuestring);
	else {
		text = cJSON_PrintUnformatted(v);
		ui_lines_add(&q->detail, UI_NORMAL, indent, -1, "%s: %s", key != NULL ? key : "",
		    text != NULL ? text : "");
		cJSON_free(text);
	}
}

static const char *
event_title(const char *type)
{
	static const struct {
		const char *type, *title;
	} titles[] = {
		{ "person.upserted", N_("Person's identity recorded") },
		{ "household.created", N_("New household") },
		{ "household.member_added", N_("Joins a household") },
		{ "household.member_removed", N_("Leaves a household") },
		{ "household.head_changed", N_("New head of household") },
		{ "residence.opened", N_("Residence begins") },
		{ "residence.extended", N_("Temporary residence extended") },
		{ "residence.closed", N_("Residence deleted") },
		{ "stay.recorded", N_("Notice of stay recorded") },
		{ "absence.recorded", N_("Absence recorded") },
		{ "confirmation.issued", N_("Residence confirmation issued") },
		{ "identity.corrected", N_("Identity corrected") }
	};
	size_t i;

	for (i = 0; type != NULL && i < sizeof titles / sizeof titles[0];
	    i++)
		if (strcmp(titles[i].type, type) == 0)
			return _(titles[i].title);
	return type != NULL ? type : "?";
}

static int
open_detail(struct console *c, struct queue *q, const char *number)
{
	struct dossier d;
	struct cutru_err e;
	const cJSON *ev;
	char due[DATE_FMT_MAX], recv[DATE_FMT_MAX];
	int i = 0;

	memset(&d, 0, sizeof d);
	cutru_err_clear(&e);
	if (dossier_show(c->s, number, console_now(), &d, &e) != CUTRU_OK) {
		console_error(c, &e);
		return -1;
	}
	free_lines(q);
	snprintf(q->number, sizeof q->number, "%s", d.number);
	console_iso_date(d.due, due, sizeof due);
	console_iso_date(d.received, recv, sizeof recv);
	ui_lines_add(&q->detail, UI_HEADING, 0, -1, _("Dossier %s: %s"), d.number,
	    console_procedure_title(d.procedure));
	ui_lines_add(&q->detail, UI_NORMAL, 1, -1, _("Applicant: %s %s"),
	    d.applicant_name != NULL ? d.applicant_name : "",
	    d.applicant_id);
	ui_lines_add(&q->detail, UI_NORMAL, 1, -1, _("Received %s by %s; due %s (%s)."), recv,
	    d.officer, due, d.due_session == HOLIDAY_MORNING ?
	    _("by the end of the morning") : _("by the end of the day"));
	ui_lines_add(&q->detail, UI_NORMAL, 1, -1, _("State: %s"), d.state);
	if (d.reason != NULL)
		ui_lines_add(&q->detail, UI_NORMAL, 1, -1, _("Reason: %s"), d.reason);
	ui_lines_add(&q->detail, UI_NORMAL, 0, -1, "%s", "");
	if (strcmp(d.state, "awaiting") == 0)
		ui_lines_add(&q->detail, UI_HEADING, 0, -1, "%s", d.events_as_of[0] != '\0' ?
		    _("What approving it today will change in the register:") :
		    _("What the dossier would change in the register:"));
	else
		ui_lines_add(&q->detail, UI_HEADING, 0, -1, "%s",
		    _("What the dossier changed or would have changed:"));
	if (d.events_problem.code != CUTRU_OK)
		ui_lines_add(&q->detail, UI_ERROR, 1, -1, _("Approval would be refused today: "
		    "%s"), d.events_problem.msg);
	cJSON_ArrayForEach(ev, d.events) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev,
		    "type");
		const cJSON *data = cJSON_GetObjectItemCaseSensitive(ev,
		    "data");
		const cJSON *m;

		ui_lines_add(&q->detail, UI_GOOD, 1, -1, "%d. %s", ++i,
		    event_title(cJSON_IsString(type) ? type->valuestring :
		    NULL));
		cJSON_ArrayForEach(m, data)
			add_json(q, m, m->string, 3);
	}
	ui_lines_add(&q->detail, UI_NORMAL, 0, -1, "%s", "");
	ui_lines_add(&q->detail, UI_HEADING, 0, -1, "%s", _("The request as received:"));
	{
		const cJSON *m;

		cJSON_ArrayForEach(m, d.request)
			add_json(q, m, m->string, 1);
	}
	dossier_free(&d);
	q->mode = MODE_DETAIL;
	return 0;
}

static int
queue_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	struct queue *q;

	q = calloc(1, sizeof *q);
	if (q == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	if (ui_text_init(&q->pass, QUEUE_PASSPHRASE_MAX, 1, e) != CUTRU_OK ||
	    ui_text_init(&q->reason, QUEUE_REASON_MAX_BYTES, 0, e) !=
	    CUTRU_OK) {
		ui_text_free(&q->pass);
		free(q);
		return e->code;
	}
	q->list.draw_row = draw_row;
	ui_lines_init(&q->detail);
	q->list.arg = q;
	load(c, q);
	if (arg != NULL)
		(void)open_detail(c, q, arg);
	*state = q;
	return CUTRU_OK;
}

static void
queue_close(struct console *c, void *state)
{
	struct queue *q = state;

	(void)c;
	ui_lines_free(&q->detail);
	ui_text_free(&q->pass);
	ui_text_free(&q->reason);
	dossier_list_free(q->dossiers, q->n);
	free(q);
}

static void
draw_prompt(struct queue *q, int *cy, int *cx)
{
	const char *title, *label;
	struct ui_text *t;
	int y, x, cols = 70, lw, w, row;
	size_t off, len, n;

	if (q->mode == MODE_APPROVE) {
		title = _("Approve and sign");
		label = _("Your passphrase:");
		t = &q->pass;
	} else {
		title = q->mode == MODE_RETURN ?
		    _("Return for completion (CT05)") : _("Refuse (CT06)");
		label = _("Reason:");
		t = &q->reason;
	}
	ui_box(6, cols, title, &y, &x);
	ui_put(stdscr, y, x + 1, q->number, (size_t)-1, cols - 2);
	lw = ui_put(stdscr, y + 2, x + 1, label, (size_t)-1, 30) + 2;
	attrset(ui_attr(UI_FIELD_FOCUS));
	ui_text_draw(t, stdscr, y + 2, x + lw, cols - lw - 1, cx);
	*cy = y + 2;
	attrset(ui_attr(q->prompt_msg[0] != '\0' ? UI_ERROR : UI_DIM));
	if (q->prompt_msg[0] != '\0') {
		for (row = y + 3, off = 0, len = strlen(q->prompt_msg);
		    off < len && row < y + 6; row++) {
			n = ui_fit(q->prompt_msg + off, len - off, cols - 2,
			    &w);
			if (n == 0)
				break;
			ui_put(stdscr, row, x + 1, q->prompt_msg + off, n,
			    cols - 2);
			off += n;
		}
	} else
		ui_put(stdscr, y + 4, x + 1, _("Enter: confirm.  Esc: cancel."),
		    (size_t)-1, cols - 2);
	attrset(ui_attr(UI_NORMAL));
}

static void
queue_draw(struct console *c, void *state, int y, int x, int rows, int cols,
    int *cy, int *cx)
{
	struct queue *q = state;

	(void)c;
	if (q->mode == MODE_LIST) {
		char head[256];

		attrset(ui_attr(UI_HEADING));
		snprintf(head, sizeof head, "%-15s %-10s %-10s %-8s",
		    _("Dossier"), _("Received"), _("Due"), _("Officer"));
		ui_put(stdscr, y + 1, x + 1, head, (size_t)-1, cols - 2);
		ui_put(stdscr, y + 1, x + 48, _("Applicant · procedure"),
		    (size_t)-1, cols - 49);
		attrset(ui_attr(UI_NORMAL));
		if (q->n == 0) {
			attrset(ui_attr(UI_DIM));
			ui_put(stdscr, y + 3, x + 2, _("No dossier is awaiting "
			    "approval."), (size_t)-1, cols - 4);
			attrset(ui_attr(UI_NORMAL));
		}
		q->rows_shown = rows - 2;
		ui_list_draw(&q->list, stdscr, y + 2, x, rows - 2, cols);
		return;
	}
	ui_lines_draw(&q->detail, y, x, rows - 1, cols);
	attrset(ui_attr(UI_DIM));
	ui_put(stdscr, y + rows - 1, x + 1, _("a: approve   r: return   x: "
	    "refuse   p: print receipt   Esc: back to the list"), (size_t)-1,
	    cols - 2);
	attrset(ui_attr(UI_NORMAL));
	if (q->mode != MODE_DETAIL)
		draw_prompt(q, cy, cx);
}

static void
decide(struct console *c, struct queue *q)
{
	struct cutru_err e;
	int rc;

	cutru_err_clear(&e);
	if (q->mode == MODE_APPROVE) {
		/* With its change set for the registry (sync/outbox.h). */
		rc = outbox_approve(c->s, q->number,
		    ui_text_value(&q->pass), console_now(), NULL, &e);
		ui_text_clear(&q->pass);
	} else if (q->mode == MODE_RETURN)
		rc = dossier_return(c->s, q->number,
		    ui_text_value(&q->reason), console_now(), &e);
	else
		rc = dossier_refuse(c->s, q->number,
		    ui_text_value(&q->reason), console_now(), &e);
	if (rc != CUTRU_OK) {
		snprintf(q->prompt_msg, sizeof q->prompt_msg, "%s", e.msg);
		return;
	}
	if (q->mode == MODE_APPROVE)
		ui_status(&c->ui, 0, _("Dossier %s approved and signed; the "
		    "register is updated."), q->number);
	else if (q->mode == MODE_RETURN)
		ui_status(&c->ui, 0, _("Dossier %s returned for completion "
		    "(CT05)."), q->number);
	else
		ui_status(&c->ui, 0, _("Dossier %s refused (CT06)."),
		    q->number);
	ui_text_clear(&q->reason);
	q->prompt_msg[0] = '\0';
	q->mode = MODE_LIST;
	load(c, q);
}

static int
queue_key(struct console *c, void *state, int key)
{
	struct queue *q = state;
	struct ui_text *t;

	switch (q->mode) {
	case MODE_LIST:
		if (key == UI_KEY_ENTER) {
			if (ui_list_has_selection(&q->list))
				(void)open_detail(c, q,
				    q->dossiers[q->list.selected].number);
			return 1;
		}
		if (key == 'r') {
			load(c, q);
			return 1;
		}
		return ui_list_key(&q->list, key, q->rows_shown) >= 0;
	case MODE_DETAIL:
		switch (key) {
		case UI_KEY_ESC:
			q->mode = MODE_LIST;
			load(c, q);
			return 1;
		case 'a':
			q->mode = MODE_APPROVE;
			return 1;
		case 'r':
			q->mode = MODE_RETURN;
			return 1;
		case 'x':
			q->mode = MODE_REFUSE;
			return 1;
		case 'p':
			console_print(c, PRINT_RECEIPT, q->number);
			return 1;
		default:
			return ui_lines_key(&q->detail, key);
		}
	default:
		t = q->mode == MODE_APPROVE ? &q->pass : &q->reason;
		if (key == UI_KEY_ESC) {
			ui_text_clear(&q->pass);
			q->prompt_msg[0] = '\0';
			q->mode = MODE_DETAIL;
			return 1;
		}
		if (key == UI_KEY_ENTER) {
			decide(c, q);
			return 1;
		}
		if (ui_text_key(t, key) > 0)
			q->prompt_msg[0] = '\0';
		return 1;
	}
}

static const struct ui_fkey queue_keys[] = {
	{ "Enter", N_("Open") },
	{ "a", N_("Approve") },
	{ "r", N_("Return") },
	{ "x", N_("Refuse") },
	{ NULL, NULL }
};

const struct ui_screen screen_queue = {
	"queue",
	N_("Approval queue"),
	N_("The dossiers awaiting a decision, soonest due first.  Enter "
	    "shows one: the request and exactly what approving it will "
	    "change.\n"
	    "a: approve (type your passphrase again; it signs the approval).  "
	    "r: return for completion (CT05), with the reason.  x: refuse "
	    "(CT06), with the reason.  p: print the dossier's receipt (CT04) "
	    "into the export folder.\n"
	    "Only a supervisor decides, and never on a dossier they "
	    "received."),
	queue_open, queue_close, queue_draw, queue_key, NULL, NULL,
	queue_keys
};
