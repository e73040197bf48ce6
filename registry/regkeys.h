/* The registry's own keys: Ed25519 (it signs receipts, feed pages and
 * enrollment answers) and X25519 (change sets and enrollment requests are
 * sealed to it).  Made once by `cutru-registryd init`; the format of the
 * secret file is in registry/regkeys.c, that of the public key file that
 * consoles pin in sync/envelope.h. */
#ifndef CUTRU_REGISTRY_REGKEYS_H
#define CUTRU_REGISTRY_REGKEYS_H

#include "core/err.h"
#include "sync/envelope.h"

#define REGKEYS_SECRET_FILE "registry.secret"
#define REGKEYS_PUBLIC_FILE "registry.pub"

struct regkeys {
	unsigned char *sign_sk;     /* sodium_malloc, ENVELOPE_SIGN_SK_BYTES */
	unsigned char *box_sk;      /* sodium_malloc, ENVELOPE_BOX_SK_BYTES */
	struct registry_keys pub;   /* sign_pk, box_pk, name */
};

/* Make new keys in dir (which must exist): the secret file (mode 0600) and
 * the public key file (0644), each written atomically.  name (one line,
 * at most REGISTRY_KEY_NAME_MAX bytes) goes into the public file.  Keys
 * that exist already are never replaced (CUTRU_ECONFLICT): consoles have
 * pinned them.  On success *out (may be NULL) gets the keys. */
int regkeys_create(const char *dir, const char *name, struct regkeys **out,
    struct cutru_err *e);

/* Load the keys from dir: the secret file must be private to this user
 * (CUTRU_EPERM otherwise, with the chmod that fixes it), intact (its
 * checksum; CUTRU_EIO "damaged") and agree with the public file
 * (CUTRU_ECONFLICT).  *out (regkeys_free()) on success. */
int regkeys_load(const char *dir, struct regkeys **out, struct cutru_err *e);

/* Wipe and free (NULL allowed). */
void regkeys_free(struct regkeys *k);

#endif
