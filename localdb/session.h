/* A session: one officer logged in to one store.  The one entry point of
 * the CLI and the console: opening a session opens the encrypted store
 * (localdb/store.h) with the officer's passphrase, brings its schema up to
 * date and looks the officer up in the register's officers table, whose
 * role and disabled flag decide what the library lets them do
 * (localdb/officer.h, localdb/dossier.h).  See localdb/session.c. */
#ifndef CUTRU_SESSION_H
#define CUTRU_SESSION_H

#include <sqlite3.h>
#include <time.h>

#include "core/err.h"
#include "core/types.h"
#include "localdb/keyring.h"
#include "localdb/store.h"

/* What an officer may do.  Officers and supervisors receive dossiers;
 * only supervisors decide them (approve, return, refuse); only
 * administrators manage accounts.  An administrator is not a supervisor:
 * whoever creates accounts must not also be able to approve, or one person
 * could make an officer up and approve that officer's dossiers. */
enum session_role {
	SESSION_ROLE_OFFICER = 0,
	SESSION_ROLE_SUPERVISOR = 1,
	SESSION_ROLE_ADMIN = 2
};

/* A ward code is a commune-level unit code: 5 digits. */
#define SESSION_WARD_CODE_LEN 5
/* "YYYY-MM-DDTHH:MM:SSZ" and its NUL. */
#define SESSION_AT_SIZE 21
/* Longest ward name and officer name, in characters. */
#define SESSION_WARD_NAME_MAX 100

struct session;

/* "officer", "supervisor", "admin" (the ids stored and typed on the
 * command line), or "?" for a value out of range. */
const char *session_role_id(enum session_role role);

/* The role with this id; CUTRU_EINVAL (field "role") naming the three. */
int session_role_parse(const char *id, enum session_role *role,
    struct cutru_err *e);

/* Create a store in dir for a ward (ward_code 5 digits, ward_name one line
 * of text) with its first officer, an administrator: the store and keyring
 * (store_create(); kdf NULL = the default limits), the schema, the ward in
 * table meta and the administrator's row in table officers.  The recovery
 * code goes to code[KEYRING_RECOVERY_CODE_SIZE]: show it once, then wipe
 * it.  Every argument is checked before anything is written.  If the store
 * was created but could not be set up, the message says to delete the
 * directory and start again (the store then has no officer row and no
 * session can open it).  When out is not NULL it gets the administrator's
 * open session; otherwise the store is closed. */
int session_init_store(const char *dir, const char *ward_code,
    const char *ward_name, const char *admin_login, const char *admin_name,
    const char *admin_passphrase, const struct keyring_kdf *kdf, time_t now,
    char *code, struct session **out, struct cutru_err *e);

/* Open the store in dir as officer login: store_open() (its errors: no
 * store, unsafe permissions, wrong passphrase, must wait, ...), then
 * schema_migrate(), then the officer's row.  A disabled account cannot log
 * in (CUTRU_EPERM, field "login"), nor can an officer who has a keyring
 * entry but no account (an interrupted officer_add(): CUTRU_EPERM, field
 * "login").  now drives the slow-down after wrong passphrases.  On success
 * *out is the session (session_close()); on failure NULL. */
int session_open(const char *dir, const char *login, const char *passphrase,
    time_t now, struct session **out, struct cutru_err *e);

/* Close the store and free the session (NULL is allowed). */
void session_close(struct session *s);

/* Accessors; the strings are owned by the session. */
const char *session_login(const struct session *s);
const char *session_name(const struct session *s);
enum session_role session_role(const struct session *s);
const char *session_ward_code(const struct session *s);
const char *session_ward_name(const struct session *s);
struct store *session_store(const struct session *s);
sqlite3 *session_db(const struct session *s);

/* Read the logged-in officer's row again: an account disabled (or a role
 * changed) by another console since the session opened takes effect at the
 * next action.  CUTRU_EPERM (field "login") if the account is now
 * disabled.  Every action that changes the store calls this first. */
int session_refresh(struct session *s, struct cutru_err *e);

/* Time helpers for callers that never read the clock themselves: the UTC
 * time of now as the journal writes it, and the date and session (morning,
 * afternoon) in Vietnam.  CUTRU_ERANGE outside the supported dates. */
int session_time_utc(time_t now, char *at, struct cutru_err *e);
int session_today(time_t now, struct cutru_date *today, int *sec_of_day,
    struct cutru_err *e);

#endif
