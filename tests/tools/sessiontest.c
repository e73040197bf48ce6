#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sodium.h>

#include "core/date.h"
#include "localdb/keyring.h"
#include "localdb/officer.h"
#include "localdb/session.h"
#include "tests/tools/sessiontest.h"

const char ws_pass_admin[] = "admin of the ward 70";
const char ws_pass_lan[] = "lan receives dossiers";
const char ws_pass_minh[] = "minh approves with care";
const char ws_pass_hung[] = "hung the other supervisor";

void
ws_scratch(char **dir, char **store)
{
	char tmpl[] = "/tmp/cutru-dossier-XXXXXX";
	size_t n;

	ck_assert_int_ge(sodium_init(), 0);
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	*dir = strdup(tmpl);
	ck_assert_ptr_nonnull(*dir);
	n = strlen(tmpl) + 16;
	*store = malloc(n);
	ck_assert_ptr_nonnull(*store);
	snprintf(*store, n, "%s/store", tmpl);
}

void
ws_rmdir(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

time_t
ws_vn(int year, int month, int day, int hour, int minute)
{
	struct cutru_date d = { year, month, day, CUTRU_DATE_DAY };
	long days;

	ck_assert_int_eq(date_to_days(&d, &days), CUTRU_OK);
	return (time_t)((long long)days * 86400 + hour * 3600 + minute * 60 -
	    DATE_VN_UTC_OFFSET);
}

struct session *
ws_init(const char *path, char *code)
{
	char buf[KEYRING_RECOVERY_CODE_SIZE];
	struct keyring_kdf kmin;
	struct session *s = NULL;
	struct cutru_err e;
	int rc;

	keyring_kdf_min(&kmin);
	rc = session_init_store(path, WS_WARD, WS_WARD_NAME, "admin",
	    "Trần Văn Quản", ws_pass_admin, &kmin, ws_vn(2026, 11, 2, 8, 0),
	    code != NULL ? code : buf, &s, &e);
	ck_assert_msg(rc == CUTRU_OK, "init: %s", e.msg);
	ck_assert_ptr_nonnull(s);
	return s;
}

struct session *
ws_ward(const char *path, char *code)
{
	struct session *s = ws_init(path, code);
	time_t t = ws_vn(2026, 11, 2, 8, 30);
	struct cutru_err e;

	ck_assert_msg(officer_add(s, "lan", "Nguyễn Thị Lan",
	    SESSION_ROLE_OFFICER, ws_pass_lan, t, &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_msg(officer_add(s, "minh", "Lê Văn Minh",
	    SESSION_ROLE_SUPERVISOR, ws_pass_minh, t, &e) == CUTRU_OK, "%s",
	    e.msg);
	ck_assert_msg(officer_add(s, "hung", "Phạm Quốc Hùng",
	    SESSION_ROLE_SUPERVISOR, ws_pass_hung, t, &e) == CUTRU_OK, "%s",
	    e.msg);
	return s;
}

struct session *
ws_login(const char *path, const char *login, const char *pass)
{
	struct session *s = NULL;
	struct cutru_err e;
	int rc;

	rc = session_open(path, login, pass, ws_vn(2026, 11, 2, 9, 0), &s,
	    &e);
	ck_assert_msg(rc == CUTRU_OK, "login %s: %s", login, e.msg);
	return s;
}

long long
ws_q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "no row: %s", sql);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

char *
ws_q_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	char *v = NULL;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "no row: %s", sql);
	t = sqlite3_column_text(st, 0);
	if (t != NULL) {
		v = strdup((const char *)t);
		ck_assert_ptr_nonnull(v);
	}
	sqlite3_finalize(st);
	return v;
}

char *
ws_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	b = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}
