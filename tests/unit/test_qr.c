#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "core/err.h"
#include "core/qr.h"
#include "core/types.h"
#include "core/utf8.h"
#include "tests/unit/tap_main.h"

/* 001 Hà Nội, century digit 0 (a man born in the 1900s), year 99. */
#define ID_M99 "001099012345"
#define ADDR "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội"
#define LINE ID_M99 "|123456789|Nguyễn Văn Đức|02091999|Nam|" ADDR "|15042021"
/* NFD spellings typed by some scanners. */
#define NAME_NFD \
	"Nguye\xcc\x82\xcc\x83n Va\xcc\x86n \xc4\x90u\xcc\x9b\xcc\x81" "c"
#define NU_NFD "Nu\xcc\x9b\xcc\x83"

static struct qr_card card;
static struct cutru_err err;

static int
parse(const char *line)
{
	return qr_parse(line, UTF8_NTS, &card, &err);
}

/* Refused with CUTRU_EINVAL, the field named, *card zeroed, and a message
 * holding want. */
static void
refused(const char *line, size_t len, const char *field, const char *want)
{
	memset(&card, 0x55, sizeof card);
	ck_assert_int_eq(qr_parse(line, len, &card, &err), CUTRU_EINVAL);
	ck_assert_str_eq(err.field, field);
	ck_assert_str_eq(card.id_number, "");
	ck_assert_str_eq(card.name, "");
	ck_assert_int_eq(card.sex, CUTRU_SEX_UNKNOWN);
	if (strstr(err.msg, want) == NULL)
		ck_abort_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

/* LINE with field i (0-based) replaced by value. */
static const char *
with_field(int i, const char *value)
{
	static const char *const f[7] = {
		ID_M99, "123456789", "Nguyễn Văn Đức", "02091999", "Nam", ADDR,
		"15042021"
	};
	static char buf[2048];
	size_t o = 0;
	int k;

	for (k = 0; k < 7; k++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s",
		    k > 0 ? "|" : "", k == i ? value : f[k]);
	return buf;
}

START_TEST(a_card_line_is_read_field_by_field)
{
	ck_assert_int_eq(parse(LINE), CUTRU_OK);
	ck_assert_str_eq(card.id_number, ID_M99);
	ck_assert_str_eq(card.cmnd_number, "123456789");
	ck_assert_str_eq(card.name, "Nguyễn Văn Đức");
	ck_assert_int_eq(card.dob.year, 1999);
	ck_assert_int_eq(card.dob.month, 9);
	ck_assert_int_eq(card.dob.day, 2);
	ck_assert_int_eq(card.dob.prec, CUTRU_DATE_DAY);
	ck_assert_int_eq(card.sex, CUTRU_SEX_MALE);
	ck_assert_str_eq(card.address, ADDR);
	ck_assert_int_eq(card.issued.year, 2021);
	ck_assert_int_eq(card.issued.month, 4);
	ck_assert_int_eq(card.issued.day, 15);
	ck_assert_int_eq(card.issued.prec, CUTRU_DATE_DAY);
	ck_assert_uint_eq(card.extra_fields, 0);
}
END_TEST

START_TEST(scanner_suffixes_and_nfd_text_are_tolerated)
{
	ck_assert_int_eq(parse(LINE "\r\n"), CUTRU_OK);
	ck_assert_str_eq(card.address, ADDR);
	ck_assert_int_eq(parse(LINE "\r"), CUTRU_OK);
	ck_assert_int_eq(parse(LINE "\n\r\n\t"), CUTRU_OK);
	ck_assert_int_eq(parse(with_field(2, NAME_NFD)), CUTRU_OK);
	ck_assert_str_eq(card.name, "Nguyễn Văn Đức");
	ck_assert_int_eq(parse(with_field(2, "  Nguyễn  Văn\xc2\xa0" "Đức ")),
	    CUTRU_OK);
	ck_assert_str_eq(card.name, "Nguyễn Văn Đức");
	ck_assert_int_eq(parse(with_field(5, "  S\xe1\xbb\x91  1,\xc2\xa0"
	    "Ha\xcc\x80 N\xc3\xb4\xcc\xa3i  ")), CUTRU_OK);
	ck_assert_str_eq(card.address, "Số 1, Hà Nội");
	/* An empty CMND, and the 12-digit CMND of 2012-2016. */
	ck_assert_int_eq(parse(with_field(1, "")), CUTRU_OK);
	ck_assert_str_eq(card.cmnd_number, "");
	ck_assert_int_eq(parse(with_field(1, "001099000111")), CUTRU_OK);
	ck_assert_str_eq(card.cmnd_number, "001099000111");
}
END_TEST

START_TEST(sex_is_read_in_every_spelling)
{
	static const char *const male[] = { "Nam", "NAM", "nam" };
	static const char *const female[] = { "Nữ", "NỮ", "nữ", NU_NFD, "Nu",
	    "NU" };
	char line[256];
	size_t i;

	for (i = 0; i < sizeof male / sizeof male[0]; i++) {
		ck_assert_int_eq(parse(with_field(4, male[i])), CUTRU_OK);
		ck_assert_int_eq(card.sex, CUTRU_SEX_MALE);
	}
	/* 001 Hà Nội, century digit 1: a woman born in the 1900s. */
	for (i = 0; i < sizeof female / sizeof female[0]; i++) {
		snprintf(line, sizeof line, "001199012345||Trần Thị Ánh|"
		    "01011999|%s|Hà Nội|01012020", female[i]);
		ck_assert_int_eq(parse(line), CUTRU_OK);
		ck_assert_int_eq(card.sex, CUTRU_SEX_FEMALE);
	}
	refused(with_field(4, "Male"), UTF8_NTS, "sex", "\"Male\"");
	refused(with_field(4, ""), UTF8_NTS, "sex", "neither");
	refused(with_field(4, "N"), UTF8_NTS, "sex", "neither");
	refused(with_field(4, "N am"), UTF8_NTS, "sex", "neither");
	/* Spaces around the word are harmless. */
	ck_assert_int_eq(parse(with_field(4, " Nam ")), CUTRU_OK);
	ck_assert_int_eq(card.sex, CUTRU_SEX_MALE);
	refused(with_field(4, "Namnamnamnamnamnam"), UTF8_NTS, "sex",
	    "neither");
}
END_TEST

START_TEST(partial_dates_of_birth_are_kept_partial)
{
	ck_assert_int_eq(parse("001050012345||Lê Văn Bình|00001950|Nam|Huế|"
	    "01012021"), CUTRU_OK);
	ck_assert_int_eq(card.dob.prec, CUTRU_DATE_YEAR);
	ck_assert_int_eq(card.dob.year, 1950);
	ck_assert_int_eq(card.dob.month, 0);
	ck_assert_int_eq(parse("001050012345||Lê Văn Bình|00061950|Nam|Huế|"
	    "01012021"), CUTRU_OK);
	ck_assert_int_eq(card.dob.prec, CUTRU_DATE_MONTH);
	ck_assert_int_eq(card.dob.month, 6);
	ck_assert_int_eq(parse("001050012345||Lê Văn Bình|1950|Nam|Huế|"
	    "01012021"), CUTRU_OK);
	ck_assert_int_eq(card.dob.prec, CUTRU_DATE_YEAR);
	ck_assert_int_eq(card.dob.year, 1950);
	/* 29 February of a leap year. */
	ck_assert_int_eq(parse("001300012345||Lê Thị Hoa|29022000|Nữ|Huế|"
	    "01012021"), CUTRU_OK);
}
END_TEST

START_TEST(bad_dates_are_refused_with_their_field)
{
	refused(with_field(3, "31022020"), UTF8_NTS, "date_of_birth",
	    "\"31022020\", is not a valid date");
	refused(with_field(3, "29021999"), UTF8_NTS, "date_of_birth",
	    "29021999");
	refused(with_field(3, "05001999"), UTF8_NTS, "date_of_birth", "valid");
	refused(with_field(3, "02/09/1999"), UTF8_NTS, "date_of_birth",
	    "valid");
	refused(with_field(3, ""), UTF8_NTS, "date_of_birth", "valid");
	refused(with_field(3, "0209199"), UTF8_NTS, "date_of_birth", "valid");
	refused(with_field(3, "0000"), UTF8_NTS, "date_of_birth", "valid");
	refused(with_field(3, "02131999"), UTF8_NTS, "date_of_birth", "valid");
	refused(with_field(3, "02091999 "), UTF8_NTS, "date_of_birth",
	    "valid");
	refused(with_field(6, "00002021"), UTF8_NTS, "issue_date",
	    "\"00002021\", is not a valid date");
	refused(with_field(6, "2021"), UTF8_NTS, "issue_date", "valid");
	refused(with_field(6, "32012021"), UTF8_NTS, "issue_date", "valid");
	refused(with_field(6, "01011990"), UTF8_NTS, "issue_date",
	    "before the date of birth, \"02091999\"");
}
END_TEST

START_TEST(numbers_are_checked)
{
	refused(with_field(0, "00109901234"), UTF8_NTS, "id_number",
	    "\"00109901234\", is not 12 digits");
	refused(with_field(0, "0010990123456"), UTF8_NTS, "id_number",
	    "12 digits");
	refused(with_field(0, "00109901234X"), UTF8_NTS, "id_number",
	    "12 digits");
	refused(with_field(0, " 001099012345"), UTF8_NTS, "id_number",
	    "12 digits");
	/* A province code that does not exist: core/idnum.h refuses it. */
	refused(with_field(0, "000099012345"), UTF8_NTS, "id_number", "");
	refused(with_field(1, "12345"), UTF8_NTS, "cmnd_number",
	    "\"12345\", is not 9 or 12 digits");
	refused(with_field(1, "12345678X"), UTF8_NTS, "cmnd_number",
	    "not 9 or 12");
	refused(with_field(1, "1234567890"), UTF8_NTS, "cmnd_number",
	    "not 9 or 12");
	/* The ID is quoted at most 20 characters long. */
	refused(with_field(0, "0123456789012345678901234567890123456789"),
	    UTF8_NTS, "id_number", "\"01234567890123456789\",");
}
END_TEST

START_TEST(name_and_address_are_checked)
{
	refused(with_field(2, ""), UTF8_NTS, "name", "The name is empty.");
	refused(with_field(2, "   "), UTF8_NTS, "name", "empty");
	refused(with_field(2, "Nguyễn Văn 3"), UTF8_NTS, "name", "digit '3'");
	refused(with_field(2, "Nguyễn\xe2\x80\x8dVăn"), UTF8_NTS, "name",
	    "U+200D");
	refused(with_field(5, ""), UTF8_NTS, "address",
	    "The address on the scanned card is empty");
	refused(with_field(5, " \xc2\xa0 "), UTF8_NTS, "address", "empty");
}
END_TEST

START_TEST(field_counts_are_checked_and_extra_fields_ignored)
{
	char line[2048];
	int i;

	refused(ID_M99 "|123456789|Nguyễn Văn Đức|02091999|Nam|" ADDR,
	    UTF8_NTS, "qr", "has 6 fields separated by '|', but a card has 7");
	refused(ID_M99, UTF8_NTS, "qr", "has 1 fields");
	refused("", 0, "qr", "has 1 fields");
	refused(NULL, 0, "qr", "has 1 fields");
	ck_assert_int_eq(parse(LINE "|"), CUTRU_OK);
	ck_assert_uint_eq(card.extra_fields, 1);
	ck_assert_int_eq(parse(LINE "|Kinh|Không"), CUTRU_OK);
	ck_assert_uint_eq(card.extra_fields, 2);
	ck_assert_str_eq(card.name, "Nguyễn Văn Đức");
	/* Sixteen fields pass, seventeen do not. */
	strcpy(line, LINE);
	for (i = 7; i < QR_MAX_FIELDS; i++)
		strcat(line, "|x");
	ck_assert_int_eq(parse(line), CUTRU_OK);
	ck_assert_uint_eq(card.extra_fields, QR_MAX_FIELDS - 7);
	strcat(line, "|x");
	refused(line, UTF8_NTS, "qr", "more than 16 fields");
	/* A '|' inside the address shifts the fields after it. */
	refused(with_field(5, "A|B"), UTF8_NTS, "issue_date", "\"B\"");
}
END_TEST

START_TEST(control_characters_and_bad_bytes_are_refused)
{
	char line[512];
	size_t n;

	refused(with_field(5, "S\xe1\xbb\x91 1\x07"), UTF8_NTS, "qr",
	    "control character U+0007");
	refused(with_field(2, "Nguy\x1b[2J"), UTF8_NTS, "qr", "U+001B");
	refused(with_field(5, "A\tB"), UTF8_NTS, "qr", "U+0009");
	refused(LINE "\r\nX", UTF8_NTS, "qr", "U+000D");
	refused(with_field(5, "A\xe2\x80\xae" "B"), UTF8_NTS, "qr", "U+202E");
	/* An embedded NUL with an explicit length. */
	n = strlen(LINE);
	memcpy(line, LINE, n + 1);
	line[20] = '\0';
	refused(line, n, "qr", "U+0000");
	refused(with_field(2, "Nguy\xc3\x28n"), UTF8_NTS, "qr",
	    "not valid UTF-8");
	refused(with_field(5, "\xc0\xaf"), UTF8_NTS, "qr", "not valid UTF-8");
	/* Latin-1 from a scanner set to the wrong code page. */
	refused(with_field(4, "N\xfc"), UTF8_NTS, "qr", "UTF-8");
}
END_TEST

START_TEST(oversized_lines_are_refused)
{
	char *line = malloc(1u << 20);
	size_t base = strlen(LINE) - strlen("|15042021"), pad;

	ck_assert_ptr_nonnull(line);
	/* Exactly QR_LINE_MAX bytes, with a suffix, pass. */
	pad = QR_LINE_MAX - strlen(LINE);
	memcpy(line, LINE, base);
	memset(line + base, 'x', pad);
	strcpy(line + base + pad, "|15042021\r\n");
	ck_assert_uint_eq(strlen(line), QR_LINE_MAX + 2);
	ck_assert_int_eq(qr_parse(line, UTF8_NTS, &card, &err), CUTRU_OK);
	ck_assert_uint_eq(strlen(card.address), strlen(ADDR) + pad);
	/* One byte more does not. */
	memset(line + base, 'x', pad + 1);
	strcpy(line + base + pad + 1, "|15042021");
	refused(line, UTF8_NTS, "qr", "too long (1025 bytes, at most 1024)");
	/* An address that fits the line but triples in NFC (U+1D160). */
	line[0] = '\0';
	for (pad = 0; pad < 200; pad++)
		strcat(line, "\xf0\x9d\x85\xa0");
	refused(with_field(5, line), UTF8_NTS, "address", "too long");
	/* Nor does a megabyte. */
	memset(line, '1', 1u << 20);
	refused(line, 1u << 20, "qr", "too long");
	free(line);
}
END_TEST

START_TEST(an_id_that_disagrees_with_the_card_is_a_conflict)
{
	/* Century digit 1 says a woman; the card says Nam. */
	memset(&card, 0, sizeof card);
	ck_assert_int_eq(parse("001199012345||Nguyễn Văn Đức|02091999|Nam|"
	    ADDR "|15042021"), CUTRU_ECONFLICT);
	ck_assert_str_eq(err.field, "sex");
	/* The card is filled all the same, for the console to show. */
	ck_assert_str_eq(card.id_number, "001199012345");
	ck_assert_str_eq(card.name, "Nguyễn Văn Đức");
	ck_assert_int_eq(card.sex, CUTRU_SEX_MALE);
	ck_assert_str_eq(card.address, ADDR);
	/* Year 85 in the number, 1999 on the card. */
	ck_assert_int_eq(parse("001085012345||Nguyễn Văn Đức|02091999|Nam|"
	    ADDR "|15042021"), CUTRU_ECONFLICT);
	ck_assert_str_eq(err.field, "date_of_birth");
	ck_assert_int_eq(card.dob.year, 1999);
}
END_TEST

START_TEST(looks_like_scan_is_cheap_and_strict)
{
	char *big;

	ck_assert_int_eq(qr_looks_like_scan(LINE, UTF8_NTS), 1);
	ck_assert_int_eq(qr_looks_like_scan(LINE "\r\n", UTF8_NTS), 1);
	ck_assert_int_eq(qr_looks_like_scan(ID_M99 "||||||", UTF8_NTS), 1);
	ck_assert_int_eq(qr_looks_like_scan(ID_M99 "|||||", UTF8_NTS), 0);
	ck_assert_int_eq(qr_looks_like_scan(ID_M99, UTF8_NTS), 0);
	ck_assert_int_eq(qr_looks_like_scan("00109901234||||||", UTF8_NTS), 0);
	ck_assert_int_eq(qr_looks_like_scan("0010990123456||||||", UTF8_NTS),
	    0);
	ck_assert_int_eq(qr_looks_like_scan("00109901234a||||||", UTF8_NTS),
	    0);
	ck_assert_int_eq(qr_looks_like_scan("Nguyễn Văn Đức", UTF8_NTS), 0);
	ck_assert_int_eq(qr_looks_like_scan("", UTF8_NTS), 0);
	ck_assert_int_eq(qr_looks_like_scan(NULL, 0), 0);
	ck_assert_int_eq(qr_looks_like_scan(NULL, UTF8_NTS), 0);
	/* The explicit length is honoured. */
	ck_assert_int_eq(qr_looks_like_scan(LINE, 20), 0);
	/* Bars far beyond a card's length do not count. */
	big = malloc(1u << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 1u << 20);
	memcpy(big, ID_M99 "|", 13);
	memset(big + (1u << 19), '|', 10);
	ck_assert_int_eq(qr_looks_like_scan(big, 1u << 20), 0);
	memset(big + 100, '|', 6);
	ck_assert_int_eq(qr_looks_like_scan(big, 1u << 20), 1);
	free(big);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("qr");
	TCase *tc = tcase_create("qr");

	tcase_add_test(tc, a_card_line_is_read_field_by_field);
	tcase_add_test(tc, scanner_suffixes_and_nfd_text_are_tolerated);
	tcase_add_test(tc, sex_is_read_in_every_spelling);
	tcase_add_test(tc, partial_dates_of_birth_are_kept_partial);
	tcase_add_test(tc, bad_dates_are_refused_with_their_field);
	tcase_add_test(tc, numbers_are_checked);
	tcase_add_test(tc, name_and_address_are_checked);
	tcase_add_test(tc, field_counts_are_checked_and_extra_fields_ignored);
	tcase_add_test(tc, control_characters_and_bad_bytes_are_refused);
	tcase_add_test(tc, oversized_lines_are_refused);
	tcase_add_test(tc, an_id_that_disagrees_with_the_card_is_a_conflict);
	tcase_add_test(tc, looks_like_scan_is_cheap_and_strict);
	suite_add_tcase(s, tc);
	return s;
}
