/* The sync client: moves sealed change sets from outbox/new to the
 * registry over HTTPS (POST /v1/changesets), brings the receipts and the
 * feed back into inbox/new, and keeps a small plain record of how it went.
 * cutru-protocol(7) has the wire formats; this file owns the two plain
 * files below, the order of the steps, and the retry rules.
 *
 * ---------------------------------------------------------------------
 * TWO KINDS OF PASS
 *
 * The uploader needs no secret.  A pass without a session (cutru sync, the
 * daemon) reads outbox/new, posts the files in batches, verifies each
 * receipt with the registry's public signing key and delivers it into
 * inbox/new, and only then moves the file it answers from outbox/new to
 * outbox/cur.  A pass with a session (cutru sync --unlock, the console)
 * also asks for the feed - the request must be signed with the device's
 * key and start at the store's cursor, both inside the encrypted store -
 * and applies the inbox (receipts and pages) before it ends.  Without a
 * session the receipts wait in inbox/new until the next unlock applies
 * them (sync/inbox.h).
 *
 * ---------------------------------------------------------------------
 * EXACTLY ONCE
 *
 * A file moves to outbox/cur only after a receipt that verifies, answers
 * that very file (device, seq and the 16 hash digits of its name, or the
 * item hash of its bytes) and is final (accepted or rejected) is durably
 * in inbox/new.  A "held" receipt is delivered too, but the file stays in
 * new/ and is sent again by a later pass.  An interruption at any byte -
 * before, during or after the request, before or after the delivery -
 * leaves the file in new/, and the next pass sends it again; the registry
 * answers a copy of a change set it has recorded with the same receipt
 * bytes, so the inbox gets the same file name (inbox_deliver() names by
 * content) and nothing is applied twice.  Batches go in file-name order,
 * which is sequence order.
 *
 * ---------------------------------------------------------------------
 * THE REGISTRY FILE (STOREDIR/sync-registry, mode 0600, written
 * atomically; public values only)
 *
 *   cutru-sync-registry-v1
 *   url https://registry.example.vn:8443
 *   device c2516b3b1245cdb5
 *   ward 00070
 *   sign_pk <base64 of the registry's Ed25519 public key>
 *   tls_pin sha256//<base64 of SHA-256 of the TLS key's SubjectPublicKeyInfo>
 *
 * written by network enrollment (cutru enroll --registry) and by an
 * administrator's cutru sync --unlock --registry-cert.  The uploader reads
 * it because it cannot read the store.  What is pinned for TLS is the
 * server's public key (libcurl's CURLOPT_PINNEDPUBLICKEY), not a
 * certificate or a CA: a renewed certificate with the same key keeps
 * working, a new key is refused before any byte is sent.  The pin comes
 * from the certificate file the operator gives (--registry-cert), or else
 * from the key the registry presented during the enrollment whose signed
 * answer verified with the registry key file (trust on first use,
 * confirmed by that signature).  A pass with a session checks that
 * sign_pk and device are those pinned in the store and refuses otherwise.
 *
 * ---------------------------------------------------------------------
 * THE STATE FILE (STOREDIR/sync-state, mode 0600, written atomically
 * after every pass; no personal data)
 *
 *   cutru-sync-state-v1
 *   KEY VALUE          one per line, keys of struct client_state
 *
 * Unknown keys are ignored (a newer cutru may add some); a bad value or a
 * damaged file makes client_state_parse() fail, and client_state_load()
 * then starts from zero, since the state only informs --status and the
 * daemon's backoff.
 *
 * ---------------------------------------------------------------------
 * RETRIES
 *
 * A connection failure or a stall (less than low_speed_limit bytes/s for
 * low_speed_time seconds) is retried within the pass a few times
 * (options.retries); when they are spent, and at once for 429 (with its
 * Retry-After), 500 and 503, the pass ends with CLIENT_UNREACHABLE:
 * nothing is dropped, the next pass continues.  A TLS key that is not the pinned one ends it with
 * CLIENT_PIN_MISMATCH before anything is sent.  A receipt that does not
 * verify, or answers another item, stops the pass with nothing moved. */
#ifndef CUTRU_SYNC_CLIENT_H
#define CUTRU_SYNC_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/err.h"
#include "localdb/session.h"
#include "sync/device.h"
#include "sync/envelope.h"

#define CLIENT_REGISTRY_FILE "sync-registry"
#define CLIENT_STATE_FILE "sync-state"
/* "sha256//" and 44 base64 digits, and NUL. */
#define CLIENT_PIN_SIZE 64
/* Default request body cap: a few seconds of a poor 2G link, so a stall
 * costs little and a batch still carries ~140 registrations. */
#define CLIENT_BATCH_BYTES_DEFAULT (64 * 1024)
#define CLIENT_BATCH_ITEMS_DEFAULT 256
#define CLIENT_CONNECT_TIMEOUT_DEFAULT 30   /* seconds */
#define CLIENT_LOW_SPEED_LIMIT_DEFAULT 10   /* bytes per second ... */
#define CLIENT_LOW_SPEED_TIME_DEFAULT 60    /* ... for this many seconds */
/* A request whose connection failed is tried again this many times within
 * a pass, after 1, 2, 4, ... seconds (at most CLIENT_RETRY_WAIT_MAX, with
 * jitter), before the pass ends as unreachable. */
#define CLIENT_RETRIES_DEFAULT 3
#define CLIENT_RETRY_WAIT_MAX 8
/* Feed pages asked for in one pass at most (each holds up to 500 items). */
#define CLIENT_FEED_PAGES_MAX 100
#define CLIENT_ERROR_MAX 320

/* How a pass ended, beyond rc (struct client_report, field outcome). */
enum client_outcome {
	CLIENT_DONE = 0,        /* every file sent has a final receipt */
	CLIENT_PENDING,         /* reached, but files remain (held, or a
	                         * batch refused whole: see problem) */
	CLIENT_UNREACHABLE,     /* no connection, stall, 429, 5xx: later */
	CLIENT_PIN_MISMATCH,    /* the TLS key is not the pinned one */
	CLIENT_FAILED           /* a local failure (disk, store): see rc */
};

/* STOREDIR/sync-registry. */
struct client_registry {
	char url[DEVICE_URL_MAX + 1];
	char device[ENVELOPE_KEY_ID_HEX + 1];
	char ward[6];
	unsigned char sign_pk[ENVELOPE_PK_BYTES];
	char tls_pin[CLIENT_PIN_SIZE];
};

/* STOREDIR/sync-state.  Times are Unix seconds, 0 for never; counts are
 * totals over all passes unless said. */
struct client_state {
	int64_t last_attempt;      /* a pass started */
	int64_t last_contact;      /* the registry answered (any HTTP status) */
	int64_t last_success;      /* a pass ended CLIENT_DONE */
	int64_t next_attempt;      /* the daemon's next try (backoff) */
	int64_t retry_after;       /* the registry's last Retry-After, s */
	int last_outcome;          /* enum client_outcome of the last pass */
	unsigned failures;         /* passes in a row not reaching it */
	uint64_t passes;
	uint64_t items_sent;       /* change sets posted (copies counted) */
	uint64_t bytes_sent;       /* request bodies */
	uint64_t bytes_received;   /* answer bodies */
	uint64_t accepted;         /* receipts delivered, by status */
	uint64_t rejected;
	uint64_t held;
	uint64_t feed_pages;
	uint64_t pending;          /* files in outbox/new after the last pass */
	char last_error[CLIENT_ERROR_MAX]; /* one line, "" if none */
};

/* Progress of a pass, for the CLI and the console. */
enum client_phase {
	CLIENT_PHASE_UPLOAD = 0,
	CLIENT_PHASE_FEED,
	CLIENT_PHASE_APPLY
};

struct client_progress {
	enum client_phase phase;
	size_t items_done;        /* files with a receipt so far */
	size_t items_total;       /* files in outbox/new at the start */
	uint64_t bytes_sent;      /* so far, this pass */
	uint64_t bytes_total;     /* sum of the files' sizes */
	uint64_t bytes_received;
	size_t feed_pages;
};

struct client_options {
	const char *url;          /* NULL: the registry file's */
	size_t batch_bytes;       /* 0: default; at most BATCH_BODY_MAX */
	size_t batch_items;       /* 0: default; at most BATCH_ITEMS_MAX */
	long connect_timeout;     /* 0: defaults above */
	long low_speed_limit;
	long low_speed_time;
	int retries;              /* 0: CLIENT_RETRIES_DEFAULT; -1: none */
	/* Called after each batch and each feed page; may be NULL. */
	void (*progress)(const struct client_progress *p, void *arg);
	void *progress_arg;
	/* When non-NULL and set non-zero (a signal handler), the pass stops
	 * between requests, and a transfer in flight is abandoned. */
	volatile sig_atomic_t *stop;
};

struct client_report {
	enum client_outcome outcome;
	size_t items_total;        /* files in outbox/new at the start */
	size_t items_sent;         /* in requests the registry answered (a
	                            * file sent twice counts 2) */
	size_t batches;
	size_t accepted, rejected, held;
	size_t pending;            /* files left in outbox/new */
	uint64_t bytes_sent, bytes_received;
	size_t feed_pages;         /* pages delivered into inbox/new */
	long http_status;          /* the last answer's, 0 if none */
	long retry_after;          /* seconds, from a 429; 0 if none */
	struct cutru_err problem;  /* why the outcome is not CLIENT_DONE */
};

struct client;

/* ---------------------------------------------------------- pure parts */

/* How many of the n files (sizes in bytes, in order) go into the next
 * request: the longest prefix whose batch body (6 + sum(4 + size)) fits
 * max_bytes and that has at most max_items items - but at least 1 when
 * n > 0 and that one file alone fits BATCH_BODY_MAX, so one large change
 * set is never stuck behind a small cap.  0 when n is 0 or the first file
 * cannot travel at all. */
size_t client_plan_batch(const size_t *sizes, size_t n, size_t max_bytes,
    size_t max_items);

/* Seconds to wait after `failures` passes in a row that did not reach the
 * registry: base * 2^(failures-1) capped at cap, then a random draw from
 * [half, whole] of it (jitter, so consoles that lost the same link do not
 * return together).  r is a uniform random number in [0, 1].  0 for
 * failures 0. */
long client_backoff(unsigned failures, long base, long cap, double r);

int client_registry_parse(const char *text, size_t len,
    struct client_registry *out, struct cutru_err *e);
/* *out malloc'd, NUL-terminated. */
int client_registry_format(const struct client_registry *r, char **out,
    struct cutru_err *e);
/* CUTRU_ENOTFOUND (with a message saying how to enroll) when missing. */
int client_registry_load(const char *storedir, struct client_registry *out,
    struct cutru_err *e);
int client_registry_save(const char *storedir,
    const struct client_registry *r, struct cutru_err *e);

void client_state_init(struct client_state *st);
/* Parse over *st (client_state_init() first); CUTRU_EINVAL names the
 * line.  Unknown keys are skipped. */
int client_state_parse(const char *text, size_t len, struct client_state *st,
    struct cutru_err *e);
int client_state_format(const struct client_state *st, char **out,
    struct cutru_err *e);
/* A missing or damaged file gives a zero state and CUTRU_OK. */
int client_state_load(const char *storedir, struct client_state *st,
    struct cutru_err *e);
int client_state_save(const char *storedir, const struct client_state *st,
    struct cutru_err *e);

/* The pin "sha256//BASE64" of the first certificate of a PEM file
 * (CUTRU_EINVAL when there is none or it does not parse). */
int client_pin_from_pem_file(const char *path, char pin[CLIENT_PIN_SIZE],
    struct cutru_err *e);
/* The pin of one DER certificate. */
int client_pin_from_der(const unsigned char *der, size_t len,
    char pin[CLIENT_PIN_SIZE], struct cutru_err *e);

/* ------------------------------------------------------------ network */

/* Call once per process before any other network function (libcurl's
 * global init; not thread-safe). */
int client_global_init(struct cutru_err *e);

/* A client for the store directory storedir, from its registry file (o
 * may be NULL: defaults).  Nothing is sent yet.  *out freed with
 * client_close(). */
int client_open(const char *storedir, const struct client_options *o,
    struct client **out, struct cutru_err *e);
void client_close(struct client *c);

/* The registry file the client uses. */
const struct client_registry *client_registry_of(const struct client *c);

/* Upload outbox/new as above (no secret needed).  CUTRU_OK unless the
 * disk fails; r->outcome tells how far it got. */
int client_upload(struct client *c, struct client_report *r,
    struct cutru_err *e);

/* Ask for the feed from the cursor `after` with the device's key (the
 * device must be the registry file's), delivering each page into
 * inbox/new, following "more" up to CLIENT_FEED_PAGES_MAX pages. */
int client_feed(struct client *c, const struct device *d, const char *after,
    time_t now, struct client_report *r, struct cutru_err *e);

/* One whole pass: client_upload(); then, with a session s (NULL: upload
 * only), client_feed() from the store's cursor and inbox_apply(); then the
 * state file is updated.  The pass with a session first checks the
 * registry file against the keys pinned in the store. */
int client_pass(struct client *c, struct session *s, time_t now,
    struct client_report *r, struct cutru_err *e);

/* Carry another console's removable-media export in dir (written by
 * outbox_export()) to the registry: for each manifest-DEVICE.txt, post
 * the change sets that have no final receipt in dir/receipts/ yet and
 * write their receipts there, then fetch the feed page for the signed
 * request in dir/feed-requests/DEVICE into dir/feed/DEVICE.  Receipts are
 * verified with this console's registry key (the same registry).  The
 * files are never opened: they are sealed to the registry. */
int client_carry(struct client *c, const char *dir, struct client_report *r,
    struct cutru_err *e);

/* Enrollment over the network: post the sealed request (device_enroll_
 * request()) to url/v1/enroll.  With cert_file (PEM), TLS verifies
 * against that certificate and the pin is its key; without, the key the
 * server presents is taken (first use) and its pin returned - the caller
 * pins it only after the answer verified (device_enrolled()).  *answer
 * malloc'd. */
int client_enroll(const char *url, const char *cert_file,
    const struct client_options *o, const unsigned char *request,
    size_t request_len, unsigned char **answer, size_t *answer_len,
    char pin[CLIENT_PIN_SIZE], struct cutru_err *e);

/* Record a pass's report into st (counters, times, outcome, error). */
void client_state_record(struct client_state *st,
    const struct client_report *r, time_t started, time_t now);

#endif
