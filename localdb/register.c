#include "config.h"

/* Reading the ward register.
 *
 * The register's tables (localdb/schema.c) are what applying the journal's
 * events produced (localdb/apply.c); nothing here writes to them.  This
 * file turns them into the records an officer reads: a person with every
 * residence they ever had here, a household with its members past and
 * present, the temporary residences about to end, a report's counts.  The
 * batch CLI prints these records and the console will show them, so that
 * both say the same thing about the same register.
 *
 * What the words mean (they are the applier's):
 *   - an active residence has state 'active'; one the person left for
 *     another of the same kind is 'replaced' (ended on the day the new one
 *     began), one deleted with a ground is 'closed';
 *   - the person's current household is their membership without an end
 *     ("until" NULL: at most one, index one_current_membership);
 *   - a household is dissolved when its last member (the head) left it;
 *     it keeps its number, its address and its history;
 *   - the residence a list shows for a person is the active permanent
 *     one, else the temporary one, else the declared place of living
 *     (localdb/search.h shows the same).
 *
 * Indexes.  Every query of a person or a household starts from a unique
 * key (persons.id_number, households.number) and reaches the rest through
 * an index on the person or the household: residences_person,
 * household_members_person, stays_host, absences_person,
 * confirmations_person, person_corrections_person, and
 * household_members_household for a household's members; addresses,
 * households, persons and dossiers joined on their rowid.  None reads a
 * whole table, so a person's page costs the same at a thousand persons and
 * at a million.  The temporary residences about to end are read in the
 * order of the partial index residences_expiring (to_date, over the
 * active temporary residences only), which is also the order shown.  A
 * report counts: the dossiers of the period through dossiers_received
 * (a covering index), and the register's persons, households and active
 * residences as a whole, which SQLite answers from the smallest index of
 * each table.  tests/unit/test_register.c holds every statement run here
 * to these plans (EXPLAIN QUERY PLAN).
 *
 * Memory.  A person's or household's record keeps its strings in one
 * arena (a list of blocks, freed together by the record's free function),
 * so that a record of a few dozen strings costs a few allocations and
 * cannot leak one of them.
 *
 * Permissions.  Reading needs an open session (whoever holds the
 * database handle has opened the store); the session entry points of
 * import and export (register_import_csv(), register_export_*()) check the
 * account first, as every action of the library does: importing legacy
 * books is receiving work, for officers and supervisors; exporting is open
 * to every active account. */

#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/i18n.h"
#include "core/procedure.h"
#include "localdb/register.h"

const char *const register_dossier_states[REGISTER_N_STATES] = {
	"awaiting", "approved", "returned", "refused", "sent", "accepted",
	"rejected"
};

/* ---- The arena ---- */

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

#define ARENA_BLOCK 4096

static const char *
arena_dup(struct arena_block **a, const char *s, size_t len)
{
	struct arena_block *b = *a;
	char *p;

	if (b == NULL || b->cap - b->used < len + 1) {
		size_t cap = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;

		if ((b = malloc(sizeof *b + cap)) == NULL)
			return NULL;
		b->cap = cap;
		b->used = 0;
		/* A large string gets a block of its own behind the
		 * current one, which keeps its free space. */
		if (*a != NULL && cap > ARENA_BLOCK) {
			b->next = (*a)->next;
			(*a)->next = b;
		} else {
			b->next = *a;
			*a = b;
		}
	}
	p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

static void
arena_free(struct arena_block *a)
{
	struct arena_block *next;

	for (; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
}

/* ---- SQLite ---- */

struct reader {
	sqlite3 *db;
	struct arena_block *arena;
	struct cutru_err *e;
};

static int
db_fail(sqlite3 *db, struct cutru_err *e)
{
	if (sqlite3_errcode(db) == SQLITE_NOMEM)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while reading the register."));
	return cutru_err_set(e, CUTRU_EIO, NULL,
	    _("Could not read the register: %s."), sqlite3_errmsg(db));
}

static int
no_memory(struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_ENOMEM, NULL,
	    _("Out of memory while reading the register."));
}

static int
prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct cutru_err *e)
{
	*st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return db_fail(db, e);
	}
	return CUTRU_OK;
}

/* The next row: *row 1, or 0 at the end. */
static int
next_row(sqlite3 *db, sqlite3_stmt *st, int *row, struct cutru_err *e)
{
	int rc = sqlite3_step(st);

	*row = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return CUTRU_OK;
	return db_fail(db, e);
}

/* Column i as text into buf[size], "" when NULL (a longer value, which the
 * schema does not let in for the columns read this way, is cut). */
static void
col_copy(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, size, "%s", t != NULL ? (const char *)t : "");
}

/* Column i as text in the arena, NULL when NULL. */
static int
col_dup(struct reader *r, sqlite3_stmt *st, int i, const char **out)
{
	const unsigned char *t;
	int len;

	*out = NULL;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return CUTRU_OK;
	if ((t = sqlite3_column_text(st, i)) == NULL)
		return no_memory(r->e);
	len = sqlite3_column_bytes(st, i);
	if ((*out = arena_dup(&r->arena, (const char *)t, (size_t)len)) ==
	    NULL)
		return no_memory(r->e);
	return CUTRU_OK;
}

/* As col_dup(), "" for NULL: a text the schema requires. */
static int
col_dup_req(struct reader *r, sqlite3_stmt *st, int i, const char **out)
{
	int rc = col_dup(r, st, i, out);

	if (rc == CUTRU_OK && *out == NULL)
		*out = "";
	return rc;
}

static enum cutru_sex
col_sex(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_int(st, i)) {
	case 1:
		return CUTRU_SEX_MALE;
	case 2:
		return CUTRU_SEX_FEMALE;
	default:
		return CUTRU_SEX_UNKNOWN;
	}
}

/* A stored (possibly partial) date; the unknown date for NULL or for a
 * value that is not one. */
static struct cutru_date
col_date(sqlite3_stmt *st, int i)
{
	struct cutru_date d;
	const unsigned char *t = sqlite3_column_text(st, i);

	if (t == NULL ||
	    date_parse((const char *)t, NULL, &d, NULL) != CUTRU_OK)
		memset(&d, 0, sizeof d);
	return d;
}

/* Room for element n of an array of elements of size bytes, *cap of them
 * allocated: the array (moved, maybe), or NULL out of memory (the old one
 * is still valid).  New elements are zeroed. */
static void *
grow(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	char *p;

	if (n < *cap)
		return arr;
	ncap = *cap == 0 ? 4 : *cap * 2;
	if (ncap > SIZE_MAX / size)
		return NULL;
	if ((p = realloc(arr, ncap * size)) == NULL)
		return NULL;
	memset(p + *cap * size, 0, (ncap - *cap) * size);
	*cap = ncap;
	return p;
}

static int
is_id_number(const char *s)
{
	return s != NULL && strlen(s) == 12 && strspn(s, "0123456789") == 12;
}

static int
is_household_number(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	return n >= 1 && n <= 32 && strspn(s, "0123456789abcdefghijklmnopqrstu"
	    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n;
}

/* A record is read in one read transaction, so that its parts are of one
 * moment whatever another console commits meanwhile; inside the caller's
 * transaction, in that one. */
static int
read_begin(sqlite3 *db, int *began, struct cutru_err *e)
{
	*began = 0;
	if (!sqlite3_get_autocommit(db))
		return CUTRU_OK;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, e);
	*began = 1;
	return CUTRU_OK;
}

static void
read_end(sqlite3 *db, int began)
{
	if (began)
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- A person ---- */

static const char sql_person[] =
    "SELECT id, version, id_number, legacy_cmnd, name, dob, sex, ethnicity,"
    " religion, nationality, home_town, phone, email"
    " FROM persons WHERE id_number = ?1";

/* Active ones first, by kind; then the ended ones, the latest begun
 * first. */
static const char sql_residences[] =
    "SELECT r.kind, r.state, r.from_date, r.to_date, r.closed_date,"
    " r.ground, r.event_date, r.document_ref, a.commune_code, a.detail,"
    " h.number, d.number, c.number"
    " FROM residences r JOIN addresses a ON a.id = r.address_id"
    " LEFT JOIN households h ON h.id = r.household_id"
    " LEFT JOIN dossiers d ON d.id = r.dossier_id"
    " LEFT JOIN dossiers c ON c.id = r.closed_dossier_id"
    " WHERE r.person_id = ?1"
    " ORDER BY r.state <> 'active',"
    " CASE WHEN r.state <> 'active' THEN 0 WHEN r.kind = 'permanent' THEN 0"
    " WHEN r.kind = 'temporary' THEN 1 ELSE 2 END,"
    " r.from_date DESC, r.id DESC";

static const char sql_memberships[] =
    "SELECT h.number, m.relationship, m.since, m.until, a.commune_code,"
    " a.detail, p.id_number, p.name"
    " FROM household_members m JOIN households h ON h.id = m.household_id"
    " JOIN addresses a ON a.id = h.address_id"
    " JOIN persons p ON p.id = h.head_id"
    " WHERE m.person_id = ?1"
    " ORDER BY m.until IS NOT NULL, m.since DESC, m.id DESC";

/* Stays are recorded with the host's ID number as given; a number the
 * person had before a correction still finds theirs. */
static const char sql_stays[] =
    "SELECT s.id, a.commune_code, a.detail, s.from_date, s.to_date, d.number"
    " FROM stays s JOIN addresses a ON a.id = s.address_id"
    " LEFT JOIN dossiers d ON d.id = s.dossier_id"
    " WHERE s.host_id_number = ?1 OR s.host_id_number IN"
    " (SELECT old_id_number FROM person_corrections"
    " WHERE person_id = ?2 AND old_id_number IS NOT NULL)"
    " ORDER BY s.from_date DESC, s.id DESC";

static const char sql_guests[] =
    "SELECT name, dob, sex, id_number, passport, nationality"
    " FROM stay_guests WHERE stay_id = ?1 ORDER BY row";

static const char sql_absences[] =
    "SELECT a.from_date, a.to_date, a.case_id, a.destination, a.reason,"
    " d.number FROM absences a LEFT JOIN dossiers d ON d.id = a.dossier_id"
    " WHERE a.person_id = ?1 ORDER BY a.from_date DESC, a.id DESC";

static const char sql_confirmations[] =
    "SELECT c.year, c.number, c.requester, c.issued, c.valid_until,"
    " c.content, d.number"
    " FROM confirmations c LEFT JOIN dossiers d ON d.id = c.dossier_id"
    " WHERE c.person_id = ?1 ORDER BY c.issued DESC, c.id DESC";

static const char sql_corrections[] =
    "SELECT x.corrected, x.document_ref, x.old_id_number, x.old_name,"
    " x.old_dob, x.old_sex, d.number"
    " FROM person_corrections x LEFT JOIN dossiers d ON d.id = x.dossier_id"
    " WHERE x.person_id = ?1 ORDER BY x.id DESC";

/* The number a person's ID number was corrected to (the latest
 * correction). */
static const char sql_corrected_to[] =
    "SELECT p.id_number, x.corrected FROM person_corrections x"
    " JOIN persons p ON p.id = x.person_id"
    " WHERE x.old_id_number = ?1 ORDER BY x.id DESC LIMIT 1";

static int
load_identity(struct reader *r, sqlite3_stmt *st, struct register_person *p)
{
	int rc;

	p->id = sqlite3_column_int64(st, 0);
	p->version = sqlite3_column_int64(st, 1);
	col_copy(st, 2, p->id_number, sizeof p->id_number);
	col_copy(st, 3, p->cmnd, sizeof p->cmnd);
	if ((rc = col_dup_req(r, st, 4, &p->name)) != CUTRU_OK)
		return rc;
	p->dob = col_date(st, 5);
	p->sex = col_sex(st, 6);
	if ((rc = col_dup(r, st, 7, &p->ethnicity)) != CUTRU_OK ||
	    (rc = col_dup(r, st, 8, &p->religion)) != CUTRU_OK ||
	    (rc = col_dup(r, st, 9, &p->nationality)) != CUTRU_OK ||
	    (rc = col_dup(r, st, 10, &p->home_town)) != CUTRU_OK ||
	    (rc = col_dup(r, st, 11, &p->phone)) != CUTRU_OK ||
	    (rc = col_dup(r, st, 12, &p->email)) != CUTRU_OK)
		return rc;
	return CUTRU_OK;
}

static int
load_residences(struct reader *r, struct register_person *p)
{
	struct register_residence *x;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, row;

	if ((rc = prepare(r->db, sql_residences, &st, r->e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p->id);
	while ((rc = next_row(r->db, st, &row, r->e)) == CUTRU_OK && row) {
		if ((x = grow(p->residences, &cap, p->n_residences,
		    sizeof *x)) == NULL) {
			rc = no_memory(r->e);
			break;
		}
		p->residences = x;
		x = &p->residences[p->n_residences++];
		col_copy(st, 0, x->kind, sizeof x->kind);
		col_copy(st, 1, x->state, sizeof x->state);
		col_copy(st, 2, x->from, sizeof x->from);
		col_copy(st, 3, x->to, sizeof x->to);
		col_copy(st, 4, x->ended, sizeof x->ended);
		col_copy(st, 5, x->ground, sizeof x->ground);
		col_copy(st, 6, x->event_date, sizeof x->event_date);
		col_copy(st, 8, x->address.commune, sizeof x->address.commune);
		col_copy(st, 10, x->household, sizeof x->household);
		col_copy(st, 11, x->dossier, sizeof x->dossier);
		col_copy(st, 12, x->closed_dossier, sizeof x->closed_dossier);
		if ((rc = col_dup(r, st, 7, &x->document_ref)) != CUTRU_OK ||
		    (rc = col_dup_req(r, st, 9, &x->address.detail)) !=
		    CUTRU_OK)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
load_memberships(struct reader *r, struct register_person *p)
{
	struct register_membership *x;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, row;

	if ((rc = prepare(r->db, sql_memberships, &st, r->e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p->id);
	while ((rc = next_row(r->db, st, &row, r->e)) == CUTRU_OK && row) {
		if ((x = grow(p->memberships, &cap, p->n_memberships,
		    sizeof *x)) == NULL) {
			rc = no_memory(r->e);
			break;
		}
		p->memberships = x;
		x = &p->memberships[p->n_memberships++];
		col_copy(st, 0, x->household, sizeof x->household);
		col_copy(st, 2, x->since, sizeof x->since);
		col_copy(st, 3, x->until, sizeof x->until);
		col_copy(st, 4, x->address.commune, sizeof x->address.commune);
		col_copy(st, 6, x->head_id, sizeof x->head_id);
		if ((rc = col_dup(r, st, 1, &x->relationship)) != CUTRU_OK ||
		    (rc = col_dup_req(r, st, 5, &x->address.detail)) !=
		    CUTRU_OK ||
		    (rc = col_dup_req(r, st, 7, &x->head_name)) != CUTRU_OK)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
load_guests(struct reader *r, sqlite3_stmt *st, int64_t stay_id,
    struct register_stay *s)
{
	struct register_guest *g;
	size_t cap = 0;
	int rc, row;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, stay_id);
	while ((rc = next_row(r->db, st, &row, r->e)) == CUTRU_OK && row) {
		if ((g = grow(s->guests, &cap, s->n_guests, sizeof *g)) ==
		    NULL)
			return no_memory(r->e);
		s->guests = g;
		g = &s->guests[s->n_guests++];
		col_copy(st, 1, g->dob, sizeof g->dob);
		g->sex = col_sex(st, 2);
		col_copy(st, 3, g->id_number, sizeof g->id_number);
		col_copy(st, 4, g->passport, sizeof g->passport);
		col_copy(st, 5, g->nationality, sizeof g->nationality);
		if ((rc = col_dup_req(r, st, 0, &g->name)) != CUTRU_OK)
			return rc;
	}
	return rc;
}

static int
load_stays(struct reader *r, struct register_person *p)
{
	struct register_stay *x;
	sqlite3_stmt *st, *gst = NULL;
	size_t cap = 0;
	int rc, row;

	if ((rc = prepare(r->db, sql_stays, &st, r->e)) != CUTRU_OK)
		return rc;
	if ((rc = prepare(r->db, sql_guests, &gst, r->e)) != CUTRU_OK)
		goto done;
	sqlite3_bind_text(st, 1, p->id_number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, p->id);
	while ((rc = next_row(r->db, st, &row, r->e)) == CUTRU_OK && row) {
		if ((x = grow(p->stays, &cap, p->n_stays, sizeof *x)) ==
		    NULL) {
			rc = no_memory(r->e);
			break;
		}
		p->stays = x;
		x = &p->stays[p->n_stays++];
		col_copy(st, 1, x->address.commune, sizeof x->address.commune);
		col_copy(st, 3, x->from, sizeof x->from);
		col_copy(st, 4, x->to, sizeof x->to);
		col_copy(st, 5, x->dossier, sizeof x->dossier);
		if ((rc = col_dup_req(r, st, 2, &x->address.detail)) !=
		    CUTRU_OK ||
		    (rc = load_guests(r, gst, sqlite3_column_int64(st, 0),
		    x)) != CUTRU_OK)
			break;
	}
done:
	sqlite3_finalize(gst);
	sqlite3_finalize(st);
	return rc;
}

static int
load_absences(struct reader *r, struct register_person *p)
{
	struct register_absence *x;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, row;

	if ((rc = prepare(r->db, sql_absences, &st, r->e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p->id);
	while ((rc = next_row(r->db, st, &row, r->e)) == CUTRU_OK && row) {
		if ((x = grow(p->absences, &cap, p->n_absences, sizeof *x)) ==
		    NULL) {
			rc = no_memory(r->e);
			break;
		}
		p->absences = x;
		x = &p->absences[p->n_absences++];
		col_copy(st, 0, x->from, sizeof x->from);
		col_copy(st, 1, x->to, sizeof x->to);
		col_copy(st, 2, x->case_id, sizeof x->case_id);
		col_copy(st, 5, x->dossier, sizeof x->dossier);
		if ((rc = col_dup_req(r, st, 3, &x->destination)) != CUTRU_OK ||
		    (rc = col_dup_req(r, st, 4, &x->reason)) != CUTRU_OK)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
load_confirmations(struct reader *r, struct register_person *p)
{
	struct register_confirmation *x;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, row;

	if ((rc = prepare(r->db, sql_confirmations, &st, r->e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p->id);
	while ((rc = next_row(r->db, st, &row, r->e)) == CUTRU_OK && row) {
		if ((x = grow(p->confirmations, &cap, p->n_confirmations,
		    sizeof *x)) == NULL) {
			rc = no_memory(r->e);
			break;
		}
		p->confirmations = x;
		x = &p->confirmations[p->n_confirmations++];
		x->year = sqlite3_column_int(st, 0);
		x->number = sqlite3_column_int64(st, 1);
		col_copy(st, 2, x->requester, sizeof x->requester);
		col_copy(st, 3, x->issued, sizeof x->issued);
		col_copy(st, 4, x->valid_until, sizeof x->valid_until);
		col_copy(st, 6, x->dossier, sizeof x->dossier);
		if ((rc = col_dup(r, st, 5, &x->content)) != CUTRU_OK)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
load_corrections(struct reader *r, struct register_person *p)
{
	struct register_correction *x;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, row;

	if ((rc = prepare(r->db, sql_corrections, &st, r->e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p->id);
	while ((rc = next_row(r->db, st, &row, r->e)) == CUTRU_OK && row) {
		if ((x = grow(p->corrections, &cap, p->n_corrections,
		    sizeof *x)) == NULL) {
			rc = no_memory(r->e);
			break;
		}
		p->corrections = x;
		x = &p->corrections[p->n_corrections++];
		col_copy(st, 0, x->corrected, sizeof x->corrected);
		col_copy(st, 2, x->old_id_number, sizeof x->old_id_number);
		col_copy(st, 4, x->old_dob, sizeof x->old_dob);
		x->old_sex = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 :
		    (int)col_sex(st, 5);
		col_copy(st, 6, x->dossier, sizeof x->dossier);
		if ((rc = col_dup_req(r, st, 1, &x->document_ref)) !=
		    CUTRU_OK ||
		    (rc = col_dup(r, st, 3, &x->old_name)) != CUTRU_OK)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Nobody has id_number: say so, or to which number it was corrected. */
static int
person_not_found(sqlite3 *db, const char *id_number, struct cutru_err *e)
{
	char now[REGISTER_ID_SIZE], when[DATE_FMT_MAX];
	sqlite3_stmt *st;
	int rc, row;

	if ((rc = prepare(db, sql_corrected_to, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_text(st, 1, id_number, -1, SQLITE_STATIC);
	if ((rc = next_row(db, st, &row, e)) == CUTRU_OK) {
		if (row) {
			col_copy(st, 0, now, sizeof now);
			col_copy(st, 1, when, sizeof when);
			rc = cutru_err_set(e, CUTRU_ENOTFOUND, "id_number",
			    _("The ID number %s was corrected to %s on %s: "
			    "look the person up by the new number."),
			    id_number, now, when);
		} else
			rc = cutru_err_set(e, CUTRU_ENOTFOUND, "id_number",
			    _("Nobody with the number %s is in the register."),
			    id_number);
	}
	sqlite3_finalize(st);
	return rc;
}

int
register_person_show(sqlite3 *db, const char *id_number,
    struct register_person *out, struct cutru_err *e)
{
	struct reader r;
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc, row, began;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (db == NULL || out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register was given to read."));
	if (!is_id_number(id_number))
		return cutru_err_set(e, CUTRU_EINVAL, "id_number",
		    _("A personal ID number has 12 digits."));
	r.db = db;
	r.arena = NULL;
	r.e = e;
	if ((rc = read_begin(db, &began, e)) != CUTRU_OK)
		return rc;
	if ((rc = prepare(db, sql_person, &st, e)) != CUTRU_OK)
		goto done;
	sqlite3_bind_text(st, 1, id_number, -1, SQLITE_STATIC);
	if ((rc = next_row(db, st, &row, e)) != CUTRU_OK)
		goto done;
	if (!row) {
		rc = person_not_found(db, id_number, e);
		goto done;
	}
	if ((rc = load_identity(&r, st, out)) != CUTRU_OK ||
	    (rc = load_residences(&r, out)) != CUTRU_OK ||
	    (rc = load_memberships(&r, out)) != CUTRU_OK ||
	    (rc = load_stays(&r, out)) != CUTRU_OK ||
	    (rc = load_absences(&r, out)) != CUTRU_OK ||
	    (rc = load_confirmations(&r, out)) != CUTRU_OK ||
	    (rc = load_corrections(&r, out)) != CUTRU_OK)
		goto done;
	/* Active residences come first, permanent before temporary before
	 * current: the first one is the one shown. */
	if (out->n_residences > 0 &&
	    strcmp(out->residences[0].state, "active") == 0)
		out->shown = &out->residences[0];
	for (i = 0; i < out->n_memberships; i++)
		if (out->memberships[i].until[0] == '\0') {
			out->household = &out->memberships[i];
			break;
		}
done:
	sqlite3_finalize(st);
	read_end(db, began);
	out->priv = r.arena;
	if (rc != CUTRU_OK)
		register_person_free(out);
	return rc;
}

void
register_person_free(struct register_person *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_stays; i++)
		free(p->stays[i].guests);
	free(p->residences);
	free(p->memberships);
	free(p->stays);
	free(p->absences);
	free(p->confirmations);
	free(p->corrections);
	arena_free(p->priv);
	memset(p, 0, sizeof *p);
}

/* ---- A household ---- */

static const char sql_household[] =
    "SELECT h.id, h.number, a.commune_code, a.detail, p.id_number, p.name,"
    " h.created, h.dissolved"
    " FROM households h JOIN addresses a ON a.id = h.address_id"
    " JOIN persons p ON p.id = h.head_id WHERE h.number = ?1";

/* The head first, then in the order they joined (the export's order). */
static const char sql_members[] =
    "SELECT p.id_number, p.name, p.dob, p.sex, m.relationship, m.since,"
    " m.until FROM household_members m JOIN persons p ON p.id = m.person_id"
    " WHERE m.household_id = ?1 AND m.until IS NULL"
    " ORDER BY m.relationship IS NOT 'head', m.id";

static const char sql_past_members[] =
    "SELECT p.id_number, p.name, p.dob, p.sex, m.relationship, m.since,"
    " m.until FROM household_members m JOIN persons p ON p.id = m.person_id"
    " WHERE m.household_id = ?1 AND m.until IS NOT NULL"
    " ORDER BY m.until DESC, m.id DESC";

static int
load_members(struct reader *r, const char *sql, int64_t hid,
    struct register_member **list, size_t *n)
{
	struct register_member *x;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, row;

	if ((rc = prepare(r->db, sql, &st, r->e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, hid);
	while ((rc = next_row(r->db, st, &row, r->e)) == CUTRU_OK && row) {
		if ((x = grow(*list, &cap, *n, sizeof *x)) == NULL) {
			rc = no_memory(r->e);
			break;
		}
		*list = x;
		x = &(*list)[(*n)++];
		col_copy(st, 0, x->id_number, sizeof x->id_number);
		x->dob = col_date(st, 2);
		x->sex = col_sex(st, 3);
		col_copy(st, 5, x->since, sizeof x->since);
		col_copy(st, 6, x->until, sizeof x->until);
		if ((rc = col_dup_req(r, st, 1, &x->name)) != CUTRU_OK ||
		    (rc = col_dup(r, st, 4, &x->relationship)) != CUTRU_OK)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

int
register_household_show(sqlite3 *db, const char *number,
    struct register_household *out, struct cutru_err *e)
{
	struct reader r;
	sqlite3_stmt *st = NULL;
	int64_t hid;
	int rc, row, began;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (db == NULL || out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register was given to read."));
	if (!is_household_number(number))
		return cutru_err_set(e, CUTRU_EINVAL, "household",
		    _("A household number is 1 to 32 letters (without "
		    "marks), digits and hyphens."));
	r.db = db;
	r.arena = NULL;
	r.e = e;
	if ((rc = read_begin(db, &began, e)) != CUTRU_OK)
		return rc;
	if ((rc = prepare(db, sql_household, &st, e)) != CUTRU_OK)
		goto done;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	if ((rc = next_row(db, st, &row, e)) != CUTRU_OK)
		goto done;
	if (!row) {
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "household",
		    _("Household %s is not in the register."), number);
		goto done;
	}
	hid = sqlite3_column_int64(st, 0);
	col_copy(st, 1, out->number, sizeof out->number);
	col_copy(st, 2, out->address.commune, sizeof out->address.commune);
	col_copy(st, 4, out->head_id, sizeof out->head_id);
	col_copy(st, 6, out->created, sizeof out->created);
	col_copy(st, 7, out->dissolved, sizeof out->dissolved);
	if ((rc = col_dup_req(&r, st, 3, &out->address.detail)) != CUTRU_OK ||
	    (rc = col_dup_req(&r, st, 5, &out->head_name)) != CUTRU_OK ||
	    (rc = load_members(&r, sql_members, hid, &out->members,
	    &out->n_members)) != CUTRU_OK ||
	    (rc = load_members(&r, sql_past_members, hid, &out->past,
	    &out->n_past)) != CUTRU_OK)
		goto done;
done:
	sqlite3_finalize(st);
	read_end(db, began);
	out->priv = r.arena;
	if (rc != CUTRU_OK)
		register_household_free(out);
	return rc;
}

void
register_household_free(struct register_household *h)
{
	if (h == NULL)
		return;
	free(h->members);
	free(h->past);
	arena_free(h->priv);
	memset(h, 0, sizeof *h);
}

/* ---- Temporary residences about to end ---- */

/* The terms kind and state repeat the partial index's condition, which
 * is what lets SQLite use residences_expiring; its rows are in to_date
 * order, ties by rowid. */
static const char sql_expiring[] =
    "SELECT p.id_number, p.name, r.from_date, r.to_date, a.commune_code,"
    " a.detail FROM residences r JOIN persons p ON p.id = r.person_id"
    " JOIN addresses a ON a.id = r.address_id"
    " WHERE r.kind = 'temporary' AND r.state = 'active' AND r.to_date <= ?1"
    " ORDER BY r.to_date, r.id";

static char *
col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	int len = sqlite3_column_bytes(st, i);
	char *s;

	if ((s = malloc((size_t)len + 1)) == NULL)
		return NULL;
	if (t != NULL)
		memcpy(s, t, (size_t)len);
	s[t != NULL ? len : 0] = '\0';
	return s;
}

int
register_expiring(sqlite3 *db, const struct cutru_date *today, int days,
    struct register_expiring **out, size_t *n, struct cutru_err *e)
{
	struct register_expiring *list = NULL, *x;
	struct cutru_date limit, to;
	sqlite3_stmt *st = NULL;
	char lim[DATE_FMT_MAX];
	size_t cap = 0, count = 0;
	int rc, row;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (db == NULL || out == NULL || n == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register was given to read."));
	if (today == NULL || today->prec != CUTRU_DATE_DAY ||
	    !date_valid(today))
		return cutru_err_set(e, CUTRU_EINVAL, "today",
		    _("Today's full date is needed to find the residences "
		    "that end soon."));
	if (days < 0 || days > REGISTER_EXPIRING_DAYS_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "days",
		    _("Look ahead from 0 to %d days, not %d."),
		    REGISTER_EXPIRING_DAYS_MAX, days);
	if (date_add_days(today, days, &limit) != CUTRU_OK ||
	    date_format_iso(&limit, lim, sizeof lim) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_ERANGE, "days",
		    _("%d days from today is past the dates cutru knows."),
		    days);
	if ((rc = prepare(db, sql_expiring, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_text(st, 1, lim, -1, SQLITE_STATIC);
	while ((rc = next_row(db, st, &row, e)) == CUTRU_OK && row) {
		if ((x = grow(list, &cap, count, sizeof *x)) == NULL) {
			rc = no_memory(e);
			break;
		}
		list = x;
		x = &list[count++];
		col_copy(st, 0, x->id_number, sizeof x->id_number);
		col_copy(st, 2, x->from, sizeof x->from);
		col_copy(st, 3, x->to, sizeof x->to);
		col_copy(st, 4, x->commune, sizeof x->commune);
		if ((x->name = col_strdup(st, 1)) == NULL ||
		    (x->detail = col_strdup(st, 5)) == NULL) {
			rc = no_memory(e);
			break;
		}
		if (date_parse(x->to, NULL, &to, NULL) != CUTRU_OK ||
		    to.prec != CUTRU_DATE_DAY ||
		    date_diff_days(today, &to, &x->days_left) != CUTRU_OK) {
			rc = cutru_err_set(e, CUTRU_EIO, NULL,
			    _("The register holds an end of residence that is "
			    "not a date (%.20s): the store is damaged."),
			    x->to);
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != CUTRU_OK) {
		register_expiring_free(list, count);
		return rc;
	}
	if (count == 0) {
		free(list);
		list = NULL;
	}
	*out = list;
	*n = count;
	return CUTRU_OK;
}

void
register_expiring_free(struct register_expiring *list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].detail);
	}
	free(list);
}

/* ---- The report ---- */

/* Dossiers received in the period, by procedure, state and period of
 * receipt, through the covering index dossiers_received. */
static const char sql_report_dossiers[] =
    "SELECT procedure, state, substr(received, 1, ?3), count(*)"
    " FROM dossiers WHERE received >= ?1 AND received <= ?2"
    " GROUP BY 1, 2, 3";
static const char sql_report_persons[] = "SELECT count(*) FROM persons";
static const char sql_report_households[] =
    "SELECT count(*) FROM households WHERE dissolved IS NULL";
static const char sql_report_residences[] =
    "SELECT kind, count(*) FROM residences WHERE state = 'active'"
    " GROUP BY kind";

static void
counts_add(struct register_counts *c, const char *state, size_t k)
{
	size_t i;

	c->total += k;
	for (i = 0; i < REGISTER_N_STATES; i++)
		if (strcmp(register_dossier_states[i], state) == 0)
			c->state[i] += k;
}

/* The counts of period key in r->periods (kept sorted), added if new;
 * NULL out of memory. */
static struct register_counts *
period_of(struct register_report *r, size_t *cap, const char *key)
{
	struct register_counts *p;
	size_t i;
	int cmp;

	for (i = 0; i < r->n_periods; i++) {
		if ((cmp = strcmp(r->periods[i].key, key)) == 0)
			return &r->periods[i];
		if (cmp > 0)
			break;
	}
	if ((p = grow(r->periods, cap, r->n_periods, sizeof *p)) == NULL)
		return NULL;
	r->periods = p;
	memmove(&p[i + 1], &p[i], (r->n_periods - i) * sizeof *p);
	memset(&p[i], 0, sizeof *p);
	snprintf(p[i].key, sizeof p[i].key, "%s", key);
	r->n_periods++;
	return &p[i];
}

/* A bound of the period: a full ISO date, or NULL. */
static int
check_bound(const char *s, const char *field, struct cutru_err *e)
{
	struct cutru_date d;
	char iso[DATE_FMT_MAX];

	if (s == NULL)
		return CUTRU_OK;
	if (strlen(s) != DATE_FMT_MAX - 1 ||
	    date_parse(s, field, &d, NULL) != CUTRU_OK ||
	    d.prec != CUTRU_DATE_DAY ||
	    date_format_iso(&d, iso, sizeof iso) != CUTRU_OK ||
	    strcmp(iso, s) != 0)
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("A report's period is bounded by dates written "
		    "YYYY-MM-DD."));
	return CUTRU_OK;
}

static int
count_one(sqlite3 *db, const char *sql, size_t *n, struct cutru_err *e)
{
	sqlite3_stmt *st;
	int rc, row;

	if ((rc = prepare(db, sql, &st, e)) != CUTRU_OK)
		return rc;
	if ((rc = next_row(db, st, &row, e)) == CUTRU_OK)
		*n = row ? (size_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc;
}

int
register_report(sqlite3 *db, const char *from, const char *to,
    enum register_period period, struct register_report *out,
    struct cutru_err *e)
{
	struct register_counts *c;
	sqlite3_stmt *st = NULL;
	const char *proc, *state, *key, *kind;
	size_t i, np, pcap = 0, k;
	int rc, row, keylen, began = 0;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (db == NULL || out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register was given to read."));
	if ((rc = check_bound(from, "from", e)) != CUTRU_OK ||
	    (rc = check_bound(to, "to", e)) != CUTRU_OK)
		return rc;
	if (from != NULL && to != NULL && strcmp(from, to) > 0)
		return cutru_err_set(e, CUTRU_EINVAL, "from",
		    _("The period begins on %s, after it ends (%s)."), from,
		    to);
	switch (period) {
	case REGISTER_PERIOD_DAY:
		keylen = 10;
		break;
	case REGISTER_PERIOD_MONTH:
		keylen = 7;
		break;
	case REGISTER_PERIOD_YEAR:
		keylen = 4;
		break;
	default:
		return cutru_err_set(e, CUTRU_EINVAL, "period",
		    _("A report counts by day, month or year."));
	}
	np = procedure_count();
	if ((out->procedures = calloc(np, sizeof *out->procedures)) == NULL)
		return no_memory(e);
	out->n_procedures = np;
	for (i = 0; i < np; i++)
		snprintf(out->procedures[i].key, sizeof out->procedures[i].key,
		    "%s", procedures[i].id);
	if ((rc = read_begin(db, &began, e)) != CUTRU_OK)
		goto done;
	if ((rc = prepare(db, sql_report_dossiers, &st, e)) != CUTRU_OK)
		goto done;
	/* Dates are ISO text, which compares as the calendar does; no
	 * date comes before "0" or after "9". */
	sqlite3_bind_text(st, 1, from != NULL ? from : "0", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to != NULL ? to : "9", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, keylen);
	while ((rc = next_row(db, st, &row, e)) == CUTRU_OK && row) {
		proc = (const char *)sqlite3_column_text(st, 0);
		state = (const char *)sqlite3_column_text(st, 1);
		key = (const char *)sqlite3_column_text(st, 2);
		k = (size_t)sqlite3_column_int64(st, 3);
		if (proc == NULL || state == NULL || key == NULL) {
			rc = db_fail(db, e);
			break;
		}
		counts_add(&out->all, state, k);
		for (i = 0; i < np; i++)
			if (strcmp(out->procedures[i].key, proc) == 0)
				counts_add(&out->procedures[i], state, k);
		if ((c = period_of(out, &pcap, key)) == NULL) {
			rc = no_memory(e);
			break;
		}
		counts_add(c, state, k);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != CUTRU_OK ||
	    (rc = count_one(db, sql_report_persons, &out->persons, e)) !=
	    CUTRU_OK ||
	    (rc = count_one(db, sql_report_households, &out->households,
	    e)) != CUTRU_OK ||
	    (rc = prepare(db, sql_report_residences, &st, e)) != CUTRU_OK)
		goto done;
	while ((rc = next_row(db, st, &row, e)) == CUTRU_OK && row) {
		kind = (const char *)sqlite3_column_text(st, 0);
		k = (size_t)sqlite3_column_int64(st, 1);
		if (kind == NULL)
			continue;
		if (strcmp(kind, "permanent") == 0)
			out->permanent = k;
		else if (strcmp(kind, "temporary") == 0)
			out->temporary = k;
		else if (strcmp(kind, "current") == 0)
			out->current = k;
	}
done:
	sqlite3_finalize(st);
	read_end(db, began);
	if (rc != CUTRU_OK)
		register_report_free(out);
	return rc;
}

void
register_report_free(struct register_report *r)
{
	if (r == NULL)
		return;
	free(r->procedures);
	free(r->periods);
	memset(r, 0, sizeof *r);
}

/* ---- Import and export through a session ---- */

int
register_import_csv(struct session *s, FILE *in,
    const struct import_opts *opts, time_t now, struct import_report *r,
    struct cutru_err *e)
{
	struct import_opts o;
	char at[SESSION_AT_SIZE];
	enum session_role role;
	int rc;

	if (s == NULL || opts == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No session or import options were given."));
	if ((rc = session_refresh(s, e)) != CUTRU_OK)
		return rc;
	role = session_role(s);
	if (role != SESSION_ROLE_OFFICER && role != SESSION_ROLE_SUPERVISOR)
		return cutru_err_set(e, CUTRU_EPERM, "login",
		    _("Officer '%s' is an administrator: household books are "
		    "imported by officers and supervisors."),
		    session_login(s));
	o = *opts;
	if ((rc = session_today(now, &o.today, NULL, e)) != CUTRU_OK ||
	    (rc = session_time_utc(now, at, e)) != CUTRU_OK)
		return rc;
	o.at = at;
	o.actor = session_login(s);
	return import_csv(session_db(s), in, &o, r, e);
}

int
register_export_csv(struct session *s, FILE *out, unsigned flags,
    struct cutru_err *e)
{
	int rc;

	if (s == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No session was given."));
	if ((rc = session_refresh(s, e)) != CUTRU_OK)
		return rc;
	return export_csv(session_db(s), out, flags, e);
}

int
register_export_json(struct session *s, FILE *out, struct cutru_err *e)
{
	int rc;

	if (s == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No session was given."));
	if ((rc = session_refresh(s, e)) != CUTRU_OK)
		return rc;
	return export_json(session_db(s), out, e);
}
