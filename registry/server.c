/* The registry's HTTPS server.
 *
 * Endpoints (cutru-protocol(7) is the contract; sync/ the formats):
 *
 *   POST /v1/enroll       body: a sealed enrollment request ("cuE1");
 *                         answer 200: the signed enrollment answer ("cuN1")
 *   POST /v1/changesets   body: a batch of sealed change sets ("cuB1");
 *                         answer 200: a batch of signed receipts ("cuA1"),
 *                         item i answering request item i
 *   GET  /v1/feed?device=ID&after=CURSOR&time=T&sig=HEX
 *                         answer 200: a feed page sealed to the device
 *
 * Request bodies are Content-Type application/octet-stream; answers are
 * application/octet-stream, or, when the whole request is refused, the
 * JSON error body {"code": REASON, "message": "..."} (application/json)
 * with the status sync_reason_http_status() gives for the reason.
 *
 * Defences, each against a way a client can hurt the server or other
 * clients:
 *   - strict routing: exactly these paths and methods (404, 405 with
 *     Allow), the content type (415), no body on GET, no unknown query
 *     arguments, none at all on POST (400);
 *   - size caps: a Content-Length beyond the cap is refused before a byte
 *     of the body is read (413); a chunked body that grows beyond it is
 *     discarded and refused, and one that keeps going is cut off;
 *   - time: libmicrohttpd closes a connection silent for
 *     connection_timeout seconds; a reaper thread closes one whose
 *     headers are not complete header_timeout seconds after it opened (or
 *     after its previous request ended), or whose body and answer take
 *     longer than request_timeout - so a client that sends a byte a
 *     second, which a silence timeout never catches, is cut off as well;
 *   - concurrency: a thread pool of `threads` workers, each with its own
 *     database connection, polling many connections each, so a slow
 *     client occupies a socket, not a worker; connection limits in total
 *     and per address;
 *   - rate: a token bucket per address before any work, and one per
 *     device once its signature verifies (429 with Retry-After);
 *   - nothing a client sends can crash the server: every parser below is
 *     bounded and checked, and a request cut short (a truncated body) is
 *     simply dropped - it never reached the ingest, so it left no trace.
 *
 * The reaper closes a connection by shutdown(2) on its socket, under the
 * lock that also guards libmicrohttpd's "closed" notification; that
 * notification comes before libmicrohttpd closes the descriptor, so the
 * reaper never touches a descriptor that may have been reused. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <sodium.h>

#include "core/canon.h"
#include "core/i18n.h"
#include "localdb/storedir.h"
#include "registry/ingest.h"
#include "registry/ratelimit.h"
#include "registry/regstore.h"
#include "registry/server.h"
#include "sync/batch.h"
#include "sync/enroll.h"
#include "sync/feed.h"
#include "sync/reason.h"

#define CT_BINARY "application/octet-stream"
#define CT_JSON "application/json"
#define DB_FILE "registry.db"
/* Addresses remembered by the rate limiter, and their allowance relative
 * to one device's (a ward office may have several consoles behind one
 * address). */
#define RL_KEYS 65536
#define RL_IP_FACTOR 10
/* How much of an oversized chunked body is read (and dropped) before the
 * connection is cut. */
#define DISCARD_MAX (4 * 1024 * 1024)

enum route { R_ENROLL, R_CHANGESETS, R_FEED };

/* A connection, as the reaper sees it. */
struct track {
	struct track *prev, *next;
	int fd;
	int in_request;      /* headers complete, request in progress */
	double since;        /* monotonic: when the current phase began */
	int cut;             /* shut down by the reaper */
};

struct server {
	struct regconf conf;
	const struct regkeys *keys;
	FILE *log;
	pthread_mutex_t log_lock;
	struct MHD_Daemon *mhd;
	char *cert, *key;     /* PEM text, the key in sodium_malloc memory */
	size_t key_len;
	int port;
	char dbpath[STOREDIR_PATH_MAX];

	/* One database connection per worker, for reading; and one for
	 * deciding change sets, which every worker takes in turn: ingest is
	 * serialised by the write lock anyway, and one connection that does
	 * all of it keeps its page cache (SQLite drops a connection's cache
	 * whenever another one wrote). */
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_cond;
	struct regstore **pool;
	size_t npool, nfree;
	pthread_mutex_t writer_lock;
	struct regstore *writer;

	struct ratelimit *rl_device, *rl_ip;

	/* The reaper. */
	pthread_mutex_t conn_lock;
	struct track conns;  /* list head */
	pthread_t reaper;
	int reaper_started;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	int stopping;
};

/* State of one request. */
struct req {
	enum route route;
	unsigned char *body;
	size_t len, cap, max;
	size_t discarded;
	int too_large;
	double started;
	char ip[INET6_ADDRSTRLEN];
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
logf_(struct server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
logf_(struct server *s, const char *fmt, ...)
{
	char stamp[32];
	struct tm tm;
	time_t t;
	va_list ap;

	if (s->log == NULL)
		return;
	t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	pthread_mutex_lock(&s->log_lock);
	fprintf(s->log, "%s ", stamp);
	va_start(ap, fmt);
	vfprintf(s->log, fmt, ap);
	va_end(ap);
	fputc('\n', s->log);
	fflush(s->log);
	pthread_mutex_unlock(&s->log_lock);
}

/* ------------------------------------------------------------------ */
/* Database connections */

static struct regstore *
pool_get(struct server *s)
{
	struct regstore *st;

	pthread_mutex_lock(&s->pool_lock);
	while (s->nfree == 0)
		pthread_cond_wait(&s->pool_cond, &s->pool_lock);
	st = s->pool[--s->nfree];
	pthread_mutex_unlock(&s->pool_lock);
	return st;
}

static void
pool_put(struct server *s, struct regstore *st)
{
	pthread_mutex_lock(&s->pool_lock);
	s->pool[s->nfree++] = st;
	pthread_cond_signal(&s->pool_cond);
	pthread_mutex_unlock(&s->pool_lock);
}

/* ------------------------------------------------------------------ */
/* Responses */

static enum MHD_Result
send_bytes(struct MHD_Connection *c, unsigned status, const void *buf,
    size_t len, const char *type, int retry_after)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char ra[16];

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)buf,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (retry_after > 0) {
		snprintf(ra, sizeof ra, "%d", retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
		    retry_after < 0 ? "GET" : "POST");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The JSON error body for reason why, with the status given (0: the
 * reason's own). */
static enum MHD_Result
send_error(struct server *s, struct MHD_Connection *c, unsigned status,
    enum sync_reason why, const char *message, int retry_after,
    const char *method, const char *url)
{
	char *body = NULL;
	size_t len = 0;
	enum MHD_Result ret;

	if (status == 0)
		status = (unsigned)sync_reason_http_status(why);
	if (sync_error_format(why, message, &body, &len, NULL) != CUTRU_OK) {
		body = NULL;
		len = 0;
	}
	ret = send_bytes(c, status, body != NULL ? body : "", len, CT_JSON,
	    retry_after);
	free(body);
	logf_(s, "%s %s %u %s", method, url, status, sync_reason_name(why));
	return ret;
}

/* ------------------------------------------------------------------ */
/* POST /v1/enroll */

static enum MHD_Result
do_enroll(struct server *s, struct MHD_Connection *c, struct req *q)
{
	struct enroll_request er;
	struct enroll_answer ea;
	struct reg_device d, old;
	struct regstore *st;
	struct cutru_err e;
	enum sync_reason why = SYNC_R_NONE;
	unsigned char th[HASH_LEN], *answer = NULL;
	char ward[REG_WARD_LEN + 1], used_by[REG_DEVICE_ID_MAX + 1];
	size_t alen = 0;
	int64_t now = (int64_t)time(NULL);
	enum MHD_Result ret;
	int rc;

	if (enroll_request_open(q->body, q->len, s->keys->pub.box_pk,
	    s->keys->box_sk, &er, &why, &e) != CUTRU_OK) {
		if (why == SYNC_R_NONE)
			why = SYNC_R_MALFORMED;
		return send_error(s, c, 0, why, NULL, 0, "POST", "/v1/enroll");
	}
	crypto_generichash(th, sizeof th, (const unsigned char *)er.token,
	    strlen(er.token), NULL, 0);
	sodium_memzero(er.token, sizeof er.token);
	st = pool_get(s);
	if ((rc = st->ops->begin(st, &e)) != CUTRU_OK)
		goto internal;
	rc = st->ops->token_use(st, th, er.device, now, ward, used_by, &e);
	if (rc == CUTRU_EPERM && used_by[0] != '\0' &&
	    strcmp(used_by, er.device) == 0 &&
	    st->ops->device_get(st, er.device, &old, &e) == CUTRU_OK &&
	    old.revoked == 0 && strcmp(old.ward, er.ward) == 0 &&
	    sodium_memcmp(old.sign_pk, er.sign_pk, REG_KEY_BYTES) == 0 &&
	    sodium_memcmp(old.box_pk, er.box_pk, REG_KEY_BYTES) == 0) {
		/* The same device with the same token again: its answer was
		 * lost on the way.  Answer again. */
		st->ops->rollback(st);
		goto answer;
	}
	if (rc == CUTRU_ENOTFOUND || rc == CUTRU_EPERM) {
		st->ops->rollback(st);
		pool_put(s, st);
		return send_error(s, c, 0, SYNC_R_BAD_TOKEN, NULL, 0, "POST",
		    "/v1/enroll");
	}
	if (rc != CUTRU_OK)
		goto internal;
	if (strcmp(ward, er.ward) != 0) {
		st->ops->rollback(st);
		pool_put(s, st);
		return send_error(s, c, 0, SYNC_R_BAD_TOKEN,
		    "The token was issued for another ward.", 0, "POST",
		    "/v1/enroll");
	}
	memset(&d, 0, sizeof d);
	snprintf(d.id, sizeof d.id, "%s", er.device);
	snprintf(d.ward, sizeof d.ward, "%s", er.ward);
	memcpy(d.sign_pk, er.sign_pk, REG_KEY_BYTES);
	memcpy(d.box_pk, er.box_pk, REG_KEY_BYTES);
	d.enrolled = now;
	rc = st->ops->device_add(st, &d, &e);
	if (rc == CUTRU_ECONFLICT) {
		/* Enrolled already: with the same keys and ward (an answer
		 * lost, a new token), the answer again; otherwise refused. */
		if (st->ops->device_get(st, er.device, &old, &e) != CUTRU_OK ||
		    old.revoked != 0 || strcmp(old.ward, er.ward) != 0 ||
		    sodium_memcmp(old.sign_pk, er.sign_pk, REG_KEY_BYTES) != 0 ||
		    sodium_memcmp(old.box_pk, er.box_pk, REG_KEY_BYTES) != 0) {
			st->ops->rollback(st);
			pool_put(s, st);
			return send_error(s, c, 0, SYNC_R_ALREADY_ENROLLED,
			    NULL, 0, "POST", "/v1/enroll");
		}
		rc = CUTRU_OK;
	}
	if (rc != CUTRU_OK || (rc = st->ops->commit(st, &e)) != CUTRU_OK)
		goto internal;
answer:
	pool_put(s, st);
	memset(&ea, 0, sizeof ea);
	snprintf(ea.ward, sizeof ea.ward, "%s", er.ward);
	snprintf(ea.device, sizeof ea.device, "%s", er.device);
	ea.time = now;
	if (enroll_answer_sign(&ea, s->keys->sign_sk, &answer, &alen, &e) !=
	    CUTRU_OK)
		return send_error(s, c, 0, SYNC_R_INTERNAL, NULL, 0, "POST",
		    "/v1/enroll");
	ret = send_bytes(c, MHD_HTTP_OK, answer, alen, CT_BINARY, 0);
	free(answer);
	logf_(s, "POST /v1/enroll 200 device=%s ward=%s", er.device,
	    er.ward);
	return ret;
internal:
	st->ops->rollback(st);
	pool_put(s, st);
	logf_(s, "POST /v1/enroll database: %s", e.msg);
	return send_error(s, c, 0, SYNC_R_INTERNAL, NULL, 0, "POST",
	    "/v1/enroll");
}

/* ------------------------------------------------------------------ */
/* POST /v1/changesets */

static enum MHD_Result
do_changesets(struct server *s, struct MHD_Connection *c, struct req *q)
{
	struct batch_item *in = NULL, *outv = NULL;
	struct ingest_item *items = NULL;
	struct regstore *st = NULL;
	struct cutru_err e;
	enum sync_reason why = SYNC_R_NONE;
	unsigned char *answer = NULL;
	size_t n = 0, i, alen = 0, nacc = 0, nrej = 0, nheld = 0, nrep = 0;
	const char *dev;
	char devbuf[ENVELOPE_KEY_ID_HEX + 1] = "";
	enum MHD_Result ret;
	int wait, rc;

	if (batch_decode(BATCH_MAGIC_REQUEST, q->body, q->len,
	    CHANGESET_SEALED_MAX, &in, &n, &why, &e) != CUTRU_OK) {
		if (why == SYNC_R_NONE)
			why = SYNC_R_MALFORMED;
		return send_error(s, c, 0, why, NULL, 0, "POST",
		    "/v1/changesets");
	}
	if (n > (size_t)s->conf.max_batch) {
		free(in);
		return send_error(s, c, 0, SYNC_R_TOO_LARGE,
		    "The batch holds more change sets than this registry accepts at once.",
		    0, "POST", "/v1/changesets");
	}
	if ((items = calloc(n, sizeof *items)) == NULL ||
	    (outv = calloc(n, sizeof *outv)) == NULL) {
		free(in);
		free(items);
		return send_error(s, c, 0, SYNC_R_INTERNAL, NULL, 0, "POST",
		    "/v1/changesets");
	}
	for (i = 0; i < n; i++)
		ingest_item_init(&items[i], in[i].data, in[i].len);
	st = pool_get(s);
	for (i = 0; i < n; i++)
		if ((rc = ingest_open(st, s->keys, &items[i], &e)) != CUTRU_OK)
			goto internal;
	if ((dev = ingest_batch_device(items, n)) != NULL) {
		snprintf(devbuf, sizeof devbuf, "%s", dev);
		if ((wait = ratelimit_take(s->rl_device, dev, mono())) > 0) {
			pool_put(s, st);
			st = NULL;
			ret = send_error(s, c, 0, SYNC_R_RATE_LIMITED, NULL,
			    wait, "POST", "/v1/changesets");
			goto done;
		}
	}
	pool_put(s, st);
	st = NULL;
	pthread_mutex_lock(&s->writer_lock);
	rc = s->writer->ops->begin(s->writer, &e);
	for (i = 0; i < n && rc == CUTRU_OK; i++)
		rc = ingest_decide(s->writer, s->keys, &items[i],
		    (int64_t)time(NULL), &e);
	if (rc == CUTRU_OK)
		rc = s->writer->ops->commit(s->writer, &e);
	else
		s->writer->ops->rollback(s->writer);
	pthread_mutex_unlock(&s->writer_lock);
	if (rc != CUTRU_OK)
		goto internal;
	for (i = 0; i < n; i++) {
		outv[i].data = items[i].receipt;
		outv[i].len = items[i].receipt_len;
		if (items[i].replay)
			nrep++;
		else if (items[i].status == RECEIPT_ACCEPTED)
			nacc++;
		else if (items[i].status == RECEIPT_HELD)
			nheld++;
		else
			nrej++;
	}
	if (batch_encode(BATCH_MAGIC_ANSWER, outv, n, &answer, &alen, &e) !=
	    CUTRU_OK) {
		ret = send_error(s, c, 0, SYNC_R_INTERNAL, NULL, 0, "POST",
		    "/v1/changesets");
		goto done;
	}
	ret = send_bytes(c, MHD_HTTP_OK, answer, alen, CT_BINARY, 0);
	logf_(s, "POST /v1/changesets 200 device=%s items=%zu accepted=%zu "
	    "rejected=%zu held=%zu replayed=%zu first=%s %.1fms",
	    devbuf[0] != '\0' ? devbuf : "-", n, nacc, nrej, nheld, nrep,
	    n > 0 && items[0].reason != SYNC_R_NONE ?
	    sync_reason_name(items[0].reason) : "-",
	    (mono() - q->started) * 1000.0);
	goto done;
internal:
	if (st != NULL) {
		pool_put(s, st);
		st = NULL;
	}
	logf_(s, "POST /v1/changesets failed: %s", e.msg);
	ret = send_error(s, c, 0, SYNC_R_INTERNAL, NULL, 0, "POST",
	    "/v1/changesets");
done:
	for (i = 0; i < n; i++)
		ingest_item_free(&items[i]);
	free(items);
	free(outv);
	free(in);
	free(answer);
	return ret;
}

/* ------------------------------------------------------------------ */
/* GET /v1/feed */

struct feed_acc {
	cJSON *items;
	int64_t last;
	size_t bytes;
	int full;
	struct cutru_err *e;
};

static int
feed_entry(void *arg, int64_t cursor, const char *entry, size_t len)
{
	struct feed_acc *a = arg;
	cJSON *item = NULL;

	/* Keep the page well inside what a console opens. */
	if (a->bytes + len > FEED_CANON_MAX / 2 &&
	    cJSON_GetArraySize(a->items) > 0) {
		a->full = 1;
		return 1;
	}
	if (canon_parse(entry, len, NULL, 0, &item, a->e) != CUTRU_OK)
		return CUTRU_EIO;
	cJSON_AddItemToArray(a->items, item);
	a->bytes += len;
	a->last = cursor;
	return 0;
}

/* The query arguments feed accepts: device, after, time, sig. */
static enum MHD_Result
count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	int *bad = cls;

	(void)kind;
	(void)value;
	if (key == NULL || (strcmp(key, "device") != 0 &&
	    strcmp(key, "after") != 0 && strcmp(key, "time") != 0 &&
	    strcmp(key, "sig") != 0))
		(*bad)++;
	return MHD_YES;
}

static enum MHD_Result
do_feed(struct server *s, struct MHD_Connection *c)
{
	const char *device, *after, *tstr, *sig;
	struct reg_device d;
	struct feed_page page;
	struct feed_acc acc;
	struct regstore *st;
	struct cutru_err e;
	enum sync_reason why = SYNC_R_NONE;
	unsigned char *out = NULL;
	size_t olen = 0;
	long long t, a = 0;
	char *end;
	int bad = 0, more = 0, wait, rc, nargs;
	enum MHD_Result ret;

	nargs = MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, count_arg,
	    &bad);
	device = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "device");
	after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
	tstr = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "time");
	sig = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sig");
	if (after == NULL)
		after = "";
	if (bad || nargs > 4 || device == NULL || tstr == NULL || sig == NULL ||
	    strlen(device) != ENVELOPE_KEY_ID_HEX)
		return send_error(s, c, 0, SYNC_R_MALFORMED,
		    "A feed request names device, after, time and sig, and nothing else.",
		    0, "GET", "/v1/feed");
	errno = 0;
	t = strtoll(tstr, &end, 10);
	if (tstr[0] == '\0' || *end != '\0' || errno != 0)
		return send_error(s, c, 0, SYNC_R_MALFORMED,
		    "The time of a feed request is whole seconds.", 0, "GET",
		    "/v1/feed");
	if (feed_cursor_check(after, NULL) != CUTRU_OK)
		return send_error(s, c, 0, SYNC_R_BAD_CURSOR, NULL, 0, "GET",
		    "/v1/feed");
	if (after[0] != '\0') {
		errno = 0;
		a = strtoll(after, &end, 10);
		if (*end != '\0' || errno != 0 || a < 0 || after[0] == '-' ||
		    after[0] == '+')
			return send_error(s, c, 0, SYNC_R_BAD_CURSOR, NULL, 0,
			    "GET", "/v1/feed");
	}
	st = pool_get(s);
	rc = st->ops->device_get(st, device, &d, &e);
	if (rc != CUTRU_OK) {
		pool_put(s, st);
		return send_error(s, c, 0, rc == CUTRU_ENOTFOUND ?
		    SYNC_R_UNKNOWN_DEVICE : SYNC_R_INTERNAL, NULL, 0, "GET",
		    "/v1/feed");
	}
	if (feed_request_verify(d.sign_pk, device, after, (int64_t)t, sig,
	    (int64_t)time(NULL), &why, &e) != CUTRU_OK) {
		pool_put(s, st);
		return send_error(s, c, 0, why != SYNC_R_NONE ? why :
		    SYNC_R_BAD_REQUEST_SIGNATURE, NULL, 0, "GET", "/v1/feed");
	}
	if (d.revoked != 0) {
		pool_put(s, st);
		return send_error(s, c, 0, SYNC_R_REVOKED_DEVICE, NULL, 0,
		    "GET", "/v1/feed");
	}
	if ((wait = ratelimit_take(s->rl_device, device, mono())) > 0) {
		pool_put(s, st);
		return send_error(s, c, 0, SYNC_R_RATE_LIMITED, NULL, wait,
		    "GET", "/v1/feed");
	}
	memset(&acc, 0, sizeof acc);
	acc.e = &e;
	acc.last = a;
	if ((acc.items = cJSON_CreateArray()) == NULL) {
		pool_put(s, st);
		return send_error(s, c, 0, SYNC_R_INTERNAL, NULL, 0, "GET",
		    "/v1/feed");
	}
	rc = st->ops->feed_read(st, d.ward, a, s->conf.feed_page, feed_entry,
	    &acc, &more, &e);
	pool_put(s, st);
	if (rc != CUTRU_OK && rc != 1) {
		cJSON_Delete(acc.items);
		logf_(s, "GET /v1/feed failed: %s", e.msg);
		return send_error(s, c, 0, SYNC_R_INTERNAL, NULL, 0, "GET",
		    "/v1/feed");
	}
	memset(&page, 0, sizeof page);
	snprintf(page.ward, sizeof page.ward, "%s", d.ward);
	snprintf(page.device, sizeof page.device, "%.*s",
	    ENVELOPE_KEY_ID_HEX, d.id);
	snprintf(page.after, sizeof page.after, "%s", after);
	if (acc.last > a || after[0] != '\0')
		snprintf(page.cursor, sizeof page.cursor, "%lld",
		    (long long)acc.last);
	page.more = more || acc.full;
	page.time = (int64_t)time(NULL);
	page.items = acc.items;
	rc = feed_seal(&page, s->keys->sign_sk, d.box_pk, &out, &olen, &e);
	cJSON_Delete(acc.items);
	if (rc != CUTRU_OK) {
		logf_(s, "GET /v1/feed failed: %s", e.msg);
		return send_error(s, c, 0, SYNC_R_INTERNAL, NULL, 0, "GET",
		    "/v1/feed");
	}
	ret = send_bytes(c, MHD_HTTP_OK, out, olen, CT_BINARY, 0);
	free(out);
	logf_(s, "GET /v1/feed 200 device=%s after=%s cursor=%s more=%d",
	    d.id, after[0] != '\0' ? after : "-",
	    page.cursor[0] != '\0' ? page.cursor : "-", page.more);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The access handler */

static void
peer_ip(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(buf, len, "-");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    buf, (socklen_t)len);
}

/* Tell the reaper the headers are in. */
static void
mark_request(struct server *s, struct MHD_Connection *c, int in_request)
{
	const union MHD_ConnectionInfo *ci;
	struct track *t;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (t = ci->socket_context) == NULL)
		return;
	pthread_mutex_lock(&s->conn_lock);
	t->in_request = in_request;
	t->since = mono();
	pthread_mutex_unlock(&s->conn_lock);
}

/* The content type must be exactly application/octet-stream (parameters
 * are not expected). */
static int
content_type_ok(struct MHD_Connection *c)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);

	return ct != NULL && strcasecmp(ct, CT_BINARY) == 0;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	struct req *q = *con_cls;
	const char *cl;
	enum route route;
	int is_get, is_post, wait;
	char ip[INET6_ADDRSTRLEN];
	unsigned long long n;
	char *end;
	enum MHD_Result ret;

	(void)version;
	if (q == NULL) {
		/* Headers complete: the first call. */
		mark_request(s, c, 1);
		peer_ip(c, ip, sizeof ip);
		if ((wait = ratelimit_take(s->rl_ip, ip, mono())) > 0)
			return send_error(s, c, 0, SYNC_R_RATE_LIMITED, NULL,
			    wait, method, "-");
		is_get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
		is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
		if (strcmp(url, "/v1/enroll") == 0)
			route = R_ENROLL;
		else if (strcmp(url, "/v1/changesets") == 0)
			route = R_CHANGESETS;
		else if (strcmp(url, "/v1/feed") == 0)
			route = R_FEED;
		else
			return send_error(s, c, MHD_HTTP_NOT_FOUND,
			    SYNC_R_MALFORMED,
			    "There is no such endpoint (see cutru-protocol(7)).",
			    0, method, "-");
		if ((route == R_FEED && !is_get) ||
		    (route != R_FEED && !is_post))
			return send_error(s, c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    SYNC_R_MALFORMED,
			    "This endpoint does not take this method.",
			    route == R_FEED ? -1 : 0, method, url);
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (route == R_FEED) {
			if ((cl != NULL && strcmp(cl, "0") != 0) ||
			    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
			    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
				return send_error(s, c, 0, SYNC_R_MALFORMED,
				    "A feed request has no body.", 0, method,
				    url);
		} else if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND,
		    NULL, NULL) > 0)
			return send_error(s, c, 0, SYNC_R_MALFORMED,
			    "This endpoint takes no query arguments.", 0,
			    method, url);
		else if (!content_type_ok(c))
			return send_error(s, c,
			    MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, SYNC_R_MALFORMED,
			    "The body must be application/octet-stream.", 0,
			    method, url);
		if ((q = calloc(1, sizeof *q)) == NULL)
			return MHD_NO;
		q->route = route;
		q->started = mono();
		snprintf(q->ip, sizeof q->ip, "%s", ip);
		q->max = route == R_ENROLL ? ENROLL_SEALED_MAX :
		    route == R_CHANGESETS ? s->conf.max_body : 0;
		*con_cls = q;
		if (cl != NULL) {
			errno = 0;
			n = strtoull(cl, &end, 10);
			if (cl[0] < '0' || cl[0] > '9' || *end != '\0' ||
			    errno != 0 || n > q->max)
				return send_error(s, c, 0, SYNC_R_TOO_LARGE,
				    NULL, 0, method, url);
		}
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (q->too_large || q->len + *upload_size > q->max) {
			q->too_large = 1;
			q->discarded += *upload_size;
			*upload_size = 0;
			return q->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
		}
		if (q->len + *upload_size > q->cap) {
			size_t ncap = q->cap == 0 ? 4096 : q->cap;
			unsigned char *nb;

			while (ncap < q->len + *upload_size)
				ncap *= 2;
			if (ncap > q->max)
				ncap = q->max;
			if ((nb = realloc(q->body, ncap)) == NULL)
				return MHD_NO;
			q->body = nb;
			q->cap = ncap;
		}
		memcpy(q->body + q->len, upload, *upload_size);
		q->len += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (q->too_large)
		return send_error(s, c, 0, SYNC_R_TOO_LARGE, NULL, 0, method,
		    url);
	switch (q->route) {
	case R_ENROLL:
		ret = do_enroll(s, c, q);
		break;
	case R_CHANGESETS:
		ret = do_changesets(s, c, q);
		break;
	case R_FEED:
	default:
		ret = do_feed(s, c);
		break;
	}
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct req *q = *con_cls;

	if (q != NULL && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		logf_(s, "request from %s dropped (%s), nothing applied",
		    q->ip, toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ?
		    "timeout" : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ?
		    "client went away" : "error");
	if (q != NULL) {
		free(q->body);
		free(q);
	}
	*con_cls = NULL;
	mark_request(s, c, 0);
}

/* ------------------------------------------------------------------ */
/* Connections and the reaper */

static void
notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct server *s = cls;
	const union MHD_ConnectionInfo *ci;
	struct track *t;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		if ((t = calloc(1, sizeof *t)) == NULL)
			return;
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		t->fd = ci != NULL ? ci->connect_fd : -1;
		t->since = mono();
		pthread_mutex_lock(&s->conn_lock);
		t->next = s->conns.next;
		t->prev = &s->conns;
		s->conns.next->prev = t;
		s->conns.next = t;
		pthread_mutex_unlock(&s->conn_lock);
		*socket_context = t;
		return;
	}
	if ((t = *socket_context) == NULL)
		return;
	pthread_mutex_lock(&s->conn_lock);
	t->prev->next = t->next;
	t->next->prev = t->prev;
	pthread_mutex_unlock(&s->conn_lock);
	free(t);
	*socket_context = NULL;
}

static void *
reaper_main(void *arg)
{
	struct server *s = arg;
	struct timespec ts;
	struct track *t;
	double now;
	int ncut;

	pthread_mutex_lock(&s->stop_lock);
	while (!s->stopping) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &ts);
		if (s->stopping)
			break;
		now = mono();
		ncut = 0;
		pthread_mutex_lock(&s->conn_lock);
		for (t = s->conns.next; t != &s->conns; t = t->next) {
			if (t->cut || t->fd < 0)
				continue;
			if (now - t->since > (t->in_request ?
			    s->conf.request_timeout : s->conf.header_timeout)) {
				shutdown(t->fd, SHUT_RDWR);
				t->cut = 1;
				ncut++;
			}
		}
		pthread_mutex_unlock(&s->conn_lock);
		if (ncut > 0)
			logf_(s, "closed %d connection(s) too slow to send "
			    "their request", ncut);
	}
	pthread_mutex_unlock(&s->stop_lock);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Start and stop */

static void mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* libmicrohttpd's own messages (its format strings). */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct server *s = cls;
	char buf[512];
	size_t n;

	vsnprintf(buf, sizeof buf, fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	logf_(s, "httpd: %s", buf);
}

/* Read a whole PEM file (at most 1 MiB); the key goes to sodium_malloc
 * memory. */
static int
read_pem(const char *path, int secret, char **out, size_t *outlen,
    struct cutru_err *e)
{
	FILE *f;
	char *buf;
	size_t n = 0, cap = 1024 * 1024;

	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL)
		return cutru_err_set(e, errno == ENOENT ? CUTRU_ENOTFOUND :
		    CUTRU_EIO, secret ? "tls_key" : "tls_cert",
		    _("Could not read %s: %s."), path, strerror(errno));
	buf = secret ? sodium_malloc(cap + 1) : malloc(cap + 1);
	if (buf == NULL) {
		fclose(f);
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
	}
	n = fread(buf, 1, cap + 1, f);
	fclose(f);
	if (n == 0 || n > cap) {
		if (secret)
			sodium_free(buf);
		else
			free(buf);
		return cutru_err_set(e, CUTRU_EINVAL, secret ? "tls_key" :
		    "tls_cert", _("%s is empty or larger than 1 MiB."), path);
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return CUTRU_OK;
}

static int
write_port(const struct regconf *c, int port, struct cutru_err *e)
{
	char dir[REGCONF_PATH_MAX], text[16];
	const char *slash, *base;

	if (c->port_file[0] == '\0')
		return CUTRU_OK;
	slash = strrchr(c->port_file, '/');
	if (slash == NULL) {
		snprintf(dir, sizeof dir, ".");
		base = c->port_file;
	} else {
		snprintf(dir, sizeof dir, "%.*s", slash == c->port_file ? 1 :
		    (int)(slash - c->port_file), c->port_file);
		base = slash + 1;
	}
	snprintf(text, sizeof text, "%d\n", port);
	return storedir_write_atomic(dir, base, text, strlen(text), 0644, e);
}

int
server_start(const struct regconf *c, const struct regkeys *k, FILE *log,
    struct server **out, struct cutru_err *e)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&ss;
	const union MHD_DaemonInfo *di;
	struct server *s;
	size_t certlen = 0, i;
	int rc;

	*out = NULL;
	if (c->tls_cert[0] == '\0' || c->tls_key[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "tls_cert",
		    _("The configuration must name the TLS certificate and key (tls_cert, tls_key)."));
	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, c->listen, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)c->port);
	} else if (inet_pton(AF_INET6, c->listen, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)c->port);
	} else
		return cutru_err_set(e, CUTRU_EINVAL, "listen",
		    _("'%s' is not an IPv4 or IPv6 address to listen on."),
		    c->listen);
	if ((s = calloc(1, sizeof *s)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
	s->conf = *c;
	s->keys = k;
	s->log = log;
	pthread_mutex_init(&s->log_lock, NULL);
	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_cond_init(&s->pool_cond, NULL);
	pthread_mutex_init(&s->writer_lock, NULL);
	pthread_mutex_init(&s->conn_lock, NULL);
	pthread_mutex_init(&s->stop_lock, NULL);
	pthread_cond_init(&s->stop_cond, NULL);
	s->conns.next = s->conns.prev = &s->conns;

	if ((rc = read_pem(c->tls_cert, 0, &s->cert, &certlen, e)) != CUTRU_OK ||
	    (rc = read_pem(c->tls_key, 1, &s->key, &s->key_len, e)) !=
	    CUTRU_OK)
		goto fail;
	if ((rc = regconf_data_path(c, DB_FILE, s->dbpath, sizeof s->dbpath,
	    e)) != CUTRU_OK)
		goto fail;
	s->npool = (size_t)c->threads;
	if ((s->pool = calloc(s->npool, sizeof *s->pool)) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
		goto fail;
	}
	for (i = 0; i < s->npool; i++) {
		if ((rc = regstore_sqlite_open(s->dbpath, c->sync_full ? 0 :
		    REGSTORE_SYNC_NORMAL, &s->pool[i], e)) != CUTRU_OK)
			goto fail;
		s->nfree++;
	}
	if ((rc = regstore_sqlite_open(s->dbpath, c->sync_full ? 0 :
	    REGSTORE_SYNC_NORMAL, &s->writer, e)) != CUTRU_OK)
		goto fail;
	s->rl_device = ratelimit_new(c->rate, c->rate_burst, RL_KEYS);
	s->rl_ip = ratelimit_new(c->rate * RL_IP_FACTOR,
	    c->rate_burst * RL_IP_FACTOR, RL_KEYS);
	if (s->rl_device == NULL || s->rl_ip == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
		goto fail;
	}
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_AUTO | MHD_USE_TLS | MHD_USE_ERROR_LOG |
	    (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL,
	    handle, s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_HTTPS_MEM_CERT, s->cert,
	    MHD_OPTION_HTTPS_MEM_KEY, s->key,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c->threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)c->per_ip_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->connection_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    MHD_OPTION_NOTIFY_CONNECTION, notify_conn, s,
	    MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
	    MHD_OPTION_END);
	if (s->mhd == NULL) {
		rc = cutru_err_set(e, CUTRU_EIO, "listen",
		    _("Could not start the HTTPS server on %s port %d (is the port in use, or the certificate or key not valid PEM?)."),
		    c->listen, c->port);
		goto fail;
	}
	di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di != NULL ? (int)di->port : c->port;
	if ((rc = write_port(c, s->port, e)) != CUTRU_OK)
		goto fail;
	if (pthread_create(&s->reaper, NULL, reaper_main, s) != 0) {
		rc = cutru_err_set(e, CUTRU_EIO, NULL,
		    _("Could not start a thread."));
		goto fail;
	}
	s->reaper_started = 1;
	logf_(s, "serving on %s port %d with %d threads", c->listen, s->port,
	    c->threads);
	*out = s;
	return CUTRU_OK;
fail:
	server_stop(s);
	return rc;
}

int
server_port(const struct server *s)
{
	return s->port;
}

void
server_stop(struct server *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->reaper_started) {
		pthread_mutex_lock(&s->stop_lock);
		s->stopping = 1;
		pthread_cond_signal(&s->stop_cond);
		pthread_mutex_unlock(&s->stop_lock);
		pthread_join(s->reaper, NULL);
	}
	if (s->mhd != NULL)
		MHD_stop_daemon(s->mhd);
	for (i = 0; i < s->npool; i++)
		regstore_close(s->pool[i]);
	free(s->pool);
	regstore_close(s->writer);
	ratelimit_free(s->rl_device);
	ratelimit_free(s->rl_ip);
	free(s->cert);
	sodium_free(s->key);
	pthread_mutex_destroy(&s->log_lock);
	pthread_mutex_destroy(&s->pool_lock);
	pthread_cond_destroy(&s->pool_cond);
	pthread_mutex_destroy(&s->writer_lock);
	pthread_mutex_destroy(&s->conn_lock);
	pthread_mutex_destroy(&s->stop_lock);
	pthread_cond_destroy(&s->stop_cond);
	free(s);
}
