#include "config.h"

/* The sync screen (F5): where the change sets of this console stand and
 * how to move them.
 *
 *   - the outbox by state (outbox_status(), sync/outbox.h): sealed and
 *     not yet sent, exported to removable media, sent, held by the
 *     registry, accepted, rejected; approvals still waiting to be sealed;
 *     files in the inbox not applied or refused;
 *   - the last pass of the network client (sync/client.h, its state
 *     file): when it tried, when the registry last answered, the last
 *     error;
 *   - the rejected change sets with the registry's reasons.  A rejected
 *     dossier is final: it is corrected by filing it again.  Enter shows
 *     the dossier (its request and events); c opens the form of its
 *     procedure for its applicant, to file the corrected dossier;
 *   - s: sync now (client_pass() with this session, so the feed comes
 *     too), drawing its progress; x and i: export to and import from a
 *     folder the officer types (outbox_export(), inbox_import()). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "core/i18n.h"
#include "core/procedure.h"
#include "localdb/dossier.h"
#include "localdb/search.h"
#include "localdb/session.h"
#include "sync/client.h"
#include "sync/inbox.h"
#include "sync/outbox.h"
#include "tui/console.h"
#include "tui/ui_lines.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"
#include "tui/ui_text.h"

#define SYNC_DIR_MAX 4096

enum mode {
	MODE_VIEW,
	MODE_EXPORT,   /* asking for the folder */
	MODE_IMPORT
};

struct sync {
	enum mode mode;
	struct ui_lines lines;
	struct outbox_item *rejected;
	size_t nrejected;
	struct ui_text dir;
	char prompt_msg[CUTRU_ERR_MSG_MAX];
	/* What c and Enter open. */
	char number[DOSSIER_NUMBER_MAX];
	struct search_result person;
	struct console_form_arg form;
};

static const char *
outcome_text(int outcome)
{
	switch (outcome) {
	case CLIENT_DONE:
		return _("everything sent has its receipt");
	case CLIENT_PENDING:
		return _("the registry answered; some change sets wait");
	case CLIENT_UNREACHABLE:
		return _("the registry could not be reached; it is tried "
		    "again later");
	case CLIENT_PIN_MISMATCH:
		return _("the registry's key is not the one pinned: nothing "
		    "was sent");
	default:
		return _("a local failure");
	}
}

static void
load(struct console *c, struct sync *sy)
{
	struct outbox_status st;
	struct client_state cs;
	struct cutru_err e;
	char t1[32], t2[32];
	size_t i, j;

	ui_lines_clear(&sy->lines);
	outbox_list_free(sy->rejected, sy->nrejected);
	sy->rejected = NULL;
	sy->nrejected = 0;
	cutru_err_clear(&e);
	memset(&st, 0, sizeof st);
	if (outbox_status(c->s, &st, &e) != CUTRU_OK) {
		ui_lines_add(&sy->lines, UI_ERROR, 0, -1, "%s", e.msg);
		return;
	}
	ui_lines_add(&sy->lines, UI_HEADING, 0, -1, "%s", _("This console"));
	if (!st.has_device || !st.enrolled)
		ui_lines_add(&sy->lines, UI_ERROR, 1, -1, "%s", _("Not enrolled "
		    "with the registry yet: approvals are kept and sealed "
		    "after enrollment (cutru enroll)."));
	else
		ui_lines_add(&sy->lines, UI_NORMAL, 1, -1,
		    _("Device %s, enrolled with registry %s."), st.device,
		    st.registry);
	ui_lines_add(&sy->lines, UI_NORMAL, 0, -1, "%s", "");
	ui_lines_add(&sy->lines, UI_HEADING, 0, -1, _("Outbox: %zu change "
	    "sets to send"), st.count[OUTBOX_SEALED] + st.count[OUTBOX_SENT] +
	    st.count[OUTBOX_EXPORTED] + st.count[OUTBOX_HELD]);
	ui_lines_add(&sy->lines, UI_NORMAL, 1, -1, _("queued %zu   exported "
	    "%zu   sent %zu   held %zu"), st.count[OUTBOX_SEALED],
	    st.count[OUTBOX_EXPORTED], st.count[OUTBOX_SENT],
	    st.count[OUTBOX_HELD]);
	ui_lines_add(&sy->lines, st.count[OUTBOX_REJECTED] > 0 ? UI_ERROR :
	    UI_NORMAL, 1, -1, _("accepted %zu   rejected %zu"),
	    st.count[OUTBOX_ACCEPTED], st.count[OUTBOX_REJECTED]);
	if (st.unsealed > 0)
		ui_lines_add(&sy->lines, UI_NORMAL, 1, -1, _("%zu approvals "
		    "wait to be sealed (after enrollment)."), st.unsealed);
	if (st.inbox_new > 0 || st.inbox_refused > 0)
		ui_lines_add(&sy->lines, st.inbox_refused > 0 ? UI_ERROR :
		    UI_NORMAL, 1, -1, _("Inbox: %zu files to apply, %zu "
		    "refused (kept in inbox/cur)."), st.inbox_new,
		    st.inbox_refused);
	client_state_init(&cs);
	if (client_state_load(c->store, &cs, &e) == CUTRU_OK) {
		console_time(cs.last_contact, t1, sizeof t1);
		console_time(cs.last_attempt, t2, sizeof t2);
		ui_lines_add(&sy->lines, UI_NORMAL, 1, -1, _("Last contact "
		    "with the registry: %s   last try: %s"), t1, t2);
		if (cs.last_attempt > 0)
			ui_lines_add(&sy->lines, cs.last_outcome ==
			    CLIENT_DONE ? UI_GOOD : UI_ERROR, 1, -1,
			    _("Last pass: %s."), outcome_text(
			    cs.last_outcome));
		if (cs.last_error[0] != '\0')
			ui_lines_add(&sy->lines, UI_ERROR, 1, -1,
			    _("Last error: %s"), cs.last_error);
	}
	ui_lines_add(&sy->lines, UI_NORMAL, 0, -1, "%s", "");
	if (outbox_list(c->s, OUTBOX_LIST_ATTENTION, &sy->rejected,
	    &sy->nrejected, &e) != CUTRU_OK) {
		ui_lines_add(&sy->lines, UI_ERROR, 0, -1, "%s", e.msg);
		return;
	}
	ui_lines_add(&sy->lines, UI_HEADING, 0, -1, _("Rejected by the "
	    "registry, needing attention (%zu)"), sy->nrejected);
	for (i = 0; i < sy->nrejected; i++) {
		const struct outbox_item *it = &sy->rejected[i];

		console_time(it->answered, t1, sizeof t1);
		ui_lines_add(&sy->lines, UI_NORMAL, 1, (long)i,
		    _("Dossier %s (change set %lld), rejected %s"),
		    it->dossier, (long long)it->seq, t1);
		for (j = 0; j < it->nreasons; j++)
			ui_lines_add(&sy->lines, UI_ERROR, 3, -1, "%s%s%s%s",
			    it->reasons[j].message[0] != '\0' ?
			    it->reasons[j].message : it->reasons[j].name,
			    it->reasons[j].field[0] != '\0' ? " (" : "",
			    it->reasons[j].field,
			    it->reasons[j].field[0] != '\0' ? ")" : "");
	}
	if (sy->nrejected == 0)
		ui_lines_add(&sy->lines, UI_DIM, 1, -1, "%s", _("None."));
}

static int
sync_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	struct sync *sy;

	(void)arg;
	if ((sy = calloc(1, sizeof *sy)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	if (ui_text_init(&sy->dir, SYNC_DIR_MAX, 0, e) != CUTRU_OK) {
		free(sy);
		return e->code;
	}
	ui_lines_init(&sy->lines);
	load(c, sy);
	*state = sy;
	return CUTRU_OK;
}

static void
sync_close(struct console *c, void *state)
{
	struct sync *sy = state;

	(void)c;
	ui_lines_free(&sy->lines);
	outbox_list_free(sy->rejected, sy->nrejected);
	ui_text_free(&sy->dir);
	free(sy);
}

static void
sync_resume(struct console *c, void *state)
{
	load(c, state);
}

static void
sync_draw(struct console *c, void *state, int y, int x, int rows, int cols,
    int *cy, int *cx)
{
	struct sync *sy = state;
	int by, bx, bcols = 72, lw, w, row;
	size_t off, len, n;

	(void)c;
	ui_lines_draw(&sy->lines, y + 1, x, rows - 2, cols);
	attrset(ui_attr(UI_DIM));
	ui_put(stdscr, y + rows - 1, x + 1, _("s: sync now   x: export to a "
	    "folder   i: import   Enter: dossier   c: correct and file "
	    "again"), (size_t)-1, cols - 2);
	attrset(ui_attr(UI_NORMAL));
	if (sy->mode == MODE_VIEW)
		return;
	ui_box(6, bcols, sy->mode == MODE_EXPORT ?
	    _("Export the outbox to removable media") :
	    _("Import receipts and feed from removable media"), &by, &bx);
	lw = ui_put(stdscr, by + 1, bx + 1, _("Folder:"), (size_t)-1, 20) + 2;
	attrset(ui_attr(UI_FIELD_FOCUS));
	ui_text_draw(&sy->dir, stdscr, by + 1, bx + lw, bcols - lw - 1, cx);
	*cy = by + 1;
	attrset(ui_attr(sy->prompt_msg[0] != '\0' ? UI_ERROR : UI_DIM));
	if (sy->prompt_msg[0] == '\0')
		ui_put(stdscr, by + 3, bx + 1, _("Enter: go.  Esc: cancel."),
		    (size_t)-1, bcols - 2);
	for (row = by + 2, off = 0, len = strlen(sy->prompt_msg);
	    off < len && row < by + 6; row++) {
		n = ui_fit(sy->prompt_msg + off, len - off, bcols - 2, &w);
		if (n == 0)
			break;
		ui_put(stdscr, row, bx + 1, sy->prompt_msg + off, n,
		    bcols - 2);
		off += n;
	}
	attrset(ui_attr(UI_NORMAL));
}

/* The client's progress, drawn at once on the status line: the pass
 * blocks the console until it ends. */
static void
progress(const struct client_progress *p, void *arg)
{
	char line[256];

	(void)arg;
	if (p->phase == CLIENT_PHASE_UPLOAD)
		snprintf(line, sizeof line, _("Sending: %zu of %zu change sets, "
		    "%llu of %llu bytes..."), p->items_done, p->items_total,
		    (unsigned long long)p->bytes_sent,
		    (unsigned long long)p->bytes_total);
	else if (p->phase == CLIENT_PHASE_FEED)
		snprintf(line, sizeof line, _("Receiving the feed: %zu "
		    "pages..."), p->feed_pages);
	else
		snprintf(line, sizeof line, "%s", _("Applying receipts and "
		    "feed..."));
	attrset(ui_attr(UI_GOOD));
	mvhline(LINES - 2, 0, ' ' | (chtype)getattrs(stdscr), COLS);
	ui_put(stdscr, LINES - 2, 1, line, (size_t)-1, COLS - 2);
	attrset(ui_attr(UI_NORMAL));
	refresh();
}

static void
sync_now(struct console *c, struct sync *sy)
{
	static int inited;
	struct client_options o;
	struct client_report r;
	struct client *cl = NULL;
	struct cutru_err e;
	struct client_progress p0;

	cutru_err_clear(&e);
	memset(&o, 0, sizeof o);
	memset(&r, 0, sizeof r);
	memset(&p0, 0, sizeof p0);
	o.progress = progress;
	progress(&p0, NULL);
	if (!inited) {
		if (client_global_init(&e) != CUTRU_OK) {
			console_error(c, &e);
			return;
		}
		inited = 1;
	}
	if (client_open(c->store, &o, &cl, &e) != CUTRU_OK) {
		console_error(c, &e);
		return;
	}
	if (client_pass(cl, c->s, console_now(), &r, &e) != CUTRU_OK)
		console_error(c, &e);
	else if (r.outcome == CLIENT_DONE)
		ui_status(&c->ui, 0, _("Sync done: %zu change sets sent, %zu "
		    "accepted, %zu rejected; %zu feed pages."), r.items_sent,
		    r.accepted, r.rejected, r.feed_pages);
	else
		ui_status(&c->ui, 1, "%s: %s", outcome_text((int)r.outcome),
		    r.problem.msg);
	client_close(cl);
	load(c, sy);
}

static void
transfer(struct console *c, struct sync *sy)
{
	struct outbox_export_report xr;
	struct inbox_report ir;
	struct cutru_err e;
	const char *dir = ui_text_value(&sy->dir);
	size_t copied = 0;

	cutru_err_clear(&e);
	if (dir[0] == '\0') {
		snprintf(sy->prompt_msg, sizeof sy->prompt_msg, "%s",
		    _("Type the folder of the USB stick, e.g. /media/usb."));
		return;
	}
	if (sy->mode == MODE_EXPORT) {
		if (outbox_export(c->s, dir, console_now(), &xr, &e) !=
		    CUTRU_OK) {
			snprintf(sy->prompt_msg, sizeof sy->prompt_msg, "%s",
			    e.msg);
			return;
		}
		ui_status(&c->ui, 0, _("%zu change sets (%zu bytes) written to "
		    "%s; take them to the registry."), xr.files, xr.bytes,
		    dir);
	} else {
		if (inbox_import(c->s, dir, console_now(), &copied, &ir, &e) !=
		    CUTRU_OK) {
			snprintf(sy->prompt_msg, sizeof sy->prompt_msg, "%s",
			    e.msg);
			return;
		}
		ui_status(&c->ui, ir.refused > 0, _("%zu files imported: %zu "
		    "accepted, %zu rejected, %zu feed pages, %zu refused."),
		    copied, ir.accepted, ir.rejected, ir.pages, ir.refused);
	}
	sy->mode = MODE_VIEW;
	sy->prompt_msg[0] = '\0';
	load(c, sy);
}

/* c: the form of the rejected dossier's procedure for its applicant. */
static void
correct(struct console *c, struct sync *sy, long i)
{
	const struct procedure *p;
	struct dossier d;
	struct cutru_err e;
	size_t n = 0;

	memset(&d, 0, sizeof d);
	cutru_err_clear(&e);
	if (dossier_show(c->s, sy->rejected[i].dossier, console_now(), &d,
	    &e) != CUTRU_OK) {
		console_error(c, &e);
		return;
	}
	memset(&sy->form, 0, sizeof sy->form);
	p = procedure_find(d.procedure);
	sy->form.procedure = p != NULL ? p->id : NULL;
	if (d.applicant_id[0] != '\0' && search_persons(session_db(c->s),
	    d.applicant_id, NULL, 1, &sy->person, &n, &e) == CUTRU_OK &&
	    n == 1)
		sy->form.person = &sy->person;
	ui_status(&c->ui, 0, _("Dossier %s was rejected; file it again with "
	    "the registry's reasons corrected."), d.number);
	dossier_free(&d);
	ui_push(&c->ui, &screen_form, &sy->form);
}

static int
sync_key(struct console *c, void *state, int key)
{
	struct sync *sy = state;
	long sel;

	if (sy->mode != MODE_VIEW) {
		if (key == UI_KEY_ESC) {
			sy->mode = MODE_VIEW;
			sy->prompt_msg[0] = '\0';
		} else if (key == UI_KEY_ENTER)
			transfer(c, sy);
		else if (ui_text_key(&sy->dir, key) > 0)
			sy->prompt_msg[0] = '\0';
		return 1;
	}
	switch (key) {
	case 's':
		sync_now(c, sy);
		return 1;
	case 'x':
		sy->mode = MODE_EXPORT;
		return 1;
	case 'i':
		sy->mode = MODE_IMPORT;
		return 1;
	case 'r':
		load(c, sy);
		return 1;
	case UI_KEY_ENTER:
		if ((sel = ui_lines_selected(&sy->lines)) >= 0) {
			snprintf(sy->number, sizeof sy->number, "%s",
			    sy->rejected[sel].dossier);
			ui_push(&c->ui, &screen_queue, sy->number);
		}
		return 1;
	case 'c':
		if ((sel = ui_lines_selected(&sy->lines)) >= 0)
			correct(c, sy, sel);
		return 1;
	default:
		return ui_lines_key(&sy->lines, key);
	}
}

static const struct ui_fkey sync_keys[] = {
	{ "s", N_("Sync now") },
	{ "x", N_("Export") },
	{ "i", N_("Import") },
	{ NULL, NULL }
};

const struct ui_screen screen_sync = {
	"sync",
	N_("Sync"),
	N_("Where this console's change sets stand: queued, exported, sent, "
	    "held, accepted and rejected by the registry; the last contact "
	    "and the last error; the rejected ones with the registry's "
	    "reasons.\n"
	    "s: sync now over the network (the feed comes back too).  x: "
	    "export the outbox to a folder (a USB stick) for the registry.  "
	    "i: import the receipts and feed the registry wrote there.\n"
	    "On a rejected dossier, Enter shows it and c opens its form for "
	    "the same person, to file it again corrected: a rejected dossier "
	    "is final."),
	sync_open, sync_close, sync_draw, sync_key, sync_resume, NULL,
	sync_keys
};
