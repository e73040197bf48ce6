#include "config.h"

/*
 * faultproxy: a TCP proxy that breaks connections on purpose.
 *
 * The sync tests put it between the console (libcurl over TLS) and the
 * registry (libmicrohttpd over TLS) to reproduce what a 2G link does: it is
 * slow, it stalls, and it cuts connections at any byte.  It never looks
 * inside the stream, so TLS passes through untouched; every fault is
 * expressed in bytes forwarded, which is exactly how a test names a place in
 * a request ("in the request headers" is "after 200 bytes upstream").
 *
 * Words.  A connection is a pair of sockets: the client's (accepted on
 * 127.0.0.1:LISTEN) and the upstream (connected to 127.0.0.1:TARGET).  "Up"
 * is the direction client -> upstream, "down" is upstream -> client.
 * Forwarded bytes are bytes the kernel accepted on the destination socket;
 * every threshold below counts those, per connection and per direction.
 *
 * The link (applies to every connection, read live):
 *   latency_up, latency_down   milliseconds added to each chunk read from
 *       the source before it may be written to the destination.  Chunks
 *       keep their order: a chunk is never due before the one ahead of it.
 *   rate_up, rate_down   bytes per second, a token bucket per connection and
 *       direction holding at most a tenth of a second of tokens (0 = no cap).
 *
 * The faults (apply only to the connections selected, read live; at most
 * one fault per connection, the first whose threshold is reached; the
 * direction's writes are cut short so that a threshold of N bytes lets
 * exactly N bytes through):
 *   drop_after_up N, drop_after_down N   after exactly N bytes were forwarded
 *       in that direction, close both sides.  With rst 0 the close is a FIN
 *       after the N bytes (shutdown, then the proxy reads and discards what
 *       either side still sends, for at most 2 s, so the kernel never turns
 *       the FIN into an RST because of unread data): the peers see exactly N
 *       bytes then end of stream.  N = 0 closes at once.
 *   rst 1   every close a fault makes (drop, truncation, and the control
 *       command kill) is an RST: SO_LINGER with a zero timeout, then close.
 *       Peers see ECONNRESET.  The kernel discards data it had not yet sent,
 *       so with rst the peer gets at most N bytes (exactly N on loopback
 *       unless its receive window was full).
 *   blackhole_after_up N, blackhole_after_down N   after N bytes in that
 *       direction (0 = from the start), forward nothing more either way and
 *       answer nothing: the client's bytes are read and thrown away, the
 *       upstream is left open and unread.  Not even the client's end of
 *       stream is answered (a client that only half-closes must still time
 *       out), so the connection holds its slot until the client resets it,
 *       the idle timeout, or "kill".
 *   truncate_down N   the client gets exactly N bytes of the response and
 *       then a clean end of stream (FIN), as if the server had finished;
 *       the server's further output is read and discarded, so the server
 *       believes it delivered everything (this is the difference with
 *       drop_after_down, where the server's writes fail).  The client's
 *       further bytes are discarded too.
 *   truncate_up N   the server gets exactly N bytes of the request and then
 *       end of stream; the client's further bytes are discarded, but
 *       whatever the server answers still reaches the client.
 *
 * Which connections get the faults (decided once, when a connection is
 * accepted; connections are numbered from 1 in the order accepted):
 *   conn K   only the Kth connection (0 = every connection).
 *   fraction P   each connection with probability P (0..1, or "20%"),
 *       drawn from a hash of (seed, connection number): the same seed and
 *       the same order of connections select the same connections, whatever
 *       the timing.  Both conn and fraction must agree for a connection to
 *       be selected.
 *   seed S.
 *   spread M   each selected connection adds its own 0..M bytes (drawn
 *       from a hash of seed and connection number) to every threshold
 *       above, so that "20% of connections dropped" drops them at
 *       different places, still reproducibly.
 *
 * Bounds: idle_timeout S (seconds without a byte read or written closes the
 * connection), max_conns N (at most N open connections: while full the
 * proxy stops accepting and the kernel's backlog holds the rest), a queue of
 * at most 256 KiB per direction (the proxy stops reading a source whose
 * queue is full), at most 8 control connections with lines of at most 511
 * bytes.  SIGTERM or SIGINT closes everything, prints the stats and exits 0.
 * SIGUSR1 prints the stats.
 *
 * Passing through.  End of stream on one side is forwarded as a half-close
 * (shutdown) once the queue toward the other side is empty; a socket is
 * closed when it has both sent and been sent end of stream.  An error on
 * one side (ECONNRESET, EPIPE) is mirrored as an RST to the other side.
 * The upstream connect is non-blocking; meanwhile the client's bytes queue.
 * If it fails, the client gets an RST.
 *
 * Output.  Standard output carries lines a test parses: first "port N" (the
 * listening port), then "control N" if a control port was asked for, then
 * a block of stats ("name value" lines ended by "end") on SIGUSR1 and at
 * exit.  Errors, and with -v one line per connection and per fault, go to
 * standard error.
 *
 * Trace.  --trace FILE appends one line per TLS record read from either
 * side: "CONN up|down OFFSET TYPE LENGTH MS", OFFSET where the record's
 * 5-byte header starts in that direction's stream, TYPE and LENGTH from
 * that header, MS the time it was read since the proxy started.  The sync
 * tests use it to find where a request's headers and body, and a
 * response, lie in the byte stream, so that "drop in the response
 * headers" is a measured offset.  A direction that does not frame as TLS
 * gets one line "CONN DIR lost" and no more.
 *
 * The control channel.  --control PORT listens on 127.0.0.1:PORT (0 = pick)
 * for a line protocol; every reply ends with a line "ok" or "error TEXT":
 *   help | show | get KEY | set KEY VALUE | stats | reset | clear | kill
 *   | quit
 * "reset" zeroes the stats and numbers the next connection 1 again (so a
 * seeded selection can be replayed); "clear" puts every link and fault
 * setting back to pass-through (seed and the bounds stay); "kill" closes
 * every open connection now (RST if rst is 1); "quit" is SIGTERM.
 * `faultproxy --send PORT COMMAND...` is a client for it.
 *
 * What can go wrong.  The proxy is single-threaded around poll(): a slow
 * peer only fills that connection's queue.  Timers (latency, rate, idle,
 * drain) have the resolution of poll's millisecond timeout.  Memory is
 * bounded by max_conns x 2 x 256 KiB plus one 16 KiB read buffer.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Socket indices and directions: direction d reads fd[d] and writes
 * fd[1 - d]. */
#define CLIENT		0
#define UPSTREAM	1
#define UP		0
#define DOWN		1

#define READ_MAX	16384
#define QUEUE_MAX	(256 * 1024)
#define DRAIN_NS	(2000 * NS_PER_MS)
#define ACCEPT_BURST	16
#define CTL_MAX		8
#define CTL_LINE_MAX	512
#define CTL_OUT_MAX	8192
#define NS_PER_MS	INT64_C(1000000)
#define NS_PER_S	INT64_C(1000000000)
#define PPM		INT64_C(1000000)

/* Settings: one int64 each, so that the table below can parse, print and
 * reset them uniformly.  Paired keys are _UP then _DOWN. */
enum key_id {
	K_LATENCY_UP, K_LATENCY_DOWN,
	K_RATE_UP, K_RATE_DOWN,
	K_DROP_UP, K_DROP_DOWN,
	K_BLACKHOLE_UP, K_BLACKHOLE_DOWN,
	K_TRUNCATE_UP, K_TRUNCATE_DOWN,
	K_RST, K_CONN, K_FRACTION, K_SEED, K_SPREAD,
	K_IDLE_TIMEOUT, K_MAX_CONNS,
	NKEYS
};

enum key_kind {
	V_INT,		/* integer in [lo, hi] */
	V_OFF,		/* integer in [lo, hi], or "off" stored as -1 */
	V_BOOL,		/* 0/1, on/off, yes/no */
	V_FRACTION	/* 0..1 or 0%..100%, stored in parts per million */
};

/* A key the command line and the control channel know.  An alias sets
 * id and id + 1 (both directions) and is not listed by "show". */
struct key {
	const char *name;
	int id;
	int alias;
	enum key_kind kind;
	int64_t lo, hi, dflt;
	int start_only;		/* fixed once the proxy runs */
	int link;		/* reset by "clear" */
	const char *help;
};

#define BYTES_MAX (INT64_C(1) << 50)

static const struct key keys[] = {
	{ "latency", K_LATENCY_UP, 1, V_INT, 0, 600000, 0, 0, 1,
	    "MS      latency_up and latency_down together" },
	{ "latency_up", K_LATENCY_UP, 0, V_INT, 0, 600000, 0, 0, 1,
	    "MS      delay added to each chunk client -> upstream" },
	{ "latency_down", K_LATENCY_DOWN, 0, V_INT, 0, 600000, 0, 0, 1,
	    "MS      delay added to each chunk upstream -> client" },
	{ "rate", K_RATE_UP, 1, V_INT, 0, BYTES_MAX, 0, 0, 1,
	    "B/S     rate_up and rate_down together" },
	{ "rate_up", K_RATE_UP, 0, V_INT, 0, BYTES_MAX, 0, 0, 1,
	    "B/S     bandwidth cap client -> upstream (0 = none)" },
	{ "rate_down", K_RATE_DOWN, 0, V_INT, 0, BYTES_MAX, 0, 0, 1,
	    "B/S     bandwidth cap upstream -> client (0 = none)" },
	{ "drop_after_up", K_DROP_UP, 0, V_OFF, 0, BYTES_MAX, -1, 0, 1,
	    "N|off   close both sides after N bytes upstream" },
	{ "drop_after_down", K_DROP_DOWN, 0, V_OFF, 0, BYTES_MAX, -1, 0, 1,
	    "N|off   close both sides after N bytes downstream" },
	{ "blackhole_after_up", K_BLACKHOLE_UP, 0, V_OFF, 0, BYTES_MAX, -1, 0,
	    1, "N|off   forward and answer nothing after N bytes up" },
	{ "blackhole_after_down", K_BLACKHOLE_DOWN, 0, V_OFF, 0, BYTES_MAX, -1,
	    0, 1, "N|off   forward and answer nothing after N bytes down" },
	{ "truncate_up", K_TRUNCATE_UP, 0, V_OFF, 0, BYTES_MAX, -1, 0, 1,
	    "N|off   the upstream gets N bytes, then end of stream" },
	{ "truncate_down", K_TRUNCATE_DOWN, 0, V_OFF, 0, BYTES_MAX, -1, 0, 1,
	    "N|off   the client gets N bytes, then end of stream" },
	{ "rst", K_RST, 0, V_BOOL, 0, 1, 0, 0, 1,
	    "0|1     fault closes are RSTs instead of FINs" },
	{ "conn", K_CONN, 0, V_INT, 0, INT64_MAX, 0, 0, 1,
	    "K       faults only on the Kth connection (0 = all)" },
	{ "fraction", K_FRACTION, 0, V_FRACTION, 0, PPM, PPM, 0, 1,
	    "P       faults on a fraction P (0..1 or N%) of conns" },
	{ "seed", K_SEED, 0, V_INT, 0, INT64_MAX, 1, 0, 0,
	    "S       seed of the fraction's choice" },
	{ "spread", K_SPREAD, 0, V_INT, 0, BYTES_MAX, 0, 0, 1,
	    "M       add 0..M bytes (per conn, from seed) to thresholds" },
	{ "idle_timeout", K_IDLE_TIMEOUT, 0, V_INT, 1, 86400, 120, 0, 0,
	    "S       close a connection idle this many seconds" },
	{ "max_conns", K_MAX_CONNS, 0, V_INT, 1, 4096, 256, 1, 0,
	    "N       open connections at most (start only)" },
};
#define NKEYTAB (sizeof keys / sizeof keys[0])

enum stat_id {
	ST_CONNECTIONS, ST_OPEN, ST_SELECTED, ST_UPSTREAM_FAILED,
	ST_BYTES_UP, ST_BYTES_DOWN,
	ST_DROPS, ST_RESETS, ST_BLACKHOLES, ST_TRUNCATIONS,
	ST_ABORTED, ST_IDLE_CLOSED, ST_KILLED,
	NSTATS
};

static const char *const stat_names[NSTATS] = {
	"connections", "open", "selected", "upstream_failed",
	"bytes_up", "bytes_down",
	"drops", "resets", "blackholes", "truncations",
	"aborted", "idle_closed", "killed",
};

enum fault { F_NONE, F_DROP, F_BLACKHOLE, F_TRUNCATE };

struct chunk {
	struct chunk *next;
	int64_t due;		/* monotonic ns before which it is not sent */
	size_t len, off;
	unsigned char data[];
};

struct dir {
	struct chunk *head, *tail;
	size_t queued;		/* bytes in the queue, not yet written */
	int64_t fwd;		/* bytes written to the destination */
	double tokens;		/* token bucket, when rate is set */
	int64_t refill;		/* when tokens were last added */
	int src_eof;		/* the source ended (or is closed) */
	int dst_shut;		/* the destination was sent end of stream */
	int discard;		/* what the source sends is thrown away */
	int blocked;		/* the last write would have blocked */
	/* --trace: the TLS record being read from the source. */
	int64_t rd;		/* bytes read from the source */
	int64_t rec_left;	/* bytes of the current record still to come */
	unsigned char rec_hdr[5];
	int rec_have;		/* bytes of rec_hdr read */
	int rec_lost;		/* not TLS: tracing this direction stopped */
};

struct conn {
	int used, dead;
	uint64_t id;
	int fd[2];
	int pi[2];		/* index in the poll set, -1 if not polled */
	int hup[2];		/* poll said HUP/ERR: act without polling */
	int connecting;
	int selected;
	int64_t extra;		/* spread: added to every fault threshold */
	enum fault fault;
	int64_t last_active;
	int64_t deadline;	/* drain deadline, 0 = none */
	struct dir dir[2];
};

struct ctl {
	int fd;
	int pi;
	int closing;		/* close once out is written */
	size_t inlen, outlen, outoff;
	char in[CTL_LINE_MAX];
	char out[CTL_OUT_MAX];
};

/* Text built for stdout or a control reply. */
struct sbuf {
	size_t len;
	int overflow;
	char buf[CTL_OUT_MAX];
};

struct proxy {
	int64_t v[NKEYS];
	uint64_t st[NSTATS];
	int verbose;
	FILE *trace;		/* --trace: one line per TLS record */
	int64_t t0;		/* start, for the trace's times */
	int quit;
	int listen_fd, ctl_fd, listen_pi, ctl_pi, sig_pi;
	struct sockaddr_in target;
	struct conn *conns;
	size_t nconns;		/* slots: max_conns */
	size_t nopen;
	uint64_t next_id;
	struct ctl ctls[CTL_MAX];
	struct pollfd *pfd;
	size_t npfd;
	unsigned char buf[READ_MAX];
};

static int sig_rfd = -1, sig_wfd = -1;
static volatile sig_atomic_t got_term, got_usr1;

static void
on_signal(int sig)
{
	int saved = errno;
	ssize_t r;

	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
	r = write(sig_wfd, "", 1);
	(void)r;
	errno = saved;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void logmsg(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static void sbuf_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
logmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("faultproxy: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define VLOG(p, ...) do { if ((p)->verbose) logmsg(__VA_ARGS__); } while (0)

static void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, sizeof b->buf - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof b->buf - b->len) {
		b->overflow = 1;
		b->buf[b->len] = '\0';
		return;
	}
	b->len += (size_t)n;
}

/* Selection: splitmix64's finaliser over (seed, connection number). */
static uint64_t
mix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static int
conn_selected(const struct proxy *p, uint64_t id)
{
	uint64_t draw;

	if (p->v[K_CONN] != 0 && (uint64_t)p->v[K_CONN] != id)
		return 0;
	/* A uniform draw in [0, 1e6) from the top 32 bits. */
	draw = ((mix64((uint64_t)p->v[K_SEED] ^ mix64(id)) >> 32) *
	    (uint64_t)PPM) >> 32;
	return draw < (uint64_t)p->v[K_FRACTION];
}

/* ---- settings ---------------------------------------------------------- */

static const struct key *
key_find(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYTAB; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long x;

	if (*s == '\0' || *s == ' ' || *s == '+')
		return -1;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (int64_t)x;
	return 0;
}

/* Parse VALUE for key K into *out; on failure a message in err. */
static int
key_parse(const struct key *k, const char *s, int64_t *out, char *err,
    size_t errlen)
{
	int64_t x;

	switch (k->kind) {
	case V_BOOL:
		if (strcmp(s, "1") == 0 || strcmp(s, "on") == 0 ||
		    strcmp(s, "yes") == 0)
			*out = 1;
		else if (strcmp(s, "0") == 0 || strcmp(s, "off") == 0 ||
		    strcmp(s, "no") == 0)
			*out = 0;
		else {
			snprintf(err, errlen, "%s takes 0 or 1, not '%s'",
			    k->name, s);
			return -1;
		}
		return 0;
	case V_FRACTION: {
		char *end;
		double d;

		if (*s == '\0' || *s == ' ')
			goto bad_fraction;
		errno = 0;
		d = strtod(s, &end);
		if (errno != 0 || end == s)
			goto bad_fraction;
		if (*end == '%' && end[1] == '\0')
			d /= 100.0;
		else if (*end != '\0')
			goto bad_fraction;
		if (!(d >= 0.0 && d <= 1.0))
			goto bad_fraction;
		*out = (int64_t)(d * (double)PPM + 0.5);
		return 0;
bad_fraction:
		snprintf(err, errlen, "%s takes a number from 0 to 1 or a "
		    "percentage, not '%s'", k->name, s);
		return -1;
	}
	case V_OFF:
	case V_INT:
		if (k->kind == V_OFF &&
		    (strcmp(s, "off") == 0 || strcmp(s, "-1") == 0)) {
			*out = -1;
			return 0;
		}
		if (parse_i64(s, &x) != 0 || x < k->lo || x > k->hi) {
			snprintf(err, errlen, "%s takes an integer from %" PRId64
			    " to %" PRId64 "%s, not '%s'", k->name, k->lo, k->hi,
			    k->kind == V_OFF ? " or off" : "", s);
			return -1;
		}
		*out = x;
		return 0;
	}
	snprintf(err, errlen, "%s: unknown kind", k->name);
	return -1;
}

static void
key_format(const struct key *k, int64_t x, struct sbuf *b)
{
	if (k->kind == V_OFF && x < 0)
		sbuf_printf(b, "%s off\n", k->name);
	else if (k->kind == V_FRACTION)
		sbuf_printf(b, "%s %.6g\n", k->name, (double)x / (double)PPM);
	else
		sbuf_printf(b, "%s %" PRId64 "\n", k->name, x);
}

static void
key_set(struct proxy *p, const struct key *k, int64_t x)
{
	p->v[k->id] = x;
	if (k->alias)
		p->v[k->id + 1] = x;
}

static void
settings_default(struct proxy *p, int link_only)
{
	size_t i;

	for (i = 0; i < NKEYTAB; i++)
		if (!link_only || keys[i].link)
			key_set(p, &keys[i], keys[i].dflt);
}

static void
stats_format(const struct proxy *p, struct sbuf *b)
{
	size_t i;

	for (i = 0; i < NSTATS; i++)
		sbuf_printf(b, "%s %" PRIu64 "\n", stat_names[i],
		    i == ST_OPEN ? (uint64_t)p->nopen : p->st[i]);
}

static void
stats_print(const struct proxy *p)
{
	struct sbuf b;

	b.len = 0;
	b.overflow = 0;
	b.buf[0] = '\0';
	stats_format(p, &b);
	fputs(b.buf, stdout);
	fputs("end\n", stdout);
	fflush(stdout);
}

/* ---- sockets ----------------------------------------------------------- */

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

static void
set_nodelay(int fd)
{
	int one = 1;

	/* Latency is the proxy's business, not Nagle's. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void
close_rst(int fd)
{
	struct linger l;

	l.l_onoff = 1;
	l.l_linger = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
}

/* Listen on 127.0.0.1:port (0 = any free port); *bound gets the port. */
static int
listen_local(int port, int *bound)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    listen(fd, 128) < 0 || set_nonblock(fd) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	*bound = ntohs(a.sin_port);
	return fd;
}

/* ---- connections ------------------------------------------------------- */

static void
dir_clear(struct dir *q)
{
	struct chunk *c, *n;

	for (c = q->head; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	q->head = q->tail = NULL;
	q->queued = 0;
}

/* Close socket i (with an RST if rst): nothing more is read from it or
 * written to it, and what was queued toward it is dropped. */
static void
conn_close_fd(struct conn *c, int i, int rst)
{
	if (c->fd[i] < 0)
		return;
	if (rst)
		close_rst(c->fd[i]);
	else
		close(c->fd[i]);
	c->fd[i] = -1;
	c->hup[i] = 0;
	c->dir[i].src_eof = 1;
	c->dir[1 - i].dst_shut = 1;
	c->dir[1 - i].discard = 1;
	dir_clear(&c->dir[1 - i]);
	if (i == UPSTREAM)
		c->connecting = 0;
	if (c->fd[0] < 0 && c->fd[1] < 0)
		c->dead = 1;
}

static void
conn_close(struct conn *c, int rst)
{
	conn_close_fd(c, CLIENT, rst);
	conn_close_fd(c, UPSTREAM, rst);
}

static void
conn_free(struct proxy *p, struct conn *c)
{
	VLOG(p, "conn %" PRIu64 " closed: %" PRId64 " bytes up, %" PRId64
	    " down", c->id, c->dir[UP].fwd, c->dir[DOWN].fwd);
	conn_close(c, 0);
	dir_clear(&c->dir[UP]);
	dir_clear(&c->dir[DOWN]);
	memset(c, 0, sizeof *c);
	p->nopen--;
}

static const char *const dname[2] = { "up", "down" };

/* Bytes direction d may still forward before a fault triggers. */
static int64_t
fault_cap(const struct proxy *p, const struct conn *c, int d)
{
	int64_t cap = INT64_MAX, t;
	int k;

	if (!c->selected || c->fault != F_NONE)
		return cap;
	for (k = K_DROP_UP; k <= K_TRUNCATE_UP; k += 2) {
		t = p->v[k + d];
		if (t >= 0)
			t += c->extra;
		if (t >= 0 && t - c->dir[d].fwd < cap)
			cap = t - c->dir[d].fwd;
	}
	return cap < 0 ? 0 : cap;
}

static void
fault_drop(struct proxy *p, struct conn *c, int d, int64_t now)
{
	int i;

	c->fault = F_DROP;
	p->st[ST_DROPS]++;
	VLOG(p, "conn %" PRIu64 ": drop after %" PRId64 " bytes %s%s", c->id,
	    c->dir[d].fwd, dname[d], p->v[K_RST] ? " (rst)" : "");
	if (p->v[K_RST]) {
		p->st[ST_RESETS]++;
		conn_close(c, 1);
		return;
	}
	/* FIN both ways, then read and discard until both peers close, so
	 * that unread data never turns the close into an RST. */
	for (i = 0; i < 2; i++) {
		dir_clear(&c->dir[i]);
		c->dir[i].discard = 1;
	}
	if (c->connecting)
		conn_close_fd(c, UPSTREAM, 0);
	for (i = 0; i < 2; i++) {
		if (c->fd[i] >= 0 && !c->dir[1 - i].dst_shut) {
			(void)shutdown(c->fd[i], SHUT_WR);
			c->dir[1 - i].dst_shut = 1;
		}
	}
	c->deadline = now + DRAIN_NS;
}

static void
fault_blackhole(struct proxy *p, struct conn *c, int d)
{
	c->fault = F_BLACKHOLE;
	p->st[ST_BLACKHOLES]++;
	VLOG(p, "conn %" PRIu64 ": black hole after %" PRId64 " bytes %s",
	    c->id, c->dir[d].fwd, dname[d]);
	dir_clear(&c->dir[UP]);
	dir_clear(&c->dir[DOWN]);
	c->dir[UP].discard = 1;
}

static void
fault_truncate(struct proxy *p, struct conn *c, int d, int64_t now)
{
	int dst = 1 - d;

	c->fault = F_TRUNCATE;
	p->st[ST_TRUNCATIONS]++;
	VLOG(p, "conn %" PRIu64 ": truncate %s after %" PRId64 " bytes%s",
	    c->id, dname[d], c->dir[d].fwd, p->v[K_RST] ? " (rst)" : "");
	dir_clear(&c->dir[d]);
	c->dir[d].discard = 1;
	if (p->v[K_RST]) {
		p->st[ST_RESETS]++;
		conn_close_fd(c, dst, 1);
	} else if (dst == UPSTREAM && c->connecting) {
		conn_close_fd(c, UPSTREAM, 0);
	} else {
		(void)shutdown(c->fd[dst], SHUT_WR);
		c->dir[d].dst_shut = 1;
	}
	if (d == DOWN) {
		/* The client believes the connection is over: what it still
		 * sends goes nowhere, and the server is given 2 s to finish. */
		dir_clear(&c->dir[UP]);
		c->dir[UP].discard = 1;
		c->deadline = now + DRAIN_NS;
	}
}

static void
conn_check_faults(struct proxy *p, struct conn *c, int64_t now)
{
	int d;
	int64_t fwd;

	if (c->dead || !c->selected || c->fault != F_NONE)
		return;
	for (d = UP; d <= DOWN; d++) {
		fwd = c->dir[d].fwd - c->extra;
		if (p->v[K_DROP_UP + d] >= 0 && fwd >= p->v[K_DROP_UP + d]) {
			fault_drop(p, c, d, now);
			return;
		}
		if (p->v[K_BLACKHOLE_UP + d] >= 0 &&
		    fwd >= p->v[K_BLACKHOLE_UP + d]) {
			fault_blackhole(p, c, d);
			return;
		}
		if (p->v[K_TRUNCATE_UP + d] >= 0 &&
		    fwd >= p->v[K_TRUNCATE_UP + d]) {
			fault_truncate(p, c, d, now);
			return;
		}
	}
}

/* A peer failed (read or write error on socket i). */
static void
conn_peer_error(struct proxy *p, struct conn *c, int i, int err)
{
	if (c->fault != F_NONE || c->dir[1 - i].dst_shut) {
		/* Nothing more was owed to it: as good as end of stream. */
		conn_close_fd(c, i, 0);
		return;
	}
	p->st[ST_ABORTED]++;
	VLOG(p, "conn %" PRIu64 ": %s: %s; resetting the %s", c->id,
	    i == CLIENT ? "client" : "upstream", strerror(err),
	    i == CLIENT ? "upstream" : "client");
	conn_close_fd(c, i, 0);
	conn_close_fd(c, 1 - i, 1);
}

static int
conn_want_read(const struct conn *c, int i)
{
	const struct dir *q = &c->dir[i];

	if (c->fd[i] < 0 || q->src_eof)
		return 0;
	if (i == UPSTREAM && (c->connecting || c->fault == F_BLACKHOLE))
		return 0;
	return q->discard || q->queued < QUEUE_MAX;
}

/* Direction d could write now if its head were due and tokens allowed. */
static int
conn_can_write(const struct conn *c, int d)
{
	int dst = 1 - d;

	return c->fd[dst] >= 0 && !c->dir[d].dst_shut &&
	    c->dir[d].head != NULL && !c->dir[d].discard &&
	    !(dst == UPSTREAM && c->connecting) && c->fault != F_BLACKHOLE;
}

/* --trace: note where each TLS record starts in this direction's stream
 * (5-byte header: type, version, length), with the time it was read.
 * Used to place a fault "in the request headers" by record rather than
 * by guess; a stream that does not frame as TLS stops being traced. */
static void
trace_records(struct proxy *p, struct conn *c, int i,
    const unsigned char *b, size_t n, int64_t now)
{
	struct dir *q = &c->dir[i];
	size_t k = 0, take;

	while (k < n && !q->rec_lost) {
		if (q->rec_left > 0) {
			take = (size_t)q->rec_left < n - k ?
			    (size_t)q->rec_left : n - k;
			q->rec_left -= (int64_t)take;
			k += take;
			continue;
		}
		q->rec_hdr[q->rec_have++] = b[k++];
		if (q->rec_have < 5)
			continue;
		q->rec_have = 0;
		if (q->rec_hdr[0] < 20 || q->rec_hdr[0] > 24 ||
		    q->rec_hdr[1] != 3) {
			q->rec_lost = 1;
			fprintf(p->trace, "%" PRIu64 " %s lost\n", c->id,
			    i == UP ? "up" : "down");
			break;
		}
		q->rec_left = (int64_t)q->rec_hdr[3] << 8 | q->rec_hdr[4];
		fprintf(p->trace, "%" PRIu64 " %s %" PRId64 " %d %" PRId64
		    " %.3f\n", c->id, i == UP ? "up" : "down",
		    q->rd + (int64_t)k - 5, q->rec_hdr[0], q->rec_left,
		    (double)(now - p->t0) / (double)NS_PER_MS);
	}
	q->rd += (int64_t)n;
	fflush(p->trace);
}

static void
conn_read(struct proxy *p, struct conn *c, int i, int64_t now)
{
	struct dir *q = &c->dir[i];
	struct chunk *ch;
	ssize_t r;

	r = recv(c->fd[i], p->buf, sizeof p->buf, 0);
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			c->hup[i] = 0;
			return;
		}
		conn_peer_error(p, c, i, errno);
		return;
	}
	if (r == 0) {
		q->src_eof = 1;
		return;
	}
	c->last_active = now;
	if (p->trace != NULL)
		trace_records(p, c, i, p->buf, (size_t)r, now);
	if (q->discard)
		return;
	ch = malloc(sizeof *ch + (size_t)r);
	if (ch == NULL) {
		logmsg("conn %" PRIu64 ": out of memory", c->id);
		conn_close(c, 1);
		return;
	}
	memcpy(ch->data, p->buf, (size_t)r);
	ch->len = (size_t)r;
	ch->off = 0;
	ch->next = NULL;
	ch->due = now + p->v[K_LATENCY_UP + i] * NS_PER_MS;
	if (q->tail != NULL) {
		if (ch->due < q->tail->due)
			ch->due = q->tail->due;
		q->tail->next = ch;
	} else
		q->head = ch;
	q->tail = ch;
	q->queued += (size_t)r;
}

static int64_t
bucket_cap(int64_t rate)
{
	return rate / 10 < 1 ? 1 : rate / 10;
}

static void
bucket_refill(struct dir *q, int64_t rate, int64_t now)
{
	if (now > q->refill)
		q->tokens += (double)(now - q->refill) * (double)rate /
		    (double)NS_PER_S;
	if (q->tokens > (double)bucket_cap(rate))
		q->tokens = (double)bucket_cap(rate);
	q->refill = now;
}

/* Bytes worth waiting for before writing under a rate cap: about 10 ms
 * of the rate, so that a slow link is not a write per byte. */
static int64_t
bucket_want(const struct dir *q, int64_t rate, int64_t cap)
{
	int64_t want = rate / 100 < 1 ? 1 : rate / 100;
	int64_t left = (int64_t)(q->head->len - q->head->off);

	if (want > left)
		want = left;
	if (want > cap)
		want = cap;
	return want;
}

static void
conn_write(struct proxy *p, struct conn *c, int d, int64_t now)
{
	struct dir *q = &c->dir[d];
	int dst = 1 - d;
	int64_t rate = p->v[K_RATE_UP + d], cap, n;
	struct chunk *ch;
	ssize_t w;

	while (!c->dead && !q->blocked && conn_can_write(c, d)) {
		ch = q->head;
		if (ch->due > now)
			break;
		n = (int64_t)(ch->len - ch->off);
		cap = fault_cap(p, c, d);
		if (cap <= 0)
			break;
		if (n > cap)
			n = cap;
		if (rate > 0) {
			bucket_refill(q, rate, now);
			if (q->tokens < (double)bucket_want(q, rate, cap))
				break;
			if ((double)n > q->tokens)
				n = (int64_t)q->tokens;
		}
		w = send(c->fd[dst], ch->data + ch->off, (size_t)n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR) {
				q->blocked = 1;
				c->hup[dst] = 0;
				break;
			}
			conn_peer_error(p, c, dst, errno);
			break;
		}
		ch->off += (size_t)w;
		q->queued -= (size_t)w;
		q->fwd += w;
		p->st[ST_BYTES_UP + d] += (uint64_t)w;
		c->last_active = now;
		if (rate > 0)
			q->tokens -= (double)w;
		if (ch->off == ch->len) {
			q->head = ch->next;
			if (q->head == NULL)
				q->tail = NULL;
			free(ch);
		}
		if (w == cap)
			conn_check_faults(p, c, now);
	}
}

/* Propagate end of stream, close what is finished, free what is done. */
static void
conn_settle(struct conn *c)
{
	struct dir *q;
	int d, i, dst;

	if (c->dead)
		return;
	if (c->fault == F_BLACKHOLE) {
		if (c->fd[CLIENT] < 0)
			conn_close(c, 0);
		return;
	}
	for (d = UP; d <= DOWN; d++) {
		q = &c->dir[d];
		dst = 1 - d;
		if (!q->dst_shut && q->src_eof && q->head == NULL &&
		    c->fd[dst] >= 0 && !(dst == UPSTREAM && c->connecting)) {
			(void)shutdown(c->fd[dst], SHUT_WR);
			q->dst_shut = 1;
		}
	}
	for (i = 0; i < 2; i++)
		if (c->fd[i] >= 0 && c->dir[i].src_eof && c->dir[1 - i].dst_shut)
			conn_close_fd(c, i, 0);
}

static void
conn_finish_connect(struct proxy *p, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(c->fd[UPSTREAM], SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err != 0) {
		p->st[ST_UPSTREAM_FAILED]++;
		VLOG(p, "conn %" PRIu64 ": upstream: %s", c->id, strerror(err));
		conn_close_fd(c, UPSTREAM, 0);
		conn_close_fd(c, CLIENT, 1);
		return;
	}
	c->connecting = 0;
	c->hup[UPSTREAM] = 0;
}

static void
conn_step(struct proxy *p, struct conn *c, int64_t now)
{
	short rev[2];
	int i, d;

	for (i = 0; i < 2; i++)
		rev[i] = c->pi[i] >= 0 ? p->pfd[c->pi[i]].revents : 0;
	if (c->connecting && (rev[UPSTREAM] & (POLLOUT | POLLERR | POLLHUP))) {
		conn_finish_connect(p, c);
		rev[UPSTREAM] &= ~(POLLERR | POLLHUP);
	}
	for (i = 0; i < 2; i++)
		if (rev[i] & (POLLERR | POLLHUP))
			c->hup[i] = 1;
	for (i = 0; i < 2 && !c->dead; i++)
		if (((rev[i] & POLLIN) || c->hup[i]) && conn_want_read(c, i))
			conn_read(p, c, i, now);
	for (d = UP; d <= DOWN && !c->dead; d++) {
		if (rev[1 - d] & POLLOUT || c->hup[1 - d])
			c->dir[d].blocked = 0;
		conn_write(p, c, d, now);
	}
	conn_check_faults(p, c, now);
	conn_settle(c);
	if (c->dead)
		return;
	if (now - c->last_active >= p->v[K_IDLE_TIMEOUT] * NS_PER_S) {
		p->st[ST_IDLE_CLOSED]++;
		VLOG(p, "conn %" PRIu64 ": idle timeout", c->id);
		conn_close(c, 0);
	} else if (c->deadline != 0 && now >= c->deadline)
		conn_close(c, 0);
}

/* When conn c next needs attention without any socket event (ns). */
static int64_t
conn_next_timer(const struct proxy *p, const struct conn *c)
{
	int64_t t, when = c->last_active + p->v[K_IDLE_TIMEOUT] * NS_PER_S;
	int64_t rate, want, cap;
	const struct dir *q;
	int d;

	if (c->deadline != 0 && c->deadline < when)
		when = c->deadline;
	for (d = UP; d <= DOWN; d++) {
		q = &c->dir[d];
		if (q->blocked || !conn_can_write(c, d))
			continue;
		cap = fault_cap(p, c, d);
		if (cap <= 0)
			continue;
		t = q->head->due;
		rate = p->v[K_RATE_UP + d];
		if (rate > 0) {
			want = bucket_want(q, rate, cap);
			if (q->tokens < (double)want) {
				int64_t ready = q->refill + (int64_t)(((double)want -
				    q->tokens) * (double)NS_PER_S / (double)rate) + 1;

				if (ready > t)
					t = ready;
			}
		}
		if (t < when)
			when = t;
	}
	for (d = 0; d < 2; d++)
		if (c->hup[d] && conn_want_read(c, d))
			when = 0;
	return when;
}

static void
proxy_accept(struct proxy *p, int64_t now)
{
	struct conn *c = NULL;
	size_t i;
	int fd, up, n;

	for (n = 0; n < ACCEPT_BURST && p->nopen < p->nconns; n++) {
		fd = accept(p->listen_fd, NULL, NULL);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				logmsg("accept: %s", strerror(errno));
			return;
		}
		if (set_nonblock(fd) < 0) {
			close(fd);
			continue;
		}
		set_nodelay(fd);
		for (i = 0; i < p->nconns; i++)
			if (!p->conns[i].used)
				break;
		c = &p->conns[i];
		memset(c, 0, sizeof *c);
		c->used = 1;
		c->id = ++p->next_id;
		c->fd[CLIENT] = fd;
		c->fd[UPSTREAM] = -1;
		c->pi[0] = c->pi[1] = -1;
		c->last_active = now;
		c->dir[UP].refill = c->dir[DOWN].refill = now;
		c->selected = conn_selected(p, c->id);
		if (c->selected && p->v[K_SPREAD] > 0)
			c->extra = (int64_t)(mix64((uint64_t)p->v[K_SEED] ^
			    mix64(c->id ^ UINT64_C(0x9e3779b97f4a7c15))) %
			    ((uint64_t)p->v[K_SPREAD] + 1));
		p->nopen++;
		p->st[ST_CONNECTIONS]++;
		if (c->selected)
			p->st[ST_SELECTED]++;
		VLOG(p, "conn %" PRIu64 " accepted%s", c->id,
		    c->selected ? " (selected for faults)" : "");

		up = socket(AF_INET, SOCK_STREAM, 0);
		if (up < 0 || set_nonblock(up) < 0) {
			logmsg("socket: %s", strerror(errno));
			if (up >= 0)
				close(up);
			p->st[ST_UPSTREAM_FAILED]++;
			conn_close_fd(c, CLIENT, 1);
			continue;
		}
		set_nodelay(up);
		c->fd[UPSTREAM] = up;
		if (connect(up, (const struct sockaddr *)&p->target,
		    sizeof p->target) < 0) {
			if (errno != EINPROGRESS) {
				p->st[ST_UPSTREAM_FAILED]++;
				VLOG(p, "conn %" PRIu64 ": upstream: %s", c->id,
				    strerror(errno));
				conn_close_fd(c, UPSTREAM, 0);
				conn_close_fd(c, CLIENT, 1);
				continue;
			}
			c->connecting = 1;
		}
		/* A threshold of 0 acts before the first byte. */
		conn_check_faults(p, c, now);
		conn_settle(c);
	}
}

static void
proxy_kill_all(struct proxy *p)
{
	size_t i;
	struct conn *c;

	for (i = 0; i < p->nconns; i++) {
		c = &p->conns[i];
		if (!c->used || c->dead)
			continue;
		p->st[ST_KILLED]++;
		if (p->v[K_RST])
			p->st[ST_RESETS]++;
		conn_close(c, (int)p->v[K_RST]);
	}
}

/* ---- control channel --------------------------------------------------- */

static void
ctl_help(struct sbuf *b)
{
	size_t i;

	sbuf_printf(b, "commands: help, show, get KEY, set KEY VALUE, stats, "
	    "reset, clear, kill, quit\n");
	for (i = 0; i < NKEYTAB; i++)
		sbuf_printf(b, "%-21s %s\n", keys[i].name, keys[i].help);
}

/* Run one command line; the reply goes to b, ending with ok or error. */
static void
ctl_command(struct proxy *p, char *line, struct sbuf *b)
{
	char *argv[4], *save = NULL, *tok;
	char err[256];
	const struct key *k;
	int argc = 0;
	int64_t x;
	size_t i;

	for (tok = strtok_r(line, " \t\r", &save); tok != NULL && argc < 4;
	    tok = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = tok;
	if (argc == 0) {
		sbuf_printf(b, "error empty command\n");
		return;
	}
	if (argc == 4) {
		sbuf_printf(b, "error too many words\n");
		return;
	}
	if (strcmp(argv[0], "help") == 0 && argc == 1) {
		ctl_help(b);
	} else if (strcmp(argv[0], "show") == 0 && argc == 1) {
		for (i = 0; i < NKEYTAB; i++)
			if (!keys[i].alias)
				key_format(&keys[i], p->v[keys[i].id], b);
	} else if (strcmp(argv[0], "get") == 0 && argc == 2) {
		k = key_find(argv[1]);
		if (k == NULL || k->alias) {
			sbuf_printf(b, "error no key '%s'\n", argv[1]);
			return;
		}
		key_format(k, p->v[k->id], b);
	} else if (strcmp(argv[0], "set") == 0 && argc == 3) {
		k = key_find(argv[1]);
		if (k == NULL) {
			sbuf_printf(b, "error no key '%s'\n", argv[1]);
			return;
		}
		if (k->start_only) {
			sbuf_printf(b, "error %s is fixed at start\n", k->name);
			return;
		}
		if (key_parse(k, argv[2], &x, err, sizeof err) != 0) {
			sbuf_printf(b, "error %s\n", err);
			return;
		}
		key_set(p, k, x);
		VLOG(p, "set %s %s", k->name, argv[2]);
	} else if (strcmp(argv[0], "stats") == 0 && argc == 1) {
		stats_format(p, b);
	} else if (strcmp(argv[0], "reset") == 0 && argc == 1) {
		memset(p->st, 0, sizeof p->st);
		p->next_id = 0;
	} else if (strcmp(argv[0], "clear") == 0 && argc == 1) {
		settings_default(p, 1);
	} else if (strcmp(argv[0], "kill") == 0 && argc == 1) {
		proxy_kill_all(p);
	} else if (strcmp(argv[0], "quit") == 0 && argc == 1) {
		p->quit = 1;
	} else {
		sbuf_printf(b, "error unknown command '%s' (try help)\n", argv[0]);
		return;
	}
	sbuf_printf(b, "ok\n");
}

static void
ctl_close(struct ctl *t)
{
	close(t->fd);
	t->fd = -1;
}

static void
ctl_flush(struct ctl *t)
{
	ssize_t w;

	while (t->outoff < t->outlen) {
		w = send(t->fd, t->out + t->outoff, t->outlen - t->outoff,
		    MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			ctl_close(t);
			return;
		}
		t->outoff += (size_t)w;
	}
	t->outoff = t->outlen = 0;
	if (t->closing)
		ctl_close(t);
}

static void
ctl_queue(struct ctl *t, const struct sbuf *b)
{
	size_t n = b->len;

	if (n > sizeof t->out - t->outlen) {
		/* A client that sends commands without reading replies. */
		t->closing = 1;
		return;
	}
	memcpy(t->out + t->outlen, b->buf, n);
	t->outlen += n;
}

static void
ctl_read(struct proxy *p, struct ctl *t)
{
	struct sbuf b;
	char *nl;
	size_t used;
	ssize_t r;

	r = recv(t->fd, t->in + t->inlen, sizeof t->in - 1 - t->inlen, 0);
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			ctl_close(t);
		return;
	}
	if (r == 0) {
		t->closing = 1;
		return;
	}
	t->inlen += (size_t)r;
	t->in[t->inlen] = '\0';
	while ((nl = memchr(t->in, '\n', t->inlen)) != NULL) {
		*nl = '\0';
		b.len = 0;
		b.overflow = 0;
		b.buf[0] = '\0';
		if (memchr(t->in, '\0', (size_t)(nl - t->in)) != NULL)
			sbuf_printf(&b, "error NUL in command\n");
		else
			ctl_command(p, t->in, &b);
		ctl_queue(t, &b);
		used = (size_t)(nl - t->in) + 1;
		memmove(t->in, t->in + used, t->inlen - used);
		t->inlen -= used;
		t->in[t->inlen] = '\0';
	}
	if (t->inlen == sizeof t->in - 1) {
		b.len = 0;
		b.overflow = 0;
		sbuf_printf(&b, "error line longer than %d bytes\n",
		    CTL_LINE_MAX - 1);
		ctl_queue(t, &b);
		t->closing = 1;
	}
}

static void
ctl_accept(struct proxy *p)
{
	struct ctl *t = NULL;
	int fd;
	size_t i;

	fd = accept(p->ctl_fd, NULL, NULL);
	if (fd < 0)
		return;
	for (i = 0; i < CTL_MAX; i++)
		if (p->ctls[i].fd < 0)
			t = &p->ctls[i];
	if (t == NULL || set_nonblock(fd) < 0) {
		close(fd);
		return;
	}
	t->fd = fd;
	t->pi = -1;
	t->closing = 0;
	t->inlen = t->outlen = t->outoff = 0;
}

/* ---- the loop ---------------------------------------------------------- */

static int
pfd_add(struct proxy *p, int fd, short events)
{
	p->pfd[p->npfd].fd = fd;
	p->pfd[p->npfd].events = events;
	p->pfd[p->npfd].revents = 0;
	return (int)p->npfd++;
}

/* Build the poll set; returns poll's timeout in ms. */
static int
proxy_poll_set(struct proxy *p, int64_t now)
{
	int64_t when = now + NS_PER_S, t;
	struct conn *c;
	struct ctl *ctl;
	short ev;
	size_t i;
	int k;

	p->npfd = 0;
	p->sig_pi = pfd_add(p, sig_rfd, POLLIN);
	p->listen_pi = p->nopen < p->nconns ?
	    pfd_add(p, p->listen_fd, POLLIN) : -1;
	p->ctl_pi = p->ctl_fd >= 0 ? pfd_add(p, p->ctl_fd, POLLIN) : -1;
	for (i = 0; i < CTL_MAX; i++) {
		ctl = &p->ctls[i];
		ctl->pi = -1;
		if (ctl->fd < 0)
			continue;
		ev = ctl->closing ? 0 : POLLIN;
		if (ctl->outlen > 0)
			ev |= POLLOUT;
		ctl->pi = pfd_add(p, ctl->fd, ev);
	}
	for (i = 0; i < p->nconns; i++) {
		c = &p->conns[i];
		c->pi[0] = c->pi[1] = -1;
		if (!c->used)
			continue;
		for (k = 0; k < 2; k++) {
			if (c->fd[k] < 0 || c->hup[k])
				continue;
			ev = 0;
			if (conn_want_read(c, k))
				ev |= POLLIN;
			if (k == UPSTREAM && c->connecting)
				ev |= POLLOUT;
			else if (c->dir[1 - k].blocked &&
			    conn_can_write(c, 1 - k))
				ev |= POLLOUT;
			c->pi[k] = pfd_add(p, c->fd[k], ev);
		}
		t = conn_next_timer(p, c);
		if (t < when)
			when = t;
	}
	if (when <= now)
		return 0;
	return (int)((when - now + NS_PER_MS - 1) / NS_PER_MS);
}

static void
proxy_run(struct proxy *p)
{
	struct ctl *ctl;
	struct conn *c;
	int64_t now;
	char drain[64];
	size_t i;
	int timeout;

	while (!p->quit) {
		if (got_term)
			break;
		now = now_ns();
		timeout = proxy_poll_set(p, now);
		if (poll(p->pfd, (nfds_t)p->npfd, timeout) < 0 &&
		    errno != EINTR) {
			logmsg("poll: %s", strerror(errno));
			break;
		}
		now = now_ns();
		if (p->pfd[p->sig_pi].revents & POLLIN)
			while (read(sig_rfd, drain, sizeof drain) > 0)
				;
		if (got_usr1) {
			got_usr1 = 0;
			stats_print(p);
		}
		if (got_term)
			break;
		if (p->ctl_pi >= 0 && (p->pfd[p->ctl_pi].revents & POLLIN))
			ctl_accept(p);
		for (i = 0; i < CTL_MAX; i++) {
			ctl = &p->ctls[i];
			if (ctl->fd < 0 || ctl->pi < 0)
				continue;
			if (p->pfd[ctl->pi].revents & (POLLIN | POLLHUP | POLLERR)
			    && !ctl->closing)
				ctl_read(p, ctl);
			if (ctl->fd >= 0)
				ctl_flush(ctl);
		}
		for (i = 0; i < p->nconns; i++) {
			c = &p->conns[i];
			if (c->used && !c->dead)
				conn_step(p, c, now);
			if (c->used && c->dead)
				conn_free(p, c);
		}
		if (p->listen_pi >= 0 &&
		    (p->pfd[p->listen_pi].revents & POLLIN))
			proxy_accept(p, now);
		/* Connections killed or accepted dead in this round. */
		for (i = 0; i < p->nconns; i++)
			if (p->conns[i].used && p->conns[i].dead)
				conn_free(p, &p->conns[i]);
	}
}

/* ---- main -------------------------------------------------------------- */

static void
usage(FILE *f)
{
	struct sbuf b;
	size_t i;

	b.len = 0;
	b.overflow = 0;
	b.buf[0] = '\0';
	for (i = 0; i < NKEYTAB; i++)
		sbuf_printf(&b, "  --%-21s%s\n", keys[i].name, keys[i].help);
	fprintf(f,
"usage: faultproxy --target PORT [--listen PORT] [--control PORT] [-v]\n"
"                  [--KEY VALUE | --KEY=VALUE]...\n"
"       faultproxy --send CONTROL_PORT COMMAND...\n"
"\n"
"A TCP proxy from 127.0.0.1:LISTEN to 127.0.0.1:TARGET that delays, slows\n"
"and breaks connections at chosen byte offsets, for tests.  It prints\n"
"\"port N\" (and \"control N\") on standard output once it listens; 0 picks\n"
"a free port.  Stats (\"name value\" lines, then \"end\") are printed on\n"
"SIGUSR1 and at exit; SIGTERM and SIGINT exit cleanly.\n"
"\n"
"Link settings apply to every connection; fault settings to the\n"
"connections chosen by conn, fraction and seed.  Thresholds count bytes\n"
"forwarded per connection and direction (up: client to upstream).\n"
"Every setting can be changed while running through the control port:\n"
"  help | show | get KEY | set KEY VALUE | stats | reset | clear | kill\n"
"  | quit    (each reply ends with \"ok\" or \"error TEXT\")\n"
"\n"
"Settings (dashes or underscores):\n"
"%s"
"\n"
"  -v, --verbose          log connections and faults on standard error\n"
"  --trace FILE           append a line per TLS record read: CONN up|down\n"
"                         OFFSET TYPE LENGTH MS (MS since start)\n"
"  -h, --help             this text\n", b.buf);
}

/* Client of the control channel: one command, its reply on stdout. */
static int
send_command(int argc, char **argv)
{
	struct sockaddr_in a;
	struct pollfd pf;
	char line[CTL_LINE_MAX + 1], buf[4096], *last;
	size_t len = 0, n, tail = 0;
	int64_t port, deadline;
	ssize_t r;
	int fd, i, rc = 1;
	char acc[CTL_OUT_MAX + 1];

	if (argc < 4 || parse_i64(argv[2], &port) != 0 || port < 1 ||
	    port > 65535) {
		fprintf(stderr, "faultproxy: --send needs a control port and a "
		    "command\n");
		return 2;
	}
	line[0] = '\0';
	for (i = 3; i < argc; i++) {
		n = strlen(argv[i]);
		if (len + n + 2 > CTL_LINE_MAX) {
			fprintf(stderr, "faultproxy: command too long\n");
			return 2;
		}
		if (i > 3)
			line[len++] = ' ';
		memcpy(line + len, argv[i], n);
		len += n;
	}
	line[len++] = '\n';
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("faultproxy: socket");
		return 1;
	}
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "faultproxy: control port %" PRId64 ": %s\n",
		    port, strerror(errno));
		close(fd);
		return 1;
	}
	/* Read until a line "ok" or "error ..." ends the reply (10 s). */
	deadline = now_ns() + 10 * NS_PER_S;
	pf.fd = fd;
	pf.events = POLLIN;
	for (;;) {
		int64_t left = deadline - now_ns();

		if (left <= 0 || poll(&pf, 1, (int)(left / NS_PER_MS) + 1) <= 0) {
			fprintf(stderr, "faultproxy: no reply\n");
			break;
		}
		r = recv(fd, buf, sizeof buf, 0);
		if (r <= 0) {
			fprintf(stderr, "faultproxy: connection closed\n");
			break;
		}
		if (tail + (size_t)r > CTL_OUT_MAX) {
			fprintf(stderr, "faultproxy: reply too long\n");
			break;
		}
		memcpy(acc + tail, buf, (size_t)r);
		tail += (size_t)r;
		acc[tail] = '\0';
		if (tail == 0 || acc[tail - 1] != '\n')
			continue;
		acc[tail - 1] = '\0';
		last = strrchr(acc, '\n');
		last = last != NULL ? last + 1 : acc;
		if (strcmp(last, "ok") == 0 || strncmp(last, "error", 5) == 0) {
			acc[tail - 1] = '\n';
			fputs(acc, stdout);
			rc = strcmp(last, "ok") == 0 ? 0 : 1;
			break;
		}
		acc[tail - 1] = '\n';
	}
	close(fd);
	return rc;
}

static int
raise_fd_limit(size_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need
		    ? need : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < need)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct proxy *p;
	struct sigaction sa;
	const struct key *k;
	char name[64], err[256];
	const char *arg, *val, *eq;
	int64_t x, listen_port = 0, target = -1, ctl_port = -1;
	int i, pipefd[2], bound, rc = 1;
	size_t j, n;

	if (argc >= 2 && strcmp(argv[1], "--send") == 0)
		return send_command(argc, argv);

	p = calloc(1, sizeof *p);
	if (p == NULL) {
		fputs("faultproxy: out of memory\n", stderr);
		return 1;
	}
	p->listen_fd = p->ctl_fd = -1;
	for (j = 0; j < CTL_MAX; j++)
		p->ctls[j].fd = -1;
	settings_default(p, 0);

	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage(stdout);
			rc = 0;
			goto done;
		}
		if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
			p->verbose = 1;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0)
			goto bad_usage;
		arg += 2;
		eq = strchr(arg, '=');
		n = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		if (n >= sizeof name)
			goto bad_usage;
		for (j = 0; j < n; j++)
			name[j] = arg[j] == '-' ? '_' : arg[j];
		name[n] = '\0';
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			fprintf(stderr, "faultproxy: --%s needs a value\n", name);
			goto bad_usage;
		}
		if (strcmp(name, "trace") == 0) {
			if (p->trace != NULL)
				fclose(p->trace);
			p->trace = fopen(val, "a");
			if (p->trace == NULL) {
				fprintf(stderr, "faultproxy: --trace %s: %s\n",
				    val, strerror(errno));
				goto done;
			}
			continue;
		}
		if (strcmp(name, "listen") == 0 || strcmp(name, "target") == 0 ||
		    strcmp(name, "control") == 0) {
			if (parse_i64(val, &x) != 0 || x < 0 || x > 65535 ||
			    (name[0] == 't' && x == 0)) {
				fprintf(stderr, "faultproxy: --%s takes a port, "
				    "not '%s'\n", name, val);
				goto bad_usage;
			}
			if (name[0] == 'l')
				listen_port = x;
			else if (name[0] == 't')
				target = x;
			else
				ctl_port = x;
			continue;
		}
		k = key_find(name);
		if (k == NULL) {
			fprintf(stderr, "faultproxy: unknown option --%s\n", name);
			goto bad_usage;
		}
		if (key_parse(k, val, &x, err, sizeof err) != 0) {
			fprintf(stderr, "faultproxy: %s\n", err);
			goto bad_usage;
		}
		key_set(p, k, x);
	}
	if (target < 0) {
		fputs("faultproxy: --target PORT is required\n", stderr);
		goto bad_usage;
	}

	p->nconns = (size_t)p->v[K_MAX_CONNS];
	if (raise_fd_limit(2 * p->nconns + CTL_MAX + 16) != 0) {
		fprintf(stderr, "faultproxy: max_conns %zu needs %zu file "
		    "descriptors, more than the limit\n", p->nconns,
		    2 * p->nconns + CTL_MAX + 16);
		goto done;
	}
	p->conns = calloc(p->nconns, sizeof *p->conns);
	p->pfd = calloc(2 * p->nconns + CTL_MAX + 3, sizeof *p->pfd);
	if (p->conns == NULL || p->pfd == NULL) {
		fputs("faultproxy: out of memory\n", stderr);
		goto done;
	}
	memset(&p->target, 0, sizeof p->target);
	p->target.sin_family = AF_INET;
	p->target.sin_port = htons((uint16_t)target);
	p->target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	if (pipe(pipefd) < 0 || set_nonblock(pipefd[0]) < 0 ||
	    set_nonblock(pipefd[1]) < 0) {
		perror("faultproxy: pipe");
		goto done;
	}
	sig_rfd = pipefd[0];
	sig_wfd = pipefd[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	p->listen_fd = listen_local((int)listen_port, &bound);
	if (p->listen_fd < 0) {
		fprintf(stderr, "faultproxy: listen on 127.0.0.1:%" PRId64
		    ": %s\n", listen_port, strerror(errno));
		goto done;
	}
	printf("port %d\n", bound);
	if (ctl_port >= 0) {
		p->ctl_fd = listen_local((int)ctl_port, &bound);
		if (p->ctl_fd < 0) {
			fprintf(stderr, "faultproxy: control port 127.0.0.1:%"
			    PRId64 ": %s\n", ctl_port, strerror(errno));
			goto done;
		}
		printf("control %d\n", bound);
	}
	fflush(stdout);

	p->t0 = now_ns();
	proxy_run(p);
	for (j = 0; j < p->nconns; j++)
		if (p->conns[j].used)
			conn_free(p, &p->conns[j]);
	stats_print(p);
	rc = 0;
	goto done;

bad_usage:
	fputs("Try 'faultproxy --help'.\n", stderr);
	rc = 2;
done:
	if (p->listen_fd >= 0)
		close(p->listen_fd);
	if (p->ctl_fd >= 0)
		close(p->ctl_fd);
	for (j = 0; j < CTL_MAX; j++)
		if (p->ctls[j].fd >= 0)
			close(p->ctls[j].fd);
	if (sig_rfd >= 0) {
		close(sig_rfd);
		close(sig_wfd);
	}
	if (p->trace != NULL)
		fclose(p->trace);
	free(p->conns);
	free(p->pfd);
	free(p);
	return rc;
}
