#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "core/err.h"
#include "core/idnum.h"
#include "core/types.h"
#include "tests/unit/tap_main.h"

static struct cutru_date
mk(int y, int m, int d, enum cutru_date_prec p)
{
	struct cutru_date r;

	r.year = y;
	r.month = m;
	r.day = d;
	r.prec = p;
	return r;
}

static void
ck_zeroed(const struct idnum_info *id)
{
	ck_assert_str_eq(id->number, "");
	ck_assert_str_eq(id->province_name, "");
	ck_assert_int_eq(id->province, 0);
	ck_assert_int_eq(id->birth_year, 0);
	ck_assert_int_eq(id->sex, CUTRU_SEX_UNKNOWN);
}

/* Parse len bytes at s; expect CUTRU_EINVAL on field id_number with a
 * message containing want, and a zeroed result. */
static void
refused_n(const char *s, size_t len, const char *want)
{
	struct idnum_info id;
	struct cutru_err e;

	memset(&id, 0x55, sizeof id);
	cutru_err_clear(&e);
	ck_assert_int_eq(idnum_parse_n(s, len, &id, &e), CUTRU_EINVAL);
	ck_assert_int_eq(e.code, CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "id_number");
	ck_assert_msg(strstr(e.msg, want) != NULL,
	    "message \"%s\" lacks \"%s\"", e.msg, want);
	ck_zeroed(&id);
}

static void
refused(const char *s, const char *want)
{
	refused_n(s, s != NULL ? strlen(s) : 0, want);
}

START_TEST(decodes_a_valid_number)
{
	struct idnum_info id;
	struct cutru_err e;

	cutru_err_clear(&e);
	ck_assert_int_eq(idnum_parse("079203001234", &id, &e), CUTRU_OK);
	ck_assert_int_eq(e.code, CUTRU_OK);
	ck_assert_str_eq(id.number, "079203001234");
	ck_assert_int_eq(id.province, 79);
	ck_assert_str_eq(id.province_name, "Hồ Chí Minh");
	ck_assert_int_eq(id.century_digit, 2);
	ck_assert_int_eq(id.century, 2000);
	ck_assert_int_eq(id.sex, CUTRU_SEX_MALE);
	ck_assert_int_eq(id.birth_year, 2003);

	ck_assert_int_eq(idnum_parse("096190000001", &id, &e), CUTRU_OK);
	ck_assert_str_eq(id.province_name, "Cà Mau");
	ck_assert_int_eq(id.sex, CUTRU_SEX_FEMALE);
	ck_assert_int_eq(id.birth_year, 1990);
}
END_TEST

START_TEST(every_century_digit)
{
	static const int century[10] = {
		1900, 1900, 2000, 2000, 2100, 2100, 2200, 2200, 2300, 2300
	};
	char buf[32];
	struct idnum_info id;
	struct cutru_err e;
	int c;

	for (c = 0; c <= 9; c++) {
		snprintf(buf, sizeof buf, "001%d85123456", c);
		ck_assert_int_eq(idnum_parse(buf, &id, &e), CUTRU_OK);
		ck_assert_int_eq(id.century_digit, c);
		ck_assert_int_eq(id.century, century[c]);
		ck_assert_int_eq(id.birth_year, century[c] + 85);
		ck_assert_int_eq(id.sex, c % 2 == 0 ? CUTRU_SEX_MALE :
		    CUTRU_SEX_FEMALE);
	}
	ck_assert_int_eq(idnum_parse("001000123456", &id, &e), CUTRU_OK);
	ck_assert_int_eq(id.birth_year, 1900);
	ck_assert_int_eq(idnum_parse("001999123456", &id, &e), CUTRU_OK);
	ck_assert_int_eq(id.birth_year, 2399);
}
END_TEST

START_TEST(all_63_provinces_are_known)
{
	char buf[32];
	struct idnum_info id;
	struct cutru_err e;
	size_t i;
	int code, known = 0, prev = 0;

	ck_assert_uint_eq(idnum_province_count(), 63);
	ck_assert_ptr_null(idnum_province_at(63));
	for (i = 0; i < idnum_province_count(); i++) {
		const struct idnum_province *p = idnum_province_at(i);

		ck_assert_ptr_nonnull(p);
		ck_assert_int_gt(p->code, prev);
		ck_assert_int_le(p->code, 96);
		prev = p->code;
		ck_assert_ptr_eq(idnum_province_name(p->code), p->name);
		snprintf(buf, sizeof buf, "%03d085123456", p->code);
		ck_assert_int_eq(idnum_parse(buf, &id, &e), CUTRU_OK);
		ck_assert_int_eq(id.province, p->code);
		ck_assert_str_eq(id.province_name, p->name);
	}
	for (code = -1; code <= 1000; code++)
		if (idnum_province_name(code) != NULL)
			known++;
	ck_assert_int_eq(known, 63);
	ck_assert_str_eq(idnum_province_name(1), "Hà Nội");
	ck_assert_str_eq(idnum_province_name(46), "Thừa Thiên Huế");
	ck_assert_str_eq(idnum_province_name(48), "Đà Nẵng");
	ck_assert_str_eq(idnum_province_name(64), "Gia Lai");
	ck_assert_str_eq(idnum_province_name(77), "Bà Rịa - Vũng Tàu");
	ck_assert_str_eq(idnum_province_name(79), "Hồ Chí Minh");
	ck_assert_str_eq(idnum_province_name(96), "Cà Mau");
}
END_TEST

START_TEST(unknown_province_codes_are_refused)
{
	static const char *const bad[] = {
		"000085123456", "003085123456", "005085123456",
		"063085123456", "078085123456", "097085123456",
		"098085123456", "099085123456", "100085123456",
		"999085123456",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(bad[i], "which is not the code of a province");
	refused("097085123456", "ID number 097085123456 starts with 097");
}
END_TEST

START_TEST(blanks_around_are_ignored)
{
	struct idnum_info id;
	struct cutru_err e;

	ck_assert_int_eq(idnum_parse(" \t079203001234\r\n", &id, &e),
	    CUTRU_OK);
	ck_assert_str_eq(id.number, "079203001234");
	/* Explicit length, not NUL-terminated. */
	ck_assert_int_eq(idnum_parse_n("079203001234999", 12, &id, &e),
	    CUTRU_OK);
	ck_assert_str_eq(id.number, "079203001234");
}
END_TEST

START_TEST(empty_is_refused)
{
	refused("", "is empty");
	refused(NULL, "is empty");
	refused(" \t\r\n", "is empty");
	refused_n(NULL, 12, "is empty");
}
END_TEST

START_TEST(wrong_length_is_refused)
{
	refused("07920300123", "has 11 digits, but a personal ID number "
	    "has exactly 12");
	refused("0792030012345", "has 13 digits");
	refused("1", "has 1 digit, but");
	refused(" 1", "has 1 digit, but");
	refused("99999999999999999999", "has 20 digits");
}
END_TEST

START_TEST(old_cmnd_number_is_sent_to_its_field)
{
	refused("025123456", "025123456 is an old 9-digit CMND number, not a "
	    "personal ID number: enter it in the old ID (CMND) field");
	refused(" 025123456 ", "old 9-digit CMND number");
}
END_TEST

START_TEST(non_digits_are_named_with_their_position)
{
	refused("07920300123x", "has \"x\" at position 12");
	refused("+79203001234", "has \"+\" at position 1");
	refused("-79203001234", "has \"-\" at position 1");
	refused("079 203001234", "has a space at position 4: type the digits "
	    "without spaces");
	refused("079\t203001234", "has a space at position 4");
	refused("  079-203-001-234", "has \"-\" at position 4");
	refused_n("0792\0003001234", 13, "not one of the digits 0 to 9 at "
	    "position 5");
	refused_n("\0", 1, "at position 1");
	/* Full-width and Arabic-Indic digits are not digits here. */
	refused("\xef\xbc\x90\xef\xbc\x97\xef\xbc\x99" "203001234",
	    "at position 1: check the keyboard");
	refused("079203001" "\xd9\xa2\xd9\xa3\xd9\xa4", "at position 10");
	/* Invalid UTF-8, overlong encodings, control characters. */
	refused("\xff\xfe" "0792030012", "at position 1");
	refused("0792030012\xc0\xb4", "at position 11");
	refused("07920300\x01" "234", "at position 9");
	refused("0792030012\x7f" "4", "at position 11");
}
END_TEST

START_TEST(megabyte_input)
{
	size_t n = 1 << 20;
	char *big = malloc(n + 1);
	struct idnum_info id;
	struct cutru_err e;

	ck_assert_ptr_nonnull(big);
	memset(big, '7', n);
	big[n] = '\0';
	refused(big, "has 1048576 digits");
	big[n - 1] = 'a';
	refused(big, "has \"a\" at position 1048576");
	memset(big, ' ', n);
	memcpy(big + n / 2, "079203001234", 12);
	ck_assert_int_eq(idnum_parse(big, &id, &e), CUTRU_OK);
	ck_assert_str_eq(id.number, "079203001234");
	ck_assert_uint_lt(strlen(e.msg), 200);
	free(big);
}
END_TEST

START_TEST(sex_must_agree)
{
	struct idnum_info id;
	struct cutru_err e;

	ck_assert_int_eq(idnum_parse("001185123456", &id, &e), CUTRU_OK);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_FEMALE, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_UNKNOWN, NULL,
	    &e), CUTRU_OK);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_MALE, NULL, &e),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "sex");
	ck_assert_str_eq(e.msg, "ID number 001185123456 has the century "
	    "digit 1, which is for a woman, but the form says male: check the "
	    "ID number or the sex.");

	ck_assert_int_eq(idnum_parse("001285123456", &id, &e), CUTRU_OK);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_MALE, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_FEMALE, NULL, &e),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.msg, "ID number 001285123456 has the century "
	    "digit 2, which is for a man, but the form says female: check the "
	    "ID number or the sex.");
}
END_TEST

START_TEST(year_of_birth_must_agree_at_any_precision)
{
	struct idnum_info id;
	struct cutru_err e;
	struct cutru_date d;

	ck_assert_int_eq(idnum_parse("001085123456", &id, &e), CUTRU_OK);
	d = mk(1985, 6, 15, CUTRU_DATE_DAY);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_MALE, &d, &e),
	    CUTRU_OK);
	d = mk(1985, 6, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_MALE, &d, &e),
	    CUTRU_OK);
	d = mk(1985, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_MALE, &d, &e),
	    CUTRU_OK);
	d = mk(0, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_MALE, &d, &e),
	    CUTRU_OK);

	d = mk(1986, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_UNKNOWN, &d, &e),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "date_of_birth");
	ck_assert_str_eq(e.msg, "ID number 001085123456 says born in 1985, "
	    "but the date of birth is in 1986: check the ID number or the "
	    "date of birth.");

	/* Same two digits, other century. */
	d = mk(2085, 2, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_MALE, &d, &e),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.msg, "ID number 001085123456 has the century "
	    "digit 0, which is for a birth between 1900 and 1999, but the date "
	    "of birth is in 2085: check the ID number or the date of birth.");

	ck_assert_int_eq(idnum_parse("001303123456", &id, &e), CUTRU_OK);
	d = mk(1903, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_FEMALE, &d, &e),
	    CUTRU_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "between 2000 and 2099"));
	d = mk(2003, 1, 1, CUTRU_DATE_DAY);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_FEMALE, &d, &e),
	    CUTRU_OK);
}
END_TEST

START_TEST(sex_is_checked_before_year)
{
	struct idnum_info id;
	struct cutru_err e;
	struct cutru_date d = mk(1990, 0, 0, CUTRU_DATE_YEAR);

	ck_assert_int_eq(idnum_parse("001185123456", &id, &e), CUTRU_OK);
	ck_assert_int_eq(idnum_check_person(&id, CUTRU_SEX_MALE, &d, &e),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "sex");
}
END_TEST

START_TEST(birth_year_cannot_be_after_today)
{
	struct idnum_info id;
	struct cutru_err e;
	struct cutru_date today = mk(2026, 11, 27, CUTRU_DATE_DAY);
	struct cutru_date year = mk(2026, 0, 0, CUTRU_DATE_YEAR);

	ck_assert_int_eq(idnum_parse("001226123456", &id, &e), CUTRU_OK);
	ck_assert_int_eq(idnum_check_birth_year(&id, &today, &e), CUTRU_OK);
	ck_assert_int_eq(idnum_check_birth_year(&id, &year, &e), CUTRU_OK);
	ck_assert_int_eq(idnum_parse("001227123456", &id, &e), CUTRU_OK);
	ck_assert_int_eq(idnum_check_birth_year(&id, &today, &e),
	    CUTRU_ERANGE);
	ck_assert_str_eq(e.field, "id_number");
	ck_assert_ptr_nonnull(strstr(e.msg, "says born in 2027"));
	ck_assert_int_eq(idnum_parse("001400123456", &id, &e), CUTRU_OK);
	ck_assert_int_eq(idnum_check_birth_year(&id, &today, &e),
	    CUTRU_ERANGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "2100"));
	ck_assert_int_eq(idnum_check_birth_year(&id, NULL, &e), CUTRU_EINVAL);
	year = mk(0, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(idnum_check_birth_year(&id, &year, &e),
	    CUTRU_EINVAL);
}
END_TEST

START_TEST(classify_routes_scanned_numbers)
{
	ck_assert_int_eq(idnum_classify("079203001234", 12),
	    IDNUM_KIND_PERSONAL);
	ck_assert_int_eq(idnum_classify(" 025123456\r", 11), IDNUM_KIND_CMND);
	/* Any 12 digits, even with an unknown province. */
	ck_assert_int_eq(idnum_classify("000000000000", 12),
	    IDNUM_KIND_PERSONAL);
	ck_assert_int_eq(idnum_classify("0251234567", 10), IDNUM_KIND_OTHER);
	ck_assert_int_eq(idnum_classify("02512345x", 9), IDNUM_KIND_OTHER);
	ck_assert_int_eq(idnum_classify("", 0), IDNUM_KIND_OTHER);
	ck_assert_int_eq(idnum_classify(NULL, 9), IDNUM_KIND_OTHER);
}
END_TEST

START_TEST(cmnd_numbers)
{
	char out[IDNUM_CMND_LEN + 1];
	struct cutru_err e;

	ck_assert_int_eq(idnum_parse_cmnd(" 025123456\n", out, &e), CUTRU_OK);
	ck_assert_str_eq(out, "025123456");
	ck_assert_int_eq(idnum_parse_cmnd_n("0251234567", 9, out, &e),
	    CUTRU_OK);
	ck_assert_str_eq(out, "025123456");

	ck_assert_int_eq(idnum_parse_cmnd("079203001234", out, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(e.field, "cmnd_number");
	ck_assert_str_eq(e.msg, "079203001234 is a 12-digit personal ID "
	    "number, not an old CMND number: enter it in the personal ID "
	    "number field.");
	ck_assert_int_eq(idnum_parse_cmnd("02512345", out, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "has 8 digits"));
	ck_assert_int_eq(idnum_parse_cmnd("", out, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "is empty"));
	ck_assert_int_eq(idnum_parse_cmnd(NULL, out, &e), CUTRU_EINVAL);
	ck_assert_int_eq(idnum_parse_cmnd("025 123456", out, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "space at position 4"));
	ck_assert_int_eq(idnum_parse_cmnd("02512345A", out, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "\"A\" at position 9"));
	ck_assert_int_eq(idnum_parse_cmnd_n("0251\0003456", 9, out, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "at position 5: check"));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("idnum");
	TCase *tc = tcase_create("idnum");

	tcase_add_test(tc, decodes_a_valid_number);
	tcase_add_test(tc, every_century_digit);
	tcase_add_test(tc, all_63_provinces_are_known);
	tcase_add_test(tc, unknown_province_codes_are_refused);
	tcase_add_test(tc, blanks_around_are_ignored);
	tcase_add_test(tc, empty_is_refused);
	tcase_add_test(tc, wrong_length_is_refused);
	tcase_add_test(tc, old_cmnd_number_is_sent_to_its_field);
	tcase_add_test(tc, non_digits_are_named_with_their_position);
	tcase_add_test(tc, megabyte_input);
	tcase_add_test(tc, sex_must_agree);
	tcase_add_test(tc, year_of_birth_must_agree_at_any_precision);
	tcase_add_test(tc, sex_is_checked_before_year);
	tcase_add_test(tc, birth_year_cannot_be_after_today);
	tcase_add_test(tc, classify_routes_scanned_numbers);
	tcase_add_test(tc, cmnd_numbers);
	suite_add_tcase(s, tc);
	return s;
}
