#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <check.h>
#include <sodium.h>

#include "core/err.h"
#include "localdb/keyring.h"
#include "localdb/storedir.h"
#include "tests/unit/tap_main.h"

/* Offsets in a keyring with one officer "lan" (see keyring.c). */
#define OFF_VERSION 7
#define OFF_KDF_OPS 28
#define OFF_KDF_MEM 36
#define OFF_GENERATION 44
#define OFF_OFFICER 166
#define OFF_LAN_OPS (OFF_OFFICER + 2 + 3 + 1)
#define OFF_LAN_MEM (OFF_LAN_OPS + 8)
#define OFF_LAN_PK (OFF_LAN_MEM + 8 + 16)
#define OFF_LAN_SEALED (OFF_LAN_PK + 32 + 24 + 48)
#define OFF_LAN_SIGN (OFF_LAN_SEALED + 80)
#define LEN_ONE_OFFICER (OFF_LAN_SIGN + 1 + 32 + 24 + 48 + 64)

static const char pass_lan[] = "correct horse battery";
static const char pass_mai[] = "mai officer ward 7";
static char tmpdir[256];
static struct keyring_kdf kmin;

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/cutru-keyring-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	keyring_kdf_min(&kmin);
	ck_assert_int_ge(sodium_init(), 0);
}

static void
teardown(void)
{
	char cmd[400];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A saved keyring in tmpdir with officer "lan"; its key into key (32). */
static void
make_keyring(char *code, unsigned char *key)
{
	struct cutru_err e;
	struct keyring *kr;

	ck_assert_int_eq(keyring_create(tmpdir, &kmin, &kr, code, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_add_officer(kr, "lan", pass_lan, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	if (key != NULL)
		memcpy(key, keyring_key(kr), KEYRING_KEY_BYTES);
	keyring_free(kr);
}

static unsigned char *
read_keyring(size_t *len)
{
	struct cutru_err e;
	unsigned char *b;

	ck_assert_int_eq(storedir_read_file(tmpdir, "keyring", "keyring",
	    1 << 20, 0, &b, len, &e), CUTRU_OK);
	return b;
}

/* Write b back as the keyring; fix the trailing checksum when asked (a
 * deliberate edit rather than damage). */
static void
write_keyring(unsigned char *b, size_t len, int fix_sum)
{
	struct cutru_err e;

	if (fix_sum && len >= 32)
		crypto_generichash(b + len - 32, 32, b, len - 32, NULL, 0);
	ck_assert_int_eq(storedir_write_atomic(tmpdir, "keyring", b, len,
	    0600, &e), CUTRU_OK);
}

static void
reset_failures(void)
{
	char p[512];

	snprintf(p, sizeof p, "%s/failures", tmpdir);
	(void)unlink(p);
}

static int
try_load(struct cutru_err *e)
{
	struct keyring *kr = NULL;
	int rc = keyring_load(tmpdir, &kr, e);

	if (rc != CUTRU_OK)
		ck_assert_ptr_null(kr);
	keyring_free(kr);
	return rc;
}

/* Unlock a freshly loaded keyring as login; returns the rc, key into key. */
static int
try_unlock(const char *login, const char *pass, time_t now,
    unsigned char *key, struct cutru_err *e)
{
	struct keyring *kr;
	int rc;

	rc = keyring_load(tmpdir, &kr, e);
	if (rc != CUTRU_OK)
		return rc;
	rc = keyring_unlock(kr, login, pass, now, e);
	if (rc == CUTRU_OK) {
		ck_assert_ptr_nonnull(keyring_key(kr));
		if (key != NULL)
			memcpy(key, keyring_key(kr), KEYRING_KEY_BYTES);
	} else {
		ck_assert_ptr_null(keyring_key(kr));
	}
	keyring_free(kr);
	return rc;
}

static void
put_le64(unsigned char *p, unsigned long long v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static unsigned long long
get_le64(const unsigned char *p)
{
	unsigned long long v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* ------------------------------------------------------------ limits */

START_TEST(kdf_limits_default_moderate_and_bounds)
{
	struct keyring_kdf k;
	struct cutru_err e;

	keyring_kdf_default(&k);
	ck_assert_uint_eq(k.opslimit, crypto_pwhash_OPSLIMIT_MODERATE);
	ck_assert_uint_eq(k.memlimit, crypto_pwhash_MEMLIMIT_MODERATE);
	ck_assert_int_eq(keyring_kdf_check(&k, &e), CUTRU_OK);
	keyring_kdf_min(&k);
	ck_assert_uint_eq(k.opslimit, crypto_pwhash_OPSLIMIT_MIN);
	ck_assert_uint_eq(k.memlimit, crypto_pwhash_MEMLIMIT_MIN);
	ck_assert_int_eq(keyring_kdf_check(&k, &e), CUTRU_OK);
	k.opslimit = 0;
	ck_assert_int_eq(keyring_kdf_check(&k, &e), CUTRU_ERANGE);
	ck_assert_str_eq(e.field, "kdf_opslimit");
	k.opslimit = 33;
	ck_assert_int_eq(keyring_kdf_check(&k, &e), CUTRU_ERANGE);
	k.opslimit = 1;
	k.memlimit = 1024;
	ck_assert_int_eq(keyring_kdf_check(&k, &e), CUTRU_ERANGE);
	ck_assert_str_eq(e.field, "kdf_memlimit");
	k.memlimit = (4ULL << 30) + 1;
	ck_assert_int_eq(keyring_kdf_check(&k, &e), CUTRU_ERANGE);
	ck_assert_int_eq(keyring_kdf_check(NULL, &e), CUTRU_EINVAL);
}
END_TEST

/* The one test that derives with MODERATE (about a second, 256 MiB). */
START_TEST(default_limits_are_moderate_and_recorded_in_the_file)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct keyring_kdf k;
	struct cutru_err e;
	struct keyring *kr;
	unsigned char *b;
	size_t len;

	ck_assert_int_eq(keyring_create(tmpdir, NULL, &kr, code, &e),
	    CUTRU_OK);
	keyring_kdf_created(kr, &k);
	ck_assert_uint_eq(k.opslimit, crypto_pwhash_OPSLIMIT_MODERATE);
	ck_assert_uint_eq(k.memlimit, crypto_pwhash_MEMLIMIT_MODERATE);
	ck_assert_int_eq(keyring_add_officer(kr, "lan", pass_lan, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	keyring_free(kr);

	b = read_keyring(&len);
	ck_assert_uint_eq(get_le64(b + OFF_KDF_OPS),
	    crypto_pwhash_OPSLIMIT_MODERATE);
	ck_assert_uint_eq(get_le64(b + OFF_KDF_MEM),
	    crypto_pwhash_MEMLIMIT_MODERATE);
	ck_assert_uint_eq(get_le64(b + OFF_LAN_OPS),
	    crypto_pwhash_OPSLIMIT_MODERATE);
	ck_assert_uint_eq(get_le64(b + OFF_LAN_MEM),
	    crypto_pwhash_MEMLIMIT_MODERATE);
	free(b);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_officer_kdf(kr, "lan", &k, &e), CUTRU_OK);
	ck_assert_uint_eq(k.opslimit, crypto_pwhash_OPSLIMIT_MODERATE);
	ck_assert_uint_eq(k.memlimit, crypto_pwhash_MEMLIMIT_MODERATE);
	keyring_kdf_created(kr, &k);
	ck_assert_uint_eq(k.memlimit, crypto_pwhash_MEMLIMIT_MODERATE);
	keyring_free(kr);
}
END_TEST

/* ------------------------------------------------------------ basics */

START_TEST(create_save_load_unlock_gives_the_same_key)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	unsigned char key[32], key2[32];
	struct cutru_err e;
	struct keyring *kr, *kr2;
	struct keyring_kdf k;
	unsigned char id[16];
	size_t len;
	unsigned char *b;

	ck_assert_int_eq(keyring_create(tmpdir, &kmin, &kr, code, &e),
	    CUTRU_OK);
	ck_assert_ptr_nonnull(keyring_key(kr));
	ck_assert_uint_eq(keyring_generation(kr), 1);
	ck_assert_uint_eq(strlen(code), KEYRING_RECOVERY_CODE_SIZE - 1);
	ck_assert_int_eq(code[5], '-');
	/* Nothing to save without an officer. */
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_ECONFLICT);
	ck_assert_int_eq(access(tmpdir, F_OK), 0);
	ck_assert_int_eq(keyring_add_officer(kr, "lan", pass_lan, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	memcpy(key, keyring_key(kr), 32);
	memcpy(id, keyring_store_id(kr), 16);
	/* A second keyring gets another id and key. */
	ck_assert_int_eq(keyring_create(tmpdir, &kmin, &kr2, code, &e),
	    CUTRU_OK);
	ck_assert_int_ne(memcmp(keyring_store_id(kr2), id, 16), 0);
	ck_assert_int_ne(memcmp(keyring_key(kr2), key, 32), 0);
	keyring_free(kr2);
	keyring_free(kr);

	b = read_keyring(&len);
	ck_assert_uint_eq(len, LEN_ONE_OFFICER);
	ck_assert_int_eq(memcmp(b, "CUTRUKR\002", 8), 0);
	free(b);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_ptr_null(keyring_key(kr));
	ck_assert_int_eq(memcmp(keyring_store_id(kr), id, 16), 0);
	ck_assert_uint_eq(keyring_officer_count(kr), 1);
	ck_assert_str_eq(keyring_officer_login(kr, 0), "lan");
	ck_assert_ptr_null(keyring_officer_login(kr, 1));
	keyring_kdf_created(kr, &k);
	ck_assert_uint_eq(k.memlimit, kmin.memlimit);
	/* A locked keyring cannot be changed or saved. */
	ck_assert_int_eq(keyring_add_officer(kr, "mai", pass_mai, NULL, &e),
	    CUTRU_EPERM);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_EPERM);
	ck_assert_int_eq(keyring_unlock(kr, "lan", pass_lan, 1000, &e),
	    CUTRU_OK);
	ck_assert_int_eq(memcmp(keyring_key(kr), key, 32), 0);
	keyring_lock(kr);
	ck_assert_ptr_null(keyring_key(kr));
	keyring_free(kr);
	ck_assert_int_eq(try_unlock("lan", pass_lan, 1000, key2, &e),
	    CUTRU_OK);
	ck_assert_int_eq(memcmp(key2, key, 32), 0);
	keyring_free(NULL);
}
END_TEST

START_TEST(wrong_passphrase_is_told_and_never_echoed)
{
	struct cutru_err e;

	make_keyring((char[KEYRING_RECOVERY_CODE_SIZE]){ 0 }, NULL);
	ck_assert_int_eq(try_unlock("lan", "correct horse battery!", 1000,
	    NULL, &e), CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "passphrase");
	ck_assert_ptr_nonnull(strstr(e.msg, "Wrong passphrase"));
	ck_assert_ptr_nonnull(strstr(e.msg, "'lan'"));
	ck_assert_ptr_null(strstr(e.msg, "horse"));
	/* An unknown officer is told as such, before any passphrase work. */
	ck_assert_int_eq(try_unlock("mai", pass_lan, 1000, NULL, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "login");
	ck_assert_ptr_nonnull(strstr(e.msg, "'mai'"));
	/* A hostile login is not echoed. */
	ck_assert_int_eq(try_unlock("\x1b[2J", pass_lan, 1000, NULL, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_null(strchr(e.msg, '\x1b'));
	ck_assert_int_eq(try_unlock(NULL, pass_lan, 1000, NULL, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_int_eq(try_unlock("lan", NULL, 1000, NULL, &e),
	    CUTRU_EINVAL);
}
END_TEST

START_TEST(officers_come_and_go_without_reencryption)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	unsigned char key[32], got[32];
	struct cutru_err e;
	struct keyring *kr;

	make_keyring(code, key);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_unlock(kr, "lan", pass_lan, 1000, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_add_officer(kr, "mai", pass_mai, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_add_officer(kr, "mai", pass_mai, NULL, &e),
	    CUTRU_ECONFLICT);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	keyring_free(kr);
	ck_assert_int_eq(try_unlock("mai", pass_mai, 1000, got, &e),
	    CUTRU_OK);
	ck_assert_int_eq(memcmp(got, key, 32), 0);

	/* lan changes her passphrase: the old one stops working. */
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_change_passphrase(kr, "lan", pass_lan,
	    "a brand new passphrase", 1000, NULL, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	keyring_free(kr);
	ck_assert_int_eq(try_unlock("lan", pass_lan, 1000, NULL, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(try_unlock("lan", "a brand new passphrase", 1000,
	    got, &e), CUTRU_OK);
	ck_assert_int_eq(memcmp(got, key, 32), 0);

	/* A wrong old passphrase changes nothing. */
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_change_passphrase(kr, "mai", "not her "
	    "passphrase", "another new passphrase", 2000, NULL, &e),
	    CUTRU_ECRYPTO);
	/* A too-short new one is refused before the old is even tried. */
	ck_assert_int_eq(keyring_change_passphrase(kr, "mai", pass_mai,
	    "short", 2000, NULL, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "passphrase");
	ck_assert_ptr_null(keyring_key(kr));

	/* Remove mai; then lan is the last and cannot be removed. */
	ck_assert_int_eq(keyring_unlock(kr, "lan", "a brand new passphrase",
	    2000, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_remove_officer(kr, "nobody", &e),
	    CUTRU_ENOTFOUND);
	ck_assert_int_eq(keyring_remove_officer(kr, "mai", &e), CUTRU_OK);
	ck_assert_int_eq(keyring_remove_officer(kr, "lan", &e),
	    CUTRU_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "last officer"));
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	ck_assert_uint_eq(keyring_officer_count(kr), 1);
	keyring_free(kr);
	ck_assert_int_eq(try_unlock("mai", pass_mai, 2000, NULL, &e),
	    CUTRU_ENOTFOUND);
	/* Set without the old passphrase needs the keyring unlocked. */
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_set_passphrase(kr, "lan", "forgotten it "
	    "twice", NULL, &e), CUTRU_EPERM);
	ck_assert_int_eq(keyring_unlock_recovery(kr, code, 2000, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_set_passphrase(kr, "lan", "forgotten it "
	    "twice", NULL, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_set_passphrase(kr, "mai", "forgotten it "
	    "twice", NULL, &e), CUTRU_ENOTFOUND);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	keyring_free(kr);
	ck_assert_int_eq(try_unlock("lan", "forgotten it twice", 2000, got,
	    &e), CUTRU_OK);
	ck_assert_int_eq(memcmp(got, key, 32), 0);
}
END_TEST

START_TEST(logins_and_passphrases_are_checked)
{
	struct cutru_err e;
	char *big;

	ck_assert_int_eq(keyring_login_check("lan", &e), CUTRU_OK);
	ck_assert_int_eq(keyring_login_check("nguyen.van-a_2", &e), CUTRU_OK);
	ck_assert_int_eq(keyring_login_check("Lan", &e), CUTRU_EINVAL);
	ck_assert_int_eq(keyring_login_check("2lan", &e), CUTRU_EINVAL);
	ck_assert_int_eq(keyring_login_check("", &e), CUTRU_EINVAL);
	ck_assert_int_eq(keyring_login_check(NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(keyring_login_check("l\xc3\xa2n", &e), CUTRU_EINVAL);
	ck_assert_int_eq(keyring_login_check("la n", &e), CUTRU_EINVAL);
	ck_assert_int_eq(keyring_login_check(
	    "abcdefghijabcdefghijabcdefghijab", &e), CUTRU_OK);
	ck_assert_int_eq(keyring_login_check(
	    "abcdefghijabcdefghijabcdefghijabc", &e), CUTRU_EINVAL);

	ck_assert_int_eq(keyring_passphrase_check("ten chars!", &e), CUTRU_OK);
	ck_assert_int_eq(keyring_passphrase_check("nine char", &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "too short"));
	ck_assert_ptr_null(strstr(e.msg, "nine"));
	/* Ten characters of Vietnamese are more than ten bytes: counted as
	 * characters, after NFC. */
	ck_assert_int_eq(keyring_passphrase_check(
	    "Ho\xcc\x80\x61 bi\xcc\x80nh ok", &e), CUTRU_OK);
	ck_assert_int_eq(keyring_passphrase_check(
	    "\xe1\xbb\x87\xe1\xbb\x87\xe1\xbb\x87\xe1\xbb\x87\xe1\xbb\x87"
	    "\xe1\xbb\x87\xe1\xbb\x87\xe1\xbb\x87\xe1\xbb\x87", &e),
	    CUTRU_EINVAL);
	/* Ill-formed UTF-8: a stray continuation byte, an overlong '/', a
	 * surrogate, a sequence cut short. */
	ck_assert_int_eq(keyring_passphrase_check("abcdefghij\x80", &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "UTF-8"));
	ck_assert_int_eq(keyring_passphrase_check("abcdefghij\xc0\xaf", &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(keyring_passphrase_check("abcdefghij\xed\xa0\x80",
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(keyring_passphrase_check("abcdefghij\xe1\xbb", &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(keyring_passphrase_check("abcde\tfghij", &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "control"));
	ck_assert_int_eq(keyring_passphrase_check("abcdefghij\xc2\x85", &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(keyring_passphrase_check(NULL, &e), CUTRU_EINVAL);
	big = malloc((1 << 20) + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', 1 << 20);
	big[1 << 20] = '\0';
	ck_assert_int_eq(keyring_passphrase_check(big, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "longer than 1024"));
	big[KEYRING_PASSPHRASE_MAX] = '\0';
	ck_assert_int_eq(keyring_passphrase_check(big, &e), CUTRU_OK);
	free(big);
}
END_TEST

START_TEST(passphrase_typed_nfd_or_nfc_unlocks_alike)
{
	/* "Hòa bình trên quê hương" precomposed, and with combining marks. */
	static const char nfc[] = "H\xc3\xb2\x61 b\xc3\xacnh tr\xc3\xaan "
	    "qu\xc3\xaa h\xc6\xb0\xc6\xa1ng";
	static const char nfd[] = "Ho\xcc\x80\x61 bi\xcc\x80nh tre\xcc\x82n "
	    "que\xcc\x82 hu\xcc\x9bo\xcc\x9bng";
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct cutru_err e;
	struct keyring *kr;

	ck_assert_str_ne(nfc, nfd);
	ck_assert_int_eq(keyring_create(tmpdir, &kmin, &kr, code, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_add_officer(kr, "lan", nfd, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_add_officer(kr, "mai", nfc, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	keyring_free(kr);
	ck_assert_int_eq(try_unlock("lan", nfc, 1000, NULL, &e), CUTRU_OK);
	ck_assert_int_eq(try_unlock("lan", nfd, 1000, NULL, &e), CUTRU_OK);
	ck_assert_int_eq(try_unlock("mai", nfd, 1000, NULL, &e), CUTRU_OK);
	/* Without the tone mark it is another passphrase. */
	ck_assert_int_eq(try_unlock("mai", "Hoa binh tren que huong", 1000,
	    NULL, &e), CUTRU_ECRYPTO);
}
END_TEST

/* ------------------------------------------------------------ recovery */

START_TEST(recovery_code_unlocks_however_it_is_typed)
{
	char code[KEYRING_RECOVERY_CODE_SIZE], typed[128];
	unsigned char key[32], got[32];
	struct cutru_err e;
	struct keyring *kr;
	size_t i, j;

	make_keyring(code, key);
	/* Lower case, spaces instead of dashes, O for 0, l for 1. */
	for (i = j = 0; code[i] != '\0'; i++) {
		char c = code[i];

		if (c == '-')
			c = ' ';
		else if (c == '0')
			c = 'o';
		else if (c == '1')
			c = 'l';
		else if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		typed[j++] = c;
		if (i == 3)
			typed[j++] = '-';
	}
	typed[j] = '\0';
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_unlock_recovery(kr, typed, 1000, &e),
	    CUTRU_OK);
	memcpy(got, keyring_key(kr), 32);
	ck_assert_int_eq(memcmp(got, key, 32), 0);
	/* The code is made of Crockford base32 and dashes only. */
	for (i = 0; code[i] != '\0'; i++)
		ck_assert_ptr_nonnull(strchr(
		    "0123456789ABCDEFGHJKMNPQRSTVWXYZ-", code[i]));
	/* A new recovery code replaces the old one. */
	ck_assert_int_eq(keyring_new_recovery(kr, typed, &e), CUTRU_OK);
	ck_assert_str_ne(typed, code);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	keyring_free(kr);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_unlock_recovery(kr, code, 1000, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(keyring_unlock_recovery(kr, typed, 1000, &e),
	    CUTRU_OK);
	keyring_free(kr);
}
END_TEST

START_TEST(recovery_typos_name_the_group)
{
	char code[KEYRING_RECOVERY_CODE_SIZE], bad[KEYRING_RECOVERY_CODE_SIZE];
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	unsigned char bytes[20];
	struct cutru_err e;
	char want[64], *big;
	size_t i, k, group;

	make_keyring(code, NULL);
	ck_assert_int_eq(keyring_recovery_decode(code, bytes, &e), CUTRU_OK);
	/* Every single wrong character, anywhere, is caught and placed. */
	for (i = 0; code[i] != '\0'; i++) {
		if (code[i] == '-')
			continue;
		group = i / 6 + 1;
		snprintf(want, sizeof want, "typo in group %zu", group);
		for (k = 0; k < 32; k++) {
			if (alphabet[k] == code[i])
				continue;
			memcpy(bad, code, sizeof bad);
			bad[i] = alphabet[k];
			ck_assert_int_eq(keyring_recovery_decode(bad, bytes,
			    &e), CUTRU_EINVAL);
			ck_assert_str_eq(e.field, "recovery_code");
			ck_assert_ptr_nonnull(strstr(e.msg, want));
		}
	}
	/* Two different neighbours swapped. */
	for (i = 0; code[i + 1] != '\0'; i++) {
		if (code[i] == '-' || code[i + 1] == '-' ||
		    code[i] == code[i + 1])
			continue;
		memcpy(bad, code, sizeof bad);
		bad[i] = code[i + 1];
		bad[i + 1] = code[i];
		ck_assert_int_eq(keyring_recovery_decode(bad, bytes, &e),
		    CUTRU_EINVAL);
	}
	/* Groups in the wrong order. */
	memcpy(bad, code, sizeof bad);
	memcpy(bad, code + 6, 5);
	memcpy(bad + 6, code, 5);
	if (memcmp(code, code + 6, 5) != 0)
		ck_assert_int_eq(keyring_recovery_decode(bad, bytes, &e),
		    CUTRU_EINVAL);
	/* A letter recovery codes never use. */
	memcpy(bad, code, sizeof bad);
	bad[13] = 'U';
	ck_assert_int_eq(keyring_recovery_decode(bad, bytes, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "'U'"));
	ck_assert_ptr_nonnull(strstr(e.msg, "group 3"));
	bad[13] = '\xc3';
	ck_assert_int_eq(keyring_recovery_decode(bad, bytes, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "group 3"));
	/* Too short, too long. */
	memcpy(bad, code, sizeof bad);
	bad[strlen(bad) - 1] = '\0';
	ck_assert_int_eq(keyring_recovery_decode(bad, bytes, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "39 were typed"));
	big = malloc(1 << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, 'A', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	ck_assert_int_eq(keyring_recovery_decode(big, bytes, &e),
	    CUTRU_EINVAL);
	free(big);
	ck_assert_int_eq(keyring_recovery_decode("", bytes, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(keyring_recovery_decode(NULL, bytes, &e),
	    CUTRU_EINVAL);
}
END_TEST

START_TEST(another_stores_code_does_not_open_this_one)
{
	char code1[KEYRING_RECOVERY_CODE_SIZE], code2[KEYRING_RECOVERY_CODE_SIZE];
	struct cutru_err e;
	struct keyring *kr;

	make_keyring(code1, NULL);
	make_keyring(code2, NULL); /* replaces the first */
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_unlock_recovery(kr, code1, 1000, &e),
	    CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "recovery_code");
	ck_assert_ptr_nonnull(strstr(e.msg, "does not open this store"));
	ck_assert_ptr_null(keyring_key(kr));
	ck_assert_int_eq(keyring_unlock_recovery(kr, code2, 1000, &e),
	    CUTRU_OK);
	keyring_free(kr);
}
END_TEST

/* ------------------------------------------------------------ damage */

START_TEST(every_single_bit_flip_is_reported_as_damage)
{
	unsigned char *b;
	struct cutru_err e;
	size_t len, i;
	int bit;

	make_keyring((char[KEYRING_RECOVERY_CODE_SIZE]){ 0 }, NULL);
	b = read_keyring(&len);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			b[i] ^= (unsigned char)(1u << bit);
			write_keyring(b, len, 0);
			ck_assert_int_eq(try_load(&e), CUTRU_EIO);
			ck_assert_str_eq(e.field, "keyring");
			b[i] ^= (unsigned char)(1u << bit);
		}
	}
	/* Flips in the body are told by the checksum. */
	b[OFF_LAN_SEALED + 5] ^= 0x10;
	write_keyring(b, len, 0);
	ck_assert_int_eq(try_load(&e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "checksum"));
	ck_assert_ptr_nonnull(strstr(e.msg, "damaged"));
	b[OFF_LAN_SEALED + 5] ^= 0x10;
	write_keyring(b, len, 0);
	ck_assert_int_eq(try_unlock("lan", pass_lan, 1000, NULL, &e),
	    CUTRU_OK);
	free(b);
}
END_TEST

START_TEST(magic_version_truncation_each_have_their_message)
{
	unsigned char *b;
	struct cutru_err e;
	size_t len, cut;

	make_keyring((char[KEYRING_RECOVERY_CODE_SIZE]){ 0 }, NULL);
	b = read_keyring(&len);
	b[0] = 'X';
	write_keyring(b, len, 1);
	ck_assert_int_eq(try_load(&e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "is not a cutru keyring"));
	b[0] = 'C';
	b[OFF_VERSION] = 3;
	write_keyring(b, len, 1);
	ck_assert_int_eq(try_load(&e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "format version 3"));
	/* Version 1 (no signing keys) was never released. */
	b[OFF_VERSION] = 1;
	write_keyring(b, len, 1);
	ck_assert_int_eq(try_load(&e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "format version 1"));
	b[OFF_VERSION] = 2;
	/* An unknown algorithm tag. */
	b[25] = 7;
	write_keyring(b, len, 1);
	ck_assert_int_eq(try_load(&e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "tag 7"));
	b[25] = 1;
	for (cut = 0; cut < len; cut += 37) {
		write_keyring(b, cut, 0);
		ck_assert_int_eq(try_load(&e), CUTRU_EIO);
		ck_assert_ptr_nonnull(strstr(e.msg, "damaged"));
	}
	write_keyring(b, 100, 0);
	ck_assert_int_eq(try_load(&e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "cut short"));
	/* A byte appended: damaged; appended with a matching checksum: the
	 * entries no longer end at the trailer. */
	b[len] = 0;
	write_keyring(b, len + 1, 0);
	ck_assert_int_eq(try_load(&e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "checksum"));
	write_keyring(b, len + 1, 1);
	ck_assert_int_eq(try_load(&e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "keyring format"));
	free(b);
}
END_TEST

START_TEST(edits_with_a_fixed_checksum_are_still_caught)
{
	unsigned char *b, *c;
	struct cutru_err e;
	size_t len;

	make_keyring((char[KEYRING_RECOVERY_CODE_SIZE]){ 0 }, NULL);
	b = read_keyring(&len);
	c = malloc(len + 300);
	ck_assert_ptr_nonnull(c);

	/* Each try below starts with no failures counted. */
	/* Cheaper limits for lan's entry: bound as AD, the passphrase fails. */
	memcpy(c, b, len);
	put_le64(c + OFF_LAN_OPS, 2);
	write_keyring(c, len, 1);
	reset_failures();
	ck_assert_int_eq(try_unlock("lan", pass_lan, 1000, NULL, &e),
	    CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "passphrase");

	/* Another public key for lan (so a rekey would seal to it). */
	memcpy(c, b, len);
	c[OFF_LAN_PK] ^= 1;
	write_keyring(c, len, 1);
	reset_failures();
	ck_assert_int_eq(try_unlock("lan", pass_lan, 1000, NULL, &e),
	    CUTRU_ECRYPTO);

	/* A changed generation: the MAC under the store key fails. */
	memcpy(c, b, len);
	c[OFF_GENERATION] = 9;
	write_keyring(c, len, 1);
	reset_failures();
	ck_assert_int_eq(try_unlock("lan", pass_lan, 1000, NULL, &e),
	    CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "keyring");
	ck_assert_ptr_nonnull(strstr(e.msg, "altered"));

	/* A sealed key that does not open. */
	memcpy(c, b, len);
	c[OFF_LAN_SEALED + 40] ^= 1;
	write_keyring(c, len, 1);
	reset_failures();
	ck_assert_int_eq(try_unlock("lan", pass_lan, 1000, NULL, &e),
	    CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "keyring");

	/* A forged entry with absurd limits is refused before any KDF. */
	memcpy(c, b, len);
	put_le64(c + OFF_LAN_MEM, 1ULL << 42);
	write_keyring(c, len, 1);
	ck_assert_int_eq(try_load(&e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "keyring format"));

	/* An entry count that does not match. */
	memcpy(c, b, len);
	c[48] = 3;
	write_keyring(c, len, 1);
	ck_assert_int_eq(try_load(&e), CUTRU_EIO);

	/* The original still opens. */
	write_keyring(b, len, 0);
	reset_failures();
	ck_assert_int_eq(try_unlock("lan", pass_lan, 100000, NULL, &e),
	    CUTRU_OK);
	free(b);
	free(c);
}
END_TEST

START_TEST(unlock_key_checks_the_mac)
{
	unsigned char key[32];
	struct cutru_err e;
	struct keyring *kr;

	make_keyring((char[KEYRING_RECOVERY_CODE_SIZE]){ 0 }, key);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	key[0] ^= 1;
	ck_assert_int_eq(keyring_unlock_key(kr, key, &e), CUTRU_ECRYPTO);
	ck_assert_ptr_null(keyring_key(kr));
	key[0] ^= 1;
	ck_assert_int_eq(keyring_unlock_key(kr, key, &e), CUTRU_OK);
	ck_assert_int_eq(memcmp(keyring_key(kr), key, 32), 0);
	/* Unlocking again with the passphrase agrees with the held key. */
	ck_assert_int_eq(keyring_unlock(kr, "lan", pass_lan, 1000, &e),
	    CUTRU_OK);
	keyring_free(kr);
}
END_TEST

START_TEST(keyring_readable_by_others_or_missing)
{
	struct cutru_err e;
	char p[512], want[600];

	ck_assert_int_eq(try_load(&e), CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "missing"));
	make_keyring((char[KEYRING_RECOVERY_CODE_SIZE]){ 0 }, NULL);
	snprintf(p, sizeof p, "%s/keyring", tmpdir);
	ck_assert_int_eq(chmod(p, 0644), 0);
	ck_assert_int_eq(try_load(&e), CUTRU_EPERM);
	snprintf(want, sizeof want, "chmod 600 %s", p);
	ck_assert_ptr_nonnull(strstr(e.msg, want));
	ck_assert_int_eq(chmod(p, 0600), 0);
	ck_assert_int_eq(try_load(&e), CUTRU_OK);
}
END_TEST

/* ------------------------------------------------------------ slow-down */

START_TEST(delay_grows_and_is_capped)
{
	ck_assert_int_eq(keyring_delay_for(0), 0);
	ck_assert_int_eq(keyring_delay_for(1), 0);
	ck_assert_int_eq(keyring_delay_for(2), 1);
	ck_assert_int_eq(keyring_delay_for(3), 2);
	ck_assert_int_eq(keyring_delay_for(4), 4);
	ck_assert_int_eq(keyring_delay_for(10), 256);
	ck_assert_int_eq(keyring_delay_for(11), KEYRING_DELAY_MAX);
	ck_assert_int_eq(keyring_delay_for(4000000000u), KEYRING_DELAY_MAX);
}
END_TEST

START_TEST(wrong_passphrases_slow_down_persistently)
{
	struct cutru_err e;
	long long wait;
	time_t t = 1700000000;
	char p[512];
	struct stat st;
	int i;

	make_keyring((char[KEYRING_RECOVERY_CODE_SIZE]){ 0 }, NULL);
	/* First mistake: no wait. */
	ck_assert_int_eq(try_unlock("lan", "wrong one here", t, NULL, &e),
	    CUTRU_ECRYPTO);
	ck_assert_ptr_null(strstr(e.msg, "Wait"));
	ck_assert_int_eq(keyring_delay_remaining(tmpdir, "lan", t, &wait,
	    &e), CUTRU_OK);
	ck_assert_int_eq(wait, 0);
	/* Second: one second, said in the message. */
	ck_assert_int_eq(try_unlock("lan", "wrong one here", t, NULL, &e),
	    CUTRU_ECRYPTO);
	ck_assert_ptr_nonnull(strstr(e.msg, "Wait 1 second "));
	/* Trying at once is refused without looking at the passphrase,
	 * even the right one. */
	ck_assert_int_eq(try_unlock("lan", pass_lan, t, NULL, &e),
	    CUTRU_EPERM);
	ck_assert_str_eq(e.field, "passphrase");
	ck_assert_ptr_nonnull(strstr(e.msg, "Wait 1 second "));
	/* The wait is per officer: the recovery code is not held back. */
	ck_assert_int_eq(keyring_delay_remaining(tmpdir, "*recovery", t,
	    &wait, &e), CUTRU_OK);
	ck_assert_int_eq(wait, 0);
	/* Growing: 2, 4, 8 s. */
	t += 1;
	ck_assert_int_eq(try_unlock("lan", "wrong one here", t, NULL, &e),
	    CUTRU_ECRYPTO);
	ck_assert_ptr_nonnull(strstr(e.msg, "Wait 2 seconds"));
	t += 2;
	ck_assert_int_eq(try_unlock("lan", "wrong one here", t, NULL, &e),
	    CUTRU_ECRYPTO);
	ck_assert_ptr_nonnull(strstr(e.msg, "Wait 4 seconds"));
	ck_assert_int_eq(keyring_delay_remaining(tmpdir, "lan", t + 3, &wait,
	    &e), CUTRU_OK);
	ck_assert_int_eq(wait, 1);
	ck_assert_int_eq(try_unlock("lan", pass_lan, t + 3, NULL, &e),
	    CUTRU_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "Wait 1 second "));
	/* Persisted in a private file. */
	snprintf(p, sizeof p, "%s/failures", tmpdir);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	/* The right passphrase after the wait clears the counter. */
	t += 4;
	ck_assert_int_eq(try_unlock("lan", pass_lan, t, NULL, &e), CUTRU_OK);
	ck_assert_int_eq(try_unlock("lan", "wrong one here", t, NULL, &e),
	    CUTRU_ECRYPTO);
	ck_assert_ptr_null(strstr(e.msg, "Wait"));
	/* Many failures: capped at five minutes. */
	for (i = 0; i < 15; i++) {
		t += KEYRING_DELAY_MAX;
		ck_assert_int_eq(try_unlock("lan", "wrong one here", t, NULL,
		    &e), CUTRU_ECRYPTO);
	}
	ck_assert_ptr_nonnull(strstr(e.msg, "Wait 300 seconds"));
	/* A clock set back restarts the wait from now, not from the
	 * future. */
	ck_assert_int_eq(keyring_delay_remaining(tmpdir, "lan", t - 86400,
	    &wait, &e), CUTRU_OK);
	ck_assert_int_eq(wait, KEYRING_DELAY_MAX);
	ck_assert_int_eq(keyring_delay_remaining(tmpdir, "lan",
	    t - 86400 + KEYRING_DELAY_MAX, &wait, &e), CUTRU_OK);
	ck_assert_int_eq(wait, 0);
	/* A failures file others may write to is refused. */
	ck_assert_int_eq(chmod(p, 0666), 0);
	ck_assert_int_eq(try_unlock("lan", pass_lan, t + 100000, NULL, &e),
	    CUTRU_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "chmod 600"));
}
END_TEST

START_TEST(wrong_recovery_codes_slow_down_but_typos_do_not)
{
	char code1[KEYRING_RECOVERY_CODE_SIZE], code2[KEYRING_RECOVERY_CODE_SIZE];
	struct cutru_err e;
	struct keyring *kr;
	time_t t = 1700000000;

	make_keyring(code1, NULL);
	make_keyring(code2, NULL);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_unlock_recovery(kr, code1, t, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(keyring_unlock_recovery(kr, code1, t, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(keyring_unlock_recovery(kr, code2, t, &e),
	    CUTRU_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "recovery codes"));
	/* A typo is told at once, it is no guess. */
	ck_assert_int_eq(keyring_unlock_recovery(kr, "AAAAA", t, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(keyring_unlock_recovery(kr, code2, t + 1, &e),
	    CUTRU_OK);
	keyring_free(kr);
	/* A junk failures file counts as none. */
	ck_assert_int_eq(storedir_write_atomic(tmpdir, "failures",
	    "garbage\n\xff\x00", 10, 0600, &e), CUTRU_OK);
	ck_assert_int_eq(try_unlock("lan", pass_lan, t, NULL, &e), CUTRU_OK);
}
END_TEST

/* ------------------------------------------------------------ rekey */

START_TEST(rekey_makes_a_new_key_every_entry_opens)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	unsigned char key[32], newkey[32], got[32];
	struct cutru_err e;
	struct keyring *kr, *nk;

	make_keyring(code, key);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_rekey(kr, &nk, &e), CUTRU_EPERM);
	ck_assert_ptr_null(nk);
	ck_assert_int_eq(keyring_unlock(kr, "lan", pass_lan, 1000, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_add_officer(kr, "mai", pass_mai, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_rekey(kr, &nk, &e), CUTRU_OK);
	/* The original is untouched until the caller saves the new one. */
	ck_assert_uint_eq(keyring_generation(kr), 1);
	ck_assert_int_eq(memcmp(keyring_key(kr), key, 32), 0);
	ck_assert_uint_eq(keyring_generation(nk), 2);
	ck_assert_int_ne(memcmp(keyring_key(nk), key, 32), 0);
	ck_assert_int_eq(memcmp(keyring_store_id(nk), keyring_store_id(kr),
	    16), 0);
	memcpy(newkey, keyring_key(nk), 32);
	ck_assert_int_eq(try_unlock("mai", pass_mai, 1000, got, &e),
	    CUTRU_OK);
	ck_assert_int_eq(memcmp(got, key, 32), 0);
	ck_assert_int_eq(keyring_save(nk, &e), CUTRU_OK);
	keyring_free(nk);
	keyring_free(kr);
	/* Every officer and the recovery code now give the new key. */
	ck_assert_int_eq(try_unlock("lan", pass_lan, 1000, got, &e),
	    CUTRU_OK);
	ck_assert_int_eq(memcmp(got, newkey, 32), 0);
	ck_assert_int_eq(try_unlock("mai", pass_mai, 1000, got, &e),
	    CUTRU_OK);
	ck_assert_int_eq(memcmp(got, newkey, 32), 0);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_uint_eq(keyring_generation(kr), 2);
	ck_assert_int_eq(keyring_unlock_recovery(kr, code, 1000, &e),
	    CUTRU_OK);
	ck_assert_int_eq(memcmp(keyring_key(kr), newkey, 32), 0);
	keyring_free(kr);
}
END_TEST

START_TEST(many_officers_up_to_the_limit)
{
	char code[KEYRING_RECOVERY_CODE_SIZE], login[16];
	struct cutru_err e;
	struct keyring *kr;
	int i;

	ck_assert_int_eq(keyring_create(tmpdir, &kmin, &kr, code, &e),
	    CUTRU_OK);
	for (i = 0; i < KEYRING_OFFICERS_MAX; i++) {
		snprintf(login, sizeof login, "officer%d", i);
		ck_assert_int_eq(keyring_add_officer(kr, login, pass_lan,
		    NULL, &e), CUTRU_OK);
	}
	ck_assert_int_eq(keyring_add_officer(kr, "onemore", pass_lan, NULL,
	    &e), CUTRU_ERANGE);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	keyring_free(kr);
	ck_assert_int_eq(try_unlock("officer99", pass_lan, 1000, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(try_unlock("officer0", pass_lan, 1000, NULL, &e),
	    CUTRU_OK);
}
END_TEST

START_TEST(bad_arguments)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct keyring_kdf bad = { 0, 0 };
	struct cutru_err e;
	struct keyring *kr = (void *)&e;

	ck_assert_int_eq(keyring_create(NULL, &kmin, &kr, code, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_null(kr);
	ck_assert_int_eq(keyring_create(tmpdir, &bad, &kr, code, &e),
	    CUTRU_ERANGE);
	ck_assert_ptr_null(kr);
	ck_assert_int_eq(keyring_create(tmpdir, &kmin, &kr, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(keyring_load(NULL, &kr, &e), CUTRU_EINVAL);
	ck_assert_int_eq(keyring_load(tmpdir, NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(keyring_unlock(NULL, "lan", pass_lan, 0, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(keyring_unlock_recovery(NULL, "x", 0, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_null(keyring_key(NULL));
	keyring_lock(NULL);
	ck_assert_int_eq(keyring_create(tmpdir, &kmin, &kr, code, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_add_officer(kr, "Lan", pass_lan, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "login");
	ck_assert_int_eq(keyring_add_officer(kr, "lan", "short", NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(keyring_add_officer(kr, "lan", pass_lan, &bad, &e),
	    CUTRU_ERANGE);
	ck_assert_uint_eq(keyring_officer_count(kr), 0);
	ck_assert_int_eq(keyring_new_recovery(kr, NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(keyring_officer_kdf(kr, "lan", &bad, &e),
	    CUTRU_ENOTFOUND);
	keyring_free(kr);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("keyring");
	TCase *tc = tcase_create("keyring");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kdf_limits_default_moderate_and_bounds);
	tcase_add_test(tc, default_limits_are_moderate_and_recorded_in_the_file);
	tcase_add_test(tc, create_save_load_unlock_gives_the_same_key);
	tcase_add_test(tc, wrong_passphrase_is_told_and_never_echoed);
	tcase_add_test(tc, officers_come_and_go_without_reencryption);
	tcase_add_test(tc, logins_and_passphrases_are_checked);
	tcase_add_test(tc, passphrase_typed_nfd_or_nfc_unlocks_alike);
	tcase_add_test(tc, recovery_code_unlocks_however_it_is_typed);
	tcase_add_test(tc, recovery_typos_name_the_group);
	tcase_add_test(tc, another_stores_code_does_not_open_this_one);
	tcase_add_test(tc, every_single_bit_flip_is_reported_as_damage);
	tcase_add_test(tc, magic_version_truncation_each_have_their_message);
	tcase_add_test(tc, edits_with_a_fixed_checksum_are_still_caught);
	tcase_add_test(tc, unlock_key_checks_the_mac);
	tcase_add_test(tc, keyring_readable_by_others_or_missing);
	tcase_add_test(tc, delay_grows_and_is_capped);
	tcase_add_test(tc, wrong_passphrases_slow_down_persistently);
	tcase_add_test(tc, wrong_recovery_codes_slow_down_but_typos_do_not);
	tcase_add_test(tc, rekey_makes_a_new_key_every_entry_opens);
	tcase_add_test(tc, many_officers_up_to_the_limit);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}
