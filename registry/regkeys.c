/* The registry's secret key file.
 *
 * Format (164 bytes, minisign-style: fixed fields, an explicit tag, a
 * checksum):
 *
 *   offset  size  field
 *   0       4     magic "cuS1" (registry secret keys, version 1)
 *   4       64    Ed25519 secret key (libsodium's form: seed || public key)
 *   68      32    X25519 secret key
 *   100     32    X25519 public key
 *   132     32    BLAKE2b-256 of bytes 0..131
 *
 * The file is not encrypted: a server must start unattended, so its keys
 * are protected the way a TLS server's private key is, by the file's mode
 * (0600, owner only; anything looser is refused at load, on the same
 * descriptor that is read) and by the machine.  The checksum tells a
 * damaged file apart from keys that do not match the public file, and the
 * public keys inside are checked against the secret ones, so a file pieced
 * together from two registries is refused rather than used.
 *
 * Invariants: the keys are made once and never replaced by this program
 * (consoles pin the public file; new keys mean re-enrolling every
 * console).  In memory the secret keys live in sodium_malloc'd pages,
 * wiped by regkeys_free(); the file buffer is wiped as soon as it is
 * copied. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "core/i18n.h"
#include "localdb/storedir.h"
#include "registry/regkeys.h"

#define SECRET_MAGIC "cuS1"
#define SECRET_LEN 164
#define OFF_SIGN 4
#define OFF_BOX_SK 68
#define OFF_BOX_PK 100
#define OFF_SUM 132
#define PUBLIC_FILE_MAX 4096

static struct regkeys *
keys_alloc(void)
{
	struct regkeys *k = calloc(1, sizeof *k);

	if (k == NULL)
		return NULL;
	k->sign_sk = sodium_malloc(ENVELOPE_SIGN_SK_BYTES);
	k->box_sk = sodium_malloc(ENVELOPE_BOX_SK_BYTES);
	if (k->sign_sk == NULL || k->box_sk == NULL) {
		regkeys_free(k);
		return NULL;
	}
	return k;
}

void
regkeys_free(struct regkeys *k)
{
	if (k == NULL)
		return;
	sodium_free(k->sign_sk);  /* sodium_free wipes, and accepts NULL */
	sodium_free(k->box_sk);
	free(k);
}

int
regkeys_create(const char *dir, const char *name, struct regkeys **out,
    struct cutru_err *e)
{
	unsigned char *buf = NULL;
	struct regkeys *k = NULL;
	char path[STOREDIR_PATH_MAX], *pub = NULL;
	size_t n;
	int rc;

	if (out != NULL)
		*out = NULL;
	n = name != NULL ? strlen(name) : 0;
	if (n == 0 || n > REGISTRY_KEY_NAME_MAX || strpbrk(name, "\r\n") != NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The registry's name must be one line of 1 to %d bytes."),
		    REGISTRY_KEY_NAME_MAX);
	if ((rc = storedir_join(path, sizeof path, dir, REGKEYS_SECRET_FILE,
	    e)) != CUTRU_OK)
		return rc;
	if (access(path, F_OK) == 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, "keys",
		    _("The registry already has keys in %s; consoles have pinned them, so they are never replaced."),
		    dir);
	if ((k = keys_alloc()) == NULL ||
	    (buf = sodium_malloc(SECRET_LEN)) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
		goto done;
	}
	crypto_sign_keypair(k->pub.sign_pk, k->sign_sk);
	crypto_box_keypair(k->pub.box_pk, k->box_sk);
	snprintf(k->pub.name, sizeof k->pub.name, "%s", name);

	memcpy(buf, SECRET_MAGIC, 4);
	memcpy(buf + OFF_SIGN, k->sign_sk, ENVELOPE_SIGN_SK_BYTES);
	memcpy(buf + OFF_BOX_SK, k->box_sk, ENVELOPE_BOX_SK_BYTES);
	memcpy(buf + OFF_BOX_PK, k->pub.box_pk, ENVELOPE_PK_BYTES);
	crypto_generichash(buf + OFF_SUM, 32, buf, OFF_SUM, NULL, 0);

	if ((rc = registry_keys_format(&k->pub, &pub, e)) != CUTRU_OK)
		goto done;
	/* The public file first: a crash between the two leaves no secret
	 * without its public half, and init can simply run again. */
	if ((rc = storedir_write_atomic(dir, REGKEYS_PUBLIC_FILE, pub,
	    strlen(pub), 0644, e)) != CUTRU_OK ||
	    (rc = storedir_write_atomic(dir, REGKEYS_SECRET_FILE, buf,
	    SECRET_LEN, 0600, e)) != CUTRU_OK)
		goto done;
	if (out != NULL) {
		*out = k;
		k = NULL;
	}
done:
	sodium_free(buf);
	free(pub);
	regkeys_free(k);
	return rc;
}

int
regkeys_load(const char *dir, struct regkeys **out, struct cutru_err *e)
{
	unsigned char *raw = NULL, *pubtext = NULL, sum[32],
	    sign_pk[crypto_sign_PUBLICKEYBYTES], box_pk[crypto_box_PUBLICKEYBYTES];
	struct registry_keys pub;
	struct regkeys *k = NULL;
	size_t len = 0, publen = 0;
	int rc;

	*out = NULL;
	rc = storedir_read_file(dir, REGKEYS_SECRET_FILE, "registry secret key",
	    SECRET_LEN + 1, STOREDIR_PRIVATE, &raw, &len, e);
	if (rc == CUTRU_ENOTFOUND)
		return cutru_err_set(e, CUTRU_ENOTFOUND, "keys",
		    _("The registry has no keys in %s; run 'cutru-registryd init' first."),
		    dir);
	if (rc != CUTRU_OK)
		return rc;
	if (len != SECRET_LEN || memcmp(raw, SECRET_MAGIC, 4) != 0) {
		rc = cutru_err_set(e, CUTRU_EIO, "keys",
		    _("The registry's secret key file in %s is damaged (not a cutru-registryd key file)."),
		    dir);
		goto done;
	}
	crypto_generichash(sum, sizeof sum, raw, OFF_SUM, NULL, 0);
	if (sodium_memcmp(sum, raw + OFF_SUM, 32) != 0) {
		rc = cutru_err_set(e, CUTRU_EIO, "keys",
		    _("The registry's secret key file in %s is damaged (its checksum does not match); restore it from the backup."),
		    dir);
		goto done;
	}
	if ((k = keys_alloc()) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
		goto done;
	}
	memcpy(k->sign_sk, raw + OFF_SIGN, ENVELOPE_SIGN_SK_BYTES);
	memcpy(k->box_sk, raw + OFF_BOX_SK, ENVELOPE_BOX_SK_BYTES);
	crypto_sign_ed25519_sk_to_pk(sign_pk, k->sign_sk);
	crypto_scalarmult_base(box_pk, k->box_sk);
	if (sodium_memcmp(box_pk, raw + OFF_BOX_PK, sizeof box_pk) != 0) {
		rc = cutru_err_set(e, CUTRU_EIO, "keys",
		    _("The registry's secret key file in %s is damaged (its keys do not belong together)."),
		    dir);
		goto done;
	}
	rc = storedir_read_file(dir, REGKEYS_PUBLIC_FILE, "registry public key",
	    PUBLIC_FILE_MAX, 0, &pubtext, &publen, e);
	if (rc != CUTRU_OK)
		goto done;
	if ((rc = registry_keys_parse((const char *)pubtext, publen, &pub,
	    e)) != CUTRU_OK)
		goto done;
	if (sodium_memcmp(pub.sign_pk, sign_pk, sizeof sign_pk) != 0 ||
	    sodium_memcmp(pub.box_pk, box_pk, sizeof box_pk) != 0) {
		rc = cutru_err_set(e, CUTRU_ECONFLICT, "keys",
		    _("The public key file in %s does not match the registry's secret keys."),
		    dir);
		goto done;
	}
	k->pub = pub;
	*out = k;
	k = NULL;
done:
	if (raw != NULL) {
		sodium_memzero(raw, len);
		free(raw);
	}
	free(pubtext);
	regkeys_free(k);
	return rc;
}
