#include "config.h"

/* The keyring.
 *
 * What it protects.  The store's pages are encrypted under one random 256-bit
 * store key (localdb/cipher.c).  The keyring is the file "keyring" in the
 * store directory; it lets each officer, and the holder of the printed
 * recovery code, recover that key, and nobody else.  It must also let the
 * store key be replaced (a rekey, after an officer leaves) without anybody's
 * passphrase but the one of the officer doing it.
 *
 * Why a key pair per officer.  Wrapping the store key directly under a key
 * derived from each passphrase makes add, remove and change-passphrase cheap,
 * but a rekey would then need every officer's passphrase to wrap the new key.
 * So each officer entry holds an X25519 key pair: the secret half is wrapped
 * (XChaCha20-Poly1305) under the Argon2id key of the passphrase, the store
 * key is sealed to the public half (libsodium's crypto_box_seal: ephemeral
 * X25519 + XSalsa20-Poly1305).  Unlocking runs Argon2id, unwraps the secret
 * key, opens the seal.  A rekey seals the new store key to every public key
 * it finds; nobody's passphrase is needed.  A passphrase change makes a new
 * key pair too, so somebody who learnt an old passphrase and kept an old copy
 * of the keyring cannot open what later rekeys seal.  The recovery entry is
 * the same without the passphrase layer: its key pair is derived from the
 * 160 random bits of the recovery code (BLAKE2b keyed with the store id, then
 * crypto_box_seed_keypair), so the code needs no slow KDF and a code of one
 * store never opens another.
 *
 * The signing key.  Every officer entry also holds a personal Ed25519 key
 * pair (DESIGN §4: a supervisor signs the approvals with it).  Its public
 * half is in the clear, covered by the file MAC and by its own wrap's
 * associated data; its 32-byte seed is wrapped (XChaCha20-Poly1305, its own
 * random nonce) under the same Argon2id key as the X25519 secret, so one
 * passphrase opens both and nothing else does: not the recovery code, not
 * another officer, not an administrator.  Every officer gets one, whatever
 * their role (roles live in the database, localdb/officer.c): a promotion
 * to supervisor then needs nobody's passphrase, and the library decides who
 * may sign with it.  A passphrase change (the old passphrase proven)
 * re-wraps the same seed under the new passphrase, so the officer's public
 * key, which the registry knows, stays the same.  Setting a passphrase
 * without the old one (a reset with the recovery code) cannot open the old
 * seed and so makes a new signing key pair: the old public key still
 * verifies what was signed before, but nothing can be signed with it any
 * more.  A rekey copies the entries and only reseals the store key, so the
 * signing keys survive it untouched.
 *
 * "Wrong passphrase" or "damaged keyring".  Without a key the file cannot
 * carry an authentication tag that a passphrase holder can check before
 * knowing whether the passphrase is right, and an AEAD failure alone cannot
 * tell a wrong passphrase from a flipped bit in that entry.  So the file ends
 * with an unkeyed BLAKE2b-256 checksum of everything before it: any accidental
 * damage (bit flip, truncation, a half-copied file) fails the checksum and is
 * reported as a damaged keyring before any passphrase is tried.  When the
 * checksum holds and the structure parses, an AEAD failure on the officer's
 * entry means a wrong passphrase.  The checksum does not stop somebody who
 * edits the file on purpose and recomputes it; against that:
 *   - each wrap binds, as associated data, the header's fixed part (magic,
 *     version, store id, algorithm tags, creation limits) and the entry's own
 *     metadata (type, login, KDF tag and limits, salt, public key, nonce):
 *     changing any of them makes that passphrase fail, so an entry cannot be
 *     moved to another login, given cheaper limits or another public key;
 *   - before the trailer sits a MAC (BLAKE2b-256 keyed with a subkey of the
 *     store key) over the whole file, written at every save and checked at
 *     every unlock: an added entry, a replaced public key (which a later
 *     rekey would otherwise seal the new key to) or a removed officer is then
 *     reported as "the keyring has been altered".  This is why every change
 *     to a keyring needs it unlocked.
 * What stays possible for somebody who can write to the store directory:
 * replacing the whole store (keyring and database) by one of their own.  An
 * officer's passphrase does not open such a keyring, but a keyring with a
 * sealed key of the attacker's choice and the officer's own wrapped secret
 * does; defending against that needs a trusted place outside the directory
 * and is outside what the keyring promises (whoever can write there can as
 * well replace the program).
 *
 * Format (version 2, all integers little-endian, sizes in bytes; version 1,
 * which had no signing keys, was never released and is refused like any
 * other unknown version):
 *
 *   header, 52 bytes
 *     0  7  magic "CUTRUKR"
 *     7  1  format version, 2
 *     8 16  store id (random; also bound into every page by the cipher)
 *    24  1  KDF tag: 1 = Argon2id v1.3 (libsodium crypto_pwhash, ALG_ARGON2ID13)
 *    25  1  wrap tag: 1 = XChaCha20-Poly1305-IETF (secret key under the KDF key)
 *    26  1  seal tag: 1 = X25519 sealed box (crypto_box_seal) of the store key
 *    27  1  MAC tag: 1 = BLAKE2b-256 keyed with crypto_kdf subkey 1, "CUTRUKR1"
 *    28  8  opslimit the store was made with
 *    36  8  memlimit the store was made with (bytes)
 *           -- bytes 0..43 never change: they are every wrap's AD prefix --
 *    44  4  key generation: 1 at creation, +1 at each rekey
 *    48  2  number of entries (2..101)
 *    50  2  reserved, 0
 *   entries, first the recovery entry, then one per officer
 *     recovery (114 bytes): type 2, login length 0, public key (32),
 *       sealed store key (80)
 *     officer (324 + L bytes): type 1, login length L (1..32), login (L,
 *       a-z 0-9 . _ -), KDF tag (1), opslimit (8), memlimit (8), salt (16),
 *       public key (32), nonce (24), wrapped secret key (32 + 16 tag),
 *       sealed store key (80), then the signing key: signature tag (1:
 *       1 = Ed25519), signing public key (32), signing nonce (24), wrapped
 *       signing seed (32 + 16 tag).  The first wrap's AD is header bytes
 *       0..43 followed by the entry's bytes from its type up to and
 *       including the nonce; the signing wrap's AD is the same followed by
 *       the signature tag, the signing public key and the signing nonce.
 *       Both wraps use the one Argon2id key of the entry's salt and limits.
 *   trailer
 *     32  MAC over everything before it
 *     32  BLAKE2b-256 (unkeyed) over everything before it
 *
 * Reading checks, in this order, so each fault gets its own message: size at
 * least 8, magic, version, size at least header + trailer, checksum, tags,
 * limits within bounds (at most 32 passes and 4 GiB, so a forged entry cannot
 * make an unlock run for hours or allocate a terabyte), entry structure
 * (with each entry's signature tag),
 * logins well-formed and unique, entries ending exactly at the trailer.
 *
 * Limits.  New entries use the limits given by the caller (the store's config
 * file, localdb/store.c) or else those recorded in the header; each entry
 * records its own, so raising the config later leaves old entries openable.
 *
 * Passphrases are UTF-8 taken in NFC (ICU's unorm2 directly; core/ has no
 * normaliser that keeps its buffers in locked memory), so the same words
 * typed with precomposed or combining marks (Vietnamese keyboards differ:
 * Unikey in "Unicode dựng sẵn" vs "tổ hợp") unlock alike.  A new passphrase
 * needs 10 characters after NFC, no control characters, and at most 1024
 * bytes.  All intermediate buffers (UTF-16, NFC, the KDF key, the secret key,
 * the store key) are sodium_malloc'd and wiped by sodium_free().
 *
 * The slow-down.  The file "failures" in the store directory is text:
 * "cutru-failures 1", then one line "LOGIN COUNT UNIX-TIME" per login that
 * has failed (the recovery code counts as "*recovery"), written atomically.
 * After n wrong tries in a row the next try must wait keyring_delay_for(n)
 * seconds after the last one (0, 1, 2, 4, ... capped at 5 minutes); a
 * success clears the line.  The clock is passed in, so tests use a fake one.
 * A clock set back before the last failure restarts the wait from now rather
 * than locking the officer out until the clock catches up.  An unreadable
 * failures file counts as "no failures": whoever can damage it can delete
 * it, and the delay is meant for the person at the desk, not for an attacker
 * holding a copy of the keyring (Argon2id is what stops that one). */

#include <errno.h>
#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "core/err.h"
#include "core/i18n.h"
#include "localdb/keyring.h"
#include "localdb/storedir.h"

#define KR_MAGIC "CUTRUKR"
#define KR_VERSION 2
#define KR_FIXED 44   /* immutable header prefix, every wrap's AD */
#define KR_HEADER 52
#define KR_TRAILER 64 /* MAC + checksum */
#define KR_FILE_MAX 65536

#define TAG_KDF_ARGON2ID13 1
#define TAG_WRAP_XCHACHA20POLY1305 1
#define TAG_SEAL_X25519 1
#define TAG_MAC_BLAKE2B 1
#define TAG_SIGN_ED25519 1

#define ENTRY_OFFICER 1
#define ENTRY_RECOVERY 2

#define SALT_BYTES 16
#define PK_BYTES crypto_box_PUBLICKEYBYTES
#define SK_BYTES crypto_box_SECRETKEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define WRAPPED_BYTES (SK_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define SEALED_BYTES (KEYRING_KEY_BYTES + crypto_box_SEALBYTES)
#define RECOVERY_BYTES 20
#define RECOVERY_ENTRY_BYTES (2 + PK_BYTES + SEALED_BYTES)
#define SIGN_PK_BYTES crypto_sign_PUBLICKEYBYTES
#define SIGN_SEED_BYTES crypto_sign_SEEDBYTES
#define SIGN_WRAPPED_BYTES (SIGN_SEED_BYTES + \
	crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define SIGN_PART_BYTES (1 + SIGN_PK_BYTES + NONCE_BYTES + SIGN_WRAPPED_BYTES)
#define OFFICER_ENTRY_BYTES(l) (2 + (l) + 1 + 8 + 8 + SALT_BYTES + PK_BYTES + \
	NONCE_BYTES + WRAPPED_BYTES + SEALED_BYTES + SIGN_PART_BYTES)
#define OFFICER_AD_MAX (KR_FIXED + 2 + KEYRING_LOGIN_MAX + 1 + 8 + 8 + \
	SALT_BYTES + PK_BYTES + NONCE_BYTES)
#define SIGN_AD_MAX (OFFICER_AD_MAX + 1 + SIGN_PK_BYTES + NONCE_BYTES)

#define OPSLIMIT_CAP 32ULL
#define MEMLIMIT_CAP (4ULL << 30)

#define RECOVERY_LOGIN "*recovery"
#define FAILURES_MAGIC "cutru-failures 1"
#define FAILURES_FILE_MAX 16384
#define FAILURES_MAX (KEYRING_OFFICERS_MAX + 1)

struct kr_entry {
	char login[KEYRING_LOGIN_MAX + 1]; /* "" for the recovery entry */
	struct keyring_kdf kdf;
	unsigned char salt[SALT_BYTES];
	unsigned char pk[PK_BYTES];
	unsigned char nonce[NONCE_BYTES];
	unsigned char wrapped[WRAPPED_BYTES];
	unsigned char sealed[SEALED_BYTES];
	/* The officer's Ed25519 signing key (unused in the recovery entry). */
	unsigned char sign_pk[SIGN_PK_BYTES];
	unsigned char sign_nonce[NONCE_BYTES];
	unsigned char sign_wrapped[SIGN_WRAPPED_BYTES];
};

struct keyring {
	char dir[STOREDIR_PATH_MAX];
	unsigned char store_id[KEYRING_STORE_ID_BYTES];
	struct keyring_kdf kdf;      /* limits the store was made with */
	uint32_t generation;
	struct kr_entry recovery;
	size_t n;                    /* officers */
	struct kr_entry officer[KEYRING_OFFICERS_MAX];
	unsigned char *key;          /* sodium_malloc'd; NULL while locked */
	unsigned char *image;        /* the file as loaded or last saved */
	size_t image_len;
};

/* ------------------------------------------------------------ helpers */

static void
put_le16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
put_le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint16_t
get_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
get_le32(const unsigned char *p)
{
	uint32_t v = 0;
	int i;

	for (i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t
get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int
sodium_ready(struct cutru_err *e)
{
	if (sodium_init() < 0)
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The cryptographic library could not be started."));
	return CUTRU_OK;
}

static int
no_memory(struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
}

/* sodium_malloc() places the block against a guard page, so it is aligned
 * only as far as n is a multiple of the alignment: every caller asks for a
 * whole number of its elements. */
static void *
secret_alloc(size_t n)
{
	return sodium_malloc(n == 0 ? 1 : n);
}

static void
secret_free(void *p)
{
	/* sodium_free() wipes the memory before releasing it. */
	if (p != NULL)
		sodium_free(p);
}

/* Drop the file image: the keyring no longer matches what was read. */
static void
forget_image(struct keyring *kr)
{
	free(kr->image);
	kr->image = NULL;
	kr->image_len = 0;
}

/* ------------------------------------------------------------ KDF limits */

void
keyring_kdf_default(struct keyring_kdf *kdf)
{
	kdf->opslimit = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
	kdf->memlimit = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
}

void
keyring_kdf_min(struct keyring_kdf *kdf)
{
	kdf->opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
	kdf->memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
}

int
keyring_kdf_check(const struct keyring_kdf *kdf, struct cutru_err *e)
{
	if (kdf == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "kdf",
		    _("No key derivation limits were given."));
	if (kdf->opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
	    kdf->opslimit > OPSLIMIT_CAP)
		return cutru_err_set(e, CUTRU_ERANGE, "kdf_opslimit",
		    _("The key derivation pass count %llu is out of range; it "
		    "must be between %llu and %llu."), kdf->opslimit,
		    (unsigned long long)crypto_pwhash_argon2id_OPSLIMIT_MIN,
		    OPSLIMIT_CAP);
	if (kdf->memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
	    kdf->memlimit > MEMLIMIT_CAP || kdf->memlimit > SIZE_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "kdf_memlimit",
		    _("The key derivation memory %llu bytes is out of range; "
		    "it must be between %llu and %llu bytes."),
		    kdf->memlimit,
		    (unsigned long long)crypto_pwhash_argon2id_MEMLIMIT_MIN,
		    MEMLIMIT_CAP);
	return CUTRU_OK;
}

/* ------------------------------------------------------------ names */

int
keyring_login_check(const char *login, struct cutru_err *e)
{
	size_t i, n;

	if (login == NULL || login[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "login",
		    _("The officer login is empty."));
	n = strnlen(login, KEYRING_LOGIN_MAX + 1);
	if (n > KEYRING_LOGIN_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "login",
		    _("The officer login is longer than %d characters."),
		    KEYRING_LOGIN_MAX);
	if (login[0] < 'a' || login[0] > 'z')
		return cutru_err_set(e, CUTRU_EINVAL, "login",
		    _("An officer login must start with a small letter a-z."));
	for (i = 1; i < n; i++) {
		char c = login[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-')
			continue;
		return cutru_err_set(e, CUTRU_EINVAL, "login",
		    _("An officer login may only use small letters a-z, "
		    "digits, '.', '_' and '-'."));
	}
	return CUTRU_OK;
}

static struct kr_entry *
find_officer(const struct keyring *kr, const char *login)
{
	size_t i;

	if (login == NULL)
		return NULL;
	for (i = 0; i < kr->n; i++)
		if (strcmp(kr->officer[i].login, login) == 0)
			return (struct kr_entry *)&kr->officer[i];
	return NULL;
}

/* ------------------------------------------------------------ passphrases */

/* The passphrase in NFC UTF-8, in sodium_malloc memory (*out, freed with
 * secret_free(); *outlen bytes, NUL-terminated).  strict: the rules for a
 * new passphrase (length, no control characters). */
static int
passphrase_nfc(const char *pass, int strict, unsigned char **out,
    size_t *outlen, struct cutru_err *e)
{
	const UNormalizer2 *nfc;
	UErrorCode st = U_ZERO_ERROR;
	UChar *u = NULL, *v = NULL;
	unsigned char *o = NULL;
	int32_t ulen = 0, vlen = 0, olen = 0, i, chars;
	size_t n;
	UChar32 c;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (pass == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "passphrase",
		    _("No passphrase was given."));
	n = strnlen(pass, KEYRING_PASSPHRASE_MAX + 1);
	if (n > KEYRING_PASSPHRASE_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "passphrase",
		    _("The passphrase is longer than %d bytes."),
		    KEYRING_PASSPHRASE_MAX);
	u = secret_alloc((n + 1) * sizeof(UChar));
	v = secret_alloc((3 * n + 1) * sizeof(UChar));
	o = secret_alloc(9 * n + 1);
	if (u == NULL || v == NULL || o == NULL) {
		rc = no_memory(e);
		goto done;
	}
	u_strFromUTF8(u, (int32_t)n + 1, &ulen, pass, (int32_t)n, &st);
	if (U_FAILURE(st)) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "passphrase",
		    _("The passphrase is not valid UTF-8 text; check the "
		    "keyboard's input method and type it again."));
		goto done;
	}
	if (strict) {
		for (i = 0; i < ulen;) {
			U16_NEXT(u, i, ulen, c);
			if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
				rc = cutru_err_set(e, CUTRU_EINVAL,
				    "passphrase",
				    _("The passphrase contains a control "
				    "character (such as a tab); use only "
				    "characters you can type and see."));
				goto done;
			}
		}
	}
	nfc = unorm2_getNFCInstance(&st);
	if (U_SUCCESS(st))
		vlen = unorm2_normalize(nfc, u, ulen, v, 3 * (int32_t)n + 1,
		    &st);
	if (U_SUCCESS(st))
		u_strToUTF8((char *)o, 9 * (int32_t)n + 1, &olen, v, vlen,
		    &st);
	if (U_FAILURE(st)) {
		rc = cutru_err_set(e, CUTRU_EINTERNAL, "passphrase",
		    _("The passphrase could not be normalised (%s)."),
		    u_errorName(st));
		goto done;
	}
	if (strict) {
		chars = u_countChar32(v, vlen);
		if (chars < KEYRING_PASSPHRASE_MIN) {
			rc = cutru_err_set(e, CUTRU_EINVAL, "passphrase",
			    _("The passphrase is too short: it has %d "
			    "characters and needs at least %d. A few "
			    "words make a passphrase easy to remember."),
			    (int)chars, KEYRING_PASSPHRASE_MIN);
			goto done;
		}
	}
	o[olen] = '\0';
	*out = o;
	*outlen = (size_t)olen;
	o = NULL;
	rc = CUTRU_OK;
done:
	secret_free(u);
	secret_free(v);
	secret_free(o);
	return rc;
}

int
keyring_passphrase_check(const char *passphrase, struct cutru_err *e)
{
	unsigned char *p;
	size_t n;
	int rc;

	rc = passphrase_nfc(passphrase, 1, &p, &n, e);
	secret_free(p);
	return rc;
}

/* ------------------------------------------------------------ recovery code */

/* Crockford's base32: no I, L, O, U, so nothing reads as another symbol. */
static const char b32_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int
b32_value(int c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	if (c == 'O')
		return 0;
	if (c == 'I' || c == 'L')
		return 1;
	if (c == '\0')
		return -1;
	p = strchr(b32_alphabet, c);
	return p != NULL ? (int)(p - b32_alphabet) : -1;
}

/* Multiplication in GF(32) modulo x^5 + x^2 + 1. */
static unsigned
gf32_mul(unsigned a, unsigned b)
{
	unsigned r = 0;

	while (b != 0) {
		if (b & 1)
			r ^= a;
		b >>= 1;
		a <<= 1;
		if (a & 32)
			a ^= 0x25;
	}
	return r & 31;
}

/* The check symbol of group g (0-based): a weighted sum in GF(32) of the
 * four data symbols and the group number.  Distinct non-zero weights make
 * any one wrong symbol and any swap of two different neighbours change it;
 * the group number makes a group typed in the wrong place fail too. */
static unsigned
group_check(unsigned g, const unsigned *d)
{
	static const unsigned w[4] = { 2, 4, 8, 16 };
	unsigned c, j;

	c = gf32_mul(5, g + 1);
	for (j = 0; j < 4; j++)
		c ^= gf32_mul(w[j], d[j]);
	return c;
}

static void
recovery_encode(const unsigned char *bytes, char *code)
{
	unsigned vals[32], g, j, bit;
	char *p = code;

	for (j = 0; j < 32; j++) {
		vals[j] = 0;
		for (bit = 0; bit < 5; bit++) {
			unsigned k = j * 5 + bit;

			vals[j] = (vals[j] << 1) |
			    ((bytes[k / 8] >> (7 - k % 8)) & 1);
		}
	}
	for (g = 0; g < KEYRING_RECOVERY_GROUPS; g++) {
		if (g > 0)
			*p++ = '-';
		for (j = 0; j < 4; j++)
			*p++ = b32_alphabet[vals[4 * g + j]];
		*p++ = b32_alphabet[group_check(g, &vals[4 * g])];
	}
	*p = '\0';
	sodium_memzero(vals, sizeof vals);
}

int
keyring_recovery_decode(const char *code, unsigned char *bytes,
    struct cutru_err *e)
{
	const unsigned total = KEYRING_RECOVERY_GROUPS *
	    KEYRING_RECOVERY_GROUP_LEN;
	unsigned vals[KEYRING_RECOVERY_GROUPS * KEYRING_RECOVERY_GROUP_LEN];
	unsigned data[32], g, j, k;
	size_t count = 0, i;
	int v, rc = CUTRU_OK;

	if (code == NULL || bytes == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "recovery_code",
		    _("No recovery code was given."));
	for (i = 0; code[i] != '\0'; i++) {
		unsigned char c = (unsigned char)code[i];

		if (c == ' ' || c == '-' || c == '\t')
			continue;
		v = b32_value(c);
		if (v < 0) {
			if (c >= 0x21 && c <= 0x7e)
				rc = cutru_err_set(e, CUTRU_EINVAL,
				    "recovery_code",
				    _("The recovery code has a character that "
				    "recovery codes do not use ('%c') in "
				    "group %u."), c,
				    (unsigned)(count / KEYRING_RECOVERY_GROUP_LEN)
				    + 1);
			else
				rc = cutru_err_set(e, CUTRU_EINVAL,
				    "recovery_code",
				    _("The recovery code has a character that "
				    "recovery codes do not use in group %u; "
				    "they use only the letters A-Z and the "
				    "digits 0-9."),
				    (unsigned)(count / KEYRING_RECOVERY_GROUP_LEN)
				    + 1);
			goto done;
		}
		if (count < total)
			vals[count] = (unsigned)v;
		count++;
	}
	if (count != total) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "recovery_code",
		    _("A recovery code has %u letters and digits (%u groups "
		    "of %u), but %zu were typed."), total,
		    (unsigned)KEYRING_RECOVERY_GROUPS,
		    (unsigned)KEYRING_RECOVERY_GROUP_LEN, count);
		goto done;
	}
	for (g = 0; g < KEYRING_RECOVERY_GROUPS; g++) {
		const unsigned *grp = &vals[g * KEYRING_RECOVERY_GROUP_LEN];

		if (group_check(g, grp) != grp[4]) {
			rc = cutru_err_set(e, CUTRU_EINVAL, "recovery_code",
			    _("The recovery code has a typo in group %u; "
			    "compare it with the printed code."), g + 1);
			goto done;
		}
		for (j = 0; j < 4; j++)
			data[4 * g + j] = grp[j];
	}
	memset(bytes, 0, RECOVERY_BYTES);
	for (j = 0; j < 32; j++)
		for (k = 0; k < 5; k++) {
			unsigned bit = j * 5 + k;

			if ((data[j] >> (4 - k)) & 1)
				bytes[bit / 8] |= (unsigned char)
				    (0x80 >> (bit % 8));
		}
done:
	sodium_memzero(vals, sizeof vals);
	sodium_memzero(data, sizeof data);
	return rc;
}

/* The recovery key pair for code bytes in this store.  sk is secret memory
 * of SK_BYTES. */
static int
recovery_keypair(const struct keyring *kr, const unsigned char *bytes,
    unsigned char *pk, unsigned char *sk, struct cutru_err *e)
{
	static const char label[] = "cutru-recovery-v1";
	crypto_generichash_state *h;
	unsigned char *seed;
	int rc = CUTRU_OK;

	h = secret_alloc(sizeof *h);
	seed = secret_alloc(crypto_box_SEEDBYTES);
	if (h == NULL || seed == NULL) {
		rc = no_memory(e);
		goto done;
	}
	crypto_generichash_init(h, kr->store_id, sizeof kr->store_id,
	    crypto_box_SEEDBYTES);
	crypto_generichash_update(h, (const unsigned char *)label,
	    sizeof label - 1);
	crypto_generichash_update(h, bytes, RECOVERY_BYTES);
	crypto_generichash_final(h, seed, crypto_box_SEEDBYTES);
	if (crypto_box_seed_keypair(pk, sk, seed) != 0)
		rc = cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The recovery key could not be derived."));
done:
	secret_free(h);
	secret_free(seed);
	return rc;
}

/* ------------------------------------------------------------ layout */

static void
header_fixed(const struct keyring *kr, unsigned char *p)
{
	memcpy(p, KR_MAGIC, 7);
	p[7] = KR_VERSION;
	memcpy(p + 8, kr->store_id, KEYRING_STORE_ID_BYTES);
	p[24] = TAG_KDF_ARGON2ID13;
	p[25] = TAG_WRAP_XCHACHA20POLY1305;
	p[26] = TAG_SEAL_X25519;
	p[27] = TAG_MAC_BLAKE2B;
	put_le64(p + 28, kr->kdf.opslimit);
	put_le64(p + 36, kr->kdf.memlimit);
}

/* An officer entry's bytes from its type through the nonce; returns the
 * length. */
static size_t
officer_prefix(const struct kr_entry *en, unsigned char *p)
{
	size_t l = strlen(en->login), o = 0;

	p[o++] = ENTRY_OFFICER;
	p[o++] = (unsigned char)l;
	memcpy(p + o, en->login, l);
	o += l;
	p[o++] = TAG_KDF_ARGON2ID13;
	put_le64(p + o, en->kdf.opslimit);
	o += 8;
	put_le64(p + o, en->kdf.memlimit);
	o += 8;
	memcpy(p + o, en->salt, SALT_BYTES);
	o += SALT_BYTES;
	memcpy(p + o, en->pk, PK_BYTES);
	o += PK_BYTES;
	memcpy(p + o, en->nonce, NONCE_BYTES);
	o += NONCE_BYTES;
	return o;
}

/* The associated data of an officer's wrap; returns its length. */
static size_t
officer_ad(const struct keyring *kr, const struct kr_entry *en,
    unsigned char *ad)
{
	header_fixed(kr, ad);
	return KR_FIXED + officer_prefix(en, ad + KR_FIXED);
}

/* The associated data of an officer's signing-seed wrap (ad holds
 * SIGN_AD_MAX bytes); returns its length. */
static size_t
sign_ad(const struct keyring *kr, const struct kr_entry *en,
    unsigned char *ad)
{
	size_t o = officer_ad(kr, en, ad);

	ad[o++] = TAG_SIGN_ED25519;
	memcpy(ad + o, en->sign_pk, SIGN_PK_BYTES);
	o += SIGN_PK_BYTES;
	memcpy(ad + o, en->sign_nonce, NONCE_BYTES);
	return o + NONCE_BYTES;
}

static int
mac_key(const unsigned char *store_key, unsigned char *k)
{
	return crypto_kdf_derive_from_key(k, crypto_generichash_KEYBYTES, 1,
	    "CUTRUKR1", store_key);
}

/* MAC of b[0..len) under the store key. */
static int
file_mac(const unsigned char *store_key, const unsigned char *b, size_t len,
    unsigned char *mac, struct cutru_err *e)
{
	unsigned char *k;

	k = secret_alloc(crypto_generichash_KEYBYTES);
	if (k == NULL)
		return no_memory(e);
	if (mac_key(store_key, k) != 0) {
		secret_free(k);
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The keyring's authentication key could not be "
		    "derived."));
	}
	crypto_generichash(mac, 32, b, len, k, crypto_generichash_KEYBYTES);
	secret_free(k);
	return CUTRU_OK;
}

/* Serialise into a malloc'd buffer with MAC and checksum. */
static int
serialise(const struct keyring *kr, unsigned char **out, size_t *outlen,
    struct cutru_err *e)
{
	unsigned char *b;
	size_t o, i;
	int rc;

	*out = NULL;
	*outlen = 0;
	b = malloc(KR_FILE_MAX);
	if (b == NULL)
		return no_memory(e);
	header_fixed(kr, b);
	put_le32(b + 44, kr->generation);
	put_le16(b + 48, (uint16_t)(kr->n + 1));
	put_le16(b + 50, 0);
	o = KR_HEADER;
	b[o++] = ENTRY_RECOVERY;
	b[o++] = 0;
	memcpy(b + o, kr->recovery.pk, PK_BYTES);
	o += PK_BYTES;
	memcpy(b + o, kr->recovery.sealed, SEALED_BYTES);
	o += SEALED_BYTES;
	for (i = 0; i < kr->n; i++) {
		const struct kr_entry *en = &kr->officer[i];

		o += officer_prefix(en, b + o);
		memcpy(b + o, en->wrapped, WRAPPED_BYTES);
		o += WRAPPED_BYTES;
		memcpy(b + o, en->sealed, SEALED_BYTES);
		o += SEALED_BYTES;
		b[o++] = TAG_SIGN_ED25519;
		memcpy(b + o, en->sign_pk, SIGN_PK_BYTES);
		o += SIGN_PK_BYTES;
		memcpy(b + o, en->sign_nonce, NONCE_BYTES);
		o += NONCE_BYTES;
		memcpy(b + o, en->sign_wrapped, SIGN_WRAPPED_BYTES);
		o += SIGN_WRAPPED_BYTES;
	}
	if ((rc = file_mac(kr->key, b, o, b + o, e)) != CUTRU_OK) {
		free(b);
		return rc;
	}
	o += 32;
	crypto_generichash(b + o, 32, b, o, NULL, 0);
	o += 32;
	*out = b;
	*outlen = o;
	return CUTRU_OK;
}

enum damage {
	DAMAGE_SHORT,
	DAMAGE_SUM,
	DAMAGE_FORMAT
};

static int
damaged(struct cutru_err *e, const char *path, enum damage why)
{
	switch (why) {
	case DAMAGE_SHORT:
		return cutru_err_set(e, CUTRU_EIO, "keyring",
		    _("The keyring %s is damaged: it is cut short. Restore "
		    "the keyring from a backup copy."), path);
	case DAMAGE_SUM:
		return cutru_err_set(e, CUTRU_EIO, "keyring",
		    _("The keyring %s is damaged: its checksum does not match "
		    "its contents. Restore the keyring from a backup copy."),
		    path);
	case DAMAGE_FORMAT:
	default:
		return cutru_err_set(e, CUTRU_EIO, "keyring",
		    _("The keyring %s is damaged: its contents do not follow "
		    "the keyring format. Restore the keyring from a backup "
		    "copy."), path);
	}
}

/* Cursor over the entries while parsing. */
struct rd {
	const unsigned char *b;
	size_t off, end;
};

static const unsigned char *
take(struct rd *r, size_t n)
{
	const unsigned char *p;

	if (r->end - r->off < n)
		return NULL;
	p = r->b + r->off;
	r->off += n;
	return p;
}

static int
unknown_tag(struct cutru_err *e, const char *path, unsigned tag)
{
	return cutru_err_set(e, CUTRU_EIO, "keyring",
	    _("The keyring %s uses an algorithm that this version of cutru "
	    "does not know (tag %u); open it with a newer cutru."), path,
	    tag);
}

static int
parse_officer(struct keyring *kr, struct rd *r, const char *path,
    struct cutru_err *e)
{
	struct kr_entry *en = &kr->officer[kr->n];
	const unsigned char *p;
	size_t l;

	memset(en, 0, sizeof *en);
	if ((p = take(r, 1)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	l = p[0];
	if (l == 0 || l > KEYRING_LOGIN_MAX || (p = take(r, l)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	memcpy(en->login, p, l);
	en->login[l] = '\0';
	if (keyring_login_check(en->login, NULL) != CUTRU_OK ||
	    strlen(en->login) != l || find_officer(kr, en->login) != NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	if ((p = take(r, 1 + 8 + 8)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	if (p[0] != TAG_KDF_ARGON2ID13)
		return unknown_tag(e, path, p[0]);
	en->kdf.opslimit = get_le64(p + 1);
	en->kdf.memlimit = get_le64(p + 9);
	if (keyring_kdf_check(&en->kdf, NULL) != CUTRU_OK)
		return damaged(e, path, DAMAGE_FORMAT);
	if ((p = take(r, SALT_BYTES)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	memcpy(en->salt, p, SALT_BYTES);
	if ((p = take(r, PK_BYTES)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	memcpy(en->pk, p, PK_BYTES);
	if ((p = take(r, NONCE_BYTES)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	memcpy(en->nonce, p, NONCE_BYTES);
	if ((p = take(r, WRAPPED_BYTES)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	memcpy(en->wrapped, p, WRAPPED_BYTES);
	if ((p = take(r, SEALED_BYTES)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	memcpy(en->sealed, p, SEALED_BYTES);
	if ((p = take(r, 1)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	if (p[0] != TAG_SIGN_ED25519)
		return unknown_tag(e, path, p[0]);
	if ((p = take(r, SIGN_PK_BYTES)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	memcpy(en->sign_pk, p, SIGN_PK_BYTES);
	if ((p = take(r, NONCE_BYTES)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	memcpy(en->sign_nonce, p, NONCE_BYTES);
	if ((p = take(r, SIGN_WRAPPED_BYTES)) == NULL)
		return damaged(e, path, DAMAGE_FORMAT);
	memcpy(en->sign_wrapped, p, SIGN_WRAPPED_BYTES);
	kr->n++;
	return CUTRU_OK;
}

static int
parse(struct keyring *kr, const unsigned char *b, size_t len,
    const char *path, struct cutru_err *e)
{
	unsigned char sum[32];
	const unsigned char *p;
	struct rd r;
	unsigned i, count;
	int rc;

	if (len < 8)
		return damaged(e, path, DAMAGE_SHORT);
	if (memcmp(b, KR_MAGIC, 7) != 0)
		return cutru_err_set(e, CUTRU_EIO, "keyring",
		    _("%s is not a cutru keyring (it does not start with "
		    "\"CUTRUKR\"). Restore the keyring from a backup copy."),
		    path);
	if (b[7] != KR_VERSION)
		return cutru_err_set(e, CUTRU_EIO, "keyring",
		    _("The keyring %s has format version %u, which this "
		    "version of cutru cannot read (it reads version %u)."),
		    path, (unsigned)b[7], (unsigned)KR_VERSION);
	if (len < KR_HEADER + RECOVERY_ENTRY_BYTES + KR_TRAILER)
		return damaged(e, path, DAMAGE_SHORT);
	crypto_generichash(sum, sizeof sum, b, len - 32, NULL, 0);
	if (sodium_memcmp(sum, b + len - 32, 32) != 0)
		return damaged(e, path, DAMAGE_SUM);
	for (i = 24; i < 28; i++)
		if (b[i] != 1)
			return unknown_tag(e, path, b[i]);
	memcpy(kr->store_id, b + 8, KEYRING_STORE_ID_BYTES);
	kr->kdf.opslimit = get_le64(b + 28);
	kr->kdf.memlimit = get_le64(b + 36);
	kr->generation = get_le32(b + 44);
	count = get_le16(b + 48);
	if (keyring_kdf_check(&kr->kdf, NULL) != CUTRU_OK ||
	    kr->generation == 0 || get_le16(b + 50) != 0 || count < 2 ||
	    count > KEYRING_OFFICERS_MAX + 1)
		return damaged(e, path, DAMAGE_FORMAT);
	r.b = b;
	r.off = KR_HEADER;
	r.end = len - KR_TRAILER;
	if ((p = take(&r, RECOVERY_ENTRY_BYTES)) == NULL ||
	    p[0] != ENTRY_RECOVERY || p[1] != 0)
		return damaged(e, path, DAMAGE_FORMAT);
	memset(&kr->recovery, 0, sizeof kr->recovery);
	memcpy(kr->recovery.pk, p + 2, PK_BYTES);
	memcpy(kr->recovery.sealed, p + 2 + PK_BYTES, SEALED_BYTES);
	kr->n = 0;
	for (i = 1; i < count; i++) {
		if ((p = take(&r, 1)) == NULL || p[0] != ENTRY_OFFICER)
			return damaged(e, path, DAMAGE_FORMAT);
		if ((rc = parse_officer(kr, &r, path, e)) != CUTRU_OK)
			return rc;
	}
	if (r.off != r.end)
		return damaged(e, path, DAMAGE_FORMAT);
	return CUTRU_OK;
}

/* ------------------------------------------------------------ lifecycle */

static int
keyring_alloc(const char *dir, struct keyring **out, struct cutru_err *e)
{
	struct keyring *kr;
	int n;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("No store path was given."));
	kr = calloc(1, sizeof *kr);
	if (kr == NULL)
		return no_memory(e);
	n = snprintf(kr->dir, sizeof kr->dir, "%s", dir);
	/* Leave room for the file names joined to it. */
	if (n < 0 || (size_t)n >= sizeof kr->dir - 64) {
		free(kr);
		return cutru_err_set(e, CUTRU_ERANGE, "store",
		    _("The store path %.64s... is too long."), dir);
	}
	*out = kr;
	return CUTRU_OK;
}

void
keyring_free(struct keyring *kr)
{
	if (kr == NULL)
		return;
	secret_free(kr->key);
	free(kr->image);
	sodium_memzero(kr, sizeof *kr);
	free(kr);
}

void
keyring_lock(struct keyring *kr)
{
	if (kr == NULL)
		return;
	secret_free(kr->key);
	kr->key = NULL;
}

const unsigned char *
keyring_key(const struct keyring *kr)
{
	return kr != NULL ? kr->key : NULL;
}

const unsigned char *
keyring_store_id(const struct keyring *kr)
{
	return kr->store_id;
}

uint32_t
keyring_generation(const struct keyring *kr)
{
	return kr->generation;
}

void
keyring_kdf_created(const struct keyring *kr, struct keyring_kdf *kdf)
{
	*kdf = kr->kdf;
}

size_t
keyring_officer_count(const struct keyring *kr)
{
	return kr->n;
}

const char *
keyring_officer_login(const struct keyring *kr, size_t i)
{
	return i < kr->n ? kr->officer[i].login : NULL;
}

int
keyring_officer_kdf(const struct keyring *kr, const char *login,
    struct keyring_kdf *kdf, struct cutru_err *e)
{
	const struct kr_entry *en = find_officer(kr, login);

	if (en == NULL)
		return cutru_err_set(e, CUTRU_ENOTFOUND, "login",
		    _("There is no officer '%s' in this store's keyring."),
		    login != NULL ? login : "");
	*kdf = en->kdf;
	return CUTRU_OK;
}

static int
need_unlocked(const struct keyring *kr, struct cutru_err *e)
{
	if (kr == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "keyring",
		    _("No keyring was given."));
	if (kr->key == NULL)
		return cutru_err_set(e, CUTRU_EPERM, "keyring",
		    _("The keyring must be unlocked by an officer's "
		    "passphrase or the recovery code first."));
	return CUTRU_OK;
}

/* Seal the store key to pk. */
static int
seal_key(const struct keyring *kr, const unsigned char *pk,
    unsigned char *sealed, struct cutru_err *e)
{
	if (crypto_box_seal(sealed, kr->key, KEYRING_KEY_BYTES, pk) != 0)
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The store key could not be sealed."));
	return CUTRU_OK;
}

/* A fresh recovery code (written to code) and entry. */
static int
make_recovery(struct keyring *kr, char *code, struct cutru_err *e)
{
	unsigned char *bytes, *sk;
	int rc;

	bytes = secret_alloc(RECOVERY_BYTES);
	sk = secret_alloc(SK_BYTES);
	if (bytes == NULL || sk == NULL) {
		rc = no_memory(e);
		goto done;
	}
	randombytes_buf(bytes, RECOVERY_BYTES);
	if ((rc = recovery_keypair(kr, bytes, kr->recovery.pk, sk, e)) != 0)
		goto done;
	if ((rc = seal_key(kr, kr->recovery.pk, kr->recovery.sealed, e)) != 0)
		goto done;
	kr->recovery.login[0] = '\0';
	recovery_encode(bytes, code);
done:
	secret_free(bytes);
	secret_free(sk);
	return rc;
}

int
keyring_create(const char *dir, const struct keyring_kdf *kdf,
    struct keyring **out, char *code, struct cutru_err *e)
{
	struct keyring *kr = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || code == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "keyring",
		    _("No place was given for the new keyring or its "
		    "recovery code."));
	code[0] = '\0';
	if ((rc = sodium_ready(e)) != CUTRU_OK)
		return rc;
	if ((rc = keyring_alloc(dir, &kr, e)) != CUTRU_OK)
		return rc;
	if (kdf != NULL)
		kr->kdf = *kdf;
	else
		keyring_kdf_default(&kr->kdf);
	if ((rc = keyring_kdf_check(&kr->kdf, e)) != CUTRU_OK)
		goto done;
	randombytes_buf(kr->store_id, sizeof kr->store_id);
	kr->generation = 1;
	kr->key = secret_alloc(KEYRING_KEY_BYTES);
	if (kr->key == NULL) {
		rc = no_memory(e);
		goto done;
	}
	randombytes_buf(kr->key, KEYRING_KEY_BYTES);
	if ((rc = make_recovery(kr, code, e)) != CUTRU_OK)
		goto done;
	*out = kr;
	kr = NULL;
done:
	keyring_free(kr);
	return rc;
}

int
keyring_load(const char *dir, struct keyring **out, struct cutru_err *e)
{
	char path[STOREDIR_PATH_MAX];
	struct keyring *kr = NULL;
	unsigned char *b = NULL;
	size_t len;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "keyring",
		    _("No place was given for the keyring."));
	if ((rc = sodium_ready(e)) != CUTRU_OK)
		return rc;
	if ((rc = keyring_alloc(dir, &kr, e)) != CUTRU_OK)
		return rc;
	if ((rc = storedir_join(path, sizeof path, dir, STOREDIR_KEYRING,
	    e)) != CUTRU_OK)
		goto done;
	rc = storedir_read_file(dir, STOREDIR_KEYRING, _("keyring"),
	    KR_FILE_MAX, STOREDIR_PRIVATE, &b, &len, e);
	if (rc != CUTRU_OK)
		goto done;
	if ((rc = parse(kr, b, len, path, e)) != CUTRU_OK)
		goto done;
	kr->image = b;
	kr->image_len = len;
	b = NULL;
	*out = kr;
	kr = NULL;
done:
	free(b);
	keyring_free(kr);
	return rc;
}

int
keyring_save(struct keyring *kr, struct cutru_err *e)
{
	unsigned char *b = NULL;
	size_t len;
	int rc;

	if ((rc = need_unlocked(kr, e)) != CUTRU_OK)
		return rc;
	if (kr->n == 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, "login",
		    _("A keyring needs at least one officer; add one before "
		    "saving."));
	if ((rc = serialise(kr, &b, &len, e)) != CUTRU_OK)
		return rc;
	rc = storedir_write_atomic(kr->dir, STOREDIR_KEYRING, b, len, 0600, e);
	if (rc != CUTRU_OK) {
		free(b);
		return rc;
	}
	forget_image(kr);
	kr->image = b;
	kr->image_len = len;
	return CUTRU_OK;
}

/* ------------------------------------------------------------ slow-down */

struct failure {
	char login[KEYRING_LOGIN_MAX + 1];
	unsigned count;
	long long last;
};

long long
keyring_delay_for(unsigned n)
{
	if (n <= 1)
		return 0;
	if (n - 2 >= 9) /* 2^9 = 512 > the cap */
		return KEYRING_DELAY_MAX;
	return (1LL << (n - 2)) < KEYRING_DELAY_MAX ? (1LL << (n - 2)) :
	    KEYRING_DELAY_MAX;
}

/* Read dir/failures into tab (at most FAILURES_MAX lines).  A missing or
 * unreadable file is no failures; a file others may use is an error, as
 * whoever can write to it could reset the counters. */
static int
failures_load(const char *dir, struct failure *tab, size_t *n,
    struct cutru_err *e)
{
	unsigned char *b = NULL;
	char *line, *save = NULL;
	size_t len;
	int rc;

	*n = 0;
	rc = storedir_read_file(dir, STOREDIR_FAILURES, _("failure counter"),
	    FAILURES_FILE_MAX, STOREDIR_PRIVATE, &b, &len, e);
	if (rc == CUTRU_ENOTFOUND || rc == CUTRU_EIO) {
		cutru_err_clear(e);
		return CUTRU_OK;
	}
	if (rc != CUTRU_OK)
		return rc;
	if (strlen((char *)b) != len)
		goto done;
	line = strtok_r((char *)b, "\n", &save);
	if (line == NULL || strcmp(line, FAILURES_MAGIC) != 0)
		goto done;
	while ((line = strtok_r(NULL, "\n", &save)) != NULL &&
	    *n < FAILURES_MAX) {
		struct failure *f = &tab[*n];
		char login[KEYRING_LOGIN_MAX + 2];
		unsigned count;
		long long last;
		int used = 0;

		if (sscanf(line, "%33s %u %lld%n", login, &count, &last,
		    &used) != 3 || line[used] != '\0' ||
		    strlen(login) > KEYRING_LOGIN_MAX)
			continue;
		if (strcmp(login, RECOVERY_LOGIN) != 0 &&
		    keyring_login_check(login, NULL) != CUTRU_OK)
			continue;
		snprintf(f->login, sizeof f->login, "%s", login);
		f->count = count;
		f->last = last;
		(*n)++;
	}
done:
	free(b);
	return CUTRU_OK;
}

static int
failures_save(const char *dir, const struct failure *tab, size_t n,
    struct cutru_err *e)
{
	char *b;
	size_t cap = 64 + n * (KEYRING_LOGIN_MAX + 48), o = 0, i;
	int k, rc;

	b = malloc(cap);
	if (b == NULL)
		return no_memory(e);
	k = snprintf(b, cap, "%s\n", FAILURES_MAGIC);
	o = (size_t)k;
	for (i = 0; i < n; i++) {
		if (tab[i].count == 0)
			continue;
		k = snprintf(b + o, cap - o, "%s %u %lld\n", tab[i].login,
		    tab[i].count, tab[i].last);
		if (k < 0 || (size_t)k >= cap - o)
			break;
		o += (size_t)k;
	}
	rc = storedir_write_atomic(dir, STOREDIR_FAILURES, b, o, 0600, e);
	free(b);
	return rc;
}

static struct failure *
failure_find(struct failure *tab, size_t n, const char *login)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].login, login) == 0)
			return &tab[i];
	return NULL;
}

int
keyring_delay_remaining(const char *dir, const char *login, time_t now,
    long long *wait, struct cutru_err *e)
{
	struct failure tab[FAILURES_MAX], *f;
	long long w;
	size_t n;
	int rc;

	*wait = 0;
	if ((rc = failures_load(dir, tab, &n, e)) != CUTRU_OK)
		return rc;
	f = failure_find(tab, n, login);
	if (f == NULL || f->count == 0)
		return CUTRU_OK;
	if ((long long)now < f->last) {
		/* The clock went back: restart the wait from now. */
		f->last = (long long)now;
		if ((rc = failures_save(dir, tab, n, e)) != CUTRU_OK)
			return rc;
	}
	w = keyring_delay_for(f->count) - ((long long)now - f->last);
	*wait = w > 0 ? w : 0;
	return CUTRU_OK;
}

/* Count a failure (ok = 0) or clear the counter (ok = 1) for login.
 * Drops lines of officers no longer in kr. */
static int
failures_record(const struct keyring *kr, const char *login, int ok,
    time_t now, unsigned *count, struct cutru_err *e)
{
	struct failure tab[FAILURES_MAX], *f;
	size_t n, i, j;
	int rc;

	*count = 0;
	if ((rc = failures_load(kr->dir, tab, &n, e)) != CUTRU_OK)
		return rc;
	for (i = j = 0; i < n; i++)
		if (strcmp(tab[i].login, RECOVERY_LOGIN) == 0 ||
		    find_officer(kr, tab[i].login) != NULL)
			tab[j++] = tab[i];
	n = j;
	f = failure_find(tab, n, login);
	if (ok) {
		if (f == NULL || f->count == 0)
			return CUTRU_OK; /* nothing to clear: no write */
		f->count = 0;
	} else {
		if (f == NULL) {
			if (n >= FAILURES_MAX)
				return CUTRU_OK;
			f = &tab[n++];
			snprintf(f->login, sizeof f->login, "%s", login);
			f->count = 0;
		}
		if (f->count < 1000000)
			f->count++;
		f->last = (long long)now;
		*count = f->count;
	}
	return failures_save(kr->dir, tab, n, e);
}

static int
must_wait(struct cutru_err *e, const char *login, long long wait)
{
	if (strcmp(login, RECOVERY_LOGIN) == 0)
		return cutru_err_set(e, CUTRU_EPERM, "recovery_code",
		    dngettext(PACKAGE,
		    "Too many wrong recovery codes. Wait %lld second before "
		    "trying again.",
		    "Too many wrong recovery codes. Wait %lld seconds before "
		    "trying again.", (unsigned long)wait), wait);
	return cutru_err_set(e, CUTRU_EPERM, "passphrase",
	    dngettext(PACKAGE,
	    "Too many wrong passphrases for officer '%s'. Wait %lld second "
	    "before trying again.",
	    "Too many wrong passphrases for officer '%s'. Wait %lld seconds "
	    "before trying again.", (unsigned long)wait), login, wait);
}

/* ------------------------------------------------------------ unlocking */

static int
altered(struct cutru_err *e, const struct keyring *kr)
{
	return cutru_err_set(e, CUTRU_ECRYPTO, "keyring",
	    _("The keyring in %s has been altered: its entries do not match "
	    "the store key. Do not use this store; restore the keyring from "
	    "a backup copy and report it to your supervisor."), kr->dir);
}

/* With the unsealed store key in key: check the file MAC and take the key
 * (ownership of key passes to kr in every case). */
static int
accept_key(struct keyring *kr, unsigned char *key, struct cutru_err *e)
{
	unsigned char mac[32];
	int rc;

	if (kr->key != NULL) {
		/* Already unlocked: the entry must hold the same key. */
		rc = sodium_memcmp(kr->key, key, KEYRING_KEY_BYTES) == 0 ?
		    CUTRU_OK : altered(e, kr);
		secret_free(key);
		return rc;
	}
	if (kr->image != NULL) {
		rc = file_mac(key, kr->image, kr->image_len - KR_TRAILER, mac,
		    e);
		if (rc == CUTRU_OK && sodium_memcmp(mac, kr->image +
		    kr->image_len - KR_TRAILER, 32) != 0)
			rc = altered(e, kr);
		if (rc != CUTRU_OK) {
			secret_free(key);
			return rc;
		}
	}
	kr->key = key;
	return CUTRU_OK;
}

#define KEK_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES

/* The officer's key-encryption key: Argon2id of the passphrase (in NFC)
 * with the entry's salt and limits, into kek (KEK_BYTES of secret
 * memory). */
static int
derive_kek(const struct kr_entry *en, const char *passphrase,
    unsigned char *kek, struct cutru_err *e)
{
	unsigned char *pass = NULL;
	size_t passlen;
	int rc;

	if ((rc = passphrase_nfc(passphrase, 0, &pass, &passlen, e)) != 0)
		return rc;
	rc = CUTRU_OK;
	if (crypto_pwhash(kek, KEK_BYTES, (const char *)pass, passlen,
	    en->salt, en->kdf.opslimit, (size_t)en->kdf.memlimit,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		rc = cutru_err_set(e, CUTRU_ENOMEM, "passphrase",
		    _("Not enough memory to check the passphrase (it needs "
		    "%llu MiB)."), en->kdf.memlimit >> 20);
	secret_free(pass);
	return rc;
}

/* Unwrap the X25519 secret key of en into sk (SK_BYTES of secret memory)
 * with kek: 0, or -1 when the wrap does not open (a wrong passphrase). */
static int
open_box_secret(const struct keyring *kr, const struct kr_entry *en,
    const unsigned char *kek, unsigned char *sk)
{
	unsigned char ad[OFFICER_AD_MAX];
	unsigned long long sklen;
	size_t adlen = officer_ad(kr, en, ad);

	if (crypto_aead_xchacha20poly1305_ietf_decrypt(sk, &sklen, NULL,
	    en->wrapped, WRAPPED_BYTES, ad, adlen, en->nonce, kek) != 0 ||
	    sklen != SK_BYTES)
		return -1;
	return 0;
}

/* Unwrap the signing seed of en into seed (SIGN_SEED_BYTES of secret
 * memory) with kek and check that it makes the entry's public key: 0, -1
 * when the wrap does not open, -2 when the seed does not match. */
static int
open_sign_seed(const struct keyring *kr, const struct kr_entry *en,
    const unsigned char *kek, unsigned char *seed)
{
	unsigned char ad[SIGN_AD_MAX], pk[SIGN_PK_BYTES], *sk;
	unsigned long long len;
	size_t adlen = sign_ad(kr, en, ad);
	int rc = 0;

	if (crypto_aead_xchacha20poly1305_ietf_decrypt(seed, &len, NULL,
	    en->sign_wrapped, SIGN_WRAPPED_BYTES, ad, adlen, en->sign_nonce,
	    kek) != 0 || len != SIGN_SEED_BYTES)
		return -1;
	sk = secret_alloc(crypto_sign_SECRETKEYBYTES);
	if (sk == NULL || crypto_sign_seed_keypair(pk, sk, seed) != 0 ||
	    sodium_memcmp(pk, en->sign_pk, SIGN_PK_BYTES) != 0)
		rc = -2;
	secret_free(sk);
	return rc;
}

/* Open the sealed store key of en with sk into a new secret buffer. */
static int
unseal_key(const struct keyring *kr, const struct kr_entry *en,
    const unsigned char *sk, unsigned char **key, struct cutru_err *e)
{
	unsigned char pk[PK_BYTES];

	*key = secret_alloc(KEYRING_KEY_BYTES);
	if (*key == NULL)
		return no_memory(e);
	if (crypto_scalarmult_base(pk, sk) != 0 ||
	    sodium_memcmp(pk, en->pk, PK_BYTES) != 0 ||
	    crypto_box_seal_open(*key, en->sealed, SEALED_BYTES, en->pk,
	    sk) != 0) {
		secret_free(*key);
		*key = NULL;
		return altered(e, kr);
	}
	return CUTRU_OK;
}

static int
throttle(const struct keyring *kr, const char *login, time_t now,
    struct cutru_err *e)
{
	long long wait;
	int rc;

	if ((rc = keyring_delay_remaining(kr->dir, login, now, &wait, e)) != 0)
		return rc;
	if (wait > 0)
		return must_wait(e, login, wait);
	return CUTRU_OK;
}

/* Count a wrong passphrase for login and say so, with the wait it now
 * imposes. */
static int
wrong_passphrase(const struct keyring *kr, const char *login, time_t now,
    struct cutru_err *e)
{
	unsigned count;
	long long wait;

	if (failures_record(kr, login, 0, now, &count, e) != 0)
		count = 0;
	wait = keyring_delay_for(count);
	if (wait > 0)
		return cutru_err_set(e, CUTRU_ECRYPTO, "passphrase",
		    dngettext(PACKAGE,
		    "Wrong passphrase for officer '%s'. Wait %lld "
		    "second before the next try.",
		    "Wrong passphrase for officer '%s'. Wait %lld "
		    "seconds before the next try.",
		    (unsigned long)wait), login, wait);
	return cutru_err_set(e, CUTRU_ECRYPTO, "passphrase",
	    _("Wrong passphrase for officer '%s'."), login);
}

/* The entry of login into *out, or an error naming what is missing. */
static int
officer_entry(const struct keyring *kr, const char *login,
    const struct kr_entry **out, struct cutru_err *e)
{
	*out = NULL;
	if (kr == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "keyring",
		    _("No keyring was given."));
	if ((*out = find_officer(kr, login)) == NULL)
		return cutru_err_set(e, CUTRU_ENOTFOUND, "login",
		    _("There is no officer '%s' in this store's keyring."),
		    login != NULL && keyring_login_check(login, NULL) == 0 ?
		    login : "?");
	return CUTRU_OK;
}

/* keyring_unlock(); when seed is not NULL, the officer's signing seed is
 * also unwrapped into it (SIGN_SEED_BYTES of secret memory). */
static int
officer_open(struct keyring *kr, const char *login, const char *passphrase,
    time_t now, unsigned char *seed, struct cutru_err *e)
{
	const struct kr_entry *en;
	unsigned char *kek = NULL, *sk = NULL, *key = NULL;
	unsigned count;
	int rc;

	if ((rc = officer_entry(kr, login, &en, e)) != CUTRU_OK)
		return rc;
	if ((rc = throttle(kr, login, now, e)) != CUTRU_OK)
		return rc;
	kek = secret_alloc(KEK_BYTES);
	sk = secret_alloc(SK_BYTES);
	if (kek == NULL || sk == NULL) {
		rc = no_memory(e);
		goto done;
	}
	if ((rc = derive_kek(en, passphrase, kek, e)) != CUTRU_OK)
		goto done;
	if (open_box_secret(kr, en, kek, sk) != 0) {
		rc = wrong_passphrase(kr, login, now, e);
		goto done;
	}
	/* The same key opened the first wrap: a second that fails was
	 * altered. */
	if (seed != NULL && open_sign_seed(kr, en, kek, seed) != 0) {
		rc = altered(e, kr);
		goto done;
	}
	if ((rc = unseal_key(kr, en, sk, &key, e)) != CUTRU_OK)
		goto done;
	rc = accept_key(kr, key, e);
	key = NULL;
	if (rc != CUTRU_OK)
		goto done;
	/* A counter that cannot be cleared only delays the next failure. */
	(void)failures_record(kr, login, 1, now, &count, NULL);
done:
	secret_free(kek);
	secret_free(sk);
	secret_free(key);
	return rc;
}

int
keyring_unlock(struct keyring *kr, const char *login, const char *passphrase,
    time_t now, struct cutru_err *e)
{
	return officer_open(kr, login, passphrase, now, NULL, e);
}

int
keyring_sign_public(const struct keyring *kr, const char *login,
    unsigned char *pk, struct cutru_err *e)
{
	const struct kr_entry *en;
	int rc;

	if (pk == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "login",
		    _("No place was given for the public key."));
	memset(pk, 0, KEYRING_SIGN_PK_BYTES);
	/* Only an unlocked keyring has had its MAC checked: before that,
	 * anybody could have put their own key in the file. */
	if ((rc = need_unlocked(kr, e)) != CUTRU_OK)
		return rc;
	if ((rc = officer_entry(kr, login, &en, e)) != CUTRU_OK)
		return rc;
	memcpy(pk, en->sign_pk, KEYRING_SIGN_PK_BYTES);
	return CUTRU_OK;
}

int
keyring_sign_secret(const struct keyring *kr, const char *login,
    const char *passphrase, time_t now, unsigned char **sk,
    struct cutru_err *e)
{
	const struct kr_entry *en;
	unsigned char *kek = NULL, *seed = NULL, *box = NULL, *out = NULL;
	unsigned char pk[SIGN_PK_BYTES];
	unsigned count;
	int rc, r;

	if (sk == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "passphrase",
		    _("No place was given for the signing key."));
	*sk = NULL;
	if ((rc = officer_entry(kr, login, &en, e)) != CUTRU_OK)
		return rc;
	if ((rc = throttle(kr, login, now, e)) != CUTRU_OK)
		return rc;
	kek = secret_alloc(KEK_BYTES);
	seed = secret_alloc(SIGN_SEED_BYTES);
	box = secret_alloc(SK_BYTES);
	out = secret_alloc(KEYRING_SIGN_SK_BYTES);
	if (kek == NULL || seed == NULL || box == NULL || out == NULL) {
		rc = no_memory(e);
		goto done;
	}
	if ((rc = derive_kek(en, passphrase, kek, e)) != CUTRU_OK)
		goto done;
	r = open_sign_seed(kr, en, kek, seed);
	if (r == -1 && open_box_secret(kr, en, kek, box) != 0) {
		rc = wrong_passphrase(kr, login, now, e);
		goto done;
	}
	if (r != 0 || crypto_sign_seed_keypair(pk, out, seed) != 0) {
		rc = altered(e, kr);
		goto done;
	}
	(void)failures_record(kr, login, 1, now, &count, NULL);
	*sk = out;
	out = NULL;
	rc = CUTRU_OK;
done:
	secret_free(kek);
	secret_free(seed);
	secret_free(box);
	secret_free(out);
	return rc;
}

int
keyring_unlock_recovery(struct keyring *kr, const char *code, time_t now,
    struct cutru_err *e)
{
	unsigned char pk[PK_BYTES], *bytes = NULL, *sk = NULL, *key = NULL;
	unsigned count;
	int rc;

	if (kr == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "keyring",
		    _("No keyring was given."));
	bytes = secret_alloc(RECOVERY_BYTES);
	sk = secret_alloc(SK_BYTES);
	if (bytes == NULL || sk == NULL) {
		rc = no_memory(e);
		goto done;
	}
	/* A typo is told before the slow-down applies: it is not a guess. */
	if ((rc = keyring_recovery_decode(code, bytes, e)) != CUTRU_OK)
		goto done;
	if ((rc = throttle(kr, RECOVERY_LOGIN, now, e)) != CUTRU_OK)
		goto done;
	if ((rc = recovery_keypair(kr, bytes, pk, sk, e)) != CUTRU_OK)
		goto done;
	if (sodium_memcmp(pk, kr->recovery.pk, PK_BYTES) != 0) {
		(void)failures_record(kr, RECOVERY_LOGIN, 0, now, &count,
		    NULL);
		rc = cutru_err_set(e, CUTRU_ECRYPTO, "recovery_code",
		    _("This recovery code does not open this store. Check "
		    "that it is the code printed for this store."));
		goto done;
	}
	if ((rc = unseal_key(kr, &kr->recovery, sk, &key, e)) != CUTRU_OK)
		goto done;
	rc = accept_key(kr, key, e);
	key = NULL;
	if (rc == CUTRU_OK)
		(void)failures_record(kr, RECOVERY_LOGIN, 1, now, &count,
		    NULL);
done:
	secret_free(bytes);
	secret_free(sk);
	secret_free(key);
	return rc;
}

int
keyring_unlock_key(struct keyring *kr, const unsigned char *key,
    struct cutru_err *e)
{
	unsigned char *k;

	if (kr == NULL || key == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "keyring",
		    _("No keyring was given."));
	k = secret_alloc(KEYRING_KEY_BYTES);
	if (k == NULL)
		return no_memory(e);
	memcpy(k, key, KEYRING_KEY_BYTES);
	return accept_key(kr, k, e);
}

/* ------------------------------------------------------------ changes */

/* Fill en (login already set) with a new key pair wrapped under
 * passphrase and the store key sealed to it, and wrap a signing seed under
 * the same passphrase: the one given (SIGN_SEED_BYTES, a passphrase change
 * keeps the officer's signing key), or a new random one when seed is
 * NULL. */
static int
wrap_officer(const struct keyring *kr, struct kr_entry *en,
    const char *passphrase, const struct keyring_kdf *kdf,
    const unsigned char *seed, struct cutru_err *e)
{
	unsigned char ad[SIGN_AD_MAX], *pass = NULL, *kek = NULL,
	    *sk = NULL, *sseed = NULL, *ssk = NULL;
	size_t passlen, adlen;
	int rc;

	en->kdf = kdf != NULL ? *kdf : kr->kdf;
	if ((rc = keyring_kdf_check(&en->kdf, e)) != CUTRU_OK)
		return rc;
	if ((rc = passphrase_nfc(passphrase, 1, &pass, &passlen, e)) != 0)
		return rc;
	kek = secret_alloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	sk = secret_alloc(SK_BYTES);
	sseed = secret_alloc(SIGN_SEED_BYTES);
	ssk = secret_alloc(crypto_sign_SECRETKEYBYTES);
	if (kek == NULL || sk == NULL || sseed == NULL || ssk == NULL) {
		rc = no_memory(e);
		goto done;
	}
	randombytes_buf(en->salt, SALT_BYTES);
	randombytes_buf(en->nonce, NONCE_BYTES);
	randombytes_buf(en->sign_nonce, NONCE_BYTES);
	if (seed != NULL)
		memcpy(sseed, seed, SIGN_SEED_BYTES);
	else
		randombytes_buf(sseed, SIGN_SEED_BYTES);
	if (crypto_box_keypair(en->pk, sk) != 0 ||
	    crypto_sign_seed_keypair(en->sign_pk, ssk, sseed) != 0) {
		rc = cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("A key pair could not be made."));
		goto done;
	}
	if (crypto_pwhash(kek, crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	    (const char *)pass, passlen, en->salt, en->kdf.opslimit,
	    (size_t)en->kdf.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, "passphrase",
		    _("Not enough memory to protect the passphrase (it needs "
		    "%llu MiB); lower kdf_memlimit in the store's config."),
		    en->kdf.memlimit >> 20);
		goto done;
	}
	adlen = officer_ad(kr, en, ad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(en->wrapped, NULL, sk,
	    SK_BYTES, ad, adlen, NULL, en->nonce, kek);
	adlen = sign_ad(kr, en, ad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(en->sign_wrapped, NULL,
	    sseed, SIGN_SEED_BYTES, ad, adlen, NULL, en->sign_nonce, kek);
	rc = seal_key(kr, en->pk, en->sealed, e);
done:
	secret_free(pass);
	secret_free(kek);
	secret_free(sk);
	secret_free(sseed);
	secret_free(ssk);
	return rc;
}

int
keyring_add_officer(struct keyring *kr, const char *login,
    const char *passphrase, const struct keyring_kdf *kdf,
    struct cutru_err *e)
{
	struct kr_entry *en;
	int rc;

	if ((rc = need_unlocked(kr, e)) != CUTRU_OK)
		return rc;
	if ((rc = keyring_login_check(login, e)) != CUTRU_OK)
		return rc;
	if (find_officer(kr, login) != NULL)
		return cutru_err_set(e, CUTRU_ECONFLICT, "login",
		    _("There is already an officer '%s' in this store."),
		    login);
	if (kr->n >= KEYRING_OFFICERS_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "login",
		    _("A store can have at most %d officers; remove one "
		    "who has left first."), KEYRING_OFFICERS_MAX);
	en = &kr->officer[kr->n];
	memset(en, 0, sizeof *en);
	snprintf(en->login, sizeof en->login, "%s", login);
	if ((rc = wrap_officer(kr, en, passphrase, kdf, NULL, e)) != 0) {
		memset(en, 0, sizeof *en);
		return rc;
	}
	kr->n++;
	forget_image(kr);
	return CUTRU_OK;
}

/* Re-wrap login's entry under passphrase; seed as wrap_officer(). */
static int
rewrap_officer(struct keyring *kr, const char *login, const char *passphrase,
    const struct keyring_kdf *kdf, const unsigned char *seed,
    struct cutru_err *e)
{
	struct kr_entry *en, tmp;
	int rc;

	if ((rc = need_unlocked(kr, e)) != CUTRU_OK)
		return rc;
	if ((en = find_officer(kr, login)) == NULL)
		return cutru_err_set(e, CUTRU_ENOTFOUND, "login",
		    _("There is no officer '%s' in this store's keyring."),
		    keyring_login_check(login, NULL) == 0 ? login : "?");
	memset(&tmp, 0, sizeof tmp);
	memcpy(tmp.login, en->login, sizeof tmp.login);
	if ((rc = wrap_officer(kr, &tmp, passphrase, kdf, seed, e)) != 0) {
		sodium_memzero(&tmp, sizeof tmp);
		return rc;
	}
	*en = tmp;
	forget_image(kr);
	return CUTRU_OK;
}

int
keyring_set_passphrase(struct keyring *kr, const char *login,
    const char *passphrase, const struct keyring_kdf *kdf,
    struct cutru_err *e)
{
	return rewrap_officer(kr, login, passphrase, kdf, NULL, e);
}

int
keyring_change_passphrase(struct keyring *kr, const char *login,
    const char *old_passphrase, const char *new_passphrase, time_t now,
    const struct keyring_kdf *kdf, struct cutru_err *e)
{
	unsigned char *seed;
	int rc;

	/* Refuse a bad new passphrase before spending the KDF on the old. */
	if ((rc = keyring_passphrase_check(new_passphrase, e)) != CUTRU_OK)
		return rc;
	if ((seed = secret_alloc(SIGN_SEED_BYTES)) == NULL)
		return no_memory(e);
	rc = officer_open(kr, login, old_passphrase, now, seed, e);
	if (rc == CUTRU_OK)
		rc = rewrap_officer(kr, login, new_passphrase, kdf, seed, e);
	secret_free(seed);
	return rc;
}

int
keyring_remove_officer(struct keyring *kr, const char *login,
    struct cutru_err *e)
{
	struct kr_entry *en;
	size_t i;
	int rc;

	if ((rc = need_unlocked(kr, e)) != CUTRU_OK)
		return rc;
	if ((en = find_officer(kr, login)) == NULL)
		return cutru_err_set(e, CUTRU_ENOTFOUND, "login",
		    _("There is no officer '%s' in this store's keyring."),
		    keyring_login_check(login, NULL) == 0 ? login : "?");
	if (kr->n == 1)
		return cutru_err_set(e, CUTRU_ECONFLICT, "login",
		    _("Officer '%s' is the last officer of this store and "
		    "cannot be removed; add another officer first."), login);
	i = (size_t)(en - kr->officer);
	memmove(&kr->officer[i], &kr->officer[i + 1],
	    (kr->n - i - 1) * sizeof kr->officer[0]);
	kr->n--;
	memset(&kr->officer[kr->n], 0, sizeof kr->officer[0]);
	forget_image(kr);
	return CUTRU_OK;
}

int
keyring_new_recovery(struct keyring *kr, char *code, struct cutru_err *e)
{
	struct kr_entry old;
	int rc;

	if (code == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "recovery_code",
		    _("No place was given for the recovery code."));
	code[0] = '\0';
	if ((rc = need_unlocked(kr, e)) != CUTRU_OK)
		return rc;
	old = kr->recovery;
	if ((rc = make_recovery(kr, code, e)) != CUTRU_OK) {
		kr->recovery = old;
		return rc;
	}
	forget_image(kr);
	return CUTRU_OK;
}

int
keyring_rekey(const struct keyring *kr, struct keyring **out,
    struct cutru_err *e)
{
	struct keyring *nk = NULL;
	size_t i;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "keyring",
		    _("No place was given for the new keyring."));
	if ((rc = need_unlocked(kr, e)) != CUTRU_OK)
		return rc;
	if (kr->generation == UINT32_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "keyring",
		    _("This store has been rekeyed too many times."));
	nk = malloc(sizeof *nk);
	if (nk == NULL)
		return no_memory(e);
	memcpy(nk, kr, sizeof *nk);
	nk->image = NULL;
	nk->image_len = 0;
	nk->key = secret_alloc(KEYRING_KEY_BYTES);
	if (nk->key == NULL) {
		rc = no_memory(e);
		goto done;
	}
	randombytes_buf(nk->key, KEYRING_KEY_BYTES);
	nk->generation++;
	if ((rc = seal_key(nk, nk->recovery.pk, nk->recovery.sealed, e)) != 0)
		goto done;
	for (i = 0; i < nk->n; i++)
		if ((rc = seal_key(nk, nk->officer[i].pk,
		    nk->officer[i].sealed, e)) != CUTRU_OK)
			goto done;
	*out = nk;
	nk = NULL;
done:
	keyring_free(nk);
	return rc;
}
