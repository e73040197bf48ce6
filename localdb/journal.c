/* The journal: every change to the register, in order, hash-chained.
 *
 * Format.  Table journal (localdb/schema.c) has one row per entry:
 *
 *     seq      1, 2, 3, ... without holes (a trigger refuses others)
 *     at       "YYYY-MM-DDTHH:MM:SSZ", the UTC time the caller gives (the
 *              store never reads the clock)
 *     actor    the login of who made the change ("registry" for the feed)
 *     payload  the canonical JSON (core/canon.h) of a JSON object whose
 *              string member "kind" says what it records
 *     hash     h[seq], 32 raw bytes
 *
 * and the links are core/hash.h's chained hash under HASH_TAG_JOURNAL:
 *
 *     h[n] = BLAKE2b-256("cutru-journal-v1" || 0x00 || h[n-1] ||
 *                        canonical({"actor": actor, "at": at,
 *                                   "payload": payload, "seq": n}))
 *
 * with h[0] = 32 zero bytes.  Because seq, at and actor are inside the
 * hashed entry, editing any of them, editing the payload, deleting an entry
 * or swapping two entries breaks the chain at the first entry concerned.
 * The canonical entry is the concatenation
 *     {"actor":A,"at":T,"payload":P,"seq":N}
 * (keys in byte order, no white space, A and T canonical strings, P the
 * stored payload bytes, N in decimal), built here without re-encoding P.
 *
 * The head.  Table meta holds key 'journal_head' = "<seq> <64 hex digits>",
 * the last entry's number and hash, written with every append.  It catches
 * what the chain alone cannot: entries cut off at the end.
 *
 * Register changes.  apply_and_journal() writes one entry per list of
 * events it applies, with payload
 *     {"kind": "events", "date": "YYYY-MM-DD", "dossier": N, "events": [..]}
 * ("dossier" absent when the change has none): everything apply_events()
 * needs, so applying the payloads in order to an empty register rebuilds
 * the register's tables.  A batch (journal_batch_begin(), for imports)
 * writes the same entries, each holding the events of many calls: one
 * list of events as apply_events() would apply it (localdb/apply.c counts
 * versions per list), up to JOURNAL_BATCH_ENTRY_BYTES of events.  Other
 * kinds of entry (dossiers, officers) are their owners' to define.
 *
 * The payload of a register change is written without building it as a
 * tree: the applier hands over each event's canonical encoding, made from
 * the very tree it applies (event_validate_encode(), which refuses an
 * event whose bytes would say anything else), and the payload around them
 * is canonical by construction - its keys "date" < "dossier" < "events" <
 * "kind" in byte order, the date and the kind plain ASCII that needs no
 * escape, the dossier number in shortest decimal, an array's elements
 * joined by commas.  So the tables are what replaying the entry gives,
 * without encoding the events a second time or parsing them back; and
 * journal_verify() still insists that every stored payload is canonical.
 *
 * What it guards against.  SQL cannot change the journal: triggers refuse
 * UPDATE and DELETE.  Someone who edits the database file directly (with
 * the store key, or a plain SQLite registry store) can; journal_verify()
 * then names the first entry that no longer fits.  The hash has no key:
 * whoever can rewrite the whole journal and its head can also recompute
 * every hash, and a journal emptied together with its head looks like a
 * new store.  Only a copy of the head kept elsewhere can show that
 * (journal_head() gives it to whoever keeps one). */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/canon.h"
#include "core/date.h"
#include "core/event.h"
#include "core/field.h"
#include "core/i18n.h"
#include "localdb/journal.h"

static int
db_fail(sqlite3 *db, struct cutru_err *e)
{
	if (sqlite3_errcode(db) == SQLITE_NOMEM)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while writing the journal."));
	return cutru_err_set(e, CUTRU_EIO, NULL,
	    _("The journal could not be read or written: %s."),
	    sqlite3_errmsg(db));
}

/* "YYYY-MM-DDTHH:MM:SSZ" with a real date and time of day. */
static int
at_valid(const char *at)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct cutru_date d;
	size_t i;

	if (at == NULL || strlen(at) != JOURNAL_AT_LEN)
		return 0;
	for (i = 0; i < JOURNAL_AT_LEN; i++)
		if (shape[i] == 'd' ? (at[i] < '0' || at[i] > '9') :
		    at[i] != shape[i])
			return 0;
	if (date_parse_n(at, 10, NULL, &d, NULL) != CUTRU_OK ||
	    d.prec != CUTRU_DATE_DAY)
		return 0;
	return (at[11] - '0') * 10 + (at[12] - '0') < 24 &&
	    (at[14] - '0') * 10 + (at[15] - '0') < 60 &&
	    (at[17] - '0') * 10 + (at[18] - '0') < 60;
}

/* A login: 1..JOURNAL_ACTOR_MAX bytes, no control characters (the
 * canonical encoding checks the UTF-8). */
static int
actor_valid(const char *actor)
{
	size_t i, n;

	if (actor == NULL || (n = strlen(actor)) == 0 ||
	    n > JOURNAL_ACTOR_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)actor[i] < 0x20 || actor[i] == 0x7f)
			return 0;
	return 1;
}

/* Growable byte buffer for the canonical entry. */
struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void
buf_add(struct buf *b, const void *s, size_t n)
{
	char *q;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		cap = b->cap != 0 ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		q = realloc(b->p, cap);
		if (q == NULL) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Append the canonical encoding of string s. */
static int
buf_json_string(struct buf *b, const char *s, struct cutru_err *e)
{
	cJSON *item = cJSON_CreateString(s);
	char *enc = NULL;
	size_t n;
	int rc;

	if (item == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while writing the journal."));
	rc = canon_encode(item, &enc, &n, e);
	if (rc == CUTRU_OK)
		buf_add(b, enc, n);
	free(enc);
	cJSON_Delete(item);
	return rc;
}

/* h = the chained hash of entry (seq, at, actor, payload bytes) after
 * prev. */
static int
entry_hash(int64_t seq, const char *at, const char *actor,
    const char *payload, size_t len, const unsigned char prev[HASH_LEN],
    unsigned char h[HASH_LEN], struct cutru_err *e)
{
	struct buf b = { NULL, 0, 0, 0 };
	char num[24];
	int rc;

	buf_str(&b, "{\"actor\":");
	if ((rc = buf_json_string(&b, actor, e)) != CUTRU_OK)
		goto done;
	buf_str(&b, ",\"at\":");
	if ((rc = buf_json_string(&b, at, e)) != CUTRU_OK)
		goto done;
	buf_str(&b, ",\"payload\":");
	buf_add(&b, payload, len);
	snprintf(num, sizeof num, ",\"seq\":%lld}", (long long)seq);
	buf_str(&b, num);
	if (b.oom) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while writing the journal."));
		goto done;
	}
	rc = hash_chain_bytes(HASH_TAG_JOURNAL, prev, b.p, b.len, h, e);
done:
	free(b.p);
	return rc;
}

/* The last entry: *seq 0 and prev = genesis for an empty journal. */
static int
last_entry(sqlite3 *db, int64_t *seq, unsigned char prev[HASH_LEN],
    struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int r, rc = CUTRU_OK;

	*seq = 0;
	memcpy(prev, hash_genesis, HASH_LEN);
	if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM journal"
	    " ORDER BY seq DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(db, e);
		goto done;
	}
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_BLOB ||
		    sqlite3_column_bytes(st, 1) != HASH_LEN) {
			rc = cutru_err_set(e, CUTRU_ECRYPTO, NULL,
			    _("Journal entry %lld is damaged: no change can be "
			    "recorded after it. Run the journal check."),
			    (long long)*seq);
			goto done;
		}
		memcpy(prev, sqlite3_column_blob(st, 1), HASH_LEN);
	} else if (r != SQLITE_DONE)
		rc = db_fail(db, e);
done:
	sqlite3_finalize(st);
	return rc;
}

/* Insert entry seq with hash h (the chain's next: seq is last+1, h its
 * hash after the last) and make it the head, inside a savepoint of its
 * own unless the caller's transaction is the unit of failure (savepoint
 * 0). */
static int
entry_insert(sqlite3 *db, int64_t seq, const char *at, const char *actor,
    const char *payload, size_t len, const unsigned char h[HASH_LEN],
    int savepoint, struct cutru_err *e)
{
	char head[32 + HASH_HEX_LEN], hex[HASH_HEX_LEN + 1];
	sqlite3_stmt *st = NULL;
	int rc;

	if (savepoint && sqlite3_exec(db, "SAVEPOINT cutru_journal", NULL,
	    NULL, NULL) != SQLITE_OK)
		return db_fail(db, e);
	if (sqlite3_prepare_v2(db, "INSERT INTO journal (seq, at, actor,"
	    " payload, hash) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 4, payload, len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, h, HASH_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	hash_to_hex(h, hex);
	snprintf(head, sizeof head, "%lld %s", (long long)seq, hex);
	if (sqlite3_prepare_v2(db, "INSERT INTO meta (key, value)"
	    " VALUES ('journal_head', ?1) ON CONFLICT (key)"
	    " DO UPDATE SET value = excluded.value", -1, &st, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, head, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if (savepoint && sqlite3_exec(db, "RELEASE cutru_journal", NULL, NULL,
	    NULL) != SQLITE_OK) {
		st = NULL;
		goto fail;
	}
	return CUTRU_OK;
fail:
	rc = db_fail(db, e);
	sqlite3_finalize(st);
	if (savepoint) {
		sqlite3_exec(db, "ROLLBACK TO cutru_journal", NULL, NULL, NULL);
		sqlite3_exec(db, "RELEASE cutru_journal", NULL, NULL, NULL);
	}
	return rc;
}

/* Append canonical payload bytes (already checked) as entry last+1,
 * inside a savepoint of its own unless the caller's transaction is the
 * unit of failure (savepoint 0). */
static int
append_bytes(sqlite3 *db, const char *at, const char *actor,
    const char *payload, size_t len, int savepoint, int64_t *seq_out,
    struct cutru_err *e)
{
	unsigned char prev[HASH_LEN], h[HASH_LEN];
	int64_t seq;
	int rc;

	if ((rc = last_entry(db, &seq, prev, e)) != CUTRU_OK)
		return rc;
	seq++;
	if ((rc = entry_hash(seq, at, actor, payload, len, prev, h, e)) !=
	    CUTRU_OK ||
	    (rc = entry_insert(db, seq, at, actor, payload, len, h, savepoint,
	    e)) != CUTRU_OK)
		return rc;
	if (seq_out != NULL)
		*seq_out = seq;
	return CUTRU_OK;
}

/* The actor goes into the hash as canonical text: it must have a
 * canonical encoding (valid UTF-8). */
static int
actor_canonical(const char *actor, struct cutru_err *e)
{
	cJSON *a = cJSON_CreateString(actor);
	char *tmp = NULL;
	size_t n;
	int rc = CUTRU_OK;

	if (a == NULL)
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while writing the journal."));
	else if (canon_encode(a, &tmp, &n, NULL) != CUTRU_OK)
		rc = cutru_err_set(e, CUTRU_EINVAL, "actor",
		    _("The login of who made the change is not valid "
		    "text."));
	free(tmp);
	cJSON_Delete(a);
	return rc;
}

/* Check the time, the actor and that the payload is an object with a
 * kind; encode it.  *out is malloc'd canonical JSON (free()). */
static int
check_entry(const char *at, const char *actor, const cJSON *payload,
    char **out, size_t *len, struct cutru_err *e)
{
	const char *kind = field_get_string(payload, "kind");
	int rc;

	*out = NULL;
	*len = 0;
	if (!at_valid(at))
		return cutru_err_set(e, CUTRU_EINVAL, "at",
		    _("A journal entry needs its time as YYYY-MM-DDTHH:MM:SSZ "
		    "(UTC)."));
	if (!actor_valid(actor))
		return cutru_err_set(e, CUTRU_EINVAL, "actor",
		    _("A journal entry needs the login of who made the change "
		    "(1 to %d characters, no control characters)."),
		    JOURNAL_ACTOR_MAX);
	if (!cJSON_IsObject(payload) || kind == NULL || kind[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "payload",
		    _("A journal entry must be a JSON object saying its "
		    "\"kind\"."));
	rc = canon_encode(payload, out, len, e);
	if (rc == CUTRU_OK)
		rc = actor_canonical(actor, e);
	else if (e != NULL) {
		char path[FIELD_PATH_MAX];
		size_t n;

		field_path_key(path, sizeof path, "payload", e->field);
		if (e->field[0] == '[')
			snprintf(path, sizeof path, "payload%.*s",
			    (int)(sizeof e->field - 1), e->field);
		n = strlen(path);
		if (n >= sizeof e->field)
			n = sizeof e->field - 1;
		memcpy(e->field, path, n);
		e->field[n] = '\0';
	}
	if (rc != CUTRU_OK) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return rc;
}

int
journal_append(sqlite3 *db, const char *at, const char *actor,
    const cJSON *payload, int64_t *seq, struct cutru_err *e)
{
	char *bytes;
	size_t len;
	int rc;

	if (seq != NULL)
		*seq = 0;
	if (db == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to write the journal of."));
	if ((rc = check_entry(at, actor, payload, &bytes, &len, e)) !=
	    CUTRU_OK)
		return rc;
	rc = append_bytes(db, at, actor, bytes, len, 1, seq, e);
	free(bytes);
	return rc;
}

static int
tampered(struct cutru_err *e, int64_t seq, int64_t *first_bad)
{
	*first_bad = seq;
	return cutru_err_set(e, CUTRU_ECRYPTO, "seq",
	    _("Journal entry %lld has been altered: it no longer matches "
	    "its place in the chain. The store has been tampered with or "
	    "damaged; restore it from a backup."), (long long)seq);
}

/* Compare the chain's end with the recorded head. */
static int
check_head(sqlite3 *db, int64_t last, const unsigned char h[HASH_LEN],
    int64_t *first_bad, struct cutru_err *e)
{
	unsigned char rec[HASH_LEN];
	sqlite3_stmt *st = NULL;
	const char *v, *sp;
	long long seq = -1;
	int r, rc = CUTRU_OK, have = 0;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta"
	    " WHERE key = 'journal_head'", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		v = (const char *)sqlite3_column_text(st, 0);
		sp = v != NULL ? strchr(v, ' ') : NULL;
		have = 1;
		if (sp == NULL || sscanf(v, "%lld", &seq) != 1 || seq < 1 ||
		    hash_from_hex(sp + 1, strlen(sp + 1), rec, NULL) !=
		    CUTRU_OK)
			seq = -1;
	} else if (r != SQLITE_DONE) {
		rc = db_fail(db, e);
		goto done;
	}
	if (!have) {
		if (last != 0) {
			*first_bad = last;
			rc = cutru_err_set(e, CUTRU_ECRYPTO, "seq",
			    _("The record of the journal's last entry is "
			    "missing: entries after %lld may have been "
			    "removed. Restore the store from a backup."),
			    (long long)last);
		}
		goto done;
	}
	if (seq < 0) {
		*first_bad = last > 0 ? last : 1;
		rc = cutru_err_set(e, CUTRU_ECRYPTO, "seq",
		    _("The record of the journal's last entry (%lld) is "
		    "damaged. Restore the store from a backup."),
		    (long long)*first_bad);
	} else if (seq > last) {
		*first_bad = last + 1;
		rc = cutru_err_set(e, CUTRU_ECRYPTO, "seq",
		    _("Journal entries %lld to %lld are missing: the journal "
		    "has been cut short. Restore the store from a backup."),
		    (long long)last + 1, seq);
	} else if (seq < last) {
		*first_bad = seq + 1;
		rc = cutru_err_set(e, CUTRU_ECRYPTO, "seq",
		    _("Journal entry %lld was not written by cutru: the "
		    "journal ended at entry %lld. Restore the store from a "
		    "backup."), seq + 1, seq);
	} else if (!hash_equal(rec, h))
		rc = tampered(e, last, first_bad);
done:
	sqlite3_finalize(st);
	return rc;
}

int
journal_verify(sqlite3 *db, int64_t *first_bad_seq, struct cutru_err *e)
{
	unsigned char prev[HASH_LEN], h[HASH_LEN];
	const char *at, *actor, *payload;
	sqlite3_stmt *st = NULL;
	int64_t seq, expect = 1;
	int r, rc = CUTRU_OK, n;

	*first_bad_seq = 0;
	if (db == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to check the journal of."));
	memcpy(prev, hash_genesis, HASH_LEN);
	if (sqlite3_prepare_v2(db, "SELECT seq, at, actor, payload, hash"
	    " FROM journal ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0);
		if (seq != expect) {
			*first_bad_seq = expect;
			rc = cutru_err_set(e, CUTRU_ECRYPTO, "seq",
			    _("Journal entry %lld is missing: the entry after "
			    "%lld is %lld. Restore the store from a backup."),
			    (long long)expect, (long long)expect - 1,
			    (long long)seq);
			goto done;
		}
		at = (const char *)sqlite3_column_text(st, 1);
		actor = (const char *)sqlite3_column_text(st, 2);
		payload = sqlite3_column_blob(st, 3);
		n = sqlite3_column_bytes(st, 3);
		if (at == NULL || actor == NULL || payload == NULL || n <= 0 ||
		    sqlite3_column_type(st, 4) != SQLITE_BLOB ||
		    sqlite3_column_bytes(st, 4) != HASH_LEN ||
		    canon_parse(payload, (size_t)n, NULL,
		    CANON_REQUIRE_CANONICAL, NULL, NULL) != CUTRU_OK) {
			rc = tampered(e, seq, first_bad_seq);
			goto done;
		}
		rc = entry_hash(seq, at, actor, payload, (size_t)n, prev, h, e);
		if (rc == CUTRU_EINVAL) {
			rc = tampered(e, seq, first_bad_seq);
			goto done;
		}
		if (rc != CUTRU_OK)
			goto done;
		if (!hash_equal(h, sqlite3_column_blob(st, 4))) {
			rc = tampered(e, seq, first_bad_seq);
			goto done;
		}
		memcpy(prev, h, HASH_LEN);
		expect++;
	}
	if (r != SQLITE_DONE) {
		rc = db_fail(db, e);
		goto done;
	}
	rc = check_head(db, expect - 1, prev, first_bad_seq, e);
done:
	sqlite3_finalize(st);
	if (rc != CUTRU_OK && rc != CUTRU_ECRYPTO)
		*first_bad_seq = 0;
	return rc;
}

int
journal_head(sqlite3 *db, int64_t *seq, unsigned char hash[HASH_LEN],
    struct cutru_err *e)
{
	unsigned char h[HASH_LEN];
	int rc;

	*seq = 0;
	if (db == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to read the journal of."));
	rc = last_entry(db, seq, h, e);
	if (rc == CUTRU_OK && hash != NULL)
		memcpy(hash, h, HASH_LEN);
	return rc;
}

/* ---- Register changes ---- */

struct journal_batch {
	sqlite3 *db;
	struct apply_session *s;
	struct apply_ctx ctx;       /* the caller's, at and actor by pointer */
	char date[DATE_FMT_MAX];
	unsigned flags;             /* JOURNAL_BATCH_* */
	struct canon_buf events;    /* the open entry's events, joined by
	                             * commas */
	int open;                   /* a list has begun, not yet journalled */
	int added;                  /* calls of the open list that went in */
	int broken;                 /* changes applied may lack their entry */
	int64_t entries;
	/* JOURNAL_BATCH_HASH_BEHIND: the hasher, and the last entry written
	 * or handed to it. */
	struct hasher *hb;
	int have_last;
	int64_t last_seq;
	unsigned char last_hash[HASH_LEN];
};

/* The hash of a batch's entries, on a thread of its own
 * (JOURNAL_BATCH_HASH_BEHIND).  An entry's hash needs the one before it,
 * and its row needs its hash, so the entries still go in one after the
 * other: at each entry boundary the batch waits for the entry it handed
 * over last (hashed meanwhile, while the events of the next were applied),
 * writes it, and hands over the new one.  The chain, the rows and the
 * head are exactly what writing each entry at once would give. */
struct hasher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Under mu. */
	int job;                    /* HB_IDLE, HB_HASH, HB_DONE */
	int quit;
	/* The entry: set before job becomes HB_HASH, the hasher's until it
	 * becomes HB_DONE; payload is the batch's to free. */
	int64_t seq;
	const char *at, *actor;
	char *payload;
	size_t len;
	unsigned char prev[HASH_LEN], h[HASH_LEN];
	int rc;
	struct cutru_err e;
};

enum { HB_IDLE, HB_HASH, HB_DONE };

static void *
hasher_main(void *arg)
{
	struct hasher *hb = arg;

	pthread_mutex_lock(&hb->mu);
	for (;;) {
		while (!hb->quit && hb->job != HB_HASH)
			pthread_cond_wait(&hb->cv, &hb->mu);
		if (hb->quit)
			break;
		pthread_mutex_unlock(&hb->mu);
		cutru_err_clear(&hb->e);
		hb->rc = entry_hash(hb->seq, hb->at, hb->actor, hb->payload,
		    hb->len, hb->prev, hb->h, &hb->e);
		pthread_mutex_lock(&hb->mu);
		hb->job = HB_DONE;
		pthread_cond_broadcast(&hb->cv);
	}
	pthread_mutex_unlock(&hb->mu);
	return NULL;
}

/* Start the hasher; NULL if it cannot be had (the batch then hashes each
 * entry itself). */
static struct hasher *
hasher_start(void)
{
	struct hasher *hb = calloc(1, sizeof *hb);

	if (hb == NULL)
		return NULL;
	if (pthread_mutex_init(&hb->mu, NULL) != 0)
		goto fail_mu;
	if (pthread_cond_init(&hb->cv, NULL) != 0)
		goto fail_cv;
	if (pthread_create(&hb->thread, NULL, hasher_main, hb) != 0)
		goto fail_thread;
	return hb;
fail_thread:
	pthread_cond_destroy(&hb->cv);
fail_cv:
	pthread_mutex_destroy(&hb->mu);
fail_mu:
	free(hb);
	return NULL;
}

static void
hasher_stop(struct hasher *hb)
{
	if (hb == NULL)
		return;
	pthread_mutex_lock(&hb->mu);
	hb->quit = 1;
	pthread_cond_broadcast(&hb->cv);
	pthread_mutex_unlock(&hb->mu);
	pthread_join(hb->thread, NULL);
	pthread_cond_destroy(&hb->cv);
	pthread_mutex_destroy(&hb->mu);
	free(hb->payload);
	free(hb);
}

/* Write the entry handed to the hasher, if any, once it is hashed. */
static int
behind_drain(struct journal_batch *b, struct cutru_err *e)
{
	struct hasher *hb = b->hb;
	int rc;

	if (hb == NULL)
		return CUTRU_OK;
	pthread_mutex_lock(&hb->mu);
	if (hb->job == HB_IDLE) {
		pthread_mutex_unlock(&hb->mu);
		return CUTRU_OK;
	}
	while (hb->job != HB_DONE)
		pthread_cond_wait(&hb->cv, &hb->mu);
	pthread_mutex_unlock(&hb->mu);
	if ((rc = hb->rc) != CUTRU_OK)
		*e = hb->e;
	else
		rc = entry_insert(b->db, hb->seq, hb->at, hb->actor,
		    hb->payload, hb->len, hb->h, 0, e);
	if (rc == CUTRU_OK) {
		b->last_seq = hb->seq;
		memcpy(b->last_hash, hb->h, HASH_LEN);
	}
	free(hb->payload);
	hb->payload = NULL;
	hb->job = HB_IDLE;
	return rc;
}

/* Hand payload (len bytes, malloc'd: the hasher's now) over as the next
 * entry, after writing the one before it. */
static int
behind_hand(struct journal_batch *b, char *payload, size_t len,
    struct cutru_err *e)
{
	struct hasher *hb = b->hb;
	int rc;

	if ((rc = behind_drain(b, e)) != CUTRU_OK) {
		free(payload);
		return rc;
	}
	if (!b->have_last) {
		if ((rc = last_entry(b->db, &b->last_seq, b->last_hash, e)) !=
		    CUTRU_OK) {
			free(payload);
			return rc;
		}
		b->have_last = 1;
	}
	hb->seq = b->last_seq + 1;
	hb->at = b->ctx.at;
	hb->actor = b->ctx.actor;
	memcpy(hb->prev, b->last_hash, HASH_LEN);
	hb->payload = payload;
	hb->len = len;
	pthread_mutex_lock(&hb->mu);
	hb->job = HB_HASH;
	pthread_cond_broadcast(&hb->cv);
	pthread_mutex_unlock(&hb->mu);
	return CUTRU_OK;
}

int
journal_batch_begin(sqlite3 *db, const struct apply_ctx *ctx, unsigned flags,
    struct journal_batch **out, struct cutru_err *e)
{
	struct journal_batch *b;
	int rc;

	*out = NULL;
	if (db == NULL || ctx == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to apply the change to."));
	if ((b = calloc(1, sizeof *b)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while writing the journal."));
	if (ctx->date.prec != CUTRU_DATE_DAY ||
	    date_format_iso(&ctx->date, b->date, sizeof b->date) != CUTRU_OK) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "date",
		    _("A change to the register needs the full date on which "
		    "it takes effect."));
		goto fail;
	}
	if (ctx->dossier_id < 0 || ctx->dossier_id > CANON_INT_MAX) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "dossier",
		    _("The dossier number of the change is out of range."));
		goto fail;
	}
	if (!at_valid(ctx->at)) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "at",
		    _("A journal entry needs its time as YYYY-MM-DDTHH:MM:SSZ "
		    "(UTC)."));
		goto fail;
	}
	if (!actor_valid(ctx->actor)) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "actor",
		    _("A journal entry needs the login of who made the change "
		    "(1 to %d characters, no control characters)."),
		    JOURNAL_ACTOR_MAX);
		goto fail;
	}
	if ((rc = actor_canonical(ctx->actor, e)) != CUTRU_OK ||
	    (rc = apply_session_new(db, &b->s, e)) != CUTRU_OK)
		goto fail;
	if ((flags & JOURNAL_BATCH_ID_MAP) &&
	    (rc = apply_session_id_map(b->s, e)) != CUTRU_OK) {
		apply_session_free(b->s);
		goto fail;
	}
	b->db = db;
	b->ctx = *ctx;
	b->flags = flags;
	/* Behind only where the caller's transaction is the unit of failure:
	 * an entry is then never undone on its own. */
	if ((flags & JOURNAL_BATCH_HASH_BEHIND) &&
	    (flags & JOURNAL_BATCH_NO_SAVEPOINT))
		b->hb = hasher_start();
	*out = b;
	return CUTRU_OK;
fail:
	free(b);
	return rc;
}

/* The entry of the open list: its canonical payload, built around the
 * events' bytes (see the top of the file). */
static int
batch_append(struct journal_batch *b, struct cutru_err *e)
{
	struct buf p = { NULL, 0, 0, 0 };
	char num[40];
	int rc;

	buf_str(&p, "{\"date\":\"");
	buf_str(&p, b->date);
	buf_str(&p, "\",");
	if (b->ctx.dossier_id != 0) {
		snprintf(num, sizeof num, "\"dossier\":%lld,",
		    (long long)b->ctx.dossier_id);
		buf_str(&p, num);
	}
	buf_str(&p, "\"events\":[");
	buf_add(&p, b->events.p, b->events.len);
	buf_str(&p, "],\"kind\":\"events\"}");
	if (p.oom)
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while writing the journal."));
	else if (b->hb != NULL)
		return behind_hand(b, p.p, p.len, e);
	else
		rc = append_bytes(b->db, b->ctx.at, b->ctx.actor, p.p, p.len,
		    !(b->flags & JOURNAL_BATCH_NO_SAVEPOINT), NULL, e);
	free(p.p);
	return rc;
}

/* Write the open entry, if any (with the hasher: hand it over). */
static int
batch_flush(struct journal_batch *b, struct cutru_err *e)
{
	int rc;

	if (b == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to write the journal of."));
	if (b->broken)
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("An earlier change failed halfway in this batch: roll "
		    "the transaction back."));
	/* A list whose every call was refused (and undone) has nothing to
	 * record. */
	if (b->open && b->added == 0)
		b->open = 0;
	if (!b->open)
		return CUTRU_OK;
	if ((rc = batch_append(b, e)) != CUTRU_OK) {
		b->broken = 1;
		return rc;
	}
	b->entries++;
	b->events.len = 0;
	b->open = 0;
	b->added = 0;
	return CUTRU_OK;
}

int
journal_batch_flush(struct journal_batch *b, struct cutru_err *e)
{
	int rc;

	if ((rc = batch_flush(b, e)) != CUTRU_OK)
		return rc;
	if ((rc = behind_drain(b, e)) != CUTRU_OK)
		b->broken = 1;
	return rc;
}

/* journal_batch_add() and journal_batch_add_range(): the events from
 * first on, all of them (count SIZE_MAX) or count. */
static int
batch_add(struct journal_batch *b, const cJSON *first, size_t count,
    const char *encoded, size_t enclen, unsigned flags, struct cutru_err *e)
{
	int rc;

	if (b->broken)
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("An earlier change failed halfway in this batch: roll "
		    "the transaction back."));
	if (!(flags & JOURNAL_BATCH_CONTINUE) && b->open &&
	    b->events.len >= JOURNAL_BATCH_ENTRY_BYTES &&
	    (rc = batch_flush(b, e)) != CUTRU_OK)
		return rc;
	if (!b->open) {
		if ((rc = apply_session_list(b->s, e)) != CUTRU_OK) {
			b->broken = 1;
			return rc;
		}
		b->open = 1;
	}
	rc = apply_session_range(b->s, first, count, encoded, enclen,
	    &b->ctx, (b->flags & JOURNAL_BATCH_NO_SAVEPOINT) ?
	    APPLY_NO_SAVEPOINT : 0, &b->events, e);
	if (rc == CUTRU_OK)
		b->added++;
	else if (b->flags & JOURNAL_BATCH_NO_SAVEPOINT)
		b->broken = 1;
	return rc;
}

int
journal_list(sqlite3 *db, int max, size_t payload_max,
    int (*fn)(const struct journal_entry *entry, void *arg), void *arg,
    struct cutru_err *e)
{
	struct journal_entry en;
	sqlite3_stmt *st = NULL;
	int src;

	if (payload_max > INT_MAX)
		payload_max = INT_MAX;
	if (sqlite3_prepare_v2(db, "SELECT seq, at, actor,"
	    " CASE WHEN length(payload) <= ?1 THEN payload END,"
	    " length(payload) FROM journal ORDER BY seq DESC LIMIT ?2", -1,
	    &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int(st, 1, (int)payload_max) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, max) != SQLITE_OK)
		goto fail;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		en.seq = sqlite3_column_int64(st, 0);
		en.at = (const char *)sqlite3_column_text(st, 1);
		en.actor = (const char *)sqlite3_column_text(st, 2);
		en.payload = (const char *)sqlite3_column_text(st, 3);
		en.len = (size_t)sqlite3_column_int64(st, 4);
		if (en.at == NULL)
			en.at = "";
		if (en.actor == NULL)
			en.actor = "";
		if (fn(&en, arg) != 0)
			break;
	}
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return CUTRU_OK;
fail:
	cutru_err_set(e, CUTRU_EIO, NULL,
	    _("The journal could not be read: %s"), sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return CUTRU_EIO;
}

void
journal_batch_name_cols(struct journal_batch *b,
    const struct apply_name_cols *nc, size_t n)
{
	apply_session_name_cols(b->s, nc, n);
}

int
journal_batch_add(struct journal_batch *b, const cJSON *events,
    struct cutru_err *e)
{
	if (b == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to apply the change to."));
	if (!cJSON_IsArray(events))
		return cutru_err_set(e, CUTRU_EINVAL, "",
		    _("A list of events must be a JSON array."));
	return batch_add(b, events->child, SIZE_MAX - 1, NULL, 0, 0, e);
}

int
journal_batch_add_range(struct journal_batch *b, const cJSON *first,
    size_t count, const char *encoded, size_t enclen, unsigned flags,
    struct cutru_err *e)
{
	if (b == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to apply the change to."));
	return batch_add(b, first, count, encoded, enclen, flags, e);
}

int64_t
journal_batch_entries(const struct journal_batch *b)
{
	return b != NULL ? b->entries : 0;
}

void
journal_batch_free(struct journal_batch *b)
{
	if (b == NULL)
		return;
	hasher_stop(b->hb);
	apply_session_free(b->s);
	canon_buf_free(&b->events);
	free(b);
}

int
apply_and_journal(sqlite3 *db, const cJSON *events,
    const struct apply_ctx *ctx, struct cutru_err *e)
{
	struct journal_batch *b = NULL;
	int rc;

	if (db == NULL || ctx == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to apply the change to."));
	if (!cJSON_IsArray(events))
		return cutru_err_set(e, CUTRU_EINVAL, "",
		    _("A list of events must be a JSON array."));
	if ((rc = journal_batch_begin(db, ctx, JOURNAL_BATCH_NO_SAVEPOINT, &b,
	    e)) != CUTRU_OK)
		return rc;
	/* The savepoint makes the events and their entry one change; inside
	 * it the batch needs none of its own. */
	if (sqlite3_exec(db, "SAVEPOINT cutru_change", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		rc = db_fail(db, e);
		goto done;
	}
	rc = journal_batch_add(b, events, e);
	if (rc == CUTRU_OK)
		rc = journal_batch_flush(b, e);
	if (rc == CUTRU_OK &&
	    sqlite3_exec(db, "RELEASE cutru_change", NULL, NULL, NULL) !=
	    SQLITE_OK)
		rc = db_fail(db, e);
	if (rc != CUTRU_OK) {
		sqlite3_exec(db, "ROLLBACK TO cutru_change", NULL, NULL, NULL);
		sqlite3_exec(db, "RELEASE cutru_change", NULL, NULL, NULL);
	}
done:
	journal_batch_free(b);
	return rc;
}
