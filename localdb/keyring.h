/* The keyring: the random store key, wrapped once per officer under that
 * officer's passphrase and once under a recovery code, and each officer's
 * personal Ed25519 signing key under their passphrase.  The format, the
 * choices behind it and what can go wrong are in localdb/keyring.c and in
 * cutru-store(5).
 *
 * A struct keyring is loaded locked (it knows the officers but not the store
 * key).  keyring_unlock() or keyring_unlock_recovery() makes it unlocked: it
 * then holds the store key in sodium_malloc memory, and only then can it be
 * changed (officers added or removed, passphrases set, a new recovery code,
 * a rekey) and saved, because saving authenticates the file with the key. */
#ifndef CUTRU_KEYRING_H
#define CUTRU_KEYRING_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/err.h"

#define KEYRING_KEY_BYTES 32      /* the store key */
#define KEYRING_STORE_ID_BYTES 16 /* random, names the store */
#define KEYRING_SIGN_PK_BYTES 32  /* an officer's Ed25519 public key */
#define KEYRING_SIGN_SK_BYTES 64  /* its secret key (libsodium's form) */
#define KEYRING_LOGIN_MAX 32      /* bytes of an officer login */
#define KEYRING_OFFICERS_MAX 100
#define KEYRING_PASSPHRASE_MIN 10   /* characters, after NFC */
#define KEYRING_PASSPHRASE_MAX 1024 /* bytes */
/* Longest time the slow-down makes anyone wait, in seconds. */
#define KEYRING_DELAY_MAX 300

/* A recovery code as shown: 8 groups of 5 characters joined by '-'. */
#define KEYRING_RECOVERY_GROUPS 8
#define KEYRING_RECOVERY_GROUP_LEN 5
#define KEYRING_RECOVERY_CODE_SIZE \
	(KEYRING_RECOVERY_GROUPS * (KEYRING_RECOVERY_GROUP_LEN + 1))

/* Argon2id cost: libsodium's opslimit and memlimit (bytes). */
struct keyring_kdf {
	unsigned long long opslimit;
	unsigned long long memlimit;
};

struct keyring;

/* The default for real stores: libsodium's MODERATE limits. */
void keyring_kdf_default(struct keyring_kdf *kdf);

/* The cheapest limits libsodium allows: for tests only. */
void keyring_kdf_min(struct keyring_kdf *kdf);

/* CUTRU_OK when kdf is within what a keyring accepts: libsodium's minimum up
 * to 32 passes and 4 GiB; else CUTRU_ERANGE naming the limit. */
int keyring_kdf_check(const struct keyring_kdf *kdf, struct cutru_err *e);

/* A new keyring for a store in dir (nothing is written until
 * keyring_save()): a random store id and store key, key generation 1, and a
 * recovery entry.  kdf (NULL = default) is recorded as the limits the store
 * was made with.  The recovery code is written to
 * code[KEYRING_RECOVERY_CODE_SIZE]; it is a secret the caller shows once and
 * wipes.  *out is unlocked, owned by the caller (keyring_free()). */
int keyring_create(const char *dir, const struct keyring_kdf *kdf,
    struct keyring **out, char *code, struct cutru_err *e);

/* Read and check dir/keyring.  Refuses a keyring that group or others may
 * read (CUTRU_EPERM, "chmod 600"), reports a missing one (CUTRU_ENOTFOUND)
 * and a damaged one (CUTRU_EIO, field "keyring": bad magic, unknown
 * version, checksum mismatch, bad structure).  *out is locked. */
int keyring_load(const char *dir, struct keyring **out, struct cutru_err *e);

/* Write the keyring to its directory atomically (needs it unlocked). */
int keyring_save(struct keyring *kr, struct cutru_err *e);

/* Unlock with an officer's passphrase.  now is the current time (tests
 * pass a fake clock); it drives the slow-down after wrong passphrases,
 * persisted in dir/failures.  Errors: CUTRU_ENOTFOUND (no such officer,
 * field "login"); CUTRU_EPERM (must wait, field "passphrase", the message
 * says how long); CUTRU_ECRYPTO with field "passphrase" (wrong passphrase)
 * or field "keyring" (the file has been altered). */
int keyring_unlock(struct keyring *kr, const char *login,
    const char *passphrase, time_t now, struct cutru_err *e);

/* Unlock with the recovery code (any case, spaces or dashes anywhere).
 * CUTRU_EINVAL with field "recovery_code" for a code with a typo (the
 * message names the group), CUTRU_ECRYPTO for a well-formed code that does
 * not open this store; slowed down like a passphrase. */
int keyring_unlock_recovery(struct keyring *kr, const char *code, time_t now,
    struct cutru_err *e);

/* Unlock with a store key already known (from another struct keyring of the
 * same store, e.g. to apply a change to the keyring as it is on disk now):
 * the file's MAC must verify under it, else CUTRU_ECRYPTO (field
 * "keyring").  key is copied. */
int keyring_unlock_key(struct keyring *kr, const unsigned char *key,
    struct cutru_err *e);

/* The store key of an unlocked keyring (KEYRING_KEY_BYTES, owned by kr and
 * valid until keyring_free()), NULL when locked. */
const unsigned char *keyring_key(const struct keyring *kr);

/* Forget the store key (wiped); the keyring is locked again. */
void keyring_lock(struct keyring *kr);

/* Add an officer (needs kr unlocked).  The login is 1..32 bytes of a-z, 0-9,
 * '.', '_', '-', starting with a letter; the passphrase at least
 * KEYRING_PASSPHRASE_MIN characters of UTF-8, taken in NFC.  kdf NULL = the
 * keyring's recorded limits.  CUTRU_ECONFLICT if the login exists. */
int keyring_add_officer(struct keyring *kr, const char *login,
    const char *passphrase, const struct keyring_kdf *kdf,
    struct cutru_err *e);

/* Give an existing officer a new passphrase (needs kr unlocked, e.g. by the
 * recovery code when the officer forgot it).  The officer also gets a new
 * key pair, so the old passphrase opens nothing sealed from now on, and a
 * new signing key pair: without the old passphrase the old signing key
 * cannot be opened (keyring_sign_public() gives the new public key; what
 * was signed before still verifies with the old one). */
int keyring_set_passphrase(struct keyring *kr, const char *login,
    const char *passphrase, const struct keyring_kdf *kdf,
    struct cutru_err *e);

/* keyring_unlock() with the old passphrase, then as
 * keyring_set_passphrase() but keeping the officer's signing key (the same
 * Ed25519 key, re-wrapped under the new passphrase). */
int keyring_change_passphrase(struct keyring *kr, const char *login,
    const char *old_passphrase, const char *new_passphrase, time_t now,
    const struct keyring_kdf *kdf, struct cutru_err *e);

/* Officer login's Ed25519 public key into pk[KEYRING_SIGN_PK_BYTES],
 * without a passphrase.  Needs kr unlocked (CUTRU_EPERM otherwise): only
 * then has the file's MAC been checked, so the key is the one written by
 * the store's officers and not by whoever could edit the file.
 * CUTRU_ENOTFOUND (field "login"). */
int keyring_sign_public(const struct keyring *kr, const char *login,
    unsigned char *pk, struct cutru_err *e);

/* Officer login's Ed25519 secret key, opened with their passphrase: what a
 * supervisor's approval needs (localdb/dossier.h).  On success *sk is
 * KEYRING_SIGN_SK_BYTES in sodium_malloc memory that the caller wipes and
 * frees with sodium_free(); on failure *sk is NULL.  kr may be locked.
 * A wrong passphrase counts towards officer login's slow-down exactly as in
 * keyring_unlock(), and the errors are the same: CUTRU_ENOTFOUND (field
 * "login"), CUTRU_EPERM (must wait), CUTRU_ECRYPTO with field "passphrase"
 * (wrong) or "keyring" (the entry was altered). */
int keyring_sign_secret(const struct keyring *kr, const char *login,
    const char *passphrase, time_t now, unsigned char **sk,
    struct cutru_err *e);

/* Remove an officer (needs kr unlocked).  The last officer cannot be
 * removed (CUTRU_ECONFLICT). */
int keyring_remove_officer(struct keyring *kr, const char *login,
    struct cutru_err *e);

/* Replace the recovery entry with a new code (needs kr unlocked); the old
 * code stops working once the keyring is saved. */
int keyring_new_recovery(struct keyring *kr, char *code, struct cutru_err *e);

/* A copy of an unlocked kr with a new random store key, sealed for every
 * officer and the recovery code, and the key generation one higher.  kr is
 * unchanged; *out (caller's, keyring_free()) is unlocked with the new key.
 * Nothing is written: the caller saves *out once the data is re-encrypted. */
int keyring_rekey(const struct keyring *kr, struct keyring **out,
    struct cutru_err *e);

/* Wipe and free (NULL is allowed). */
void keyring_free(struct keyring *kr);

const unsigned char *keyring_store_id(const struct keyring *kr);
uint32_t keyring_generation(const struct keyring *kr);
/* The limits recorded when the store was made. */
void keyring_kdf_created(const struct keyring *kr, struct keyring_kdf *kdf);
size_t keyring_officer_count(const struct keyring *kr);
/* Login of officer i (0-based, in keyring order), NULL past the end. */
const char *keyring_officer_login(const struct keyring *kr, size_t i);
/* The limits officer login's entry was wrapped with; CUTRU_ENOTFOUND. */
int keyring_officer_kdf(const struct keyring *kr, const char *login,
    struct keyring_kdf *kdf, struct cutru_err *e);

/* Check a login name; CUTRU_EINVAL with a message saying what is allowed. */
int keyring_login_check(const char *login, struct cutru_err *e);

/* Check a new passphrase (UTF-8, no control characters, at least
 * KEYRING_PASSPHRASE_MIN characters after NFC, at most
 * KEYRING_PASSPHRASE_MAX bytes).  The message never repeats it. */
int keyring_passphrase_check(const char *passphrase, struct cutru_err *e);

/* Decode a recovery code as typed into its 20 bytes (bytes[20]); the
 * message of a CUTRU_EINVAL names the group with the typo. */
int keyring_recovery_decode(const char *code, unsigned char *bytes,
    struct cutru_err *e);

/* The slow-down: how many seconds officer login (or "*recovery") must still
 * wait at time now before the next try, from dir/failures.  0 = may try. */
int keyring_delay_remaining(const char *dir, const char *login, time_t now,
    long long *wait, struct cutru_err *e);

/* The wait imposed after n wrong tries in a row: 0 for n <= 1, then 1, 2,
 * 4, ... seconds, at most KEYRING_DELAY_MAX. */
long long keyring_delay_for(unsigned n);

#endif
