#include "config.h"

/* The officers' Ed25519 signing keys in the keyring (format version 2). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <check.h>
#include <sodium.h>

#include "core/err.h"
#include "localdb/keyring.h"
#include "localdb/storedir.h"
#include "tests/unit/tap_main.h"

/* Offsets in a keyring with one officer "lan" (see keyring.c). */
#define OFF_OFFICER 166
#define OFF_LAN_SEALED (OFF_OFFICER + 2 + 3 + 1 + 8 + 8 + 16 + 32 + 24 + 48)
#define OFF_LAN_SIGN_TAG (OFF_LAN_SEALED + 80)
#define OFF_LAN_SIGN_PK (OFF_LAN_SIGN_TAG + 1)
#define OFF_LAN_SIGN_NONCE (OFF_LAN_SIGN_PK + 32)
#define OFF_LAN_SIGN_WRAPPED (OFF_LAN_SIGN_NONCE + 24)
#define LEN_ONE_OFFICER (OFF_LAN_SIGN_WRAPPED + 48 + 64)

static const char pass_lan[] = "correct horse battery";
static const char pass_lan2[] = "a new passphrase for lan";
static const char pass_mai[] = "mai officer ward 7";
static char tmpdir[256];
static struct keyring_kdf kmin;
static char code[KEYRING_RECOVERY_CODE_SIZE];

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/cutru-ksign-XXXXXX");
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

/* A saved keyring with "lan" (and "mai" when two) in tmpdir. */
static void
make_keyring(int two)
{
	struct cutru_err e;
	struct keyring *kr;

	ck_assert_int_eq(keyring_create(tmpdir, &kmin, &kr, code, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_add_officer(kr, "lan", pass_lan, NULL, &e),
	    CUTRU_OK);
	if (two)
		ck_assert_int_eq(keyring_add_officer(kr, "mai", pass_mai, NULL,
		    &e), CUTRU_OK);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	keyring_free(kr);
}

static struct keyring *
load_unlocked(const char *login, const char *pass)
{
	struct cutru_err e;
	struct keyring *kr;

	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_msg(keyring_unlock(kr, login, pass, 1000, &e) == CUTRU_OK,
	    "%s", e.msg);
	return kr;
}

static void
public_of(const char *login, unsigned char *pk)
{
	struct keyring *kr = load_unlocked("lan", pass_lan);
	struct cutru_err e;

	ck_assert_int_eq(keyring_sign_public(kr, login, pk, &e), CUTRU_OK);
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

static void
write_keyring(unsigned char *b, size_t len, int fix_sum)
{
	struct cutru_err e;

	if (fix_sum)
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

/* Sign msg with login's secret key (opened by pass) and check it with pk. */
static int
signs_for(const struct keyring *kr, const char *login, const char *pass,
    const unsigned char *pk, time_t now, struct cutru_err *e)
{
	static const unsigned char msg[] = "{\"dossier\":\"1/2026/PTN\"}";
	unsigned char sig[64], *sk = (unsigned char *)1;
	int rc;

	rc = keyring_sign_secret(kr, login, pass, now, &sk, e);
	if (rc != CUTRU_OK) {
		ck_assert_ptr_null(sk);
		return rc;
	}
	ck_assert_ptr_nonnull(sk);
	crypto_sign_detached(sig, NULL, msg, sizeof msg - 1, sk);
	sodium_free(sk);
	return crypto_sign_verify_detached(sig, msg, sizeof msg - 1, pk) == 0 ?
	    CUTRU_OK : CUTRU_ECRYPTO;
}

START_TEST(every_officer_has_a_signing_key_of_their_own)
{
	unsigned char pk_lan[32], pk_mai[32], zero[32] = { 0 };
	struct keyring *kr;
	struct cutru_err e;
	unsigned char *b;
	size_t len;

	make_keyring(0);
	b = read_keyring(&len);
	ck_assert_uint_eq(len, LEN_ONE_OFFICER);
	ck_assert_int_eq(b[7], 2);
	ck_assert_int_eq(b[OFF_LAN_SIGN_TAG], 1);
	free(b);
	make_keyring(1);
	public_of("lan", pk_lan);
	public_of("mai", pk_mai);
	ck_assert_int_ne(memcmp(pk_lan, zero, 32), 0);
	ck_assert_int_ne(memcmp(pk_lan, pk_mai, 32), 0);

	kr = load_unlocked("lan", pass_lan);
	ck_assert_int_eq(signs_for(kr, "lan", pass_lan, pk_lan, 1000, &e),
	    CUTRU_OK);
	ck_assert_int_eq(signs_for(kr, "mai", pass_mai, pk_mai, 1000, &e),
	    CUTRU_OK);
	/* One officer's key does not sign for the other. */
	ck_assert_int_eq(signs_for(kr, "mai", pass_mai, pk_lan, 1000, &e),
	    CUTRU_ECRYPTO);
	/* Another officer's passphrase does not open it. */
	ck_assert_int_eq(signs_for(kr, "lan", pass_mai, pk_lan, 1000, &e),
	    CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "passphrase");
	ck_assert_ptr_nonnull(strstr(e.msg, "Wrong passphrase"));
	ck_assert_ptr_null(strstr(e.msg, pass_mai));
	keyring_free(kr);
}
END_TEST

START_TEST(the_secret_key_opens_from_a_locked_keyring_but_the_public_needs_the_mac)
{
	unsigned char pk[32], got[32];
	struct keyring *kr;
	struct cutru_err e;

	make_keyring(0);
	public_of("lan", pk);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_sign_public(kr, "lan", got, &e), CUTRU_EPERM);
	ck_assert_str_eq(e.field, "keyring");
	ck_assert_int_eq(signs_for(kr, "lan", pass_lan, pk, 1000, &e),
	    CUTRU_OK);
	/* It did not unlock the keyring. */
	ck_assert_ptr_null(keyring_key(kr));
	ck_assert_int_eq(keyring_sign_public(kr, "nobody", got, &e),
	    CUTRU_EPERM);
	ck_assert_int_eq(keyring_unlock(kr, "lan", pass_lan, 1000, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_sign_public(kr, "lan", got, &e), CUTRU_OK);
	ck_assert_int_eq(memcmp(got, pk, 32), 0);
	ck_assert_int_eq(keyring_sign_public(kr, "nobody", got, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "login");
	keyring_free(kr);
}
END_TEST

START_TEST(wrong_passphrases_at_signing_slow_down_like_at_unlock)
{
	unsigned char pk[32], *sk;
	struct keyring *kr;
	struct cutru_err e;
	long long wait;

	make_keyring(0);
	public_of("lan", pk);
	reset_failures();
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_sign_secret(kr, "lan", "not the one at all",
	    1000, &sk, &e), CUTRU_ECRYPTO);
	ck_assert_int_eq(keyring_sign_secret(kr, "lan", "not the one at all",
	    1000, &sk, &e), CUTRU_ECRYPTO);
	ck_assert_ptr_nonnull(strstr(e.msg, "Wait 1 second"));
	/* Even the right passphrase must wait now. */
	ck_assert_int_eq(keyring_sign_secret(kr, "lan", pass_lan, 1000, &sk,
	    &e), CUTRU_EPERM);
	ck_assert_ptr_null(sk);
	ck_assert_int_eq(keyring_delay_remaining(tmpdir, "lan", 1000, &wait,
	    &e), CUTRU_OK);
	ck_assert_int_eq(wait, 1);
	/* The same counter as unlocking. */
	ck_assert_int_eq(keyring_unlock(kr, "lan", pass_lan, 1000, &e),
	    CUTRU_EPERM);
	ck_assert_int_eq(signs_for(kr, "lan", pass_lan, pk, 1001, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_delay_remaining(tmpdir, "lan", 1001, &wait,
	    &e), CUTRU_OK);
	ck_assert_int_eq(wait, 0);
	ck_assert_int_eq(keyring_sign_secret(kr, "nobody", pass_lan, 1001,
	    &sk, &e), CUTRU_ENOTFOUND);
	keyring_free(kr);
}
END_TEST

START_TEST(a_passphrase_change_keeps_the_key_a_reset_makes_a_new_one)
{
	unsigned char pk0[32], pk1[32], pk2[32];
	struct keyring *kr;
	struct cutru_err e;

	make_keyring(1);
	public_of("lan", pk0);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_change_passphrase(kr, "lan", pass_lan,
	    pass_lan2, 1000, NULL, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_save(kr, &e), CUTRU_OK);
	keyring_free(kr);

	kr = load_unlocked("lan", pass_lan2);
	ck_assert_int_eq(keyring_sign_public(kr, "lan", pk1, &e), CUTRU_OK);
	ck_assert_int_eq(memcmp(pk0, pk1, 32), 0);
	ck_assert_int_eq(signs_for(kr, "lan", pass_lan2, pk0, 1000, &e),
	    CUTRU_OK);
	ck_assert_int_eq(signs_for(kr, "lan", pass_lan, pk0, 1000, &e),
	    CUTRU_ECRYPTO);
	reset_failures();
	/* A wrong old passphrase changes nothing. */
	ck_assert_int_eq(keyring_change_passphrase(kr, "lan", pass_lan,
	    pass_mai, 1000, NULL, &e), CUTRU_ECRYPTO);
	reset_failures();
	/* Set without the old passphrase (the recovery code's way): new key. */
	ck_assert_int_eq(keyring_set_passphrase(kr, "lan", pass_lan, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_sign_public(kr, "lan", pk2, &e), CUTRU_OK);
	ck_assert_int_ne(memcmp(pk0, pk2, 32), 0);
	ck_assert_int_eq(signs_for(kr, "lan", pass_lan, pk2, 1000, &e),
	    CUTRU_OK);
	ck_assert_int_eq(signs_for(kr, "lan", pass_lan, pk0, 1000, &e),
	    CUTRU_ECRYPTO);
	/* The other officer's key is untouched. */
	ck_assert_int_eq(keyring_sign_public(kr, "mai", pk1, &e), CUTRU_OK);
	ck_assert_int_eq(signs_for(kr, "mai", pass_mai, pk1, 1000, &e),
	    CUTRU_OK);
	keyring_free(kr);
}
END_TEST

START_TEST(a_rekey_keeps_every_signing_key)
{
	unsigned char lan[32], mai[32], after[32];
	struct keyring *kr, *nk;
	struct cutru_err e;

	make_keyring(1);
	public_of("lan", lan);
	public_of("mai", mai);
	kr = load_unlocked("mai", pass_mai);
	ck_assert_int_eq(keyring_rekey(kr, &nk, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_save(nk, &e), CUTRU_OK);
	keyring_free(nk);
	keyring_free(kr);
	kr = load_unlocked("lan", pass_lan);
	ck_assert_uint_eq(keyring_generation(kr), 2);
	ck_assert_int_eq(keyring_sign_public(kr, "lan", after, &e), CUTRU_OK);
	ck_assert_int_eq(memcmp(lan, after, 32), 0);
	ck_assert_int_eq(keyring_sign_public(kr, "mai", after, &e), CUTRU_OK);
	ck_assert_int_eq(memcmp(mai, after, 32), 0);
	ck_assert_int_eq(signs_for(kr, "lan", pass_lan, lan, 1000, &e),
	    CUTRU_OK);
	ck_assert_int_eq(signs_for(kr, "mai", pass_mai, mai, 1000, &e),
	    CUTRU_OK);
	keyring_free(kr);
}
END_TEST

START_TEST(edits_to_the_signing_key_are_caught)
{
	unsigned char pk[32], other[32], *b, *c, *sk;
	struct keyring *kr;
	struct cutru_err e;
	size_t len;

	make_keyring(0);
	public_of("lan", pk);
	b = read_keyring(&len);
	c = malloc(len);
	ck_assert_ptr_nonnull(c);

	/* Somebody else's public key in lan's entry, checksum recomputed:
	 * the file loads, but unlocking finds the MAC wrong and the secret
	 * key does not open. */
	memcpy(c, b, len);
	crypto_sign_keypair(other, (unsigned char[64]){ 0 });
	memcpy(c + OFF_LAN_SIGN_PK, other, 32);
	write_keyring(c, len, 1);
	reset_failures();
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_sign_secret(kr, "lan", pass_lan, 1000, &sk,
	    &e), CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "keyring");
	ck_assert_ptr_nonnull(strstr(e.msg, "altered"));
	ck_assert_int_eq(keyring_unlock(kr, "lan", pass_lan, 1000, &e),
	    CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "keyring");
	keyring_free(kr);

	/* The wrapped seed or its nonce changed: altered, not "wrong
	 * passphrase", and not counted as a failure. */
	memcpy(c, b, len);
	c[OFF_LAN_SIGN_WRAPPED + 3] ^= 1;
	write_keyring(c, len, 1);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_sign_secret(kr, "lan", pass_lan, 1000, &sk,
	    &e), CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "keyring");
	keyring_free(kr);
	memcpy(c, b, len);
	c[OFF_LAN_SIGN_NONCE] ^= 0x80;
	write_keyring(c, len, 1);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_OK);
	ck_assert_int_eq(keyring_sign_secret(kr, "lan", pass_lan, 1000, &sk,
	    &e), CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "keyring");
	keyring_free(kr);

	/* An unknown signature algorithm is told as such. */
	memcpy(c, b, len);
	c[OFF_LAN_SIGN_TAG] = 9;
	write_keyring(c, len, 1);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "tag 9"));

	/* A keyring cut in the signing part is damaged. */
	write_keyring(b, OFF_LAN_SIGN_WRAPPED + 10, 0);
	ck_assert_int_eq(keyring_load(tmpdir, &kr, &e), CUTRU_EIO);

	/* The original still works. */
	write_keyring(b, len, 0);
	reset_failures();
	kr = load_unlocked("lan", pass_lan);
	ck_assert_int_eq(signs_for(kr, "lan", pass_lan, pk, 1000, &e),
	    CUTRU_OK);
	keyring_free(kr);
	free(b);
	free(c);
}
END_TEST

START_TEST(bad_arguments)
{
	unsigned char pk[32], *sk = (unsigned char *)1;
	struct keyring *kr;
	struct cutru_err e;

	make_keyring(0);
	kr = load_unlocked("lan", pass_lan);
	ck_assert_int_eq(keyring_sign_secret(NULL, "lan", pass_lan, 1000, &sk,
	    &e), CUTRU_EINVAL);
	ck_assert_ptr_null(sk);
	ck_assert_int_eq(keyring_sign_secret(kr, "lan", pass_lan, 1000, NULL,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(keyring_sign_secret(kr, NULL, pass_lan, 1000, &sk,
	    &e), CUTRU_ENOTFOUND);
	ck_assert_int_eq(keyring_sign_secret(kr, "lan", NULL, 1000, &sk, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(keyring_sign_public(NULL, "lan", pk, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(keyring_sign_public(kr, "lan", NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(keyring_sign_public(kr, NULL, pk, &e),
	    CUTRU_ENOTFOUND);
	/* Hostile logins are not echoed. */
	ck_assert_int_eq(keyring_sign_secret(kr, "l\xc0\xaf", pass_lan, 1000,
	    &sk, NULL), CUTRU_ENOTFOUND);
	keyring_free(kr);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("keyring_sign");
	TCase *tc = tcase_create("keyring_sign");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_officer_has_a_signing_key_of_their_own);
	tcase_add_test(tc,
	    the_secret_key_opens_from_a_locked_keyring_but_the_public_needs_the_mac);
	tcase_add_test(tc, wrong_passphrases_at_signing_slow_down_like_at_unlock);
	tcase_add_test(tc, a_passphrase_change_keeps_the_key_a_reset_makes_a_new_one);
	tcase_add_test(tc, a_rekey_keeps_every_signing_key);
	tcase_add_test(tc, edits_to_the_signing_key_are_caught);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}
