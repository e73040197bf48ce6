/* Officer accounts: the keyring entry that holds an officer's passphrase
 * and signing key (localdb/keyring.h) together with the officers row that
 * holds their name, role and whether the account is disabled.  Who may do
 * what is enforced here, not in the screens.  See localdb/officer.c. */
#ifndef CUTRU_OFFICER_H
#define CUTRU_OFFICER_H

#include <stddef.h>
#include <sqlite3.h>
#include <time.h>

#include "core/err.h"
#include "localdb/keyring.h"
#include "localdb/session.h"

/* One account as officer_list() returns it. */
struct officer_info {
	char login[KEYRING_LOGIN_MAX + 1];
	char *name;                 /* NFC, as stored */
	enum session_role role;
	int disabled;               /* 1: cannot log in */
	char created[SESSION_AT_SIZE]; /* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
	int has_sign_pk;            /* 0 only for a row made by hand */
	unsigned char sign_pk[KEYRING_SIGN_PK_BYTES]; /* Ed25519 public key */
};

/* Add an account (administrators only): login (keyring_login_check()),
 * name (a person's full name, core/name.h), role, passphrase
 * (keyring_passphrase_check()).  Everything is checked first; then the
 * keyring entry is written, then the officers row with its journal entry
 * in one transaction.  If the row cannot be written the keyring entry is
 * taken out again (unless the row exists by then: another console added
 * the same login); should that fail too, the keyring keeps an entry
 * without an account, which cannot log in (session_open()), and running
 * the same officer_add() again completes it: a keyring entry without a row
 * is given the new passphrase and its row.  CUTRU_EPERM (not an
 * administrator, or the session's account was disabled), CUTRU_ECONFLICT
 * (the login exists), CUTRU_EINVAL (field "login", "name", "role",
 * "passphrase"), CUTRU_ERANGE (the keyring is full), CUTRU_EIO. */
int officer_add(struct session *s, const char *login, const char *name,
    enum session_role role, const char *passphrase, time_t now,
    struct cutru_err *e);

/* Every account, sorted by login; any logged-in officer may list them.
 * *out is an array of *n entries, freed with officer_list_free(). */
int officer_list(struct session *s, struct officer_info **out, size_t *n,
    struct cutru_err *e);
void officer_list_free(struct officer_info *list, size_t n);

/* One account by login; free with officer_info_free().  CUTRU_ENOTFOUND. */
int officer_get(struct session *s, const char *login,
    struct officer_info *out, struct cutru_err *e);
void officer_info_free(struct officer_info *info);

/* Disable or enable an account (administrators only; nobody disables
 * themselves: CUTRU_EPERM).  A disabled officer cannot log in and an open
 * session of theirs can do nothing more (session_refresh()).  Disabling
 * does not take the store key away from someone who keeps the passphrase
 * and a copy of the files: for that, remove the keyring entry and rekey
 * (store_remove_officer(), store_rekey()).  Doing it twice is not an
 * error.  Recorded in the journal.  CUTRU_ENOTFOUND. */
int officer_disable(struct session *s, const char *login, time_t now,
    struct cutru_err *e);
int officer_enable(struct session *s, const char *login, time_t now,
    struct cutru_err *e);

/* Change the logged-in officer's own passphrase, proving the old one
 * (store_change_passphrase(): wrong passphrases count towards the
 * slow-down).  The signing key stays the same. */
int officer_change_passphrase(struct session *s, const char *old_passphrase,
    const char *new_passphrase, time_t now, struct cutru_err *e);

/* Give officer login a new passphrase with the store's recovery code, for
 * an officer (an administrator included) who forgot theirs: no session is
 * needed, the code is the authority.  The officer gets a new signing key
 * (the old one cannot be opened without the old passphrase); its public
 * key goes into the officers row and the journal records the reset.  The
 * account must exist (CUTRU_ENOTFOUND); a disabled one stays disabled.
 * Errors of store_open_recovery() and keyring_passphrase_check(). */
int officer_reset_passphrase(const char *dir, const char *recovery_code,
    const char *login, const char *new_passphrase, time_t now,
    struct cutru_err *e);

/* An officer's name as stored: name_normalise() (core/name.h) into
 * out[0..outsz) (NAME_BUF_SIZE is enough).  CUTRU_EINVAL, field "name". */
int officer_clean_name(const char *name, char *out, size_t outsz,
    struct cutru_err *e);

/* The officers row of a new account and its journal entry, in the
 * caller's transaction (officer_add() and session_init_store()).  name is
 * stored as given (already normalised); sign_pk may be NULL; at and actor
 * as journal_append(). */
int officer_record(sqlite3 *db, const char *login, const char *name,
    enum session_role role, const unsigned char *sign_pk, const char *at,
    const char *actor, struct cutru_err *e);

#endif
