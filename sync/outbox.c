#include "config.h"

/* The outbox: approval and change set in one step, the repair at unlock,
 * export to removable media, and the states.  The design and the formats
 * are in sync/outbox.h.
 *
 * What can go wrong, and what this file does about it:
 *   - A crash after the commit, before the outbox file: outbox_repair()
 *     writes it from the sealed bytes in the store (same name, same
 *     bytes), so nothing is sealed twice and nothing is lost.
 *   - A crash before the commit: nothing was recorded, not even the
 *     approval; the supervisor approves again.
 *   - A file written but the process killed before the folder's fsync:
 *     either the file survived, or repair writes it again.
 *   - A crash in the middle of an export: files on the stick are each
 *     whole (written atomically); the change sets are marked exported only
 *     after everything, the manifest last, was written and synced, so a
 *     stick without a manifest is one to write again.
 *   - An export written twice, or a stick imported twice at the registry:
 *     the registry answers a replay with the same receipt. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#include "core/i18n.h"
#include "localdb/storedir.h"
#include "sync/device.h"
#include "sync/outbox.h"
#include "sync/util.h"

static const char *const state_names[OUTBOX_STATES] = {
	"sealed", "sent", "exported", "held", "accepted", "rejected"
};

const char *
outbox_state_name(enum outbox_state s)
{
	if ((int)s < 0 || s >= OUTBOX_STATES)
		return NULL;
	return state_names[s];
}

static enum outbox_state
state_parse(const char *s)
{
	int i;

	for (i = 0; i < OUTBOX_STATES; i++)
		if (s != NULL && strcmp(s, state_names[i]) == 0)
			return (enum outbox_state)i;
	return OUTBOX_SEALED;
}

/* Run sql, a statement that returns no row, with ?1 bound to seq. */
static int
exec_up_to(sqlite3 *db, const char *sql, int64_t seq, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, seq) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		rc = sync_db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

int
outbox_file_name(int64_t seq, const unsigned char hash[HASH_LEN],
    char buf[OUTBOX_NAME_SIZE], struct cutru_err *e)
{
	char hex[HASH_HEX_LEN + 1];

	buf[0] = '\0';
	if (seq < 1 || seq > 9999999999LL)
		return cutru_err_set(e, CUTRU_EINVAL, "seq",
		    _("A change set number runs from 1 to 9999999999."));
	hash_to_hex(hash, hex);
	snprintf(buf, OUTBOX_NAME_SIZE, "%010lld-%.16s.cs", (long long)seq,
	    hex);
	return CUTRU_OK;
}

/* ------------------------------------------------------------ approve */

struct approve_ctx {
	struct session *s;
	time_t now;
	int sealed;
	unsigned char *bytes;
	size_t len;
	int64_t seq;
	unsigned char hash[HASH_LEN];
};

static int
approve_hook(sqlite3 *db, const struct dossier_approved *a, void *arg,
    struct cutru_err *e)
{
	struct approve_ctx *c = arg;
	struct device *d = NULL;
	int rc;

	if ((rc = device_load_or_create(db, session_ward_code(c->s), &d, e)) !=
	    CUTRU_OK)
		return rc;
	if (!d->enrolled) {
		/* Nothing to seal to yet: outbox_repair() seals it once the
		 * console is enrolled. */
		device_free(d);
		return CUTRU_OK;
	}
	rc = device_seal_changeset(db, d, a->officer, a->approval,
	    a->approval_len, a->signature, a->supervisor_pk, (int64_t)c->now,
	    &c->bytes, &c->len, &c->seq, c->hash, e);
	device_free(d);
	if (rc == CUTRU_OK)
		c->sealed = 1;
	return rc;
}

int
outbox_approve(struct session *s, const char *number,
    const char *passphrase, time_t now, struct outbox_approval *out,
    struct cutru_err *e)
{
	struct outbox_approval local;
	struct approve_ctx c;
	int rc;

	if (out == NULL)
		out = &local;
	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	c.s = s;
	c.now = now;
	if ((rc = dossier_approve_hooked(s, number, passphrase, now,
	    approve_hook, &c, e)) != CUTRU_OK) {
		free(c.bytes);
		return rc;
	}
	if (!c.sealed)
		return CUTRU_OK;
	out->sealed = 1;
	out->seq = c.seq;
	if (outbox_file_name(c.seq, c.hash, out->name, &out->file_err) ==
	    CUTRU_OK &&
	    spool_deliver(store_dir(session_store(s)), SPOOL_OUTBOX,
	    out->name, c.bytes, c.len, &out->file_err) == CUTRU_OK)
		out->file_written = 1;
	free(c.bytes);
	return CUTRU_OK;
}

/* ------------------------------------------------------------- repair */

/* Seal the approvals that have no change set (approved before the
 * console was enrolled), oldest first, each in its own transaction. */
static int
seal_pending(struct session *s, time_t now, struct outbox_repair_report *r,
    struct cutru_err *e)
{
	static const char sql[] = "SELECT d.number, d.officer, o.sign_pk "
	    "FROM dossiers d LEFT JOIN officers o ON o.login = d.supervisor "
	    "WHERE d.signature IS NOT NULL AND d.state = 'approved' AND "
	    "NOT EXISTS (SELECT 1 FROM changesets c WHERE c.dossier = "
	    "d.number) ORDER BY d.decided, d.id";
	sqlite3 *db = session_db(s);
	sqlite3_stmt *st = NULL;
	struct device *d = NULL;
	struct cutru_err e2;
	char number[DOSSIER_NUMBER_MAX], officer[KEYRING_LOGIN_MAX + 1];
	unsigned char pk[KEYRING_SIGN_PK_BYTES], sig[DOSSIER_SIGNATURE_BYTES];
	unsigned char hash[HASH_LEN], *bytes = NULL;
	char *canon = NULL;
	size_t clen = 0, blen = 0;
	int64_t seq;
	int rc, q, have_pk;

	if ((rc = device_load(db, &d, e)) != CUTRU_OK) {
		if (rc != CUTRU_ENOTFOUND)
			return rc;
		cutru_err_clear(e);
		return CUTRU_OK;
	}
	if (!d->enrolled) {
		device_free(d);
		return CUTRU_OK;
	}
	for (;;) {
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
			rc = sync_db_fail(db, e);
			break;
		}
		q = sqlite3_step(st);
		if (q == SQLITE_DONE) {
			rc = CUTRU_OK;
			break;
		}
		if (q != SQLITE_ROW) {
			rc = sync_db_fail(db, e);
			break;
		}
		snprintf(number, sizeof number, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		snprintf(officer, sizeof officer, "%s",
		    (const char *)sqlite3_column_text(st, 1));
		have_pk = sqlite3_column_bytes(st, 2) == KEYRING_SIGN_PK_BYTES;
		if (have_pk)
			memcpy(pk, sqlite3_column_blob(st, 2), sizeof pk);
		sqlite3_finalize(st);
		st = NULL;
		cutru_err_clear(&e2);
		rc = dossier_approval(s, number, &canon, &clen, sig, &e2);
		if (rc == CUTRU_OK && !have_pk)
			rc = cutru_err_set(&e2, CUTRU_ECRYPTO, "supervisor",
			    _("The supervisor who approved dossier %s has no "
			    "signing key on record."), number);
		if (rc == CUTRU_OK && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL,
		    NULL, NULL) != SQLITE_OK)
			rc = sync_db_fail(db, &e2);
		else if (rc == CUTRU_OK) {
			rc = device_seal_changeset(db, d, officer, canon, clen,
			    sig, pk, (int64_t)now, &bytes, &blen, &seq, hash,
			    &e2);
			if (rc == CUTRU_OK && sqlite3_exec(db, "COMMIT", NULL,
			    NULL, NULL) != SQLITE_OK)
				rc = sync_db_fail(db, &e2);
			if (rc != CUTRU_OK)
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		}
		free(canon);
		canon = NULL;
		free(bytes);
		bytes = NULL;
		sodium_memzero(sig, sizeof sig);
		if (rc == CUTRU_OK) {
			r->sealed++;
			continue;
		}
		if (rc == CUTRU_EIO || rc == CUTRU_ENOMEM) {
			if (e != NULL)
				*e = e2;
			break;
		}
		/* This approval cannot be sealed (its supervisor's key was
		 * replaced since, ...): it needs a person, and it would come
		 * first again, so the pass stops here. */
		r->unsealable++;
		if (r->problem.code == 0)
			r->problem = e2;
		rc = CUTRU_OK;
		break;
	}
	sqlite3_finalize(st);
	device_free(d);
	return rc;
}

/* Is name one of the outbox's own ("NNNNNNNNNN-HHHH...HH.cs")?  Gives seq
 * and the hash prefix. */
static int
own_name(const char *name, int64_t *seq, char prefix[17])
{
	size_t i;

	if (strlen(name) != OUTBOX_NAME_LEN || name[10] != '-' ||
	    strcmp(name + 27, ".cs") != 0)
		return 0;
	*seq = 0;
	for (i = 0; i < 10; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		*seq = *seq * 10 + (name[i] - '0');
	}
	for (i = 11; i < 27; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	memcpy(prefix, name + 11, 16);
	prefix[16] = '\0';
	return *seq >= 1;
}

/* Remove the files of final change sets from outbox/sub. */
static int
retire_files(struct session *s, const char *sub,
    struct outbox_repair_report *r, struct cutru_err *e)
{
	const char *dir = store_dir(session_store(s));
	sqlite3 *db = session_db(s);
	sqlite3_stmt *st = NULL;
	char **names = NULL, prefix[17], hex[HASH_HEX_LEN + 1];
	size_t n = 0, i;
	int64_t seq;
	int rc = CUTRU_OK, q;

	if ((rc = spool_list(dir, SPOOL_OUTBOX, sub, &names, &n, e)) !=
	    CUTRU_OK)
		return rc;
	if (n > 0 && sqlite3_prepare_v2(db, "SELECT hash, state FROM "
	    "changesets WHERE seq = ?", -1, &st, NULL) != SQLITE_OK) {
		rc = sync_db_fail(db, e);
		goto done;
	}
	for (i = 0; i < n && rc == CUTRU_OK; i++) {
		if (!own_name(names[i], &seq, prefix))
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, seq);
		q = sqlite3_step(st);
		if (q == SQLITE_DONE)
			continue;  /* not this store's: left alone */
		if (q != SQLITE_ROW ||
		    sqlite3_column_bytes(st, 0) != HASH_LEN) {
			rc = sync_db_fail(db, e);
			break;
		}
		hash_to_hex(sqlite3_column_blob(st, 0), hex);
		if (strncmp(hex, prefix, 16) != 0)
			continue;
		if (state_parse((const char *)sqlite3_column_text(st, 1)) <
		    OUTBOX_ACCEPTED)
			continue;
		if ((rc = spool_remove(dir, SPOOL_OUTBOX, sub, names[i], e)) ==
		    CUTRU_OK)
			r->retired++;
	}
done:
	sqlite3_finalize(st);
	spool_names_free(names, n);
	return rc;
}

/* Write the file of every pending change set that has none. */
static int
rewrite_missing(struct session *s, struct outbox_repair_report *r,
    struct cutru_err *e)
{
	const char *dir = store_dir(session_store(s));
	sqlite3 *db = session_db(s);
	sqlite3_stmt *st = NULL;
	char name[OUTBOX_NAME_SIZE];
	int64_t seq;
	int rc = CUTRU_OK, q;

	if (sqlite3_prepare_v2(db, "SELECT seq, hash, sealed FROM changesets "
	    "WHERE state IN ('sealed', 'sent', 'exported', 'held') "
	    "ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return sync_db_fail(db, e);
	while ((q = sqlite3_step(st)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) != HASH_LEN) {
			rc = cutru_err_set(e, CUTRU_EIO, "store",
			    _("Change set %lld in the store is damaged."),
			    (long long)seq);
			break;
		}
		if ((rc = outbox_file_name(seq, sqlite3_column_blob(st, 1),
		    name, e)) != CUTRU_OK)
			break;
		if (spool_exists(dir, SPOOL_OUTBOX, SPOOL_NEW, name) ||
		    spool_exists(dir, SPOOL_OUTBOX, SPOOL_CUR, name))
			continue;
		if ((rc = spool_deliver(dir, SPOOL_OUTBOX, name,
		    sqlite3_column_blob(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2), e)) != CUTRU_OK)
			break;
		r->written++;
	}
	if (rc == CUTRU_OK && q != SQLITE_DONE)
		rc = sync_db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

int
outbox_repair(struct session *s, time_t now,
    struct outbox_repair_report *r, struct cutru_err *e)
{
	struct outbox_repair_report local;
	const char *dir;
	int rc;

	if (r == NULL)
		r = &local;
	memset(r, 0, sizeof *r);
	if (s == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store is not open."));
	dir = store_dir(session_store(s));
	spool_clean_tmp(dir, SPOOL_OUTBOX, now);
	spool_clean_tmp(dir, SPOOL_INBOX, now);
	if ((rc = seal_pending(s, now, r, e)) != CUTRU_OK ||
	    (rc = rewrite_missing(s, r, e)) != CUTRU_OK ||
	    (rc = retire_files(s, SPOOL_NEW, r, e)) != CUTRU_OK)
		return rc;
	return retire_files(s, SPOOL_CUR, r, e);
}

/* ------------------------------------------------------------- export */

int
outbox_feed_cursor(sqlite3 *db, char cursor[FEED_CURSOR_MAX + 1],
    struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int q, rc = CUTRU_OK;

	cursor[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = "
	    "'feed_cursor'", -1, &st, NULL) != SQLITE_OK)
		return sync_db_fail(db, e);
	q = sqlite3_step(st);
	if (q == SQLITE_ROW) {
		v = sqlite3_column_text(st, 0);
		if (v == NULL || strlen((const char *)v) > FEED_CURSOR_MAX)
			rc = cutru_err_set(e, CUTRU_EIO, "store",
			    _("The store's feed position is damaged."));
		else
			snprintf(cursor, FEED_CURSOR_MAX + 1, "%s", v);
	} else if (q != SQLITE_DONE)
		rc = sync_db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

static int
make_subdir(const char *dir, const char *name, char *out, size_t len,
    struct cutru_err *e)
{
	int n = snprintf(out, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len)
		return cutru_err_set(e, CUTRU_ERANGE, "dir",
		    _("The path of the folder %s is too long."), dir);
	if (mkdir(out, 0755) != 0 && errno != EEXIST)
		return cutru_err_set(e, CUTRU_EIO, "dir",
		    _("The folder %s could not be made: %s."), out,
		    strerror(errno));
	return CUTRU_OK;
}

/* A growing text buffer. */
struct text {
	char *p;
	size_t len, cap;
	int failed;
};

static void
text_add(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *np;

	if (t->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p != NULL ? t->p + t->len : NULL,
		    t->p != NULL ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
			return;
		}
		if (t->p != NULL && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		if ((np = realloc(t->p, t->cap + (size_t)n + 1024)) == NULL) {
			t->failed = 1;
			return;
		}
		t->p = np;
		t->cap += (size_t)n + 1024;
	}
}

int
outbox_export(struct session *s, const char *dir, time_t now,
    struct outbox_export_report *r, struct cutru_err *e)
{
	struct outbox_export_report local;
	struct device *d = NULL;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	struct text man = { NULL, 0, 0, 0 }, req = { NULL, 0, 0, 0 };
	char csdir[STOREDIR_PATH_MAX], frdir[STOREDIR_PATH_MAX];
	char name[OUTBOX_NAME_SIZE], hex[HASH_HEX_LEN + 1];
	char cursor[FEED_CURSOR_MAX + 1], sig[FEED_SIG_HEX + 1];
	struct stat sb;
	int64_t seq, maxseq = 0;
	int rc, q, in_tx = 0;

	if (r == NULL)
		r = &local;
	memset(r, 0, sizeof *r);
	if (s == NULL || dir == NULL || dir[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "dir",
		    _("Name the folder to export to."));
	db = session_db(s);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return cutru_err_set(e, CUTRU_ENOTFOUND, "dir",
		    _("%s is not a folder; mount the removable disk and name "
		    "a folder on it."), dir);
	if ((rc = session_refresh(s, e)) != CUTRU_OK)
		return rc;
	if ((rc = device_load(db, &d, e)) != CUTRU_OK || !d->enrolled) {
		device_free(d);
		if (rc == CUTRU_OK || rc == CUTRU_ENOTFOUND) {
			cutru_err_clear(e);
			return cutru_err_set(e, CUTRU_EPERM, "device",
			    _("This console is not enrolled with a registry "
			    "yet, so it has nothing sealed to export. Enroll "
			    "it first (cutru enroll)."));
		}
		return rc;
	}
	if ((rc = make_subdir(dir, "changesets", csdir, sizeof csdir, e)) !=
	    CUTRU_OK ||
	    (rc = make_subdir(dir, "feed-requests", frdir, sizeof frdir, e)) !=
	    CUTRU_OK)
		goto done;
	text_add(&man, "cutru-export-v1\ndevice %s\nward %s\ntime %lld\n",
	    d->id, d->ward, (long long)now);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM changesets WHERE "
	    "state IN ('sealed', 'sent', 'exported', 'held')", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		rc = sync_db_fail(db, e);
		goto done;
	}
	text_add(&man, "changesets %lld\n",
	    (long long)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT seq, hash, sealed FROM changesets "
	    "WHERE state IN ('sealed', 'sent', 'exported', 'held') "
	    "ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		rc = sync_db_fail(db, e);
		goto done;
	}
	while ((q = sqlite3_step(st)) == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(st, 2);

		seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) != HASH_LEN) {
			rc = cutru_err_set(e, CUTRU_EIO, "store",
			    _("Change set %lld in the store is damaged."),
			    (long long)seq);
			goto done;
		}
		if ((rc = outbox_file_name(seq, sqlite3_column_blob(st, 1),
		    name, e)) != CUTRU_OK ||
		    (rc = spool_write_file(csdir, name,
		    sqlite3_column_blob(st, 2), len, e)) != CUTRU_OK)
			goto done;
		hash_to_hex(sqlite3_column_blob(st, 1), hex);
		text_add(&man, "%lld %s %zu changesets/%s\n", (long long)seq,
		    hex, len, name);
		r->files++;
		r->bytes += len;
		maxseq = seq;
	}
	if (q != SQLITE_DONE) {
		rc = sync_db_fail(db, e);
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* The feed request: the registry answers it into feed/DEVICE. */
	if ((rc = outbox_feed_cursor(db, cursor, e)) != CUTRU_OK ||
	    (rc = device_feed_request(d, cursor, (int64_t)now, sig, e)) !=
	    CUTRU_OK)
		goto done;
	text_add(&req, "device=%s&after=%s&time=%lld&sig=%s\n", d->id, cursor,
	    (long long)now, sig);
	text_add(&man, "feed-request feed-requests/%s\n", d->id);
	snprintf(r->manifest, sizeof r->manifest, "manifest-%s.txt", d->id);
	if (man.failed || req.failed) {
		rc = sync_oom(e);
		goto done;
	}
	if ((rc = spool_write_file(frdir, d->id, req.p, req.len, e)) !=
	    CUTRU_OK ||
	    (rc = spool_write_file(dir, r->manifest, man.p, man.len, e)) !=
	    CUTRU_OK)
		goto done;
	/* Everything is on the stick: now it counts as exported.  Only what
	 * was written (seq <= maxseq): a change set sealed meanwhile by
	 * another console on this store is not on it. */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		rc = sync_db_fail(db, e);
		goto done;
	}
	in_tx = 1;
	if ((rc = exec_up_to(db, "UPDATE dossiers SET state = 'sent' WHERE "
	    "state = 'approved' AND number IN (SELECT dossier FROM "
	    "changesets WHERE seq <= ?1 AND state IN ('sealed', 'sent', "
	    "'exported', 'held'))", maxseq, e)) != CUTRU_OK ||
	    (rc = exec_up_to(db, "UPDATE changesets SET state = 'exported' "
	    "WHERE seq <= ?1 AND state IN ('sealed', 'sent', 'held')",
	    maxseq, e)) != CUTRU_OK)
		goto done;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sync_db_fail(db, e);
		goto done;
	}
	in_tx = 0;
	rc = CUTRU_OK;
done:
	sqlite3_finalize(st);
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	free(man.p);
	free(req.p);
	device_free(d);
	return rc;
}

/* ------------------------------------------------------ list, status */

void
outbox_list_free(struct outbox_item *items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++)
		free(items[i].reasons);
	free(items);
}

/* The reasons of a stored receipt (verified again with the pinned key). */
static void
item_reasons(const struct device *d, const void *receipt, size_t len,
    struct outbox_item *it)
{
	struct receipt rc;
	struct cutru_err e;

	if (d == NULL || !d->enrolled || receipt == NULL ||
	    device_receipt_verify(d, receipt, len, &rc, &e) != CUTRU_OK)
		return;
	it->answered = rc.time;
	if (rc.nreasons > 0 &&
	    (it->reasons = calloc(rc.nreasons, sizeof *it->reasons)) != NULL) {
		memcpy(it->reasons, rc.reasons,
		    rc.nreasons * sizeof *it->reasons);
		it->nreasons = rc.nreasons;
	}
	receipt_free(&rc);
}

int
outbox_list(struct session *s, int flags, struct outbox_item **items,
    size_t *n, struct cutru_err *e)
{
	const char *where = (flags & OUTBOX_LIST_ATTENTION) ?
	    "WHERE state = 'rejected' " : (flags & OUTBOX_LIST_PENDING) ?
	    "WHERE state IN ('sealed', 'sent', 'exported', 'held') " : "";
	char sql[256];
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	struct device *d = NULL;
	struct outbox_item *v = NULL, *nv, *it;
	size_t cap = 0, k = 0;
	int rc = CUTRU_OK, q;

	*items = NULL;
	*n = 0;
	if (s == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store is not open."));
	db = session_db(s);
	if (device_load(db, &d, e) != CUTRU_OK) {
		cutru_err_clear(e);
		d = NULL;
	}
	snprintf(sql, sizeof sql, "SELECT seq, hash, dossier, state, created, "
	    "length(sealed), receipt FROM changesets %sORDER BY seq", where);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = sync_db_fail(db, e);
		goto done;
	}
	while ((q = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nv = realloc(v, cap * sizeof *v)) == NULL) {
				rc = sync_oom(e);
				goto done;
			}
			v = nv;
		}
		it = &v[k];
		memset(it, 0, sizeof *it);
		k++;
		it->seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == HASH_LEN)
			memcpy(it->hash, sqlite3_column_blob(st, 1), HASH_LEN);
		outbox_file_name(it->seq, it->hash, it->name, NULL);
		snprintf(it->dossier, sizeof it->dossier, "%s",
		    (const char *)sqlite3_column_text(st, 2));
		it->state = state_parse((const char *)
		    sqlite3_column_text(st, 3));
		it->created = sqlite3_column_int64(st, 4);
		it->size = (size_t)sqlite3_column_int64(st, 5);
		if (sqlite3_column_type(st, 6) == SQLITE_BLOB)
			item_reasons(d, sqlite3_column_blob(st, 6),
			    (size_t)sqlite3_column_bytes(st, 6), it);
	}
	if (q != SQLITE_DONE) {
		rc = sync_db_fail(db, e);
		goto done;
	}
	*items = v;
	*n = k;
	v = NULL;
	k = 0;
done:
	sqlite3_finalize(st);
	outbox_list_free(v, k);
	device_free(d);
	return rc;
}

static size_t
count_files(const char *dir, const char *box, const char *sub)
{
	char **names = NULL;
	size_t n = 0;
	struct cutru_err e;

	if (spool_list(dir, box, sub, &names, &n, &e) != CUTRU_OK)
		return 0;
	spool_names_free(names, n);
	return n;
}

int
outbox_status(struct session *s, struct outbox_status *out,
    struct cutru_err *e)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	struct device *d = NULL;
	const char *dir;
	int rc, q;

	memset(out, 0, sizeof *out);
	if (s == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store is not open."));
	db = session_db(s);
	dir = store_dir(session_store(s));
	rc = device_load(db, &d, e);
	if (rc == CUTRU_OK) {
		out->has_device = 1;
		out->enrolled = d->enrolled;
		snprintf(out->device, sizeof out->device, "%s", d->id);
		if (d->enrolled)
			snprintf(out->registry, sizeof out->registry, "%s",
			    d->registry.name);
		device_free(d);
	} else if (rc == CUTRU_ENOTFOUND)
		cutru_err_clear(e);
	else
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT state, count(*) FROM changesets "
	    "GROUP BY state", -1, &st, NULL) != SQLITE_OK)
		return sync_db_fail(db, e);
	while ((q = sqlite3_step(st)) == SQLITE_ROW)
		out->count[state_parse((const char *)
		    sqlite3_column_text(st, 0))] +=
		    (size_t)sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (q != SQLITE_DONE)
		return sync_db_fail(db, e);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM dossiers d "
	    "WHERE d.state = 'approved' AND d.signature IS NOT NULL AND NOT "
	    "EXISTS (SELECT 1 FROM changesets c WHERE c.dossier = d.number)",
	    -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sync_db_fail(db, e);
	}
	out->unsealed = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((rc = outbox_feed_cursor(db, out->cursor, e)) != CUTRU_OK)
		return rc;
	out->outbox_files = count_files(dir, SPOOL_OUTBOX, SPOOL_NEW) +
	    count_files(dir, SPOOL_OUTBOX, SPOOL_CUR);
	out->inbox_new = count_files(dir, SPOOL_INBOX, SPOOL_NEW);
	out->inbox_refused = count_files(dir, SPOOL_INBOX, SPOOL_CUR);
	return CUTRU_OK;
}
