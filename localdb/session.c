#include "config.h"

/* Sessions: who is at the desk, and what the store says about them.
 *
 * Two records describe an officer, and a session needs both.  The keyring
 * entry (localdb/keyring.c) proves the passphrase: it opens the store key
 * and holds the officer's signing key.  The officers row of the register
 * (localdb/schema.c) says who the officer is to the office: name, role,
 * whether the account is disabled, and the public half of the signing key.
 * Only the row is authenticated by the store key and covered by
 * transactions, so the row decides what the officer may do; the keyring
 * only lets them in.  session_open() therefore:
 *   1. opens the store with the passphrase (store_open(): slow-down after
 *      wrong passphrases, damaged or altered files told apart);
 *   2. brings the schema up to date (schema_migrate()), so everything after
 *      sees the tables this build knows;
 *   3. reads the officers row: no row (an officer_add() that stopped after
 *      the keyring) or a disabled account is refused with CUTRU_EPERM, and
 *      the store is closed again before returning.
 * A role or a disabled flag changed by another console while a session is
 * open takes effect at that session's next action: every action that
 * changes anything calls session_refresh() first, inside nothing, so it
 * reads the committed row.
 *
 * The ward.  A store belongs to one ward (commune-level unit): table meta
 * holds 'ward_code' (5 digits) and 'ward_name', written once by
 * session_init_store() together with the first administrator's row.  The
 * ward code is part of what a supervisor signs (localdb/dossier.h), so it
 * never changes; a store without it was not finished by
 * session_init_store() and is refused.
 *
 * Connections.  The store may be open in several consoles at once (the
 * store's lock file allows it; a rekey waits for it to be alone).  Writers
 * take the database with BEGIN IMMEDIATE; a session waits up to
 * SESSION_BUSY_MS for another console's transaction before giving up with
 * CUTRU_EIO.
 *
 * Time.  The library never reads the clock: callers pass now (time_t),
 * from which session_today() takes the date and the session (morning,
 * afternoon) in Vietnam and session_time_utc() the journal's UTC time. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/date.h"
#include "core/field.h"
#include "core/i18n.h"
#include "core/name.h"
#include "core/utf8.h"
#include "localdb/officer.h"
#include "localdb/schema.h"
#include "localdb/session.h"

#define SESSION_BUSY_MS 5000

struct session {
	struct store *store;
	char login[KEYRING_LOGIN_MAX + 1];
	char *name;
	enum session_role role;
	char ward_code[SESSION_WARD_CODE_LEN + 1];
	char *ward_name;
};

static const char *const role_ids[] = { "officer", "supervisor", "admin" };

const char *
session_role_id(enum session_role role)
{
	if ((int)role < 0 || (size_t)role >= sizeof role_ids /
	    sizeof role_ids[0])
		return "?";
	return role_ids[role];
}

int
session_role_parse(const char *id, enum session_role *role,
    struct cutru_err *e)
{
	size_t i;

	for (i = 0; id != NULL && i < sizeof role_ids / sizeof role_ids[0];
	    i++)
		if (strcmp(id, role_ids[i]) == 0) {
			*role = (enum session_role)i;
			return CUTRU_OK;
		}
	return cutru_err_set(e, CUTRU_EINVAL, "role",
	    _("A role is \"officer\", \"supervisor\" or \"admin\"."));
}

/* ------------------------------------------------------------ time */

int
session_time_utc(time_t now, char *at, struct cutru_err *e)
{
	struct cutru_date d;
	long long t = (long long)now, days, sec;

	at[0] = '\0';
	days = t / 86400;
	sec = t % 86400;
	if (sec < 0) {
		sec += 86400;
		days--;
	}
	if (date_from_days((long)days, &d) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_ERANGE, "now",
		    _("The computer's clock is set outside the dates cutru "
		    "supports; set the date and time right."));
	snprintf(at, SESSION_AT_SIZE, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    d.year, d.month, d.day, (int)(sec / 3600), (int)(sec / 60 % 60),
	    (int)(sec % 60));
	return CUTRU_OK;
}

int
session_today(time_t now, struct cutru_date *today, int *sec_of_day,
    struct cutru_err *e)
{
	if (date_local_vn(now, today, sec_of_day) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_ERANGE, "now",
		    _("The computer's clock is set outside the dates cutru "
		    "supports; set the date and time right."));
	return CUTRU_OK;
}

/* ------------------------------------------------------------ helpers */

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

/* Value of meta key into a malloc'd *out (NULL when absent). */
static int
meta_get(sqlite3 *db, const char *key, char **out, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK, r;

	*out = NULL;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1",
	    -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*out = strdup((const char *)sqlite3_column_text(st, 0));
		if (*out == NULL)
			rc = no_memory(e);
	} else if (r != SQLITE_DONE)
		rc = db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

static int
meta_put(sqlite3 *db, const char *key, const char *value,
    struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = CUTRU_OK;

	if (sqlite3_prepare_v2(db, "INSERT INTO meta (key, value) "
	    "VALUES (?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, e);
	sqlite3_finalize(st);
	return rc;
}

/* The officers row of s->login into the session.  CUTRU_EPERM when there
 * is none or it is disabled. */
static int
load_officer(struct session *s, struct cutru_err *e)
{
	sqlite3 *db = store_db(s->store);
	sqlite3_stmt *st = NULL;
	char *name = NULL;
	int rc, r;

	if (sqlite3_prepare_v2(db, "SELECT name, role, disabled FROM officers "
	    "WHERE login = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e);
	sqlite3_bind_text(st, 1, s->login, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		rc = cutru_err_set(e, CUTRU_EPERM, "login",
		    _("Officer '%s' has a passphrase in this store but no "
		    "account: adding the officer did not finish. Ask the "
		    "administrator to add '%s' again."), s->login, s->login);
		goto done;
	}
	if (r != SQLITE_ROW) {
		rc = db_fail(db, e);
		goto done;
	}
	if (sqlite3_column_int(st, 2) != 0) {
		rc = cutru_err_set(e, CUTRU_EPERM, "login",
		    _("The account of officer '%s' is disabled, so it cannot "
		    "be used. Ask the administrator to enable it."), s->login);
		goto done;
	}
	if ((rc = session_role_parse((const char *)sqlite3_column_text(st, 1),
	    &s->role, e)) != CUTRU_OK)
		goto done;
	if ((name = strdup((const char *)sqlite3_column_text(st, 0))) ==
	    NULL) {
		rc = no_memory(e);
		goto done;
	}
	free(s->name);
	s->name = name;
	rc = CUTRU_OK;
done:
	sqlite3_finalize(st);
	return rc;
}

static int
load_ward(struct session *s, struct cutru_err *e)
{
	char *code = NULL;
	int rc;

	if ((rc = meta_get(store_db(s->store), "ward_code", &code, e)) != 0)
		return rc;
	if ((rc = meta_get(store_db(s->store), "ward_name", &s->ward_name,
	    e)) != CUTRU_OK)
		goto done;
	if (code == NULL || strlen(code) != SESSION_WARD_CODE_LEN ||
	    s->ward_name == NULL) {
		rc = cutru_err_set(e, CUTRU_EIO, "store",
		    _("The store in %s does not say which ward it belongs to: "
		    "it was not set up completely. Restore it from a backup "
		    "copy."), store_dir(s->store));
		goto done;
	}
	memcpy(s->ward_code, code, SESSION_WARD_CODE_LEN + 1);
done:
	free(code);
	return rc;
}

/* ------------------------------------------------------------ open */

int
session_open(const char *dir, const char *login, const char *passphrase,
    time_t now, struct session **out, struct cutru_err *e)
{
	struct session *s = NULL;
	int rc;

	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("No place was given for the session."));
	*out = NULL;
	if ((rc = keyring_login_check(login, e)) != CUTRU_OK)
		return rc;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return no_memory(e);
	snprintf(s->login, sizeof s->login, "%s", login);
	if ((rc = store_open(dir, login, passphrase, now, &s->store, e)) !=
	    CUTRU_OK)
		goto done;
	sqlite3_busy_timeout(store_db(s->store), SESSION_BUSY_MS);
	if ((rc = schema_migrate(store_db(s->store), e)) != CUTRU_OK ||
	    (rc = load_officer(s, e)) != CUTRU_OK ||
	    (rc = load_ward(s, e)) != CUTRU_OK)
		goto done;
	*out = s;
	s = NULL;
done:
	session_close(s);
	return rc;
}

void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	store_close(s->store);
	free(s->name);
	free(s->ward_name);
	free(s);
}

int
session_refresh(struct session *s, struct cutru_err *e)
{
	if (s == NULL || s->store == NULL || store_db(s->store) == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store is not open."));
	return load_officer(s, e);
}

const char *
session_login(const struct session *s)
{
	return s->login;
}

const char *
session_name(const struct session *s)
{
	return s->name;
}

enum session_role
session_role(const struct session *s)
{
	return s->role;
}

const char *
session_ward_code(const struct session *s)
{
	return s->ward_code;
}

const char *
session_ward_name(const struct session *s)
{
	return s->ward_name;
}

struct store *
session_store(const struct session *s)
{
	return s->store;
}

sqlite3 *
session_db(const struct session *s)
{
	return s->store != NULL ? store_db(s->store) : NULL;
}

/* ------------------------------------------------------------ init */

static int
check_ward(const char *code, const char *name, char *clean, size_t cleansz,
    struct cutru_err *e)
{
	static const struct field f_code = {
		"ward_code", N_("Ward code"), FIELD_COMMUNE, FIELD_REQUIRED,
		NULL, NULL, 0
	};
	struct field_ctx fctx = { NULL, 0 };
	cJSON *v;
	size_t n;
	int rc;

	if (code == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "ward_code",
		    _("The ward code is required: the 5-digit code of the "
		    "commune-level unit."));
	if ((v = cJSON_CreateString(code)) == NULL)
		return no_memory(e);
	rc = field_check(&f_code, v, &fctx, "ward_code", e);
	cJSON_Delete(v);
	if (rc != CUTRU_OK)
		return rc;
	if (name == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "ward_name",
		    _("The ward name is required."));
	rc = utf8_clean_line(name, strlen(name), clean, cleansz, &n,
	    "ward_name", e);
	if (rc == CUTRU_ERANGE || (rc == CUTRU_OK &&
	    utf8_count(clean, n) > SESSION_WARD_NAME_MAX))
		return cutru_err_set(e, CUTRU_ERANGE, "ward_name",
		    _("The ward name is longer than %d characters."),
		    SESSION_WARD_NAME_MAX);
	if (rc != CUTRU_OK)
		return rc;
	if (n == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "ward_name",
		    _("The ward name is empty; type the name of the ward or "
		    "commune."));
	return CUTRU_OK;
}

int
session_init_store(const char *dir, const char *ward_code,
    const char *ward_name, const char *admin_login, const char *admin_name,
    const char *admin_passphrase, const struct keyring_kdf *kdf, time_t now,
    char *code, struct session **out, struct cutru_err *e)
{
	char ward[SESSION_WARD_NAME_MAX * 4 + 16], name[NAME_BUF_SIZE];
	char at[SESSION_AT_SIZE];
	unsigned char pk[KEYRING_SIGN_PK_BYTES];
	struct session *s = NULL;
	sqlite3 *db;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (code == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "recovery_code",
		    _("No place was given for the recovery code."));
	code[0] = '\0';
	if ((rc = check_ward(ward_code, ward_name, ward, sizeof ward, e)) !=
	    CUTRU_OK ||
	    (rc = keyring_login_check(admin_login, e)) != CUTRU_OK ||
	    (rc = officer_clean_name(admin_name, name, sizeof name, e)) !=
	    CUTRU_OK ||
	    (rc = keyring_passphrase_check(admin_passphrase, e)) != CUTRU_OK ||
	    (rc = session_time_utc(now, at, e)) != CUTRU_OK)
		return rc;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return no_memory(e);
	snprintf(s->login, sizeof s->login, "%s", admin_login);
	if ((rc = store_create(dir, admin_login, admin_passphrase, kdf, code,
	    &s->store, e)) != CUTRU_OK)
		goto done;
	db = store_db(s->store);
	sqlite3_busy_timeout(db, SESSION_BUSY_MS);
	if ((rc = schema_migrate(db, e)) != CUTRU_OK)
		goto unfinished;
	if ((rc = keyring_sign_public(store_keyring(s->store), admin_login, pk,
	    e)) != CUTRU_OK)
		goto unfinished;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(db, e);
		goto unfinished;
	}
	if ((rc = meta_put(db, "ward_code", ward_code, e)) != CUTRU_OK ||
	    (rc = meta_put(db, "ward_name", ward, e)) != CUTRU_OK ||
	    (rc = officer_record(db, admin_login, name, SESSION_ROLE_ADMIN, pk,
	    at, admin_login, e)) != CUTRU_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto unfinished;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(db, e);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto unfinished;
	}
	if ((rc = load_officer(s, e)) != CUTRU_OK ||
	    (rc = load_ward(s, e)) != CUTRU_OK)
		goto done;
	if (out != NULL) {
		*out = s;
		s = NULL;
	}
	rc = CUTRU_OK;
	goto done;
unfinished:
	/* The keyring exists, so the directory is a store that nobody can
	 * use: say so, with what went wrong. */
	{
		char why[CUTRU_ERR_MSG_MAX];

		snprintf(why, sizeof why, "%s", e != NULL ? e->msg : "");
		cutru_err_set(e, rc, "store",
		    _("The store in %s was created but could not be set up "
		    "(%s). Delete the directory %s and create the store "
		    "again."), dir, why, dir);
	}
done:
	if (rc != CUTRU_OK)
		sodium_memzero(code, KEYRING_RECOVERY_CODE_SIZE);
	session_close(s);
	return rc;
}
