#include "config.h"

/* The sync client (sync/client.h has the design: two kinds of pass,
 * exactly once, the registry file, the state file, retries).
 *
 * How the bytes move.  One libcurl easy handle per client, reused for
 * every request of a pass, so the TCP connection and the TLS session stay
 * open between batches (a new TLS handshake costs several round trips and
 * about 2 KB, more than a registration).  A request body is one batch
 * (cuB1) of whole outbox files, planned by client_plan_batch() under a
 * byte cap; its answer (cuA1) holds receipt i for item i.  "Expect:" is
 * sent empty so that libcurl does not wait a round trip for "100
 * Continue" before each body.
 *
 * Timeouts for 2G.  A slow link is not a failure: there is no total
 * timeout.  A stall is: less than low_speed_limit bytes a second for
 * low_speed_time seconds aborts the transfer (CURLE_OPERATION_TIMEDOUT),
 * and connecting has its own modest limit.  Either ends the pass as
 * "unreachable", with everything still queued.
 *
 * Compression.  The change sets are DEFLATE-compressed with the
 * protocol's dictionary inside their seals (sync/envelope.c) and are then
 * ciphertext, which no later compressor can shrink; the batch framing is
 * 6 bytes plus 4 per item.  Receipts are signed JSON of about 270 bytes
 * each, 76 of them signature and key id.  cutru-registryd does not
 * compress its answers (libmicrohttpd has no content coding), so offering
 * it (CURLOPT_ACCEPT_ENCODING "") would only add a request header of
 * about 40 bytes to every batch; the client does not.  Measured figures
 * are in cutru-protocol(7), "Compression over HTTP": a gzipped answer of
 * three receipts is a third smaller; a gzipped request body is larger,
 * since it is ciphertext.
 *
 * TLS.  The registry's certificate is not checked against any CA: its
 * public key is pinned (CURLOPT_PINNEDPUBLICKEY, SHA-256 of the
 * SubjectPublicKeyInfo), which authenticates the server because it must
 * prove that it holds the matching private key in the handshake.  Host
 * names are therefore not checked either; the pin is stronger. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "core/i18n.h"
#include "core/utf8.h"
#include "localdb/storedir.h"
#include "sync/batch.h"
#include "sync/changeset.h"
#include "sync/client.h"
#include "sync/inbox.h"
#include "sync/outbox.h"
#include "sync/reason.h"
#include "sync/receipt.h"
#include "sync/spool.h"
#include "sync/util.h"

#define REGISTRY_MAGIC "cutru-sync-registry-v1"
#define STATE_MAGIC "cutru-sync-state-v1"
#define REGISTRY_FILE_MAX 4096
#define STATE_FILE_MAX 8192
#define LOCK_FILE "sync-lock"
#define PIN_PREFIX "sha256//"
/* An answer batch: up to 256 receipts, each at most RECEIPT_MAX. */
#define ANSWER_MAX ((size_t)BATCH_ITEMS_MAX * (RECEIPT_MAX + 4) + 6)
#define ERROR_BODY_MAX 4096
#define ENROLL_ANSWER_MAX 4096

struct client {
	CURL *curl;
	struct client_registry reg;
	char storedir[STOREDIR_PATH_MAX];
	char url[DEVICE_URL_MAX + 1];
	size_t batch_bytes;
	size_t batch_items;
	int retries;
	struct client_options o;
	struct curl_slist *headers;
	char curl_err[CURL_ERROR_SIZE];
	/* The answer being received. */
	unsigned char *buf;
	size_t len, cap, max;
	int too_big;
	long retry_after;
};

/* ================================================================ pure */

size_t
client_plan_batch(const size_t *sizes, size_t n, size_t max_bytes,
    size_t max_items)
{
	size_t i, total = BATCH_HEADER;

	if (sizes == NULL || n == 0)
		return 0;
	if (max_items == 0 || max_items > BATCH_ITEMS_MAX)
		max_items = BATCH_ITEMS_MAX;
	if (max_bytes > BATCH_BODY_MAX)
		max_bytes = BATCH_BODY_MAX;
	for (i = 0; i < n && i < max_items; i++) {
		if (sizes[i] == 0 ||
		    sizes[i] > BATCH_BODY_MAX - BATCH_HEADER - BATCH_ITEM_HEADER)
			break;
		if (total + BATCH_ITEM_HEADER + sizes[i] > max_bytes)
			break;
		total += BATCH_ITEM_HEADER + sizes[i];
	}
	/* One file larger than the cap still travels alone, as long as the
	 * protocol's own limit allows it. */
	if (i == 0 && sizes[0] > 0 &&
	    sizes[0] <= BATCH_BODY_MAX - BATCH_HEADER - BATCH_ITEM_HEADER)
		return 1;
	return i;
}

long
client_backoff(unsigned failures, long base, long cap, double r)
{
	long w = base;
	unsigned i;

	if (failures == 0)
		return 0;
	if (base < 1)
		base = w = 1;
	if (cap < base)
		cap = base;
	for (i = 1; i < failures && w < cap; i++)
		w = w > cap / 2 ? cap : w * 2;
	if (w > cap)
		w = cap;
	if (!(r >= 0.0))
		r = 0.0;
	if (r > 1.0)
		r = 1.0;
	/* Half fixed, half drawn: never 0, never beyond the cap. */
	return (w + 1) / 2 + (long)((double)(w / 2) * r);
}

/* The next line of text[*pos..len): its start and length (without the
 * newline); 0 at the end.  A NUL byte makes the line invalid (-1). */
static int
next_line(const char *text, size_t len, size_t *pos, const char **line,
    size_t *n)
{
	size_t i = *pos;

	if (i >= len)
		return 0;
	*line = text + i;
	while (i < len && text[i] != '\n') {
		if (text[i] == '\0')
			return -1;
		i++;
	}
	*n = (size_t)(i - *pos);
	*pos = i < len ? i + 1 : i;
	return 1;
}

static int
line_error(struct cutru_err *e, const char *what, unsigned lineno)
{
	return cutru_err_set(e, CUTRU_EINVAL, "line",
	    _("The %s file is damaged at line %u; write it again (for the "
	    "registry file: enroll again or run cutru sync --unlock "
	    "--registry-cert)."), what, lineno);
}

/* Split "KEY VALUE" (one space) into key and value, NUL-terminated in
 * buf.  -1 when there is no space or the line is too long. */
static int
split_kv(const char *line, size_t n, char *buf, size_t bufsize, char **key,
    char **value)
{
	char *sp;

	if (n == 0 || n >= bufsize)
		return -1;
	memcpy(buf, line, n);
	buf[n] = '\0';
	if ((sp = strchr(buf, ' ')) == NULL)
		return -1;
	*sp = '\0';
	*key = buf;
	*value = sp + 1;
	return 0;
}

/* A URL the client will use: https://, printable ASCII, no blanks. */
static int
url_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n <= 8 || n > DEVICE_URL_MAX || strncmp(s, "https://", 8) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static int
pin_ok(const char *s)
{
	unsigned char raw[64];
	size_t rawlen = 0;
	size_t n = strlen(s), pl = strlen(PIN_PREFIX);

	if (n <= pl || n >= CLIENT_PIN_SIZE || strncmp(s, PIN_PREFIX, pl) != 0)
		return 0;
	if (sodium_base642bin(raw, sizeof raw, s + pl, n - pl, NULL, &rawlen,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	return rawlen == crypto_hash_sha256_BYTES;
}

int
client_registry_parse(const char *text, size_t len,
    struct client_registry *out, struct cutru_err *e)
{
	const char *line;
	char buf[DEVICE_URL_MAX + 64], *key, *value;
	size_t pos = 0, n = 0, pklen = 0;
	unsigned lineno = 0;
	unsigned have = 0;
	int r;

	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL, "%s",
		    _("Nothing to read the registry file into."));
	memset(out, 0, sizeof *out);
	if (text == NULL)
		return line_error(e, _("registry"), 1);
	while ((r = next_line(text, len, &pos, &line, &n)) != 0) {
		lineno++;
		if (r < 0)
			return line_error(e, _("registry"), lineno);
		if (lineno == 1) {
			if (n != strlen(REGISTRY_MAGIC) ||
			    memcmp(line, REGISTRY_MAGIC, n) != 0)
				return line_error(e, _("registry"), lineno);
			continue;
		}
		if (split_kv(line, n, buf, sizeof buf, &key, &value) != 0)
			return line_error(e, _("registry"), lineno);
		if (strcmp(key, "url") == 0 && url_ok(value)) {
			snprintf(out->url, sizeof out->url, "%s", value);
			have |= 1;
		} else if (strcmp(key, "device") == 0 &&
		    sync_is_lower_hex(value, ENVELOPE_KEY_ID_HEX)) {
			snprintf(out->device, sizeof out->device, "%s", value);
			have |= 2;
		} else if (strcmp(key, "ward") == 0 && strlen(value) == 5 &&
		    strspn(value, "0123456789") == 5) {
			snprintf(out->ward, sizeof out->ward, "%s", value);
			have |= 4;
		} else if (strcmp(key, "sign_pk") == 0 &&
		    sodium_base642bin(out->sign_pk, sizeof out->sign_pk, value,
		    strlen(value), NULL, &pklen, NULL,
		    sodium_base64_VARIANT_ORIGINAL) == 0 &&
		    pklen == ENVELOPE_PK_BYTES) {
			have |= 8;
		} else if (strcmp(key, "tls_pin") == 0 && pin_ok(value)) {
			snprintf(out->tls_pin, sizeof out->tls_pin, "%s",
			    value);
			have |= 16;
		} else
			return line_error(e, _("registry"), lineno);
	}
	if (lineno == 0 || have != 31) {
		memset(out, 0, sizeof *out);
		return line_error(e, _("registry"), lineno + 1);
	}
	return CUTRU_OK;
}

int
client_registry_format(const struct client_registry *r, char **out,
    struct cutru_err *e)
{
	char pk[sodium_base64_ENCODED_LEN(ENVELOPE_PK_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t cap = DEVICE_URL_MAX + 512;
	char *s;

	*out = NULL;
	if (!url_ok(r->url) || !sync_is_lower_hex(r->device, ENVELOPE_KEY_ID_HEX) ||
	    !pin_ok(r->tls_pin))
		return cutru_err_set(e, CUTRU_EINVAL, "url",
		    _("The registry address %s cannot be used: it must start "
		    "with https://."), r->url);
	sodium_bin2base64(pk, sizeof pk, r->sign_pk, ENVELOPE_PK_BYTES,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((s = malloc(cap)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	snprintf(s, cap, "%s\nurl %s\ndevice %s\nward %s\nsign_pk %s\n"
	    "tls_pin %s\n", REGISTRY_MAGIC, r->url, r->device, r->ward, pk,
	    r->tls_pin);
	*out = s;
	return CUTRU_OK;
}

int
client_registry_load(const char *storedir, struct client_registry *out,
    struct cutru_err *e)
{
	unsigned char *text = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof *out);
	rc = storedir_read_file(storedir, CLIENT_REGISTRY_FILE,
	    "registry file", REGISTRY_FILE_MAX, STOREDIR_PRIVATE, &text, &len,
	    e);
	if (rc == CUTRU_ENOTFOUND)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "registry",
		    _("This console has no network connection to a registry "
		    "yet: an administrator enrolls it with cutru enroll "
		    "--registry URL --token TOKEN --registry-key FILE (or, "
		    "if it was enrolled by removable media, runs cutru sync "
		    "--unlock --registry URL --registry-cert FILE)."));
	else if (rc == CUTRU_OK)
		rc = client_registry_parse((const char *)text, len, out, e);
	free(text);
	return rc;
}

int
client_registry_save(const char *storedir, const struct client_registry *r,
    struct cutru_err *e)
{
	char *text = NULL;
	int rc;

	if ((rc = client_registry_format(r, &text, e)) != CUTRU_OK)
		return rc;
	rc = storedir_write_atomic(storedir, CLIENT_REGISTRY_FILE, text,
	    strlen(text), 0600, e);
	free(text);
	return rc;
}

/* ---------------------------------------------------------- state file */

enum field_type { F_I64, F_U64, F_UINT, F_INT, F_TEXT };

static const struct state_field {
	const char *name;
	enum field_type type;
	size_t off;
} state_fields[] = {
#define SF(n, t) { #n, t, offsetof(struct client_state, n) }
	SF(last_attempt, F_I64),
	SF(last_contact, F_I64),
	SF(last_success, F_I64),
	SF(next_attempt, F_I64),
	SF(retry_after, F_I64),
	SF(last_outcome, F_INT),
	SF(failures, F_UINT),
	SF(passes, F_U64),
	SF(items_sent, F_U64),
	SF(bytes_sent, F_U64),
	SF(bytes_received, F_U64),
	SF(accepted, F_U64),
	SF(rejected, F_U64),
	SF(held, F_U64),
	SF(feed_pages, F_U64),
	SF(pending, F_U64),
	SF(last_error, F_TEXT),
#undef SF
};
#define NSTATE_FIELDS (sizeof state_fields / sizeof state_fields[0])

void
client_state_init(struct client_state *st)
{
	memset(st, 0, sizeof *st);
}

/* A decimal number of at most 19 digits, no sign, no blanks. */
static int
parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

/* Text of a state value: one line of well-formed UTF-8 without control
 * characters (it is shown on the officer's terminal). */
static int
text_ok(const char *s)
{
	return utf8_check(s, strlen(s), 0, NULL) == UTF8_VALID;
}

int
client_state_parse(const char *text, size_t len, struct client_state *st,
    struct cutru_err *e)
{
	const char *line;
	char buf[CLIENT_ERROR_MAX + 64], *key, *value;
	size_t pos = 0, n = 0, i;
	unsigned lineno = 0;
	uint64_t v;
	int r;

	if (text == NULL || st == NULL)
		return line_error(e, _("sync state"), 1);
	while ((r = next_line(text, len, &pos, &line, &n)) != 0) {
		lineno++;
		if (r < 0)
			return line_error(e, _("sync state"), lineno);
		if (lineno == 1) {
			if (n != strlen(STATE_MAGIC) ||
			    memcmp(line, STATE_MAGIC, n) != 0)
				return line_error(e, _("sync state"), lineno);
			continue;
		}
		if (n == 0)
			continue;
		if (split_kv(line, n, buf, sizeof buf, &key, &value) != 0)
			return line_error(e, _("sync state"), lineno);
		for (i = 0; i < NSTATE_FIELDS; i++)
			if (strcmp(state_fields[i].name, key) == 0)
				break;
		if (i == NSTATE_FIELDS)
			continue;   /* a newer cutru's key */
		if (state_fields[i].type == F_TEXT) {
			if (!text_ok(value) || strlen(value) >= CLIENT_ERROR_MAX)
				return line_error(e, _("sync state"), lineno);
			snprintf((char *)st + state_fields[i].off,
			    CLIENT_ERROR_MAX, "%s", value);
			continue;
		}
		if (parse_u64(value, &v) != 0)
			return line_error(e, _("sync state"), lineno);
		switch (state_fields[i].type) {
		case F_I64:
			if (v > INT64_MAX)
				return line_error(e, _("sync state"), lineno);
			*(int64_t *)(void *)((char *)st + state_fields[i].off) =
			    (int64_t)v;
			break;
		case F_U64:
			*(uint64_t *)(void *)((char *)st +
			    state_fields[i].off) = v;
			break;
		case F_UINT:
			if (v > UINT_MAX)
				return line_error(e, _("sync state"), lineno);
			*(unsigned *)(void *)((char *)st + state_fields[i].off) =
			    (unsigned)v;
			break;
		case F_INT:
			if (v > CLIENT_FAILED)
				return line_error(e, _("sync state"), lineno);
			*(int *)(void *)((char *)st + state_fields[i].off) =
			    (int)v;
			break;
		case F_TEXT:
			break;
		}
	}
	if (lineno == 0)
		return line_error(e, _("sync state"), 1);
	return CUTRU_OK;
}

int
client_state_format(const struct client_state *st, char **out,
    struct cutru_err *e)
{
	size_t cap = 2048 + CLIENT_ERROR_MAX, used, i;
	const char *p;
	char *s;

	*out = NULL;
	if ((s = malloc(cap)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	used = (size_t)snprintf(s, cap, "%s\n", STATE_MAGIC);
	for (i = 0; i < NSTATE_FIELDS; i++) {
		p = (const char *)st + state_fields[i].off;
		switch (state_fields[i].type) {
		case F_I64:
			used += (size_t)snprintf(s + used, cap - used,
			    "%s %" PRId64 "\n", state_fields[i].name,
			    *(const int64_t *)(const void *)p < 0 ? 0 :
			    *(const int64_t *)(const void *)p);
			break;
		case F_U64:
			used += (size_t)snprintf(s + used, cap - used,
			    "%s %" PRIu64 "\n", state_fields[i].name,
			    *(const uint64_t *)(const void *)p);
			break;
		case F_UINT:
			used += (size_t)snprintf(s + used, cap - used, "%s %u\n",
			    state_fields[i].name,
			    *(const unsigned *)(const void *)p);
			break;
		case F_INT:
			used += (size_t)snprintf(s + used, cap - used, "%s %d\n",
			    state_fields[i].name,
			    *(const int *)(const void *)p < 0 ? 0 :
			    *(const int *)(const void *)p);
			break;
		case F_TEXT: {
			/* One line of text: it ends before anything that
			 * text_ok() would refuse (a control character, bytes
			 * that are not UTF-8, a character cut by the size
			 * limit), so the file always parses. */
			char t[CLIENT_ERROR_MAX];
			struct utf8_fault_at at;

			snprintf(t, sizeof t, "%s", p);
			if (utf8_check(t, strlen(t), 0, &at) != UTF8_VALID)
				t[at.offset] = '\0';
			if (t[0] == '\0')
				continue;   /* "KEY " alone would not parse */
			used += (size_t)snprintf(s + used, cap - used,
			    "%s %s\n", state_fields[i].name, t);
			break;
		}
		}
		if (used >= cap) {
			free(s);
			return cutru_err_set(e, CUTRU_EINTERNAL, NULL, "%s",
			    _("The sync state does not fit its file."));
		}
	}
	*out = s;
	return CUTRU_OK;
}

int
client_state_load(const char *storedir, struct client_state *st,
    struct cutru_err *e)
{
	unsigned char *text = NULL;
	size_t len = 0;
	struct cutru_err ignored;
	int rc;

	(void)e;
	client_state_init(st);
	rc = storedir_read_file(storedir, CLIENT_STATE_FILE, "sync state",
	    STATE_FILE_MAX, 0, &text, &len, &ignored);
	if (rc == CUTRU_OK &&
	    client_state_parse((const char *)text, len, st, &ignored) !=
	    CUTRU_OK)
		client_state_init(st);
	if (rc != CUTRU_OK)
		client_state_init(st);
	free(text);
	return CUTRU_OK;
}

int
client_state_save(const char *storedir, const struct client_state *st,
    struct cutru_err *e)
{
	char *text = NULL;
	int rc;

	if ((rc = client_state_format(st, &text, e)) != CUTRU_OK)
		return rc;
	rc = storedir_write_atomic(storedir, CLIENT_STATE_FILE, text,
	    strlen(text), 0600, e);
	free(text);
	return rc;
}

void
client_state_record(struct client_state *st, const struct client_report *r,
    time_t started, time_t now)
{
	st->last_attempt = (int64_t)started;
	st->passes++;
	if (r->http_status != 0)
		st->last_contact = (int64_t)now;
	if (r->outcome == CLIENT_DONE) {
		st->last_success = (int64_t)now;
		st->failures = 0;
	} else if (r->outcome == CLIENT_UNREACHABLE ||
	    r->outcome == CLIENT_PIN_MISMATCH) {
		if (st->failures < UINT_MAX)
			st->failures++;
	} else
		st->failures = 0;
	st->last_outcome = (int)r->outcome;
	st->retry_after = r->retry_after;
	st->items_sent += r->items_sent;
	st->bytes_sent += r->bytes_sent;
	st->bytes_received += r->bytes_received;
	st->accepted += r->accepted;
	st->rejected += r->rejected;
	st->held += r->held;
	st->feed_pages += r->feed_pages;
	st->pending = r->pending;
	if (r->outcome == CLIENT_DONE)
		st->last_error[0] = '\0';
	else
		snprintf(st->last_error, sizeof st->last_error, "%s",
		    r->problem.msg);
}

/* ---------------------------------------------------------------- pins */

/* One DER TLV at der[*off..len): its tag, header size and value length. */
static int
der_tlv(const unsigned char *der, size_t len, size_t off, unsigned char *tag,
    size_t *hdr, size_t *vlen)
{
	size_t h = 2, v, i, nb;

	if (off >= len || len - off < 2)
		return -1;
	*tag = der[off];
	if ((*tag & 0x1f) == 0x1f)
		return -1;    /* multi-byte tags do not occur here */
	v = der[off + 1];
	if (v & 0x80) {
		nb = v & 0x7f;
		if (nb == 0 || nb > 4 || len - off < 2 + nb)
			return -1;
		v = 0;
		for (i = 0; i < nb; i++)
			v = (v << 8) | der[off + 2 + i];
		h += nb;
	}
	if (v > len - off - h)
		return -1;
	*hdr = h;
	*vlen = v;
	return 0;
}

int
client_pin_from_der(const unsigned char *der, size_t len,
    char pin[CLIENT_PIN_SIZE], struct cutru_err *e)
{
	unsigned char tag, digest[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t hdr, vlen, off, end, i;

	pin[0] = '\0';
	if (der == NULL)
		goto bad;
	/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { ... } ... } */
	if (der_tlv(der, len, 0, &tag, &hdr, &vlen) != 0 || tag != 0x30)
		goto bad;
	off = hdr;
	if (der_tlv(der, len, off, &tag, &hdr, &vlen) != 0 || tag != 0x30)
		goto bad;
	end = off + hdr + vlen;
	off += hdr;
	/* [0] version (optional), serialNumber, signature, issuer,
	 * validity, subject, then subjectPublicKeyInfo. */
	if (der_tlv(der, end, off, &tag, &hdr, &vlen) != 0)
		goto bad;
	if (tag == 0xa0)
		off += hdr + vlen;
	for (i = 0; i < 5; i++) {
		if (der_tlv(der, end, off, &tag, &hdr, &vlen) != 0 ||
		    (i == 0 ? tag != 0x02 : tag != 0x30))
			goto bad;
		off += hdr + vlen;
	}
	if (der_tlv(der, end, off, &tag, &hdr, &vlen) != 0 || tag != 0x30)
		goto bad;
	crypto_hash_sha256(digest, der + off, hdr + vlen);
	sodium_bin2base64(b64, sizeof b64, digest, sizeof digest,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(pin, CLIENT_PIN_SIZE, "%s%s", PIN_PREFIX, b64);
	return CUTRU_OK;
bad:
	return cutru_err_set(e, CUTRU_EINVAL, "certificate", "%s",
	    _("The registry's certificate cannot be read (it is not an "
	    "X.509 certificate); ask the registry operator for the "
	    "certificate file in PEM form."));
}

/* The pin of the first certificate in PEM text. */
static int
pin_from_pem(const char *text, size_t len, char pin[CLIENT_PIN_SIZE],
    struct cutru_err *e)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	const char *b = NULL, *z = NULL;
	unsigned char *der = NULL;
	size_t i, derlen = 0;
	int rc;

	for (i = 0; i + sizeof begin - 1 <= len; i++)
		if (memcmp(text + i, begin, sizeof begin - 1) == 0) {
			b = text + i + sizeof begin - 1;
			break;
		}
	if (b != NULL)
		for (i = (size_t)(b - text); i + sizeof end - 1 <= len; i++)
			if (memcmp(text + i, end, sizeof end - 1) == 0) {
				z = text + i;
				break;
			}
	if (b == NULL || z == NULL || (der = malloc((size_t)(z - b))) == NULL)
		return client_pin_from_der(NULL, 0, pin, e);
	if (sodium_base642bin(der, (size_t)(z - b), b, (size_t)(z - b),
	    " \t\r\n", &derlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		rc = client_pin_from_der(NULL, 0, pin, e);
	else
		rc = client_pin_from_der(der, derlen, pin, e);
	free(der);
	return rc;
}

int
client_pin_from_pem_file(const char *path, char pin[CLIENT_PIN_SIZE],
    struct cutru_err *e)
{
	FILE *f;
	char *text;
	size_t len;
	int rc;

	pin[0] = '\0';
	if ((f = fopen(path, "rb")) == NULL)
		return cutru_err_set(e, errno == ENOENT ? CUTRU_ENOTFOUND :
		    CUTRU_EIO, "certificate",
		    _("The certificate file %s cannot be read: %s."), path,
		    strerror(errno));
	if ((text = malloc(65536)) == NULL) {
		fclose(f);
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	}
	len = fread(text, 1, 65536, f);
	fclose(f);
	rc = pin_from_pem(text, len, pin, e);
	free(text);
	return rc;
}

/* ============================================================== network */

int
client_global_init(struct cutru_err *e)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL, "%s",
		    _("The network library could not start."));
	return CUTRU_OK;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct client *c = arg;
	size_t n = size * nmemb, cap;
	unsigned char *p;

	if (n > c->max - c->len) {
		c->too_big = 1;
		return 0;
	}
	if (c->len + n > c->cap) {
		cap = c->cap ? c->cap : 4096;
		while (cap < c->len + n)
			cap *= 2;
		if (cap > c->max)
			cap = c->max;
		if ((p = realloc(c->buf, cap)) == NULL)
			return 0;
		c->buf = p;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
	return n;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct client *c = arg;
	size_t n = size * nmemb, i;
	static const char ra[] = "retry-after:";
	long v = 0;

	if (n > sizeof ra - 1 && strncasecmp(data, ra, sizeof ra - 1) == 0) {
		for (i = sizeof ra - 1; i < n && data[i] == ' '; i++)
			;
		for (; i < n && data[i] >= '0' && data[i] <= '9' &&
		    v < 86400; i++)
			v = v * 10 + (data[i] - '0');
		c->retry_after = v;
	}
	return n;
}

static int
on_xfer(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct client *c = arg;

	(void)dt; (void)dn; (void)ut; (void)un;
	return c->o.stop != NULL && *c->o.stop != 0;
}

/* Options common to every request of a handle: timeouts for 2G, the pin,
 * keep-alive, no signals. */
static void
setup_handle(CURL *h, const struct client_options *o, const char *pin,
    char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o->connect_timeout > 0 ?
	    o->connect_timeout : (long)CLIENT_CONNECT_TIMEOUT_DEFAULT);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit > 0 ?
	    o->low_speed_limit : (long)CLIENT_LOW_SPEED_LIMIT_DEFAULT);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o->low_speed_time > 0 ?
	    o->low_speed_time : (long)CLIENT_LOW_SPEED_TIME_DEFAULT);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_USERAGENT, PACKAGE "/" VERSION);
	/* The pinned key is the authentication (top of file). */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	if (pin != NULL && pin[0] != '\0')
		curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pin);
}

int
client_open(const char *storedir, const struct client_options *o,
    struct client **out, struct cutru_err *e)
{
	struct client *c;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	if (o != NULL)
		c->o = *o;
	snprintf(c->storedir, sizeof c->storedir, "%s", storedir);
	if ((rc = client_registry_load(storedir, &c->reg, e)) != CUTRU_OK)
		goto fail;
	snprintf(c->url, sizeof c->url, "%s", c->o.url != NULL ? c->o.url :
	    c->reg.url);
	if (!url_ok(c->url)) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "url",
		    _("The registry address %s cannot be used: it must start "
		    "with https://."), c->url);
		goto fail;
	}
	/* No trailing slash: paths start with one. */
	while (strlen(c->url) > 8 && c->url[strlen(c->url) - 1] == '/')
		c->url[strlen(c->url) - 1] = '\0';
	c->batch_bytes = c->o.batch_bytes ? c->o.batch_bytes :
	    CLIENT_BATCH_BYTES_DEFAULT;
	if (c->batch_bytes > BATCH_BODY_MAX)
		c->batch_bytes = BATCH_BODY_MAX;
	c->batch_items = c->o.batch_items ? c->o.batch_items :
	    CLIENT_BATCH_ITEMS_DEFAULT;
	if (c->batch_items > BATCH_ITEMS_MAX)
		c->batch_items = BATCH_ITEMS_MAX;
	c->retries = c->o.retries < 0 ? 0 : c->o.retries == 0 ?
	    CLIENT_RETRIES_DEFAULT : c->o.retries;
	if ((c->curl = curl_easy_init()) == NULL ||
	    (c->headers = curl_slist_append(NULL,
	    "Content-Type: application/octet-stream")) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
		goto fail;
	}
	c->headers = curl_slist_append(c->headers, "Expect:");
	setup_handle(c->curl, &c->o, c->reg.tls_pin, c->curl_err);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_xfer);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
	*out = c;
	return CUTRU_OK;
fail:
	client_close(c);
	return rc;
}

void
client_close(struct client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	free(c->buf);
	free(c);
}

const struct client_registry *
client_registry_of(const struct client *c)
{
	return &c->reg;
}

/* What a transport failure means for the pass, with its message. */
static void
transport_failed(struct client *c, CURLcode cc, struct client_report *r)
{
	const char *detail = c->curl_err[0] != '\0' ? c->curl_err :
	    curl_easy_strerror(cc);

	if (cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH) {
		r->outcome = CLIENT_PIN_MISMATCH;
		cutru_err_set(&r->problem, CUTRU_ECRYPTO, "tls_pin",
		    _("The registry at %s presented a TLS key other than the "
		    "one pinned when this console was enrolled, so nothing "
		    "was sent.  If the registry's operator confirms a new "
		    "key, an administrator pins it with cutru sync --unlock "
		    "--registry-cert FILE."), c->url);
		return;
	}
	r->outcome = CLIENT_UNREACHABLE;
	if (cc == CURLE_ABORTED_BY_CALLBACK)
		cutru_err_set(&r->problem, CUTRU_EIO, "registry", "%s",
		    _("The transfer was stopped; what was not answered is "
		    "sent again by the next pass."));
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		cutru_err_set(&r->problem, CUTRU_EIO, "registry",
		    _("The link to the registry at %s stalled (%s); nothing "
		    "is lost, the next pass sends what is still queued."),
		    c->url, detail);
	else
		cutru_err_set(&r->problem, CUTRU_EIO, "registry",
		    _("The registry at %s could not be reached (%s); nothing "
		    "is lost, the next pass sends what is still queued."),
		    c->url, detail);
}

/* The problem of an HTTP answer other than 200. */
static void
http_refused(struct client *c, long status, struct client_report *r)
{
	enum sync_reason why = SYNC_R_UNKNOWN;
	char msg[RECEIPT_MESSAGE_MAX + 1] = "";

	if (c->len > 0 && c->len <= ERROR_BODY_MAX)
		(void)sync_error_parse((const char *)c->buf, c->len, &why, msg,
		    sizeof msg, NULL);
	if (status == 429 || status >= 500 || why == SYNC_R_RATE_LIMITED ||
	    why == SYNC_R_INTERNAL) {
		r->outcome = CLIENT_UNREACHABLE;
		if (status == 429)
			r->retry_after = c->retry_after;
		cutru_err_set(&r->problem, CUTRU_EIO, "registry",
		    _("The registry at %s is busy or failing (HTTP %ld); "
		    "nothing is lost, the next pass sends what is still "
		    "queued."), c->url, status);
		return;
	}
	r->outcome = CLIENT_PENDING;
	cutru_err_set(&r->problem, CUTRU_EINVAL, "registry",
	    _("The registry at %s refused the request (HTTP %ld, %s): %s"),
	    c->url, status, why == SYNC_R_UNKNOWN ? "?" : sync_reason_name(why),
	    sync_reason_describe(why));
}

/* One request on the client's handle.  Returns 0 with *status set when an
 * HTTP answer arrived (its body in c->buf[0..c->len)), -1 with r's outcome
 * and problem set when the transport failed. */
static int
http_do(struct client *c, const char *path, const unsigned char *body,
    size_t len, size_t max, long *status, struct client_report *r)
{
	char url[DEVICE_URL_MAX + 512];
	CURLcode cc;

	c->len = 0;
	c->max = max;
	c->too_big = 0;
	c->retry_after = 0;
	c->curl_err[0] = '\0';
	*status = 0;
	snprintf(url, sizeof url, "%s%s", c->url, path);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	if (body != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
		curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
	} else {
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	}
	cc = curl_easy_perform(c->curl);
	if (cc == CURLE_WRITE_ERROR && c->too_big) {
		r->outcome = CLIENT_PENDING;
		cutru_err_set(&r->problem, CUTRU_ERANGE, "registry",
		    _("The registry at %s answered more than this console "
		    "accepts; nothing was changed."), c->url);
		return -1;
	}
	if (cc != CURLE_OK) {
		transport_failed(c, cc, r);
		return -1;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	r->http_status = *status;
	if (body != NULL)
		r->bytes_sent += len;
	r->bytes_received += c->len;
	return 0;
}

/* ---------------------------------------------------------------- upload */

/* A path or URL into buf, or CUTRU_ERANGE when it does not fit. */
static int path_of(char *buf, size_t len, struct cutru_err *e,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
path_of(char *buf, size_t len, struct cutru_err *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return cutru_err_set(e, CUTRU_ERANGE, "path", "%s",
		    _("A folder name is too long."));
	return CUTRU_OK;
}

/* One file to send: where its receipt is checked against. */
struct item {
	char name[SPOOL_NAME_MAX + 1];
	char device[ENVELOPE_KEY_ID_HEX + 1];
	int64_t seq;
	char hash[2 * HASH_LEN + 1];   /* 16 or 64 digits: a prefix */
	size_t size;
	unsigned char *data;
};

/* Where receipts go: the own inbox, or a stick's receipts/ folder. */
struct sink {
	const char *dir;      /* NULL: inbox_deliver() into c->storedir and
	                       * move outbox/new -> outbox/cur */
	const char *srcdir;   /* where the files are read */
};

/* "SSSSSSSSSS-HHHHHHHHHHHHHHHH.cs" */
static int
parse_outbox_name(const char *name, int64_t *seq, char hash[17])
{
	int64_t v = 0;
	size_t i;

	if (strlen(name) != OUTBOX_NAME_LEN || name[10] != '-' ||
	    strcmp(name + 27, ".cs") != 0)
		return -1;
	for (i = 0; i < 10; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	memcpy(hash, name + 11, 16);
	hash[16] = '\0';
	if (v < 1 || !sync_is_lower_hex(hash, 16))
		return -1;
	*seq = v;
	return 0;
}

/* Does receipt rc (verified) answer item it? */
static int
answers(const struct receipt *rc, const struct item *it)
{
	char hex[2 * HASH_LEN + 1];
	unsigned char item[HASH_LEN];

	if (rc->has_changeset) {
		sodium_bin2hex(hex, sizeof hex, rc->hash, HASH_LEN);
		return strcmp(rc->device, it->device) == 0 &&
		    rc->seq == it->seq &&
		    strncmp(hex, it->hash, strlen(it->hash)) == 0;
	}
	if (rc->has_item) {
		receipt_item_hash(it->data, it->size, item);
		return sodium_memcmp(item, rc->item, HASH_LEN) == 0;
	}
	return 0;
}

static void
report_progress(struct client *c, const struct client_report *r,
    enum client_phase ph, size_t done, uint64_t total_bytes)
{
	struct client_progress p;

	if (c->o.progress == NULL)
		return;
	memset(&p, 0, sizeof p);
	p.phase = ph;
	p.items_done = done;
	p.items_total = r->items_total;
	p.bytes_sent = r->bytes_sent;
	p.bytes_total = total_bytes;
	p.bytes_received = r->bytes_received;
	p.feed_pages = r->feed_pages;
	c->o.progress(&p, c->o.progress_arg);
}

/* Sleep seconds, or less when stopped. */
static void
pause_for(struct client *c, long seconds)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	long i;

	for (i = 0; i < seconds * 10; i++) {
		if (c->o.stop != NULL && *c->o.stop)
			return;
		nanosleep(&ts, NULL);
	}
}

/* Send items[0..n) in batches; deliver receipts to the sink.  *left
 * counts the items without a final receipt afterwards. */
static int
send_items(struct client *c, struct item *items, size_t n,
    const struct sink *sk, struct client_report *r, struct cutru_err *e)
{
	struct batch_item *bi = NULL, *ans = NULL;
	struct receipt rcp;
	size_t *sizes = NULL, pos = 0, k, i, nans = 0, done = 0;
	unsigned char *body = NULL;
	size_t bodylen = 0;
	uint64_t total = 0;
	enum sync_reason why;
	long status;
	int rc = CUTRU_OK, final, retries = 0;

	memset(&rcp, 0, sizeof rcp);
	if (n == 0)
		return CUTRU_OK;
	if ((sizes = calloc(n, sizeof *sizes)) == NULL ||
	    (bi = calloc(n, sizeof *bi)) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
		goto done;
	}
	for (i = 0; i < n; i++) {
		sizes[i] = items[i].size;
		total += items[i].size;
	}
	while (pos < n) {
		if (c->o.stop != NULL && *c->o.stop) {
			transport_failed(c, CURLE_ABORTED_BY_CALLBACK, r);
			break;
		}
		k = client_plan_batch(sizes + pos, n - pos, c->batch_bytes,
		    c->batch_items);
		if (k == 0) {
			/* Cannot travel at all (over the protocol's limit):
			 * leave it, say so, go on with the rest. */
			r->outcome = CLIENT_PENDING;
			cutru_err_set(&r->problem, CUTRU_ERANGE, "outbox",
			    _("The change set file %s is larger than the "
			    "registry accepts; it stays in the outbox."),
			    items[pos].name);
			pos++;
			continue;
		}
		for (i = 0; i < k; i++) {
			bi[i].data = items[pos + i].data;
			bi[i].len = items[pos + i].size;
		}
		free(body);
		body = NULL;
		if ((rc = batch_encode(BATCH_MAGIC_REQUEST, bi, k, &body,
		    &bodylen, e)) != CUTRU_OK)
			goto done;
		if (http_do(c, "/v1/changesets", body, bodylen, ANSWER_MAX,
		    &status, r) != 0) {
			/* A link that dropped one connection often carries
			 * the next: try again a few times within the pass
			 * (the same bytes; the registry is idempotent). */
			if (r->outcome == CLIENT_UNREACHABLE &&
			    retries < c->retries &&
			    !(c->o.stop != NULL && *c->o.stop)) {
				retries++;
				pause_for(c, client_backoff(retries, 1,
				    CLIENT_RETRY_WAIT_MAX,
				    randombytes_uniform(1001) / 1000.0));
				r->outcome = CLIENT_DONE;
				cutru_err_clear(&r->problem);
				continue;
			}
			break;
		}
		retries = 0;
		r->batches++;
		r->items_sent += k;
		if (status != 200) {
			http_refused(c, status, r);
			break;
		}
		free(ans);
		ans = NULL;
		if (batch_decode(BATCH_MAGIC_ANSWER, c->buf, c->len,
		    RECEIPT_MAX, &ans, &nans, &why, NULL) != CUTRU_OK ||
		    nans != k) {
			r->outcome = CLIENT_PENDING;
			cutru_err_set(&r->problem, CUTRU_EINVAL, "registry",
			    _("The registry at %s answered with something "
			    "other than one receipt per change set; nothing "
			    "was changed, the next pass sends them again."),
			    c->url);
			break;
		}
		/* Check every receipt before any is delivered, so a bad
		 * answer changes nothing. */
		for (i = 0; i < k; i++) {
			if (receipt_verify(ans[i].data, ans[i].len,
			    c->reg.sign_pk, &rcp, NULL) != CUTRU_OK ||
			    !answers(&rcp, &items[pos + i])) {
				receipt_free(&rcp);
				r->outcome = CLIENT_PENDING;
				cutru_err_set(&r->problem, CUTRU_ECRYPTO,
				    "registry",
				    _("A receipt from %s is not signed by the "
				    "pinned registry key or does not answer "
				    "the change set sent; nothing was changed."),
				    c->url);
				goto stop;
			}
			receipt_free(&rcp);
		}
		for (i = 0; i < k; i++) {
			struct item *it = &items[pos + i];

			if ((rc = receipt_verify(ans[i].data, ans[i].len,
			    c->reg.sign_pk, &rcp, e)) != CUTRU_OK)
				goto done;
			final = rcp.status != RECEIPT_HELD;
			if (rcp.status == RECEIPT_ACCEPTED)
				r->accepted++;
			else if (rcp.status == RECEIPT_REJECTED)
				r->rejected++;
			else
				r->held++;
			receipt_free(&rcp);
			if (sk->dir == NULL) {
				/* The receipt is durable in inbox/new before
				 * the file leaves outbox/new. */
				if ((rc = inbox_deliver(c->storedir,
				    ans[i].data, ans[i].len, e)) != CUTRU_OK)
					goto done;
				if (final) {
					rc = spool_move(c->storedir,
					    SPOOL_OUTBOX, SPOOL_NEW, SPOOL_CUR,
					    it->name, e);
					/* Another pass moved it already. */
					if (rc == CUTRU_ENOTFOUND)
						rc = CUTRU_OK;
					if (rc != CUTRU_OK)
						goto done;
				}
			} else if ((rc = spool_write_file(sk->dir, it->name,
			    ans[i].data, ans[i].len, e)) != CUTRU_OK)
				goto done;
			if (final)
				done++;
		}
		pos += k;
		report_progress(c, r, CLIENT_PHASE_UPLOAD, done, total);
	}
stop:
	r->pending += n - done;
	if (r->outcome == CLIENT_DONE && done < n)
		r->outcome = CLIENT_PENDING;
	if (r->outcome == CLIENT_PENDING && r->problem.code == CUTRU_OK)
		cutru_err_set(&r->problem, CUTRU_EIO, "outbox",
		    _("%zu change sets are held by the registry until an "
		    "earlier one arrives (by the network or by removable "
		    "media); they are sent again by the next pass."),
		    n - done);
done:
	receipt_free(&rcp);
	free(body);
	free(ans);
	free(bi);
	free(sizes);
	return rc;
}

static void
items_free(struct item *items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++)
		free(items[i].data);
	free(items);
}

/* Take the pass lock (blocking: a second pass waits for the first). */
static int
lock_take(const char *storedir, int *fd, struct cutru_err *e)
{
	char path[STOREDIR_PATH_MAX];

	*fd = -1;
	if (storedir_join(path, sizeof path, storedir, LOCK_FILE, e) !=
	    CUTRU_OK)
		return CUTRU_ERANGE;
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return cutru_err_set(e, CUTRU_EIO, "store",
		    _("The sync lock %s cannot be opened: %s."), path,
		    strerror(errno));
	while (flock(*fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		close(*fd);
		*fd = -1;
		return cutru_err_set(e, CUTRU_EIO, "store",
		    _("The sync lock %s cannot be taken: %s."), path,
		    strerror(errno));
	}
	return CUTRU_OK;
}

static void
lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}

int
client_upload(struct client *c, struct client_report *r,
    struct cutru_err *e)
{
	char dir[STOREDIR_PATH_MAX], **names = NULL;
	struct item *items = NULL;
	struct sink sk = { NULL, NULL };
	size_t n = 0, m = 0, i;
	int rc, lockfd = -1;

	memset(r, 0, sizeof *r);
	r->outcome = CLIENT_DONE;
	if ((rc = lock_take(c->storedir, &lockfd, e)) != CUTRU_OK)
		goto fail;
	if ((rc = path_of(dir, sizeof dir, e, "%s/%s/%s", c->storedir,
	    SPOOL_OUTBOX, SPOOL_NEW)) != CUTRU_OK ||
	    (rc = spool_list_dir(dir, &names, &n, e)) != CUTRU_OK)
		goto fail;
	if (n > 0 && (items = calloc(n, sizeof *items)) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
		goto fail;
	}
	for (i = 0; i < n; i++) {
		struct item *it = &items[m];

		if (parse_outbox_name(names[i], &it->seq, it->hash) != 0)
			continue;   /* not a change set file of ours */
		rc = spool_read_file(dir, names[i], CHANGESET_SEALED_MAX,
		    &it->data, &it->size, e);
		if (rc == CUTRU_ENOTFOUND)
			continue;   /* moved by another pass meanwhile */
		if (rc == CUTRU_ERANGE) {
			r->outcome = CLIENT_PENDING;
			r->problem = *e;
			cutru_err_clear(e);
			continue;
		}
		if (rc != CUTRU_OK)
			goto fail;
		snprintf(it->name, sizeof it->name, "%s", names[i]);
		snprintf(it->device, sizeof it->device, "%s", c->reg.device);
		m++;
	}
	r->items_total = m;
	if ((rc = send_items(c, items, m, &sk, r, e)) != CUTRU_OK)
		goto fail;
	items_free(items, m);
	spool_names_free(names, n);
	lock_release(lockfd);
	return CUTRU_OK;
fail:
	items_free(items, m);
	spool_names_free(names, n);
	lock_release(lockfd);
	r->outcome = CLIENT_FAILED;
	r->problem = *e;
	return rc;
}

/* ------------------------------------------------------------------ feed */

int
client_feed(struct client *c, const struct device *d, const char *after,
    time_t now, struct client_report *r, struct cutru_err *e)
{
	char cur[FEED_CURSOR_MAX + 1], sig[FEED_SIG_HEX + 1];
	char path[FEED_CURSOR_MAX + FEED_SIG_HEX + 128];
	struct feed_page page;
	size_t pages;
	long status;
	int rc;

	memset(&page, 0, sizeof page);
	if (strcmp(d->id, c->reg.device) != 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, "device",
		    _("The registry file names device %s, but this store's "
		    "device is %s; enroll the console again."), c->reg.device,
		    d->id);
	if ((rc = feed_cursor_check(after, e)) != CUTRU_OK)
		return rc;
	snprintf(cur, sizeof cur, "%s", after);
	for (pages = 0; pages < CLIENT_FEED_PAGES_MAX; pages++) {
		if (c->o.stop != NULL && *c->o.stop)
			break;
		if ((rc = device_feed_request(d, cur, (int64_t)now, sig, e)) !=
		    CUTRU_OK)
			return rc;
		snprintf(path, sizeof path,
		    "/v1/feed?device=%s&after=%s&time=%lld&sig=%s", d->id, cur,
		    (long long)now, sig);
		if (http_do(c, path, NULL, 0, FEED_SEALED_MAX, &status, r) != 0)
			return CUTRU_OK;
		if (status != 200) {
			http_refused(c, status, r);
			return CUTRU_OK;
		}
		if (device_feed_open(d, c->buf, c->len, &page, NULL) !=
		    CUTRU_OK || strcmp(page.after, cur) != 0) {
			feed_page_free(&page);
			r->outcome = CLIENT_PENDING;
			cutru_err_set(&r->problem, CUTRU_ECRYPTO, "feed",
			    _("A feed page from %s is not sealed to this "
			    "console and signed by the pinned registry key, "
			    "or answers another request; it was not kept."),
			    c->url);
			return CUTRU_OK;
		}
		if ((rc = inbox_deliver(c->storedir, c->buf, c->len, e)) !=
		    CUTRU_OK) {
			feed_page_free(&page);
			return rc;
		}
		r->feed_pages++;
		report_progress(c, r, CLIENT_PHASE_FEED, 0, 0);
		if (!page.more || strcmp(page.cursor, cur) == 0) {
			feed_page_free(&page);
			break;
		}
		snprintf(cur, sizeof cur, "%s", page.cursor);
		feed_page_free(&page);
	}
	return CUTRU_OK;
}

/* ------------------------------------------------------------------ pass */

int
client_pass(struct client *c, struct session *s, time_t now,
    struct client_report *r, struct cutru_err *e)
{
	struct client_state st;
	struct inbox_report ir;
	struct device *d = NULL;
	struct cutru_err ignored;
	char cursor[FEED_CURSOR_MAX + 1];
	time_t started = now;
	int rc = CUTRU_OK;

	memset(r, 0, sizeof *r);
	if (s != NULL) {
		if ((rc = device_load(session_db(s), &d, e)) != CUTRU_OK)
			goto record;
		if (!d->enrolled || strcmp(d->id, c->reg.device) != 0 ||
		    sodium_memcmp(d->registry.sign_pk, c->reg.sign_pk,
		    ENVELOPE_PK_BYTES) != 0) {
			rc = cutru_err_set(e, CUTRU_ECONFLICT, "registry",
			    _("The registry file of this console does not "
			    "match the registry and device pinned in its "
			    "store; an administrator writes it again with "
			    "cutru sync --unlock --registry-cert FILE."));
			goto record;
		}
	}
	if ((rc = client_upload(c, r, e)) != CUTRU_OK)
		goto record;
	if (s != NULL && r->outcome != CLIENT_UNREACHABLE &&
	    r->outcome != CLIENT_PIN_MISMATCH) {
		if ((rc = outbox_feed_cursor(session_db(s), cursor, e)) !=
		    CUTRU_OK ||
		    (rc = client_feed(c, d, cursor, now, r, e)) != CUTRU_OK)
			goto record;
	}
	if (s != NULL) {
		if (c->o.progress != NULL)
			report_progress(c, r, CLIENT_PHASE_APPLY, r->items_total
			    - r->pending, 0);
		if ((rc = inbox_apply(s, now, &ir, e)) != CUTRU_OK)
			goto record;
	}
record:
	if (rc != CUTRU_OK) {
		r->outcome = CLIENT_FAILED;
		r->problem = *e;
	}
	device_free(d);
	client_state_load(c->storedir, &st, &ignored);
	client_state_record(&st, r, started, time(NULL));
	if (client_state_save(c->storedir, &st, &ignored) != CUTRU_OK &&
	    rc == CUTRU_OK) {
		/* The pass itself went through: the state only informs
		 * --status, so its failure is reported, not fatal. */
		if (r->problem.code == CUTRU_OK)
			r->problem = ignored;
	}
	return rc;
}

/* ----------------------------------------------------------------- carry */

/* Read one manifest's change set lines into items (appended). */
static int
read_manifest(const char *dir, const char *mname, struct item **items,
    size_t *n, size_t *cap, char device[ENVELOPE_KEY_ID_HEX + 1],
    struct cutru_err *e)
{
	unsigned char *text = NULL;
	const char *line;
	char buf[SPOOL_NAME_MAX + 160], name[SPOOL_NAME_MAX + 1];
	char hash[2 * HASH_LEN + 1];
	size_t len = 0, pos = 0, ln = 0;
	long long seq, size;
	unsigned lineno = 0;
	struct item *p;
	int r, rc;

	device[0] = '\0';
	if ((rc = spool_read_file(dir, mname, 1024 * 1024, &text, &len, e)) !=
	    CUTRU_OK)
		return rc;
	while ((r = next_line((const char *)text, len, &pos, &line, &ln)) !=
	    0) {
		lineno++;
		if (r < 0 || ln >= sizeof buf)
			goto bad;
		memcpy(buf, line, ln);
		buf[ln] = '\0';
		if (lineno == 1) {
			if (strcmp(buf, "cutru-export-v1") != 0)
				goto bad;
			continue;
		}
		if (strncmp(buf, "device ", 7) == 0) {
			if (!sync_is_lower_hex(buf + 7, ENVELOPE_KEY_ID_HEX))
				goto bad;
			memcpy(device, buf + 7, ENVELOPE_KEY_ID_HEX);
			device[ENVELOPE_KEY_ID_HEX] = '\0';
			continue;
		}
		if (buf[0] < '0' || buf[0] > '9')
			continue;   /* ward, time, changesets, feed-request */
		if (sscanf(buf, "%lld %64s %lld changesets/%128s", &seq, hash,
		    &size, name) != 4 || seq < 1 ||
		    !sync_is_lower_hex(hash, 2 * HASH_LEN) ||
		    strchr(name, '/') != NULL || name[0] == '.' ||
		    device[0] == '\0')
			goto bad;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 64;

			if ((p = realloc(*items, nc * sizeof *p)) == NULL) {
				free(text);
				return cutru_err_set(e, CUTRU_ENOMEM, NULL,
				    "%s", _("Out of memory."));
			}
			*items = p;
			*cap = nc;
		}
		p = &(*items)[*n];
		memset(p, 0, sizeof *p);
		snprintf(p->name, sizeof p->name, "%s", name);
		snprintf(p->device, sizeof p->device, "%s", device);
		snprintf(p->hash, sizeof p->hash, "%s", hash);
		p->seq = (int64_t)seq;
		(*n)++;
	}
	free(text);
	return CUTRU_OK;
bad:
	free(text);
	return cutru_err_set(e, CUTRU_EINVAL, "manifest",
	    _("The export manifest %s/%s is damaged at line %u; export "
	    "again from the console that wrote it."), dir, mname, lineno);
}

/* Has dir/receipts/NAME a final receipt for it already? */
static int
has_final_receipt(struct client *c, const char *rdir, struct item *it)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct receipt rcp;
	int yes = 0;

	memset(&rcp, 0, sizeof rcp);
	if (spool_read_file(rdir, it->name, RECEIPT_MAX, &buf, &len, NULL) !=
	    CUTRU_OK)
		return 0;
	if (receipt_verify(buf, len, c->reg.sign_pk, &rcp, NULL) == CUTRU_OK &&
	    rcp.status != RECEIPT_HELD && answers(&rcp, it))
		yes = 1;
	receipt_free(&rcp);
	free(buf);
	return yes;
}

static int
make_dir(const char *path, struct cutru_err *e)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return CUTRU_OK;
	return cutru_err_set(e, CUTRU_EIO, "dir",
	    _("The folder %s cannot be made: %s."), path, strerror(errno));
}

/* The feed page for dir/feed-requests/NAME into dir/feed/NAME. */
static int
carry_feed(struct client *c, const char *dir, const char *name,
    struct client_report *r, struct cutru_err *e)
{
	char frdir[STOREDIR_PATH_MAX], fdir[STOREDIR_PATH_MAX];
	char path[FEED_CURSOR_MAX + FEED_SIG_HEX + 160];
	unsigned char *q = NULL;
	size_t len = 0, i;
	long status;
	int rc;

	if ((rc = path_of(frdir, sizeof frdir, e, "%s/feed-requests", dir)) !=
	    CUTRU_OK ||
	    (rc = path_of(fdir, sizeof fdir, e, "%s/feed", dir)) != CUTRU_OK)
		return rc;
	if ((rc = spool_read_file(frdir, name, 512, &q, &len, e)) != CUTRU_OK)
		return rc == CUTRU_ENOTFOUND ? CUTRU_OK : rc;
	while (len > 0 && (q[len - 1] == '\n' || q[len - 1] == '\r'))
		len--;
	for (i = 0; i < len; i++)
		if (!((q[i] >= '0' && q[i] <= '9') ||
		    (q[i] >= 'a' && q[i] <= 'z') ||
		    (q[i] >= 'A' && q[i] <= 'Z') || strchr("&=._~-", q[i]) !=
		    NULL || q[i] == '\0'))
			break;
	if (len == 0 || i < len) {
		free(q);
		return CUTRU_OK;   /* not a request: the registry would refuse */
	}
	snprintf(path, sizeof path, "/v1/feed?%.*s", (int)len, (char *)q);
	free(q);
	if (http_do(c, path, NULL, 0, FEED_SEALED_MAX, &status, r) != 0)
		return CUTRU_OK;
	if (status != 200) {
		http_refused(c, status, r);
		return CUTRU_OK;
	}
	if (c->len < ENVELOPE_MAGIC_LEN ||
	    memcmp(c->buf, ENVELOPE_MAGIC_FEED, ENVELOPE_MAGIC_LEN) != 0)
		return CUTRU_OK;
	if ((rc = make_dir(fdir, e)) != CUTRU_OK ||
	    (rc = spool_write_file(fdir, name, c->buf, c->len, e)) != CUTRU_OK)
		return rc;
	r->feed_pages++;
	return CUTRU_OK;
}

int
client_carry(struct client *c, const char *dir, struct client_report *r,
    struct cutru_err *e)
{
	char **names = NULL, rdir[STOREDIR_PATH_MAX], csdir[STOREDIR_PATH_MAX];
	char device[ENVELOPE_KEY_ID_HEX + 1], fname[SPOOL_NAME_MAX + 1];
	struct item *items = NULL;
	struct sink sk;
	size_t n = 0, i, j, m = 0, cap = 0, first, manifests = 0;
	int rc = CUTRU_OK;

	memset(r, 0, sizeof *r);
	r->outcome = CLIENT_DONE;
	if ((rc = spool_list_dir(dir, &names, &n, e)) != CUTRU_OK)
		goto fail;
	if ((rc = path_of(rdir, sizeof rdir, e, "%s/receipts", dir)) !=
	    CUTRU_OK ||
	    (rc = path_of(csdir, sizeof csdir, e, "%s/changesets", dir)) !=
	    CUTRU_OK)
		goto fail;
	sk.dir = rdir;
	sk.srcdir = csdir;
	for (i = 0; i < n; i++) {
		size_t nl = strlen(names[i]);

		if (strncmp(names[i], "manifest-", 9) != 0 || nl < 13 ||
		    strcmp(names[i] + nl - 4, ".txt") != 0)
			continue;
		manifests++;
		first = m;
		if ((rc = read_manifest(dir, names[i], &items, &m, &cap,
		    device, e)) != CUTRU_OK)
			goto fail;
		/* Only what has no final receipt on the stick travels. */
		for (j = first; j < m; ) {
			if (has_final_receipt(c, rdir, &items[j])) {
				memmove(&items[j], &items[j + 1],
				    (m - j - 1) * sizeof *items);
				m--;
				continue;
			}
			if ((rc = spool_read_file(csdir, items[j].name,
			    CHANGESET_SEALED_MAX, &items[j].data,
			    &items[j].size, e)) != CUTRU_OK)
				goto fail;
			j++;
		}
		snprintf(fname, sizeof fname, "%s", device);
		if (m > first && (rc = make_dir(rdir, e)) != CUTRU_OK)
			goto fail;
		r->items_total += m - first;
		if ((rc = send_items(c, items + first, m - first, &sk, r, e)) !=
		    CUTRU_OK)
			goto fail;
		if (r->outcome == CLIENT_UNREACHABLE ||
		    r->outcome == CLIENT_PIN_MISMATCH)
			break;
		if ((rc = carry_feed(c, dir, fname, r, e)) != CUTRU_OK)
			goto fail;
	}
	if (manifests == 0) {
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "dir",
		    _("%s holds no export of a console (no manifest-*.txt); "
		    "give the folder that cutru outbox export wrote to."), dir);
		goto fail;
	}
	items_free(items, m);
	spool_names_free(names, n);
	return CUTRU_OK;
fail:
	items_free(items, m);
	spool_names_free(names, n);
	r->outcome = CLIENT_FAILED;
	r->problem = *e;
	return rc;
}

/* ---------------------------------------------------------------- enroll */

int
client_enroll(const char *url, const char *cert_file,
    const struct client_options *o, const unsigned char *request,
    size_t request_len, unsigned char **answer, size_t *answer_len,
    char pin[CLIENT_PIN_SIZE], struct cutru_err *e)
{
	struct client_options none;
	struct client c;
	struct client_report r;
	struct curl_certinfo *ci = NULL;
	struct curl_slist *sl;
	char full[DEVICE_URL_MAX + 16];
	CURLcode cc;
	long status = 0;
	int rc;

	*answer = NULL;
	*answer_len = 0;
	pin[0] = '\0';
	memset(&none, 0, sizeof none);
	memset(&c, 0, sizeof c);
	memset(&r, 0, sizeof r);
	c.o = o != NULL ? *o : none;
	if (url == NULL || !url_ok(url))
		return cutru_err_set(e, CUTRU_EINVAL, "url",
		    _("The registry address %s cannot be used: it must start "
		    "with https://."), url != NULL ? url : "");
	snprintf(c.url, sizeof c.url, "%s", url);
	while (strlen(c.url) > 8 && c.url[strlen(c.url) - 1] == '/')
		c.url[strlen(c.url) - 1] = '\0';
	if (cert_file != NULL &&
	    (rc = client_pin_from_pem_file(cert_file, pin, e)) != CUTRU_OK)
		return rc;
	if ((c.curl = curl_easy_init()) == NULL ||
	    (c.headers = curl_slist_append(NULL,
	    "Content-Type: application/octet-stream")) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
		goto done;
	}
	c.headers = curl_slist_append(c.headers, "Expect:");
	setup_handle(c.curl, &c.o, cert_file != NULL ? pin : NULL,
	    c.curl_err);
	curl_easy_setopt(c.curl, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(c.curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c.curl, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(c.curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c.curl, CURLOPT_HEADERDATA, &c);
	snprintf(full, sizeof full, "%s/v1/enroll", c.url);
	curl_easy_setopt(c.curl, CURLOPT_URL, full);
	curl_easy_setopt(c.curl, CURLOPT_HTTPHEADER, c.headers);
	curl_easy_setopt(c.curl, CURLOPT_POSTFIELDS, request);
	curl_easy_setopt(c.curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)request_len);
	c.max = ENROLL_ANSWER_MAX;
	cc = curl_easy_perform(c.curl);
	if (cc != CURLE_OK) {
		transport_failed(&c, cc, &r);
		rc = cutru_err_set(e, r.problem.code, r.problem.field, "%s",
		    r.problem.msg);
		goto done;
	}
	curl_easy_getinfo(c.curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		enum sync_reason why = SYNC_R_UNKNOWN;
		char msg[RECEIPT_MESSAGE_MAX + 1] = "";

		if (c.len > 0 && c.len <= ERROR_BODY_MAX)
			(void)sync_error_parse((const char *)c.buf, c.len,
			    &why, msg, sizeof msg, NULL);
		rc = cutru_err_set(e, why == SYNC_R_BAD_TOKEN ||
		    why == SYNC_R_ALREADY_ENROLLED ? CUTRU_EPERM : CUTRU_EIO,
		    "token", _("The registry at %s refused the enrollment "
		    "(HTTP %ld, %s): %s"), c.url, status,
		    why == SYNC_R_UNKNOWN ? "?" : sync_reason_name(why),
		    sync_reason_describe(why));
		goto done;
	}
	if (cert_file == NULL) {
		/* First use: the key the server showed, read from the
		 * certificate it presented (the first of the chain). */
		if (curl_easy_getinfo(c.curl, CURLINFO_CERTINFO, &ci) !=
		    CURLE_OK || ci == NULL || ci->num_of_certs < 1) {
			rc = cutru_err_set(e, CUTRU_EINTERNAL, "certificate",
			    "%s", _("The registry's TLS certificate could "
			    "not be read from the connection; enroll with "
			    "--registry-cert FILE."));
			goto done;
		}
		rc = CUTRU_EINVAL;
		for (sl = ci->certinfo[0]; sl != NULL; sl = sl->next)
			if (strncmp(sl->data, "Cert:", 5) == 0) {
				rc = pin_from_pem(sl->data + 5,
				    strlen(sl->data + 5), pin, e);
				break;
			}
		if (rc != CUTRU_OK) {
			if (sl == NULL)
				cutru_err_set(e, CUTRU_EINTERNAL, "certificate",
				    "%s", _("The registry's TLS certificate "
				    "could not be read from the connection; "
				    "enroll with --registry-cert FILE."));
			goto done;
		}
	}
	*answer = c.buf;
	*answer_len = c.len;
	c.buf = NULL;
	rc = CUTRU_OK;
done:
	if (c.curl != NULL)
		curl_easy_cleanup(c.curl);
	curl_slist_free_all(c.headers);
	free(c.buf);
	if (rc != CUTRU_OK)
		pin[0] = '\0';
	return rc;
}
