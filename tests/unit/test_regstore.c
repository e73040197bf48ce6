/* registry/regstore_sqlite.c through the storage interface, and
 * registry/regkeys.c: what the registry keeps, and the rules the storage
 * itself enforces (one use per token, one row per (device, seq), feed
 * order, officer lookup by ward). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <check.h>
#include <sodium.h>

#include "registry/regkeys.h"
#include "registry/regstore.h"
#include "tests/unit/tap_main.h"

static char dir[64];
static char dbpath[128];
static struct regstore *st;

static void
setup(void)
{
	struct cutru_err e;

	ck_assert_int_ge(sodium_init(), 0);
	snprintf(dir, sizeof dir, "/tmp/cutru-regstore-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dbpath, sizeof dbpath, "%s/registry.db", dir);
	ck_assert_msg(regstore_sqlite_open(dbpath, REGSTORE_CREATE |
	    REGSTORE_SYNC_NORMAL, &st, &e) == CUTRU_OK, "%s", e.msg);
}

static void
teardown(void)
{
	char cmd[128];

	regstore_close(st);
	st = NULL;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
fill(unsigned char *b, size_t n, unsigned char v)
{
	memset(b, v, n);
}

static struct reg_device
device(const char *id, const char *ward, unsigned char key)
{
	struct reg_device d;

	memset(&d, 0, sizeof d);
	snprintf(d.id, sizeof d.id, "%s", id);
	snprintf(d.ward, sizeof d.ward, "%s", ward);
	fill(d.sign_pk, sizeof d.sign_pk, key);
	fill(d.box_pk, sizeof d.box_pk, (unsigned char)(key + 1));
	d.enrolled = 1000;
	return d;
}

START_TEST(open_refuses_a_missing_database_without_create)
{
	struct regstore *other = NULL;
	struct cutru_err e;
	char p[160];

	snprintf(p, sizeof p, "%s/none/registry.db", dir);
	ck_assert_int_eq(regstore_sqlite_open(p, 0, &other, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_null(other);
	/* A second connection to the same database sees the same rows. */
	ck_assert_int_eq(regstore_sqlite_open(dbpath, 0, &other, &e), CUTRU_OK);
	regstore_close(other);
}
END_TEST

START_TEST(a_token_is_used_once_and_expires)
{
	unsigned char h[HASH_LEN], h2[HASH_LEN];
	char ward[REG_WARD_LEN + 1], used[REG_DEVICE_ID_MAX + 1];
	struct cutru_err e;

	fill(h, sizeof h, 1);
	fill(h2, sizeof h2, 2);
	ck_assert_int_eq(st->ops->token_add(st, h, "00070", 100, 200, &e),
	    CUTRU_OK);
	ck_assert_int_eq(st->ops->token_add(st, h, "00070", 100, 200, &e),
	    CUTRU_ECONFLICT);
	ck_assert_int_eq(st->ops->token_add(st, h2, "00004", 100, 200, &e),
	    CUTRU_OK);
	ck_assert_int_eq(st->ops->token_use(st, h, "dev1", 150, ward, used, &e),
	    CUTRU_OK);
	ck_assert_str_eq(ward, "00070");
	ck_assert_int_eq(st->ops->token_use(st, h, "dev2", 150, ward, used, &e),
	    CUTRU_EPERM);
	ck_assert_str_eq(used, "dev1");
	ck_assert_int_eq(st->ops->token_use(st, h2, "dev2", 200, ward, used,
	    &e), CUTRU_EPERM);
	ck_assert_str_eq(used, "");
	fill(h, sizeof h, 9);
	ck_assert_int_eq(st->ops->token_use(st, h, "dev2", 150, ward, used, &e),
	    CUTRU_ENOTFOUND);
}
END_TEST

START_TEST(devices_are_unique_by_id_and_key_and_keep_their_chain)
{
	struct reg_device d = device("aaaaaaaaaaaaaaaa", "00070", 3), got;
	unsigned char h[HASH_LEN];
	struct cutru_err e;

	ck_assert_int_eq(st->ops->device_add(st, &d, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->device_add(st, &d, &e), CUTRU_ECONFLICT);
	d = device("bbbbbbbbbbbbbbbb", "00070", 3);
	ck_assert_int_eq(st->ops->device_add(st, &d, &e), CUTRU_ECONFLICT);
	ck_assert_int_eq(st->ops->device_get(st, "aaaaaaaaaaaaaaaa", &got, &e),
	    CUTRU_OK);
	ck_assert_str_eq(got.ward, "00070");
	ck_assert_int_eq(got.head_seq, 0);
	ck_assert_int_eq(sodium_is_zero(got.head_hash, HASH_LEN), 1);
	ck_assert_int_eq(got.revoked, 0);
	fill(h, sizeof h, 7);
	ck_assert_int_eq(st->ops->device_set_head(st, "aaaaaaaaaaaaaaaa", 4, h,
	    &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->device_revoke(st, "aaaaaaaaaaaaaaaa", 50, &e),
	    CUTRU_OK);
	ck_assert_int_eq(st->ops->device_revoke(st, "aaaaaaaaaaaaaaaa", 60, &e),
	    CUTRU_OK);
	fill(d.sign_pk, sizeof d.sign_pk, 3);
	ck_assert_int_eq(st->ops->device_find(st, d.sign_pk, &got, &e),
	    CUTRU_OK);
	ck_assert_int_eq(got.head_seq, 4);
	ck_assert_int_eq(memcmp(got.head_hash, h, HASH_LEN), 0);
	ck_assert_int_eq(got.revoked, 50);
	ck_assert_int_eq(st->ops->device_get(st, "cccccccccccccccc", &got, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_int_eq(st->ops->device_revoke(st, "cccccccccccccccc", 1, &e),
	    CUTRU_ENOTFOUND);
}
END_TEST

static int
count_cb(void *arg, const struct reg_device *d)
{
	(void)d;
	(*(int *)arg)++;
	return 0;
}

START_TEST(the_log_holds_one_row_per_device_and_seq)
{
	struct reg_device d = device("aaaaaaaaaaaaaaaa", "00070", 3), got;
	struct reg_changeset c, out;
	unsigned char h[HASH_LEN], *held = NULL;
	size_t len;
	struct cutru_err e;
	int n = 0;

	ck_assert_int_eq(st->ops->device_add(st, &d, &e), CUTRU_OK);
	memset(&c, 0, sizeof c);
	snprintf(c.device, sizeof c.device, "%s", d.id);
	c.seq = 1;
	fill(c.hash, sizeof c.hash, 5);
	c.accepted = 1;
	c.received = 77;
	c.receipt = (unsigned char *)"receipt-bytes";
	c.receipt_len = 13;
	ck_assert_int_eq(st->ops->changeset_add(st, &c, &e), CUTRU_OK);
	c.receipt = (unsigned char *)"other";
	c.receipt_len = 5;
	ck_assert_int_eq(st->ops->changeset_add(st, &c, &e), CUTRU_ECONFLICT);
	ck_assert_int_eq(st->ops->changeset_get(st, d.id, 1, &out, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(out.receipt_len, 13);
	ck_assert_int_eq(memcmp(out.receipt, "receipt-bytes", 13), 0);
	ck_assert_int_eq(out.accepted, 1);
	regstore_changeset_clear(&out);
	ck_assert_int_eq(st->ops->changeset_get(st, d.id, 2, &out, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_null(out.receipt);

	/* Held change sets and flags are counted in the device. */
	fill(h, sizeof h, 6);
	ck_assert_int_eq(st->ops->held_put(st, d.id, 3, h, "sealed", 6, 1, &e),
	    CUTRU_OK);
	ck_assert_int_eq(st->ops->held_put(st, d.id, 3, h, "sealed", 6, 1, &e),
	    CUTRU_ECONFLICT);
	ck_assert_int_eq(st->ops->flag_add(st, d.id, 1, "fork", h, 1, &e),
	    CUTRU_OK);
	ck_assert_int_eq(st->ops->device_get(st, d.id, &got, &e), CUTRU_OK);
	ck_assert_int_eq(got.held, 1);
	ck_assert_int_eq(got.flags, 1);
	ck_assert_int_eq(st->ops->held_get(st, d.id, 3, h, &held, &len, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(len, 6);
	ck_assert_int_eq(memcmp(held, "sealed", 6), 0);
	free(held);
	ck_assert_int_eq(st->ops->held_delete(st, d.id, 3, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->held_get(st, d.id, 3, h, &held, &len, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_null(held);
	ck_assert_int_eq(st->ops->device_list(st, count_cb, &n, &e), CUTRU_OK);
	ck_assert_int_eq(n, 1);
}
END_TEST

START_TEST(a_savepoint_undoes_one_item_and_rollback_everything)
{
	struct reg_device d = device("aaaaaaaaaaaaaaaa", "00070", 3), got;
	struct reg_device d2 = device("bbbbbbbbbbbbbbbb", "00070", 4);
	struct cutru_err e;

	ck_assert_int_eq(st->ops->begin(st, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->device_add(st, &d, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->savepoint(st, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->device_add(st, &d2, &e), CUTRU_OK);
	st->ops->rollback_to(st);
	ck_assert_int_eq(st->ops->commit(st, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->device_get(st, d.id, &got, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->device_get(st, d2.id, &got, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_int_eq(st->ops->begin(st, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->device_add(st, &d2, &e), CUTRU_OK);
	st->ops->rollback(st);
	ck_assert_int_eq(st->ops->device_get(st, d2.id, &got, &e),
	    CUTRU_ENOTFOUND);
}
END_TEST

START_TEST(officers_are_looked_up_by_key_id_within_the_ward)
{
	struct reg_officer o, got;
	struct cutru_err e;

	memset(&o, 0, sizeof o);
	snprintf(o.ward, sizeof o.ward, "00004");
	snprintf(o.login, sizeof o.login, "minh");
	snprintf(o.name, sizeof o.name, "Lê Văn Minh");
	snprintf(o.role, sizeof o.role, "supervisor");
	snprintf(o.key_id, sizeof o.key_id, "0123456789abcdef");
	fill(o.sign_pk, sizeof o.sign_pk, 8);
	o.active = 1;
	ck_assert_int_eq(st->ops->officer_add(st, &o, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->officer_lookup(st, "0123456789abcdef",
	    "00070", &got, &e), CUTRU_EPERM);
	ck_assert_str_eq(got.ward, "00004");
	snprintf(o.ward, sizeof o.ward, "00070");
	ck_assert_int_eq(st->ops->officer_add(st, &o, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->officer_lookup(st, "0123456789abcdef",
	    "00070", &got, &e), CUTRU_OK);
	ck_assert_str_eq(got.ward, "00070");
	ck_assert_str_eq(got.name, "Lê Văn Minh");
	ck_assert_int_eq(got.active, 1);
	/* Replacing (ward, login) keeps one row. */
	o.active = 0;
	ck_assert_int_eq(st->ops->officer_add(st, &o, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->officer_lookup(st, "0123456789abcdef",
	    "00070", &got, &e), CUTRU_OK);
	ck_assert_int_eq(got.active, 0);
	ck_assert_int_eq(st->ops->officer_lookup(st, "fedcba9876543210",
	    "00070", &got, &e), CUTRU_ENOTFOUND);
	/* The schema refuses a role it does not know. */
	snprintf(o.role, sizeof o.role, "admin");
	ck_assert_int_ne(st->ops->officer_add(st, &o, &e), CUTRU_OK);
}
END_TEST

struct feed_acc {
	int n;
	int64_t last;
	char first[32];
};

static int
feed_cb(void *arg, int64_t cursor, const char *entry, size_t len)
{
	struct feed_acc *a = arg;

	ck_assert_int_gt(cursor, a->last);
	if (a->n == 0)
		snprintf(a->first, sizeof a->first, "%.*s", (int)len, entry);
	a->last = cursor;
	a->n++;
	return 0;
}

START_TEST(the_feed_is_per_ward_in_order_with_more)
{
	struct feed_acc a;
	struct cutru_err e;
	int64_t c1, c2, c3, c4;
	int more;

	ck_assert_int_eq(st->ops->feed_append(st, "00070", "one", 3, 1, &c1,
	    &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->feed_append(st, "00004", "other", 5, 1, &c2,
	    &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->feed_append(st, "00070", "two", 3, 1, &c3,
	    &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->feed_append(st, "00070", "three", 5, 1, &c4,
	    &e), CUTRU_OK);
	ck_assert_int_lt(c1, c2);
	memset(&a, 0, sizeof a);
	ck_assert_int_eq(st->ops->feed_read(st, "00070", 0, 2, feed_cb, &a,
	    &more, &e), CUTRU_OK);
	ck_assert_int_eq(a.n, 2);
	ck_assert_str_eq(a.first, "one");
	ck_assert_int_eq(a.last, c3);
	ck_assert_int_eq(more, 1);
	memset(&a, 0, sizeof a);
	a.last = c3;
	ck_assert_int_eq(st->ops->feed_read(st, "00070", c3, 2, feed_cb, &a,
	    &more, &e), CUTRU_OK);
	ck_assert_int_eq(a.n, 1);
	ck_assert_str_eq(a.first, "three");
	ck_assert_int_eq(more, 0);
	memset(&a, 0, sizeof a);
	a.last = c4;
	ck_assert_int_eq(st->ops->feed_read(st, "00070", c4, 2, feed_cb, &a,
	    &more, &e), CUTRU_OK);
	ck_assert_int_eq(a.n, 0);
}
END_TEST

START_TEST(population_records_are_replaced_by_id_number)
{
	struct reg_person p, got;
	struct cutru_err e;

	memset(&p, 0, sizeof p);
	snprintf(p.id_number, sizeof p.id_number, "001090012345");
	snprintf(p.name, sizeof p.name, "Nguyễn Văn An");
	snprintf(p.folded, sizeof p.folded, "nguyen van an");
	snprintf(p.dob, sizeof p.dob, "1990");
	p.sex = CUTRU_SEX_MALE;
	ck_assert_int_eq(st->ops->population_put(st, &p, &e), CUTRU_OK);
	snprintf(p.dob, sizeof p.dob, "1990-05-01");
	ck_assert_int_eq(st->ops->population_put(st, &p, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->population_get(st, "001090012345", &got, &e),
	    CUTRU_OK);
	ck_assert_str_eq(got.dob, "1990-05-01");
	ck_assert_str_eq(got.name, "Nguyễn Văn An");
	ck_assert_int_eq(got.sex, CUTRU_SEX_MALE);
	ck_assert_int_eq(st->ops->population_get(st, "001090099999", &got, &e),
	    CUTRU_ENOTFOUND);
}
END_TEST

START_TEST(the_register_is_the_consoles_schema)
{
	cJSON *events, *state = NULL;
	struct apply_ctx ctx;
	struct cutru_err e;
	char ward[REG_WARD_LEN + 1];
	int64_t v;

	events = cJSON_Parse("[{\"type\":\"person.upserted\",\"data\":{"
	    "\"id_number\":\"001090012345\",\"name\":\"Nguyễn Văn An\","
	    "\"dob\":\"1990-05-01\",\"sex\":\"male\"}},"
	    "{\"type\":\"household.created\",\"data\":{\"household\":\"HN-1\","
	    "\"head\":\"001090012345\",\"address\":{\"commune\":\"00070\","
	    "\"detail\":\"Số 1\"}}},"
	    "{\"type\":\"residence.opened\",\"data\":{\"person\":"
	    "\"001090012345\",\"kind\":\"permanent\",\"address\":{"
	    "\"commune\":\"00070\",\"detail\":\"Số 1\"},\"from\":"
	    "\"2026-11-30\"}}]");
	ck_assert_ptr_nonnull(events);
	memset(&ctx, 0, sizeof ctx);
	ctx.date.year = 2026;
	ctx.date.month = 11;
	ctx.date.day = 30;
	ctx.date.prec = CUTRU_DATE_DAY;
	ctx.actor = "registry";
	ctx.at = "2026-11-30T02:00:00Z";
	ck_assert_msg(st->ops->apply(st, events, &ctx, &e) == CUTRU_OK, "%s",
	    e.msg);
	cJSON_Delete(events);
	ck_assert_int_eq(st->ops->person_version(st, "001090012345", &v, &e),
	    CUTRU_OK);
	ck_assert_int_ge(v, 1);
	ck_assert_int_eq(st->ops->household_version(st, "HN-1", &v, &e),
	    CUTRU_OK);
	ck_assert_int_eq(st->ops->active_ward(st, "001090012345", "permanent",
	    ward, &e), CUTRU_OK);
	ck_assert_str_eq(ward, "00070");
	ck_assert_int_eq(st->ops->active_ward(st, "001090012345", "temporary",
	    ward, &e), CUTRU_ENOTFOUND);
	ck_assert_int_eq(st->ops->person_state(st, "001090012345", &state, &e),
	    CUTRU_OK);
	ck_assert_str_eq(cJSON_GetObjectItem(state, "sex")->valuestring,
	    "male");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(state,
	    "household"), "number")->valuestring, "HN-1");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(state,
	    "residences")), 1);
	cJSON_Delete(state);
	ck_assert_int_eq(st->ops->household_state(st, "HN-1", &state, &e),
	    CUTRU_OK);
	ck_assert_str_eq(cJSON_GetObjectItem(state, "commune")->valuestring,
	    "00070");
	ck_assert_str_eq(cJSON_GetObjectItem(state, "head")->valuestring,
	    "001090012345");
	cJSON_Delete(state);
	ck_assert_int_eq(st->ops->person_state(st, "001090099999", &state, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_null(state);
	ck_assert_int_eq(st->ops->household_state(st, "HN-2", &state, &e),
	    CUTRU_ENOTFOUND);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Keys */

START_TEST(keys_are_made_once_and_load_back)
{
	struct regkeys *k = NULL, *l = NULL;
	struct cutru_err e;
	char p[160];
	struct stat sb;

	ck_assert_int_eq(regkeys_create(dir, "Registry of Hà Nội", &k, &e),
	    CUTRU_OK);
	ck_assert_int_eq(regkeys_create(dir, "again", NULL, &e),
	    CUTRU_ECONFLICT);
	snprintf(p, sizeof p, "%s/%s", dir, REGKEYS_SECRET_FILE);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(regkeys_load(dir, &l, &e), CUTRU_OK);
	ck_assert_int_eq(memcmp(k->sign_sk, l->sign_sk, 64), 0);
	ck_assert_int_eq(memcmp(k->box_sk, l->box_sk, 32), 0);
	ck_assert_int_eq(memcmp(k->pub.box_pk, l->pub.box_pk, 32), 0);
	ck_assert_str_eq(l->pub.name, "Registry of Hà Nội");
	regkeys_free(k);
	regkeys_free(l);
	ck_assert_int_eq(regkeys_create(dir, "two\nlines", NULL, &e),
	    CUTRU_EINVAL);
}
END_TEST

START_TEST(keys_refuse_open_modes_damage_and_mismatch)
{
	struct regkeys *k = NULL;
	struct cutru_err e;
	char p[1024], q[256];
	FILE *f;
	int ch;

	ck_assert_int_eq(regkeys_load(dir, &k, &e), CUTRU_ENOTFOUND);
	ck_assert_int_eq(regkeys_create(dir, "R", NULL, &e), CUTRU_OK);
	snprintf(p, sizeof p, "%s/%s", dir, REGKEYS_SECRET_FILE);
	ck_assert_int_eq(chmod(p, 0644), 0);
	ck_assert_int_eq(regkeys_load(dir, &k, &e), CUTRU_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "chmod 600"));
	ck_assert_int_eq(chmod(p, 0600), 0);
	/* One flipped bit: the checksum says damaged. */
	f = fopen(p, "r+b");
	ck_assert_ptr_nonnull(f);
	fseek(f, 20, SEEK_SET);
	ch = fgetc(f);
	fseek(f, 20, SEEK_SET);
	fputc(ch ^ 1, f);
	fclose(f);
	ck_assert_int_eq(regkeys_load(dir, &k, &e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "damaged"));
	ck_assert_ptr_null(k);
	/* Another registry's public file. */
	snprintf(q, sizeof q, "rm -f '%s/%s' '%s/%s'", dir,
	    REGKEYS_SECRET_FILE, dir, REGKEYS_PUBLIC_FILE);
	ck_assert_int_eq(system(q), 0);
	ck_assert_int_eq(regkeys_create(dir, "R", NULL, &e), CUTRU_OK);
	snprintf(q, sizeof q, "%s/sub", dir);
	ck_assert_int_eq(mkdir(q, 0700), 0);
	ck_assert_int_eq(regkeys_create(q, "S", NULL, &e), CUTRU_OK);
	snprintf(p, sizeof p, "cp '%s/%s' '%s/%s'", q, REGKEYS_PUBLIC_FILE,
	    dir, REGKEYS_PUBLIC_FILE);
	ck_assert_int_eq(system(p), 0);
	ck_assert_int_eq(regkeys_load(dir, &k, &e), CUTRU_ECONFLICT);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("regstore");
	TCase *tc = tcase_create("regstore");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, open_refuses_a_missing_database_without_create);
	tcase_add_test(tc, a_token_is_used_once_and_expires);
	tcase_add_test(tc, devices_are_unique_by_id_and_key_and_keep_their_chain);
	tcase_add_test(tc, the_log_holds_one_row_per_device_and_seq);
	tcase_add_test(tc, a_savepoint_undoes_one_item_and_rollback_everything);
	tcase_add_test(tc, officers_are_looked_up_by_key_id_within_the_ward);
	tcase_add_test(tc, the_feed_is_per_ward_in_order_with_more);
	tcase_add_test(tc, population_records_are_replaced_by_id_number);
	tcase_add_test(tc, the_register_is_the_consoles_schema);
	tcase_add_test(tc, keys_are_made_once_and_load_back);
	tcase_add_test(tc, keys_refuse_open_modes_damage_and_mismatch);
	suite_add_tcase(s, tc);
	return s;
}
