#include "config.h"

#include <string.h>
#include <check.h>

#include "core/err.h"
#include "tests/unit/tap_main.h"

START_TEST(set_fills_code_field_and_message)
{
	struct cutru_err e;
	int rc = cutru_err_set(&e, CUTRU_EINVAL, "sex", "bad %s %d", "x", 7);

	ck_assert_int_eq(rc, CUTRU_EINVAL);
	ck_assert_int_eq(e.code, CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "sex");
	ck_assert_str_eq(e.msg, "bad x 7");
	cutru_err_clear(&e);
	ck_assert_int_eq(e.code, CUTRU_OK);
	ck_assert_str_eq(e.msg, "");
}
END_TEST

START_TEST(null_err_is_allowed_and_long_text_truncates)
{
	struct cutru_err e;
	char big[2000];

	ck_assert_int_eq(cutru_err_set(NULL, CUTRU_EIO, NULL, "x"), CUTRU_EIO);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	cutru_err_set(&e, CUTRU_EIO, big, "%s", big);
	ck_assert_uint_eq(strlen(e.msg), CUTRU_ERR_MSG_MAX - 1);
	ck_assert_uint_eq(strlen(e.field), CUTRU_ERR_FIELD_MAX - 1);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("err");

	tcase_add_test(tc, set_fills_code_field_and_message);
	tcase_add_test(tc, null_err_is_allowed_and_long_text_truncates);
	suite_add_tcase(s, tc);
	return s;
}
