#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <check.h>

#include "core/err.h"
#include "localdb/storedir.h"
#include "tests/unit/tap_main.h"

static char tmpdir[256];

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/cutru-storedir-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[400];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static mode_t
mode_of(const char *p)
{
	struct stat st;

	ck_assert_int_eq(stat(p, &st), 0);
	return st.st_mode & 07777;
}

static void
put_file(const char *name, const char *text, mode_t mode)
{
	char p[512];
	int fd;

	path_of(p, sizeof p, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(chmod(p, mode), 0);
}

static char *
read_back(const char *name)
{
	struct cutru_err e;
	unsigned char *b = NULL;
	size_t n;

	ck_assert_int_eq(storedir_read_file(tmpdir, name, "file", 8u << 20, 0,
	    &b, &n, &e), CUTRU_OK);
	return (char *)b;
}

START_TEST(default_path_follows_xdg_then_home)
{
	struct cutru_err e;
	char buf[512];

	setenv("XDG_DATA_HOME", "/srv/data", 1);
	ck_assert_int_eq(storedir_default_path(buf, sizeof buf, &e), CUTRU_OK);
	ck_assert_str_eq(buf, "/srv/data/cutru");
	/* A relative XDG_DATA_HOME is invalid by the spec: ignored. */
	setenv("XDG_DATA_HOME", "relative/dir", 1);
	setenv("HOME", "/home/lan", 1);
	ck_assert_int_eq(storedir_default_path(buf, sizeof buf, &e), CUTRU_OK);
	ck_assert_str_eq(buf, "/home/lan/.local/share/cutru");
	unsetenv("XDG_DATA_HOME");
	ck_assert_int_eq(storedir_default_path(buf, sizeof buf, &e), CUTRU_OK);
	ck_assert_str_eq(buf, "/home/lan/.local/share/cutru");
	/* Too small a buffer is an error, not a truncated path. */
	ck_assert_int_eq(storedir_default_path(buf, 10, &e), CUTRU_ERANGE);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(storedir_default_path(NULL, 0, &e), CUTRU_EINVAL);
}
END_TEST

START_TEST(create_makes_private_tree_with_parents)
{
	struct cutru_err e;
	char store[512], p[600];
	static const char *const sub[] = { "outbox/tmp", "outbox/new",
	    "outbox/cur", "inbox/tmp", "inbox/new", "inbox/cur" };
	size_t i;

	path_of(store, sizeof store, "a/b/cutru");
	ck_assert_int_eq(storedir_create(store, &e), CUTRU_OK);
	ck_assert_uint_eq(mode_of(store), 0700);
	path_of(p, sizeof p, "a");
	ck_assert_uint_eq(mode_of(p), 0700);
	for (i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", store, sub[i]);
		ck_assert_uint_eq(mode_of(p), 0700);
	}
	ck_assert_int_eq(storedir_check(store, &e), CUTRU_OK);
	/* Creating again over a folder without a keyring is fine ... */
	ck_assert_int_eq(storedir_create(store, &e), CUTRU_OK);
	/* ... over a store it is refused. */
	snprintf(p, sizeof p, "%s/keyring", store);
	ck_assert_int_eq(storedir_write_atomic(store, "keyring", "x", 1, 0600,
	    &e), CUTRU_OK);
	ck_assert_int_eq(storedir_create(store, &e), CUTRU_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "already exists"));
}
END_TEST

START_TEST(create_refuses_a_file_and_tightens_own_folder)
{
	struct cutru_err e;
	char p[512];

	put_file("plain", "x", 0600);
	path_of(p, sizeof p, "plain");
	ck_assert_int_eq(storedir_create(p, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "not a folder"));
	path_of(p, sizeof p, "open");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(chmod(p, 0755), 0);
	ck_assert_int_eq(storedir_create(p, &e), CUTRU_OK);
	ck_assert_uint_eq(mode_of(p), 0700);
	ck_assert_int_eq(storedir_create(NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(storedir_create("", &e), CUTRU_EINVAL);
}
END_TEST

/* `cutru -s ~ init`: a folder in use is refused, and nothing in it, its
 * permissions least of all, is changed. */
START_TEST(create_leaves_a_folder_in_use_alone)
{
	struct cutru_err e;
	char home[512], p[600], want[700], link[512];

	path_of(home, sizeof home, "home");
	ck_assert_int_eq(mkdir(home, 0755), 0);
	ck_assert_int_eq(chmod(home, 0755), 0);
	put_file("home/.bashrc", "alias ll='ls -l'", 0644);
	snprintf(p, sizeof p, "%s/Documents", home);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(storedir_create(home, &e), CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "store");
	snprintf(want, sizeof want, "The folder %s is not empty; choose a new "
	    "or empty folder for the store.", home);
	ck_assert_str_eq(e.msg, want);
	ck_assert_uint_eq(mode_of(home), 0755);
	snprintf(p, sizeof p, "%s/outbox", home);
	ck_assert_int_eq(access(p, F_OK), -1);
	/* Through a symbolic link as well. */
	path_of(link, sizeof link, "link");
	ck_assert_int_eq(symlink(home, link), 0);
	ck_assert_int_eq(storedir_create(link, &e), CUTRU_ECONFLICT);
	ck_assert_uint_eq(mode_of(home), 0755);
	/* One file is enough, even one that looks like a store's. */
	path_of(p, sizeof p, "almost");
	ck_assert_int_eq(mkdir(p, 0750), 0);
	put_file("almost/store-notes.txt", "x", 0600);
	ck_assert_int_eq(storedir_create(p, &e), CUTRU_ECONFLICT);
	ck_assert_uint_eq(mode_of(p), 0750);
	path_of(p, sizeof p, "hidden");
	ck_assert_int_eq(mkdir(p, 0750), 0);
	put_file("hidden/.profile", "x", 0600);
	ck_assert_int_eq(storedir_create(p, &e), CUTRU_ECONFLICT);
	ck_assert_uint_eq(mode_of(p), 0750);
}
END_TEST

/* What an interrupted creation left (everything but the keyring, which is
 * written last) does not stop the creation being done again. */
START_TEST(create_accepts_what_an_interrupted_creation_left)
{
	struct cutru_err e;
	char p[512], q[600];

	path_of(p, sizeof p, "store");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(chmod(p, 0755), 0);
	put_file("store/config", "journal_mode = wal\n", 0600);
	put_file("store/failures", "", 0600);
	put_file("store/lock", "", 0600);
	put_file("store/store-1.db", "junk", 0600);
	put_file("store/store-7.db-wal", "j", 0600);
	put_file("store/store-7.db-shm", "j", 0600);
	put_file("store/store-2.db-journal", "j", 0600);
	put_file("store/.keyring.tmp-a1B2c3", "half", 0600);
	snprintf(q, sizeof q, "%s/outbox", p);
	ck_assert_int_eq(mkdir(q, 0700), 0);
	ck_assert_int_eq(storedir_create(p, &e), CUTRU_OK);
	ck_assert_uint_eq(mode_of(p), 0700);
	snprintf(q, sizeof q, "%s/inbox/cur", p);
	ck_assert_uint_eq(mode_of(q), 0700);
}
END_TEST

START_TEST(check_names_the_chmod_that_fixes_it)
{
	struct cutru_err e;
	char p[512], want[600];

	path_of(p, sizeof p, "missing");
	ck_assert_int_eq(storedir_check(p, &e), CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, p));
	ck_assert_int_eq(chmod(tmpdir, 0750), 0);
	ck_assert_int_eq(storedir_check(tmpdir, &e), CUTRU_EPERM);
	snprintf(want, sizeof want, "chmod 700 %s", tmpdir);
	ck_assert_ptr_nonnull(strstr(e.msg, want));
	ck_assert_int_eq(chmod(tmpdir, 0700), 0);
	ck_assert_int_eq(storedir_check(tmpdir, &e), CUTRU_OK);

	put_file("keyring", "secret-ish", 0644);
	ck_assert_int_eq(storedir_check_file(tmpdir, "keyring", "keyring",
	    &e), CUTRU_EPERM);
	path_of(p, sizeof p, "keyring");
	snprintf(want, sizeof want, "chmod 600 %s", p);
	ck_assert_ptr_nonnull(strstr(e.msg, want));
	ck_assert_str_eq(e.field, "store");
	/* Group-writable only is refused as well. */
	ck_assert_int_eq(chmod(p, 0620), 0);
	ck_assert_int_eq(storedir_check_file(tmpdir, "keyring", "keyring",
	    &e), CUTRU_EPERM);
	ck_assert_int_eq(chmod(p, 0600), 0);
	ck_assert_int_eq(storedir_check_file(tmpdir, "keyring", "keyring",
	    &e), CUTRU_OK);
	ck_assert_int_eq(storedir_check_file(tmpdir, "nothing", "keyring",
	    &e), CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "missing"));
}
END_TEST

START_TEST(read_private_checks_the_opened_file)
{
	struct cutru_err e;
	unsigned char *b = (unsigned char *)"sentinel";
	char p[512], q[512];
	size_t n = 99;

	put_file("k", "abc", 0604);
	ck_assert_int_eq(storedir_read_file(tmpdir, "k", "keyring", 100,
	    STOREDIR_PRIVATE, &b, &n, &e), CUTRU_EPERM);
	ck_assert_ptr_null(b);
	ck_assert_uint_eq(n, 0);
	/* Without the flag the same file reads. */
	ck_assert_int_eq(storedir_read_file(tmpdir, "k", "keyring", 100, 0,
	    &b, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq((char *)b, "abc");
	free(b);
	/* Larger than the caller accepts: damaged, nothing allocated. */
	ck_assert_int_eq(storedir_read_file(tmpdir, "k", "keyring", 2, 0,
	    &b, &n, &e), CUTRU_EIO);
	ck_assert_ptr_null(b);
	ck_assert_ptr_nonnull(strstr(e.msg, "damaged"));
	ck_assert_int_eq(storedir_read_file(tmpdir, "none", "keyring", 2, 0,
	    &b, &n, &e), CUTRU_ENOTFOUND);
	/* A symbolic link in place of a store file is refused. */
	path_of(p, sizeof p, "k");
	path_of(q, sizeof q, "link");
	ck_assert_int_eq(symlink(p, q), 0);
	ck_assert_int_eq(storedir_read_file(tmpdir, "link", "keyring", 100,
	    0, &b, &n, &e), CUTRU_EPERM);
	ck_assert_int_eq(storedir_read_file(tmpdir, NULL, "keyring", 100,
	    0, &b, &n, &e), CUTRU_EINVAL);
	/* A directory is not a file. */
	ck_assert_int_eq(storedir_read_file("/", "tmp", "keyring", 100, 0,
	    &b, &n, &e), CUTRU_EINVAL);
}
END_TEST

START_TEST(atomic_write_replaces_and_sets_mode)
{
	struct cutru_err e;
	char p[512], *s;
	char *big;
	size_t bigsz = 3u << 20;

	/* The mode is exact whatever the umask. */
	umask(0);
	ck_assert_int_eq(storedir_write_atomic(tmpdir, "f", "one", 3, 0600,
	    &e), CUTRU_OK);
	path_of(p, sizeof p, "f");
	ck_assert_uint_eq(mode_of(p), 0600);
	s = read_back("f");
	ck_assert_str_eq(s, "one");
	free(s);
	ck_assert_int_eq(storedir_write_atomic(tmpdir, "f", "second", 6,
	    0600, &e), CUTRU_OK);
	s = read_back("f");
	ck_assert_str_eq(s, "second");
	free(s);
	/* Empty and multi-megabyte contents. */
	ck_assert_int_eq(storedir_write_atomic(tmpdir, "f", NULL, 0, 0600,
	    &e), CUTRU_OK);
	s = read_back("f");
	ck_assert_str_eq(s, "");
	free(s);
	big = malloc(bigsz + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'z', bigsz);
	big[bigsz] = '\0';
	ck_assert_int_eq(storedir_write_atomic(tmpdir, "f", big, bigsz, 0600,
	    &e), CUTRU_OK);
	s = read_back("f");
	ck_assert_str_eq(s, big);
	free(s);
	free(big);
	ck_assert_int_eq(storedir_write_atomic(tmpdir, "f", NULL, 5, 0600,
	    &e), CUTRU_EINVAL);
	path_of(p, sizeof p, "no/such/dir");
	ck_assert_int_eq(storedir_write_atomic(p, "f", "x", 1, 0600, &e),
	    CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, p));
}
END_TEST

static enum storedir_step fail_at;

static int
fail_hook(enum storedir_step step, const char *name, void *arg)
{
	(void)name;
	(void)arg;
	return step == fail_at;
}

static int
count_entries(void)
{
	char cmd[400];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", tmpdir);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

START_TEST(injected_failure_before_rename_keeps_old_file)
{
	struct cutru_err e;
	enum storedir_step steps[] = { STOREDIR_STEP_WRITE,
	    STOREDIR_STEP_FSYNC, STOREDIR_STEP_RENAME };
	char *s;
	size_t i;

	ck_assert_int_eq(storedir_write_atomic(tmpdir, "keyring", "OLD", 3,
	    0600, &e), CUTRU_OK);
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		fail_at = steps[i];
		storedir_set_fault_hook(fail_hook, NULL);
		ck_assert_int_eq(storedir_write_atomic(tmpdir, "keyring",
		    "NEW-CONTENT", 11, 0600, &e), CUTRU_EIO);
		storedir_set_fault_hook(NULL, NULL);
		s = read_back("keyring");
		ck_assert_str_eq(s, "OLD");
		free(s);
		/* The temp file was removed, nothing else appeared. */
		ck_assert_int_eq(count_entries(), 1);
	}
	/* A failure after the rename: the new file is in place. */
	fail_at = STOREDIR_STEP_DIRSYNC;
	storedir_set_fault_hook(fail_hook, NULL);
	ck_assert_int_eq(storedir_write_atomic(tmpdir, "keyring", "NEW", 3,
	    0600, &e), CUTRU_EIO);
	storedir_set_fault_hook(NULL, NULL);
	s = read_back("keyring");
	ck_assert_str_eq(s, "NEW");
	free(s);
}
END_TEST

static int
kill_hook(enum storedir_step step, const char *name, void *arg)
{
	(void)name;
	(void)arg;
	if (step == fail_at)
		raise(SIGKILL);
	return 0;
}

START_TEST(crash_mid_write_leaves_old_file_and_temp_is_cleaned)
{
	struct cutru_err e;
	enum storedir_step steps[] = { STOREDIR_STEP_WRITE,
	    STOREDIR_STEP_FSYNC, STOREDIR_STEP_RENAME,
	    STOREDIR_STEP_DIRSYNC };
	char *s;
	size_t i;
	pid_t pid;
	int status;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		ck_assert_int_eq(storedir_write_atomic(tmpdir, "keyring",
		    "OLD", 3, 0600, &e), CUTRU_OK);
		fail_at = steps[i];
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			storedir_set_fault_hook(kill_hook, NULL);
			storedir_write_atomic(tmpdir, "keyring",
			    "NEW-CONTENT", 11, 0600, NULL);
			_exit(0);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status));
		ck_assert_int_eq(WTERMSIG(status), SIGKILL);
		s = read_back("keyring");
		if (steps[i] == STOREDIR_STEP_DIRSYNC)
			ck_assert_str_eq(s, "NEW-CONTENT");
		else
			ck_assert_str_eq(s, "OLD");
		free(s);
		/* The crash left a temp file (except after the rename). */
		ck_assert_int_eq(storedir_clean_temp(tmpdir),
		    steps[i] == STOREDIR_STEP_DIRSYNC ? 0 : 1);
		ck_assert_int_eq(count_entries(), 1);
	}
}
END_TEST

START_TEST(clean_temp_removes_only_temp_files)
{
	put_file(".keyring.tmp-a1B2c3", "x", 0600);
	put_file(".config.tmp-zzzzzz", "x", 0600);
	put_file(".keyring.tmp-short", "x", 0600);
	put_file("keyring.tmp-abcdef", "x", 0600);
	put_file(".tmp-abcdef", "x", 0600);
	put_file("keyring", "x", 0600);
	ck_assert_int_eq(storedir_clean_temp(tmpdir), 2);
	ck_assert_int_eq(count_entries(), 4);
	ck_assert_int_eq(storedir_clean_temp("/nonexistent/cutru"), 0);
}
END_TEST

START_TEST(remove_and_join)
{
	struct cutru_err e;
	char buf[16];

	put_file("gone", "x", 0600);
	ck_assert_int_eq(storedir_remove(tmpdir, "gone", &e), CUTRU_OK);
	ck_assert_int_eq(storedir_remove(tmpdir, "gone", &e), CUTRU_OK);
	ck_assert_int_eq(count_entries(), 0);
	ck_assert_int_eq(storedir_join(buf, sizeof buf, "/a", "b", &e),
	    CUTRU_OK);
	ck_assert_str_eq(buf, "/a/b");
	ck_assert_int_eq(storedir_join(buf, sizeof buf, "/a/very/long/dir",
	    "name", &e), CUTRU_ERANGE);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("storedir");
	TCase *tc = tcase_create("storedir");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, default_path_follows_xdg_then_home);
	tcase_add_test(tc, create_makes_private_tree_with_parents);
	tcase_add_test(tc, create_refuses_a_file_and_tightens_own_folder);
	tcase_add_test(tc, create_leaves_a_folder_in_use_alone);
	tcase_add_test(tc, create_accepts_what_an_interrupted_creation_left);
	tcase_add_test(tc, check_names_the_chmod_that_fixes_it);
	tcase_add_test(tc, read_private_checks_the_opened_file);
	tcase_add_test(tc, atomic_write_replaces_and_sets_mode);
	tcase_add_test(tc, injected_failure_before_rename_keeps_old_file);
	tcase_add_test(tc, crash_mid_write_leaves_old_file_and_temp_is_cleaned);
	tcase_add_test(tc, clean_temp_removes_only_temp_files);
	tcase_add_test(tc, remove_and_join);
	suite_add_tcase(s, tc);
	return s;
}
