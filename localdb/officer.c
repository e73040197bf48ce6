#include "config.h"

/* Officer accounts.
 *
 * An account is two records that must agree: the keyring entry (the
 * passphrase that opens the store key, and the officer's Ed25519 signing
 * key; localdb/keyring.c) and the officers row (name, role, disabled, the
 * public signing key; localdb/schema.c).  The keyring is a file beside the
 * database, so the two cannot change in one transaction.  The order is
 * chosen so that every interruption leaves something harmless:
 *   - adding: keyring entry first, then the row.  An entry without a row
 *     cannot log in (session_open() refuses it) and the same officer_add()
 *     run again finishes it (the entry gets the passphrase given now and
 *     the row is written).  If the row fails, officer_add() removes the
 *     entry again before it returns.
 *   - resetting a passphrase with the recovery code: keyring first (it
 *     makes a new signing key), then the row's public key.  Until the row
 *     is written, approvals by that officer are refused because the key no
 *     longer matches the row (localdb/dossier.c); running the reset again
 *     finishes it.
 *   - disabling and enabling touch only the row.
 *
 * Permissions.  Only an administrator adds, disables and enables accounts,
 * and nobody disables themselves (so a store always keeps the
 * administrator who is using it).  Any officer may list the accounts and
 * change their own passphrase.  The acting session is refreshed from its
 * row before each change (session_refresh()), so an administrator disabled
 * at another console cannot go on here.
 *
 * The journal.  Account changes are part of the store's history: each is
 * appended to the journal (localdb/journal.h) in the same transaction as
 * the row, with payload
 *     {"kind": "officer", "action": "added", "login": L, "name": N,
 *      "role": R, "sign_pk": HEX}
 *     {"kind": "officer", "action": "disabled" | "enabled", "login": L}
 *     {"kind": "officer", "action": "passphrase_reset", "login": L,
 *      "sign_pk": HEX}
 * (HEX: the 32-byte Ed25519 public key in lowercase hex).  So the journal
 * also holds every signing key an officer ever had, which is what checks
 * an approval signed before a reset. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/i18n.h"
#include "core/name.h"
#include "localdb/journal.h"
#include "localdb/officer.h"
#include "localdb/schema.h"
#include "localdb/session.h"
#include "localdb/store.h"

/* The journal actor of a change made with the recovery code. */
#define RECOVERY_ACTOR "*recovery"

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

int
officer_clean_name(const char *name, char *out, size_t outsz,
    struct cutru_err *e)
{
	if (outsz > 0)
		out[0] = '\0';
	if (name == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The officer's name is required."));
	return name_normalise(name, strlen(name), out, outsz, NULL, e);
}

/* The session's account is still active; 1 in *admin if it is an
 * administrator's. */
static int
need_active(struct session *s, int *admin, struct cutru_err *e)
{
	int rc;

	*admin = 0;
	if (s == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store is not open."));
	if ((rc = session_refresh(s, e)) != CUTRU_OK)
		return rc;
	*admin = session_role(s) == SESSION_ROLE_ADMIN;
	return CUTRU_OK;
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

/* Whether login has a row: 1, 0, or -1 with e filled. */
static int
row_exists(sqlite3 *db, const char *login, int *disabled,
    struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int r, found = -1;

	if (sqlite3_prepare_v2(db, "SELECT disabled FROM officers "
	    "WHERE login = ?1", -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, e);
		return -1;
	}
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (disabled != NULL)
			*disabled = sqlite3_column_int(st, 0);
		found = 1;
	} else if (r == SQLITE_DONE)
		found = 0;
	else
		db_fail(db, e);
	sqlite3_finalize(st);
	return found;
}

static int
in_keyring(const struct keyring *kr, const char *login)
{
	size_t i;

	for (i = 0; i < keyring_officer_count(kr); i++)
		if (strcmp(keyring_officer_login(kr, i), login) == 0)
			return 1;
	return 0;
}

/* Append an account change to the journal; payload takes extra members
 * after kind, action and login (pk may be NULL). */
static int
journal_officer(sqlite3 *db, const char *at, const char *actor,
    const char *action, const char *login, const char *name,
    const char *role, const unsigned char *pk, struct cutru_err *e)
{
	char hex[KEYRING_SIGN_PK_BYTES * 2 + 1];
	cJSON *p;
	int rc, ok;

	if ((p = cJSON_CreateObject()) == NULL)
		return no_memory(e);
	ok = cJSON_AddStringToObject(p, "kind", "officer") != NULL &&
	    cJSON_AddStringToObject(p, "action", action) != NULL &&
	    cJSON_AddStringToObject(p, "login", login) != NULL;
	if (ok && name != NULL)
		ok = cJSON_AddStringToObject(p, "name", name) != NULL;
	if (ok && role != NULL)
		ok = cJSON_AddStringToObject(p, "role", role) != NULL;
	if (ok && pk != NULL) {
		sodium_bin2hex(hex, sizeof hex, pk, KEYRING_SIGN_PK_BYTES);
		ok = cJSON_AddStringToObject(p, "sign_pk", hex) != NULL;
	}
	rc = ok ? journal_append(db, at, actor, p, NULL, e) : no_memory(e);
	cJSON_Delete(p);
	return rc;
}

int
officer_record(sqlite3 *db, const char *login, const char *name,
    enum session_role role, const unsigned char *sign_pk, const char *at,
    const char *actor, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK;

	if (sqlite3_prepare_v2(db, "INSERT INTO officers (login, name, role, "
	    "disabled, sign_pk, created) VALUES (?1, ?2, ?3, 0, ?4, ?5)", -1,
	    &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, session_role_id(role), -1, SQLITE_STATIC);
	if (sign_pk != NULL)
		sqlite3_bind_blob(st, 4, sign_pk, KEYRING_SIGN_PK_BYTES,
		    SQLITE_STATIC);
	sqlite3_bind_text(st, 5, at, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sqlite3_extended_errcode(db) ==
		    SQLITE_CONSTRAINT_PRIMARYKEY ?
		    cutru_err_set(e, CUTRU_ECONFLICT, "login",
		    _("There is already an officer '%s' in this store."),
		    login) : db_fail(db, e);
	sqlite3_finalize(st);
	if (rc == CUTRU_OK)
		rc = journal_officer(db, at, actor, "added", login, name,
		    session_role_id(role), sign_pk, e);
	return rc;
}

int
officer_add(struct session *s, const char *login, const char *name,
    enum session_role role, const char *passphrase, time_t now,
    struct cutru_err *e)
{
	char clean[NAME_BUF_SIZE], at[SESSION_AT_SIZE];
	unsigned char pk[KEYRING_SIGN_PK_BYTES];
	struct cutru_err e2;
	sqlite3 *db;
	int rc, leftover, found, admin;

	if ((rc = need_active(s, &admin, e)) != CUTRU_OK)
		return rc;
	if (!admin)
		return cutru_err_set(e, CUTRU_EPERM, "login",
		    _("Only an administrator can add officers; officer '%s' "
		    "is not one."), session_login(s));
	if ((rc = keyring_login_check(login, e)) != CUTRU_OK ||
	    (rc = officer_clean_name(name, clean, sizeof clean, e)) !=
	    CUTRU_OK)
		return rc;
	if ((int)role < SESSION_ROLE_OFFICER || role > SESSION_ROLE_ADMIN)
		return cutru_err_set(e, CUTRU_EINVAL, "role",
		    _("A role is \"officer\", \"supervisor\" or \"admin\"."));
	if ((rc = keyring_passphrase_check(passphrase, e)) != CUTRU_OK ||
	    (rc = session_time_utc(now, at, e)) != CUTRU_OK)
		return rc;
	db = session_db(s);
	if ((found = row_exists(db, login, NULL, e)) < 0)
		return e != NULL ? e->code : CUTRU_EIO;
	if (found)
		return cutru_err_set(e, CUTRU_ECONFLICT, "login",
		    _("There is already an officer '%s' in this store."),
		    login);
	/* A keyring entry without a row is an add that did not finish:
	 * finish it with the passphrase given now. */
	leftover = in_keyring(store_keyring(session_store(s)), login);
	rc = leftover ?
	    store_set_passphrase(session_store(s), login, passphrase, e) :
	    store_add_officer(session_store(s), login, passphrase, e);
	if (rc != CUTRU_OK)
		return rc;
	if ((rc = keyring_sign_public(store_keyring(session_store(s)), login,
	    pk, e)) == CUTRU_OK && (rc = begin(db, e)) == CUTRU_OK) {
		rc = officer_record(db, login, clean, role, pk, at,
		    session_login(s), e);
		rc = finish(db, rc, e);
	}
	/* A row that appeared meanwhile belongs to another console's add of
	 * the same login: its keyring entry is not ours to take out. */
	if (rc == CUTRU_OK || rc == CUTRU_ECONFLICT)
		return rc;
	if (store_remove_officer(session_store(s), login, &e2) != CUTRU_OK) {
		char why[CUTRU_ERR_MSG_MAX];

		snprintf(why, sizeof why, "%s", e != NULL ? e->msg : "");
		return cutru_err_set(e, rc, "login",
		    _("The account of officer '%s' could not be recorded (%s), "
		    "and the passphrase given for it stays in the keyring "
		    "without an account: it cannot log in. Add officer '%s' "
		    "again to finish."), login, why, login);
	}
	return rc;
}

/* ------------------------------------------------------------ reading */

static int
fill_info(sqlite3_stmt *st, struct officer_info *o, struct cutru_err *e)
{
	const void *pk;

	memset(o, 0, sizeof *o);
	snprintf(o->login, sizeof o->login, "%s",
	    (const char *)sqlite3_column_text(st, 0));
	if ((o->name = strdup((const char *)sqlite3_column_text(st, 1))) ==
	    NULL)
		return no_memory(e);
	if (session_role_parse((const char *)sqlite3_column_text(st, 2),
	    &o->role, NULL) != CUTRU_OK)
		o->role = SESSION_ROLE_OFFICER;
	o->disabled = sqlite3_column_int(st, 3) != 0;
	pk = sqlite3_column_blob(st, 4);
	if (pk != NULL && sqlite3_column_bytes(st, 4) ==
	    KEYRING_SIGN_PK_BYTES) {
		memcpy(o->sign_pk, pk, KEYRING_SIGN_PK_BYTES);
		o->has_sign_pk = 1;
	}
	snprintf(o->created, sizeof o->created, "%s",
	    (const char *)sqlite3_column_text(st, 5));
	return CUTRU_OK;
}

#define INFO_COLUMNS "login, name, role, disabled, sign_pk, created"

int
officer_list(struct session *s, struct officer_info **out, size_t *n,
    struct cutru_err *e)
{
	struct officer_info *list = NULL, *grown;
	sqlite3_stmt *st = NULL;
	size_t count = 0, cap = 0;
	sqlite3 *db;
	int rc = CUTRU_OK, r;

	if (out == NULL || n == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No place was given for the list."));
	*out = NULL;
	*n = 0;
	if (s == NULL || (db = session_db(s)) == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store is not open."));
	if ((rc = session_refresh(s, e)) != CUTRU_OK)
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT " INFO_COLUMNS " FROM officers "
	    "ORDER BY login", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap != 0 ? cap * 2 : 8;
			grown = realloc(list, cap * sizeof *list);
			if (grown == NULL) {
				rc = no_memory(e);
				goto done;
			}
			list = grown;
		}
		if ((rc = fill_info(st, &list[count], e)) != CUTRU_OK)
			goto done;
		count++;
	}
	if (r != SQLITE_DONE) {
		rc = db_fail(db, e);
		goto done;
	}
	*out = list;
	*n = count;
	list = NULL;
	count = 0;
done:
	sqlite3_finalize(st);
	officer_list_free(list, count);
	return rc;
}

void
officer_info_free(struct officer_info *info)
{
	if (info == NULL)
		return;
	free(info->name);
	info->name = NULL;
}

void
officer_list_free(struct officer_info *list, size_t n)
{
	size_t i;

	for (i = 0; list != NULL && i < n; i++)
		officer_info_free(&list[i]);
	free(list);
}

int
officer_get(struct session *s, const char *login, struct officer_info *out,
    struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db;
	int rc, r;

	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No place was given for the officer."));
	memset(out, 0, sizeof *out);
	if (s == NULL || (db = session_db(s)) == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store is not open."));
	if ((rc = keyring_login_check(login, e)) != CUTRU_OK)
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT " INFO_COLUMNS " FROM officers "
	    "WHERE login = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		rc = fill_info(st, out, e);
	else if (r == SQLITE_DONE)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "login",
		    _("There is no officer '%s' in this store."), login);
	else
		rc = db_fail(db, e);
	sqlite3_finalize(st);
	if (rc != CUTRU_OK)
		officer_info_free(out);
	return rc;
}

/* ------------------------------------------------------------ changes */

static int
set_disabled(struct session *s, const char *login, int disabled,
    time_t now, struct cutru_err *e)
{
	char at[SESSION_AT_SIZE];
	sqlite3_stmt *st = NULL;
	sqlite3 *db;
	int rc, found, was = 0, admin;

	if ((rc = need_active(s, &admin, e)) != CUTRU_OK)
		return rc;
	if (!admin)
		return cutru_err_set(e, CUTRU_EPERM, "login", disabled ?
		    _("Only an administrator can disable an account; officer "
		    "'%s' is not one.") :
		    _("Only an administrator can enable an account; officer "
		    "'%s' is not one."), session_login(s));
	if ((rc = keyring_login_check(login, e)) != CUTRU_OK ||
	    (rc = session_time_utc(now, at, e)) != CUTRU_OK)
		return rc;
	if (disabled && strcmp(login, session_login(s)) == 0)
		return cutru_err_set(e, CUTRU_EPERM, "login",
		    _("You cannot disable your own account; another "
		    "administrator has to."));
	db = session_db(s);
	if ((rc = begin(db, e)) != CUTRU_OK)
		return rc;
	found = row_exists(db, login, &was, e);
	if (found < 0) {
		rc = e != NULL ? e->code : CUTRU_EIO;
		goto done;
	}
	if (!found) {
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "login",
		    _("There is no officer '%s' in this store."), login);
		goto done;
	}
	if ((was != 0) == disabled)
		goto done; /* nothing to change */
	if (sqlite3_prepare_v2(db, "UPDATE officers SET disabled = ?2 "
	    "WHERE login = ?1", -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(db, e);
		goto done;
	}
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, disabled);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, e);
	sqlite3_finalize(st);
	if (rc == CUTRU_OK)
		rc = journal_officer(db, at, session_login(s), disabled ?
		    "disabled" : "enabled", login, NULL, NULL, NULL, e);
done:
	return finish(db, rc, e);
}

int
officer_disable(struct session *s, const char *login, time_t now,
    struct cutru_err *e)
{
	return set_disabled(s, login, 1, now, e);
}

int
officer_enable(struct session *s, const char *login, time_t now,
    struct cutru_err *e)
{
	return set_disabled(s, login, 0, now, e);
}

int
officer_change_passphrase(struct session *s, const char *old_passphrase,
    const char *new_passphrase, time_t now, struct cutru_err *e)
{
	int rc;

	if (s == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store is not open."));
	if ((rc = session_refresh(s, e)) != CUTRU_OK)
		return rc;
	return store_change_passphrase(session_store(s), session_login(s),
	    old_passphrase, new_passphrase, now, e);
}

int
officer_reset_passphrase(const char *dir, const char *recovery_code,
    const char *login, const char *new_passphrase, time_t now,
    struct cutru_err *e)
{
	char at[SESSION_AT_SIZE];
	unsigned char pk[KEYRING_SIGN_PK_BYTES];
	struct store *st = NULL;
	sqlite3_stmt *up = NULL;
	sqlite3 *db;
	int rc, found;

	if ((rc = keyring_login_check(login, e)) != CUTRU_OK ||
	    (rc = keyring_passphrase_check(new_passphrase, e)) != CUTRU_OK ||
	    (rc = session_time_utc(now, at, e)) != CUTRU_OK)
		return rc;
	if ((rc = store_open_recovery(dir, recovery_code, now, &st, e)) !=
	    CUTRU_OK)
		return rc;
	db = store_db(st);
	sqlite3_busy_timeout(db, 5000);
	if ((rc = schema_migrate(db, e)) != CUTRU_OK)
		goto done;
	if ((found = row_exists(db, login, NULL, e)) < 0) {
		rc = e != NULL ? e->code : CUTRU_EIO;
		goto done;
	}
	if (!found) {
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "login",
		    _("There is no officer '%s' in this store."), login);
		goto done;
	}
	/* An account whose keyring entry was removed gets a new one. */
	rc = in_keyring(store_keyring(st), login) ?
	    store_set_passphrase(st, login, new_passphrase, e) :
	    store_add_officer(st, login, new_passphrase, e);
	if (rc != CUTRU_OK ||
	    (rc = keyring_sign_public(store_keyring(st), login, pk, e)) !=
	    CUTRU_OK || (rc = begin(db, e)) != CUTRU_OK)
		goto done;
	if (sqlite3_prepare_v2(db, "UPDATE officers SET sign_pk = ?2 "
	    "WHERE login = ?1", -1, &up, NULL) != SQLITE_OK)
		rc = db_fail(db, e);
	else {
		sqlite3_bind_text(up, 1, login, -1, SQLITE_STATIC);
		sqlite3_bind_blob(up, 2, pk, sizeof pk, SQLITE_STATIC);
		if (sqlite3_step(up) != SQLITE_DONE)
			rc = db_fail(db, e);
		sqlite3_finalize(up);
	}
	if (rc == CUTRU_OK)
		rc = journal_officer(db, at, RECOVERY_ACTOR,
		    "passphrase_reset", login, NULL, NULL, pk, e);
	rc = finish(db, rc, e);
done:
	store_close(st);
	return rc;
}
