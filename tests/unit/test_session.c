#include "config.h"

/* Sessions and officer accounts on real encrypted stores. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <check.h>
#include <sodium.h>
#include <cjson/cJSON.h>

#include "core/err.h"
#include "localdb/keyring.h"
#include "localdb/officer.h"
#include "localdb/session.h"
#include "localdb/store.h"
#include "tests/tools/sessiontest.h"
#include "tests/unit/tap_main.h"

static char *dir, *store;
#define t_day ws_vn(2026, 11, 30, 10, 0)

static void
setup(void)
{
	ws_scratch(&dir, &store);
}

static void
teardown(void)
{
	ws_rmdir(dir);
	free(dir);
	free(store);
}

static int
exists_in(const char *d, const char *name)
{
	char p[600];

	snprintf(p, sizeof p, "%s/%s", d, name);
	return access(p, F_OK) == 0;
}

static void
failures_reset(void)
{
	char p[600];

	snprintf(p, sizeof p, "%s/failures", store);
	(void)unlink(p);
}

static void
signing_public(struct session *s, const char *login, unsigned char *pk)
{
	struct cutru_err e;

	ck_assert_int_eq(keyring_sign_public(store_keyring(session_store(s)),
	    login, pk, &e), CUTRU_OK);
}

static void
row_public(struct session *s, const char *login, unsigned char *pk)
{
	struct officer_info o;
	struct cutru_err e;

	ck_assert_int_eq(officer_get(s, login, &o, &e), CUTRU_OK);
	ck_assert(o.has_sign_pk);
	memcpy(pk, o.sign_pk, 32);
	officer_info_free(&o);
}

/* The number of journal entries recording account changes. */
static long long
officer_entries(struct session *s, const char *action)
{
	char sql[200];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM journal WHERE "
	    "json_extract(CAST(payload AS TEXT), '$.kind') = 'officer' AND "
	    "json_extract(CAST(payload AS TEXT), '$.action') = '%s'", action);
	return ws_q_int(session_db(s), sql);
}

START_TEST(init_makes_a_ward_store_with_its_administrator)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	unsigned char pk[32], rowpk[32];
	struct officer_info *list;
	struct cutru_err e;
	struct session *s;
	struct store *st;
	size_t n;

	s = ws_init(store, code);
	ck_assert_uint_eq(strlen(code), KEYRING_RECOVERY_CODE_SIZE - 1);
	ck_assert_str_eq(session_login(s), "admin");
	ck_assert_str_eq(session_name(s), "Trần Văn Quản");
	ck_assert_int_eq(session_role(s), SESSION_ROLE_ADMIN);
	ck_assert_str_eq(session_ward_code(s), WS_WARD);
	ck_assert_str_eq(session_ward_name(s), WS_WARD_NAME);
	ck_assert_ptr_nonnull(session_db(s));
	ck_assert_int_eq(officer_list(s, &list, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].login, "admin");
	ck_assert_int_eq(list[0].role, SESSION_ROLE_ADMIN);
	ck_assert_int_eq(list[0].disabled, 0);
	ck_assert_str_eq(list[0].created, "2026-11-02T01:00:00Z");
	officer_list_free(list, n);
	signing_public(s, "admin", pk);
	row_public(s, "admin", rowpk);
	ck_assert_int_eq(memcmp(pk, rowpk, 32), 0);
	ck_assert_int_eq(officer_entries(s, "added"), 1);
	session_close(s);

	/* It opens again, with the passphrase or the recovery code. */
	s = ws_login(store, "admin", ws_pass_admin);
	ck_assert_str_eq(session_ward_name(s), WS_WARD_NAME);
	session_close(s);
	ck_assert_int_eq(store_open_recovery(store, code, t_day, &st, &e),
	    CUTRU_OK);
	store_close(st);
	/* A second init on it is refused and gives no code. */
	ck_assert_int_ne(session_init_store(store, WS_WARD, "x", "admin",
	    "Trần Văn Quản", ws_pass_admin, NULL, t_day, code, NULL, &e),
	    CUTRU_OK);
	ck_assert_str_eq(e.field, "store");
	ck_assert_str_eq(code, "");
	s = ws_login(store, "admin", ws_pass_admin);
	ck_assert_str_eq(session_ward_name(s), WS_WARD_NAME);
	session_close(s);
}
END_TEST

START_TEST(init_checks_everything_before_writing)
{
	static const struct {
		const char *code, *ward, *login, *name, *pass, *field;
	} bad[] = {
		{ "7", "Phường 7", "admin", "Trần Văn Quản", ws_pass_admin,
		    "ward_code" },
		{ "00000", "Phường 7", "admin", "Trần Văn Quản",
		    ws_pass_admin, "ward_code" },
		{ NULL, "Phường 7", "admin", "Trần Văn Quản", ws_pass_admin,
		    "ward_code" },
		{ "00070", " \t ", "admin", "Trần Văn Quản", ws_pass_admin,
		    "ward_name" },
		{ "00070", NULL, "admin", "Trần Văn Quản", ws_pass_admin,
		    "ward_name" },
		{ "00070", "Phường \xc0\xaf", "admin", "Trần Văn Quản",
		    ws_pass_admin, "ward_name" },
		{ "00070", "Phường 7", "Admin", "Trần Văn Quản",
		    ws_pass_admin, "login" },
		{ "00070", "Phường 7", "admin", "Trần 7", ws_pass_admin,
		    "name" },
		{ "00070", "Phường 7", "admin", NULL, ws_pass_admin, "name" },
		{ "00070", "Phường 7", "admin", "Trần Văn Quản", "short",
		    "passphrase" },
	};
	char code[KEYRING_RECOVERY_CODE_SIZE], *longname;
	struct keyring_kdf kmin;
	struct session *s = (struct session *)1;
	struct cutru_err e;
	size_t i;

	keyring_kdf_min(&kmin);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_ne(session_init_store(store, bad[i].code,
		    bad[i].ward, bad[i].login, bad[i].name, bad[i].pass, &kmin,
		    t_day, code, &s, &e), CUTRU_OK);
		ck_assert_msg(strcmp(e.field, bad[i].field) == 0,
		    "case %zu: field %s, msg %s", i, e.field, e.msg);
		ck_assert_ptr_null(s);
		ck_assert(!exists_in(store, "keyring"));
	}
	longname = malloc(1 << 20);
	ck_assert_ptr_nonnull(longname);
	memset(longname, 'a', (1 << 20) - 1);
	longname[(1 << 20) - 1] = '\0';
	ck_assert_int_eq(session_init_store(store, "00070", longname, "admin",
	    "Trần Văn Quản", ws_pass_admin, &kmin, t_day, code, NULL, &e),
	    CUTRU_ERANGE);
	ck_assert_str_eq(e.field, "ward_name");
	free(longname);
	ck_assert_int_eq(session_init_store(store, "00070", "Phường 7",
	    "admin", "Trần Văn Quản", ws_pass_admin, &kmin, t_day, NULL, NULL,
	    &e), CUTRU_EINVAL);
	ck_assert(!exists_in(store, "keyring"));
	/* Names typed with extra blanks are stored tidied (and as typed
	 * otherwise: names are not re-capitalised). */
	ck_assert_int_eq(session_init_store(store, "00070",
	    "  Phường\t Hàng  Bạc ", "admin", "trần  văn quản", ws_pass_admin,
	    &kmin, t_day, code, &s, &e), CUTRU_OK);
	ck_assert_str_eq(session_ward_name(s), "Phường Hàng Bạc");
	ck_assert_str_eq(session_name(s), "trần văn quản");
	session_close(s);
}
END_TEST

START_TEST(login_errors_are_each_their_own)
{
	struct session *s = (struct session *)1;
	struct cutru_err e;

	ck_assert_int_eq(session_open(store, "admin", ws_pass_admin, t_day, &s,
	    &e), CUTRU_ENOTFOUND);
	ck_assert_ptr_null(s);
	session_close(ws_ward(store, NULL));
	ck_assert_int_eq(session_open(store, "lan", "wrong wrong wrong", t_day,
	    &s, &e), CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "passphrase");
	ck_assert_ptr_null(s);
	ck_assert_int_eq(session_open(store, "nobody", ws_pass_lan, t_day, &s,
	    &e), CUTRU_ENOTFOUND);
	ck_assert_int_eq(session_open(store, "Lan", ws_pass_lan, t_day, &s,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(session_open(store, NULL, ws_pass_lan, t_day, &s,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(session_open(store, "lan", NULL, t_day, &s, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(session_open(store, "lan", ws_pass_lan, t_day, NULL,
	    &e), CUTRU_EINVAL);
	failures_reset();
	s = ws_login(store, "lan", ws_pass_lan);
	ck_assert_int_eq(session_role(s), SESSION_ROLE_OFFICER);
	ck_assert_str_eq(session_name(s), "Nguyễn Thị Lan");
	session_close(s);
	s = ws_login(store, "minh", ws_pass_minh);
	ck_assert_int_eq(session_role(s), SESSION_ROLE_SUPERVISOR);
	session_close(s);
	session_close(NULL);
}
END_TEST

START_TEST(only_administrators_add_officers)
{
	struct session *admin, *lan, *minh;
	struct officer_info *list;
	struct cutru_err e;
	size_t n;

	admin = ws_ward(store, NULL);
	lan = ws_login(store, "lan", ws_pass_lan);
	minh = ws_login(store, "minh", ws_pass_minh);
	ck_assert_int_eq(officer_add(lan, "tam", "Đỗ Văn Tâm",
	    SESSION_ROLE_ADMIN, "tam passphrase 123", t_day, &e), CUTRU_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "administrator"));
	ck_assert_int_eq(officer_add(minh, "tam", "Đỗ Văn Tâm",
	    SESSION_ROLE_OFFICER, "tam passphrase 123", t_day, &e),
	    CUTRU_EPERM);
	ck_assert_int_eq(officer_disable(minh, "lan", t_day, &e), CUTRU_EPERM);
	ck_assert_int_eq(officer_enable(lan, "lan", t_day, &e), CUTRU_EPERM);
	/* Refused without a trace in the keyring. */
	ck_assert_int_eq(session_open(store, "tam", "tam passphrase 123",
	    t_day, (struct session *[]){ NULL }, &e), CUTRU_ENOTFOUND);

	ck_assert_int_eq(officer_add(admin, "lan", "Nguyễn Thị Lan",
	    SESSION_ROLE_OFFICER, ws_pass_lan, t_day, &e), CUTRU_ECONFLICT);
	ck_assert_int_eq(officer_add(admin, "tam", "Đỗ Văn Tâm",
	    (enum session_role)7, "tam passphrase 123", t_day, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "role");
	ck_assert_int_eq(officer_add(admin, "tam", "Đỗ Văn 7",
	    SESSION_ROLE_OFFICER, "tam passphrase 123", t_day, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "name");
	ck_assert_int_eq(officer_add(admin, "tam", "Đỗ Văn Tâm",
	    SESSION_ROLE_OFFICER, "tam", t_day, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "passphrase");
	ck_assert_int_eq(officer_add(admin, "t am", "Đỗ Văn Tâm",
	    SESSION_ROLE_OFFICER, "tam passphrase 123", t_day, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "login");
	ck_assert_int_eq(officer_add(NULL, "tam", "Đỗ Văn Tâm",
	    SESSION_ROLE_OFFICER, "tam passphrase 123", t_day, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(officer_add(admin, "tam", "đỗ  văn tâm",
	    SESSION_ROLE_ADMIN, "tam passphrase 123", t_day, &e), CUTRU_OK);

	ck_assert_int_eq(officer_list(lan, &list, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(list[0].login, "admin");
	ck_assert_str_eq(list[1].login, "hung");
	ck_assert_int_eq(list[1].role, SESSION_ROLE_SUPERVISOR);
	ck_assert_str_eq(list[2].login, "lan");
	ck_assert_int_eq(list[2].role, SESSION_ROLE_OFFICER);
	ck_assert_str_eq(list[3].login, "minh");
	ck_assert_str_eq(list[4].login, "tam");
	ck_assert_str_eq(list[4].name, "đỗ văn tâm");
	ck_assert_int_eq(list[4].role, SESSION_ROLE_ADMIN);
	ck_assert(list[4].has_sign_pk);
	officer_list_free(list, n);
	ck_assert_int_eq(officer_entries(admin, "added"), 5);
	session_close(lan);
	session_close(minh);
	session_close(admin);
}
END_TEST

START_TEST(disabled_accounts_cannot_log_in_or_go_on)
{
	struct session *admin, *lan, *s = NULL;
	struct officer_info o;
	struct cutru_err e;

	admin = ws_ward(store, NULL);
	lan = ws_login(store, "lan", ws_pass_lan);
	ck_assert_int_eq(officer_disable(admin, "admin", t_day, &e),
	    CUTRU_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "your own"));
	ck_assert_int_eq(officer_disable(admin, "nobody", t_day, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_int_eq(officer_disable(admin, "lan", t_day, &e), CUTRU_OK);
	ck_assert_int_eq(officer_disable(admin, "lan", t_day, &e), CUTRU_OK);
	ck_assert_int_eq(officer_get(admin, "lan", &o, &e), CUTRU_OK);
	ck_assert_int_eq(o.disabled, 1);
	officer_info_free(&o);

	ck_assert_int_eq(session_open(store, "lan", ws_pass_lan, t_day, &s,
	    &e), CUTRU_EPERM);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(e.field, "login");
	ck_assert_ptr_nonnull(strstr(e.msg, "disabled"));
	/* Her session still open elsewhere can do nothing more. */
	ck_assert_int_eq(session_refresh(lan, &e), CUTRU_EPERM);
	ck_assert_int_eq(officer_change_passphrase(lan, ws_pass_lan,
	    "another fine passphrase", t_day, &e), CUTRU_EPERM);
	session_close(lan);

	ck_assert_int_eq(officer_enable(admin, "lan", t_day, &e), CUTRU_OK);
	lan = ws_login(store, "lan", ws_pass_lan);
	session_close(lan);
	/* An administrator disabled at another console stops too. */
	ck_assert_int_eq(officer_add(admin, "tam", "Đỗ Văn Tâm",
	    SESSION_ROLE_ADMIN, "tam passphrase 123", t_day, &e), CUTRU_OK);
	s = ws_login(store, "tam", "tam passphrase 123");
	ck_assert_int_eq(officer_disable(s, "admin", t_day, &e), CUTRU_OK);
	ck_assert_int_eq(officer_enable(admin, "lan", t_day, &e), CUTRU_EPERM);
	ck_assert_int_eq(officer_entries(s, "disabled"), 2);
	ck_assert_int_eq(officer_entries(s, "enabled"), 1);
	session_close(s);
	session_close(admin);
}
END_TEST

START_TEST(changing_a_passphrase_keeps_the_signing_key)
{
	static const char newpass[] = "lan has a new passphrase";
	unsigned char before[32], after[32], *sk;
	struct session *lan, *s = NULL;
	struct cutru_err e;

	session_close(ws_ward(store, NULL));
	lan = ws_login(store, "lan", ws_pass_lan);
	signing_public(lan, "lan", before);
	ck_assert_int_eq(officer_change_passphrase(lan, "not my passphrase",
	    newpass, t_day, &e), CUTRU_ECRYPTO);
	ck_assert_int_eq(officer_change_passphrase(lan, ws_pass_lan, "short",
	    t_day, &e), CUTRU_EINVAL);
	failures_reset();
	ck_assert_int_eq(officer_change_passphrase(lan, ws_pass_lan, newpass,
	    t_day, &e), CUTRU_OK);
	signing_public(lan, "lan", after);
	ck_assert_int_eq(memcmp(before, after, 32), 0);
	session_close(lan);
	ck_assert_int_eq(session_open(store, "lan", ws_pass_lan, t_day, &s,
	    &e), CUTRU_ECRYPTO);
	failures_reset();
	lan = ws_login(store, "lan", newpass);
	row_public(lan, "lan", after);
	ck_assert_int_eq(memcmp(before, after, 32), 0);
	ck_assert_int_eq(keyring_sign_secret(store_keyring(session_store(lan)),
	    "lan", newpass, t_day, &sk, &e), CUTRU_OK);
	ck_assert_int_eq(memcmp(sk + 32, before, 32), 0);
	sodium_free(sk);
	session_close(lan);
}
END_TEST

START_TEST(the_recovery_code_resets_a_forgotten_passphrase)
{
	static const char newpass[] = "minh starts again now";
	char code[KEYRING_RECOVERY_CODE_SIZE];
	unsigned char before[32], after[32], rowpk[32];
	struct session *s = NULL;
	struct cutru_err e;

	session_close(ws_ward(store, code));
	s = ws_login(store, "minh", ws_pass_minh);
	signing_public(s, "minh", before);
	session_close(s);
	ck_assert_int_eq(officer_reset_passphrase(store, "00000-00000", "minh",
	    newpass, t_day, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "recovery_code");
	ck_assert_int_eq(officer_reset_passphrase(store, code, "nobody",
	    newpass, t_day, &e), CUTRU_ENOTFOUND);
	ck_assert_int_eq(officer_reset_passphrase(store, code, "minh", "short",
	    t_day, &e), CUTRU_EINVAL);
	ck_assert_int_eq(officer_reset_passphrase(store, code, "minh", newpass,
	    t_day, &e), CUTRU_OK);
	ck_assert_int_eq(session_open(store, "minh", ws_pass_minh, t_day, &s,
	    &e), CUTRU_ECRYPTO);
	failures_reset();
	s = ws_login(store, "minh", newpass);
	/* A new signing key, registered in the row and the journal. */
	signing_public(s, "minh", after);
	row_public(s, "minh", rowpk);
	ck_assert_int_ne(memcmp(before, after, 32), 0);
	ck_assert_int_eq(memcmp(after, rowpk, 32), 0);
	ck_assert_int_eq(officer_entries(s, "passphrase_reset"), 1);
	ck_assert_int_eq(ws_q_int(session_db(s), "SELECT count(*) FROM "
	    "journal WHERE actor = '*recovery'"), 1);
	session_close(s);
	/* The other officers are untouched. */
	session_close(ws_login(store, "hung", ws_pass_hung));
}
END_TEST

START_TEST(an_add_interrupted_after_the_keyring_is_finished_by_adding_again)
{
	struct session *admin, *s = NULL;
	unsigned char pk[32], rowpk[32];
	struct cutru_err e;

	admin = ws_init(store, NULL);
	/* The keyring step alone, as if the row had never been written. */
	ck_assert_int_eq(store_add_officer(session_store(admin), "tam",
	    "an old passphrase 1", &e), CUTRU_OK);
	ck_assert_int_eq(session_open(store, "tam", "an old passphrase 1",
	    t_day, &s, &e), CUTRU_EPERM);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(e.msg, "no account"));
	ck_assert_int_eq(officer_add(admin, "tam", "Đỗ Văn Tâm",
	    SESSION_ROLE_SUPERVISOR, "tam passphrase 123", t_day, &e),
	    CUTRU_OK);
	ck_assert_int_eq(session_open(store, "tam", "an old passphrase 1",
	    t_day, &s, &e), CUTRU_ECRYPTO);
	failures_reset();
	s = ws_login(store, "tam", "tam passphrase 123");
	ck_assert_int_eq(session_role(s), SESSION_ROLE_SUPERVISOR);
	signing_public(s, "tam", pk);
	row_public(s, "tam", rowpk);
	ck_assert_int_eq(memcmp(pk, rowpk, 32), 0);
	session_close(s);
	session_close(admin);
}
END_TEST

START_TEST(a_rekey_keeps_the_signing_keys)
{
	unsigned char before[32], after[32], *sk;
	struct session *s;
	struct cutru_err e;

	session_close(ws_ward(store, NULL));
	s = ws_login(store, "minh", ws_pass_minh);
	signing_public(s, "minh", before);
	ck_assert_msg(store_rekey(session_store(s), &e) == CUTRU_OK, "%s",
	    e.msg);
	signing_public(s, "minh", after);
	ck_assert_int_eq(memcmp(before, after, 32), 0);
	session_close(s);
	s = ws_login(store, "minh", ws_pass_minh);
	ck_assert_int_eq(keyring_sign_secret(store_keyring(session_store(s)),
	    "minh", ws_pass_minh, t_day, &sk, &e), CUTRU_OK);
	ck_assert_int_eq(memcmp(sk + 32, before, 32), 0);
	sodium_free(sk);
	session_close(s);
}
END_TEST

START_TEST(roles_and_times)
{
	enum session_role r;
	struct cutru_date d;
	char at[SESSION_AT_SIZE];
	struct cutru_err e;
	int sec;

	ck_assert_int_eq(session_role_parse("supervisor", &r, &e), CUTRU_OK);
	ck_assert_int_eq(r, SESSION_ROLE_SUPERVISOR);
	ck_assert_int_eq(session_role_parse("Admin", &r, &e), CUTRU_EINVAL);
	ck_assert_int_eq(session_role_parse(NULL, &r, &e), CUTRU_EINVAL);
	ck_assert_str_eq(session_role_id(SESSION_ROLE_ADMIN), "admin");
	ck_assert_str_eq(session_role_id((enum session_role)9), "?");
	ck_assert_int_eq(session_time_utc(ws_vn(2026, 11, 30, 6, 5), at, &e),
	    CUTRU_OK);
	ck_assert_str_eq(at, "2026-11-29T23:05:00Z");
	ck_assert_int_eq(session_today(ws_vn(2026, 11, 30, 6, 5), &d, &sec,
	    &e), CUTRU_OK);
	ck_assert_int_eq(d.day, 30);
	ck_assert_int_eq(sec, 6 * 3600 + 5 * 60);
	ck_assert_int_eq(session_time_utc((time_t)-1, at, &e), CUTRU_OK);
	ck_assert_str_eq(at, "1969-12-31T23:59:59Z");
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, init_makes_a_ward_store_with_its_administrator);
	tcase_add_test(tc, init_checks_everything_before_writing);
	tcase_add_test(tc, login_errors_are_each_their_own);
	tcase_add_test(tc, only_administrators_add_officers);
	tcase_add_test(tc, disabled_accounts_cannot_log_in_or_go_on);
	tcase_add_test(tc, changing_a_passphrase_keeps_the_signing_key);
	tcase_add_test(tc, the_recovery_code_resets_a_forgotten_passphrase);
	tcase_add_test(tc,
	    an_add_interrupted_after_the_keyring_is_finished_by_adding_again);
	tcase_add_test(tc, a_rekey_keeps_the_signing_keys);
	tcase_add_test(tc, roles_and_times);
	suite_add_tcase(s, tc);
	return s;
}
