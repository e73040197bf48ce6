/* Applying domain events to the register: the one code path.
 *
 * core/event.h says what each event may contain and, in its "Apply:"
 * paragraphs, what every store must make of it.  This file is that meaning
 * for a SQLite database with the register's schema (localdb/schema.c): the
 * console's encrypted store and the registry's store run the same code, so
 * the same list of events gives the same register everywhere.  Nothing
 * here knows about keys, files or the clock; the caller brings the
 * database, the events and the date (struct apply_ctx).
 *
 * What each event does (D is ctx->date, the day the change takes effect;
 * "bump" adds one to persons.version or households.version, so that a
 * dossier prepared against an older version can tell the record moved on):
 *
 *   person.upserted      insert the person, or overwrite name, date of
 *                        birth and sex, and phone and email when the event
 *                        carries them (an absent phone keeps the recorded
 *                        one).  Name parts, folded name and sort key are
 *                        derived from the name by core/name.h.  Bumps the
 *                        person only when a value actually changes.
 *   household.created    the number must be new; the head must be a
 *                        person.  The head leaves any household they are
 *                        in (below), then the household is created on D
 *                        with the head as its first member ('head').
 *   household.member_added
 *                        the household must exist and not be dissolved.
 *                        Adding a current member again restates their
 *                        relationship (a new membership row from D; the
 *                        head cannot be re-added).  Otherwise the person
 *                        leaves any other household and joins from D.
 *                        The relationship cannot name the head ("head",
 *                        "Chủ hộ" in any case and with or without marks):
 *                        a head is made by household.head_changed.
 *   household.member_removed
 *                        the person must be a current member; they leave.
 *   household.head_changed
 *                        the new head must be a current member.  The old
 *                        head stays a member with an unknown relationship
 *                        (NULL), the new one becomes 'head', both from D;
 *                        households.head_id follows.
 *   residence.opened     a person has at most one active residence of each
 *                        kind: an active one of the same kind is marked
 *                        'replaced' (closed on the new one's "from"; the
 *                        new row's replaces names it).  Reopening the same
 *                        address is refused (a duplicate, or an extension
 *                        in disguise), and so is a residence that begins
 *                        before the one it replaces.  A permanent residence
 *                        records the person's current household.
 *   residence.extended   the active temporary residence gets the new end,
 *                        which must be later than the present one and, as
 *                        every term, at most EVENT_TEMPORARY_MAX_YEARS
 *                        after it (event_check_term()).
 *   residence.closed     the active residence of that kind is closed with
 *                        its ground, event date and document; the date
 *                        cannot precede its start.  Closing a permanent
 *                        residence also ends the household membership on
 *                        that date.
 *   stay.recorded        a stay and its guests (stay_guests), as given.
 *   absence.recorded     an absence of a person of the register.
 *   confirmation.issued  a CT07 confirmation for a person of the register,
 *                        numbered 1, 2, ... within the year of issue.
 *   identity.corrected   the person's recorded values are replaced by the
 *                        ones given and the replaced values are kept in
 *                        person_corrections with the document.  A new ID
 *                        number re-keys the person (their rows follow, as
 *                        they refer to persons.id) and cannot belong to
 *                        someone else.  The result must still agree with
 *                        itself: the ID number's century/sex digit and
 *                        year against sex and date of birth.
 *
 * Leaving a household (member_removed, joining another, closing the
 * permanent residence): an ordinary member's row ends.  The head may leave
 * only as the last member, and the household is then dissolved: a
 * household always has exactly one head, and one whose head is gone has no
 * members left.  While other members remain, the head must be changed
 * first (CUTRU_ECONFLICT naming the household).
 *
 * Atomicity.  Every call runs inside a SAVEPOINT: an event (or a list) that
 * is refused halfway is rolled back to where it began, whatever the
 * caller's transaction.  Prepared statements are kept for the length of
 * one call, so a long list (an import) prepares each statement once. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/event.h"
#include "core/field.h"
#include "core/i18n.h"
#include "core/idnum.h"
#include "core/name.h"
#include "localdb/apply.h"

enum st {
	ST_PERSON_FIND,
	ST_PERSON_INSERT,
	ST_PERSON_UPSERT,
	ST_PERSON_CORRECT,
	ST_PERSON_BUMP,
	ST_CORRECTION_INSERT,
	ST_HH_FIND,
	ST_HH_INSERT,
	ST_HH_BUMP,
	ST_HH_HEAD,
	ST_HH_DISSOLVE,
	ST_ADDR_FIND,
	ST_ADDR_INSERT,
	ST_MEMBER_CURRENT,
	ST_MEMBER_COUNT,
	ST_MEMBER_HEAD,
	ST_MEMBER_END,
	ST_MEMBER_INSERT,
	ST_RES_ACTIVE,
	ST_RES_REPLACE,
	ST_RES_INSERT,
	ST_RES_EXTEND,
	ST_RES_CLOSE,
	ST_RES_HOUSEHOLD,
	ST_STAY_INSERT,
	ST_GUEST_INSERT,
	ST_ABSENCE_INSERT,
	ST_CONF_NEXT,
	ST_CONF_INSERT,
	ST_COUNT
};

static const char *const sql[ST_COUNT] = {
	[ST_PERSON_FIND] =
	    "SELECT id, sex, dob FROM persons WHERE id_number = ?1",
	[ST_PERSON_INSERT] =
	    "INSERT INTO persons (id_number, name, family, middle, given,"
	    " folded, sort_key, sex, dob, birth_year, phone, email)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	/* Only when something differs, so that the version means change. */
	[ST_PERSON_UPSERT] =
	    "UPDATE persons SET name = ?2, family = ?3, middle = ?4,"
	    " given = ?5, folded = ?6, sort_key = ?7, sex = ?8, dob = ?9,"
	    " birth_year = ?10, phone = coalesce(?11, phone),"
	    " email = coalesce(?12, email), version = version + 1"
	    " WHERE id = ?1 AND (name IS NOT ?2 OR sex IS NOT ?8"
	    " OR dob IS NOT ?9 OR (?11 IS NOT NULL AND phone IS NOT ?11)"
	    " OR (?12 IS NOT NULL AND email IS NOT ?12))",
	[ST_PERSON_CORRECT] =
	    "UPDATE persons SET id_number = ?2, sex = ?3, dob = ?4,"
	    " birth_year = ?5, name = coalesce(?6, name),"
	    " family = coalesce(?7, family), middle = coalesce(?8, middle),"
	    " given = coalesce(?9, given), folded = coalesce(?10, folded),"
	    " sort_key = coalesce(?11, sort_key), version = version + 1"
	    " WHERE id = ?1",
	[ST_PERSON_BUMP] =
	    "UPDATE persons SET version = version + 1 WHERE id = ?1",
	[ST_CORRECTION_INSERT] =
	    "INSERT INTO person_corrections (person_id, corrected,"
	    " document_ref, old_id_number, old_name, old_dob, old_sex,"
	    " dossier_id)"
	    " SELECT id, ?2, ?3, CASE WHEN ?4 THEN id_number END,"
	    " CASE WHEN ?5 THEN name END, CASE WHEN ?6 THEN dob END,"
	    " CASE WHEN ?7 THEN sex END, ?8 FROM persons WHERE id = ?1",
	[ST_HH_FIND] =
	    "SELECT id, dissolved FROM households WHERE number = ?1",
	[ST_HH_INSERT] =
	    "INSERT INTO households (number, address_id, head_id, created)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_HH_BUMP] =
	    "UPDATE households SET version = version + 1 WHERE id = ?1",
	[ST_HH_HEAD] =
	    "UPDATE households SET head_id = ?2, version = version + 1"
	    " WHERE id = ?1",
	[ST_HH_DISSOLVE] =
	    "UPDATE households SET dissolved = ?2, version = version + 1"
	    " WHERE id = ?1",
	[ST_ADDR_FIND] =
	    "SELECT id FROM addresses WHERE commune_code = ?1 AND detail = ?2",
	[ST_ADDR_INSERT] =
	    "INSERT INTO addresses (commune_code, detail) VALUES (?1, ?2)",
	[ST_MEMBER_CURRENT] =
	    "SELECT m.id, m.household_id, m.relationship IS 'head',"
	    " m.relationship, m.since, h.number"
	    " FROM household_members m JOIN households h"
	    " ON h.id = m.household_id"
	    " WHERE m.person_id = ?1 AND m.until IS NULL",
	[ST_MEMBER_COUNT] =
	    "SELECT count(*) FROM household_members"
	    " WHERE household_id = ?1 AND until IS NULL",
	[ST_MEMBER_HEAD] =
	    "SELECT id, person_id FROM household_members"
	    " WHERE household_id = ?1 AND until IS NULL"
	    " AND relationship = 'head'",
	[ST_MEMBER_END] =
	    "UPDATE household_members SET until = ?2 WHERE id = ?1",
	[ST_MEMBER_INSERT] =
	    "INSERT INTO household_members (household_id, person_id,"
	    " relationship, since) VALUES (?1, ?2, ?3, ?4)",
	[ST_RES_ACTIVE] =
	    "SELECT id, address_id, from_date, to_date FROM residences"
	    " WHERE person_id = ?1 AND kind = ?2 AND state = 'active'",
	[ST_RES_REPLACE] =
	    "UPDATE residences SET state = 'replaced', closed_date = ?2"
	    " WHERE id = ?1",
	[ST_RES_INSERT] =
	    "INSERT INTO residences (person_id, kind, household_id,"
	    " address_id, from_date, to_date, state, replaces, dossier_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?8)",
	[ST_RES_EXTEND] =
	    "UPDATE residences SET to_date = ?2 WHERE id = ?1",
	[ST_RES_CLOSE] =
	    "UPDATE residences SET state = 'closed', ground = ?2,"
	    " closed_date = ?3, event_date = ?4, document_ref = ?5,"
	    " closed_dossier_id = ?6 WHERE id = ?1",
	/* A household joined at the address of the person's permanent
	 * residence becomes the residence's household (a split). */
	[ST_RES_HOUSEHOLD] =
	    "UPDATE residences SET household_id = ?2"
	    " WHERE person_id = ?1 AND kind = 'permanent' AND state = 'active'"
	    " AND address_id = (SELECT address_id FROM households"
	    " WHERE id = ?2)",
	[ST_STAY_INSERT] =
	    "INSERT INTO stays (host_id_number, address_id, from_date, to_date,"
	    " dossier_id) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_GUEST_INSERT] =
	    "INSERT INTO stay_guests (stay_id, row, name, folded, dob, sex,"
	    " id_number, passport, nationality)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_ABSENCE_INSERT] =
	    "INSERT INTO absences (person_id, from_date, to_date, case_id,"
	    " destination, reason, dossier_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_CONF_NEXT] =
	    "SELECT coalesce(max(number), 0) + 1 FROM confirmations"
	    " WHERE year = ?1",
	[ST_CONF_INSERT] =
	    "INSERT INTO confirmations (year, number, person_id, requester,"
	    " issued, valid_until, content, dossier_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
};

/* One call's state: the database, the context and the statements
 * prepared so far. */
struct applier {
	sqlite3 *db;
	const struct apply_ctx *ctx;
	char date[DATE_FMT_MAX];    /* ctx->date, ISO */
	sqlite3_stmt *st[ST_COUNT];
};

/* What a SQLite failure means for the caller. */
static int
db_fail(struct applier *a, struct cutru_err *e)
{
	int code = sqlite3_errcode(a->db);

	if (code == SQLITE_NOMEM)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while updating the register."));
	if (code == SQLITE_CONSTRAINT)
		return cutru_err_set(e, CUTRU_ECONFLICT, NULL,
		    _("The change contradicts what the register holds (%s)."),
		    sqlite3_errmsg(a->db));
	return cutru_err_set(e, CUTRU_EIO, NULL,
	    _("The register could not be updated: %s."),
	    sqlite3_errmsg(a->db));
}

/* The statement `which`, prepared once per call, reset and unbound. */
static int
prep(struct applier *a, enum st which, sqlite3_stmt **out,
    struct cutru_err *e)
{
	*out = NULL;
	if (a->st[which] == NULL) {
		if (sqlite3_prepare_v3(a->db, sql[which], -1,
		    SQLITE_PREPARE_PERSISTENT, &a->st[which], NULL) != SQLITE_OK)
			return db_fail(a, e);
	} else {
		sqlite3_reset(a->st[which]);
		sqlite3_clear_bindings(a->st[which]);
	}
	*out = a->st[which];
	return CUTRU_OK;
}

/* Run a statement that returns no row. */
static int
run(struct applier *a, sqlite3_stmt *st, struct cutru_err *e)
{
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_fail(a, e);
	return CUTRU_OK;
}

/* Step a query: CUTRU_OK with *row 1 (a row) or 0 (none). */
static int
step(struct applier *a, sqlite3_stmt *st, int *row, struct cutru_err *e)
{
	int r = sqlite3_step(st);

	*row = 0;
	if (r == SQLITE_ROW) {
		*row = 1;
		return CUTRU_OK;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_fail(a, e);
	return CUTRU_OK;
}

/* Text binding; NULL binds SQL NULL.  The text outlives the step. */
static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void
bind_span(sqlite3_stmt *st, int i, const char *base,
    const struct name_span *sp)
{
	sqlite3_bind_text(st, i, base + sp->off, (int)sp->len, SQLITE_STATIC);
}

/* An id: 0 binds NULL (no dossier, no household). */
static void
bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, id);
}

/* Copy text column i of the current row into buf (size bytes); "" for
 * NULL or text that does not fit (only used for short values the schema
 * bounds: dates, household numbers, relationships). */
static void
col_copy(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);

	buf[0] = '\0';
	if (s != NULL && n >= 0 && (size_t)n < size) {
		memcpy(buf, s, (size_t)n);
		buf[n] = '\0';
	}
}

static const char *
str(const cJSON *d, const char *key)
{
	return field_get_string(d, key);
}

static int
sex_code(const char *s)
{
	if (s != NULL && strcmp(s, "male") == 0)
		return CUTRU_SEX_MALE;
	if (s != NULL && strcmp(s, "female") == 0)
		return CUTRU_SEX_FEMALE;
	return CUTRU_SEX_UNKNOWN;
}

/* e->field = path, cut to fit. */
static void
set_field(struct cutru_err *e, const char *path)
{
	size_t n;

	if (e == NULL)
		return;
	n = strlen(path);
	if (n >= sizeof e->field)
		n = sizeof e->field - 1;
	memmove(e->field, path, n);
	e->field[n] = '\0';
}

/* Label of a residence kind, translated, for messages. */
static const char *
kind_label(const char *kind)
{
	const struct field_choice *c =
	    field_choice_find(event_residence_kinds, kind);

	return c != NULL ? _(c->label) : kind;
}

/* ---- Names ---- */

/* The derived columns of a stored name. */
struct name_cols {
	const char *name;
	struct name_parts parts;
	char folded[NAME_BUF_SIZE];
	uint8_t key[NAME_SORT_KEY_SIZE];
	size_t keylen;
};

static int
name_cols_make(const char *name, struct name_cols *nc, const char *field,
    struct cutru_err *e)
{
	size_t len = strlen(name);
	int rc;

	nc->name = name;
	name_split(name, len, &nc->parts);
	rc = name_fold(name, len, nc->folded, sizeof nc->folded, NULL, e);
	if (rc == CUTRU_OK)
		rc = name_sort_key(name, len, nc->key, sizeof nc->key,
		    &nc->keylen, e);
	if (rc != CUTRU_OK)
		set_field(e, field);
	return rc;
}

/* Bind a name's columns at i (name), i+1 (family), i+2 (middle),
 * i+3 (given), i+4 (folded), i+5 (sort key). */
static void
bind_name(sqlite3_stmt *st, int i, const struct name_cols *nc)
{
	bind_text(st, i, nc->name);
	bind_span(st, i + 1, nc->name, &nc->parts.family);
	bind_span(st, i + 2, nc->name, &nc->parts.middle);
	bind_span(st, i + 3, nc->name, &nc->parts.given);
	bind_text(st, i + 4, nc->folded);
	sqlite3_bind_blob(st, i + 5, nc->key, (int)nc->keylen, SQLITE_STATIC);
}

/* Year of a (partial) date of birth, bound as birth_year, or NULL. */
static void
bind_birth_year(sqlite3_stmt *st, int i, const char *dob)
{
	struct cutru_date d;

	if (dob != NULL && date_parse(dob, NULL, &d, NULL) == CUTRU_OK &&
	    d.prec != CUTRU_DATE_NONE)
		sqlite3_bind_int(st, i, d.year);
	else
		sqlite3_bind_null(st, i);
}

/* ---- Lookups ---- */

struct person_row {
	int64_t id;
	int sex;
	char dob[DATE_FMT_MAX];
};

/* The person with this ID number: p->id 0 when there is none. */
static int
person_find(struct applier *a, const char *idn, struct person_row *p,
    struct cutru_err *e)
{
	sqlite3_stmt *st;
	int rc, row;

	memset(p, 0, sizeof *p);
	if ((rc = prep(a, ST_PERSON_FIND, &st, e)) != CUTRU_OK)
		return rc;
	bind_text(st, 1, idn);
	if ((rc = step(a, st, &row, e)) != CUTRU_OK || !row)
		return rc;
	p->id = sqlite3_column_int64(st, 0);
	p->sex = sqlite3_column_int(st, 1);
	col_copy(st, 2, p->dob, sizeof p->dob);
	sqlite3_reset(st);
	return CUTRU_OK;
}

/* As person_find(), but a missing person is CUTRU_ENOTFOUND on field. */
static int
person_need(struct applier *a, const char *idn, const char *field,
    struct person_row *p, struct cutru_err *e)
{
	int rc = person_find(a, idn, p, e);

	if (rc == CUTRU_OK && p->id == 0)
		return cutru_err_set(e, CUTRU_ENOTFOUND, field,
		    _("No person with ID number %s is in the register: record "
		    "their identity first."), idn);
	return rc;
}

struct household_row {
	int64_t id;
	const char *number;         /* the event's string */
	char dissolved[DATE_FMT_MAX]; /* "" while it exists */
};

/* The household with this number; CUTRU_ENOTFOUND on field if none, and
 * CUTRU_ECONFLICT if it was dissolved and open is set. */
static int
household_need(struct applier *a, const char *number, const char *field,
    int open, struct household_row *h, struct cutru_err *e)
{
	sqlite3_stmt *st;
	int rc, row;

	memset(h, 0, sizeof *h);
	h->number = number;
	if ((rc = prep(a, ST_HH_FIND, &st, e)) != CUTRU_OK)
		return rc;
	bind_text(st, 1, number);
	if ((rc = step(a, st, &row, e)) != CUTRU_OK)
		return rc;
	if (!row)
		return cutru_err_set(e, CUTRU_ENOTFOUND, field,
		    _("Household %s is not in the register: check the "
		    "household number."), number);
	h->id = sqlite3_column_int64(st, 0);
	col_copy(st, 1, h->dissolved, sizeof h->dissolved);
	sqlite3_reset(st);
	if (open && h->dissolved[0] != '\0')
		return cutru_err_set(e, CUTRU_ECONFLICT, field,
		    _("Household %s was dissolved on %s: it cannot change any "
		    "more."), number, h->dissolved);
	return CUTRU_OK;
}

/* The id of this address, inserted when new. */
static int
address_id(struct applier *a, const cJSON *addr, int64_t *id,
    struct cutru_err *e)
{
	const char *commune = str(addr, "commune"), *detail = str(addr,
	    "detail");
	sqlite3_stmt *st;
	int rc, row;

	*id = 0;
	if ((rc = prep(a, ST_ADDR_FIND, &st, e)) != CUTRU_OK)
		return rc;
	bind_text(st, 1, commune);
	bind_text(st, 2, detail);
	if ((rc = step(a, st, &row, e)) != CUTRU_OK)
		return rc;
	if (row) {
		*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return CUTRU_OK;
	}
	if ((rc = prep(a, ST_ADDR_INSERT, &st, e)) != CUTRU_OK)
		return rc;
	bind_text(st, 1, commune);
	bind_text(st, 2, detail);
	if ((rc = run(a, st, e)) != CUTRU_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(a->db);
	return CUTRU_OK;
}

/* Run a statement whose only parameter is an id. */
static int
run_id(struct applier *a, enum st which, int64_t id, struct cutru_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(a, which, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	return run(a, st, e);
}

/* Run a statement with an id and a text. */
static int
run_id_text(struct applier *a, enum st which, int64_t id, const char *s,
    struct cutru_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(a, which, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, s);
	return run(a, st, e);
}

/* ---- Households ---- */

struct membership {
	int64_t id;                 /* 0: not a member of any household */
	int64_t household_id;
	int is_head;
	char relationship[256];
	char since[DATE_FMT_MAX];
	char number[40];
};

static int
membership_current(struct applier *a, int64_t pid, struct membership *m,
    struct cutru_err *e)
{
	sqlite3_stmt *st;
	int rc, row;

	memset(m, 0, sizeof *m);
	if ((rc = prep(a, ST_MEMBER_CURRENT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, pid);
	if ((rc = step(a, st, &row, e)) != CUTRU_OK || !row)
		return rc;
	m->id = sqlite3_column_int64(st, 0);
	m->household_id = sqlite3_column_int64(st, 1);
	m->is_head = sqlite3_column_int(st, 2);
	col_copy(st, 3, m->relationship, sizeof m->relationship);
	col_copy(st, 4, m->since, sizeof m->since);
	col_copy(st, 5, m->number, sizeof m->number);
	sqlite3_reset(st);
	return CUTRU_OK;
}

static int
member_count(struct applier *a, int64_t hid, int64_t *n,
    struct cutru_err *e)
{
	sqlite3_stmt *st;
	int rc, row;

	*n = 0;
	if ((rc = prep(a, ST_MEMBER_COUNT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, hid);
	if ((rc = step(a, st, &row, e)) != CUTRU_OK)
		return rc;
	if (row) {
		*n = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return CUTRU_OK;
}

/* A new membership row from `since`; relationship NULL = unknown. */
static int
member_insert(struct applier *a, int64_t hid, int64_t pid,
    const char *relationship, const char *since, struct cutru_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(a, ST_MEMBER_INSERT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, hid);
	sqlite3_bind_int64(st, 2, pid);
	bind_text(st, 3, relationship);
	bind_text(st, 4, since);
	return run(a, st, e);
}

/* The person (ID number idn, for messages) leaves their household, if
 * any, on `until` (see the top of this file for the head). */
static int
household_leave(struct applier *a, int64_t pid, const char *idn,
    const char *until, const char *field, struct cutru_err *e)
{
	struct membership m;
	int64_t n;
	int rc;

	if ((rc = membership_current(a, pid, &m, e)) != CUTRU_OK ||
	    m.id == 0)
		return rc;
	if (strcmp(until, m.since) < 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, field,
		    _("ID number %s joined household %s on %s: they cannot "
		    "leave it on %s, before that."), idn, m.number, m.since,
		    until);
	if (m.is_head) {
		if ((rc = member_count(a, m.household_id, &n, e)) != CUTRU_OK)
			return rc;
		if (n > 1)
			return cutru_err_set(e, CUTRU_ECONFLICT, field,
			    _("ID number %s is the head of household %s, which "
			    "has other members: change the head of household "
			    "first."), idn, m.number);
		rc = run_id_text(a, ST_HH_DISSOLVE, m.household_id, until, e);
	} else
		rc = run_id(a, ST_HH_BUMP, m.household_id, e);
	if (rc == CUTRU_OK)
		rc = run_id_text(a, ST_MEMBER_END, m.id, until, e);
	if (rc == CUTRU_OK)
		rc = run_id(a, ST_PERSON_BUMP, pid, e);
	return rc;
}

/* The person joins household hid from the day of the change. */
static int
household_join(struct applier *a, int64_t hid, int64_t pid,
    const char *relationship, struct cutru_err *e)
{

	sqlite3_stmt *st;
	int rc;

	if ((rc = member_insert(a, hid, pid, relationship, a->date, e)) !=
	    CUTRU_OK ||
	    (rc = prep(a, ST_RES_HOUSEHOLD, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int64(st, 2, hid);
	return run(a, st, e);
}

/* Does a relationship name the head ("head", "Chủ hộ", "CHU HO")? */
static int
names_head(const char *relationship, int *yes, struct cutru_err *e)
{
	char folded[NAME_BUF_SIZE];
	int rc;

	*yes = 0;
	if (strlen(relationship) >= NAME_BUF_SIZE / 4)
		return CUTRU_OK;    /* far longer than either term */
	rc = name_fold(relationship, strlen(relationship), folded,
	    sizeof folded, NULL, e);
	if (rc != CUTRU_OK)
		return rc;
	*yes = strcmp(folded, "head") == 0 || strcmp(folded, "chu ho") == 0;
	return CUTRU_OK;
}

/* ---- Events ---- */

static int
ev_person_upserted(struct applier *a, const cJSON *d, struct cutru_err *e)
{
	const char *idn = str(d, "id_number"), *dob = str(d, "dob");
	struct name_cols nc;
	struct person_row p;
	sqlite3_stmt *st;
	int rc;

	if ((rc = name_cols_make(str(d, "name"), &nc, "data.name", e)) !=
	    CUTRU_OK ||
	    (rc = person_find(a, idn, &p, e)) != CUTRU_OK)
		return rc;
	if (p.id == 0) {
		if ((rc = prep(a, ST_PERSON_INSERT, &st, e)) != CUTRU_OK)
			return rc;
		bind_text(st, 1, idn);
		bind_name(st, 2, &nc);
		sqlite3_bind_int(st, 8, sex_code(str(d, "sex")));
		bind_text(st, 9, dob);
		bind_birth_year(st, 10, dob);
		bind_text(st, 11, str(d, "phone"));
		bind_text(st, 12, str(d, "email"));
		return run(a, st, e);
	}
	if ((rc = prep(a, ST_PERSON_UPSERT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p.id);
	bind_name(st, 2, &nc);
	sqlite3_bind_int(st, 8, sex_code(str(d, "sex")));
	bind_text(st, 9, dob);
	bind_birth_year(st, 10, dob);
	bind_text(st, 11, str(d, "phone"));
	bind_text(st, 12, str(d, "email"));
	return run(a, st, e);
}

static int
ev_household_created(struct applier *a, const cJSON *d, struct cutru_err *e)
{
	const char *number = str(d, "household"), *head = str(d, "head");
	struct household_row h;
	struct person_row p;
	sqlite3_stmt *st;
	int64_t addr, hid;
	int rc;

	if ((rc = person_need(a, head, "data.head", &p, e)) != CUTRU_OK)
		return rc;
	rc = household_need(a, number, "data.household", 0, &h, e);
	if (rc == CUTRU_OK)
		return cutru_err_set(e, CUTRU_ECONFLICT, "data.household",
		    _("Household number %s is already in use: give the new "
		    "household a number of its own."), number);
	if (rc != CUTRU_ENOTFOUND)
		return rc;
	cutru_err_clear(e);
	if ((rc = address_id(a, cJSON_GetObjectItemCaseSensitive(d,
	    "address"), &addr, e)) != CUTRU_OK ||
	    (rc = household_leave(a, p.id, head, a->date, "data.head", e)) !=
	    CUTRU_OK ||
	    (rc = prep(a, ST_HH_INSERT, &st, e)) != CUTRU_OK)
		return rc;
	bind_text(st, 1, number);
	sqlite3_bind_int64(st, 2, addr);
	sqlite3_bind_int64(st, 3, p.id);
	bind_text(st, 4, a->date);
	if ((rc = run(a, st, e)) != CUTRU_OK)
		return rc;
	hid = sqlite3_last_insert_rowid(a->db);
	if ((rc = household_join(a, hid, p.id, "head", e)) != CUTRU_OK)
		return rc;
	return run_id(a, ST_PERSON_BUMP, p.id, e);
}

static int
ev_member_added(struct applier *a, const cJSON *d, struct cutru_err *e)
{
	const char *idn = str(d, "person");
	const char *rel = str(d, "relationship");
	struct household_row h;
	struct person_row p;
	struct membership m;
	int rc, head;

	if ((rc = names_head(rel, &head, e)) != CUTRU_OK)
		return rc;
	if (head)
		return cutru_err_set(e, CUTRU_EINVAL, "data.relationship",
		    _("\"%s\" names the head of household: a household gets a "
		    "new head through a change of head, not by adding a "
		    "member."), rel);
	if ((rc = household_need(a, str(d, "household"), "data.household", 1,
	    &h, e)) != CUTRU_OK ||
	    (rc = person_need(a, idn, "data.person", &p, e)) != CUTRU_OK ||
	    (rc = membership_current(a, p.id, &m, e)) != CUTRU_OK)
		return rc;
	if (m.id != 0 && m.household_id == h.id) {
		/* Already a member: the relationship is restated. */
		if (m.is_head)
			return cutru_err_set(e, CUTRU_ECONFLICT, "data.person",
			    _("ID number %s is the head of household %s: a "
			    "head is not added to their own household."),
			    idn, h.number);
		if (strcmp(m.relationship, rel) == 0)
			return CUTRU_OK;
		if ((rc = run_id_text(a, ST_MEMBER_END, m.id, a->date, e)) !=
		    CUTRU_OK ||
		    (rc = member_insert(a, h.id, p.id, rel, a->date, e)) !=
		    CUTRU_OK ||
		    (rc = run_id(a, ST_HH_BUMP, h.id, e)) != CUTRU_OK)
			return rc;
		return run_id(a, ST_PERSON_BUMP, p.id, e);
	}
	if ((rc = household_leave(a, p.id, idn, a->date, "data.person", e)) !=
	    CUTRU_OK ||
	    (rc = household_join(a, h.id, p.id, rel, e)) != CUTRU_OK ||
	    (rc = run_id(a, ST_HH_BUMP, h.id, e)) != CUTRU_OK)
		return rc;
	return run_id(a, ST_PERSON_BUMP, p.id, e);
}

static int
ev_member_removed(struct applier *a, const cJSON *d, struct cutru_err *e)
{
	const char *idn = str(d, "person");
	struct household_row h;
	struct person_row p;
	struct membership m;
	int rc;

	if ((rc = household_need(a, str(d, "household"), "data.household", 0,
	    &h, e)) != CUTRU_OK ||
	    (rc = person_need(a, idn, "data.person", &p, e)) != CUTRU_OK ||
	    (rc = membership_current(a, p.id, &m, e)) != CUTRU_OK)
		return rc;
	if (m.id == 0 || m.household_id != h.id)
		return cutru_err_set(e, CUTRU_ECONFLICT, "data.person",
		    _("ID number %s is not a member of household %s."), idn,
		    h.number);
	return household_leave(a, p.id, idn, a->date, "data.person", e);
}

static int
ev_head_changed(struct applier *a, const cJSON *d, struct cutru_err *e)
{
	const char *idn = str(d, "head");
	struct household_row h;
	struct person_row p;
	struct membership m;
	sqlite3_stmt *st;
	int64_t old_row = 0, old_pid = 0;
	int rc, row;

	if ((rc = household_need(a, str(d, "household"), "data.household", 1,
	    &h, e)) != CUTRU_OK ||
	    (rc = person_need(a, idn, "data.head", &p, e)) != CUTRU_OK ||
	    (rc = membership_current(a, p.id, &m, e)) != CUTRU_OK)
		return rc;
	if (m.id == 0 || m.household_id != h.id)
		return cutru_err_set(e, CUTRU_ECONFLICT, "data.head",
		    _("ID number %s is not a member of household %s: add them "
		    "to the household before making them its head."), idn,
		    h.number);
	if (m.is_head)
		return CUTRU_OK;
	if ((rc = prep(a, ST_MEMBER_HEAD, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, h.id);
	if ((rc = step(a, st, &row, e)) != CUTRU_OK)
		return rc;
	if (row) {
		old_row = sqlite3_column_int64(st, 0);
		old_pid = sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
	}
	/* The old head's row ends first: one current head at any time. */
	if (old_row != 0 &&
	    ((rc = run_id_text(a, ST_MEMBER_END, old_row, a->date, e)) !=
	    CUTRU_OK ||
	    (rc = member_insert(a, h.id, old_pid, NULL, a->date, e)) !=
	    CUTRU_OK ||
	    (rc = run_id(a, ST_PERSON_BUMP, old_pid, e)) != CUTRU_OK))
		return rc;
	if ((rc = run_id_text(a, ST_MEMBER_END, m.id, a->date, e)) !=
	    CUTRU_OK ||
	    (rc = member_insert(a, h.id, p.id, "head", a->date, e)) !=
	    CUTRU_OK ||
	    (rc = run_id(a, ST_PERSON_BUMP, p.id, e)) != CUTRU_OK ||
	    (rc = prep(a, ST_HH_HEAD, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, h.id);
	sqlite3_bind_int64(st, 2, p.id);
	return run(a, st, e);
}

struct residence_row {
	int64_t id;                 /* 0: none active */
	int64_t address_id;
	char from[DATE_FMT_MAX];
	char to[DATE_FMT_MAX];
};

static int
residence_active(struct applier *a, int64_t pid, const char *kind,
    struct residence_row *r, struct cutru_err *e)
{
	sqlite3_stmt *st;
	int rc, row;

	memset(r, 0, sizeof *r);
	if ((rc = prep(a, ST_RES_ACTIVE, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, pid);
	bind_text(st, 2, kind);
	if ((rc = step(a, st, &row, e)) != CUTRU_OK || !row)
		return rc;
	r->id = sqlite3_column_int64(st, 0);
	r->address_id = sqlite3_column_int64(st, 1);
	col_copy(st, 2, r->from, sizeof r->from);
	col_copy(st, 3, r->to, sizeof r->to);
	sqlite3_reset(st);
	return CUTRU_OK;
}

static int
ev_residence_opened(struct applier *a, const cJSON *d, struct cutru_err *e)
{
	const char *idn = str(d, "person"), *kind = str(d, "kind");
	const char *from = str(d, "from");
	struct residence_row old;
	struct person_row p;
	struct membership m;
	sqlite3_stmt *st;
	int64_t addr;
	int rc;

	if ((rc = person_need(a, idn, "data.person", &p, e)) != CUTRU_OK ||
	    (rc = address_id(a, cJSON_GetObjectItemCaseSensitive(d,
	    "address"), &addr, e)) != CUTRU_OK ||
	    (rc = residence_active(a, p.id, kind, &old, e)) != CUTRU_OK)
		return rc;
	if (old.id != 0) {
		if (old.address_id == addr)
			return cutru_err_set(e, CUTRU_ECONFLICT, "data.address",
			    _("ID number %s already has this residence (%s) at "
			    "this address, since %s."), idn, kind_label(kind),
			    old.from);
		if (strcmp(from, old.from) < 0)
			return cutru_err_set(e, CUTRU_ECONFLICT, "data.from",
			    _("The new residence (%s) of ID number %s begins on "
			    "%s, before the one it replaces (since %s)."),
			    kind_label(kind), idn, from, old.from);
		if ((rc = run_id_text(a, ST_RES_REPLACE, old.id, from, e)) !=
		    CUTRU_OK)
			return rc;
	}
	m.household_id = 0;
	if (strcmp(kind, "permanent") == 0 &&
	    (rc = membership_current(a, p.id, &m, e)) != CUTRU_OK)
		return rc;
	if ((rc = prep(a, ST_RES_INSERT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p.id);
	bind_text(st, 2, kind);
	bind_id(st, 3, m.household_id);
	sqlite3_bind_int64(st, 4, addr);
	bind_text(st, 5, from);
	bind_text(st, 6, str(d, "to"));
	bind_id(st, 7, old.id);
	bind_id(st, 8, a->ctx->dossier_id);
	if ((rc = run(a, st, e)) != CUTRU_OK)
		return rc;
	return run_id(a, ST_PERSON_BUMP, p.id, e);
}

static int
ev_residence_extended(struct applier *a, const cJSON *d,
    struct cutru_err *e)
{
	const char *idn = str(d, "person"), *to = str(d, "to");
	struct cutru_date cur, next;
	struct residence_row r;
	struct person_row p;
	int rc;

	if ((rc = person_need(a, idn, "data.person", &p, e)) != CUTRU_OK ||
	    (rc = residence_active(a, p.id, "temporary", &r, e)) != CUTRU_OK)
		return rc;
	if (r.id == 0)
		return cutru_err_set(e, CUTRU_ENOTFOUND, "data.person",
		    _("ID number %s has no active temporary residence to "
		    "extend."), idn);
	if (strcmp(to, r.to) <= 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, "data.to",
		    _("The temporary residence of ID number %s already runs "
		    "until %s: an extension must end later."), idn, r.to);
	if (date_parse(r.to, NULL, &cur, NULL) != CUTRU_OK ||
	    date_parse(to, NULL, &next, NULL) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_EINTERNAL, "data.to",
		    _("The recorded end of the temporary residence of ID "
		    "number %s is not a date."), idn);
	if ((rc = event_check_term(&cur, &next, "data.to", e)) != CUTRU_OK ||
	    (rc = run_id_text(a, ST_RES_EXTEND, r.id, to, e)) != CUTRU_OK)
		return rc;
	return run_id(a, ST_PERSON_BUMP, p.id, e);
}

static int
ev_residence_closed(struct applier *a, const cJSON *d, struct cutru_err *e)
{
	const char *idn = str(d, "person"), *kind = str(d, "kind");
	const char *date = str(d, "date");
	struct residence_row r;
	struct person_row p;
	sqlite3_stmt *st;
	int rc;

	if ((rc = person_need(a, idn, "data.person", &p, e)) != CUTRU_OK ||
	    (rc = residence_active(a, p.id, kind, &r, e)) != CUTRU_OK)
		return rc;
	if (r.id == 0)
		return cutru_err_set(e, CUTRU_ENOTFOUND, "data.kind",
		    _("ID number %s has no active residence of this kind (%s) "
		    "to delete."), idn, kind_label(kind));
	if (strcmp(date, r.from) < 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, "data.date",
		    _("The deletion date %s comes before the residence began "
		    "(%s)."), date, r.from);
	if ((rc = prep(a, ST_RES_CLOSE, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, r.id);
	bind_text(st, 2, str(d, "ground"));
	bind_text(st, 3, date);
	bind_text(st, 4, str(d, "event_date"));
	bind_text(st, 5, str(d, "document_ref"));
	bind_id(st, 6, a->ctx->dossier_id);
	if ((rc = run(a, st, e)) != CUTRU_OK)
		return rc;
	if (strcmp(kind, "permanent") == 0 &&
	    (rc = household_leave(a, p.id, idn, date, "data.person", e)) !=
	    CUTRU_OK)
		return rc;
	return run_id(a, ST_PERSON_BUMP, p.id, e);
}

static int
ev_stay_recorded(struct applier *a, const cJSON *d, struct cutru_err *e)
{
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(d, "guests");
	char folded[NAME_BUF_SIZE], idx[FIELD_PATH_MAX], path[FIELD_PATH_MAX];
	sqlite3_stmt *st;
	int64_t addr, stay;
	const char *name;
	int rc, row;

	if ((rc = address_id(a, cJSON_GetObjectItemCaseSensitive(d,
	    "address"), &addr, e)) != CUTRU_OK ||
	    (rc = prep(a, ST_STAY_INSERT, &st, e)) != CUTRU_OK)
		return rc;
	bind_text(st, 1, str(d, "host"));
	sqlite3_bind_int64(st, 2, addr);
	bind_text(st, 3, str(d, "from"));
	bind_text(st, 4, str(d, "to"));
	bind_id(st, 5, a->ctx->dossier_id);
	if ((rc = run(a, st, e)) != CUTRU_OK)
		return rc;
	stay = sqlite3_last_insert_rowid(a->db);
	for (row = 1, g = g->child; g != NULL; g = g->next, row++) {
		name = str(g, "name");
		rc = name_fold(name, strlen(name), folded, sizeof folded, NULL,
		    e);
		if (rc != CUTRU_OK) {
			field_path_index(idx, sizeof idx, "data.guests",
			    row - 1);
			field_path_key(path, sizeof path, idx, "name");
			set_field(e, path);
			return rc;
		}
		if ((rc = prep(a, ST_GUEST_INSERT, &st, e)) != CUTRU_OK)
			return rc;
		sqlite3_bind_int64(st, 1, stay);
		sqlite3_bind_int(st, 2, row);
		bind_text(st, 3, name);
		bind_text(st, 4, folded);
		bind_text(st, 5, str(g, "dob"));
		sqlite3_bind_int(st, 6, sex_code(str(g, "sex")));
		bind_text(st, 7, str(g, "id_number"));
		bind_text(st, 8, str(g, "passport"));
		bind_text(st, 9, str(g, "nationality"));
		if ((rc = run(a, st, e)) != CUTRU_OK)
			return rc;
	}
	return CUTRU_OK;
}

static int
ev_absence_recorded(struct applier *a, const cJSON *d, struct cutru_err *e)
{
	struct person_row p;
	sqlite3_stmt *st;
	int rc;

	if ((rc = person_need(a, str(d, "person"), "data.person", &p, e)) !=
	    CUTRU_OK ||
	    (rc = prep(a, ST_ABSENCE_INSERT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p.id);
	bind_text(st, 2, str(d, "from"));
	bind_text(st, 3, str(d, "to"));
	bind_text(st, 4, str(d, "case"));
	bind_text(st, 5, str(d, "destination"));
	bind_text(st, 6, str(d, "reason"));
	bind_id(st, 7, a->ctx->dossier_id);
	return run(a, st, e);
}

static int
ev_confirmation_issued(struct applier *a, const cJSON *d,
    struct cutru_err *e)
{
	struct cutru_date issued;
	struct person_row p;
	sqlite3_stmt *st;
	int64_t number = 1;
	int rc, row;

	if ((rc = person_need(a, str(d, "person"), "data.person", &p, e)) !=
	    CUTRU_OK)
		return rc;
	field_get_date(d, "issued", &issued);
	if ((rc = prep(a, ST_CONF_NEXT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int(st, 1, issued.year);
	if ((rc = step(a, st, &row, e)) != CUTRU_OK)
		return rc;
	if (row) {
		number = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	if ((rc = prep(a, ST_CONF_INSERT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int(st, 1, issued.year);
	sqlite3_bind_int64(st, 2, number);
	sqlite3_bind_int64(st, 3, p.id);
	bind_text(st, 4, str(d, "requester"));
	bind_text(st, 5, str(d, "issued"));
	bind_text(st, 6, str(d, "valid_until"));
	bind_text(st, 7, str(d, "content"));
	bind_id(st, 8, a->ctx->dossier_id);
	return run(a, st, e);
}

static int
ev_identity_corrected(struct applier *a, const cJSON *d,
    struct cutru_err *e)
{
	const char *old_idn = str(d, "person"), *new_idn = str(d, "id_number");
	const char *name = str(d, "name"), *sex = str(d, "sex");
	const char *dob = str(d, "dob");
	struct person_row p, other;
	struct idnum_info info;
	struct cutru_date born;
	struct name_cols nc;
	sqlite3_stmt *st;
	int rc, new_sex;

	if ((rc = person_need(a, old_idn, "data.person", &p, e)) != CUTRU_OK)
		return rc;
	if (new_idn != NULL && strcmp(new_idn, old_idn) != 0) {
		if ((rc = person_find(a, new_idn, &other, e)) != CUTRU_OK)
			return rc;
		if (other.id != 0)
			return cutru_err_set(e, CUTRU_ECONFLICT,
			    "data.id_number",
			    _("ID number %s already belongs to another person "
			    "in the register."), new_idn);
	}
	/* The corrected record must agree with itself. */
	if (new_idn == NULL)
		new_idn = old_idn;
	new_sex = sex != NULL ? sex_code(sex) : p.sex;
	if (dob == NULL)
		dob = p.dob[0] != '\0' ? p.dob : NULL;
	if (dob == NULL || date_parse(dob, NULL, &born, NULL) != CUTRU_OK)
		born.prec = CUTRU_DATE_NONE;
	if ((rc = idnum_parse(new_idn, &info, e)) != CUTRU_OK ||
	    (rc = idnum_check_person(&info, (enum cutru_sex)new_sex, &born,
	    e)) != CUTRU_OK) {
		set_field(e, "data");
		return rc;
	}
	if (name != NULL &&
	    (rc = name_cols_make(name, &nc, "data.name", e)) != CUTRU_OK)
		return rc;
	if ((rc = prep(a, ST_CORRECTION_INSERT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p.id);
	bind_text(st, 2, a->date);
	bind_text(st, 3, str(d, "document_ref"));
	sqlite3_bind_int(st, 4, cJSON_HasObjectItem(d, "id_number"));
	sqlite3_bind_int(st, 5, name != NULL);
	sqlite3_bind_int(st, 6, cJSON_HasObjectItem(d, "dob"));
	sqlite3_bind_int(st, 7, sex != NULL);
	bind_id(st, 8, a->ctx->dossier_id);
	if ((rc = run(a, st, e)) != CUTRU_OK ||
	    (rc = prep(a, ST_PERSON_CORRECT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p.id);
	bind_text(st, 2, new_idn);
	sqlite3_bind_int(st, 3, new_sex);
	bind_text(st, 4, dob);
	bind_birth_year(st, 5, dob);
	if (name != NULL)
		bind_name(st, 6, &nc);
	return run(a, st, e);
}

static const struct {
	const char *type;
	int (*fn)(struct applier *, const cJSON *, struct cutru_err *);
} handlers[] = {
	{ "person.upserted", ev_person_upserted },
	{ "household.created", ev_household_created },
	{ "household.member_added", ev_member_added },
	{ "household.member_removed", ev_member_removed },
	{ "household.head_changed", ev_head_changed },
	{ "residence.opened", ev_residence_opened },
	{ "residence.extended", ev_residence_extended },
	{ "residence.closed", ev_residence_closed },
	{ "stay.recorded", ev_stay_recorded },
	{ "absence.recorded", ev_absence_recorded },
	{ "confirmation.issued", ev_confirmation_issued },
	{ "identity.corrected", ev_identity_corrected },
};

/* Validate and apply one event (no savepoint of its own). */
static int
apply_one(struct applier *a, const cJSON *ev, struct cutru_err *e)
{
	const char *type;
	size_t i;
	int rc;

	if ((rc = event_validate(ev, e)) != CUTRU_OK)
		return rc;
	type = field_get_string(ev, "type");
	for (i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
		if (strcmp(handlers[i].type, type) == 0)
			return handlers[i].fn(a,
			    cJSON_GetObjectItemCaseSensitive(ev, "data"), e);
	return cutru_err_set(e, CUTRU_EINTERNAL, "type",
	    _("This version of cutru cannot apply events of type \"%s\"."),
	    type);
}

/* Check the arguments and open the savepoint. */
static int
applier_begin(struct applier *a, sqlite3 *db, const struct apply_ctx *ctx,
    struct cutru_err *e)
{
	memset(a, 0, sizeof *a);
	a->db = db;
	a->ctx = ctx;
	if (db == NULL || ctx == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to apply the change to."));
	if (ctx->dossier_id < 0 || ctx->date.prec != CUTRU_DATE_DAY ||
	    date_format_iso(&ctx->date, a->date, sizeof a->date) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_EINVAL, "date",
		    _("A change to the register needs the full date on which "
		    "it takes effect."));
	if (sqlite3_exec(db, "SAVEPOINT cutru_apply", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_fail(a, e);
	return CUTRU_OK;
}

/* Release the savepoint on success, roll back to it otherwise; free the
 * statements.  Returns rc, or the failure to commit the savepoint. */
static int
applier_end(struct applier *a, int rc, struct cutru_err *e)
{
	size_t i;

	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(a->st[i]);
	if (rc == CUTRU_OK) {
		if (sqlite3_exec(a->db, "RELEASE cutru_apply", NULL, NULL,
		    NULL) == SQLITE_OK)
			return CUTRU_OK;
		rc = db_fail(a, e);
	}
	/* After an I/O error SQLite may have rolled back the whole
	 * transaction and the savepoint with it: nothing is left to undo. */
	sqlite3_exec(a->db, "ROLLBACK TO cutru_apply", NULL, NULL, NULL);
	sqlite3_exec(a->db, "RELEASE cutru_apply", NULL, NULL, NULL);
	return rc;
}

int
apply_event(sqlite3 *db, const cJSON *event, const struct apply_ctx *ctx,
    struct cutru_err *e)
{
	struct applier a;
	int rc;

	if ((rc = applier_begin(&a, db, ctx, e)) != CUTRU_OK)
		return rc;
	return applier_end(&a, apply_one(&a, event, e), e);
}

int
apply_events(sqlite3 *db, const cJSON *events, const struct apply_ctx *ctx,
    struct cutru_err *e)
{
	char idx[FIELD_PATH_MAX], path[FIELD_PATH_MAX];
	struct applier a;
	const cJSON *ev;
	int i, rc;

	if (!cJSON_IsArray(events))
		return cutru_err_set(e, CUTRU_EINVAL, "",
		    _("A list of events must be a JSON array."));
	if ((rc = applier_begin(&a, db, ctx, e)) != CUTRU_OK)
		return rc;
	for (i = 0, ev = events->child; ev != NULL; ev = ev->next, i++) {
		rc = apply_one(&a, ev, e);
		if (rc != CUTRU_OK) {
			if (e != NULL) {
				field_path_index(idx, sizeof idx, "", i);
				if (e->field[0] != '\0') {
					field_path_key(path, sizeof path, idx,
					    e->field);
					set_field(e, path);
				} else
					set_field(e, idx);
			}
			break;
		}
	}
	return applier_end(&a, rc, e);
}

/* A version column by a text key: of a person (person set) or of a
 * household. */
static int
version_of(sqlite3 *db, const char *q, const char *key, int64_t *version,
    int person, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int r, rc = CUTRU_OK;

	*version = 0;
	if (db == NULL || key == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to read from."));
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		rc = cutru_err_set(e, CUTRU_EIO, NULL,
		    _("The register could not be read: %s."),
		    sqlite3_errmsg(db));
		goto done;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*version = sqlite3_column_int64(st, 0);
	else if (r == SQLITE_DONE && person)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "id_number",
		    _("No person with ID number %s is in the register."), key);
	else if (r == SQLITE_DONE)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "household",
		    _("Household %s is not in the register."), key);
	else
		rc = cutru_err_set(e, CUTRU_EIO, NULL,
		    _("The register could not be read: %s."),
		    sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	return rc;
}

int
apply_person_version(sqlite3 *db, const char *id_number, int64_t *version,
    struct cutru_err *e)
{
	return version_of(db,
	    "SELECT version FROM persons WHERE id_number = ?1", id_number,
	    version, 1, e);
}

int
apply_household_version(sqlite3 *db, const char *number, int64_t *version,
    struct cutru_err *e)
{
	return version_of(db,
	    "SELECT version FROM households WHERE number = ?1", number,
	    version, 0, e);
}
