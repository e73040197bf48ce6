/* The register's journal: an append-only, hash-chained record of every
 * change.  Format and guarantees in localdb/journal.c. */
#ifndef CUTRU_JOURNAL_H
#define CUTRU_JOURNAL_H

#include <stdint.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "core/err.h"
#include "core/hash.h"
#include "localdb/apply.h"

/* Length of a journal time, "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
#define JOURNAL_AT_LEN 20
/* Longest actor (an officer's login, "registry"), in bytes. */
#define JOURNAL_ACTOR_MAX 64

/* Append one entry in the caller's transaction (inside a SAVEPOINT of its
 * own, so the entry and the record of the journal's head are written
 * together or not at all).  at is the time of the change, given by the
 * caller; actor the login of who made it; payload a JSON object with a
 * string member "kind" saying what the entry records (the register's
 * changes use "events", see apply_and_journal()), stored as its canonical
 * JSON.  On success *seq (may be NULL) is the new entry's number.
 * CUTRU_EINVAL (a bad time, actor or payload; field "at", "actor",
 * "payload"), CUTRU_ECRYPTO (the last entry is damaged: the chain cannot
 * go on from it), CUTRU_EIO, CUTRU_ENOMEM. */
int journal_append(sqlite3 *db, const char *at, const char *actor,
    const cJSON *payload, int64_t *seq, struct cutru_err *e);

/* Walk the chain from the first entry and check every link and the
 * recorded head.  CUTRU_OK with *first_bad_seq 0 when the journal is
 * intact (an empty journal is); CUTRU_ECRYPTO with *first_bad_seq the
 * number of the first entry that is altered, missing or out of place, and
 * a message naming it; CUTRU_EIO, CUTRU_ENOMEM (then *first_bad_seq 0). */
int journal_verify(sqlite3 *db, int64_t *first_bad_seq,
    struct cutru_err *e);

/* One entry as journal_list() hands it: payload is NULL (and len its size)
 * when it is longer than the caller's limit. */
struct journal_entry {
	int64_t seq;
	const char *at, *actor;
	const char *payload;
	size_t len;
};

/* Call fn for the newest max entries, newest first, with the payloads of
 * at most payload_max bytes (larger ones as NULL: the caller shows their
 * size); the strings live until fn returns.  fn returns 0 to go on.
 * CUTRU_EIO (e: what SQLite said). */
int journal_list(sqlite3 *db, int max, size_t payload_max,
    int (*fn)(const struct journal_entry *entry, void *arg), void *arg,
    struct cutru_err *e);

/* The last entry's number and hash (0 and 32 zero bytes for an empty
 * journal): what a change set is chained to.  hash may be NULL. */
int journal_head(sqlite3 *db, int64_t *seq, unsigned char hash[HASH_LEN],
    struct cutru_err *e);

/* THE way the register changes: apply the events (localdb/apply.h) and
 * append the journal entry that records them, atomically (one SAVEPOINT:
 * both or neither; the caller's transaction stays open).  The entry's
 * payload is {"kind": "events", "date": ctx->date, "dossier":
 * ctx->dossier_id (absent when 0), "events": events}; the events applied
 * are those of the payload's canonical form, so the tables are exactly
 * what replaying the journal gives.  ctx->at and ctx->actor are the
 * entry's time and actor.  Errors as apply_events() and journal_append(). */
int apply_and_journal(sqlite3 *db, const cJSON *events,
    const struct apply_ctx *ctx, struct cutru_err *e);

/* Register changes in bulk (an import): many calls of events, applied
 * through one apply session (prepared statements and caches kept between
 * calls: localdb/apply.h) and journalled a list at a time - one entry
 * holds the events of many calls, a new one begins once the open one
 * holds JOURNAL_BATCH_ENTRY_BYTES of canonical events.  Each entry is
 * exactly what apply_and_journal() would write for its events, and the
 * tables are what replaying the journal gives.  While a batch is open its
 * database must change only through it (as for an apply session).  The
 * caller holds a transaction around the batch: an entry and its events
 * are kept or lost with it.
 *
 * ctx is copied; ctx->at and ctx->actor must outlive the batch.  Errors as
 * apply_and_journal() (a bad date, dossier, at or actor is refused here,
 * before anything is applied). */
struct journal_batch;

/* journal_batch_begin() flags */
/* The caller's transaction is the unit of failure: no savepoints at all
 * (APPLY_NO_SAVEPOINT).  A refused call then leaves part of its changes,
 * and the batch refuses everything after it (CUTRU_EINTERNAL): the caller
 * must roll back.  Without the flag each call is all or nothing and a
 * refused call can be followed by others. */
#define JOURNAL_BATCH_NO_SAVEPOINT 0x1u
/* With JOURNAL_BATCH_NO_SAVEPOINT: each entry is hashed on a thread of the
 * batch's own while the next entry's events are applied, and written at
 * the next entry boundary or at journal_batch_flush() (the entries, their
 * hashes and the head are the same).  Ignored without NO_SAVEPOINT, and
 * when the thread cannot be had. */
#define JOURNAL_BATCH_HASH_BEHIND 0x2u
/* The batch's session keeps the ID-number map (apply_session_id_map():
 * into a register without persons; CUTRU_EINVAL otherwise). */
#define JOURNAL_BATCH_ID_MAP 0x4u

/* Canonical bytes of events after which a batch starts a new entry. */
#define JOURNAL_BATCH_ENTRY_BYTES (256 * 1024)

int journal_batch_begin(sqlite3 *db, const struct apply_ctx *ctx,
    unsigned flags, struct journal_batch **out, struct cutru_err *e);

/* Validate and apply a JSON array of events, as apply_events() (e->field
 * prefixed by the index within events), into the open entry.  A refusal
 * is CUTRU_EINVAL, CUTRU_ERANGE, CUTRU_ENOTFOUND or CUTRU_ECONFLICT with
 * e->field naming the event ("[3]..."); any other error (CUTRU_EIO,
 * CUTRU_ENOMEM: also from writing a full entry) means the caller must roll
 * back its transaction. */
int journal_batch_add(struct journal_batch *b, const cJSON *events,
    struct cutru_err *e);

/* journal_batch_add() of count events from first on (see
 * apply_session_range(): with encoded not NULL, events the caller has
 * validated and encoded).  With JOURNAL_BATCH_CONTINUE the events go into
 * the open entry whatever its size: they continue the previous call's
 * (one group of an import split in ranges), and an entry boundary between
 * them would change the versions (localdb/apply.c, "Versions"). */
#define JOURNAL_BATCH_CONTINUE 0x1u
int journal_batch_add_range(struct journal_batch *b, const cJSON *first,
    size_t count, const char *encoded, size_t enclen, unsigned flags,
    struct cutru_err *e);

/* Name columns for the next journal_batch_add_range() call only (see
 * apply_session_name_cols()). */
void journal_batch_name_cols(struct journal_batch *b,
    const struct apply_name_cols *nc, size_t n);

/* Write the open entry, if any (its events were all applied).  Call it
 * before committing; a failure means the caller must roll back. */
int journal_batch_flush(struct journal_batch *b, struct cutru_err *e);

/* Entries the batch has written so far. */
int64_t journal_batch_entries(const struct journal_batch *b);

/* Free the batch (b may be NULL).  Events not flushed are applied but not
 * journalled: the caller must then roll back. */
void journal_batch_free(struct journal_batch *b);

#endif
