#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "core/err.h"
#include "core/name.h"
#include "core/utf8.h"
#include "tests/unit/tap_main.h"

/* Source text is UTF-8 NFC; NFD forms are spelled out in escapes. */
#define NAME_NFC "Nguyễn Văn Đức"
#define NAME_NFD \
	"Nguye\xcc\x82\xcc\x83n Va\xcc\x86n \xc4\x90u\xcc\x9b\xcc\x81" "c"

static char out[NAME_BUF_SIZE];
static struct cutru_err err;

static int
norm(const char *s)
{
	return name_normalise(s, UTF8_NTS, out, sizeof out, NULL, &err);
}

static const char *
fold(const char *s)
{
	ck_assert_int_eq(name_fold(s, UTF8_NTS, out, sizeof out, NULL, &err),
	    CUTRU_OK);
	return out;
}

static const char *
fold_query(const char *s)
{
	ck_assert_int_eq(name_fold_query(s, UTF8_NTS, out, sizeof out, NULL,
	    &err), CUTRU_OK);
	return out;
}

/* Refused with field "name" and a message holding want. */
static void
refused(const char *s, size_t len, const char *want)
{
	strcpy(out, "junk");
	ck_assert_int_eq(name_normalise(s, len, out, sizeof out, NULL, &err),
	    CUTRU_EINVAL);
	ck_assert_str_eq(err.field, "name");
	ck_assert_str_eq(out, "");
	if (strstr(err.msg, want) == NULL)
		ck_abort_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

START_TEST(nfd_and_nfc_give_the_same_stored_name)
{
	char nfc[NAME_BUF_SIZE];
	size_t n;

	ck_assert_uint_eq(utf8_count(NAME_NFC, UTF8_NTS), 14);
	ck_assert_uint_eq(utf8_count(NAME_NFD, UTF8_NTS), 19);
	ck_assert_int_eq(name_normalise(NAME_NFC, UTF8_NTS, nfc, sizeof nfc,
	    &n, &err), CUTRU_OK);
	ck_assert_uint_eq(n, strlen(NAME_NFC));
	ck_assert_int_eq(name_normalise(NAME_NFD, strlen(NAME_NFD), out,
	    sizeof out, &n, &err), CUTRU_OK);
	ck_assert_uint_eq(n, strlen(nfc));
	ck_assert_int_eq(memcmp(out, nfc, n + 1), 0);
	ck_assert_str_eq(out, NAME_NFC);
	/* Capitalisation is kept as typed. */
	ck_assert_int_eq(norm("nguyễn văn đức"), CUTRU_OK);
	ck_assert_str_eq(out, "nguyễn văn đức");
}
END_TEST

START_TEST(white_space_of_every_kind_collapses)
{
	/* NBSP, tab, ideographic space, em space, narrow NBSP, CRLF. */
	ck_assert_int_eq(norm("  Nguyễn\xc2\xa0\xc2\xa0Văn\t\xe3\x80\x80"
	    "\xe2\x80\x83\xe2\x80\xaf" "Đức\r\n"), CUTRU_OK);
	ck_assert_str_eq(out, NAME_NFC);
	ck_assert_int_eq(norm("Lê    Văn  Bình"), CUTRU_OK);
	ck_assert_str_eq(out, "Lê Văn Bình");
}
END_TEST

START_TEST(names_of_minorities_and_other_scripts_are_accepted)
{
	ck_assert_int_eq(norm("Y-Moan Ênuôl"), CUTRU_OK);
	ck_assert_str_eq(out, "Y-Moan Ênuôl");
	ck_assert_int_eq(norm("H'Hen Niê"), CUTRU_OK);
	ck_assert_int_eq(norm("N'Trang Lơng"), CUTRU_OK);
	/* Typographic apostrophes and hyphens become the ASCII ones. */
	ck_assert_int_eq(norm("H\xe2\x80\x99Hen Ni\xc3\xaa"), CUTRU_OK);
	ck_assert_str_eq(out, "H'Hen Niê");
	ck_assert_int_eq(norm("H\xca\xbcHen"), CUTRU_OK);
	ck_assert_str_eq(out, "H'Hen");
	ck_assert_int_eq(norm("Y\xe2\x80\x90Moan"), CUTRU_OK);
	ck_assert_str_eq(out, "Y-Moan");
	ck_assert_int_eq(norm("王小明"), CUTRU_OK);
	ck_assert_int_eq(norm("Σοφία Παπαδοπούλου"), CUTRU_OK);
	/* Up to three marks on one letter. */
	ck_assert_int_eq(norm("Aq\xcc\x81\xcc\x82\xcc\x83"), CUTRU_OK);
}
END_TEST

START_TEST(digits_punctuation_and_symbols_are_refused)
{
	refused("Nguyễn Văn 3", UTF8_NTS,
	    "The name contains a digit '3': names hold letters only.");
	refused("Lê Văn \xef\xbc\x93", UTF8_NTS, "digit '\xef\xbc\x93'");
	refused("Lê \xd9\xa3", UTF8_NTS, "digit");
	refused("Lê Văn Ⅻ", UTF8_NTS, "digit");
	refused("Nguyễn V. An", UTF8_NTS, "'.'");
	refused("An@Bình", UTF8_NTS, "'@'");
	refused("An \xf0\x9f\x98\x80", UTF8_NTS, "which a name cannot hold");
	refused("An_Bình", UTF8_NTS, "'_'");
	/* Compatibility forms: full-width N, the ligature ff, U+FDFA. */
	refused("\xef\xbc\xaeguyen", UTF8_NTS, "compatibility form");
	refused("Ja\xef\xac\x80", UTF8_NTS, "'\xef\xac\x80'");
	refused("\xef\xb7\xba", UTF8_NTS, "compatibility form");
	refused("An \"Bình\"", UTF8_NTS, "'\"'");
	/* A private-use character. */
	refused("An\xee\x80\x80", UTF8_NTS, "which a name cannot hold");
}
END_TEST

START_TEST(invisible_and_control_characters_are_refused)
{
	refused("An\x07", UTF8_NTS, "control character U+0007");
	refused("An\0Bình", 8, "control character U+0000");
	refused("An\x1b[2J", UTF8_NTS, "U+001B");
	refused("An\xc2\x85", UTF8_NTS, "U+0085");
	refused("An \xe2\x80\xae" "hnìB", UTF8_NTS, "U+202E");
	refused("Ho\xe2\x80\x8d" "a", UTF8_NTS, "invisible character U+200D");
	refused("An\xe2\x80\x8f", UTF8_NTS, "U+200F");
	refused("\xef\xbb\xbf" "An", UTF8_NTS, "U+FEFF");
	refused("An\xe2\x80\x8b" "Bình", UTF8_NTS, "U+200B");
	refused("An\xc2\xad", UTF8_NTS, "U+00AD");
}
END_TEST

START_TEST(ill_formed_utf8_is_refused)
{
	refused("An\xc0\xaf", UTF8_NTS, "not valid UTF-8");
	refused("An\xed\xa0\x80", UTF8_NTS, "not valid UTF-8");
	refused("An\xe1\xbb", UTF8_NTS, "not valid UTF-8");
	refused("\xff", UTF8_NTS, "not valid UTF-8");
	refused("An\xf4\x90\x80\x80", UTF8_NTS, "not valid UTF-8");
}
END_TEST

START_TEST(hyphens_apostrophes_and_marks_must_sit_on_letters)
{
	static const char *bad[] = {
		"-An", "An-", "An - Bình", "An- Bình", "An -Bình", "An--Bình",
		"'An", "An'", "An'-Bình", "-", "'"
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(bad[i], UTF8_NTS, "between two letters");
	refused("\xcc\x81" "An", UTF8_NTS, "accent mark (U+0301)");
	refused("An \xcc\x81" "Bình", UTF8_NTS, "does not follow a letter");
	refused("Y-\xcc\x81" "Moan", UTF8_NTS, "does not follow a letter");
	refused("Aq\xcc\x81\xcc\x82\xcc\x83\xcc\x84", UTF8_NTS,
	    "more than 3 accent marks");
}
END_TEST

START_TEST(lengths_and_word_counts_are_bounded)
{
	char s[4096];
	size_t i;

	refused("", 0, "The name is empty.");
	refused(NULL, 0, "The name is empty.");
	refused("  \t\xc2\xa0 ", UTF8_NTS, "The name is empty.");
	/* 100 characters pass, 101 do not. */
	memset(s, 'a', 100);
	s[100] = '\0';
	ck_assert_int_eq(norm(s), CUTRU_OK);
	ck_assert_uint_eq(strlen(out), 100);
	s[100] = 'a';
	s[101] = '\0';
	refused(s, UTF8_NTS,
	    "The name is too long (101 characters, at most 100).");
	/* 100 "ễ" typed in NFD are 300 code points but 100 characters. */
	for (i = 0; i < 100; i++)
		memcpy(s + 5 * i, "e\xcc\x82\xcc\x83", 5);
	s[500] = '\0';
	ck_assert_int_eq(norm(s), CUTRU_OK);
	ck_assert_uint_eq(utf8_count(out, UTF8_NTS), 100);
	/* Ten words pass, eleven do not. */
	ck_assert_int_eq(norm("A B C D E F G H I J"), CUTRU_OK);
	refused("A B C D E F G H I J K", UTF8_NTS,
	    "too many words (11, at most 10)");
	/* Hyphenated parts are one word. */
	ck_assert_int_eq(norm("A-B C-D E F G H I J K-L"), CUTRU_OK);
	/* U+1D160 (4 bytes) has the NFC form U+1D158 U+1D165 U+1D16E (12
	 * bytes): 512 of them fit the raw limit but not once normalised. */
	for (i = 0; i < 512; i++)
		memcpy(s + 4 * i, "\xf0\x9d\x85\xa0", 4);
	s[2048] = '\0';
	refused(s, UTF8_NTS, "too long (512 characters");
	/* Beyond the raw input limit, refused before any work. */
	memset(s, 'a', sizeof s - 1);
	s[sizeof s - 1] = '\0';
	refused(s, UTF8_NTS, "too long (4095 characters");
}
END_TEST

START_TEST(a_megabyte_name_is_refused_quickly)
{
	size_t n = 1u << 20;
	char *s = malloc(n);

	ck_assert_ptr_nonnull(s);
	memset(s, ' ', n);
	memcpy(s + n / 2, "An", 2);
	refused(s, n, "too long");
	free(s);
}
END_TEST

START_TEST(output_buffers_are_respected)
{
	char small[8];

	strcpy(small, "junk");
	ck_assert_int_eq(name_normalise("Lê Văn Bình", UTF8_NTS, small,
	    sizeof small, NULL, &err), CUTRU_ERANGE);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(name_normalise("Lê Bì", UTF8_NTS, small, sizeof small,
	    NULL, &err), CUTRU_OK);
	ck_assert_str_eq(small, "Lê Bì");
	ck_assert_int_eq(name_normalise("An", UTF8_NTS, small, 0, NULL, NULL),
	    CUTRU_ERANGE);
	ck_assert_int_eq(name_titlecase("lê văn bình", UTF8_NTS, small,
	    sizeof small, NULL, &err), CUTRU_ERANGE);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(name_titlecase("an", UTF8_NTS, small, 0, NULL, NULL),
	    CUTRU_ERANGE);
	ck_assert_int_eq(name_fold("  Lê Văn  ", UTF8_NTS, small, 7, NULL,
	    &err), CUTRU_OK);
	ck_assert_str_eq(small, "le van");
	ck_assert_int_eq(name_fold("Lê Văn", UTF8_NTS, small, 6, NULL,
	    &err), CUTRU_ERANGE);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(name_fold("Lê", UTF8_NTS, small, 0, NULL, NULL),
	    CUTRU_ERANGE);
	ck_assert_int_eq(name_fold_query("a", UTF8_NTS, small, 1, NULL,
	    &err), CUTRU_ERANGE);
	ck_assert_str_eq(err.field, "query");
}
END_TEST

START_TEST(titlecase_capitalises_each_word)
{
	size_t n;

	ck_assert_int_eq(name_titlecase("NGUYỄN văn đỨC", UTF8_NTS, out,
	    sizeof out, &n, &err), CUTRU_OK);
	ck_assert_str_eq(out, NAME_NFC);
	ck_assert_uint_eq(n, strlen(NAME_NFC));
	ck_assert_int_eq(name_titlecase("y-moan ênuôl", UTF8_NTS, out,
	    sizeof out, NULL, &err), CUTRU_OK);
	ck_assert_str_eq(out, "Y-Moan Ênuôl");
	ck_assert_int_eq(name_titlecase("h'hen niê", UTF8_NTS, out, sizeof out,
	    NULL, &err), CUTRU_OK);
	ck_assert_str_eq(out, "H'Hen Niê");
	/* NFD: the marks stay on their letter. */
	ck_assert_int_eq(name_titlecase("nguye\xcc\x82\xcc\x83n", UTF8_NTS,
	    out, sizeof out, NULL, &err), CUTRU_OK);
	ck_assert_str_eq(out, "Nguye\xcc\x82\xcc\x83n");
	ck_assert_int_eq(name_titlecase("ưng ơn", UTF8_NTS, out, sizeof out,
	    NULL, &err), CUTRU_OK);
	ck_assert_str_eq(out, "Ưng Ơn");
	/* The byte length may change: U+2C65 (3 bytes) -> U+023A (2). */
	ck_assert_int_eq(name_titlecase("\xe2\xb1\xa5" "a", UTF8_NTS, out,
	    sizeof out, &n, &err), CUTRU_OK);
	ck_assert_str_eq(out, "\xc8\xba" "a");
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(name_titlecase(NULL, 0, out, sizeof out, &n, &err),
	    CUTRU_OK);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(name_titlecase("a\xc0\xaf", UTF8_NTS, out,
	    sizeof out, &n, &err), CUTRU_EINVAL);
	ck_assert_str_eq(err.field, "name");
}
END_TEST

static void
check_span(const char *name, struct name_span sp, const char *want)
{
	ck_assert_uint_eq(sp.len, strlen(want));
	ck_assert_int_eq(memcmp(name + sp.off, want, sp.len), 0);
}

START_TEST(split_gives_family_middle_and_given)
{
	struct name_parts p;
	const char *s;

	s = NAME_NFC;
	name_split(s, UTF8_NTS, &p);
	ck_assert_uint_eq(p.words, 3);
	check_span(s, p.family, "Nguyễn");
	check_span(s, p.middle, "Văn");
	check_span(s, p.given, "Đức");

	s = "Tôn Nữ Thị Ngọc Hân";
	name_split(s, strlen(s), &p);
	ck_assert_uint_eq(p.words, 5);
	check_span(s, p.family, "Tôn");
	check_span(s, p.middle, "Nữ Thị Ngọc");
	check_span(s, p.given, "Hân");

	s = "Nguyễn An";
	name_split(s, UTF8_NTS, &p);
	ck_assert_uint_eq(p.words, 2);
	check_span(s, p.family, "Nguyễn");
	ck_assert_uint_eq(p.middle.len, 0);
	check_span(s, p.given, "An");

	s = "An";
	name_split(s, UTF8_NTS, &p);
	ck_assert_uint_eq(p.words, 1);
	ck_assert_uint_eq(p.family.len, 0);
	ck_assert_uint_eq(p.middle.len, 0);
	check_span(s, p.given, "An");

	s = "  Lê   Văn  Thị Bình ";
	name_split(s, UTF8_NTS, &p);
	ck_assert_uint_eq(p.words, 4);
	check_span(s, p.family, "Lê");
	check_span(s, p.middle, "Văn  Thị");
	check_span(s, p.given, "Bình");

	name_split("   ", 3, &p);
	ck_assert_uint_eq(p.words, 0);
	ck_assert_uint_eq(p.given.len, 0);
	name_split(NULL, UTF8_NTS, &p);
	ck_assert_uint_eq(p.words, 0);
}
END_TEST

START_TEST(fold_removes_tones_and_maps_d_with_stroke)
{
	char a[NAME_BUF_SIZE];

	strcpy(a, fold("Hoà"));
	ck_assert_str_eq(a, "hoa");
	ck_assert_str_eq(fold("Hòa"), a);
	ck_assert_str_eq(fold("Ho\xcc\x80" "a"), a);        /* NFD */
	ck_assert_str_eq(fold("Đặng"), "dang");
	ck_assert_str_eq(fold("ĐẶNG"), "dang");
	/* The look-alike Ð (U+00D0) and its lowercase ð. */
	ck_assert_str_eq(fold("\xc3\x90\xe1\xba\xb7ng"), "dang");
	ck_assert_str_eq(fold("\xc3\xb0\xe1\xba\xb7ng"), "dang");
	ck_assert_str_eq(fold(NAME_NFC), "nguyen van duc");
	ck_assert_str_eq(fold(NAME_NFD), "nguyen van duc");
	ck_assert_str_eq(fold("  Trần\xc2\xa0 Thị\tÁnh  "), "tran thi anh");
	ck_assert_str_eq(fold("H'Hen Niê"), "h'hen nie");
	ck_assert_str_eq(fold("H\xe2\x80\x99Hen"), "h'hen");
	ck_assert_str_eq(fold("Y\xe2\x80\x91Moan"), "y-moan");
	ck_assert_str_eq(fold("Ho\xe2\x80\x8d" "a\xc2\xad"), "hoa");
	ck_assert_str_eq(fold(""), "");
	ck_assert_str_eq(fold("Ḁ"), "a");  /* U+1E00, table's high range */
	ck_assert_int_eq(name_fold(NULL, 0, out, sizeof out, NULL, &err),
	    CUTRU_OK);
}
END_TEST

START_TEST(fold_makes_every_vietnamese_letter_ascii)
{
	static const char lower[] =
	    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớở"
	    "ỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ";
	static const char upper[] =
	    "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬBCDĐEÈÉẺẼẸÊỀẾỂỄỆGHIÌÍỈĨỊKLMNOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞ"
	    "ỠỢPQRSTUÙÚỦŨỤƯỪỨỬỮỰVXYỲÝỶỸỴ";
	static const char want[] =
	    "aaaaaaaaaaaaaaaaaabcddeeeeeeeeeeeeghiiiiiiklmnoooooooooooooooooo"
	    "pqrstuuuuuuuuuuuuvxyyyyyy";

	ck_assert_str_eq(fold(lower), want);
	ck_assert_str_eq(fold(upper), want);
	ck_assert_uint_eq(utf8_count(lower, UTF8_NTS), strlen(want));
}
END_TEST

START_TEST(fold_keeps_other_scripts_lowercased)
{
	ck_assert_str_eq(fold("王小明"), "王小明");
	ck_assert_str_eq(fold("ΣΟΦΊΑ"), "σοφια");
	/* Hangul syllables are not broken into jamo. */
	ck_assert_str_eq(fold("김"), "김");
	ck_assert_str_eq(fold("Łukasz Øberg"), "łukasz øberg");
	ck_assert_str_eq(fold("Йо"), "ио");
	/* Astral letters: Deseret capital long I -> small. */
	ck_assert_str_eq(fold("\xf0\x90\x90\x80"), "\xf0\x90\x90\xa8");
	ck_assert_int_eq(name_fold("a\xc0\xaf", UTF8_NTS, out, sizeof out,
	    NULL, &err), CUTRU_EINVAL);
	ck_assert_str_eq(err.field, "name");
	ck_assert_int_eq(name_fold("a\0b", 3, out, sizeof out, NULL, &err),
	    CUTRU_EINVAL);
}
END_TEST

START_TEST(query_fold_splits_on_punctuation)
{
	size_t n;

	ck_assert_str_eq(fold_query("  Nguyễn,  văn   Đ"), "nguyen van d");
	ck_assert_str_eq(fold_query("nguyen.van"), "nguyen van");
	ck_assert_str_eq(fold_query("Lê!!!"), "le");
	ck_assert_str_eq(fold_query("001099012345"), "001099012345");
	ck_assert_str_eq(fold_query("\x1b[A"), "a");
	ck_assert_str_eq(fold_query("Hoà \xf0\x9f\x98\x80 Bình"), "hoa binh");
	ck_assert_str_eq(fold_query("H'Hen Y-Moan"), "h'hen y-moan");
	ck_assert_str_eq(fold_query("王\xe3\x80\x82" "明"), "王 明");
	ck_assert_str_eq(fold_query("\xc2\xbd"), "\xc2\xbd"); /* ½ is No */
	ck_assert_str_eq(fold_query("\xc2\xa9"), "");         /* © */
	ck_assert_str_eq(fold_query("   "), "");
	ck_assert_int_eq(name_fold_query("Đ", UTF8_NTS, out, sizeof out, &n,
	    &err), CUTRU_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(name_fold_query("\xed\xa0\x80", UTF8_NTS, out,
	    sizeof out, &n, &err), CUTRU_EINVAL);
	ck_assert_str_eq(err.field, "query");
}
END_TEST

/* Sorting. */
struct keyed {
	const char *name;
	uint8_t key[NAME_SORT_KEY_SIZE];
	size_t len;
};

static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* In the order a Vietnamese list shows them, checked by hand: given name
 * first (a < ă < â, d < đ, o < ô < ơ, u < ư), then middle, then family;
 * tones only break ties (Anh Lê < Ánh Trần < Anh Vũ). */
static const char *const sorted_names[] = {
	"An",
	"Nguyễn An",
	"Lê Văn An",
	"Nguyễn Văn An",
	"Lê Thị Anh",
	"Trần Thị Ánh",
	"Vũ Thị Anh",
	"Lê Văn Bình",
	"Phạm Văn Dũng",
	"Hoàng Dương",
	"Ngô Quốc Đạt",
	"Trịnh Minh Đức",
	"Mai Thu Hà",
	"Lưu Mỹ Hạnh",
	"Tạ Thị Hằng",
	"Đinh Ngọc Hân",
	"Bùi Văn Long",
	"Hà Văn Lộc",
	"Cao Văn Lợi",
	"Kiều Văn Luân",
	"Dương Văn Lực"
};
#define NSORTED (sizeof sorted_names / sizeof sorted_names[0])

static void
key_of(const char *name, struct keyed *k)
{
	k->name = name;
	ck_assert_int_eq(name_sort_key(name, UTF8_NTS, k->key, sizeof k->key,
	    &k->len, &err), CUTRU_OK);
	ck_assert_uint_gt(k->len, 0);
}

START_TEST(sort_keys_give_the_vietnamese_list_order)
{
	static struct keyed k[NSORTED];
	size_t i, j;

	/* Load them shuffled: i -> 5i + 3 (mod 21) is a permutation. */
	for (i = 0; i < NSORTED; i++) {
		j = (i * 5 + 3) % NSORTED;
		key_of(sorted_names[j], &k[i]);
	}
	qsort(k, NSORTED, sizeof k[0], cmp_keyed);
	for (i = 0; i < NSORTED; i++)
		if (strcmp(k[i].name, sorted_names[i]) != 0)
			ck_abort_msg("position %zu: %s, want %s", i, k[i].name,
			    sorted_names[i]);
}
END_TEST

START_TEST(sort_keys_follow_the_letter_order)
{
	static const char *const given[] = {
		"Anh", "Ăn", "Ân", "Dung", "Đa", "Em", "Êm", "Ong", "Ông", "Ơn",
		"Uy", "Ưng"
	};
	struct keyed a, b;
	size_t i;

	for (i = 0; i + 1 < sizeof given / sizeof given[0]; i++) {
		key_of(given[i], &a);
		key_of(given[i + 1], &b);
		if (cmp_keyed(&a, &b) >= 0)
			ck_abort_msg("%s should sort before %s", given[i],
			    given[i + 1]);
	}
	/* Tones are secondary: equal letters, different keys, Hoa < Hoà. */
	key_of("Lê Hoa", &a);
	key_of("Lê Hoà", &b);
	ck_assert_int_lt(cmp_keyed(&a, &b), 0);
	/* NFD input gives the same key as NFC. */
	key_of(NAME_NFC, &a);
	key_of(NAME_NFD, &b);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert_int_eq(memcmp(a.key, b.key, a.len), 0);
}
END_TEST

START_TEST(sort_key_buffers_and_bad_input)
{
	uint8_t key[NAME_SORT_KEY_SIZE];
	size_t need, len;
	char s[1024];
	size_t i;

	ck_assert_int_eq(name_sort_key("Lê Văn Bình", UTF8_NTS, NULL, 0, &need,
	    &err), CUTRU_ERANGE);
	ck_assert_uint_gt(need, 4);
	ck_assert_int_eq(name_sort_key("Lê Văn Bình", UTF8_NTS, key, need - 1,
	    &len, &err), CUTRU_ERANGE);
	ck_assert_uint_eq(len, need);
	ck_assert_int_eq(key[0], 0);
	ck_assert_int_eq(name_sort_key("Lê Văn Bình", UTF8_NTS, key, need,
	    &len, &err), CUTRU_OK);
	ck_assert_uint_eq(len, need);
	ck_assert_int_eq(name_sort_key("Lê\xc0\xaf", UTF8_NTS, key, sizeof key,
	    &len, &err), CUTRU_EINVAL);
	ck_assert_str_eq(err.field, "name");
	ck_assert_int_eq(name_sort_key("", 0, key, sizeof key, &len, &err),
	    CUTRU_OK);
	/* The largest stored names fit NAME_SORT_KEY_SIZE: 100 letters with
	 * two marks each, and 90 CJK ideographs in 10 words. */
	for (i = 0; i < 100; i++)
		memcpy(s + 3 * i, "ễ", 3);
	ck_assert_int_eq(name_normalise(s, 300, out, sizeof out, NULL, &err),
	    CUTRU_OK);
	ck_assert_int_eq(name_sort_key(out, UTF8_NTS, key, sizeof key, &len,
	    &err), CUTRU_OK);
	for (i = 0, len = 0; i < 90; i++) {
		if (i > 0 && i % 9 == 0)
			s[len++] = ' ';
		memcpy(s + len, "\xe9\xbe\x98", 3);  /* 龘 */
		len += 3;
	}
	ck_assert_int_eq(name_normalise(s, len, out, sizeof out, NULL, &err),
	    CUTRU_OK);
	ck_assert_int_eq(name_sort_key(out, UTF8_NTS, key, sizeof key, &len,
	    &err), CUTRU_OK);
}
END_TEST

START_TEST(collation_version_is_reported)
{
	char v[32], tiny[2];

	ck_assert_int_eq(name_collation_version(v, sizeof v, &err), CUTRU_OK);
	ck_assert_uint_gt(strlen(v), 2);
	ck_assert_uint_eq(strspn(v, "0123456789."), strlen(v));
	ck_assert_int_eq(name_collation_version(tiny, sizeof tiny, &err),
	    CUTRU_ERANGE);
	ck_assert_str_eq(tiny, "");
}
END_TEST

/* Four threads compute keys at once, each on its own collator clone, and
 * must agree with the keys computed on the main thread. */
static struct keyed reference[NSORTED];

static void *
sort_worker(void *arg)
{
	uint8_t key[NAME_SORT_KEY_SIZE];
	struct cutru_err e;
	size_t i, round, len;
	intptr_t bad = 0;

	(void)arg;
	for (round = 0; round < 200; round++)
		for (i = 0; i < NSORTED; i++) {
			if (name_sort_key(sorted_names[i], UTF8_NTS, key,
			    sizeof key, &len, &e) != CUTRU_OK ||
			    len != reference[i].len ||
			    memcmp(key, reference[i].key, len) != 0)
				bad++;
		}
	return (void *)bad;
}

START_TEST(sort_keys_are_safe_from_many_threads)
{
	pthread_t t[4];
	void *bad;
	size_t i;

	for (i = 0; i < NSORTED; i++)
		key_of(sorted_names[i], &reference[i]);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, sort_worker, NULL),
		    0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_ptr_null(bad);
	}
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("name");
	TCase *tc = tcase_create("name");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, nfd_and_nfc_give_the_same_stored_name);
	tcase_add_test(tc, white_space_of_every_kind_collapses);
	tcase_add_test(tc, names_of_minorities_and_other_scripts_are_accepted);
	tcase_add_test(tc, digits_punctuation_and_symbols_are_refused);
	tcase_add_test(tc, invisible_and_control_characters_are_refused);
	tcase_add_test(tc, ill_formed_utf8_is_refused);
	tcase_add_test(tc, hyphens_apostrophes_and_marks_must_sit_on_letters);
	tcase_add_test(tc, lengths_and_word_counts_are_bounded);
	tcase_add_test(tc, a_megabyte_name_is_refused_quickly);
	tcase_add_test(tc, output_buffers_are_respected);
	tcase_add_test(tc, titlecase_capitalises_each_word);
	tcase_add_test(tc, split_gives_family_middle_and_given);
	tcase_add_test(tc, fold_removes_tones_and_maps_d_with_stroke);
	tcase_add_test(tc, fold_makes_every_vietnamese_letter_ascii);
	tcase_add_test(tc, fold_keeps_other_scripts_lowercased);
	tcase_add_test(tc, query_fold_splits_on_punctuation);
	tcase_add_test(tc, sort_keys_give_the_vietnamese_list_order);
	tcase_add_test(tc, sort_keys_follow_the_letter_order);
	tcase_add_test(tc, sort_key_buffers_and_bad_input);
	tcase_add_test(tc, collation_version_is_reported);
	tcase_add_test(tc, sort_keys_are_safe_from_many_threads);
	suite_add_tcase(s, tc);
	return s;
}
