#include "config.h"

/* The audit screen: the register's journal (localdb/journal.h), newest
 * entry first, under the result of walking its hash chain
 * (journal_verify()): intact with its number of entries and head hash, or
 * broken at the first entry that was altered, removed or moved - shown in
 * the error colour and marked in the list.
 *
 * What an entry shows: its number, time (in Vietnam), who made it, and
 * what it records without the personal data inside it - for a change of
 * the register, the dossier's number and the kinds of event with their
 * counts; for an account, the action and the login.  Names, addresses and
 * ID numbers stay in the person and household screens, where the register
 * shows them.  The entries come from journal_list(): the newest
 * AUDIT_ENTRIES_MAX are shown, and the payload of an entry larger than
 * AUDIT_PAYLOAD_MAX bytes (a bulk import) is summarised by its size
 * rather than parsed. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "core/hash.h"
#include "core/i18n.h"
#include "localdb/journal.h"
#include "localdb/session.h"
#include "tui/console.h"
#include "tui/ui_lines.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"

#define AUDIT_ENTRIES_MAX 300
#define AUDIT_PAYLOAD_MAX (64 * 1024)

struct audit {
	struct ui_lines lines;
	int64_t bad;       /* first broken entry, 0 if intact */
};

/* "YYYY-MM-DD HH:MM" in Vietnam of a journal time (UTC), or the text. */
static void
vn_time(const char *at, char *buf, size_t size)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (at == NULL || strptime(at, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL) {
		snprintf(buf, size, "%s", at != NULL ? at : "");
		return;
	}
	t = timegm(&tm) + 7 * 3600;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%d/%m/%Y %H:%M", &tm);
}

/* The kinds of event in events, with counts: "residence.opened,
 * person.upserted ×2". */
static void
event_kinds(const cJSON *events, char *buf, size_t size)
{
	const char *types[16];
	int counts[16];
	size_t n = 0, i, off = 0;
	const cJSON *ev;

	cJSON_ArrayForEach(ev, events) {
		const char *t = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(ev, "type"));

		if (t == NULL)
			t = "?";
		for (i = 0; i < n; i++)
			if (strcmp(types[i], t) == 0)
				break;
		if (i == n && n < 16) {
			types[n] = t;
			counts[n++] = 0;
		}
		if (i < n)
			counts[i]++;
	}
	buf[0] = '\0';
	for (i = 0; i < n && off < size; i++) {
		int w = counts[i] > 1 ?
		    snprintf(buf + off, size - off, "%s%s ×%d", i > 0 ? ", " :
		    "", types[i], counts[i]) :
		    snprintf(buf + off, size - off, "%s%s", i > 0 ? ", " : "",
		    types[i]);

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/* One entry's summary into buf. */
static void
summary(sqlite3 *db, const char *payload, int64_t len, char *buf,
    size_t size)
{
	char kinds[512], number[64];
	const char *kind, *action, *login;
	const cJSON *dossier;
	cJSON *p;

	if (payload == NULL) {
		snprintf(buf, size, _("register changes in bulk (%lld KB, an "
		    "import)"), (long long)(len / 1024));
		return;
	}
	if ((p = cJSON_Parse(payload)) == NULL) {
		snprintf(buf, size, "%s", _("(cannot be read)"));
		return;
	}
	kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p,
	    "kind"));
	if (kind != NULL && strcmp(kind, "events") == 0) {
		event_kinds(cJSON_GetObjectItemCaseSensitive(p, "events"),
		    kinds, sizeof kinds);
		number[0] = '\0';
		dossier = cJSON_GetObjectItemCaseSensitive(p, "dossier");
		if (cJSON_IsNumber(dossier)) {
			sqlite3_stmt *st = NULL;

			if (sqlite3_prepare_v2(db, "SELECT number FROM dossiers"
			    " WHERE id = ?", -1, &st, NULL) == SQLITE_OK &&
			    sqlite3_bind_int64(st, 1,
			    (sqlite3_int64)dossier->valuedouble) ==
			    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
				snprintf(number, sizeof number, "%s",
				    (const char *)sqlite3_column_text(st, 0));
			sqlite3_finalize(st);
		}
		if (number[0] != '\0')
			snprintf(buf, size, _("dossier %s: %s"), number, kinds);
		else
			snprintf(buf, size, _("register: %s"), kinds);
	} else if (kind != NULL && strcmp(kind, "officer") == 0) {
		action = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(p, "action"));
		login = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(p, "login"));
		snprintf(buf, size, _("account %s: %s"), login != NULL ? login :
		    "?", action != NULL ? action : "?");
	} else
		snprintf(buf, size, "%s", kind != NULL ? kind : "?");
	cJSON_Delete(p);
}

/* journal_list()'s walk: one line per entry. */
struct audit_walk {
	sqlite3 *db;
	struct audit *a;
	int64_t last;               /* the oldest entry listed */
};

static int
add_entry(const struct journal_entry *en, void *arg)
{
	struct audit_walk *w = arg;
	char when[32], what[768];

	w->last = en->seq;
	vn_time(en->at, when, sizeof when);
	summary(w->db, en->payload, (int64_t)en->len, what,
	    sizeof what);
	ui_lines_add(&w->a->lines, w->a->bad != 0 && en->seq >= w->a->bad ?
	    UI_ERROR : UI_NORMAL, 0, (long)en->seq, "%-7lld %-16s %-10.10s "
	    "%s%s", (long long)en->seq, when, en->actor,
	    en->seq == w->a->bad ? _("BROKEN HERE · ") : "", what);
	return 0;
}

static void
load(struct console *c, struct audit *a)
{
	struct audit_walk w;
	sqlite3 *db = session_db(c->s);
	struct cutru_err e;
	unsigned char head[HASH_LEN];
	char hex[HASH_HEX_LEN + 1];
	int64_t total = 0;
	int rc;

	ui_lines_clear(&a->lines);
	cutru_err_clear(&e);
	a->bad = 0;
	rc = journal_verify(db, &a->bad, &e);
	if (rc == CUTRU_OK && journal_head(db, &total, head, &e) ==
	    CUTRU_OK) {
		hash_to_hex(head, hex);
		ui_lines_add(&a->lines, UI_GOOD, 0, -1, _("The journal is "
		    "intact: %lld entries, each chained to the one before."),
		    (long long)total);
		ui_lines_add(&a->lines, UI_DIM, 1, -1, _("Last hash: %s"),
		    hex);
	} else if (a->bad != 0) {
		ui_lines_add(&a->lines, UI_ERROR, 0, -1, _("THE JOURNAL IS "
		    "BROKEN at entry %lld."), (long long)a->bad);
		ui_lines_add(&a->lines, UI_ERROR, 1, -1, "%s", e.msg);
	} else
		ui_lines_add(&a->lines, UI_ERROR, 0, -1, _("The journal could "
		    "not be checked: %s"), e.msg);
	ui_lines_add(&a->lines, UI_NORMAL, 0, -1, "%s", "");
	ui_lines_add(&a->lines, UI_HEADING, 0, -1, "%-7s %-16s %-10s %s",
	    _("Entry"), _("Time"), _("By"), _("What"));
	w.db = db;
	w.a = a;
	w.last = 0;
	cutru_err_clear(&e);
	if (journal_list(db, AUDIT_ENTRIES_MAX, AUDIT_PAYLOAD_MAX, add_entry,
	    &w, &e) != CUTRU_OK) {
		ui_lines_add(&a->lines, UI_ERROR, 0, -1, "%s", e.msg);
		return;
	}
	if (w.last > 1)
		ui_lines_add(&a->lines, UI_DIM, 0, -1, _("... %lld older "
		    "entries are not listed."), (long long)(w.last - 1));
	else if (w.last == 0)
		ui_lines_add(&a->lines, UI_DIM, 0, -1, "%s",
		    _("The journal is empty."));
}

static int
audit_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	struct audit *a;

	(void)arg;
	if ((a = calloc(1, sizeof *a)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	ui_lines_init(&a->lines);
	load(c, a);
	*state = a;
	return CUTRU_OK;
}

static void
audit_close(struct console *c, void *state)
{
	struct audit *a = state;

	(void)c;
	ui_lines_free(&a->lines);
	free(a);
}

static void
audit_draw(struct console *c, void *state, int y, int x, int rows, int cols,
    int *cy, int *cx)
{
	struct audit *a = state;

	(void)c;
	(void)cy;
	(void)cx;
	ui_lines_draw(&a->lines, y + 1, x, rows - 1, cols);
}

static int
audit_key(struct console *c, void *state, int key)
{
	struct audit *a = state;

	if (key == 'v') {
		load(c, a);
		if (a->bad == 0)
			ui_status(&c->ui, 0, "%s", _("Checked again: the journal "
			    "is intact."));
		else
			ui_status(&c->ui, 1, _("Checked again: the journal is "
			    "broken at entry %lld."), (long long)a->bad);
		return 1;
	}
	return ui_lines_key(&a->lines, key);
}

static const struct ui_fkey audit_keys[] = {
	{ "v", N_("Verify") },
	{ NULL, NULL }
};

const struct ui_screen screen_audit = {
	"audit",
	N_("Audit"),
	N_("The register's journal, newest entry first: every change, who "
	    "made it and when, each entry chained by its hash to the one "
	    "before.  The first line says whether the chain is intact; if "
	    "it is broken, the first entry altered, removed or moved is "
	    "named and marked, and the store should be restored from a "
	    "backup.\n"
	    "Up, Down, PgUp, PgDn: move through the entries.  v: check the "
	    "chain again."),
	audit_open, audit_close, audit_draw, audit_key, NULL, NULL,
	audit_keys
};
