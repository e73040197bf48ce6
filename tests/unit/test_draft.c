#include "config.h"

/* Drafts of procedure forms (localdb/draft.h) on real encrypted stores:
 * what is saved comes back whole, after the store is closed too; each
 * officer sees only their own; hostile sizes and texts are refused and
 * change nothing; the per-officer limit; no typed text reaches a file in
 * plaintext; the cost of a save. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <check.h>

#include "core/err.h"
#include "localdb/draft.h"
#include "localdb/session.h"
#include "tests/tools/sessiontest.h"
#include "tests/unit/tap_main.h"

static char *dir, *store;
static struct session *lan, *minh;
#define T0 ws_vn(2026, 11, 30, 10, 0)

static const char fields_a[] =
    "{\"values\": {\"applicant.name\": \"Lê Thị Hoa\", "
    "\"applicant.id_number\": \"079195012345\"}}";

static void
setup(void)
{
	struct session *admin;

	ws_scratch(&dir, &store);
	admin = ws_ward(store, NULL);
	session_close(admin);
	lan = ws_login(store, "lan", ws_pass_lan);
	minh = ws_login(store, "minh", ws_pass_minh);
}

static void
teardown(void)
{
	session_close(lan);
	session_close(minh);
	lan = minh = NULL;
	ws_rmdir(dir);
	free(dir);
	free(store);
}

static int64_t
save_new(struct session *s, const char *fields, time_t now)
{
	struct cutru_err e;
	int64_t id = 0;

	ck_assert_int_eq(draft_save(s, &id, "temporary.register", 1,
	    "applicant.name", fields, strlen(fields), 0, now, &e), CUTRU_OK);
	ck_assert_int_gt(id, 0);
	return id;
}

static size_t
n_drafts(struct session *s)
{
	struct cutru_err e;
	size_t n = 99;

	ck_assert_int_eq(draft_count(s, &n, &e), CUTRU_OK);
	return n;
}

START_TEST(test_round_trip)
{
	struct cutru_err e;
	struct draft d;
	int64_t id;

	id = save_new(lan, fields_a, T0);
	ck_assert_int_eq(draft_get(lan, id, &d, &e), CUTRU_OK);
	ck_assert_int_eq(d.id, id);
	ck_assert_str_eq(d.procedure, "temporary.register");
	ck_assert_int_eq(d.step, 1);
	ck_assert_str_eq(d.focus, "applicant.name");
	ck_assert_str_eq(d.fields, fields_a);
	ck_assert_uint_eq(d.fields_len, strlen(fields_a));
	ck_assert_int_eq((long long)d.created, (long long)T0);
	ck_assert_int_eq((long long)d.updated, (long long)T0);
	draft_free(&d);
	ck_assert_ptr_null(d.fields);
	draft_free(NULL);
}
END_TEST

START_TEST(test_update_replaces)
{
	static const char later[] = "{\"values\": {\"applicant.name\": "
	    "\"Lê Thị Hoa Mai\"}}";
	struct cutru_err e;
	struct draft d;
	int64_t id, same;

	id = save_new(lan, fields_a, T0);
	same = id;
	ck_assert_int_eq(draft_save(lan, &same, "temporary.extend", 2,
	    "to", later, strlen(later), 0, T0 + 60, &e), CUTRU_OK);
	ck_assert_int_eq(same, id);
	ck_assert_uint_eq(n_drafts(lan), 1);
	ck_assert_int_eq(draft_get(lan, id, &d, &e), CUTRU_OK);
	ck_assert_str_eq(d.procedure, "temporary.extend");
	ck_assert_int_eq(d.step, 2);
	ck_assert_str_eq(d.focus, "to");
	ck_assert_str_eq(d.fields, later);
	ck_assert_int_eq((long long)d.created, (long long)T0);
	ck_assert_int_eq((long long)d.updated, (long long)T0 + 60);
	draft_free(&d);
	/* No focus is an empty one. */
	ck_assert_int_eq(draft_save(lan, &same, "temporary.extend", 0, NULL,
	    later, strlen(later), 0, T0 + 61, &e), CUTRU_OK);
	ck_assert_int_eq(draft_get(lan, id, &d, &e), CUTRU_OK);
	ck_assert_str_eq(d.focus, "");
	draft_free(&d);
}
END_TEST

START_TEST(test_list_newest_first)
{
	struct cutru_err e;
	struct draft *list;
	size_t n;
	int64_t a, b, c;

	ck_assert_int_eq(draft_list(lan, &list, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(list);
	a = save_new(lan, fields_a, T0);
	b = save_new(lan, fields_a, T0 + 10);
	c = save_new(lan, fields_a, T0 + 5);
	ck_assert_int_eq(draft_list(lan, &list, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(list[0].id, b);
	ck_assert_int_eq(list[1].id, c);
	ck_assert_int_eq(list[2].id, a);
	ck_assert_ptr_null(list[0].fields);
	ck_assert_str_eq(list[0].procedure, "temporary.register");
	draft_list_free(list, n);
	/* Saving a again brings it to the top. */
	ck_assert_int_eq(draft_save(lan, &a, "temporary.register", 1, "",
	    fields_a, strlen(fields_a), 0, T0 + 20, &e), CUTRU_OK);
	ck_assert_int_eq(draft_list(lan, &list, &n, &e), CUTRU_OK);
	ck_assert_int_eq(list[0].id, a);
	draft_list_free(list, n);
}
END_TEST

START_TEST(test_delete)
{
	struct cutru_err e;
	struct draft d;
	int64_t id, other;

	id = save_new(lan, fields_a, T0);
	other = save_new(lan, fields_a, T0);
	ck_assert_int_eq(draft_delete(lan, id, &e), CUTRU_OK);
	ck_assert_int_eq(draft_get(lan, id, &d, &e), CUTRU_ENOTFOUND);
	ck_assert_ptr_null(d.fields);
	ck_assert_int_eq(draft_delete(lan, id, &e), CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "draft");
	/* Saving over a deleted draft says so and makes nothing. */
	ck_assert_int_eq(draft_save(lan, &id, "temporary.register", 1, "",
	    fields_a, strlen(fields_a), 0, T0, &e), CUTRU_ENOTFOUND);
	ck_assert_uint_eq(n_drafts(lan), 1);
	ck_assert_int_eq(draft_get(lan, other, &d, &e), CUTRU_OK);
	draft_free(&d);
}
END_TEST

START_TEST(test_other_officer_blind)
{
	static const char minh_fields[] = "{\"values\": {}}";
	struct cutru_err e;
	struct draft d, *list;
	size_t n;
	int64_t id, stolen;

	id = save_new(lan, fields_a, T0);
	ck_assert_uint_eq(n_drafts(minh), 0);
	ck_assert_int_eq(draft_list(minh, &list, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(draft_get(minh, id, &d, &e), CUTRU_ENOTFOUND);
	ck_assert_int_eq(draft_delete(minh, id, &e), CUTRU_ENOTFOUND);
	stolen = id;
	ck_assert_int_eq(draft_save(minh, &stolen, "temporary.register", 1,
	    "", minh_fields, strlen(minh_fields), 0, T0 + 1, &e),
	    CUTRU_ENOTFOUND);
	/* lan's draft is untouched. */
	ck_assert_int_eq(draft_get(lan, id, &d, &e), CUTRU_OK);
	ck_assert_str_eq(d.fields, fields_a);
	ck_assert_int_eq((long long)d.updated, (long long)T0);
	draft_free(&d);
	/* minh's own draft is minh's alone. */
	stolen = 0;
	ck_assert_int_eq(draft_save(minh, &stolen, "stay.notify", 1, "",
	    minh_fields, strlen(minh_fields), 0, T0, &e), CUTRU_OK);
	ck_assert_uint_eq(n_drafts(minh), 1);
	ck_assert_uint_eq(n_drafts(lan), 1);
}
END_TEST

START_TEST(test_survives_close)
{
	struct cutru_err e;
	struct draft d;
	int64_t id;

	id = save_new(lan, fields_a, T0);
	session_close(lan);
	lan = ws_login(store, "lan", ws_pass_lan);
	ck_assert_int_eq(draft_get(lan, id, &d, &e), CUTRU_OK);
	ck_assert_str_eq(d.fields, fields_a);
	draft_free(&d);
}
END_TEST

/* Does any file under path hold needle? */
static int
tree_has(const char *path, const char *needle)
{
	DIR *dp;
	struct dirent *de;
	char sub[1024];
	int found = 0;

	dp = opendir(path);
	if (dp == NULL) {
		size_t len;
		char *data;
		FILE *f = fopen(path, "rb");

		if (f == NULL)
			return 0;
		fclose(f);
		data = ws_read(path, &len);
		found = len >= strlen(needle) &&
		    memmem(data, len, needle, strlen(needle)) != NULL;
		free(data);
		return found;
	}
	while (!found && (de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		found = tree_has(sub, needle);
	}
	closedir(dp);
	return found;
}

START_TEST(test_no_plaintext_on_disk)
{
	static const char secret[] = "{\"values\": {\"applicant.name\": "
	    "\"ZZDRAFTMARKERQQ Nguyen\"}}";
	struct cutru_err e;
	int64_t id = 0;

	ck_assert_int_eq(draft_save(lan, &id, "temporary.register", 1, "",
	    secret, strlen(secret), 0, T0, &e), CUTRU_OK);
	/* Open (the WAL holds it) and after the close (checkpointed). */
	ck_assert(!tree_has(dir, "ZZDRAFTMARKERQQ"));
	session_close(lan);
	lan = NULL;
	ck_assert(!tree_has(dir, "ZZDRAFTMARKERQQ"));
	lan = ws_login(store, "lan", ws_pass_lan);
}
END_TEST

static void
refused(int code, const char *field, const char *procedure, int step,
    const char *focus, const char *fields, size_t len)
{
	struct cutru_err e;
	int64_t id = 0;

	cutru_err_clear(&e);
	ck_assert_int_eq(draft_save(lan, &id, procedure, step, focus, fields,
	    len, 0, T0, &e), code);
	ck_assert_str_eq(e.field, field);
	ck_assert(e.msg[0] != '\0');
	ck_assert_int_eq(id, 0);
}

START_TEST(test_hostile)
{
	static const char ok[] = "{}";
	char focus[DRAFT_FOCUS_SIZE + 10];
	char *big;
	size_t bigsz = 1024 * 1024;

	refused(CUTRU_EINVAL, "procedure", "no.such", 1, "", ok, 2);
	refused(CUTRU_EINVAL, "procedure", NULL, 1, "", ok, 2);
	refused(CUTRU_EINVAL, "step", "stay.notify", -1, "", ok, 2);
	refused(CUTRU_EINVAL, "step", "stay.notify", DRAFT_STEP_MAX + 1, "",
	    ok, 2);
	memset(focus, 'a', sizeof focus - 1);
	focus[sizeof focus - 1] = '\0';
	refused(CUTRU_EINVAL, "focus", "stay.notify", 1, focus, ok, 2);
	refused(CUTRU_EINVAL, "focus", "stay.notify", 1, "a\xc0\xaf", ok, 2);
	refused(CUTRU_EINVAL, "fields", "stay.notify", 1, "", NULL, 0);
	refused(CUTRU_EINVAL, "fields", "stay.notify", 1, "", ok, 0);
	/* Overlong '/', a surrogate, an embedded NUL. */
	refused(CUTRU_EINVAL, "fields", "stay.notify", 1, "",
	    "{\"a\": \"\xc0\xaf\"}", 11);
	refused(CUTRU_EINVAL, "fields", "stay.notify", 1, "",
	    "{\"a\": \"\xed\xa0\x80\"}", 12);
	refused(CUTRU_EINVAL, "fields", "stay.notify", 1, "",
	    "{\"a\": \"x\0y\"}", 12);
	/* Not a JSON object. */
	refused(CUTRU_EINVAL, "fields", "stay.notify", 1, "", "[1]", 3);
	refused(CUTRU_EINVAL, "fields", "stay.notify", 1, "", "{\"a\":", 5);
	refused(CUTRU_EINVAL, "fields", "stay.notify", 1, "", "\"{}\"", 4);
	/* A megabyte, and one byte over the limit. */
	big = malloc(bigsz);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', bigsz);
	memcpy(big, "{\"a\": \"", 7);
	memcpy(big + bigsz - 2, "\"}", 2);
	refused(CUTRU_ERANGE, "fields", "stay.notify", 1, "", big, bigsz);
	memcpy(big + DRAFT_FIELDS_MAX + 1 - 2, "\"}", 2);
	refused(CUTRU_ERANGE, "fields", "stay.notify", 1, "", big,
	    DRAFT_FIELDS_MAX + 1);
	ck_assert_uint_eq(n_drafts(lan), 0);
	/* Exactly the limit is taken. */
	memcpy(big + DRAFT_FIELDS_MAX - 2, "\"}", 2);
	{
		struct cutru_err e;
		struct draft d;
		int64_t id = 0;

		ck_assert_int_eq(draft_save(lan, &id, "stay.notify", 1, "",
		    big, DRAFT_FIELDS_MAX, 0, T0, &e), CUTRU_OK);
		ck_assert_int_eq(draft_get(lan, id, &d, &e), CUTRU_OK);
		ck_assert_uint_eq(d.fields_len, DRAFT_FIELDS_MAX);
		ck_assert(memcmp(d.fields, big, DRAFT_FIELDS_MAX) == 0);
		draft_free(&d);
	}
	free(big);
}
END_TEST

START_TEST(test_null_arguments)
{
	struct cutru_err e;
	struct draft d, *list = NULL;
	size_t n;
	int64_t id = 0;

	ck_assert_int_eq(draft_save(NULL, &id, "stay.notify", 1, "", "{}", 2, 0,
	    T0, &e), CUTRU_EINVAL);
	ck_assert_int_eq(draft_save(lan, NULL, "stay.notify", 1, "", "{}", 2, 0,
	    T0, &e), CUTRU_EINVAL);
	id = -5;
	ck_assert_int_eq(draft_save(lan, &id, "stay.notify", 1, "", "{}", 2, 0,
	    T0, &e), CUTRU_EINVAL);
	ck_assert_int_eq(draft_get(NULL, 1, &d, &e), CUTRU_EINVAL);
	ck_assert_int_eq(draft_get(lan, 1, NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(draft_list(NULL, &list, &n, &e), CUTRU_EINVAL);
	ck_assert_int_eq(draft_list(lan, NULL, &n, &e), CUTRU_EINVAL);
	ck_assert_int_eq(draft_count(NULL, &n, &e), CUTRU_EINVAL);
	ck_assert_int_eq(draft_count(lan, NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(draft_delete(NULL, 1, &e), CUTRU_EINVAL);
	draft_list_free(NULL, 0);
}
END_TEST

START_TEST(test_many)
{
	struct cutru_err e;
	struct draft *list;
	size_t n, i;
	int64_t id = 0, first = 0;

	for (i = 0; i < DRAFT_PER_OFFICER_MAX; i++) {
		id = save_new(lan, fields_a, T0 + (time_t)i);
		if (i == 0)
			first = id;
	}
	ck_assert_uint_eq(n_drafts(lan), DRAFT_PER_OFFICER_MAX);
	id = 0;
	ck_assert_int_eq(draft_save(lan, &id, "stay.notify", 1, "", "{}", 2, 0,
	    T0, &e), CUTRU_ERANGE);
	ck_assert_str_eq(e.field, "draft");
	ck_assert_int_eq(id, 0);
	/* Another officer is not counted against lan, nor lan against them. */
	(void)save_new(minh, fields_a, T0);
	ck_assert_int_eq(draft_list(lan, &list, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, DRAFT_PER_OFFICER_MAX);
	for (i = 1; i < n; i++)
		ck_assert((long long)list[i - 1].updated >=
		    (long long)list[i].updated);
	ck_assert_int_eq(list[n - 1].id, first);
	draft_list_free(list, n);
	/* Updating an existing one still works at the limit; after a
	 * delete a new one fits again. */
	id = first;
	ck_assert_int_eq(draft_save(lan, &id, "stay.notify", 1, "", "{}", 2, 0,
	    T0 + 500, &e), CUTRU_OK);
	ck_assert_int_eq(draft_delete(lan, first, &e), CUTRU_OK);
	(void)save_new(lan, fields_a, T0);
}
END_TEST

/* Not a timed assertion: the cost of both kinds of save is printed for
 * the record (the log).  A fast save leaves the connection's synchronous
 * level as it found it. */
static double
save_rounds(int64_t id, int flags, int rounds)
{
	struct cutru_err e;
	struct timespec a, b;
	char fields[2048];
	int i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < rounds; i++) {
		snprintf(fields, sizeof fields, "{\"values\": {\"applicant."
		    "name\": \"Lê Thị Hoa %d\", \"address.detail\": \"Số %d "
		    "phố Hàng Bạc\"}}", i, i);
		ck_assert_int_eq(draft_save(lan, &id, "temporary.register", 1,
		    "applicant.name", fields, strlen(fields), flags, T0 + i,
		    &e), CUTRU_OK);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 +
	    (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / rounds;
}

START_TEST(test_save_cost)
{
	struct draft d;
	struct cutru_err e;
	long long level;
	int64_t id;
	double durable, fast;

	id = save_new(lan, fields_a, T0);
	level = ws_q_int(session_db(lan), "PRAGMA synchronous");
	durable = save_rounds(id, 0, 50);
	fast = save_rounds(id, DRAFT_FAST, 200);
	printf("# draft_save: %.0f us per durable save, %.0f us per "
	    "DRAFT_FAST save (encrypted store, WAL, synchronous %lld)\n",
	    durable, fast, level);
	ck_assert_int_eq(ws_q_int(session_db(lan), "PRAGMA synchronous"),
	    level);
	ck_assert_uint_eq(n_drafts(lan), 1);
	ck_assert_int_eq(draft_get(lan, id, &d, &e), CUTRU_OK);
	ck_assert(strstr(d.fields, "Lê Thị Hoa 199") != NULL);
	draft_free(&d);
	/* And it is there after the store is closed and opened again. */
	session_close(lan);
	lan = ws_login(store, "lan", ws_pass_lan);
	ck_assert_int_eq(draft_get(lan, id, &d, &e), CUTRU_OK);
	ck_assert(strstr(d.fields, "Lê Thị Hoa 199") != NULL);
	draft_free(&d);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("draft");
	TCase *tc = tcase_create("draft");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_update_replaces);
	tcase_add_test(tc, test_list_newest_first);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_other_officer_blind);
	tcase_add_test(tc, test_survives_close);
	tcase_add_test(tc, test_no_plaintext_on_disk);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_null_arguments);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_save_cost);
	suite_add_tcase(s, tc);
	return s;
}
