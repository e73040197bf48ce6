#include "config.h"

/* console_bench: the console's speed as an officer feels it (issue 7 §7),
 * measured on the real cutru binary running on a pseudo-terminal.
 *
 * 1. Start-up: from the fork that execs `cutru console` on an 80x24
 *    pseudo-terminal to the last byte of the login screen (the output
 *    that contains "Passphrase", until the terminal is quiet).  Target:
 *    under 50 ms.
 * 2. Search: log in (the time from Enter to the home screen drawn is
 *    printed too), F3, then type queries one key at a time; for each key,
 *    the time from writing it to the last byte of the screen redrawn with
 *    its results.  Target: within 20 ms of a keystroke, on a store of
 *    1,000,000 residents.  Each run types the queries twice: the first
 *    pass meets a cold page cache (the store was just opened), the second
 *    is what an officer meets all day.  -i IDLE_MS waits that long on the
 *    home screen after logging in, before F3, as an officer does before
 *    typing a name: the console warms its page cache while idle
 *    (localdb/warm.h), so the first pass then shows what that pause buys.
 *    The default, 0, types at once, the worst case.
 *
 * "The last byte" is the last byte before the terminal stays quiet for
 * the quiet time (-q, 60 ms): the console draws a screen with one
 * refresh, so that byte ends the drawing.  The quiet time itself is not
 * counted.
 *
 * The store: -s DIR; by default /tmp/cutru-console-bench/store-N (N the
 * persons, -n, default 1,000,000), made on the first run and kept for the
 * next: cutru init with the cheapest Argon2id cost, an officer "lan", and
 * tools/cutru-wardgen's ward of N persons in ward 00070 imported with
 * `cutru import` (about a minute and 900 MB for a million).
 *
 * Usage: console_bench [-b CUTRU] [-w WRAPPER] [-s DIR] [-n PERSONS]
 *                      [-r RUNS] [-q QUIET_MS] [-i IDLE_MS]
 *                      [-o startup|search|both]
 *   -b the cutru binary (default ./cutru); -w a command the binary is run
 *   under, split at spaces (valgrind --tool=callgrind ...), for counting
 *   instructions; -r runs of each measurement (default 20 start-ups, 5
 *   search sessions). */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PASS_ADMIN "benchadmin1"
#define PASS_LAN "benchlan123"
#define MAX_SAMPLES 4096
#define MAX_ARGS 32

static const char *cutru_bin = "./cutru";
static char *wrapper[MAX_ARGS];
static int nwrapper;
static int quiet_ms = 60;
static int idle_ms;      /* -i: pause on the home screen after login */

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	double v[MAX_SAMPLES];
	int n;
};

static void
stats_add(struct stats *s, double v)
{
	if (s->n < MAX_SAMPLES)
		s->v[s->n++] = v;
}

static void
stats_print(const char *what, struct stats *s)
{
	double sum = 0;
	int i;

	if (s->n == 0) {
		printf("%-44s (no samples)\n", what);
		return;
	}
	qsort(s->v, (size_t)s->n, sizeof s->v[0], cmp_double);
	for (i = 0; i < s->n; i++)
		sum += s->v[i];
	printf("%-44s n %4d  median %7.2f ms  mean %7.2f  p90 %7.2f  "
	    "worst %7.2f\n", what, s->n, s->v[s->n / 2], sum / s->n,
	    s->v[(s->n * 9) / 10 < s->n ? (s->n * 9) / 10 : s->n - 1],
	    s->v[s->n - 1]);
}

/* ---- the console on a pseudo-terminal ---- */

struct con {
	int fd;         /* the master side */
	pid_t pid;
	char buf[1 << 16]; /* output since the last con_mark() */
	size_t len;
	double last;    /* time of the last byte read */
};

static int
con_start(struct con *c, const char *store, double *t0)
{
	struct winsize ws = { 24, 80, 0, 0 };
	char *argv[MAX_ARGS + 8];
	int i, n = 0;

	for (i = 0; i < nwrapper; i++)
		argv[n++] = wrapper[i];
	argv[n++] = (char *)cutru_bin;
	argv[n++] = (char *)"-s";
	argv[n++] = (char *)store;
	argv[n++] = (char *)"-u";
	argv[n++] = (char *)"lan";
	argv[n++] = (char *)"console";
	argv[n] = NULL;
	memset(c, 0, sizeof *c);
	*t0 = now_ms();
	c->pid = forkpty(&c->fd, NULL, NULL, &ws);
	if (c->pid < 0) {
		perror("console_bench: forkpty");
		return -1;
	}
	if (c->pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		unsetenv("LANGUAGE");
		unsetenv("NO_COLOR");
		unsetenv("CUTRU_CONFIG");
		execvp(argv[0], argv);
		_exit(127);
	}
	c->last = *t0;
	return 0;
}

/* Read what is there, waiting at most ms; 0 when nothing came, -1 at the
 * end of the output. */
static int
con_read(struct con *c, int ms)
{
	struct pollfd p = { c->fd, POLLIN, 0 };
	ssize_t r;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	if (c->len >= sizeof c->buf - 1)
		c->len = 0; /* only the recent output is searched */
	r = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
	if (r <= 0)
		return -1;
	c->last = now_ms();
	c->len += (size_t)r;
	c->buf[c->len] = '\0';
	return 1;
}

static int
con_seen(const struct con *c, const char *text)
{
	return memmem(c->buf, c->len, text, strlen(text)) != NULL;
}

/* Until the output holds text (text NULL: anything, since con_mark())
 * within limit_ms, then until it is quiet for quiet_ms.  The time of the
 * last byte, or a negative number. */
static double
con_until(struct con *c, const char *text, int limit_ms)
{
	double start = now_ms();

	while (text != NULL ? !con_seen(c, text) : c->len == 0) {
		if (now_ms() - start > limit_ms)
			return -1;
		if (con_read(c, 50) < 0)
			return -1;
	}
	while (con_read(c, quiet_ms) > 0)
		;
	return c->last;
}

static void
con_mark(struct con *c)
{
	c->len = 0;
	c->buf[0] = '\0';
}

static void
con_send(struct con *c, const char *keys)
{
	size_t n = strlen(keys);

	if (write(c->fd, keys, n) != (ssize_t)n)
		perror("console_bench: write");
}

static void
con_stop(struct con *c)
{
	int st;

	con_send(c, "\033[21~"); /* F10 */
	while (con_read(c, 200) > 0)
		;
	if (waitpid(c->pid, &st, WNOHANG) == 0) {
		kill(c->pid, SIGTERM);
		while (con_read(c, 100) > 0)
			;
		(void)waitpid(c->pid, &st, 0);
	}
	close(c->fd);
}

/* ---- the store ---- */

static int
run_sh(const char *cmd)
{
	int st = system(cmd);

	if (st != 0) {
		fprintf(stderr, "console_bench: failed (%d): %s\n", st, cmd);
		return -1;
	}
	return 0;
}

static int
make_store(const char *dir, unsigned long persons)
{
	char *cmd = NULL, *bindir;
	const char *slash = strrchr(cutru_bin, '/');
	int rc;

	if ((bindir = strdup(slash != NULL ? cutru_bin : ".")) == NULL)
		return -1;
	if (slash != NULL)
		bindir[slash - cutru_bin] = '\0';
	fprintf(stderr, "console_bench: making %s (%lu persons; kept for "
	    "the next runs)\n", dir, persons);
	/* Passphrases on standard input, then fd 3 for the import, whose
	 * standard input is the CSV's name on the command line. */
	if (asprintf(&cmd,
	    "set -e; rm -rf '%1$s.tmp'; "
	    "printf '%%s\\n' %2$s | '%3$s' --passphrase-fd 0 -s '%1$s.tmp' "
	    "init --ward 00070 --ward-name 'Phường Hàng Bạc' --admin root "
	    "--admin-name 'Quản Trị' --kdf-opslimit 1 --kdf-memlimit 8192 "
	    ">/dev/null 2>&1; "
	    "printf '%%s\\n%%s\\n' %2$s %4$s | '%3$s' --passphrase-fd 0 "
	    "-s '%1$s.tmp' -u root officer add lan --name 'Trần Thị Lan' "
	    "--role officer >/dev/null 2>&1; "
	    "'%5$s/tools/cutru-wardgen' -n %6$lu -c 00070 > '%1$s.csv'; "
	    "printf '%%s\\n' %4$s | '%3$s' --passphrase-fd 3 -s '%1$s.tmp' "
	    "-u lan import '%1$s.csv' 3<&0 </dev/null; "
	    "rm -f '%1$s.csv'; mv '%1$s.tmp' '%1$s'",
	    dir, PASS_ADMIN, cutru_bin, PASS_LAN, bindir, persons) < 0) {
		free(bindir);
		return -1;
	}
	rc = run_sh(cmd);
	free(cmd);
	free(bindir);
	return rc;
}

/* ---- the measurements ---- */

static int
bench_startup(const char *store, int runs)
{
	struct stats s = { .n = 0 };
	struct con c;
	double t0, t;
	int i;

	for (i = 0; i < runs; i++) {
		if (con_start(&c, store, &t0) != 0)
			return -1;
		t = con_until(&c, "Passphrase", 60000);
		if (t < 0) {
			fprintf(stderr, "console_bench: no login screen\n");
			con_stop(&c);
			return -1;
		}
		stats_add(&s, t - t0);
		con_stop(&c);
	}
	printf("\nstart-up, exec to login screen drawn (%d runs)\n", runs);
	stats_print("  exec -> login screen", &s);
	return 0;
}

/* The queries typed, one key at a time; "\025" (Ctrl+U) clears the field
 * between them.  Each first letter is the broadest prefix search. */
static const char *const queries[] = {
	"nguyen van an", "tran thi h", "le", "hoang minh", NULL
};

static int
bench_search(const char *store, int runs)
{
	struct stats pass[2], login, first_key;
	struct stats per_key[2][64];
	const char *q;
	struct con c;
	double t0, t;
	int r, p, k, i, nk;
	char key[2] = { 0, 0 };

	memset(pass, 0, sizeof pass);
	memset(&login, 0, sizeof login);
	memset(&first_key, 0, sizeof first_key);
	memset(per_key, 0, sizeof per_key);
	for (r = 0; r < runs; r++) {
		if (con_start(&c, store, &t0) != 0)
			return -1;
		if (con_until(&c, "Passphrase", 60000) < 0)
			goto fail;
		con_mark(&c);
		t0 = now_ms();
		con_send(&c, PASS_LAN "\r");
		if ((t = con_until(&c, "What to do", 120000)) < 0)
			goto fail;
		stats_add(&login, t - t0);
		if (idle_ms > 0) {
			double until = now_ms() + idle_ms;

			while (now_ms() < until)
				(void)con_read(&c, (int)(until - now_ms()) + 1);
		}
		con_mark(&c);
		con_send(&c, "\033OR"); /* F3 */
		if (con_until(&c, "Find:", 10000) < 0)
			goto fail;
		for (p = 0; p < 2; p++) {
			nk = 0;
			for (i = 0; (q = queries[i]) != NULL; i++) {
				for (k = 0; q[k] != '\0'; k++) {
					key[0] = q[k];
					con_mark(&c);
					t0 = now_ms();
					con_send(&c, key);
					t = con_until(&c, NULL, 60000);
					if (t < 0)
						goto fail;
					stats_add(&pass[p], t - t0);
					if (nk < 64)
						stats_add(&per_key[p][nk], t - t0);
					if (k == 0)
						stats_add(&first_key, t - t0);
					nk++;
				}
				con_mark(&c);
				con_send(&c, "\025");
				(void)con_until(&c, NULL, 60000);
			}
		}
		con_stop(&c);
	}
	printf("\nsearch: a keystroke to its results drawn (%d sessions, "
	    "%d ms idle on the home screen after login; queries:", runs,
	    idle_ms);
	for (i = 0; queries[i] != NULL; i++)
		printf(" \"%s\"", queries[i]);
	printf(")\n");
	stats_print("  log in: Enter -> home screen drawn", &login);
	stats_print("  first pass (cold cache), every key", &pass[0]);
	stats_print("  second pass (warm), every key", &pass[1]);
	stats_print("  first letter of a query (both passes)", &first_key);
	printf("  per key (median / worst ms):%13s first pass       second "
	    "pass\n", "");
	nk = 0;
	for (i = 0; (q = queries[i]) != NULL; i++)
		for (k = 0; q[k] != '\0' && nk < 64; k++, nk++) {
			printf("    \"%.*s\"%*s", k + 1, q, 20 - k, "");
			for (p = 0; p < 2; p++) {
				struct stats *s = &per_key[p][nk];

				if (s->n == 0)
					continue;
				qsort(s->v, (size_t)s->n, sizeof s->v[0],
				    cmp_double);
				printf("  %7.2f / %7.2f", s->v[s->n / 2],
				    s->v[s->n - 1]);
			}
			printf("\n");
		}
	return 0;
fail:
	fprintf(stderr, "console_bench: the console did not show what was "
	    "expected; its last output:\n%.*s\n", (int)c.len, c.buf);
	con_stop(&c);
	return -1;
}

int
main(int argc, char **argv)
{
	char storebuf[1024];
	const char *store = NULL, *only = "both";
	unsigned long persons = 1000000;
	int opt, runs = -1;
	struct stat st;
	char *w, *tok;

	while ((opt = getopt(argc, argv, "b:w:s:n:r:q:i:o:")) != -1) {
		switch (opt) {
		case 'b':
			cutru_bin = optarg;
			break;
		case 'w':
			w = strdup(optarg);
			for (tok = strtok(w, " "); tok != NULL &&
			    nwrapper < MAX_ARGS; tok = strtok(NULL, " "))
				wrapper[nwrapper++] = tok;
			break;
		case 's':
			store = optarg;
			break;
		case 'n':
			persons = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'q':
			quiet_ms = atoi(optarg);
			break;
		case 'i':
			idle_ms = atoi(optarg);
			break;
		case 'o':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: console_bench [-b CUTRU] "
			    "[-w WRAPPER] [-s DIR] [-n PERSONS] [-r RUNS] "
			    "[-q QUIET_MS] [-i IDLE_MS] [-o startup|search|both]\n");
			return 2;
		}
	}
	if (persons == 0 || quiet_ms <= 0 || idle_ms < 0) {
		fprintf(stderr, "console_bench: bad -n, -q or -i\n");
		return 2;
	}
	if (store == NULL) {
		(void)mkdir("/tmp/cutru-console-bench", 0700);
		snprintf(storebuf, sizeof storebuf,
		    "/tmp/cutru-console-bench/store-%lu", persons);
		store = storebuf;
		if (stat(store, &st) != 0 && make_store(store, persons) != 0)
			return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	printf("console_bench: %s on %s, quiet time %d ms\n", cutru_bin,
	    store, quiet_ms);
	if ((strcmp(only, "both") == 0 || strcmp(only, "startup") == 0) &&
	    bench_startup(store, runs > 0 ? runs : 20) != 0)
		return 1;
	if ((strcmp(only, "both") == 0 || strcmp(only, "search") == 0) &&
	    bench_search(store, runs > 0 ? runs : 5) != 0)
		return 1;
	return 0;
}
