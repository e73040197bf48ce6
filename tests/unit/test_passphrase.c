#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <check.h>
#include <sodium.h>

#include "tui/passphrase.h"
#include "tests/unit/tap_main.h"

/* A pipe holding exactly `len` bytes of `data`, write end closed. */
static int
pipe_with(const char *data, size_t len)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	if (len > 0)
		ck_assert_int_eq((int)write(p[1], data, len), (int)len);
	close(p[1]);
	return p[0];
}

START_TEST(reads_one_line_and_leaves_the_next)
{
	struct cutru_err e;
	char *a = NULL, *b = NULL;
	int fd = pipe_with("first pass\nsecond pass\r\n", 24);

	ck_assert_int_eq(passphrase_read_fd(fd, &a, &e), CUTRU_OK);
	ck_assert_str_eq(a, "first pass");
	ck_assert_int_eq(passphrase_read_fd(fd, &b, &e), CUTRU_OK);
	ck_assert_str_eq(b, "second pass");
	passphrase_free(a);
	passphrase_free(b);
	close(fd);
}
END_TEST

START_TEST(last_line_without_newline_is_accepted)
{
	struct cutru_err e;
	char *a = NULL;
	int fd = pipe_with("mật khẩu dài", strlen("mật khẩu dài"));

	ck_assert_int_eq(passphrase_read_fd(fd, &a, &e), CUTRU_OK);
	ck_assert_str_eq(a, "mật khẩu dài");
	passphrase_free(a);
	close(fd);
}
END_TEST

START_TEST(empty_eof_nul_and_oversized_are_refused)
{
	struct cutru_err e;
	char *a = (char *)1;
	static char big[PASSPHRASE_MAX + 10];
	int fd;

	fd = pipe_with("\n", 1);
	ck_assert_int_eq(passphrase_read_fd(fd, &a, &e), CUTRU_EINVAL);
	ck_assert_ptr_null(a);
	ck_assert_ptr_nonnull(strstr(e.msg, "empty"));
	close(fd);

	fd = pipe_with("", 0);
	ck_assert_int_eq(passphrase_read_fd(fd, &a, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "ended"));
	close(fd);

	fd = pipe_with("ab\0cd\n", 6);
	ck_assert_int_eq(passphrase_read_fd(fd, &a, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "NUL"));
	close(fd);

	memset(big, 'x', sizeof big);
	fd = pipe_with(big, sizeof big);
	ck_assert_int_eq(passphrase_read_fd(fd, &a, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "longer"));
	ck_assert_str_eq(e.field, "passphrase");
	close(fd);

	ck_assert_int_eq(passphrase_read_fd(-1, &a, &e), CUTRU_EIO);
	ck_assert_ptr_null(a);
}
END_TEST

START_TEST(exactly_the_maximum_is_accepted_even_with_cr)
{
	struct cutru_err e;
	char *a = NULL;
	static char line[PASSPHRASE_MAX + 2];
	int fd;

	memset(line, 'y', PASSPHRASE_MAX);
	line[PASSPHRASE_MAX] = '\r';
	line[PASSPHRASE_MAX + 1] = '\n';
	fd = pipe_with(line, sizeof line);
	ck_assert_int_eq(passphrase_read_fd(fd, &a, &e), CUTRU_OK);
	ck_assert_uint_eq(strlen(a), PASSPHRASE_MAX);
	passphrase_free(a);
	close(fd);
}
END_TEST

/* On a real terminal (a pseudo-terminal made the child's controlling
 * terminal) the prompt shows, the passphrase is read, and it is not echoed. */
START_TEST(terminal_prompt_does_not_echo)
{
	int master, status;
	pid_t pid;
	char seen[512];
	size_t got = 0;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(master, 0);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct cutru_err e;
		char *p = NULL;
		int slave;

		setsid();
		slave = open(ptsname(master), O_RDWR); /* becomes the controlling tty */
		if (slave < 0)
			_exit(10);
		if (passphrase_read_tty("Passphrase: ", &p, &e) != CUTRU_OK)
			_exit(11);
		_exit(strcmp(p, "hidden words") == 0 ? 0 : 12);
	}
	/* Wait for the prompt, then type. */
	while (got < sizeof seen - 1) {
		ssize_t n = read(master, seen + got, sizeof seen - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		seen[got] = '\0';
		if (strstr(seen, "Passphrase: ") != NULL)
			break;
	}
	ck_assert_ptr_nonnull(strstr(seen, "Passphrase: "));
	ck_assert_int_eq((int)write(master, "hidden words\n", 13), 13);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* Whatever the terminal sent back must not contain the passphrase. */
	for (;;) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0 || got >= sizeof seen - 1)
			break;
		n = read(master, seen + got, sizeof seen - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	seen[got] = '\0';
	ck_assert_ptr_null(strstr(seen, "hidden"));
	close(master);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("passphrase");
	TCase *tc = tcase_create("passphrase");

	if (sodium_init() < 0)
		return s;
	tcase_add_test(tc, reads_one_line_and_leaves_the_next);
	tcase_add_test(tc, last_line_without_newline_is_accepted);
	tcase_add_test(tc, empty_eof_nul_and_oversized_are_refused);
	tcase_add_test(tc, exactly_the_maximum_is_accepted_even_with_cr);
	tcase_add_test(tc, terminal_prompt_does_not_echo);
	suite_add_tcase(s, tc);
	return s;
}
