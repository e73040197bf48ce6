/* The one main() every Check suite links with.  A test program defines
 * test_suite(); the runner prints TAP on stdout so automake's tap-driver.sh
 * counts each test case. */
#ifndef CUTRU_TAP_MAIN_H
#define CUTRU_TAP_MAIN_H
#include <check.h>

/* Defined by each test program: the suite to run.  Caller owns the result. */
Suite *test_suite(void);

#endif
