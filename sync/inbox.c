#include "config.h"

/* The inbox: receipts and feed pages applied to the store.  What is
 * applied and how is in sync/inbox.h.
 *
 * What can go wrong, and what this file does about it:
 *   - A crash after a receipt's or a page's commit, before its file is
 *     removed: the next unlock applies it again, which changes nothing (a
 *     final state is never changed; a page whose "after" is no longer the
 *     stored cursor is skipped).
 *   - A crash before the commit: nothing changed; the file is still in
 *     inbox/new and is applied at the next unlock.
 *   - A forged or damaged file, or one for another console (a stick
 *     shared by several wards): it does not verify or match and goes to
 *     inbox/cur, never into the store.
 *   - Pages out of order: applied as far as the chain of cursors goes;
 *     what is left is dropped, and the next feed request asks again from
 *     the stored cursor, so nothing is lost (the registry keeps the
 *     feed). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/date.h"
#include "core/i18n.h"
#include "localdb/journal.h"
#include "localdb/storedir.h"
#include "sync/device.h"
#include "sync/inbox.h"
#include "sync/util.h"

/* Largest file read from the inbox or a stick. */
#define INBOX_FILE_MAX (FEED_SEALED_MAX > RECEIPT_MAX ? FEED_SEALED_MAX : \
	RECEIPT_MAX)

/* Is rc a failure of the store or the machine (stop), rather than a
 * refusal of one file (go on)? */
static int
fatal(int rc)
{
	return rc == CUTRU_EIO || rc == CUTRU_ENOMEM || rc == CUTRU_EINTERNAL;
}

static void
note(struct inbox_report *r, const struct cutru_err *e)
{
	if (r->problem.code == 0)
		r->problem = *e;
}

int
inbox_deliver(const char *storedir, const void *buf, size_t len,
    struct cutru_err *e)
{
	unsigned char h[HASH_LEN];
	char hex[HASH_HEX_LEN + 1], name[24];
	const char *prefix;

	if (buf == NULL || len < ENVELOPE_MAGIC_LEN)
		return cutru_err_set(e, CUTRU_EINVAL, "file",
		    _("This is neither a receipt nor a feed page."));
	if (memcmp(buf, ENVELOPE_MAGIC_RECEIPT, ENVELOPE_MAGIC_LEN) == 0)
		prefix = "r-";
	else if (memcmp(buf, ENVELOPE_MAGIC_FEED, ENVELOPE_MAGIC_LEN) == 0)
		prefix = "f-";
	else
		return cutru_err_set(e, CUTRU_EINVAL, "file",
		    _("This is neither a receipt nor a feed page."));
	hash_bytes(buf, len, h);
	hash_to_hex(h, hex);
	snprintf(name, sizeof name, "%s%.16s", prefix, hex);
	return spool_deliver(storedir, SPOOL_INBOX, name, buf, len, e);
}

/* ------------------------------------------------------------ receipts */

/* The pending change set whose sealed bytes hash to item: *seq. */
static int
find_item(sqlite3 *db, const unsigned char item[HASH_LEN], int64_t *seq,
    struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	unsigned char h[HASH_LEN];
	int q;

	*seq = 0;
	if (sqlite3_prepare_v2(db, "SELECT seq, sealed FROM changesets WHERE "
	    "state IN ('sealed', 'sent', 'exported', 'held') ORDER BY seq",
	    -1, &st, NULL) != SQLITE_OK)
		return sync_db_fail(db, e);
	while ((q = sqlite3_step(st)) == SQLITE_ROW) {
		receipt_item_hash(sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), h);
		if (hash_equal(h, item)) {
			*seq = sqlite3_column_int64(st, 0);
			break;
		}
	}
	sqlite3_finalize(st);
	if (q != SQLITE_ROW && q != SQLITE_DONE)
		return sync_db_fail(db, e);
	return CUTRU_OK;
}

static int
exec1(sqlite3 *db, const char *sql, int64_t seq, const char *text,
    const void *blob, size_t blen, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sync_db_fail(db, e);
	if (sqlite3_bind_int64(st, 1, seq) != SQLITE_OK ||
	    (text != NULL && sqlite3_bind_text(st, 2, text, -1,
	    SQLITE_STATIC) != SQLITE_OK) ||
	    (blob != NULL && sqlite3_bind_blob(st, 3, blob, (int)blen,
	    SQLITE_STATIC) != SQLITE_OK) ||
	    sqlite3_step(st) != SQLITE_DONE)
		rc = sync_db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

/* Apply one verified receipt.  CUTRU_OK (applied, or nothing to do:
 * *changed 0), a refusal (not this store's), or a store failure. */
static int
receipt_apply(struct session *s, const struct device *d,
    const unsigned char *bytes, size_t len, struct inbox_report *r,
    struct cutru_err *e)
{
	sqlite3 *db = session_db(s);
	sqlite3_stmt *st = NULL;
	struct receipt rc;
	char name[OUTBOX_NAME_SIZE], state[OUTBOX_STATE_SIZE];
	unsigned char hash[HASH_LEN];
	int64_t seq = 0;
	int ret, q, final = 0, in_tx = 0;

	if ((ret = device_receipt_verify(d, bytes, len, &rc, e)) != CUTRU_OK)
		return ret == CUTRU_ENOMEM ? ret : CUTRU_ECRYPTO;
	if (rc.has_item) {
		if ((ret = find_item(db, rc.item, &seq, e)) != CUTRU_OK)
			goto done;
		if (seq == 0) {
			ret = cutru_err_set(e, CUTRU_ENOTFOUND, "receipt",
			    _("This receipt answers a change set this console "
			    "is not waiting for."));
			goto done;
		}
	} else
		seq = rc.seq;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		ret = sync_db_fail(db, e);
		goto done;
	}
	in_tx = 1;
	if (sqlite3_prepare_v2(db, "SELECT hash, state FROM changesets WHERE "
	    "seq = ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, seq) != SQLITE_OK) {
		ret = sync_db_fail(db, e);
		goto done;
	}
	q = sqlite3_step(st);
	if (q == SQLITE_ROW && sqlite3_column_bytes(st, 0) == HASH_LEN) {
		memcpy(hash, sqlite3_column_blob(st, 0), HASH_LEN);
		snprintf(state, sizeof state, "%s",
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	st = NULL;
	if (q != SQLITE_ROW && q != SQLITE_DONE) {
		ret = sync_db_fail(db, e);
		goto done;
	}
	if (q == SQLITE_DONE || (rc.has_changeset &&
	    !hash_equal(hash, rc.hash))) {
		ret = cutru_err_set(e, CUTRU_ENOTFOUND, "receipt",
		    _("This receipt names change set %lld, which this console "
		    "did not make."), (long long)seq);
		goto done;
	}
	outbox_file_name(seq, hash, name, NULL);
	if (strcmp(state, "accepted") == 0 || strcmp(state, "rejected") == 0) {
		/* Final already: a copy, changes nothing. */
		r->duplicates++;
		final = 1;
	} else if (rc.status == RECEIPT_HELD) {
		if ((ret = exec1(db, "UPDATE changesets SET state = 'held', "
		    "receipt = ?3 WHERE seq = ?1", seq, NULL, bytes, len,
		    e)) != CUTRU_OK)
			goto done;
		r->held++;
	} else {
		const char *to = rc.status == RECEIPT_ACCEPTED ? "accepted" :
		    "rejected";

		if ((ret = exec1(db, "UPDATE changesets SET state = ?2, "
		    "receipt = ?3 WHERE seq = ?1", seq, to, bytes, len, e)) !=
		    CUTRU_OK ||
		    (ret = exec1(db, "UPDATE dossiers SET state = ?2 WHERE "
		    "state IN ('approved', 'sent') AND number = (SELECT "
		    "dossier FROM changesets WHERE seq = ?1)", seq, to, NULL, 0,
		    e)) != CUTRU_OK)
			goto done;
		if (rc.status == RECEIPT_ACCEPTED)
			r->accepted++;
		else
			r->rejected++;
		final = 1;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		ret = sync_db_fail(db, e);
		goto done;
	}
	in_tx = 0;
	ret = CUTRU_OK;
	/* A final change set leaves the outbox. */
	if (final && ((ret = spool_remove(store_dir(session_store(s)),
	    SPOOL_OUTBOX, SPOOL_NEW, name, e)) != CUTRU_OK ||
	    (ret = spool_remove(store_dir(session_store(s)), SPOOL_OUTBOX,
	    SPOOL_CUR, name, e)) != CUTRU_OK))
		goto done;
done:
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	receipt_free(&rc);
	return ret;
}

/* ---------------------------------------------------------------- feed */

static int
cursor_store(sqlite3 *db, const char *cursor, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK;

	if (sqlite3_prepare_v2(db, "INSERT INTO meta (key, value) VALUES "
	    "('feed_cursor', ?1) ON CONFLICT (key) DO UPDATE SET value = "
	    "excluded.value", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, cursor, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		rc = sync_db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

/* Apply page p if it continues the stored cursor: *applied 1.  Items the
 * register refuses are counted in r and skipped. */
static int
page_apply(struct session *s, const struct feed_page *p, time_t now,
    int *applied, struct inbox_report *r, struct cutru_err *e)
{
	sqlite3 *db = session_db(s);
	char cursor[FEED_CURSOR_MAX + 1], at[SESSION_AT_SIZE];
	struct apply_ctx actx;
	struct cutru_err e2;
	const cJSON *item;
	size_t ok = 0, bad = 0;
	int rc;

	*applied = 0;
	memset(&actx, 0, sizeof actx);
	if ((rc = session_today(now, &actx.date, NULL, e)) != CUTRU_OK ||
	    (rc = session_time_utc(now, at, e)) != CUTRU_OK)
		return rc;
	actx.actor = "registry";
	actx.at = at;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sync_db_fail(db, e);
	if ((rc = outbox_feed_cursor(db, cursor, e)) != CUTRU_OK)
		goto done;
	if (strcmp(cursor, p->after) != 0)
		goto done;   /* not the next page: rolled back, not applied */
	cJSON_ArrayForEach(item, p->items) {
		const cJSON *events = cJSON_GetObjectItemCaseSensitive(item,
		    "events");

		if (sqlite3_exec(db, "SAVEPOINT feed_item", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			rc = sync_db_fail(db, e);
			goto done;
		}
		cutru_err_clear(&e2);
		rc = apply_and_journal(db, events, &actx, &e2);
		if (rc != CUTRU_OK)
			sqlite3_exec(db, "ROLLBACK TO feed_item", NULL, NULL,
			    NULL);
		sqlite3_exec(db, "RELEASE feed_item", NULL, NULL, NULL);
		if (rc == CUTRU_OK)
			ok++;
		else if (fatal(rc)) {
			if (e != NULL)
				*e = e2;
			goto done;
		} else {
			bad++;
			note(r, &e2);
		}
	}
	if ((rc = cursor_store(db, p->cursor, e)) != CUTRU_OK)
		goto done;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sync_db_fail(db, e);
		goto done;
	}
	*applied = 1;
	r->pages++;
	r->items += ok;
	r->items_refused += bad;
	return CUTRU_OK;
done:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

struct page_file {
	char *name;
	struct feed_page page;
	int done;
};

/* Apply the opened pages in the order of their cursors, as far as they
 * continue the stored one; remove every page file. */
static int
pages_apply(struct session *s, struct page_file *pf, size_t n, time_t now,
    struct inbox_report *r, struct cutru_err *e)
{
	const char *dir = store_dir(session_store(s));
	size_t i;
	int progress = 1, applied, rc;

	while (progress) {
		progress = 0;
		for (i = 0; i < n; i++) {
			if (pf[i].done)
				continue;
			if ((rc = page_apply(s, &pf[i].page, now, &applied,
			    r, e)) != CUTRU_OK)
				return rc;
			if (!applied)
				continue;
			pf[i].done = 1;
			progress = 1;
			if ((rc = spool_remove(dir, SPOOL_INBOX, SPOOL_NEW,
			    pf[i].name, e)) != CUTRU_OK)
				return rc;
		}
	}
	/* The rest were applied before, or come after a page that has not
	 * arrived: the next feed request asks from the stored cursor. */
	for (i = 0; i < n; i++) {
		if (pf[i].done)
			continue;
		r->duplicates++;
		if ((rc = spool_remove(dir, SPOOL_INBOX, SPOOL_NEW, pf[i].name,
		    e)) != CUTRU_OK)
			return rc;
	}
	return CUTRU_OK;
}

/* ------------------------------------------------------------- applying */

static int
refuse(const char *dir, const char *name, const struct cutru_err *why,
    struct inbox_report *r, struct cutru_err *e)
{
	r->refused++;
	note(r, why);
	return spool_move(dir, SPOOL_INBOX, SPOOL_NEW, SPOOL_CUR, name, e);
}

int
inbox_apply(struct session *s, time_t now, struct inbox_report *r,
    struct cutru_err *e)
{
	struct inbox_report local;
	struct device *d = NULL;
	struct page_file *pf = NULL;
	struct cutru_err why;
	const char *dir;
	char **names = NULL, inew[STOREDIR_PATH_MAX];
	unsigned char *buf = NULL;
	size_t n = 0, npf = 0, len, i;
	int rc;

	if (r == NULL)
		r = &local;
	memset(r, 0, sizeof *r);
	if (s == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store is not open."));
	dir = store_dir(session_store(s));
	if ((rc = spool_list(dir, SPOOL_INBOX, SPOOL_NEW, &names, &n, e)) !=
	    CUTRU_OK)
		return rc;
	if (n == 0)
		goto done;
	rc = device_load(session_db(s), &d, e);
	if (rc == CUTRU_ENOTFOUND || (rc == CUTRU_OK && !d->enrolled)) {
		cutru_err_clear(e);
		r->waiting = n;
		rc = CUTRU_OK;
		goto done;
	}
	if (rc != CUTRU_OK)
		goto done;
	snprintf(inew, sizeof inew, "%s/%s/%s", dir, SPOOL_INBOX, SPOOL_NEW);
	if ((pf = calloc(n, sizeof *pf)) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
		goto done;
	}
	/* Receipts first, as they come; pages are gathered. */
	for (i = 0; i < n; i++) {
		free(buf);
		buf = NULL;
		cutru_err_clear(&why);
		rc = spool_read_file(inew, names[i], INBOX_FILE_MAX, &buf, &len,
		    &why);
		if (rc == CUTRU_ENOTFOUND)
			continue;  /* applied meanwhile by another process */
		if (rc == CUTRU_OK && len >= ENVELOPE_MAGIC_LEN &&
		    memcmp(buf, ENVELOPE_MAGIC_RECEIPT,
		    ENVELOPE_MAGIC_LEN) == 0) {
			rc = receipt_apply(s, d, buf, len, r, &why);
			if (rc == CUTRU_OK)
				rc = spool_remove(dir, SPOOL_INBOX, SPOOL_NEW,
				    names[i], &why);
		} else if (rc == CUTRU_OK && len >= ENVELOPE_MAGIC_LEN &&
		    memcmp(buf, ENVELOPE_MAGIC_FEED, ENVELOPE_MAGIC_LEN) == 0) {
			rc = device_feed_open(d, buf, len, &pf[npf].page, &why);
			if (rc == CUTRU_OK)
				pf[npf++].name = names[i];
			else if (rc != CUTRU_ENOMEM)
				rc = CUTRU_ECRYPTO;
		} else if (rc == CUTRU_OK)
			rc = cutru_err_set(&why, CUTRU_EINVAL, "file",
			    _("This is neither a receipt nor a feed page."));
		if (rc == CUTRU_OK)
			continue;
		if (fatal(rc)) {
			if (e != NULL)
				*e = why;
			goto done;
		}
		if ((rc = refuse(dir, names[i], &why, r, e)) != CUTRU_OK)
			goto done;
	}
	rc = pages_apply(s, pf, npf, now, r, e);
done:
	for (i = 0; i < npf; i++)
		feed_page_free(&pf[i].page);
	free(pf);
	free(buf);
	spool_names_free(names, n);
	device_free(d);
	return rc;
}

/* ------------------------------------------------------------- import */

/* Copy dir/sub/name into the inbox if it is there: *copied++. */
static int
copy_in(const char *storedir, const char *dir, const char *sub,
    const char *name, size_t *copied, struct cutru_err *e)
{
	char p[STOREDIR_PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc, n;

	n = snprintf(p, sizeof p, "%s/%s", dir, sub);
	if (n < 0 || (size_t)n >= sizeof p)
		return cutru_err_set(e, CUTRU_ERANGE, "dir",
		    _("The path of the folder %s is too long."), dir);
	rc = spool_read_file(p, name, INBOX_FILE_MAX, &buf, &len, e);
	if (rc == CUTRU_ENOTFOUND) {
		cutru_err_clear(e);
		return CUTRU_OK;
	}
	if (rc == CUTRU_OK && (rc = inbox_deliver(storedir, buf, len, e)) ==
	    CUTRU_OK)
		(*copied)++;
	free(buf);
	return rc;
}

int
inbox_import(struct session *s, const char *dir, time_t now,
    size_t *copied, struct inbox_report *r, struct cutru_err *e)
{
	char p[STOREDIR_PATH_MAX], name[OUTBOX_NAME_SIZE];
	size_t local = 0;
	struct device *d = NULL;
	struct stat sb, sr, sf;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	const char *storedir;
	int rc, q, n;

	if (copied == NULL)
		copied = &local;
	*copied = 0;
	if (r != NULL)
		memset(r, 0, sizeof *r);
	if (s == NULL || dir == NULL || dir[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "dir",
		    _("Name the folder to import from."));
	db = session_db(s);
	storedir = store_dir(session_store(s));
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return cutru_err_set(e, CUTRU_ENOTFOUND, "dir",
		    _("%s is not a folder; mount the removable disk and name "
		    "the folder the registry wrote to."), dir);
	if ((rc = device_load(db, &d, e)) != CUTRU_OK || !d->enrolled) {
		device_free(d);
		if (rc == CUTRU_OK || rc == CUTRU_ENOTFOUND) {
			cutru_err_clear(e);
			return cutru_err_set(e, CUTRU_EPERM, "device",
			    _("This console is not enrolled with a registry "
			    "yet, so it cannot check what the registry sent. "
			    "Enroll it first (cutru enroll)."));
		}
		return rc;
	}
	n = snprintf(p, sizeof p, "%s/receipts", dir);
	if (n < 0 || (size_t)n >= sizeof p) {
		rc = cutru_err_set(e, CUTRU_ERANGE, "dir",
		    _("The path of the folder %s is too long."), dir);
		goto done;
	}
	if (stat(p, &sr) != 0 &&
	    (snprintf(p, sizeof p, "%s/feed", dir), stat(p, &sf) != 0)) {
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "dir",
		    _("%s holds no receipts/ and no feed/ folder: the "
		    "registry has not answered on this disk yet."), dir);
		goto done;
	}
	if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM changesets ORDER BY "
	    "seq", -1, &st, NULL) != SQLITE_OK) {
		rc = sync_db_fail(db, e);
		goto done;
	}
	while ((q = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != HASH_LEN ||
		    outbox_file_name(sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 1), name, NULL) != CUTRU_OK)
			continue;
		if ((rc = copy_in(storedir, dir, "receipts", name, copied,
		    e)) != CUTRU_OK)
			goto done;
	}
	if (q != SQLITE_DONE) {
		rc = sync_db_fail(db, e);
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = copy_in(storedir, dir, "feed", d->id, copied, e)) !=
	    CUTRU_OK)
		goto done;
	rc = inbox_apply(s, now, r, e);
done:
	sqlite3_finalize(st);
	device_free(d);
	return rc;
}

int
inbox_unlock(struct session *s, time_t now, struct inbox_unlock_report *r,
    struct cutru_err *e)
{
	struct inbox_unlock_report local;
	struct cutru_err e2;
	int rc, rc2;

	if (r == NULL)
		r = &local;
	memset(r, 0, sizeof *r);
	rc = outbox_repair(s, now, &r->repair, e);
	cutru_err_clear(&e2);
	rc2 = inbox_apply(s, now, &r->inbox, &e2);
	if (rc == CUTRU_OK && rc2 != CUTRU_OK) {
		if (e != NULL)
			*e = e2;
		rc = rc2;
	}
	return rc;
}
