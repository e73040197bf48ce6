#include "config.h"

/* Dossiers: from the desk to the register.
 *
 * The life of a dossier (table dossiers, localdb/schema.c):
 *
 *   receive ──> awaiting ──approve──> approved ──(sync)──> sent, ...
 *                   │
 *                   ├──return (CT05, reason)──> returned
 *                   └──refuse (CT06, reason)──> refused
 *
 * Receiving checks the request with core/ (procedure_validate()) and, in
 * one transaction, gives it the next number of its year, stores the
 * request's canonical bytes, its due date and the events it would produce
 * if approved that day (procedure_events()).  Those events are there so
 * that the supervisor sees what approval changes; they are not applied.
 *
 * Approving is the only path from a dossier to the register.  Some events
 * carry the approval date (a permanent residence begins, a residence is
 * deleted, a confirmation is issued on the day of approval), so approval
 * computes the events again for its own date, and dossier_show() computes
 * them for today while the dossier awaits: what the supervisor is shown is
 * what the signature covers and what is applied.  In one transaction
 * approval (1) re-reads the dossier, which must still await (another
 * console may have decided it meanwhile), (2) computes the events, (3)
 * signs the approval object (dossier.h) with the supervisor's Ed25519
 * key, opened by the passphrase typed for this approval, (4) records state,
 * supervisor, date, events and signature, and (5) applies and journals the
 * events through apply_and_journal(), the register's one code path.  If the
 * register refuses an event the transaction is rolled back whole: the
 * dossier still awaits, nothing was applied, no signature is kept.  The
 * passphrase is checked (Argon2id) before the transaction begins, so a slow
 * or wrong one never holds the database.
 *
 * Returning and refusing need a reason (the forms CT05 and CT06 tell the
 * applicant why) and change nothing but the dossier.  A decided dossier is
 * never decided again: every decision re-reads the state inside its
 * transaction and changes the row only WHERE state = 'awaiting'.
 *
 * Who may do what is checked here, before anything is read or written:
 * the acting account is re-read (session_refresh(): a disabled account can
 * do nothing more, even in an open session), officers and supervisors
 * receive, only supervisors decide, and nobody decides a dossier they
 * received.  The schema repeats the last rule as a CHECK, and requires a
 * supervisor for every decided state and a reason for returned and
 * refused ones, so no other code path can break them either.
 *
 * The signing key.  The secret key exists only during dossier_approve(),
 * in sodium_malloc memory, and is wiped before the function returns.  Its
 * public half must be the one recorded in the supervisor's officers row
 * (written when the account was made or reset, localdb/officer.c): a
 * keyring entry swapped for another one, which the supervisor's
 * passphrase could then open, is refused rather than trusted. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/canon.h"
#include "core/date.h"
#include "core/field.h"
#include "core/i18n.h"
#include "core/procedure.h"
#include "core/utf8.h"
#include "localdb/apply.h"
#include "localdb/dossier.h"
#include "localdb/journal.h"
#include "localdb/session.h"
#include "localdb/store.h"

#define SEQ_MAX 9999999LL

static const char *const states[] = {
	"awaiting", "approved", "returned", "refused", "sent", "accepted",
	"rejected", NULL
};

/* Caps on request text from outside.  A name is at most 100 characters
 * and a text field 200, so 8 KiB per string is generous. */
static const struct canon_limits request_limits = {
	DOSSIER_REQUEST_MAX, 8192, 20000, 0
};
static const struct canon_limits approval_limits = {
	4 * DOSSIER_REQUEST_MAX, 8192, 80000, 0
};

/* ------------------------------------------------------------ helpers */

static int
db_fail(sqlite3 *db, struct cutru_err *e)
{
	if (sqlite3_errcode(db) == SQLITE_NOMEM)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
	return cutru_err_set(e, CUTRU_EIO, NULL,
	    _("The store could not be read or written: %s."),
	    sqlite3_errmsg(db));
}

static int
no_memory(struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
}

static int
not_open(struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_EINVAL, "store",
	    _("The store is not open."));
}

static int
begin(sqlite3 *db, struct cutru_err *e)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, e);
	return CUTRU_OK;
}

/* COMMIT when rc is CUTRU_OK, else (or if the commit fails) ROLLBACK. */
static int
finish(sqlite3 *db, int rc, struct cutru_err *e)
{
	if (rc == CUTRU_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) !=
	    SQLITE_OK)
		rc = db_fail(db, e);
	if (rc != CUTRU_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Say which dossier a lower layer's error is about, keeping its code and
 * field. */
static int
about(struct cutru_err *e, int rc, const char *number)
{
	char why[CUTRU_ERR_MSG_MAX], field[CUTRU_ERR_FIELD_MAX];

	if (e == NULL)
		return rc;
	snprintf(why, sizeof why, "%s", e->msg);
	snprintf(field, sizeof field, "%s", e->field);
	return cutru_err_set(e, rc, field,
	    _("Dossier %s cannot be approved: %s"), number, why);
}

/* A number as the user typed it must look like "N/YYYY/PTN" (so that it
 * can be repeated in a message); sets *seq and *year. */
static int
number_parse(const char *number, long long *seq, int *year,
    struct cutru_err *e)
{
	const char *p = number;
	long long n = 0;
	int y = 0, i;

	if (number == NULL || number[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "number",
		    _("No dossier number was given."));
	for (i = 0; *p >= '0' && *p <= '9' && i < 8; i++, p++)
		n = n * 10 + (*p - '0');
	if (i == 0 || number[0] == '0' || n > SEQ_MAX || *p++ != '/')
		goto bad;
	for (i = 0; i < 4; i++, p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		y = y * 10 + (*p - '0');
	}
	if (strcmp(p, "/PTN") != 0)
		goto bad;
	if (seq != NULL)
		*seq = n;
	if (year != NULL)
		*year = y;
	return CUTRU_OK;
bad:
	return cutru_err_set(e, CUTRU_EINVAL, "number",
	    _("A dossier number looks like 17/2026/PTN: a number, the year "
	    "and PTN, separated by slashes."));
}

/* The console's tag: six hexadecimal digits, drawn (libsodium's
 * generator) the first time this store numbers a new household and kept
 * in meta ('console'), so that the consoles of one ward, each numbering
 * its own dossiers, never give two households the same number.  Drawn at
 * the first receipt rather than when the store is made, so that a store
 * copied to a second desk before any dossier was received (a way to set
 * up the officers once) still numbers apart from the first.  With create
 * 0 a store without one gives "" (a dossier received before the tag
 * existed, shown before any new one was received).  Call inside the
 * caller's write transaction when create is 1. */
#define CONSOLE_TAG_LEN 6

static int
console_tag(sqlite3 *db, int create, char tag[CONSOLE_TAG_LEN + 1],
    struct cutru_err *e)
{
	static const char hex[] = "0123456789ABCDEF";
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	unsigned char r[CONSOLE_TAG_LEN / 2];
	size_t i;
	int src;

	tag[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key ="
	    " 'console'", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW && (v = sqlite3_column_text(st, 0)) != NULL &&
	    strlen((const char *)v) == CONSOLE_TAG_LEN &&
	    strspn((const char *)v, hex) == CONSOLE_TAG_LEN)
		memcpy(tag, v, CONSOLE_TAG_LEN + 1);
	sqlite3_finalize(st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return db_fail(db, e);
	if (src == SQLITE_ROW && tag[0] == '\0')
		return cutru_err_set(e, CUTRU_EIO, "store",
		    _("The store's console tag is damaged, so it cannot number "
		    "new households. Restore the store from a backup copy."));
	if (tag[0] != '\0' || !create)
		return CUTRU_OK;
	randombytes_buf(r, sizeof r);
	for (i = 0; i < sizeof r; i++) {
		tag[2 * i] = hex[r[i] >> 4];
		tag[2 * i + 1] = hex[r[i] & 15];
	}
	tag[CONSOLE_TAG_LEN] = '\0';
	if (sqlite3_prepare_v2(db, "INSERT INTO meta (key, value)"
	    " VALUES ('console', ?1)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, tag, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	sqlite3_finalize(st);
	if (src != SQLITE_DONE) {
		tag[0] = '\0';
		return db_fail(db, e);
	}
	return CUTRU_OK;
}

/* The household number a dossier gives the household it creates:
 * WARD-YEAR-TAG-N, with the dossier's year and number and the console's
 * tag (console_tag()): at most 5 + 4 + 6 + 7 digits and three hyphens, 25
 * of the 32 characters a number may have.  Without a tag (see
 * console_tag()) WARD-YEAR-N, as before there were tags. */
static void
household_of(const char *ward, const char *tag, const char *number,
    char *out, size_t outsz)
{
	long long seq = 0;
	int year = 0;

	(void)number_parse(number, &seq, &year, NULL);
	if (tag[0] != '\0')
		snprintf(out, outsz, "%s-%04d-%s-%lld", ward, year, tag, seq);
	else
		snprintf(out, outsz, "%s-%04d-%lld", ward, year, seq);
}

static int
state_known(const char *state)
{
	size_t i;

	for (i = 0; states[i] != NULL; i++)
		if (strcmp(states[i], state) == 0)
			return 1;
	return 0;
}

/* The dossier row as stored. */
struct row {
	int64_t id;
	char number[DOSSIER_NUMBER_MAX];
	char procedure[32];
	char state[12];
	char received[DATE_FMT_MAX];
	char due[DATE_FMT_MAX];
	char due_session[12];
	char officer[KEYRING_LOGIN_MAX + 1];
	char supervisor[KEYRING_LOGIN_MAX + 1];
	char decided[DATE_FMT_MAX];
	char *reason;
	char *request;
	size_t request_len;
	char *events;
	size_t events_len;
	int has_signature;
	unsigned char signature[DOSSIER_SIGNATURE_BYTES];
};

#define ROW_COLUMNS "id, number, procedure, state, received, due, " \
	"due_session, officer, supervisor, decided, reason, request, events, " \
	"signature"

static void
row_free(struct row *r)
{
	free(r->reason);
	free(r->request);
	free(r->events);
	memset(r, 0, sizeof *r);
}

static void
col_copy(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, size, "%s", t != NULL ? (const char *)t : "");
}

/* A blob column as a malloc'd NUL-terminated buffer. */
static int
col_blob(sqlite3_stmt *st, int i, char **out, size_t *len)
{
	const void *b = sqlite3_column_blob(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);

	*out = malloc(n + 1);
	if (*out == NULL)
		return -1;
	if (n > 0)
		memcpy(*out, b, n);
	(*out)[n] = '\0';
	*len = n;
	return 0;
}

/* Fill r from a statement over ROW_COLUMNS. */
static int
row_fill(sqlite3_stmt *st, struct row *r, struct cutru_err *e)
{
	const unsigned char *t;

	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	col_copy(st, 1, r->number, sizeof r->number);
	col_copy(st, 2, r->procedure, sizeof r->procedure);
	col_copy(st, 3, r->state, sizeof r->state);
	col_copy(st, 4, r->received, sizeof r->received);
	col_copy(st, 5, r->due, sizeof r->due);
	col_copy(st, 6, r->due_session, sizeof r->due_session);
	col_copy(st, 7, r->officer, sizeof r->officer);
	col_copy(st, 8, r->supervisor, sizeof r->supervisor);
	col_copy(st, 9, r->decided, sizeof r->decided);
	if ((t = sqlite3_column_text(st, 10)) != NULL &&
	    (r->reason = strdup((const char *)t)) == NULL)
		return no_memory(e);
	if (col_blob(st, 11, &r->request, &r->request_len) != 0 ||
	    col_blob(st, 12, &r->events, &r->events_len) != 0)
		return no_memory(e);
	if (sqlite3_column_bytes(st, 13) == DOSSIER_SIGNATURE_BYTES) {
		memcpy(r->signature, sqlite3_column_blob(st, 13),
		    DOSSIER_SIGNATURE_BYTES);
		r->has_signature = 1;
	}
	return CUTRU_OK;
}

static int
row_load(sqlite3 *db, const char *number, struct row *r, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc, q;

	memset(r, 0, sizeof *r);
	if ((rc = number_parse(number, NULL, NULL, e)) != CUTRU_OK)
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT " ROW_COLUMNS " FROM dossiers "
	    "WHERE number = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	q = sqlite3_step(st);
	if (q == SQLITE_ROW)
		rc = row_fill(st, r, e);
	else if (q == SQLITE_DONE)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "number",
		    _("There is no dossier %s in this store."), number);
	else
		rc = db_fail(db, e);
	sqlite3_finalize(st);
	if (rc != CUTRU_OK)
		row_free(r);
	return rc;
}

static int
parse_stored(const char *bytes, size_t len, cJSON **out, struct cutru_err *e)
{
	int rc = canon_parse(bytes, len, &approval_limits, 0, out, e);

	if (rc != CUTRU_OK && rc != CUTRU_ENOMEM)
		rc = cutru_err_set(e, CUTRU_EIO, "dossier",
		    _("A dossier in the store is damaged: its stored request "
		    "or events cannot be read."));
	return rc;
}

/* The session is open and its account still active. */
static int
active(struct session *s, struct cutru_err *e)
{
	if (s == NULL || session_db(s) == NULL)
		return not_open(e);
	return session_refresh(s, e);
}

/* ------------------------------------------------------------ receive */

/* The highest N of "N/year/PTN" so far, in the current transaction. */
static int
last_seq(sqlite3 *db, int year, long long *seq, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	char pattern[32];
	int rc = CUTRU_OK;

	*seq = 0;
	snprintf(pattern, sizeof pattern, "*/%04d/PTN", year);
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(CAST(substr(number, "
	    "1, instr(number, '/') - 1) AS INTEGER)), 0) FROM dossiers "
	    "WHERE number GLOB ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*seq = sqlite3_column_int64(st, 0);
	else
		rc = db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

static int
insert_dossier(sqlite3 *db, const char *number, const char *procedure,
    const char *received, const struct holiday_due *due, const char *officer,
    const char *request, size_t request_len, const char *events,
    size_t events_len, struct cutru_err *e)
{
	char dbuf[DATE_FMT_MAX];
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK;

	if (date_format_iso(&due->date, dbuf, sizeof dbuf) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_EINTERNAL, "due",
		    _("The due date could not be written."));
	if (sqlite3_prepare_v2(db, "INSERT INTO dossiers (number, procedure, "
	    "received, due, due_session, state, officer, request, events) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, 'awaiting', ?6, ?7, ?8)", -1, &st,
	    NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, procedure, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, received, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, dbuf, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, due->session == HOLIDAY_MORNING ? "morning" :
	    "afternoon", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, officer, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, request, (int)request_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, events, (int)events_len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

int
dossier_receive_json(struct session *s, const cJSON *request, time_t now,
    char *number, struct cutru_err *e)
{
	struct procedure_ctx ctx;
	struct cutru_date today, received;
	struct holiday_due due;
	enum holiday_session when;
	char num[64], hh[48], rdate[DATE_FMT_MAX], tag[CONSOLE_TAG_LEN + 1];
	char *rbytes = NULL, *ebytes = NULL;
	size_t rlen = 0, elen = 0;
	cJSON *events = NULL;
	long long seq;
	sqlite3 *db;
	int rc, sec;

	if (number == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "number",
		    _("No place was given for the dossier number."));
	number[0] = '\0';
	if ((rc = active(s, e)) != CUTRU_OK)
		return rc;
	if (session_role(s) == SESSION_ROLE_ADMIN)
		return cutru_err_set(e, CUTRU_EPERM, "login",
		    _("Officer '%s' is an administrator: dossiers are received "
		    "by officers and supervisors."), session_login(s));
	if (request == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "",
		    _("No request was given."));
	if ((rc = session_today(now, &today, &sec, e)) != CUTRU_OK)
		return rc;
	/* What core refuses is stored nowhere; its error names the field. */
	if ((rc = procedure_validate(request, &today, e)) != CUTRU_OK)
		return rc;
	if ((rc = canon_encode(request, &rbytes, &rlen, e)) != CUTRU_OK)
		goto out;
	field_get_date(request, "received", &received);
	when = date_compare(&received, &today) == 0 ?
	    holiday_session_at(sec) : HOLIDAY_MORNING;
	if ((rc = procedure_due_date(request, NULL, when, &due, e)) !=
	    CUTRU_OK ||
	    (rc = date_format_iso(&received, rdate, sizeof rdate)) != CUTRU_OK)
		goto out;
	db = session_db(s);
	if ((rc = begin(db, e)) != CUTRU_OK)
		goto out;
	if ((rc = last_seq(db, received.year, &seq, e)) != CUTRU_OK)
		goto done;
	if (seq >= SEQ_MAX) {
		rc = cutru_err_set(e, CUTRU_ERANGE, "number",
		    _("This store has run out of dossier numbers for %d."),
		    received.year);
		goto done;
	}
	snprintf(num, sizeof num, "%lld/%04d/PTN", seq + 1, received.year);
	if ((rc = console_tag(db, 1, tag, e)) != CUTRU_OK)
		goto done;
	household_of(session_ward_code(s), tag, num, hh, sizeof hh);
	memset(&ctx, 0, sizeof ctx);
	ctx.approved = &today;
	ctx.new_household = hh;
	if ((rc = procedure_events(request, &ctx, &events, e)) != CUTRU_OK ||
	    (rc = canon_encode(events, &ebytes, &elen, e)) != CUTRU_OK)
		goto done;
	rc = insert_dossier(db, num, field_get_string(request, "procedure"),
	    rdate, &due, session_login(s), rbytes, rlen, ebytes, elen, e);
done:
	rc = finish(db, rc, e);
	/* seq and the year are capped: it fits. */
	if (rc == CUTRU_OK && strlen(num) < DOSSIER_NUMBER_MAX)
		memcpy(number, num, strlen(num) + 1);
out:
	free(rbytes);
	free(ebytes);
	cJSON_Delete(events);
	return rc;
}

int
dossier_receive(struct session *s, const char *json, size_t len, time_t now,
    char *number, struct cutru_err *e)
{
	cJSON *request = NULL;
	int rc;

	if (number == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "number",
		    _("No place was given for the dossier number."));
	number[0] = '\0';
	if (json == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "",
		    _("No request was given."));
	if (len > DOSSIER_REQUEST_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "",
		    _("The request is %zu bytes long; a request may have at "
		    "most %d."), len, DOSSIER_REQUEST_MAX);
	if ((rc = canon_parse(json, len, &request_limits, 0, &request, e)) !=
	    CUTRU_OK)
		return rc;
	rc = dossier_receive_json(s, request, now, number, e);
	cJSON_Delete(request);
	return rc;
}

/* ------------------------------------------------------------ deciding */

/* The checks every decision makes before anything else: an active
 * supervisor, an existing dossier that awaits and that somebody else
 * received.  r is loaded (row_free() it) when CUTRU_OK. */
static int
decision_allowed(struct session *s, const char *number, struct row *r,
    struct cutru_err *e)
{
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = active(s, e)) != CUTRU_OK)
		return rc;
	if (session_role(s) != SESSION_ROLE_SUPERVISOR)
		return cutru_err_set(e, CUTRU_EPERM, "login",
		    _("Only a supervisor can decide dossiers; officer '%s' is "
		    "not one."), session_login(s));
	if ((rc = row_load(session_db(s), number, r, e)) != CUTRU_OK)
		return rc;
	if (strcmp(r->state, "awaiting") != 0)
		rc = cutru_err_set(e, CUTRU_ECONFLICT, "number",
		    _("Dossier %s was already decided (%s by %s on %s); a "
		    "decision cannot be changed."), r->number, r->state,
		    r->supervisor, r->decided);
	else if (strcmp(r->officer, session_login(s)) == 0)
		rc = cutru_err_set(e, CUTRU_EPERM, "number",
		    _("You received dossier %s yourself, so another supervisor "
		    "must decide it."), r->number);
	if (rc != CUTRU_OK)
		row_free(r);
	return rc;
}

/* The Ed25519 public key in login's officers row. */
static int
registered_key(sqlite3 *db, const char *login, unsigned char *pk,
    struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK, q;

	if (sqlite3_prepare_v2(db, "SELECT sign_pk FROM officers "
	    "WHERE login = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	q = sqlite3_step(st);
	if (q == SQLITE_ROW && sqlite3_column_bytes(st, 0) ==
	    KEYRING_SIGN_PK_BYTES)
		memcpy(pk, sqlite3_column_blob(st, 0), KEYRING_SIGN_PK_BYTES);
	else if (q == SQLITE_ROW || q == SQLITE_DONE)
		rc = cutru_err_set(e, CUTRU_ECRYPTO, "login",
		    _("No signing key is registered for officer '%s'; ask the "
		    "administrator to reset the passphrase with the recovery "
		    "code."), login);
	else
		rc = db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

/* The approval object of dossier.h (events are copied). */
static cJSON *
approval_object(const char *ward, const char *number, const char *procedure,
    const cJSON *events, const char *supervisor, const char *decided)
{
	cJSON *o = cJSON_CreateObject(), *ev = cJSON_Duplicate(events, 1);

	if (o == NULL || ev == NULL ||
	    cJSON_AddStringToObject(o, "kind", DOSSIER_APPROVAL_KIND) == NULL ||
	    cJSON_AddStringToObject(o, "ward", ward) == NULL ||
	    cJSON_AddStringToObject(o, "dossier", number) == NULL ||
	    cJSON_AddStringToObject(o, "procedure", procedure) == NULL ||
	    !cJSON_AddItemToObject(o, "events", ev)) {
		cJSON_Delete(o);
		cJSON_Delete(ev);
		return NULL;
	}
	if (cJSON_AddStringToObject(o, "supervisor", supervisor) == NULL ||
	    cJSON_AddStringToObject(o, "decided", decided) == NULL) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int
mark_approved(sqlite3 *db, int64_t id, const char *supervisor,
    const char *decided, const char *events, size_t elen,
    const unsigned char *sig, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK;

	if (sqlite3_prepare_v2(db, "UPDATE dossiers SET state = 'approved', "
	    "supervisor = ?2, decided = ?3, events = ?4, signature = ?5 "
	    "WHERE id = ?1 AND state = 'awaiting'", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, supervisor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, decided, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, events, (int)elen, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, sig, DOSSIER_SIGNATURE_BYTES, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, e);
	else if (sqlite3_changes(db) != 1)
		rc = cutru_err_set(e, CUTRU_ECONFLICT, "number",
		    _("The dossier was decided at another console meanwhile."));
	sqlite3_finalize(st);
	return rc;
}

/* Link the dossier to its applicant's person, now that the register may
 * hold them. */
static int
link_applicant(sqlite3 *db, int64_t id, const cJSON *request,
    struct cutru_err *e)
{
	const cJSON *who = cJSON_GetObjectItemCaseSensitive(request,
	    "applicant");
	const char *idn = field_get_string(who, "id_number");
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK;

	if (idn == NULL)
		return CUTRU_OK;
	if (sqlite3_prepare_v2(db, "UPDATE dossiers SET applicant_id = "
	    "(SELECT id FROM persons WHERE id_number = ?2) WHERE id = ?1", -1,
	    &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, idn, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

int
dossier_approve(struct session *s, const char *number,
    const char *passphrase, time_t now, struct cutru_err *e)
{
	return dossier_approve_hooked(s, number, passphrase, now, NULL, NULL,
	    e);
}

int
dossier_approve_hooked(struct session *s, const char *number,
    const char *passphrase, time_t now, dossier_approve_hook *hook,
    void *arg, struct cutru_err *e)
{
	struct dossier_approved done_info;
	struct procedure_ctx pctx;
	struct apply_ctx actx;
	struct cutru_date today;
	struct row r;
	unsigned char *sk = NULL, pk[KEYRING_SIGN_PK_BYTES];
	unsigned char sig[DOSSIER_SIGNATURE_BYTES];
	char at[SESSION_AT_SIZE], decided[DATE_FMT_MAX], hh[48];
	char tag[CONSOLE_TAG_LEN + 1];
	char *abytes = NULL, *ebytes = NULL;
	size_t alen = 0, elen = 0;
	cJSON *request = NULL, *events = NULL, *approval = NULL;
	sqlite3 *db;
	int rc;

	if ((rc = decision_allowed(s, number, &r, e)) != CUTRU_OK)
		return rc;
	row_free(&r);
	db = session_db(s);
	if ((rc = session_today(now, &today, NULL, e)) != CUTRU_OK ||
	    (rc = session_time_utc(now, at, e)) != CUTRU_OK ||
	    (rc = date_format_iso(&today, decided, sizeof decided)) !=
	    CUTRU_OK)
		return rc;
	/* The passphrase, before the database is held. */
	if ((rc = keyring_sign_secret(store_keyring(session_store(s)),
	    session_login(s), passphrase, now, &sk, e)) != CUTRU_OK)
		return rc;
	if ((rc = registered_key(db, session_login(s), pk, e)) != CUTRU_OK)
		goto out;
	if (sodium_memcmp(pk, sk + crypto_sign_SEEDBYTES, sizeof pk) != 0) {
		rc = cutru_err_set(e, CUTRU_ECRYPTO, "login",
		    _("The signing key of officer '%s' in the keyring is not "
		    "the one registered for the account. Do not approve with "
		    "this store; report it to the administrator."),
		    session_login(s));
		goto out;
	}
	if ((rc = begin(db, e)) != CUTRU_OK)
		goto out;
	/* Again inside the transaction: another console may have decided
	 * it since. */
	if ((rc = row_load(db, number, &r, e)) != CUTRU_OK)
		goto done;
	if (strcmp(r.state, "awaiting") != 0) {
		rc = cutru_err_set(e, CUTRU_ECONFLICT, "number",
		    _("Dossier %s was already decided (%s by %s on %s); a "
		    "decision cannot be changed."), r.number, r.state,
		    r.supervisor, r.decided);
		goto done;
	}
	if ((rc = parse_stored(r.request, r.request_len, &request, e)) != 0 ||
	    (rc = console_tag(db, 1, tag, e)) != CUTRU_OK)
		goto done;
	household_of(session_ward_code(s), tag, r.number, hh, sizeof hh);
	memset(&pctx, 0, sizeof pctx);
	pctx.approved = &today;
	pctx.new_household = hh;
	if ((rc = procedure_events(request, &pctx, &events, e)) != CUTRU_OK) {
		rc = about(e, rc, r.number);
		goto done;
	}
	approval = approval_object(session_ward_code(s), r.number,
	    r.procedure, events, session_login(s), decided);
	if (approval == NULL) {
		rc = no_memory(e);
		goto done;
	}
	if ((rc = canon_encode(approval, &abytes, &alen, e)) != CUTRU_OK ||
	    (rc = canon_encode(events, &ebytes, &elen, e)) != CUTRU_OK)
		goto done;
	crypto_sign_detached(sig, NULL, (const unsigned char *)abytes, alen,
	    sk);
	if ((rc = mark_approved(db, r.id, session_login(s), decided, ebytes,
	    elen, sig, e)) != CUTRU_OK)
		goto done;
	memset(&actx, 0, sizeof actx);
	actx.dossier_id = r.id;
	actx.date = today;
	actx.actor = session_login(s);
	actx.at = at;
	if ((rc = apply_and_journal(db, events, &actx, e)) != CUTRU_OK) {
		rc = about(e, rc, r.number);
		goto done;
	}
	if ((rc = link_applicant(db, r.id, request, e)) != CUTRU_OK ||
	    hook == NULL)
		goto done;
	/* The caller's part of the same step (sync/outbox.c seals the change
	 * set): it fails, and nothing of the approval is kept. */
	done_info.number = r.number;
	done_info.officer = r.officer;
	done_info.approval = abytes;
	done_info.approval_len = alen;
	done_info.signature = sig;
	done_info.supervisor_pk = pk;
	rc = hook(db, &done_info, arg, e);
done:
	rc = finish(db, rc, e);
out:
	if (sk != NULL)
		sodium_free(sk);
	sodium_memzero(sig, sizeof sig);
	row_free(&r);
	free(abytes);
	free(ebytes);
	cJSON_Delete(request);
	cJSON_Delete(events);
	cJSON_Delete(approval);
	return rc;
}

/* The reason tidied into a malloc'd *out. */
static int
clean_reason(const char *reason, int refusal, char **out,
    struct cutru_err *e)
{
	size_t len, n = 0;
	char *buf;
	int rc;

	*out = NULL;
	len = reason != NULL ? strnlen(reason, DOSSIER_REASON_MAX * 8 + 1) : 0;
	if (len > DOSSIER_REASON_MAX * 8)
		return cutru_err_set(e, CUTRU_ERANGE, "reason",
		    _("The reason is longer than %d characters; say it more "
		    "briefly."), DOSSIER_REASON_MAX);
	if ((buf = malloc(len * 3 + 16)) == NULL)
		return no_memory(e);
	rc = reason != NULL ? utf8_clean_line(reason, len, buf, len * 3 + 16,
	    &n, "reason", e) : CUTRU_OK;
	if (rc == CUTRU_OK && n == 0)
		rc = cutru_err_set(e, CUTRU_EINVAL, "reason", refusal ?
		    _("A reason is required to refuse a dossier (form CT06): "
		    "say why the request cannot be granted.") :
		    _("A reason is required to return a dossier for completion "
		    "(form CT05): say what the applicant must add or "
		    "correct."));
	else if (rc == CUTRU_OK && utf8_count(buf, n) > DOSSIER_REASON_MAX)
		rc = cutru_err_set(e, CUTRU_ERANGE, "reason",
		    _("The reason is longer than %d characters; say it more "
		    "briefly."), DOSSIER_REASON_MAX);
	if (rc != CUTRU_OK) {
		free(buf);
		return rc;
	}
	*out = buf;
	return CUTRU_OK;
}

static int
decide(struct session *s, const char *number, const char *reason,
    time_t now, const char *state, struct cutru_err *e)
{
	struct cutru_date today;
	char decided[DATE_FMT_MAX], *why = NULL;
	sqlite3_stmt *st = NULL;
	struct row r;
	sqlite3 *db;
	int rc;

	if ((rc = decision_allowed(s, number, &r, e)) != CUTRU_OK)
		return rc;
	db = session_db(s);
	if ((rc = clean_reason(reason, strcmp(state, "refused") == 0, &why,
	    e)) != CUTRU_OK ||
	    (rc = session_today(now, &today, NULL, e)) != CUTRU_OK ||
	    (rc = date_format_iso(&today, decided, sizeof decided)) !=
	    CUTRU_OK || (rc = begin(db, e)) != CUTRU_OK)
		goto out;
	if (sqlite3_prepare_v2(db, "UPDATE dossiers SET state = ?2, "
	    "supervisor = ?3, decided = ?4, reason = ?5 "
	    "WHERE id = ?1 AND state = 'awaiting'", -1, &st, NULL) !=
	    SQLITE_OK) {
		rc = db_fail(db, e);
		goto done;
	}
	sqlite3_bind_int64(st, 1, r.id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, session_login(s), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, decided, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, why, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, e);
	else if (sqlite3_changes(db) != 1)
		rc = cutru_err_set(e, CUTRU_ECONFLICT, "number",
		    _("Dossier %s was decided at another console meanwhile."),
		    r.number);
	sqlite3_finalize(st);
done:
	rc = finish(db, rc, e);
out:
	free(why);
	row_free(&r);
	return rc;
}

int
dossier_return(struct session *s, const char *number, const char *reason,
    time_t now, struct cutru_err *e)
{
	return decide(s, number, reason, now, "returned", e);
}

int
dossier_refuse(struct session *s, const char *number, const char *reason,
    time_t now, struct cutru_err *e)
{
	return decide(s, number, reason, now, "refused", e);
}

/* ------------------------------------------------------------ reading */

/* Whether the holiday table fully knows every year from received to
 * due. */
static int
provisional(const char *received, const char *due)
{
	const struct holiday_table *t = holiday_builtin();
	int y, from = atoi(received), to = atoi(due);

	for (y = from; y <= to; y++)
		if (holiday_year_coverage(t, y) != HOLIDAY_COVERAGE_FULL)
			return 1;
	return 0;
}

/* The summary fields of d from r and the parsed request. */
static int
summary(const struct row *r, const cJSON *request, struct dossier *d,
    struct cutru_err *e)
{
	const cJSON *who;
	const char *idn, *name;

	memset(d, 0, sizeof *d);
	d->id = r->id;
	memcpy(d->number, r->number, sizeof d->number);
	memcpy(d->procedure, r->procedure, sizeof d->procedure);
	memcpy(d->state, r->state, sizeof d->state);
	memcpy(d->received, r->received, sizeof d->received);
	memcpy(d->due, r->due, sizeof d->due);
	d->due_session = strcmp(r->due_session, "morning") == 0 ?
	    HOLIDAY_MORNING : HOLIDAY_AFTERNOON;
	d->due_provisional = provisional(r->received, r->due);
	memcpy(d->officer, r->officer, sizeof d->officer);
	memcpy(d->supervisor, r->supervisor, sizeof d->supervisor);
	memcpy(d->decided, r->decided, sizeof d->decided);
	if (r->has_signature) {
		d->has_signature = 1;
		memcpy(d->signature, r->signature, sizeof d->signature);
	}
	if (r->reason != NULL && (d->reason = strdup(r->reason)) == NULL)
		return no_memory(e);
	who = cJSON_GetObjectItemCaseSensitive(request, "applicant");
	if (who == NULL)
		who = cJSON_GetObjectItemCaseSensitive(request, "person");
	idn = field_get_string(who, "id_number");
	name = field_get_string(who, "name");
	if (idn != NULL)
		snprintf(d->applicant_id, sizeof d->applicant_id, "%s", idn);
	if (name != NULL && (d->applicant_name = strdup(name)) == NULL)
		return no_memory(e);
	return CUTRU_OK;
}

int
dossier_list(struct session *s, const char *state, struct dossier **out,
    size_t *n, struct cutru_err *e)
{
	struct dossier *list = NULL, *grown;
	size_t count = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	cJSON *request = NULL;
	struct row r;
	sqlite3 *db;
	int rc = CUTRU_OK, q;

	if (out == NULL || n == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No place was given for the list."));
	*out = NULL;
	*n = 0;
	memset(&r, 0, sizeof r);
	if ((rc = active(s, e)) != CUTRU_OK)
		return rc;
	if (state != NULL && !state_known(state))
		return cutru_err_set(e, CUTRU_EINVAL, "state",
		    _("A dossier state is one of awaiting, approved, returned, "
		    "refused, sent, accepted or rejected."));
	db = session_db(s);
	/* 'morning' sorts after 'afternoon': DESC puts it first. */
	if (sqlite3_prepare_v2(db, "SELECT " ROW_COLUMNS " FROM dossiers "
	    "WHERE ?1 IS NULL OR state = ?1 "
	    "ORDER BY due, due_session DESC, received, id", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(db, e);
	if (state != NULL)
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	while ((q = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap != 0 ? cap * 2 : 16;
			if ((grown = realloc(list, cap * sizeof *list)) ==
			    NULL) {
				rc = no_memory(e);
				goto done;
			}
			list = grown;
		}
		if ((rc = row_fill(st, &r, e)) != CUTRU_OK ||
		    (rc = parse_stored(r.request, r.request_len, &request,
		    e)) != CUTRU_OK)
			goto done;
		rc = summary(&r, request, &list[count], e);
		count++;
		cJSON_Delete(request);
		request = NULL;
		row_free(&r);
		if (rc != CUTRU_OK)
			goto done;
	}
	if (q != SQLITE_DONE) {
		rc = db_fail(db, e);
		goto done;
	}
	*out = list;
	*n = count;
	list = NULL;
	count = 0;
done:
	sqlite3_finalize(st);
	cJSON_Delete(request);
	row_free(&r);
	dossier_list_free(list, count);
	return rc;
}

void
dossier_free(struct dossier *d)
{
	if (d == NULL)
		return;
	free(d->reason);
	free(d->applicant_name);
	cJSON_Delete(d->request);
	cJSON_Delete(d->events);
	memset(d, 0, sizeof *d);
}

void
dossier_list_free(struct dossier *list, size_t n)
{
	size_t i;

	for (i = 0; list != NULL && i < n; i++)
		dossier_free(&list[i]);
	free(list);
}

int
dossier_show(struct session *s, const char *number, time_t now,
    struct dossier *out, struct cutru_err *e)
{
	struct procedure_ctx pctx;
	struct cutru_date today;
	struct cutru_err pe;
	char hh[48], tag[CONSOLE_TAG_LEN + 1];
	cJSON *request = NULL, *events = NULL;
	struct row r;
	int rc;

	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No place was given for the dossier."));
	memset(out, 0, sizeof *out);
	memset(&r, 0, sizeof r);
	if ((rc = active(s, e)) != CUTRU_OK)
		return rc;
	if ((rc = session_today(now, &today, NULL, e)) != CUTRU_OK ||
	    (rc = row_load(session_db(s), number, &r, e)) != CUTRU_OK)
		return rc;
	if ((rc = parse_stored(r.request, r.request_len, &request, e)) != 0 ||
	    (rc = summary(&r, request, out, e)) != CUTRU_OK)
		goto done;
	if (strcmp(r.state, "awaiting") == 0) {
		cutru_err_clear(&pe);
		if (console_tag(session_db(s), 0, tag, &pe) == CUTRU_OK)
			household_of(session_ward_code(s), tag, r.number, hh,
			    sizeof hh);
		memset(&pctx, 0, sizeof pctx);
		pctx.approved = &today;
		pctx.new_household = hh;
		if (pe.msg[0] != '\0')
			out->events_problem = pe;
		else if (procedure_events(request, &pctx, &events, &pe) ==
		    CUTRU_OK)
			date_format_iso(&today, out->events_as_of,
			    sizeof out->events_as_of);
		else
			out->events_problem = pe;
	} else if (strcmp(r.state, "returned") != 0 &&
	    strcmp(r.state, "refused") != 0)
		memcpy(out->events_as_of, r.decided, sizeof out->events_as_of);
	if (events == NULL &&
	    (rc = parse_stored(r.events, r.events_len, &events, e)) != 0)
		goto done;
	out->request = request;
	out->events = events;
	request = events = NULL;
done:
	if (rc != CUTRU_OK)
		dossier_free(out);
	cJSON_Delete(request);
	cJSON_Delete(events);
	row_free(&r);
	return rc;
}

/* ------------------------------------------------------------ signatures */

int
dossier_approval(struct session *s, const char *number, char **canon,
    size_t *len, unsigned char *sig, struct cutru_err *e)
{
	cJSON *events = NULL, *approval = NULL;
	struct row r;
	int rc;

	if (canon == NULL || len == NULL || sig == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No place was given for the approval."));
	*canon = NULL;
	*len = 0;
	if ((rc = active(s, e)) != CUTRU_OK ||
	    (rc = row_load(session_db(s), number, &r, e)) != CUTRU_OK)
		return rc;
	if (!r.has_signature || r.supervisor[0] == '\0' ||
	    r.decided[0] == '\0') {
		rc = cutru_err_set(e, CUTRU_ECONFLICT, "number",
		    _("Dossier %s has not been approved."), r.number);
		goto done;
	}
	if ((rc = parse_stored(r.events, r.events_len, &events, e)) != 0)
		goto done;
	approval = approval_object(session_ward_code(s), r.number,
	    r.procedure, events, r.supervisor, r.decided);
	if (approval == NULL) {
		rc = no_memory(e);
		goto done;
	}
	if ((rc = canon_encode(approval, canon, len, e)) != CUTRU_OK)
		goto done;
	memcpy(sig, r.signature, DOSSIER_SIGNATURE_BYTES);
done:
	cJSON_Delete(events);
	cJSON_Delete(approval);
	row_free(&r);
	return rc;
}

int
dossier_approval_verify(const char *canon, size_t len,
    const unsigned char *sig, const unsigned char *pk, struct cutru_err *e)
{
	static const char *const keys[] = {
		"decided", "dossier", "events", "kind", "procedure",
		"supervisor", "ward", NULL
	};
	const cJSON *m;
	cJSON *o = NULL;
	size_t i;
	int rc;

	if (canon == NULL || sig == NULL || pk == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "approval",
		    _("No approval, signature or key was given."));
	if ((rc = canon_parse(canon, len, &approval_limits,
	    CANON_REQUIRE_CANONICAL, &o, e)) != CUTRU_OK)
		return rc;
	rc = CUTRU_EINVAL;
	if (!cJSON_IsObject(o) || !cJSON_IsArray(
	    cJSON_GetObjectItemCaseSensitive(o, "events")) ||
	    strcmp(field_get_string(o, "kind") != NULL ?
	    field_get_string(o, "kind") : "", DOSSIER_APPROVAL_KIND) != 0)
		goto bad;
	/* Canonical order is sorted: the members are exactly keys[]. */
	for (i = 0, m = o->child; keys[i] != NULL; i++, m = m->next)
		if (m == NULL || strcmp(m->string, keys[i]) != 0 ||
		    (strcmp(keys[i], "events") != 0 && !cJSON_IsString(m)))
			goto bad;
	if (m != NULL)
		goto bad;
	cJSON_Delete(o);
	if (crypto_sign_verify_detached(sig, (const unsigned char *)canon, len,
	    pk) != 0)
		return cutru_err_set(e, CUTRU_ECRYPTO, "signature",
		    _("The approval's signature does not verify with this "
		    "supervisor's key: it was not signed by them, or the "
		    "approval was changed after signing."));
	return CUTRU_OK;
bad:
	cJSON_Delete(o);
	return cutru_err_set(e, rc, "approval",
	    _("This is not a cutru approval: it must be the object with "
	    "kind \"%s\", ward, dossier, procedure, events, supervisor and "
	    "decided."), DOSSIER_APPROVAL_KIND);
}

int
dossier_verify(struct session *s, const char *number,
    const unsigned char *pk, struct cutru_err *e)
{
	unsigned char sig[DOSSIER_SIGNATURE_BYTES];
	char *canon = NULL;
	size_t len = 0;
	int rc;

	if ((rc = dossier_approval(s, number, &canon, &len, sig, e)) ==
	    CUTRU_OK)
		rc = dossier_approval_verify(canon, len, sig, pk, e);
	free(canon);
	return rc;
}
