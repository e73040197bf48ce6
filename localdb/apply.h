/* Applying domain events (core/event.h) to a register database: the one
 * code path by which persons, households and residences change.  See
 * localdb/apply.c for what each event does to the tables. */
#ifndef CUTRU_APPLY_H
#define CUTRU_APPLY_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "core/err.h"
#include "core/name.h"
#include "core/types.h"

/* What applying needs besides the events.  The store never reads the
 * clock: the caller says what day it is. */
struct apply_ctx {
	int64_t dossier_id;     /* dossiers.id the events carry out, 0: none
	                         * (an event from the registry's feed) */
	struct cutru_date date; /* the full date the changes take effect (the
	                         * day of approval): memberships begin and end,
	                         * households are created and dissolved on it */
	const char *actor;      /* login of the officer (or "registry"): the
	                         * journal's, unused by apply_event() */
	const char *at;         /* "YYYY-MM-DDTHH:MM:SSZ", UTC: the journal's,
	                         * unused by apply_event() */
};

struct canon_buf;

/* Apply one event to db, a database with the register's schema
 * (localdb/schema.h), plain or encrypted alike.  The event is checked with
 * event_validate() first.  All or nothing: the event runs inside a
 * SAVEPOINT of its own, so a refused event leaves no trace; the caller's
 * transaction, if any, stays open.  It does not write the journal: the
 * register changes through apply_and_journal() (localdb/journal.h); the
 * registry's store and tests may call this directly.
 * Errors: CUTRU_EINVAL / CUTRU_ERANGE (the event is malformed; e->field is
 * its JSON path, "data.to"), CUTRU_ENOTFOUND (a person, household or
 * residence the event names is not in the register; the message names the
 * ID number or the household number), CUTRU_ECONFLICT (the event
 * contradicts the register: a second head, a household number in use, a
 * head leaving a household that still has members, ...), CUTRU_EIO
 * (SQLite), CUTRU_ENOMEM. */
int apply_event(sqlite3 *db, const cJSON *event, const struct apply_ctx *ctx,
    struct cutru_err *e);

/* Apply a JSON array of events in order, all or nothing (one SAVEPOINT
 * around the list).  Errors as apply_event(), with e->field prefixed by the
 * event's index ("[2].data.household").  An empty array changes nothing. */
int apply_events(sqlite3 *db, const cJSON *events,
    const struct apply_ctx *ctx, struct cutru_err *e);

/* A session: what applying keeps between calls on one connection - the
 * prepared statements and small caches of what the register holds (see
 * localdb/apply.c).  For many lists in a row (an import, the registry's
 * ingest); apply_event() and apply_events() use one of their own per call.
 * While a session is open, the register's tables must change only through
 * it.  Owned by the caller: apply_session_free() before closing db. */
struct apply_session;

int apply_session_new(sqlite3 *db, struct apply_session **out,
    struct cutru_err *e);
void apply_session_free(struct apply_session *s);

/* Keep a map of the ID numbers of the persons the session inserts, for a
 * bulk load into a register without persons (localdb/import.c): the map
 * then answers every look-up of a person by ID number, so the load can
 * drop the index on persons.id_number (persons_id_number) and create it
 * again at the end, which costs a sort instead of a look-up in a growing
 * index for every person.  The index is not needed meanwhile: a person is
 * inserted only when the map does not have the number, and CREATE UNIQUE
 * INDEX at the end would refuse a number entered twice.  A session with the
 * map refuses identity corrections (CUTRU_EINTERNAL), and after its first
 * failure refuses every later call, as with APPLY_NO_SAVEPOINT: the map
 * cannot forget what a rollback undid.  CUTRU_EINVAL if the register has
 * persons, CUTRU_EIO. */
int apply_session_id_map(struct apply_session *s, struct cutru_err *e);

/* Begin a new list of events: the unit the version rule counts in (a
 * record created by the list is not bumped by it; localdb/apply.c) and
 * what one journal entry holds.  apply_session_events() begins one itself
 * if none was.  CUTRU_EIO. */
int apply_session_list(struct apply_session *s, struct cutru_err *e);

/* apply_session_events() flags */
/* No savepoint: the caller's transaction is the unit of failure.  A
 * refused list then leaves part of its changes behind; the caller must
 * roll its transaction back, and the session refuses every later call
 * (CUTRU_EINTERNAL). */
#define APPLY_NO_SAVEPOINT 0x1u

/* Apply a JSON array of events in order in session s, continuing its
 * current list: as apply_events() (all or nothing unless
 * APPLY_NO_SAVEPOINT; e->field prefixed by the event's index within
 * events).  With canon, the canonical encoding (core/canon.h) of each
 * event applied is appended to it, after a comma when canon is not empty:
 * exactly the bytes of the tree applied (event_validate_encode()).  On
 * failure canon is as it was. */
int apply_session_events(struct apply_session *s, const cJSON *events,
    const struct apply_ctx *ctx, unsigned flags, struct canon_buf *canon,
    struct cutru_err *e);

/* As apply_session_events(), for count events: first and the siblings
 * that follow it in its array (e->field prefixed by the index within the
 * range).  With encoded NULL, exactly that.  With encoded, the caller has
 * already checked every one of them with event_validate_encode()
 * (core/event.h), which found each in NFC (no normalised tree), and
 * encoded holds the enclen bytes of their canonical encodings joined by
 * commas: the events are applied without being validated again, and once
 * all are applied encoded is appended to canon (after a comma when canon
 * is not empty), as apply_session_events() would have appended them.
 * For a bulk import that validates the next events on another thread
 * while this one applies (localdb/import.c); the rules are core's either
 * way, only the thread that runs them differs. */
int apply_session_range(struct apply_session *s, const cJSON *first,
    size_t count, const char *encoded, size_t enclen,
    const struct apply_ctx *ctx, unsigned flags, struct canon_buf *canon,
    struct cutru_err *e);

/* The columns the register derives from a person's name: its parts, its
 * folded form and its sort key (core/name.h), as the applier computes them
 * for person.upserted. */
struct apply_name_cols {
	const char *name;           /* the name they were made from */
	struct name_parts parts;
	char folded[NAME_BUF_SIZE];
	uint8_t key[NAME_SORT_KEY_SIZE];
	size_t keylen;
};

/* Make nc from name (kept by pointer: it must outlive nc).  CUTRU_EINVAL
 * (e->field "data.name") when core refuses the name. */
int apply_name_cols(const char *name, struct apply_name_cols *nc,
    struct cutru_err *e);

/* Name columns made elsewhere for the next apply_session_range() call
 * only: n of them, in the order of the person.upserted events of the range
 * they were made for, each with name pointing at that event's own "name"
 * string.  The applier takes one only for the event whose name string it
 * is (the same pointer), and makes the columns itself for any other.  For a
 * bulk import, whose second thread makes them while this one applies
 * (localdb/import.c); the columns are the same function of the name either
 * way. */
void apply_session_name_cols(struct apply_session *s,
    const struct apply_name_cols *nc, size_t n);

/* The version of the person with this ID number (persons.version), which
 * every applied change to their identity, residences or household
 * membership increases (except the changes of the list that created the
 * person: see localdb/apply.c): a dossier that read version v can tell at
 * approval whether the record moved on.  CUTRU_ENOTFOUND if no such
 * person. */
int apply_person_version(sqlite3 *db, const char *id_number,
    int64_t *version, struct cutru_err *e);

/* The same for a household by number (households.version: members, head,
 * dissolution). */
int apply_household_version(sqlite3 *db, const char *number,
    int64_t *version, struct cutru_err *e);

#endif
