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
 * dossier prepared against an older version can tell the record moved on;
 * see Versions below):
 *
 *   person.upserted      insert the person, or overwrite name, date of
 *                        birth and sex, and phone, email and the legacy
 *                        CMND number (persons.legacy_cmnd) when the event
 *                        carries them (an absent one keeps the recorded
 *                        value).  Name parts, folded name and sort key are
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
 * Versions.  A change bumps a record that existed before the list of
 * events began (apply_events(), one journal entry).  A person or household
 * created by an earlier event of the same list starts at version 1 and is
 * not bumped again by that list: nobody can have read its version in
 * between, and a household imported with its members would otherwise be
 * written once more per member.  The rule depends only on the list, so
 * replaying the journal entry by entry gives the same versions.  "Created
 * by this list" is told by the row id: persons and households are never
 * deleted, so a row whose id is above the largest id the table held when
 * the list began is one the list inserted.
 *
 * Atomicity.  A call runs inside a SAVEPOINT: an event (or a list) that is
 * refused halfway is rolled back to where it began, whatever the caller's
 * transaction.  A session may be told that the caller's transaction is
 * the unit of failure (APPLY_NO_SAVEPOINT, a bulk import that keeps all or
 * nothing): then no savepoint is opened, which matters because SQLite
 * keeps what changes under a savepoint in an in-memory sub-journal that
 * each statement walks from its start (temp_store = MEMORY), so long
 * savepoints cost quadratic time; a refused list then leaves part of its
 * changes, and the caller must roll its transaction back.
 *
 * Sessions.  struct apply_session holds what lasts between calls on one
 * connection: the prepared statements, and three small caches of what the
 * register holds - persons by ID number (id, sex, date of birth, and when
 * known their current membership and active residences), households by
 * number, addresses.  The caches save the look-ups that follow a change in
 * the same batch (a person recorded, then made a member, then given a
 * residence).  They are exact, not approximate: every fact is one the
 * register holds, entered when read or written here, updated by every
 * statement here that changes it, and all of them are forgotten when a
 * savepoint is rolled back or an event changes something they cannot
 * follow cheaply (a change of head, a corrected identity).  A miss is
 * only slower.  So while a session is open its database must change only
 * through it (the register's tables; other tables do not matter).  The
 * caches are direct-mapped arrays: a new entry evicts the old one in its
 * slot. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/canon.h"
#include "core/date.h"
#include "core/event.h"
#include "core/field.h"
#include "core/i18n.h"
#include "core/idnum.h"
#include "core/name.h"
#include "localdb/apply.h"

enum st {
	ST_PERSON_FIND,
	ST_PERSON_BY_ID,
	ST_PERSON_INSERT,
	ST_PERSON_INSERT_NEW,
	ST_PERSON_UPSERT,
	ST_PERSON_CORRECT,
	ST_PERSON_BUMP,
	ST_PERSON_FLOOR,
	ST_CORRECTION_INSERT,
	ST_HH_FIND,
	ST_HH_INSERT,
	ST_HH_BUMP,
	ST_HH_HEAD,
	ST_HH_DISSOLVE,
	ST_HH_FLOOR,
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

/* A new person; ST_PERSON_INSERT adds the ON CONFLICT clause, which needs
 * the index on id_number that a session with the ID-number map may lack. */
#define PERSON_INSERT \
	"INSERT INTO persons (id_number, name, family, middle, given," \
	" folded, sort_key, sex, dob, birth_year, phone, email," \
	" legacy_cmnd)" \
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"

static const char *const sql[ST_COUNT] = {
	[ST_PERSON_FIND] =
	    "SELECT id, sex, dob FROM persons WHERE id_number = ?1",
	[ST_PERSON_BY_ID] =
	    "SELECT id, sex, dob FROM persons WHERE id = ?1",
	[ST_PERSON_INSERT] = PERSON_INSERT " ON CONFLICT (id_number) DO NOTHING",
	/* With the ID-number map, which knows the number is not taken. */
	[ST_PERSON_INSERT_NEW] = PERSON_INSERT,
	/* Only when something differs, so that the version means change;
	 * ?13 is the bump (0 for a person this list created). */
	[ST_PERSON_UPSERT] =
	    "UPDATE persons SET name = ?2, family = ?3, middle = ?4,"
	    " given = ?5, folded = ?6, sort_key = ?7, sex = ?8, dob = ?9,"
	    " birth_year = ?10, phone = coalesce(?11, phone),"
	    " email = coalesce(?12, email),"
	    " legacy_cmnd = coalesce(?14, legacy_cmnd), version = version + ?13"
	    " WHERE id = ?1 AND (name IS NOT ?2 OR sex IS NOT ?8"
	    " OR dob IS NOT ?9 OR (?11 IS NOT NULL AND phone IS NOT ?11)"
	    " OR (?12 IS NOT NULL AND email IS NOT ?12)"
	    " OR (?14 IS NOT NULL AND legacy_cmnd IS NOT ?14))",
	[ST_PERSON_CORRECT] =
	    "UPDATE persons SET id_number = ?2, sex = ?3, dob = ?4,"
	    " birth_year = ?5, name = coalesce(?6, name),"
	    " family = coalesce(?7, family), middle = coalesce(?8, middle),"
	    " given = coalesce(?9, given), folded = coalesce(?10, folded),"
	    " sort_key = coalesce(?11, sort_key), version = version + ?12"
	    " WHERE id = ?1",
	[ST_PERSON_BUMP] =
	    "UPDATE persons SET version = version + 1 WHERE id = ?1",
	[ST_PERSON_FLOOR] =
	    "SELECT coalesce(max(id), 0) FROM persons",
	[ST_CORRECTION_INSERT] =
	    "INSERT INTO person_corrections (person_id, corrected,"
	    " document_ref, old_id_number, old_name, old_dob, old_sex,"
	    " dossier_id)"
	    " SELECT id, ?2, ?3, CASE WHEN ?4 THEN id_number END,"
	    " CASE WHEN ?5 THEN name END, CASE WHEN ?6 THEN dob END,"
	    " CASE WHEN ?7 THEN sex END, ?8 FROM persons WHERE id = ?1",
	[ST_HH_FIND] =
	    "SELECT id, dissolved, address_id FROM households"
	    " WHERE number = ?1",
	[ST_HH_INSERT] =
	    "INSERT INTO households (number, address_id, head_id, created)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (number) DO NOTHING",
	[ST_HH_BUMP] =
	    "UPDATE households SET version = version + 1 WHERE id = ?1",
	[ST_HH_HEAD] =
	    "UPDATE households SET head_id = ?2, version = version + ?3"
	    " WHERE id = ?1",
	[ST_HH_DISSOLVE] =
	    "UPDATE households SET dissolved = ?2, version = version + ?3"
	    " WHERE id = ?1",
	[ST_HH_FLOOR] =
	    "SELECT coalesce(max(id), 0) FROM households",
	[ST_ADDR_FIND] =
	    "SELECT id FROM addresses WHERE commune_code = ?1 AND detail = ?2",
	[ST_ADDR_INSERT] =
	    "INSERT INTO addresses (commune_code, detail) VALUES (?1, ?2)"
	    " ON CONFLICT (commune_code, detail) DO NOTHING",
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
	/* "+kind": a bound kind = ?2 could match the partial index
	 * residences_expiring (kind = 'temporary'), so SQLite would prepare
	 * the statement again for every value bound; the unary + keeps the
	 * plan independent of the value (a person has few residences). */
	[ST_RES_ACTIVE] =
	    "SELECT id, address_id, from_date, to_date FROM residences"
	    " WHERE person_id = ?1 AND +kind = ?2 AND state = 'active'",
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

/* ---- What the session knows ---- */

/* Residence kinds, as indexes of what a person entry knows. */
enum { KIND_PERMANENT, KIND_TEMPORARY, KIND_CURRENT, KIND_COUNT };

struct membership {
	int64_t id;                 /* 0: not a member of any household */
	int64_t household_id;
	int is_head;
	char relationship[256];
	char since[DATE_FMT_MAX];
	char number[40];
};

struct residence_row {
	int64_t id;                 /* 0: none active */
	int64_t address_id;
	char from[DATE_FMT_MAX];
	char to[DATE_FMT_MAX];
};

/* person entry: known bits */
#define PK_MEMBERSHIP 0x1u              /* m is the current membership */
#define PK_RES(kind) (0x2u << (kind))   /* res[kind] is the active one */
#define PK_ALL (PK_MEMBERSHIP | PK_RES(KIND_PERMANENT) | \
	PK_RES(KIND_TEMPORARY) | PK_RES(KIND_CURRENT))

struct pc_entry {
	uint32_t gen;               /* valid while equal to the session's */
	char idn[IDNUM_LEN + 1];
	int64_t id;
	int sex;
	char dob[DATE_FMT_MAX];
	unsigned known;             /* PK_* */
	struct membership m;
	struct residence_row res[KIND_COUNT];
};

struct hc_entry {
	uint32_t gen;
	char number[33];
	int64_t id;
	int64_t address_id;
	char dissolved[DATE_FMT_MAX]; /* "" while it exists */
};

struct ac_entry {
	uint32_t gen;
	char commune[6];
	char detail[250];
	int64_t id;
};

/* Slots of each cache (powers of two).  An import touches a person within
 * a few events, so a few hundred slots hold all it will look up again. */
#define PC_SLOTS 1024u

/* The ID-number map (apply_session_id_map()): every person the session
 * inserted, by ID number, in open addressing.  A key is the number's
 * twelve digits read as an integer, plus one (0: an empty slot). */
struct id_map_slot {
	uint64_t key;
	int64_t id;
};

struct id_map {
	int on;
	struct id_map_slot *slot;
	size_t cap, n;              /* cap a power of two, n <= cap / 2 */
};
#define HC_SLOTS 256u
#define AC_SLOTS 1024u

struct apply_session {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	/* The list being applied: the largest ids when it began. */
	int in_list;
	int64_t person_floor, household_floor;
	int broken;                 /* a list failed without a savepoint */
	uint32_t gen;               /* entries of another generation are
	                             * empty */
	struct pc_entry *pc;        /* allocated on first use */
	struct hc_entry *hc;
	struct ac_entry *ac;
	struct id_map idm;          /* apply_session_id_map() */
	/* Name columns made elsewhere, for the range being applied
	 * (apply_session_name_cols()): nc[nc_pos] is the next one. */
	const struct apply_name_cols *nc;
	size_t nc_n, nc_pos;
};

/* One call's state: the session, the context, the date. */
struct applier {
	struct apply_session *s;
	sqlite3 *db;
	const struct apply_ctx *ctx;
	char date[DATE_FMT_MAX];    /* ctx->date, ISO */
};

/* Copy s into buf (size bytes), cut to fit. */
static void
copy_str(char *buf, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

static uint32_t
hash_str(const char *s, uint32_t h)
{
	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* Forget everything the session knows. */
static void
forget_all(struct apply_session *s)
{
	if (++s->gen != 0)
		return;
	/* After 2^32 generations an old entry could look current. */
	if (s->pc != NULL)
		memset(s->pc, 0, PC_SLOTS * sizeof *s->pc);
	if (s->hc != NULL)
		memset(s->hc, 0, HC_SLOTS * sizeof *s->hc);
	if (s->ac != NULL)
		memset(s->ac, 0, AC_SLOTS * sizeof *s->ac);
	s->gen = 1;
}

static struct pc_entry *
pc_slot(struct apply_session *s, const char *idn)
{
	if (s->pc == NULL &&
	    (s->pc = calloc(PC_SLOTS, sizeof *s->pc)) == NULL)
		return NULL;
	return &s->pc[hash_str(idn, 2166136261u) & (PC_SLOTS - 1)];
}

/* The entry of the person with this ID number, or NULL. */
static struct pc_entry *
pc_get(struct apply_session *s, const char *idn)
{
	struct pc_entry *p;

	if (idn == NULL || s->pc == NULL)
		return NULL;
	p = pc_slot(s, idn);
	return p->gen == s->gen && strcmp(p->idn, idn) == 0 ? p : NULL;
}

/* The entry of person id (ID number idn), if it is that person's. */
static struct pc_entry *
pc_get_id(struct apply_session *s, const char *idn, int64_t id)
{
	struct pc_entry *p = pc_get(s, idn);

	return p != NULL && p->id == id ? p : NULL;
}

/* Enter a person (nothing known beyond identity); NULL when the cache
 * cannot be had (out of memory: only slower). */
static struct pc_entry *
pc_put(struct apply_session *s, const char *idn, int64_t id, int sex,
    const char *dob)
{
	struct pc_entry *p;

	if (idn == NULL || strlen(idn) != IDNUM_LEN ||
	    (dob != NULL && strlen(dob) >= sizeof p->dob) ||
	    (p = pc_slot(s, idn)) == NULL)
		return NULL;
	p->gen = s->gen;
	memcpy(p->idn, idn, IDNUM_LEN + 1);
	p->id = id;
	p->sex = sex;
	copy_str(p->dob, sizeof p->dob, dob != NULL ? dob : "");
	p->known = 0;
	return p;
}

static void
pc_forget(struct apply_session *s, const char *idn)
{
	struct pc_entry *p = pc_get(s, idn);

	if (p != NULL)
		p->gen = 0;
}

/* An ID number's key in the map; 0 for anything but twelve digits. */
static uint64_t
id_map_key(const char *idn)
{
	uint64_t k = 0;
	int i;

	if (idn == NULL)
		return 0;
	for (i = 0; i < IDNUM_LEN; i++) {
		if (idn[i] < '0' || idn[i] > '9')
			return 0;
		k = k * 10 + (uint64_t)(idn[i] - '0');
	}
	return idn[IDNUM_LEN] == '\0' ? k + 1 : 0;
}

/* The slot of key in m (cap > 0): its own, or the empty one where it
 * would go. */
static struct id_map_slot *
id_map_slot(const struct id_map *m, uint64_t key)
{
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15u) >> 20) & (m->cap - 1);

	while (m->slot[i].key != 0 && m->slot[i].key != key)
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

/* The id of the person with this ID number, 0 if the session inserted
 * none. */
static int64_t
id_map_get(const struct id_map *m, const char *idn)
{
	uint64_t key = id_map_key(idn);

	if (key == 0 || m->n == 0)
		return 0;
	return id_map_slot(m, key)->id;
}

/* Enter a new person: 0, or -1 (out of memory; the number is not twelve
 * digits: core refuses those before they come here). */
static int
id_map_put(struct id_map *m, const char *idn, int64_t id)
{
	struct id_map_slot *old = m->slot, *sl;
	size_t oldcap = m->cap, j;
	uint64_t key = id_map_key(idn);

	if (key == 0)
		return -1;
	if (m->n + 1 > m->cap / 2) {
		m->cap = oldcap != 0 ? oldcap * 2 : 4096;
		if ((m->slot = calloc(m->cap, sizeof *m->slot)) == NULL) {
			m->slot = old;
			m->cap = oldcap;
			return -1;
		}
		for (j = 0; j < oldcap; j++)
			if (old[j].key != 0)
				*id_map_slot(m, old[j].key) = old[j];
		free(old);
	}
	sl = id_map_slot(m, key);
	if (sl->key == 0)
		m->n++;
	sl->key = key;
	sl->id = id;
	return 0;
}

static struct hc_entry *
hc_slot(struct apply_session *s, const char *number)
{
	if (s->hc == NULL &&
	    (s->hc = calloc(HC_SLOTS, sizeof *s->hc)) == NULL)
		return NULL;
	return &s->hc[hash_str(number, 2166136261u) & (HC_SLOTS - 1)];
}

static struct hc_entry *
hc_get(struct apply_session *s, const char *number)
{
	struct hc_entry *h;

	if (number == NULL || s->hc == NULL)
		return NULL;
	h = hc_slot(s, number);
	return h->gen == s->gen && strcmp(h->number, number) == 0 ? h : NULL;
}

static void
hc_put(struct apply_session *s, const char *number, int64_t id,
    int64_t address_id, const char *dissolved)
{
	struct hc_entry *h;

	if (number == NULL || strlen(number) >= sizeof h->number ||
	    strlen(dissolved) >= sizeof h->dissolved ||
	    (h = hc_slot(s, number)) == NULL)
		return;
	h->gen = s->gen;
	strcpy(h->number, number);
	h->id = id;
	h->address_id = address_id;
	strcpy(h->dissolved, dissolved);
}

static struct ac_entry *
ac_slot(struct apply_session *s, const char *commune, const char *detail)
{
	if (s->ac == NULL &&
	    (s->ac = calloc(AC_SLOTS, sizeof *s->ac)) == NULL)
		return NULL;
	return &s->ac[hash_str(detail, hash_str(commune, 2166136261u)) &
	    (AC_SLOTS - 1)];
}

static int64_t
ac_get(struct apply_session *s, const char *commune, const char *detail)
{
	struct ac_entry *a;

	if (s->ac == NULL)
		return 0;
	a = ac_slot(s, commune, detail);
	return a->gen == s->gen && strcmp(a->commune, commune) == 0 &&
	    strcmp(a->detail, detail) == 0 ? a->id : 0;
}

static void
ac_put(struct apply_session *s, const char *commune, const char *detail,
    int64_t id)
{
	struct ac_entry *a;

	if (strlen(commune) >= sizeof a->commune ||
	    strlen(detail) >= sizeof a->detail ||
	    (a = ac_slot(s, commune, detail)) == NULL)
		return;
	a->gen = s->gen;
	strcpy(a->commune, commune);
	strcpy(a->detail, detail);
	a->id = id;
}

static int
kind_index(const char *kind)
{
	if (kind == NULL)
		return -1;
	if (strcmp(kind, "permanent") == 0)
		return KIND_PERMANENT;
	if (strcmp(kind, "temporary") == 0)
		return KIND_TEMPORARY;
	if (strcmp(kind, "current") == 0)
		return KIND_CURRENT;
	return -1;
}

/* ---- Statements ---- */

/* What a SQLite failure means for the caller. */
static int
db_fail(sqlite3 *db, struct cutru_err *e)
{
	int code = sqlite3_errcode(db);

	if (code == SQLITE_NOMEM)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while updating the register."));
	if (code == SQLITE_CONSTRAINT)
		return cutru_err_set(e, CUTRU_ECONFLICT, NULL,
		    _("The change contradicts what the register holds (%s)."),
		    sqlite3_errmsg(db));
	return cutru_err_set(e, CUTRU_EIO, NULL,
	    _("The register could not be updated: %s."),
	    sqlite3_errmsg(db));
}

/* The statement `which`, prepared once per session, reset and unbound
 * (run() and step() reset every statement after use, so only the
 * bindings are left to clear). */
static int
prep(struct applier *a, enum st which, sqlite3_stmt **out,
    struct cutru_err *e)
{
	struct apply_session *s = a->s;

	*out = NULL;
	if (s->st[which] == NULL) {
		if (sqlite3_prepare_v3(s->db, sql[which], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[which], NULL) !=
		    SQLITE_OK)
			return db_fail(s->db, e);
	} else {
		sqlite3_reset(s->st[which]);
		sqlite3_clear_bindings(s->st[which]);
	}
	*out = s->st[which];
	return CUTRU_OK;
}

/* Run a statement that returns no row. */
static int
run(struct applier *a, sqlite3_stmt *st, struct cutru_err *e)
{
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_fail(a->db, e);
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
		return db_fail(a->db, e);
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

/* The derived columns of a stored name (apply.h). */
#define name_cols apply_name_cols

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

int
apply_name_cols(const char *name, struct apply_name_cols *nc,
    struct cutru_err *e)
{
	if (name == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "data.name",
		    _("The name is missing."));
	return name_cols_make(name, nc, "data.name", e);
}

void
apply_session_name_cols(struct apply_session *s,
    const struct apply_name_cols *nc, size_t n)
{
	s->nc = nc;
	s->nc_n = nc != NULL ? n : 0;
	s->nc_pos = 0;
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

/* ---- Versions ---- */

/* The bump a change gives person pid: 0 when this list created it. */
static int
person_bump_of(const struct applier *a, int64_t pid)
{
	return pid > a->s->person_floor ? 0 : 1;
}

static int
household_bump_of(const struct applier *a, int64_t hid)
{
	return hid > a->s->household_floor ? 0 : 1;
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

static int
bump_person(struct applier *a, int64_t pid, struct cutru_err *e)
{
	if (!person_bump_of(a, pid))
		return CUTRU_OK;
	return run_id(a, ST_PERSON_BUMP, pid, e);
}

static int
bump_household(struct applier *a, int64_t hid, struct cutru_err *e)
{
	if (!household_bump_of(a, hid))
		return CUTRU_OK;
	return run_id(a, ST_HH_BUMP, hid, e);
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
	struct pc_entry *c = pc_get(a->s, idn);
	sqlite3_stmt *st;
	int rc, row;

	memset(p, 0, sizeof *p);
	if (c != NULL) {
		p->id = c->id;
		p->sex = c->sex;
		memcpy(p->dob, c->dob, sizeof p->dob);
		return CUTRU_OK;
	}
	if (a->s->idm.on) {
		/* The map knows every person of the register. */
		if ((p->id = id_map_get(&a->s->idm, idn)) == 0)
			return CUTRU_OK;
		if ((rc = prep(a, ST_PERSON_BY_ID, &st, e)) != CUTRU_OK)
			return rc;
		sqlite3_bind_int64(st, 1, p->id);
	} else {
		if ((rc = prep(a, ST_PERSON_FIND, &st, e)) != CUTRU_OK)
			return rc;
		bind_text(st, 1, idn);
	}
	if ((rc = step(a, st, &row, e)) != CUTRU_OK)
		return rc;
	if (!row) {
		p->id = 0;
		return a->s->idm.on ? cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The register could not be updated: %s."),
		    "a person of the ID-number map is missing") : CUTRU_OK;
	}
	p->id = sqlite3_column_int64(st, 0);
	p->sex = sqlite3_column_int(st, 1);
	col_copy(st, 2, p->dob, sizeof p->dob);
	sqlite3_reset(st);
	pc_put(a->s, idn, p->id, p->sex, p->dob);
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
	int64_t address_id;
	const char *number;         /* the event's string */
	char dissolved[DATE_FMT_MAX]; /* "" while it exists */
};

/* The household with this number; CUTRU_ENOTFOUND on field if none, and
 * CUTRU_ECONFLICT if it was dissolved and open is set. */
static int
household_need(struct applier *a, const char *number, const char *field,
    int open, struct household_row *h, struct cutru_err *e)
{
	struct hc_entry *c = hc_get(a->s, number);
	sqlite3_stmt *st;
	int rc, row;

	memset(h, 0, sizeof *h);
	h->number = number;
	if (c != NULL) {
		h->id = c->id;
		h->address_id = c->address_id;
		memcpy(h->dissolved, c->dissolved, sizeof h->dissolved);
	} else {
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
		h->address_id = sqlite3_column_int64(st, 2);
		sqlite3_reset(st);
		hc_put(a->s, number, h->id, h->address_id, h->dissolved);
	}
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

	if ((*id = ac_get(a->s, commune, detail)) != 0)
		return CUTRU_OK;
	/* Insert first: an address the session has not seen is most often
	 * new (a bulk load), and a known one is then no change (ON CONFLICT
	 * DO NOTHING) and is looked up - one statement instead of two for
	 * the common case. */
	if ((rc = prep(a, ST_ADDR_INSERT, &st, e)) != CUTRU_OK)
		return rc;
	bind_text(st, 1, commune);
	bind_text(st, 2, detail);
	if ((rc = run(a, st, e)) != CUTRU_OK)
		return rc;
	if (sqlite3_changes(a->db) == 1) {
		*id = sqlite3_last_insert_rowid(a->db);
		ac_put(a->s, commune, detail, *id);
		return CUTRU_OK;
	}
	if ((rc = prep(a, ST_ADDR_FIND, &st, e)) != CUTRU_OK)
		return rc;
	bind_text(st, 1, commune);
	bind_text(st, 2, detail);
	if ((rc = step(a, st, &row, e)) != CUTRU_OK)
		return rc;
	if (!row)
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The register could not be updated: %s."),
		    "an address neither inserted nor found");
	*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	ac_put(a->s, commune, detail, *id);
	return CUTRU_OK;
}

/* ---- Households ---- */

/* The current membership of person pid (ID number idn, or NULL when not
 * known: then the session's knowledge is not used). */
static int
membership_current(struct applier *a, int64_t pid, const char *idn,
    struct membership *m, struct cutru_err *e)
{
	struct pc_entry *c = pc_get_id(a->s, idn, pid);
	sqlite3_stmt *st;
	int rc, row;

	if (c != NULL && (c->known & PK_MEMBERSHIP)) {
		*m = c->m;
		return CUTRU_OK;
	}
	memset(m, 0, sizeof *m);
	if ((rc = prep(a, ST_MEMBER_CURRENT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, pid);
	if ((rc = step(a, st, &row, e)) != CUTRU_OK)
		return rc;
	if (row) {
		m->id = sqlite3_column_int64(st, 0);
		m->household_id = sqlite3_column_int64(st, 1);
		m->is_head = sqlite3_column_int(st, 2);
		col_copy(st, 3, m->relationship, sizeof m->relationship);
		col_copy(st, 4, m->since, sizeof m->since);
		col_copy(st, 5, m->number, sizeof m->number);
		sqlite3_reset(st);
	}
	if (c != NULL) {
		c->m = *m;
		c->known |= PK_MEMBERSHIP;
	}
	return CUTRU_OK;
}

/* What the session knows of person pid's membership becomes m. */
static void
membership_known(struct applier *a, int64_t pid, const char *idn,
    const struct membership *m)
{
	struct pc_entry *c = pc_get_id(a->s, idn, pid);

	if (c == NULL)
		return;
	c->m = *m;
	c->known |= PK_MEMBERSHIP;
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

/* A new membership row from `since`; relationship NULL = unknown.  The
 * person (ID number idn, NULL when not known) is then a member of h. */
static int
member_insert(struct applier *a, const struct household_row *h, int64_t pid,
    const char *idn, const char *relationship, const char *since,
    struct cutru_err *e)
{
	struct membership m;
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(a, ST_MEMBER_INSERT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, h->id);
	sqlite3_bind_int64(st, 2, pid);
	bind_text(st, 3, relationship);
	bind_text(st, 4, since);
	if ((rc = run(a, st, e)) != CUTRU_OK)
		return rc;
	if (idn == NULL)
		return CUTRU_OK;
	memset(&m, 0, sizeof m);
	if ((relationship != NULL && strlen(relationship) >=
	    sizeof m.relationship) || strlen(h->number) >= sizeof m.number) {
		pc_forget(a->s, idn);
		return CUTRU_OK;
	}
	m.id = sqlite3_last_insert_rowid(a->db);
	m.household_id = h->id;
	m.is_head = relationship != NULL && strcmp(relationship, "head") == 0;
	if (relationship != NULL)
		strcpy(m.relationship, relationship);
	copy_str(m.since, sizeof m.since, since);
	strcpy(m.number, h->number);
	membership_known(a, pid, idn, &m);
	return CUTRU_OK;
}

/* The person (ID number idn, for messages) leaves their household, if
 * any, on `until` (see the top of this file for the head). */
static int
household_leave(struct applier *a, int64_t pid, const char *idn,
    const char *until, const char *field, struct cutru_err *e)
{
	struct membership m, none;
	struct hc_entry *hc;
	sqlite3_stmt *st;
	int64_t n;
	int rc;

	if ((rc = membership_current(a, pid, idn, &m, e)) != CUTRU_OK ||
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
		if ((rc = prep(a, ST_HH_DISSOLVE, &st, e)) != CUTRU_OK)
			return rc;
		sqlite3_bind_int64(st, 1, m.household_id);
		bind_text(st, 2, until);
		sqlite3_bind_int(st, 3, household_bump_of(a, m.household_id));
		rc = run(a, st, e);
		if (rc == CUTRU_OK && (hc = hc_get(a->s, m.number)) != NULL &&
		    hc->id == m.household_id)
			copy_str(hc->dissolved, sizeof hc->dissolved, until);
	} else
		rc = bump_household(a, m.household_id, e);
	if (rc == CUTRU_OK)
		rc = run_id_text(a, ST_MEMBER_END, m.id, until, e);
	if (rc != CUTRU_OK)
		return rc;
	memset(&none, 0, sizeof none);
	membership_known(a, pid, idn, &none);
	return bump_person(a, pid, e);
}

/* The active residence of this kind of person pid (ID number idn, or
 * NULL). */
static int
residence_active(struct applier *a, int64_t pid, const char *idn,
    const char *kind, struct residence_row *r, struct cutru_err *e)
{
	struct pc_entry *c = pc_get_id(a->s, idn, pid);
	int k = kind_index(kind);
	sqlite3_stmt *st;
	int rc, row;

	if (c != NULL && k >= 0 && (c->known & PK_RES(k))) {
		*r = c->res[k];
		return CUTRU_OK;
	}
	memset(r, 0, sizeof *r);
	if ((rc = prep(a, ST_RES_ACTIVE, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, pid);
	bind_text(st, 2, kind);
	if ((rc = step(a, st, &row, e)) != CUTRU_OK)
		return rc;
	if (row) {
		r->id = sqlite3_column_int64(st, 0);
		r->address_id = sqlite3_column_int64(st, 1);
		col_copy(st, 2, r->from, sizeof r->from);
		col_copy(st, 3, r->to, sizeof r->to);
		sqlite3_reset(st);
	}
	if (c != NULL && k >= 0) {
		c->res[k] = *r;
		c->known |= PK_RES(k);
	}
	return CUTRU_OK;
}

/* What the session knows of the active residence of kind k becomes r. */
static void
residence_known(struct applier *a, int64_t pid, const char *idn, int k,
    const struct residence_row *r)
{
	struct pc_entry *c = pc_get_id(a->s, idn, pid);

	if (c == NULL || k < 0)
		return;
	c->res[k] = *r;
	c->known |= PK_RES(k);
}

/* The person joins household h from the day of the change. */
static int
household_join(struct applier *a, const struct household_row *h,
    int64_t pid, const char *idn, const char *relationship,
    struct cutru_err *e)
{
	struct pc_entry *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = member_insert(a, h, pid, idn, relationship, a->date, e)) !=
	    CUTRU_OK)
		return rc;
	/* No active permanent residence at the household's address: the
	 * statement below would change nothing. */
	c = pc_get_id(a->s, idn, pid);
	if (c != NULL && (c->known & PK_RES(KIND_PERMANENT)) &&
	    (c->res[KIND_PERMANENT].id == 0 ||
	    c->res[KIND_PERMANENT].address_id != h->address_id))
		return CUTRU_OK;
	if ((rc = prep(a, ST_RES_HOUSEHOLD, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int64(st, 2, h->id);
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
	const char *name = str(d, "name");
	int sex = sex_code(str(d, "sex"));
	struct name_cols own;
	const struct name_cols *nc = &own;
	struct apply_session *as = a->s;
	struct person_row p;
	struct pc_entry *c;
	sqlite3_stmt *st;
	int rc, k;

	/* Columns made on the import's other thread from this very string,
	 * or made here. */
	if (as->nc_pos < as->nc_n && as->nc[as->nc_pos].name == name)
		nc = &as->nc[as->nc_pos++];
	else if ((rc = name_cols_make(name, &own, "data.name", e)) != CUTRU_OK)
		return rc;
	/* A person the session does not know is most often new (a bulk
	 * load): insert first, and only when the ID number is taken (ON
	 * CONFLICT DO NOTHING: no change) look the person up and update. */
	p.id = 0;
	if (pc_get(a->s, idn) == NULL) {
		if (as->idm.on && id_map_get(&as->idm, idn) != 0)
			goto known;
		if ((rc = prep(a, as->idm.on ? ST_PERSON_INSERT_NEW :
		    ST_PERSON_INSERT, &st, e)) != CUTRU_OK)
			return rc;
		bind_text(st, 1, idn);
		bind_name(st, 2, nc);
		sqlite3_bind_int(st, 8, sex);
		bind_text(st, 9, dob);
		bind_birth_year(st, 10, dob);
		bind_text(st, 11, str(d, "phone"));
		bind_text(st, 12, str(d, "email"));
		bind_text(st, 13, str(d, "cmnd"));
		if ((rc = run(a, st, e)) != CUTRU_OK)
			return rc;
		if (sqlite3_changes(a->db) == 0)
			goto known;
		if (as->idm.on && id_map_put(&as->idm, idn,
		    sqlite3_last_insert_rowid(a->db)) != 0)
			return cutru_err_set(e, CUTRU_ENOMEM, NULL,
			    _("Out of memory while updating the register."));
		/* Nothing refers to a new person yet (persons are never
		 * deleted, so its id is one no row has named): no household,
		 * no residence. */
		c = pc_put(a->s, idn, sqlite3_last_insert_rowid(a->db), sex,
		    dob);
		if (c != NULL) {
			memset(&c->m, 0, sizeof c->m);
			for (k = 0; k < KIND_COUNT; k++)
				memset(&c->res[k], 0, sizeof c->res[k]);
			c->known = PK_ALL;
		}
		return CUTRU_OK;
	}
known:
	if ((rc = person_find(a, idn, &p, e)) != CUTRU_OK)
		return rc;
	if (p.id == 0)
		return cutru_err_set(e, CUTRU_EINTERNAL, "data.id_number",
		    _("The register could not be updated: %s."),
		    "a person neither inserted nor found");
	if ((rc = prep(a, ST_PERSON_UPSERT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p.id);
	bind_name(st, 2, nc);
	sqlite3_bind_int(st, 8, sex);
	bind_text(st, 9, dob);
	bind_birth_year(st, 10, dob);
	bind_text(st, 11, str(d, "phone"));
	bind_text(st, 12, str(d, "email"));
	sqlite3_bind_int(st, 13, person_bump_of(a, p.id));
	bind_text(st, 14, str(d, "cmnd"));
	if ((rc = run(a, st, e)) != CUTRU_OK)
		return rc;
	if ((c = pc_get_id(a->s, idn, p.id)) != NULL) {
		c->sex = sex;
		copy_str(c->dob, sizeof c->dob, dob);
	}
	return CUTRU_OK;
}

static int
ev_household_created(struct applier *a, const cJSON *d, struct cutru_err *e)
{
	const char *number = str(d, "household"), *head = str(d, "head");
	struct household_row h;
	struct person_row p;
	sqlite3_stmt *st;
	int64_t addr;
	int rc;

	if ((rc = person_need(a, head, "data.head", &p, e)) != CUTRU_OK)
		return rc;
	/* A number taken (even by a dissolved household) is found by the
	 * insert itself (ON CONFLICT DO NOTHING: no change), or known. */
	if (hc_get(a->s, number) != NULL)
		goto taken;
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
	if (sqlite3_changes(a->db) == 0)
		goto taken;
	memset(&h, 0, sizeof h);
	h.id = sqlite3_last_insert_rowid(a->db);
	h.address_id = addr;
	h.number = number;
	hc_put(a->s, number, h.id, addr, "");
	if ((rc = household_join(a, &h, p.id, head, "head", e)) != CUTRU_OK)
		return rc;
	return bump_person(a, p.id, e);
taken:
	return cutru_err_set(e, CUTRU_ECONFLICT, "data.household",
	    _("Household number %s is already in use: give the new "
	    "household a number of its own."), number);
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
	    (rc = membership_current(a, p.id, idn, &m, e)) != CUTRU_OK)
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
		    (rc = member_insert(a, &h, p.id, idn, rel, a->date, e)) !=
		    CUTRU_OK ||
		    (rc = bump_household(a, h.id, e)) != CUTRU_OK)
			return rc;
		return bump_person(a, p.id, e);
	}
	if ((rc = household_leave(a, p.id, idn, a->date, "data.person", e)) !=
	    CUTRU_OK ||
	    (rc = household_join(a, &h, p.id, idn, rel, e)) != CUTRU_OK ||
	    (rc = bump_household(a, h.id, e)) != CUTRU_OK)
		return rc;
	return bump_person(a, p.id, e);
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
	    (rc = membership_current(a, p.id, idn, &m, e)) != CUTRU_OK)
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
	    (rc = membership_current(a, p.id, idn, &m, e)) != CUTRU_OK)
		return rc;
	if (m.id == 0 || m.household_id != h.id)
		return cutru_err_set(e, CUTRU_ECONFLICT, "data.head",
		    _("ID number %s is not a member of household %s: add them "
		    "to the household before making them its head."), idn,
		    h.number);
	if (m.is_head)
		return CUTRU_OK;
	/* Two memberships change, one of a person known here only by id:
	 * the session forgets what it knows rather than follow. */
	forget_all(a->s);
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
	    (rc = member_insert(a, &h, old_pid, NULL, NULL, a->date, e)) !=
	    CUTRU_OK ||
	    (rc = bump_person(a, old_pid, e)) != CUTRU_OK))
		return rc;
	if ((rc = run_id_text(a, ST_MEMBER_END, m.id, a->date, e)) !=
	    CUTRU_OK ||
	    (rc = member_insert(a, &h, p.id, NULL, "head", a->date, e)) !=
	    CUTRU_OK ||
	    (rc = bump_person(a, p.id, e)) != CUTRU_OK ||
	    (rc = prep(a, ST_HH_HEAD, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, h.id);
	sqlite3_bind_int64(st, 2, p.id);
	sqlite3_bind_int(st, 3, household_bump_of(a, h.id));
	return run(a, st, e);
}

static int
ev_residence_opened(struct applier *a, const cJSON *d, struct cutru_err *e)
{
	const char *idn = str(d, "person"), *kind = str(d, "kind");
	const char *from = str(d, "from"), *to = str(d, "to");
	struct residence_row old, now;
	struct person_row p;
	struct membership m;
	sqlite3_stmt *st;
	int64_t addr;
	int rc;

	if ((rc = person_need(a, idn, "data.person", &p, e)) != CUTRU_OK ||
	    (rc = address_id(a, cJSON_GetObjectItemCaseSensitive(d,
	    "address"), &addr, e)) != CUTRU_OK ||
	    (rc = residence_active(a, p.id, idn, kind, &old, e)) != CUTRU_OK)
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
	    (rc = membership_current(a, p.id, idn, &m, e)) != CUTRU_OK)
		return rc;
	if ((rc = prep(a, ST_RES_INSERT, &st, e)) != CUTRU_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p.id);
	bind_text(st, 2, kind);
	bind_id(st, 3, m.household_id);
	sqlite3_bind_int64(st, 4, addr);
	bind_text(st, 5, from);
	bind_text(st, 6, to);
	bind_id(st, 7, old.id);
	bind_id(st, 8, a->ctx->dossier_id);
	if ((rc = run(a, st, e)) != CUTRU_OK)
		return rc;
	memset(&now, 0, sizeof now);
	now.id = sqlite3_last_insert_rowid(a->db);
	now.address_id = addr;
	copy_str(now.from, sizeof now.from, from);
	copy_str(now.to, sizeof now.to, to != NULL ? to : "");
	residence_known(a, p.id, idn, kind_index(kind), &now);
	return bump_person(a, p.id, e);
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
	    (rc = residence_active(a, p.id, idn, "temporary", &r, e)) !=
	    CUTRU_OK)
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
	copy_str(r.to, sizeof r.to, to);
	residence_known(a, p.id, idn, KIND_TEMPORARY, &r);
	return bump_person(a, p.id, e);
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
	    (rc = residence_active(a, p.id, idn, kind, &r, e)) != CUTRU_OK)
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
	memset(&r, 0, sizeof r);
	residence_known(a, p.id, idn, kind_index(kind), &r);
	if (strcmp(kind, "permanent") == 0 &&
	    (rc = household_leave(a, p.id, idn, date, "data.person", e)) !=
	    CUTRU_OK)
		return rc;
	return bump_person(a, p.id, e);
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

	/* The map has no way to re-key a person (a bulk load creates
	 * persons only). */
	if (a->s->idm.on)
		return cutru_err_set(e, CUTRU_EINTERNAL, "type",
		    _("The register could not be updated: %s."),
		    "an identity correction during a bulk load");
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
	/* The person is re-keyed: what the session knows under either number
	 * goes. */
	forget_all(a->s);
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
	sqlite3_bind_int(st, 12, person_bump_of(a, p.id));
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

/* Validate and apply one event (no savepoint of its own).  With canon,
 * the event's canonical encoding is appended to it, after a comma when it
 * is not empty, and what is applied is what the bytes say (the event
 * itself, or its NFC form: event_validate_encode()); on failure canon is
 * left as it was.  validated: the caller has done that already
 * (apply_session_range()); the event is applied as it is. */
static int
apply_one(struct applier *a, const cJSON *ev, struct canon_buf *canon,
    int validated, struct cutru_err *e)
{
	size_t i, len0 = canon != NULL ? canon->len : 0;
	cJSON *nfc = NULL;
	const char *type;
	int rc;

	if (validated)
		rc = CUTRU_OK;    /* by the caller: apply_session_range() */
	else if (canon == NULL)
		rc = event_validate(ev, e);
	else if (len0 != 0 && canon_buf_putc(canon, ',') != CUTRU_OK)
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while updating the register."));
	else if ((rc = event_validate_encode(ev, canon, &nfc, e)) ==
	    CUTRU_OK && nfc != NULL)
		ev = nfc;
	if (rc == CUTRU_OK) {
		type = field_get_string(ev, "type");
		for (i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
			if (strcmp(handlers[i].type, type) == 0)
				break;
		if (i < sizeof handlers / sizeof handlers[0])
			rc = handlers[i].fn(a,
			    cJSON_GetObjectItemCaseSensitive(ev, "data"), e);
		else
			rc = cutru_err_set(e, CUTRU_EINTERNAL, "type",
			    _("This version of cutru cannot apply events of "
			    "type \"%s\"."), type);
	}
	if (rc != CUTRU_OK && canon != NULL)
		canon->len = len0;
	cJSON_Delete(nfc);
	return rc;
}

/* ---- Sessions ---- */

static void
session_init(struct apply_session *s, sqlite3 *db)
{
	memset(s, 0, sizeof *s);
	s->db = db;
	s->gen = 1;
}

static void
session_fini(struct apply_session *s)
{
	size_t i;

	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	free(s->idm.slot);
	free(s->pc);
	free(s->hc);
	free(s->ac);
	memset(s, 0, sizeof *s);
}

int
apply_session_new(sqlite3 *db, struct apply_session **out,
    struct cutru_err *e)
{
	struct apply_session *s;

	*out = NULL;
	if (db == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to apply the change to."));
	if ((s = malloc(sizeof *s)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while updating the register."));
	session_init(s, db);
	*out = s;
	return CUTRU_OK;
}

void
apply_session_free(struct apply_session *s)
{
	if (s == NULL)
		return;
	session_fini(s);
	free(s);
}

int
apply_session_id_map(struct apply_session *s, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int empty = 0;

	if (s == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to apply the change to."));
	if (s->idm.on)
		return CUTRU_OK;
	if (sqlite3_prepare_v2(s->db, "SELECT NOT EXISTS (SELECT 1 FROM"
	    " persons)", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		empty = sqlite3_column_int(st, 0);
	else {
		sqlite3_finalize(st);
		return db_fail(s->db, e);
	}
	sqlite3_finalize(st);
	if (!empty)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The register could not be updated: %s."),
		    "an ID-number map over a register with persons");
	s->idm.on = 1;
	return CUTRU_OK;
}

/* The largest id of a table, by statement which. */
static int
floor_of(struct applier *a, enum st which, int64_t *id,
    struct cutru_err *e)
{
	sqlite3_stmt *st;
	int rc, row;

	*id = 0;
	if ((rc = prep(a, which, &st, e)) != CUTRU_OK ||
	    (rc = step(a, st, &row, e)) != CUTRU_OK)
		return rc;
	if (row) {
		*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return CUTRU_OK;
}

int
apply_session_list(struct apply_session *s, struct cutru_err *e)
{
	struct applier a;
	int rc;

	if (s == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to apply the change to."));
	memset(&a, 0, sizeof a);
	a.s = s;
	a.db = s->db;
	if ((rc = floor_of(&a, ST_PERSON_FLOOR, &s->person_floor, e)) !=
	    CUTRU_OK ||
	    (rc = floor_of(&a, ST_HH_FLOOR, &s->household_floor, e)) !=
	    CUTRU_OK)
		return rc;
	s->in_list = 1;
	return CUTRU_OK;
}

/* Apply events (an array, or one event when single is set) in session s:
 * the body of apply_event(), apply_events() and apply_session_events(). */
static int
session_apply(struct apply_session *s, const cJSON *events, int single,
    size_t count, const char *encoded, size_t enclen,
    const struct apply_ctx *ctx, unsigned flags, struct canon_buf *canon,
    struct cutru_err *e)
{
	char idx[FIELD_PATH_MAX], path[FIELD_PATH_MAX];
	int savepoint = !(flags & APPLY_NO_SAVEPOINT);
	size_t len0 = canon != NULL ? canon->len : 0;
	struct applier a;
	const cJSON *ev;
	int i, rc;

	if (s == NULL || ctx == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to apply the change to."));
	if (!single && count == SIZE_MAX) {
		if (!cJSON_IsArray(events))
			return cutru_err_set(e, CUTRU_EINVAL, "",
			    _("A list of events must be a JSON array."));
		events = events->child;
	}
	memset(&a, 0, sizeof a);
	a.s = s;
	a.db = s->db;
	a.ctx = ctx;
	if (ctx->dossier_id < 0 || ctx->date.prec != CUTRU_DATE_DAY ||
	    date_format_iso(&ctx->date, a.date, sizeof a.date) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_EINVAL, "date",
		    _("A change to the register needs the full date on which "
		    "it takes effect."));
	if (s->broken)
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("An earlier change failed halfway in this batch: roll "
		    "the transaction back."));
	if (!s->in_list && (rc = apply_session_list(s, e)) != CUTRU_OK)
		return rc;
	if (savepoint && sqlite3_exec(s->db, "SAVEPOINT cutru_apply", NULL,
	    NULL, NULL) != SQLITE_OK)
		return db_fail(s->db, e);
	if (single)
		rc = apply_one(&a, events, canon, 0, e);
	else {
		rc = CUTRU_OK;
		for (i = 0, ev = events; ev != NULL && (size_t)i < count;
		    ev = ev->next, i++) {
			if ((rc = apply_one(&a, ev, encoded != NULL ? NULL :
			    canon, encoded != NULL, e)) == CUTRU_OK)
				continue;
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
	/* The caller's encoding of what was applied. */
	if (rc == CUTRU_OK && encoded != NULL && canon != NULL && enclen > 0 &&
	    ((canon->len != 0 && canon_buf_putc(canon, ',') != CUTRU_OK) ||
	    canon_buf_put(canon, encoded, enclen) != CUTRU_OK))
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while updating the register."));
	if (rc == CUTRU_OK && savepoint &&
	    sqlite3_exec(s->db, "RELEASE cutru_apply", NULL, NULL, NULL) !=
	    SQLITE_OK)
		rc = db_fail(s->db, e);
	if (rc == CUTRU_OK)
		return CUTRU_OK;
	if (canon != NULL)
		canon->len = len0;
	/* What the caches hold may be what was undone; the map cannot
	 * forget, so a session with the map stops here too. */
	forget_all(s);
	if (!savepoint || s->idm.on) {
		if (savepoint) {
			sqlite3_exec(s->db, "ROLLBACK TO cutru_apply", NULL,
			    NULL, NULL);
			sqlite3_exec(s->db, "RELEASE cutru_apply", NULL, NULL,
			    NULL);
		}
		s->broken = 1;
		return rc;
	}
	/* After an I/O error SQLite may have rolled back the whole
	 * transaction and the savepoint with it: nothing is left to undo. */
	sqlite3_exec(s->db, "ROLLBACK TO cutru_apply", NULL, NULL, NULL);
	sqlite3_exec(s->db, "RELEASE cutru_apply", NULL, NULL, NULL);
	return rc;
}

int
apply_session_events(struct apply_session *s, const cJSON *events,
    const struct apply_ctx *ctx, unsigned flags, struct canon_buf *canon,
    struct cutru_err *e)
{
	return session_apply(s, events, 0, SIZE_MAX, NULL, 0, ctx, flags,
	    canon, e);
}

int
apply_session_range(struct apply_session *s, const cJSON *first,
    size_t count, const char *encoded, size_t enclen,
    const struct apply_ctx *ctx, unsigned flags, struct canon_buf *canon,
    struct cutru_err *e)
{
	int rc;

	if (count == SIZE_MAX)
		count--;
	rc = session_apply(s, first, 0, count, encoded, enclen, ctx, flags,
	    canon, e);
	apply_session_name_cols(s, NULL, 0);    /* this range's only */
	return rc;
}

int
apply_event(sqlite3 *db, const cJSON *event, const struct apply_ctx *ctx,
    struct cutru_err *e)
{
	struct apply_session s;
	int rc;

	if (db == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to apply the change to."));
	session_init(&s, db);
	rc = session_apply(&s, event, 1, 1, NULL, 0, ctx, 0, NULL, e);
	session_fini(&s);
	return rc;
}

int
apply_events(sqlite3 *db, const cJSON *events, const struct apply_ctx *ctx,
    struct cutru_err *e)
{
	struct apply_session s;
	int rc;

	if (!cJSON_IsArray(events))
		return cutru_err_set(e, CUTRU_EINVAL, "",
		    _("A list of events must be a JSON array."));
	if (db == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to apply the change to."));
	session_init(&s, db);
	rc = session_apply(&s, events, 0, SIZE_MAX, NULL, 0, ctx, 0, NULL, e);
	session_fini(&s);
	return rc;
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
