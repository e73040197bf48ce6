/* What cutru-registryd reads from files and from peers: its configuration
 * (registry/regconf.c), national population files (registry/population.c,
 * CSV and JSON lines, with the identity comparison), and the per-device
 * rate limit (registry/ratelimit.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <check.h>
#include <sodium.h>

#include "registry/population.h"
#include "registry/ratelimit.h"
#include "registry/regconf.h"
#include "registry/regstore.h"
#include "tests/unit/tap_main.h"

/* ------------------------------------------------------------------ */
/* Configuration */

static int
parse(const char *text, struct regconf *c, struct cutru_err *e)
{
	regconf_default(c);
	return regconf_parse(text, strlen(text), "/etc/cutru", c, e);
}

START_TEST(config_reads_every_key_and_resolves_paths)
{
	struct regconf c;
	struct cutru_err e;

	ck_assert_int_eq(parse("# a comment\n\n"
	    "data_dir = data\n"
	    "name =  Registry of Hà Nội  \n"
	    "listen=::1\n"
	    "port = 0\r\n"
	    "port_file = /run/reg.port\n"
	    "tls_cert = cert.pem # inline comment\n"
	    "tls_key = /etc/key.pem\n"
	    "threads = 8\n"
	    "header_timeout = 5\n"
	    "max_body = 65536\n"
	    "rate = 0.5\n"
	    "sync = normal\n"
	    "token_lifetime = 3600\n", &c, &e), CUTRU_OK);
	ck_assert_str_eq(c.data_dir, "/etc/cutru/data");
	ck_assert_str_eq(c.name, "Registry of Hà Nội");
	ck_assert_str_eq(c.listen, "::1");
	ck_assert_int_eq(c.port, 0);
	ck_assert_str_eq(c.port_file, "/run/reg.port");
	ck_assert_str_eq(c.tls_cert, "/etc/cutru/cert.pem");
	ck_assert_str_eq(c.tls_key, "/etc/key.pem");
	ck_assert_int_eq(c.threads, 8);
	ck_assert_int_eq(c.header_timeout, 5);
	ck_assert_uint_eq(c.max_body, 65536);
	ck_assert(c.rate > 0.49 && c.rate < 0.51);
	ck_assert_int_eq(c.sync_full, 0);
	ck_assert_int_eq(c.token_lifetime, 3600);
	/* Untouched keys keep their defaults. */
	ck_assert_int_eq(c.max_batch, 256);
	ck_assert_int_eq(c.connection_timeout, 15);
}
END_TEST

START_TEST(config_refuses_typos_repeats_and_bad_values_naming_the_line)
{
	struct regconf c;
	struct cutru_err e;

	ck_assert_int_eq(parse("data_dir = d\ntls_crt = x\n", &c, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "Line 2"));
	ck_assert_ptr_nonnull(strstr(e.msg, "tls_crt"));
	ck_assert_int_eq(parse("port = 1\nport = 2\n", &c, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "twice"));
	ck_assert_int_eq(parse("port = 65536\n", &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(parse("port = 8o\n", &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(parse("threads = 0\n", &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(parse("max_body = 2000000\n", &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(parse("rate = -1\n", &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(parse("rate = nan\n", &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(parse("sync = off\n", &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(parse("data_dir\n", &c, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "Line 1"));
	ck_assert_int_eq(parse("name =\n", &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(regconf_parse("port = 1\0x\n", 11, NULL, &c, &e),
	    CUTRU_EINVAL);
}
END_TEST

START_TEST(config_file_must_name_the_data_directory)
{
	char dir[] = "/tmp/cutru-regconf-XXXXXX", p[64], cmd[96];
	struct regconf c;
	struct cutru_err e;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof p, "%s/reg.conf", dir);
	ck_assert_int_eq(regconf_load(p, &c, &e), CUTRU_ENOTFOUND);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("port = 9\n", f);
	fclose(f);
	ck_assert_int_eq(regconf_load(p, &c, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "data_dir");
	f = fopen(p, "a");
	fputs("data_dir = d\n", f);
	fclose(f);
	ck_assert_int_eq(regconf_load(p, &c, &e), CUTRU_OK);
	snprintf(cmd, sizeof cmd, "%s/d", dir);
	ck_assert_str_eq(c.data_dir, cmd);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Population files */

static char dir[64];
static struct regstore *st;

static void
setup(void)
{
	char p[96];
	struct cutru_err e;

	ck_assert_int_ge(sodium_init(), 0);
	snprintf(dir, sizeof dir, "/tmp/cutru-population-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof p, "%s/registry.db", dir);
	ck_assert_int_eq(regstore_sqlite_open(p, REGSTORE_CREATE |
	    REGSTORE_SYNC_NORMAL, &st, &e), CUTRU_OK);
}

static void
teardown(void)
{
	char cmd[96];

	regstore_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int
import(const char *text, size_t *n, struct cutru_err *e)
{
	return population_import(st, text, strlen(text), n, e);
}

START_TEST(csv_with_bom_quotes_any_column_order_and_crlf)
{
	struct reg_person p;
	struct cutru_err e;
	size_t n;

	/* "" inside quotes is one quote (which a name cannot hold). */
	ck_assert_int_eq(import("id_number,name,dob,sex\n"
	    "001192000001,\"Trần Thị \"\"Bình\"\"\",1992-08-15,female\n", &n, &e),
	    CUTRU_EINVAL);
	ck_assert_msg(strstr(e.msg, "Line 2") != NULL &&
	    strstr(e.msg, "'\"'") != NULL, "%s", e.msg);
	/* A quoted comma stays in the field (and a name cannot hold it);
	 * line numbers count the blank lines. */
	ck_assert_int_eq(import("id_number,name,dob,sex\n\n\n"
	    "001090012345,\"Nguyễn Văn, An\",1990,male\n", &n, &e),
	    CUTRU_EINVAL);
	ck_assert_msg(strstr(e.msg, "Line 4") != NULL &&
	    strstr(e.msg, "','") != NULL, "%s", e.msg);
	ck_assert_msg(import("\xEF\xBB\xBFsex,dob,id_number,name\r\n"
	    "Nữ,1992-08-15,001192000001,\"Trần Thị Bình\"\r\n"
	    "\r\n"
	    "Nam,1990,001090012345,\"nguyễn  văn an\"\r\n", &n, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(st->ops->population_get(st, "001090012345", &p, &e),
	    CUTRU_OK);
	ck_assert_str_eq(p.name, "nguyễn văn an");
	ck_assert_str_eq(p.folded, "nguyen van an");
	ck_assert_str_eq(p.dob, "1990");
	ck_assert_int_eq(p.sex, CUTRU_SEX_MALE);
	ck_assert_int_eq(st->ops->population_get(st, "001192000001", &p, &e),
	    CUTRU_OK);
	ck_assert_int_eq(p.sex, CUTRU_SEX_FEMALE);
}
END_TEST

START_TEST(a_bad_line_imports_nothing_and_is_named)
{
	struct reg_person p;
	struct cutru_err e;
	size_t n = 99;

	/* The century/sex digit says female (1), the file says male. */
	ck_assert_int_eq(import("id_number,name,dob,sex\n"
	    "001090012345,Nguyễn Văn An,1990-05-01,male\n"
	    "001192000001,Trần Thị Bình,1992-08-15,male\n", &n, &e),
	    CUTRU_ECONFLICT);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(strstr(e.msg, "Line 3"));
	ck_assert_int_eq(st->ops->population_get(st, "001090012345", &p, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_int_eq(import("id_number,name,dob\n1,2,3\n", &n, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(import("id_number,name,dob,sex,extra\n", &n, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(import("id_number,name,name,sex\n", &n, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(import("id_number,name,dob,sex\n"
	    "001090012345,\"open quote,1990,male\n", &n, &e), CUTRU_EINVAL);
	ck_assert_int_eq(import("id_number,name,dob,sex\n"
	    "001090012345,Nguyễn Văn An,1990-13-01,male\n", &n, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(import("id_number,name,dob,sex\n"
	    "001090012345,Nguyễn Văn An,1990,other\n", &n, &e), CUTRU_EINVAL);
	ck_assert_int_eq(import("id_number,name,dob,sex\n"
	    "00109001234,Nguyễn Văn An,1990,male\n", &n, &e), CUTRU_EINVAL);
	ck_assert_int_eq(import("id_number,name,dob,sex\n"
	    "001090012345,Nguy\xC3n,1990,male\n", &n, &e), CUTRU_EINVAL);
	ck_assert_int_eq(import("   \n\n", &n, &e), CUTRU_EINVAL);
}
END_TEST

START_TEST(json_lines_need_exactly_the_four_members)
{
	struct reg_person p;
	struct cutru_err e;
	size_t n;

	ck_assert_msg(import("{\"id_number\":\"001090012345\","
	    "\"name\":\"Nguyễn Văn An\",\"dob\":\"1990-05\",\"sex\":\"male\"}\n"
	    "\n"
	    "  {\"sex\":\"female\",\"dob\":\"1992-08-15\",\"name\":\"Trần Thị Bình\","
	    "\"id_number\":\"001192000001\"}", &n, &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(st->ops->population_get(st, "001090012345", &p, &e),
	    CUTRU_OK);
	ck_assert_str_eq(p.dob, "1990-05");
	ck_assert_int_eq(import("{\"id_number\":\"001090012345\","
	    "\"name\":\"Nguyễn Văn An\",\"dob\":\"1990\",\"sex\":\"male\","
	    "\"phone\":\"1\"}\n", &n, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "Line 1"));
	ck_assert_int_eq(import("{\"id_number\":\"001090012345\"}\n"
	    "{\"id_number\":1,\"name\":\"A\",\"dob\":\"1990\",\"sex\":\"male\"}\n",
	    &n, &e), CUTRU_EINVAL);
	ck_assert_int_eq(import("{\"id_number\":\"001090012345\","
	    "\"name\":\"An\",\"dob\":\"1990\",\"sex\":\"male\"}\nnot json\n",
	    &n, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "Line 2"));
}
END_TEST

START_TEST(identity_match_folds_names_and_compares_known_precision)
{
	struct reg_person rec;
	struct cutru_err e;

	ck_assert_int_eq(population_record("001090012345", "Nguyễn Văn Hoà",
	    "1990-05-01", "male", &rec, &e), CUTRU_OK);
	ck_assert_int_eq(population_match(&rec, "NGUYỄN VĂN HÒA", "1990-05-01",
	    CUTRU_SEX_MALE, &e), CUTRU_OK);
	ck_assert_int_eq(population_match(&rec, "Nguyen Van Hoa", "1990",
	    CUTRU_SEX_MALE, &e), CUTRU_OK);
	ck_assert_int_eq(population_match(&rec, "Nguyễn Văn Hoa", "1990-05",
	    CUTRU_SEX_MALE, &e), CUTRU_OK);
	ck_assert_int_eq(population_match(&rec, "Nguyễn Văn Hòa", "1990-05-02",
	    CUTRU_SEX_MALE, &e), CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "dob");
	ck_assert_int_eq(population_match(&rec, "Nguyễn Văn Hòa", "1991",
	    CUTRU_SEX_MALE, &e), CUTRU_ECONFLICT);
	ck_assert_int_eq(population_match(&rec, "Nguyễn Văn Hòa", "1990",
	    CUTRU_SEX_FEMALE, &e), CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "sex");
	ck_assert_int_eq(population_match(&rec, "Nguyễn Hoà", "1990",
	    CUTRU_SEX_MALE, &e), CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "name");
	/* The message names the field, never the values. */
	ck_assert_ptr_null(strstr(e.msg, "Ho"));
	ck_assert_int_eq(population_match(&rec, "Nguyễn Văn Hoà", "",
	    CUTRU_SEX_MALE, &e), CUTRU_ECONFLICT);
	/* A record with only a year agrees with any date of that year. */
	ck_assert_int_eq(population_record("001090012345", "Nguyễn Văn Hoà",
	    "1990", "Nam", &rec, &e), CUTRU_OK);
	ck_assert_int_eq(population_match(&rec, "Nguyễn Văn Hoà", "1990-12-31",
	    CUTRU_SEX_MALE, &e), CUTRU_OK);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Rate limits */

START_TEST(rate_allows_a_burst_then_one_per_interval)
{
	struct ratelimit *rl = ratelimit_new(2.0, 3, 16);

	ck_assert_ptr_nonnull(rl);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 100.0), 0);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 100.0), 0);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 100.0), 0);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 100.0), 1);
	/* Another key has its own bucket. */
	ck_assert_int_eq(ratelimit_take(rl, "other", 100.0), 0);
	/* Half a second later, one token (rate 2/s). */
	ck_assert_int_eq(ratelimit_take(rl, "dev", 100.5), 0);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 100.5), 1);
	/* A long pause refills to the burst, not beyond. */
	ck_assert_int_eq(ratelimit_take(rl, "dev", 1000.0), 0);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 1000.0), 0);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 1000.0), 0);
	ck_assert_int_ne(ratelimit_take(rl, "dev", 1000.0), 0);
	ratelimit_free(rl);
}
END_TEST

START_TEST(rate_retry_after_is_whole_seconds_until_a_token)
{
	struct ratelimit *rl = ratelimit_new(0.1, 1, 4);

	ck_assert_int_eq(ratelimit_take(rl, "dev", 0.0), 0);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 0.0), 10);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 5.0), 5);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 10.0), 0);
	ratelimit_free(rl);
	/* rate 0: no limit. */
	rl = ratelimit_new(0, 1, 4);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 0.0), 0);
	ck_assert_int_eq(ratelimit_take(rl, "dev", 0.0), 0);
	ratelimit_free(rl);
}
END_TEST

START_TEST(rate_forgets_the_oldest_keys_when_full)
{
	struct ratelimit *rl = ratelimit_new(1.0, 1, 4);
	char key[32], big[200];
	int i;

	/* Many keys (more than remembered): none is refused on first use,
	 * the table stays consistent, and a key seen recently is still
	 * limited. */
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "device-%d", i);
		ck_assert_int_eq(ratelimit_take(rl, key, 10.0 + i * 0.001), 0);
	}
	ck_assert_int_ne(ratelimit_take(rl, "device-999", 11.0), 0);
	/* Long and empty keys are keys like others. */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(ratelimit_take(rl, big, 20.0), 0);
	ck_assert_int_ne(ratelimit_take(rl, big, 20.0), 0);
	ck_assert_int_eq(ratelimit_take(rl, "", 20.0), 0);
	ck_assert_int_ne(ratelimit_take(rl, NULL, 20.0), 0);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("regparse");
	TCase *tc = tcase_create("config");
	TCase *tp = tcase_create("population");
	TCase *tr = tcase_create("ratelimit");

	tcase_add_test(tc, config_reads_every_key_and_resolves_paths);
	tcase_add_test(tc,
	    config_refuses_typos_repeats_and_bad_values_naming_the_line);
	tcase_add_test(tc, config_file_must_name_the_data_directory);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, csv_with_bom_quotes_any_column_order_and_crlf);
	tcase_add_test(tp, a_bad_line_imports_nothing_and_is_named);
	tcase_add_test(tp, json_lines_need_exactly_the_four_members);
	tcase_add_test(tp,
	    identity_match_folds_names_and_compares_known_precision);
	suite_add_tcase(s, tp);
	tcase_add_test(tr, rate_allows_a_burst_then_one_per_interval);
	tcase_add_test(tr, rate_retry_after_is_whole_seconds_until_a_token);
	tcase_add_test(tr, rate_forgets_the_oldest_keys_when_full);
	suite_add_tcase(s, tr);
	return s;
}
