/* regclient: a console as the registry's tests need one, built from the
 * same library the console uses (localdb/session.h, dossier.h, and sync/'s
 * build, seal, open and verify functions), and a small HTTPS client
 * (libcurl) that talks cutru-protocol(7) to cutru-registryd.
 *
 * It keeps a console in a directory DIR:
 *   DIR/store/      a real encrypted store (cheapest Argon2id) for the ward,
 *                   with officer "lan" and supervisors "minh" and "hung"
 *   DIR/device      the device's keys: Ed25519 secret key (64 bytes) then
 *                   X25519 secret key (32) - test keys, not protected
 *   DIR/chain       "SEQ HEX": the seq and previous hash the next change
 *                   set takes
 *
 * Commands (exit 0 on success; 2 on a refusal the caller may expect, with
 * the reason on stdout; 1 on any other failure):
 *   init DIR WARD                  make the console
 *   key DIR LOGIN                  print the officer's public key, base64
 *   id DIR                         print the device id
 *   enroll DIR URL CACERT REGKEY TOKEN
 *                                  POST /v1/enroll; prints the device id,
 *                                  or "refused CODE HTTP"
 *   approve DIR REQUEST SUPERVISOR receive the request (as lan) and approve
 *                                  it (as SUPERVISOR); prints the number
 *   seal DIR DOSSIER OUT REGKEY [--seq N] [--forge-device]
 *        [--forge-supervisor]      build, sign and seal the change set of
 *                                  an approved dossier into OUT; without
 *                                  --seq (and without --forge-device) it
 *                                  takes the next place of the chain
 *   push URL CACERT REGKEY FILE... POST /v1/changesets with these sealed
 *                                  change sets; prints per item
 *                                  "STATUS REASON SEQ RECEIPT FIELD"
 *                                  (reason and field "-" when none,
 *                                  RECEIPT 16 hex digits of the hash of
 *                                  the receipt's bytes) after
 *                                  verifying each receipt, or "refused CODE
 *                                  HTTP" for a refused batch
 *   batch OUT FILE...              the request body push would send
 *   receipt FILE REGKEY            verify a receipt file; print as push
 *   feedreq DIR AFTER              a signed feed request (the query string)
 *   feedopen DIR FILE REGKEY       open a feed page file; print as feed
 *   race URL CACERT REGKEY FILE    the same change set from two threads at
 *                                  once; prints both answers' first lines
 *   feed DIR URL CACERT REGKEY AFTER
 *                                  GET /v1/feed; prints the page's cursor,
 *                                  then one line per item "CAUSE TYPE..."
 *   current DIR RECEIPTFILE REGKEY print the current state in a receipt
 *   raw URL CACERT METHOD PATH CTYPE FILE
 *                                  any request; prints "HTTP CODE"
 *   sql DB QUERY                   run QUERY on a plain SQLite database (the
 *                                  registry's); prints the rows, columns
 *                                  joined by '|' 
 *
 * Approvals are made at a fixed time (2026-11-30 09:00 in Vietnam), so the
 * tests' requests can say "received": "2026-11-27" whatever the clock
 * says; feed requests are signed with the real clock (the registry checks
 * it). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <sqlite3.h>
#include <sodium.h>

#include "core/canon.h"
#include "core/date.h"
#include "core/hash.h"
#include "localdb/dossier.h"
#include "localdb/keyring.h"
#include "localdb/officer.h"
#include "localdb/session.h"
#include "localdb/storedir.h"
#include "sync/batch.h"
#include "sync/changeset.h"
#include "sync/enroll.h"
#include "sync/envelope.h"
#include "sync/feed.h"
#include "sync/reason.h"
#include "sync/receipt.h"

static const char pass_admin[] = "admin of the test ward";
static const char pass_lan[] = "lan receives dossiers";
static const char pass_minh[] = "minh approves with care";
static const char pass_hung[] = "hung the other supervisor";

static void die(const char *what, const struct cutru_err *e)
    __attribute__((noreturn));

static void
die(const char *what, const struct cutru_err *e)
{
	if (e != NULL)
		fprintf(stderr, "regclient: %s: %s%s%s\n", what, e->msg,
		    e->field[0] != '\0' ? " @ " : "", e->field);
	else
		fprintf(stderr, "regclient: %s\n", what);
	exit(1);
}

static time_t
fixed_now(void)
{
	struct cutru_date d = { 2026, 11, 30, CUTRU_DATE_DAY };
	long days;

	date_to_days(&d, &days);
	return (time_t)((long long)days * 86400 + 9 * 3600 - DATE_VN_UTC_OFFSET);
}

static char *
path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p == NULL)
		die("out of memory", NULL);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static unsigned char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	if (f == NULL) {
		fprintf(stderr, "regclient: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if (n < 0 || (b = malloc((size_t)n + 1)) == NULL)
		die("cannot read a file", NULL);
	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		die("short read", NULL);
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

static void
write_all(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "regclient: cannot write %s\n", path);
		exit(1);
	}
}

static void
load_regkey(const char *path, struct registry_keys *k)
{
	struct cutru_err e;
	size_t len;
	unsigned char *t = read_all(path, &len);

	if (registry_keys_parse((const char *)t, len, k, &e) != CUTRU_OK)
		die("registry key file", &e);
	free(t);
}

/* The device's keys. */
struct dev {
	unsigned char sign_sk[64], sign_pk[32], box_sk[32], box_pk[32];
	char id[ENVELOPE_KEY_ID_HEX + 1];
};

static void
load_dev(const char *dir, struct dev *d)
{
	char *p = path_in(dir, "device");
	size_t len;
	unsigned char *b = read_all(p, &len);

	if (len != 96)
		die("DIR/device is damaged", NULL);
	memcpy(d->sign_sk, b, 64);
	memcpy(d->box_sk, b + 64, 32);
	crypto_sign_ed25519_sk_to_pk(d->sign_pk, d->sign_sk);
	crypto_scalarmult_base(d->box_pk, d->box_sk);
	envelope_key_id(d->sign_pk, d->id, NULL);
	free(b);
	free(p);
}

static void
load_chain(const char *dir, long long *seq, unsigned char prev[HASH_LEN])
{
	char *p = path_in(dir, "chain"), hex[HASH_HEX_LEN + 1];
	struct cutru_err e;
	FILE *f = fopen(p, "r");

	if (f == NULL || fscanf(f, "%lld %64s", seq, hex) != 2)
		die("DIR/chain is damaged", NULL);
	fclose(f);
	if (hash_from_hex(hex, strlen(hex), prev, &e) != CUTRU_OK)
		die("DIR/chain", &e);
	free(p);
}

static void
save_chain(const char *dir, long long seq, const unsigned char prev[HASH_LEN])
{
	char *p = path_in(dir, "chain"), hex[HASH_HEX_LEN + 1], line[96];

	hash_to_hex(prev, hex);
	snprintf(line, sizeof line, "%lld %s\n", seq, hex);
	write_all(p, line, strlen(line));
	free(p);
}

static struct session *
login(const char *dir, const char *who, const char *pass)
{
	char *store = path_in(dir, "store");
	struct session *s = NULL;
	struct cutru_err e;

	if (session_open(store, who, pass, fixed_now(), &s, &e) != CUTRU_OK)
		die("login", &e);
	free(store);
	return s;
}

static const char *
pass_of(const char *who)
{
	if (strcmp(who, "minh") == 0)
		return pass_minh;
	if (strcmp(who, "hung") == 0)
		return pass_hung;
	if (strcmp(who, "lan") == 0)
		return pass_lan;
	return pass_admin;
}

/* ------------------------------------------------------------------ */

static int
cmd_init(const char *dir, const char *ward)
{
	char *store = path_in(dir, "store"), *devp = path_in(dir, "device");
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct keyring_kdf kmin;
	struct session *s = NULL;
	struct cutru_err e;
	unsigned char keys[96], pk[32];
	time_t t = fixed_now() - 86400 * 30;

	keyring_kdf_min(&kmin);
	if (session_init_store(store, ward, "Phường thử nghiệm", "admin",
	    "Trần Văn Quản", pass_admin, &kmin, t, code, &s, &e) != CUTRU_OK)
		die("init", &e);
	if (officer_add(s, "lan", "Nguyễn Thị Lan", SESSION_ROLE_OFFICER,
	    pass_lan, t, &e) != CUTRU_OK ||
	    officer_add(s, "minh", "Lê Văn Minh", SESSION_ROLE_SUPERVISOR,
	    pass_minh, t, &e) != CUTRU_OK ||
	    officer_add(s, "hung", "Phạm Quốc Hùng", SESSION_ROLE_SUPERVISOR,
	    pass_hung, t, &e) != CUTRU_OK)
		die("officer add", &e);
	session_close(s);
	crypto_sign_keypair(pk, keys);
	crypto_box_keypair(pk, keys + 64);
	write_all(devp, keys, sizeof keys);
	save_chain(dir, 1, hash_genesis);
	free(store);
	free(devp);
	return 0;
}

static int
cmd_key(const char *dir, const char *who)
{
	struct session *s = login(dir, who, pass_of(who));
	unsigned char pk[KEYRING_SIGN_PK_BYTES];
	struct cutru_err e;
	char *b64;

	if (keyring_sign_public(store_keyring(session_store(s)), who, pk, &e) !=
	    CUTRU_OK)
		die("key", &e);
	b64 = envelope_b64_encode(pk, sizeof pk);
	printf("%s\n", b64);
	free(b64);
	session_close(s);
	return 0;
}

static int
cmd_id(const char *dir)
{
	struct dev d;

	load_dev(dir, &d);
	printf("%s\n", d.id);
	return 0;
}

static int
cmd_approve(const char *dir, const char *request, const char *sup)
{
	struct session *s;
	struct cutru_err e;
	char number[DOSSIER_NUMBER_MAX];
	unsigned char *json;
	size_t len;

	json = read_all(request, &len);
	s = login(dir, "lan", pass_lan);
	if (dossier_receive(s, (const char *)json, len, fixed_now(), number,
	    &e) != CUTRU_OK)
		die("receive", &e);
	session_close(s);
	s = login(dir, sup, pass_of(sup));
	if (dossier_approve(s, number, pass_of(sup), fixed_now(), &e) !=
	    CUTRU_OK)
		die("approve", &e);
	session_close(s);
	free(json);
	printf("%s\n", number);
	return 0;
}

static int
cmd_seal(const char *dir, const char *dossier, const char *out,
    const char *regkey, long long seq_opt, int forge_device,
    int forge_supervisor)
{
	struct changeset_input in;
	struct registry_keys rk;
	struct session *s;
	struct cutru_err e;
	struct dev d;
	struct dossier info;
	unsigned char sig[DOSSIER_SIGNATURE_BYTES], pk[32], prev[HASH_LEN],
	    hash[HASH_LEN], *sealed = NULL, fake_sk[64], fake_pk[32];
	char *approval = NULL, *canon = NULL, *canon2 = NULL, *b64;
	size_t alen, clen, slen, clen2;
	long long seq;
	cJSON *tree = NULL;
	char ward[6];

	load_dev(dir, &d);
	load_regkey(regkey, &rk);
	load_chain(dir, &seq, prev);
	s = login(dir, "admin", pass_admin);
	snprintf(ward, sizeof ward, "%s", session_ward_code(s));
	if (dossier_approval(s, dossier, &approval, &alen, sig, &e) != CUTRU_OK)
		die("approval", &e);
	if (dossier_show(s, dossier, fixed_now(), &info, &e) != CUTRU_OK)
		die("dossier", &e);
	if (keyring_sign_public(store_keyring(session_store(s)),
	    info.supervisor, pk, &e) != CUTRU_OK)
		die("supervisor key", &e);
	session_close(s);
	memset(&in, 0, sizeof in);
	in.ward = ward;
	in.device = d.id;
	in.seq = seq_opt > 0 ? seq_opt : seq;
	in.prev = prev;
	in.created = (int64_t)fixed_now();
	in.author = info.officer;
	in.approval = approval;
	in.approval_len = alen;
	in.approval_sig = sig;
	in.supervisor_pk = pk;
	if (changeset_build(&in, &canon, &clen, hash, &e) != CUTRU_OK)
		die("build", &e);
	if (forge_supervisor) {
		/* Another signature over the same approval: flip a bit. */
		sig[10] ^= 0x01;
		if (canon_parse(canon, clen, NULL, 0, &tree, &e) != CUTRU_OK)
			die("parse", &e);
		b64 = envelope_b64_encode(sig, sizeof sig);
		cJSON_ReplaceItemInObjectCaseSensitive(tree, "approval_sig",
		    cJSON_CreateString(b64));
		free(b64);
		if (canon_encode(tree, &canon2, &clen2, &e) != CUTRU_OK)
			die("encode", &e);
		cJSON_Delete(tree);
		free(canon);
		canon = canon2;
		clen = clen2;
		if (hash_chain_bytes(HASH_TAG_CHANGESET, prev, canon, clen,
		    hash, &e) != CUTRU_OK)
			die("hash", &e);
	}
	if (forge_device) {
		crypto_sign_keypair(fake_pk, fake_sk);
		if (changeset_seal(canon, clen, fake_sk, rk.box_pk, &sealed,
		    &slen, &e) != CUTRU_OK)
			die("seal", &e);
	} else if (changeset_seal(canon, clen, d.sign_sk, rk.box_pk, &sealed,
	    &slen, &e) != CUTRU_OK)
		die("seal", &e);
	write_all(out, sealed, slen);
	if (seq_opt <= 0 && !forge_device)
		save_chain(dir, seq + 1, hash);
	printf("%lld\n", (long long)in.seq);
	free(sealed);
	free(canon);
	free(approval);
	dossier_free(&info);
	return 0;
}

/* ------------------------------------------------------------------ */
/* HTTP */

struct buf {
	unsigned char *p;
	size_t n;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	unsigned char *q = realloc(b->p, b->n + n + 1);

	if (q == NULL)
		return 0;
	b->p = q;
	memcpy(b->p + b->n, ptr, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

/* One request; *status the HTTP status (0: no answer). */
static void
http(const char *url, const char *cacert, const char *method,
    const char *ctype, const void *body, size_t len, struct buf *out,
    long *status)
{
	struct curl_slist *h = NULL;
	char ct[128];
	CURL *c = curl_easy_init();

	memset(out, 0, sizeof *out);
	*status = 0;
	if (c == NULL)
		die("curl", NULL);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (strcmp(method, "POST") == 0) {
		snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
		h = curl_slist_append(h, ct);
		h = curl_slist_append(h, "Expect:");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	} else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

/* Print the reason of a JSON error body. */
static void
print_refusal(const struct buf *b, long status)
{
	enum sync_reason r = SYNC_R_UNKNOWN;
	char msg[256];
	struct cutru_err e;

	if (b->p != NULL)
		sync_error_parse((const char *)b->p, b->n, &r, msg, sizeof msg,
		    &e);
	printf("refused %s %ld\n", sync_reason_name(r), status);
}

static int
cmd_enroll(const char *dir, const char *base, const char *cacert,
    const char *regkey, const char *token)
{
	struct enroll_request r;
	struct enroll_answer a;
	struct registry_keys rk;
	struct cutru_err e;
	struct dev d;
	struct session *s;
	unsigned char *req = NULL;
	size_t rlen;
	struct buf out;
	long status;
	char url[512];

	load_dev(dir, &d);
	load_regkey(regkey, &rk);
	s = login(dir, "admin", pass_admin);
	memset(&r, 0, sizeof r);
	snprintf(r.ward, sizeof r.ward, "%s", session_ward_code(s));
	session_close(s);
	memcpy(r.sign_pk, d.sign_pk, 32);
	memcpy(r.box_pk, d.box_pk, 32);
	snprintf(r.token, sizeof r.token, "%s", token);
	snprintf(r.label, sizeof r.label, "test console");
	r.time = (int64_t)time(NULL);
	if (enroll_request_seal(&r, d.sign_sk, rk.box_pk, &req, &rlen, &e) !=
	    CUTRU_OK)
		die("enroll request", &e);
	snprintf(url, sizeof url, "%s/v1/enroll", base);
	http(url, cacert, "POST", "application/octet-stream", req, rlen, &out,
	    &status);
	free(req);
	if (status != 200) {
		print_refusal(&out, status);
		free(out.p);
		return 2;
	}
	if (enroll_answer_verify(out.p, out.n, rk.sign_pk, &a, &e) != CUTRU_OK)
		die("enroll answer", &e);
	if (strcmp(a.device, d.id) != 0)
		die("the answer is for another device", NULL);
	printf("%s\n", a.device);
	free(out.p);
	return 0;
}

/* POST a batch of files; print the receipts. */
static int
push(const char *base, const char *cacert, const char *regkey, char **files,
    int n, FILE *to)
{
	struct batch_item items[BATCH_ITEMS_MAX], *ans = NULL;
	unsigned char *bufs[BATCH_ITEMS_MAX], *body = NULL;
	struct registry_keys rk;
	struct receipt r;
	struct cutru_err e;
	enum sync_reason why;
	size_t blen, na = 0, i;
	struct buf out;
	long status;
	char url[512], rhex[HASH_HEX_LEN + 1];
	unsigned char rh[HASH_LEN];
	int rc = 0;

	load_regkey(regkey, &rk);
	if (n < 1 || n > BATCH_ITEMS_MAX)
		die("1 to 256 files", NULL);
	for (i = 0; i < (size_t)n; i++) {
		bufs[i] = read_all(files[i], &items[i].len);
		items[i].data = bufs[i];
	}
	if (batch_encode(BATCH_MAGIC_REQUEST, items, (size_t)n, &body, &blen,
	    &e) != CUTRU_OK)
		die("batch", &e);
	snprintf(url, sizeof url, "%s/v1/changesets", base);
	http(url, cacert, "POST", "application/octet-stream", body, blen, &out,
	    &status);
	if (status != 200) {
		print_refusal(&out, status);
		rc = 2;
		goto done;
	}
	if (batch_decode(BATCH_MAGIC_ANSWER, out.p, out.n, RECEIPT_MAX, &ans,
	    &na, &why, &e) != CUTRU_OK || na != (size_t)n)
		die("the answer is not a batch of receipts", &e);
	for (i = 0; i < na; i++) {
		if (receipt_verify(ans[i].data, ans[i].len, rk.sign_pk, &r, &e) !=
		    CUTRU_OK)
			die("receipt", &e);
		hash_bytes(ans[i].data, ans[i].len, rh);
		hash_to_hex(rh, rhex);
		rhex[16] = '\0';
		fprintf(to, "%s %s %lld %s %s\n", receipt_status_name(r.status),
		    r.nreasons > 0 ? r.reasons[0].name : "-",
		    r.has_changeset ? (long long)r.seq : 0LL, rhex,
		    r.nreasons > 0 && r.reasons[0].field[0] != '\0' ?
		    r.reasons[0].field : "-");
		if (r.current != NULL) {
			char p[64];

			snprintf(p, sizeof p, "receipt-%zu.current", i);
			write_all(p, ans[i].data, ans[i].len);
		}
		receipt_free(&r);
	}
done:
	for (i = 0; i < (size_t)n; i++)
		free(bufs[i]);
	free(ans);
	free(body);
	free(out.p);
	return rc;
}

struct race_arg {
	const char *base, *cacert, *regkey;
	char *file;
	char line[256];
	int rc;
	pthread_barrier_t *bar;
};

static void *
race_thread(void *p)
{
	struct race_arg *a = p;
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);

	pthread_barrier_wait(a->bar);
	a->rc = push(a->base, a->cacert, a->regkey, &a->file, 1, f);
	fclose(f);
	snprintf(a->line, sizeof a->line, "%s", mem != NULL ? mem : "");
	free(mem);
	return NULL;
}

static int
cmd_race(const char *base, const char *cacert, const char *regkey,
    char *file)
{
	pthread_barrier_t bar;
	struct race_arg a[2];
	pthread_t t[2];
	int i;

	pthread_barrier_init(&bar, NULL, 2);
	for (i = 0; i < 2; i++) {
		memset(&a[i], 0, sizeof a[i]);
		a[i].base = base;
		a[i].cacert = cacert;
		a[i].regkey = regkey;
		a[i].file = file;
		a[i].bar = &bar;
		pthread_create(&t[i], NULL, race_thread, &a[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&bar);
	printf("%s%s", a[0].line, a[1].line);
	return a[0].rc || a[1].rc;
}

static void
print_items(const cJSON *items)
{
	const cJSON *it, *ev;

	cJSON_ArrayForEach(it, items) {
		printf("%s",
		    cJSON_GetObjectItemCaseSensitive(it, "cause")->valuestring);
		cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(it,
		    "events"))
			printf(" %s", cJSON_GetObjectItemCaseSensitive(ev,
			    "type")->valuestring);
		printf("\n");
	}
}

static int
cmd_feed(const char *dir, const char *base, const char *cacert,
    const char *regkey, const char *after)
{
	struct registry_keys rk;
	struct feed_page page;
	struct cutru_err e;
	struct dev d;
	struct buf out;
	long status;
	int64_t now = (int64_t)time(NULL);
	char sig[FEED_SIG_HEX + 1], url[1024];

	load_dev(dir, &d);
	load_regkey(regkey, &rk);
	if (feed_request_sign(d.sign_sk, d.id, after, now, sig, &e) !=
	    CUTRU_OK)
		die("feed request", &e);
	snprintf(url, sizeof url, "%s/v1/feed?device=%s&after=%s&time=%lld&sig=%s",
	    base, d.id, after, (long long)now, sig);
	http(url, cacert, "GET", NULL, NULL, 0, &out, &status);
	if (status != 200) {
		print_refusal(&out, status);
		free(out.p);
		return 2;
	}
	if (feed_open(out.p, out.n, d.box_pk, d.box_sk, rk.sign_pk, d.id,
	    &page, &e) != CUTRU_OK)
		die("feed page", &e);
	printf("cursor %s more %d\n", page.cursor[0] != '\0' ? page.cursor :
	    "-", page.more);
	print_items(page.items);
	feed_page_free(&page);
	free(out.p);
	return 0;
}

static int
cmd_current(const char *dir, const char *file, const char *regkey)
{
	struct registry_keys rk;
	struct feed_page page;
	struct receipt r;
	struct cutru_err e;
	struct dev d;
	unsigned char *b;
	size_t len;
	char *json;

	load_dev(dir, &d);
	load_regkey(regkey, &rk);
	b = read_all(file, &len);
	if (receipt_verify(b, len, rk.sign_pk, &r, &e) != CUTRU_OK)
		die("receipt", &e);
	if (r.current == NULL)
		die("no current state", NULL);
	if (feed_open(r.current, r.current_len, d.box_pk, d.box_sk, rk.sign_pk,
	    d.id, &page, &e) != CUTRU_OK)
		die("current state", &e);
	print_items(page.items);
	json = cJSON_PrintUnformatted(page.items);
	printf("%s\n", json);
	free(json);
	feed_page_free(&page);
	receipt_free(&r);
	free(b);
	return 0;
}

static int
cmd_raw(const char *url, const char *cacert, const char *method,
    const char *ctype, const char *file)
{
	struct buf out;
	long status;
	unsigned char *body = NULL;
	size_t len = 0;
	enum sync_reason r = SYNC_R_UNKNOWN;
	char msg[256];
	struct cutru_err e;

	if (strcmp(file, "-") != 0)
		body = read_all(file, &len);
	http(url, cacert, method, ctype, body != NULL ? body : (void *)"", len,
	    &out, &status);
	if (out.p != NULL && status != 200)
		sync_error_parse((const char *)out.p, out.n, &r, msg,
		    sizeof msg, &e);
	printf("%ld %s\n", status, status == 200 ? "-" : sync_reason_name(r));
	free(out.p);
	free(body);
	return 0;
}

static int
cmd_batch(const char *out, char **files, int n)
{
	struct batch_item items[BATCH_ITEMS_MAX];
	unsigned char *bufs[BATCH_ITEMS_MAX], *body = NULL;
	struct cutru_err e;
	size_t blen;
	int i;

	if (n < 1 || n > BATCH_ITEMS_MAX)
		die("1 to 256 files", NULL);
	for (i = 0; i < n; i++) {
		bufs[i] = read_all(files[i], &items[i].len);
		items[i].data = bufs[i];
	}
	if (batch_encode(BATCH_MAGIC_REQUEST, items, (size_t)n, &body, &blen,
	    &e) != CUTRU_OK)
		die("batch", &e);
	write_all(out, body, blen);
	for (i = 0; i < n; i++)
		free(bufs[i]);
	free(body);
	return 0;
}

static int
cmd_receipt(const char *file, const char *regkey)
{
	struct registry_keys rk;
	struct receipt r;
	struct cutru_err e;
	unsigned char *b, rh[HASH_LEN];
	char rhex[HASH_HEX_LEN + 1];
	size_t len;

	load_regkey(regkey, &rk);
	b = read_all(file, &len);
	if (receipt_verify(b, len, rk.sign_pk, &r, &e) != CUTRU_OK)
		die("receipt", &e);
	hash_bytes(b, len, rh);
	hash_to_hex(rh, rhex);
	rhex[16] = '\0';
	printf("%s %s %lld %s\n", receipt_status_name(r.status),
	    r.nreasons > 0 ? r.reasons[0].name : "-",
	    r.has_changeset ? (long long)r.seq : 0LL, rhex);
	receipt_free(&r);
	free(b);
	return 0;
}

static int
cmd_feedreq(const char *dir, const char *after)
{
	struct cutru_err e;
	struct dev d;
	int64_t now = (int64_t)time(NULL);
	char sig[FEED_SIG_HEX + 1];

	load_dev(dir, &d);
	if (feed_request_sign(d.sign_sk, d.id, after, now, sig, &e) !=
	    CUTRU_OK)
		die("feed request", &e);
	printf("device=%s&after=%s&time=%lld&sig=%s\n", d.id, after,
	    (long long)now, sig);
	return 0;
}

static int
cmd_feedopen(const char *dir, const char *file, const char *regkey)
{
	struct registry_keys rk;
	struct feed_page page;
	struct cutru_err e;
	struct dev d;
	unsigned char *b;
	size_t len;

	load_dev(dir, &d);
	load_regkey(regkey, &rk);
	b = read_all(file, &len);
	if (feed_open(b, len, d.box_pk, d.box_sk, rk.sign_pk, d.id, &page,
	    &e) != CUTRU_OK)
		die("feed page", &e);
	printf("cursor %s more %d\n", page.cursor[0] != '\0' ? page.cursor :
	    "-", page.more);
	print_items(page.items);
	feed_page_free(&page);
	free(b);
	return 0;
}

static int
cmd_sql(const char *path, const char *q)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int i, n;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "regclient: %s\n", sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	sqlite3_busy_timeout(db, 10000);
	n = sqlite3_column_count(st);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			printf("%s%s", i > 0 ? "|" : "",
			    t != NULL ? (const char *)t : "");
		}
		printf("\n");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
}

int
main(int argc, char **argv)
{
	long long seq = 0;
	int i, fd = 0, fs = 0;

	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		die("init", NULL);
	if (argc < 2)
		die("usage: see tests/tools/regclient.c", NULL);
	if (strcmp(argv[1], "init") == 0 && argc == 4)
		return cmd_init(argv[2], argv[3]);
	if (strcmp(argv[1], "key") == 0 && argc == 4)
		return cmd_key(argv[2], argv[3]);
	if (strcmp(argv[1], "id") == 0 && argc == 3)
		return cmd_id(argv[2]);
	if (strcmp(argv[1], "enroll") == 0 && argc == 7)
		return cmd_enroll(argv[2], argv[3], argv[4], argv[5], argv[6]);
	if (strcmp(argv[1], "approve") == 0 && argc == 5)
		return cmd_approve(argv[2], argv[3], argv[4]);
	if (strcmp(argv[1], "seal") == 0 && argc >= 6) {
		for (i = 6; i < argc; i++) {
			if (strcmp(argv[i], "--seq") == 0 && i + 1 < argc)
				seq = atoll(argv[++i]);
			else if (strcmp(argv[i], "--forge-device") == 0)
				fd = 1;
			else if (strcmp(argv[i], "--forge-supervisor") == 0)
				fs = 1;
			else
				die("seal: unknown option", NULL);
		}
		return cmd_seal(argv[2], argv[3], argv[4], argv[5], seq, fd, fs);
	}
	if (strcmp(argv[1], "push") == 0 && argc >= 6)
		return push(argv[2], argv[3], argv[4], argv + 5, argc - 5,
		    stdout);
	if (strcmp(argv[1], "race") == 0 && argc == 6)
		return cmd_race(argv[2], argv[3], argv[4], argv[5]);
	if (strcmp(argv[1], "feed") == 0 && argc == 7)
		return cmd_feed(argv[2], argv[3], argv[4], argv[5], argv[6]);
	if (strcmp(argv[1], "current") == 0 && argc == 5)
		return cmd_current(argv[2], argv[3], argv[4]);
	if (strcmp(argv[1], "raw") == 0 && argc == 8) {
		char url[1024];

		snprintf(url, sizeof url, "%s%s", argv[2], argv[5]);
		return cmd_raw(url, argv[3], argv[4], argv[6], argv[7]);
	}
	if (strcmp(argv[1], "batch") == 0 && argc >= 4)
		return cmd_batch(argv[2], argv + 3, argc - 3);
	if (strcmp(argv[1], "receipt") == 0 && argc == 4)
		return cmd_receipt(argv[2], argv[3]);
	if (strcmp(argv[1], "feedreq") == 0 && argc == 4)
		return cmd_feedreq(argv[2], argv[3]);
	if (strcmp(argv[1], "feedopen") == 0 && argc == 5)
		return cmd_feedopen(argv[2], argv[3], argv[4]);
	if (strcmp(argv[1], "sql") == 0 && argc == 4)
		return cmd_sql(argv[2], argv[3]);
	die("unknown command or wrong number of operands", NULL);
	return 1;
}
