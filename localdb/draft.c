#include "config.h"

/* Drafts of procedure forms.
 *
 * The table (migration 4 of localdb/schema.c):
 *
 *     drafts (id INTEGER PRIMARY KEY, officer -> officers.login,
 *             procedure, step, focus, fields BLOB, created, updated)
 *
 * A row is one form an officer opened and has not yet filed or discarded:
 * the procedure's id, the step the form was at (the console's numbering),
 * the path of the field that had the cursor, and the fields' values as a
 * JSON object whose members the console alone gives a meaning to (it
 * writes {"values": {PATH: VALUE, ...}, ...}).  The times are Unix
 * seconds.
 *
 * Why it is safe to keep typed personal data here.  The drafts live in
 * the encrypted database like everything else (localdb/cipher.c): no
 * temp file, no plaintext on disk, temp_store is memory.  A deleted draft
 * leaves its bytes in free pages, which are encrypted too.  Nothing of a
 * draft ever goes to a log.
 *
 * Who sees what.  Every statement here is bound to the session's officer
 * (WHERE officer = ?): another officer's drafts can be neither read, nor
 * replaced, nor deleted, nor counted through this API, even by id.  A
 * draft is not a change to the register, so it has no journal entry and
 * no permission beyond being logged in; a disabled account cannot log in.
 *
 * Cost.  The console saves when a field is left and when typing pauses,
 * so a save must be cheap: one UPDATE (or one INSERT for a new form) by
 * primary key, one WAL frame or two, in autocommit.  Measured on the
 * project's machine (tests/unit/test_draft, test_save_cost): 40 to 80 us
 * for the statement and its encryption, and 0.2 to 4 ms more for the
 * fsync of the WAL that the store's default synchronous = full makes every
 * commit pay (an old desk PC's disk takes longer still).  So a save may be DRAFT_FAST: the connection's synchronous level is
 * lowered to normal for that one commit and put back.  In WAL mode such a
 * commit is whole in the WAL file at once (a crash of the program loses
 * nothing) and reaches the disk with the next synced commit or
 * checkpoint; a power cut may lose it, never corrupt the store.  The
 * console makes the saves while typing fast and the save when a field is
 * left durable, so a power cut costs at most the field being typed.  The
 * fields text is checked to be UTF-8 and a JSON object so that a later
 * load can always be parsed.
 *
 * Bounds: DRAFT_FIELDS_MAX bytes of fields, DRAFT_PER_OFFICER_MAX drafts
 * per officer (a console that kept making new drafts would otherwise grow
 * the store without end), a known procedure, a step from 0 to
 * DRAFT_STEP_MAX; the table's CHECKs repeat the sizes. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/i18n.h"
#include "core/procedure.h"
#include "core/utf8.h"
#include "localdb/draft.h"
#include "localdb/session.h"

static int
db_fail(sqlite3 *db, struct cutru_err *e)
{
	if (sqlite3_errcode(db) == SQLITE_NOMEM)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	return cutru_err_set(e, CUTRU_EIO, NULL,
	    _("The store could not be read or written: %s."),
	    sqlite3_errmsg(db));
}

static int
not_open(struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_EINVAL, "store", "%s",
	    _("The store is not open."));
}

static int
not_found(struct cutru_err *e, int64_t id)
{
	return cutru_err_set(e, CUTRU_ENOTFOUND, "draft", _("There is no "
	    "draft %lld of yours; it was filed or discarded."), (long long)id);
}

static void
col_copy(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, size, "%s", t != NULL ? (const char *)t : "");
}

static int
check_fields(const char *fields, size_t len, struct cutru_err *e)
{
	cJSON *j;
	int ok;

	if (fields == NULL || len == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "fields", "%s",
		    _("A draft needs its fields."));
	if (len > DRAFT_FIELDS_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "fields", _("The form "
		    "is too large to keep as a draft (%zu bytes; at most %d). "
		    "File it or remove rows."), len, DRAFT_FIELDS_MAX);
	if (utf8_check(fields, len, UTF8_ALLOW_TAB | UTF8_ALLOW_NEWLINE,
	    NULL) != UTF8_VALID)
		return cutru_err_set(e, CUTRU_EINVAL, "fields", "%s",
		    _("The draft's fields are not valid UTF-8 text."));
	j = cJSON_ParseWithLength(fields, len);
	ok = j != NULL && cJSON_IsObject(j);
	cJSON_Delete(j);
	if (!ok)
		return cutru_err_set(e, CUTRU_EINVAL, "fields", "%s",
		    _("The draft's fields are not a JSON object."));
	return CUTRU_OK;
}

/* The connection's PRAGMA synchronous level (0..3), or -1. */
static int
sync_level(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int level = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA synchronous", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		level = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return level;
}

static int
count(sqlite3 *db, const char *officer, size_t *n, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM drafts "
	    "WHERE officer = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, officer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = (size_t)sqlite3_column_int64(st, 0);
	else
		rc = db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

int
draft_save(struct session *s, int64_t *id, const char *procedure, int step,
    const char *focus, const char *fields, size_t len, int flags, time_t now,
    struct cutru_err *e)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	const char *officer;
	size_t n = 0;
	int rc = CUTRU_OK, level = -1;

	if (s == NULL || (db = session_db(s)) == NULL)
		return not_open(e);
	if (id == NULL || *id < 0)
		return cutru_err_set(e, CUTRU_EINVAL, "draft", "%s",
		    _("No draft number was given."));
	if (procedure == NULL || procedure_find(procedure) == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "procedure", _("There "
		    "is no procedure '%.64s'."), procedure != NULL ?
		    procedure : "");
	if (step < 0 || step > DRAFT_STEP_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "step", _("A draft's "
		    "step is from 0 to %d, not %d."), DRAFT_STEP_MAX, step);
	if (focus == NULL)
		focus = "";
	if (strlen(focus) >= DRAFT_FOCUS_SIZE ||
	    utf8_check(focus, strlen(focus), 0, NULL) != UTF8_VALID)
		return cutru_err_set(e, CUTRU_EINVAL, "focus", "%s",
		    _("The draft's focused field is not a field's path."));
	if ((rc = check_fields(fields, len, e)) != CUTRU_OK)
		return rc;
	officer = session_login(s);
	if (*id == 0) {
		if ((rc = count(db, officer, &n, e)) != CUTRU_OK)
			return rc;
		if (n >= DRAFT_PER_OFFICER_MAX)
			return cutru_err_set(e, CUTRU_ERANGE, "draft",
			    _("You already keep %zu drafts, the most the store "
			    "takes; file or discard some before starting "
			    "another form."), n);
		if (sqlite3_prepare_v2(db, "INSERT INTO drafts (officer, "
		    "procedure, step, focus, fields, created, updated) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)", -1, &st, NULL) !=
		    SQLITE_OK)
			return db_fail(db, e);
	} else if (sqlite3_prepare_v2(db, "UPDATE drafts SET procedure = ?2, "
	    "step = ?3, focus = ?4, fields = ?5, updated = ?6 "
	    "WHERE officer = ?1 AND id = ?7", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, officer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, procedure, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, step);
	sqlite3_bind_text(st, 4, focus, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, fields, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
	if (*id != 0)
		sqlite3_bind_int64(st, 7, *id);
	if ((flags & DRAFT_FAST) != 0 && sqlite3_get_autocommit(db))
		level = sync_level(db);
	if (level > 1 && sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL,
	    NULL, NULL) != SQLITE_OK)
		level = -1;
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(db, e);
		goto done;
	}
	if (*id == 0)
		*id = sqlite3_last_insert_rowid(db);
	else if (sqlite3_changes(db) == 0)
		rc = not_found(e, *id);
done:
	sqlite3_finalize(st);
	if (level > 1) {
		char sql[40];

		snprintf(sql, sizeof sql, "PRAGMA synchronous = %d", level);
		(void)sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	return rc;
}

#define DRAFT_COLUMNS "id, procedure, step, focus, created, updated"

static void
row_fill(sqlite3_stmt *st, struct draft *d)
{
	d->id = sqlite3_column_int64(st, 0);
	col_copy(st, 1, d->procedure, sizeof d->procedure);
	d->step = sqlite3_column_int(st, 2);
	col_copy(st, 3, d->focus, sizeof d->focus);
	d->created = (time_t)sqlite3_column_int64(st, 4);
	d->updated = (time_t)sqlite3_column_int64(st, 5);
}

int
draft_get(struct session *s, int64_t id, struct draft *out,
    struct cutru_err *e)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	const void *blob;
	int rc = CUTRU_OK, r, blen;

	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "draft", "%s",
		    _("No draft was given to fill."));
	memset(out, 0, sizeof *out);
	if (s == NULL || (db = session_db(s)) == NULL)
		return not_open(e);
	if (sqlite3_prepare_v2(db, "SELECT " DRAFT_COLUMNS ", fields "
	    "FROM drafts WHERE officer = ?1 AND id = ?2", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, session_login(s), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		rc = not_found(e, id);
		goto done;
	}
	if (r != SQLITE_ROW) {
		rc = db_fail(db, e);
		goto done;
	}
	row_fill(st, out);
	blob = sqlite3_column_blob(st, 6);
	blen = sqlite3_column_bytes(st, 6);
	out->fields = malloc((size_t)blen + 1);
	if (out->fields == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
		goto done;
	}
	if (blen > 0)
		memcpy(out->fields, blob, (size_t)blen);
	out->fields[blen] = '\0';
	out->fields_len = (size_t)blen;
done:
	sqlite3_finalize(st);
	if (rc != CUTRU_OK)
		draft_free(out);
	return rc;
}

int
draft_list(struct session *s, struct draft **out, size_t *n,
    struct cutru_err *e)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	struct draft *list = NULL, *grown;
	size_t cap = 0, k = 0;
	int rc = CUTRU_OK, r;

	if (out == NULL || n == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "draft", "%s",
		    _("No list was given to fill."));
	*out = NULL;
	*n = 0;
	if (s == NULL || (db = session_db(s)) == NULL)
		return not_open(e);
	if (sqlite3_prepare_v2(db, "SELECT " DRAFT_COLUMNS " FROM drafts "
	    "WHERE officer = ?1 ORDER BY updated DESC, id DESC", -1, &st,
	    NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, session_login(s), -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap != 0 ? cap * 2 : 8;
			grown = realloc(list, cap * sizeof *grown);
			if (grown == NULL) {
				rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
				    _("Out of memory."));
				goto done;
			}
			list = grown;
		}
		memset(&list[k], 0, sizeof list[k]);
		row_fill(st, &list[k]);
		k++;
	}
	if (r != SQLITE_DONE)
		rc = db_fail(db, e);
done:
	sqlite3_finalize(st);
	if (rc != CUTRU_OK) {
		draft_list_free(list, k);
		return rc;
	}
	if (k == 0) {
		free(list);
		list = NULL;
	}
	*out = list;
	*n = k;
	return CUTRU_OK;
}

int
draft_count(struct session *s, size_t *n, struct cutru_err *e)
{
	sqlite3 *db;

	if (n == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "draft", "%s",
		    _("No count was given to fill."));
	*n = 0;
	if (s == NULL || (db = session_db(s)) == NULL)
		return not_open(e);
	return count(db, session_login(s), n, e);
}

int
draft_delete(struct session *s, int64_t id, struct cutru_err *e)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK;

	if (s == NULL || (db = session_db(s)) == NULL)
		return not_open(e);
	if (sqlite3_prepare_v2(db, "DELETE FROM drafts "
	    "WHERE officer = ?1 AND id = ?2", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, session_login(s), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, e);
	else if (sqlite3_changes(db) == 0)
		rc = not_found(e, id);
	sqlite3_finalize(st);
	return rc;
}

void
draft_free(struct draft *d)
{
	if (d == NULL)
		return;
	if (d->fields != NULL) {
		sodium_memzero(d->fields, d->fields_len);
		free(d->fields);
	}
	d->fields = NULL;
	d->fields_len = 0;
}

void
draft_list_free(struct draft *list, size_t n)
{
	size_t i;

	for (i = 0; list != NULL && i < n; i++)
		draft_free(&list[i]);
	free(list);
}
