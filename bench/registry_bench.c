#include "config.h"

/* registry_bench: how many change sets per second the registry ingests,
 * and beside it, in the same run, the bare cryptographic ceiling.
 *
 * Setup (not timed): a registry in a fresh directory (its keys, its SQLite
 * database with the register's schema), D enrolled devices of one ward, a
 * supervisor registered for the ward, and N change sets made with the
 * protocol's own code: each registers one new person (who is in the
 * population records) with a new household and a permanent residence -
 * the three events of a typical permanent registration - approved by the
 * supervisor (the canonical approval object of localdb/dossier.h, signed
 * with the supervisor's Ed25519 key), built, signed by its device and
 * sealed to the registry (sync/changeset.h).  The change sets of a device
 * follow its chain.
 *
 * Ingest (timed): registry/ingest.h's two phases on the storage
 * interface, as POST /v1/changesets runs them: open the seal, verify the
 * device's and the supervisor's signatures, validate the events (phase 1,
 * each thread on its own connection, no lock); then check the chain, the
 * officers and the population records, apply the events through
 * localdb/apply.h, sign and log the receipt (phase 2, on the one
 * connection that decides, taken in turn), one transaction (one commit)
 * per batch of B.  With T threads, each has its own devices; the
 * cryptography of one thread overlaps the other's transaction.  Reported
 * as change sets per second.
 *
 * Ceiling (timed, same run, same sealed change sets and keys): per change
 * set crypto_box_seal_open() of the sealed bytes, two Ed25519 verifies
 * with the real keys (device over the canonical change set, supervisor
 * over the approval) and one Ed25519 sign (a receipt-sized message), on 1
 * and on T threads: what the machine could do if ingest were nothing but
 * its cryptography.
 *
 * With -H the ingest goes over HTTPS instead: the registry's server
 * (registry/server.h: thread pool of T, TLS with a certificate made by
 * openssl(1)) on a loopback port, and T client threads posting batches of
 * B (POST /v1/changesets, libcurl, one kept-alive connection each) - the
 * whole path a console's upload takes, clients and server sharing the
 * same cores.
 *
 * Usage: registry_bench [-n N] [-b B] [-t T] [-d D] [-s full|normal] [-H]
 *                       [-k]
 *   defaults: -n 5000 -b 64 -t 2 -d 8 -s full (the registry's default
 *   durability); -k keeps the directory (printed). */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <curl/curl.h>
#include <sodium.h>
#include <cjson/cJSON.h>

#include "core/canon.h"
#include "core/hash.h"
#include "registry/ingest.h"
#include "registry/population.h"
#include "registry/regconf.h"
#include "registry/regkeys.h"
#include "registry/regstore.h"
#include "registry/server.h"
#include "sync/batch.h"
#include "sync/changeset.h"
#include "sync/envelope.h"

#define WARD "00070"

struct cs {
	unsigned char *sealed;
	size_t len;
	int device;
	/* for the ceiling: the verifiable parts */
	char *canon;
	size_t canon_len;
	unsigned char dsig[64];
	char *approval;
	size_t approval_len;
	unsigned char asig[64];
};

struct dev {
	unsigned char sk[64], pk[32];
	char id[ENVELOPE_KEY_ID_HEX + 1];
	int64_t seq;
	unsigned char prev[HASH_LEN];
};

static const char *dir_path;
static unsigned char sup_pk_g[32];
static unsigned char (*dev_pk_g)[32];
static char dbpath[512];
static struct regkeys *keys;
static struct cs *sets;
static size_t nsets;
static int nthreads = 2, batch = 64, sync_full = 1;
/* The connection that decides, taken in turn (as the server does). */
static struct regstore *writer;
static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;

/* CPU seconds of the whole process so far (all threads). */
static double
cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
fail(const char *what, const struct cutru_err *e)
{
	fprintf(stderr, "registry_bench: %s: %s\n", what,
	    e != NULL ? e->msg : "");
	exit(1);
}

/* A valid personal ID number for person i: Hà Nội (001), a man born in
 * 1990 (century digit 0), and i in the last six digits. */
static void
id_of(size_t i, char id[13])
{
	snprintf(id, 13, "001090%06u", (unsigned)(i % 1000000u));
}

/* The canonical approval of registering person i, signed by sup_sk. */
static void
approval_of(size_t i, const unsigned char *sup_sk, char **canon,
    size_t *len, unsigned char sig[64])
{
	char id[13], json[2048], hh[40];
	struct cutru_err e;
	cJSON *o;

	id_of(i, id);
	snprintf(hh, sizeof hh, WARD "-2026-%zu", i + 1);
	snprintf(json, sizeof json,
	    "{\"kind\":\"cutru-approval-v1\",\"ward\":\"" WARD "\","
	    "\"dossier\":\"%zu/2026/PTN\",\"procedure\":\"permanent.register\","
	    "\"supervisor\":\"minh\",\"decided\":\"2026-11-30\",\"events\":["
	    "{\"type\":\"person.upserted\",\"data\":{\"id_number\":\"%s\","
	    "\"name\":\"Nguyễn Văn An\",\"dob\":\"1990-05-01\",\"sex\":\"male\"}},"
	    "{\"type\":\"household.created\",\"data\":{\"household\":\"%s\","
	    "\"head\":\"%s\",\"address\":{\"commune\":\"" WARD "\","
	    "\"detail\":\"Số %zu ngõ 34 phố Hàng Bạc\"}}},"
	    "{\"type\":\"residence.opened\",\"data\":{\"person\":\"%s\","
	    "\"kind\":\"permanent\",\"address\":{\"commune\":\"" WARD "\","
	    "\"detail\":\"Số %zu ngõ 34 phố Hàng Bạc\"},"
	    "\"from\":\"2026-11-30\"}}]}",
	    i + 1, id, hh, id, i + 1, id, i + 1);
	if (canon_parse(json, strlen(json), NULL, 0, &o, &e) != CUTRU_OK ||
	    canon_encode(o, canon, len, &e) != CUTRU_OK)
		fail("approval", &e);
	cJSON_Delete(o);
	crypto_sign_detached(sig, NULL, (const unsigned char *)*canon, *len,
	    sup_sk);
}

static void
setup(size_t n, int ndev)
{
	struct regstore *st = NULL;
	struct reg_officer o;
	struct reg_device d;
	struct reg_person p;
	struct changeset_input in;
	struct cutru_err e;
	struct dev *devs;
	unsigned char sup_sk[64], sup_pk[32], h[HASH_LEN];
	char id[13];
	size_t i;
	int k;

	snprintf(dbpath, sizeof dbpath, "%s/registry.db", dir_path);
	if (regkeys_create(dir_path, "bench", &keys, &e) != CUTRU_OK ||
	    regstore_sqlite_open(dbpath, REGSTORE_CREATE, &st, &e) != CUTRU_OK)
		fail("registry", &e);
	crypto_sign_keypair(sup_pk, sup_sk);
	memset(&o, 0, sizeof o);
	snprintf(o.ward, sizeof o.ward, WARD);
	snprintf(o.login, sizeof o.login, "minh");
	snprintf(o.name, sizeof o.name, "Lê Văn Minh");
	snprintf(o.role, sizeof o.role, "supervisor");
	memcpy(o.sign_pk, sup_pk, 32);
	envelope_key_id(sup_pk, o.key_id, NULL);
	o.active = 1;
	if (st->ops->officer_add(st, &o, &e) != CUTRU_OK)
		fail("officer", &e);
	memcpy(sup_pk_g, sup_pk, 32);
	if ((devs = calloc((size_t)ndev, sizeof *devs)) == NULL ||
	    (dev_pk_g = calloc((size_t)ndev, 32)) == NULL)
		fail("memory", NULL);
	for (k = 0; k < ndev; k++) {
		crypto_sign_keypair(devs[k].pk, devs[k].sk);
		envelope_key_id(devs[k].pk, devs[k].id, NULL);
		memcpy(dev_pk_g[k], devs[k].pk, 32);
		devs[k].seq = 1;
		memset(&d, 0, sizeof d);
		snprintf(d.id, sizeof d.id, "%s", devs[k].id);
		snprintf(d.ward, sizeof d.ward, WARD);
		memcpy(d.sign_pk, devs[k].pk, 32);
		randombytes_buf(d.box_pk, 32);
		if (st->ops->device_add(st, &d, &e) != CUTRU_OK)
			fail("device", &e);
	}
	if ((sets = calloc(n, sizeof *sets)) == NULL)
		fail("memory", NULL);
	if (st->ops->begin(st, &e) != CUTRU_OK)
		fail("begin", &e);
	for (i = 0; i < n; i++) {
		struct cs *c = &sets[i];
		struct dev *dv;

		id_of(i, id);
		if (population_record(id, "Nguyễn Văn An", "1990-05-01", "male",
		    &p, &e) != CUTRU_OK ||
		    st->ops->population_put(st, &p, &e) != CUTRU_OK)
			fail("population", &e);
		c->device = (int)(i % (size_t)ndev);
		dv = &devs[c->device];
		approval_of(i, sup_sk, &c->approval, &c->approval_len, c->asig);
		memset(&in, 0, sizeof in);
		in.ward = WARD;
		in.device = dv->id;
		in.seq = dv->seq;
		in.prev = dv->prev;
		in.created = 1795000000;
		in.author = "lan";
		in.approval = c->approval;
		in.approval_len = c->approval_len;
		in.approval_sig = c->asig;
		in.supervisor_pk = sup_pk;
		if (changeset_build(&in, &c->canon, &c->canon_len, h, &e) !=
		    CUTRU_OK ||
		    changeset_seal(c->canon, c->canon_len, dv->sk,
		    keys->pub.box_pk, &c->sealed, &c->len, &e) != CUTRU_OK)
			fail("change set", &e);
		crypto_sign_detached(c->dsig, NULL,
		    (const unsigned char *)c->canon, c->canon_len, dv->sk);
		dv->seq++;
		memcpy(dv->prev, h, HASH_LEN);
	}
	if (st->ops->commit(st, &e) != CUTRU_OK)
		fail("commit", &e);
	regstore_close(st);
	free(devs);
}

/* ------------------------------------------------------------------ */
/* Ingest */

struct worker {
	int index;
	size_t accepted, other;
	int failed;
};

static void *
ingest_worker(void *arg)
{
	struct worker *w = arg;
	struct regstore *st = NULL;
	struct ingest_item *items;
	struct cutru_err e;
	size_t i, n, k, *mine, nmine = 0;

	if (regstore_sqlite_open(dbpath, sync_full ? 0 : REGSTORE_SYNC_NORMAL,
	    &st, &e) != CUTRU_OK) {
		w->failed = 1;
		return NULL;
	}
	items = calloc((size_t)batch, sizeof *items);
	mine = calloc(nsets, sizeof *mine);
	if (items == NULL || mine == NULL) {
		w->failed = 1;
		goto done;
	}
	/* This thread's devices, in chain order. */
	for (i = 0; i < nsets; i++)
		if (sets[i].device % nthreads == w->index)
			mine[nmine++] = i;
	for (i = 0; i < nmine; i += n) {
		n = nmine - i < (size_t)batch ? nmine - i : (size_t)batch;
		for (k = 0; k < n; k++)
			ingest_item_init(&items[k], sets[mine[i + k]].sealed,
			    sets[mine[i + k]].len);
		for (k = 0; k < n; k++)
			if (ingest_open(st, keys, &items[k], &e) != CUTRU_OK)
				break;
		pthread_mutex_lock(&writer_lock);
		if (k < n || writer->ops->begin(writer, &e) != CUTRU_OK) {
			pthread_mutex_unlock(&writer_lock);
			fprintf(stderr, "registry_bench: %s\n", e.msg);
			w->failed = 1;
			goto done;
		}
		for (k = 0; k < n; k++)
			if (ingest_decide(writer, keys, &items[k], 1795000100,
			    &e) != CUTRU_OK)
				break;
		if (k < n || writer->ops->commit(writer, &e) != CUTRU_OK) {
			writer->ops->rollback(writer);
			pthread_mutex_unlock(&writer_lock);
			fprintf(stderr, "registry_bench: %s\n", e.msg);
			w->failed = 1;
			goto done;
		}
		pthread_mutex_unlock(&writer_lock);
		for (k = 0; k < n; k++) {
			if (items[k].status == RECEIPT_ACCEPTED)
				w->accepted++;
			else
				w->other++;
			ingest_item_free(&items[k]);
		}
	}
done:
	free(items);
	free(mine);
	regstore_close(st);
	return NULL;
}

static double
run_ingest(size_t *accepted, double *cpus)
{
	pthread_t t[64];
	struct worker w[64];
	struct cutru_err e;
	double t0, c0;
	int i;

	if (regstore_sqlite_open(dbpath, sync_full ? 0 : REGSTORE_SYNC_NORMAL,
	    &writer, &e) != CUTRU_OK)
		fail("writer", &e);
	t0 = now();
	c0 = cpu();
	for (i = 0; i < nthreads; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].index = i;
		pthread_create(&t[i], NULL, ingest_worker, &w[i]);
	}
	*accepted = 0;
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		if (w[i].failed || w[i].other != 0) {
			fprintf(stderr, "registry_bench: %zu change sets were "
			    "not accepted\n", w[i].other);
			exit(1);
		}
		*accepted += w[i].accepted;
	}
	*cpus = cpu() - c0;
	t0 = now() - t0;
	regstore_close(writer);
	return t0;
}

/* ------------------------------------------------------------------ */
/* Ingest over HTTPS */

static char base_url[64], cert_path[600];

struct answer {
	unsigned char *p;
	size_t n;
};

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct answer *a = arg;
	size_t n = size * nmemb;
	unsigned char *q = realloc(a->p, a->n + n);

	if (q == NULL)
		return 0;
	memcpy(q + a->n, ptr, n);
	a->p = q;
	a->n += n;
	return n;
}

static void *
http_worker(void *arg)
{
	struct worker *w = arg;
	struct batch_item *items, *ans = NULL;
	struct curl_slist *h = NULL;
	struct answer a;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char *body = NULL;
	size_t i, n, k, *mine, nmine = 0, blen, na;
	char url[128];
	long status = 0;
	CURL *c = curl_easy_init();

	items = calloc((size_t)batch, sizeof *items);
	mine = calloc(nsets, sizeof *mine);
	if (c == NULL || items == NULL || mine == NULL) {
		w->failed = 1;
		goto done;
	}
	for (i = 0; i < nsets; i++)
		if (sets[i].device % nthreads == w->index)
			mine[nmine++] = i;
	snprintf(url, sizeof url, "%s/v1/changesets", base_url);
	h = curl_slist_append(h, "Content-Type: application/octet-stream");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, cert_path);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	for (i = 0; i < nmine; i += n) {
		n = nmine - i < (size_t)batch ? nmine - i : (size_t)batch;
		for (k = 0; k < n; k++) {
			items[k].data = sets[mine[i + k]].sealed;
			items[k].len = sets[mine[i + k]].len;
		}
		free(body);
		body = NULL;
		if (batch_encode(BATCH_MAGIC_REQUEST, items, n, &body, &blen,
		    &e) != CUTRU_OK) {
			w->failed = 1;
			goto done;
		}
		memset(&a, 0, sizeof a);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)blen);
		if (curl_easy_perform(c) != CURLE_OK ||
		    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) !=
		    CURLE_OK || status != 200 ||
		    batch_decode(BATCH_MAGIC_ANSWER, a.p, a.n, RECEIPT_MAX,
		    &ans, &na, &why, &e) != CUTRU_OK || na != n) {
			fprintf(stderr, "registry_bench: HTTP %ld\n", status);
			free(a.p);
			w->failed = 1;
			goto done;
		}
		w->accepted += na;
		free(ans);
		ans = NULL;
		free(a.p);
	}
done:
	free(body);
	free(items);
	free(mine);
	curl_slist_free_all(h);
	if (c != NULL)
		curl_easy_cleanup(c);
	return NULL;
}

/* The server, then the clients.  The receipts are counted, not read: the
 * in-process run checks what they say. */
static double
run_http(size_t *accepted, double *cpus)
{
	struct regconf conf;
	struct server *srv = NULL;
	struct cutru_err e;
	pthread_t t[64];
	struct worker w[64];
	char cmd[1400];
	double t0, c0;
	int i;

	snprintf(cert_path, sizeof cert_path, "%s/cert.pem", dir_path);
	snprintf(cmd, sizeof cmd, "openssl req -x509 -newkey ed25519 -keyout "
	    "'%s/key.pem' -out '%s' -days 2 -nodes -subj /CN=localhost "
	    "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1", dir_path,
	    cert_path);
	if (system(cmd) != 0)
		fail("openssl could not make a certificate", NULL);
	regconf_default(&conf);
	snprintf(conf.data_dir, sizeof conf.data_dir, "%s", dir_path);
	snprintf(conf.tls_cert, sizeof conf.tls_cert, "%s", cert_path);
	snprintf(conf.tls_key, sizeof conf.tls_key, "%s/key.pem", dir_path);
	conf.port = 0;
	conf.threads = nthreads;
	conf.rate = 0;
	conf.sync_full = sync_full;
	if (server_start(&conf, keys, NULL, &srv, &e) != CUTRU_OK)
		fail("server", &e);
	snprintf(base_url, sizeof base_url, "https://127.0.0.1:%d",
	    server_port(srv));
	t0 = now();
	c0 = cpu();
	for (i = 0; i < nthreads; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].index = i;
		pthread_create(&t[i], NULL, http_worker, &w[i]);
	}
	*accepted = 0;
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		if (w[i].failed)
			fail("an upload failed", NULL);
		*accepted += w[i].accepted;
	}
	*cpus = cpu() - c0;
	t0 = now() - t0;
	server_stop(srv);
	return t0;
}

/* ------------------------------------------------------------------ */
/* The ceiling */

struct ceil_arg {
	int index, stride;
};

static void *
ceiling_worker(void *arg)
{
	struct ceil_arg *a = arg;
	unsigned char *plain, sig[64], receipt[270];
	size_t i;

	plain = malloc(CHANGESET_SEALED_MAX);
	if (plain == NULL)
		fail("memory", NULL);
	memset(receipt, 'r', sizeof receipt);
	for (i = (size_t)a->index; i < nsets; i += (size_t)a->stride) {
		const struct cs *c = &sets[i];

		if (crypto_box_seal_open(plain,
		    c->sealed + ENVELOPE_SEAL_HEADER,
		    c->len - ENVELOPE_SEAL_HEADER, keys->pub.box_pk,
		    keys->box_sk) != 0 ||
		    crypto_sign_verify_detached(c->dsig,
		    (const unsigned char *)c->canon, c->canon_len,
		    dev_pk_g[c->device]) != 0 ||
		    crypto_sign_verify_detached(c->asig,
		    (const unsigned char *)c->approval, c->approval_len,
		    sup_pk_g) != 0) {
			fprintf(stderr, "registry_bench: the ceiling's "
			    "cryptography failed\n");
			exit(1);
		}
		crypto_sign_detached(sig, NULL, receipt, sizeof receipt,
		    keys->sign_sk);
	}
	free(plain);
	return NULL;
}

static double
run_ceiling(int threads, double *cpus)
{
	pthread_t t[64];
	struct ceil_arg a[64];
	double t0, c0;
	int i;

	for (i = 0; i < threads; i++) {
		a[i].index = i;
		a[i].stride = threads;
	}
	t0 = now();
	c0 = cpu();
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, ceiling_worker, &a[i]);
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	*cpus = cpu() - c0;
	return now() - t0;
}

int
main(int argc, char **argv)
{
	char tmpl[] = "/tmp/cutru-registry-bench-XXXXXX", cmd[600];
	size_t n = 5000, accepted, i, bytes = 0;
	int opt, ndev = 8, keep = 0, over_http = 0;
	double ti, tc1, tcn, t0, ci, cc1, ccn;

	while ((opt = getopt(argc, argv, "n:b:t:d:s:Hkh")) != -1) {
		switch (opt) {
		case 'n': n = (size_t)strtoull(optarg, NULL, 10); break;
		case 'b': batch = atoi(optarg); break;
		case 't': nthreads = atoi(optarg); break;
		case 'd': ndev = atoi(optarg); break;
		case 's': sync_full = strcmp(optarg, "normal") != 0; break;
		case 'H': over_http = 1; break;
		case 'k': keep = 1; break;
		default:
			fprintf(stderr, "usage: registry_bench [-n N] [-b B] "
			    "[-t T] [-d D] [-s full|normal] [-H] [-k]\n");
			return opt == 'h' ? 0 : 1;
		}
	}
	if (n < 1 || n > 1000000 || batch < 1 || batch > 256 ||
	    nthreads < 1 || nthreads > 64 || ndev < nthreads) {
		fprintf(stderr, "registry_bench: 1 <= n <= 1000000, 1 <= b <= "
		    "256, 1 <= t <= 64, d >= t\n");
		return 1;
	}
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (dir_path = mkdtemp(tmpl)) == NULL)
		fail("setup", NULL);
	nsets = n;
	t0 = now();
	setup(n, ndev);
	for (i = 0; i < n; i++)
		bytes += sets[i].len;
	printf("registry_bench: %zu change sets (%.0f bytes sealed on "
	    "average), %d devices, batches of %d, %d threads, synchronous "
	    "%s%s; setup %.1f s\n", n, (double)bytes / (double)n, ndev, batch,
	    nthreads, sync_full ? "full" : "normal", over_http ?
	    ", over HTTPS" : "", now() - t0);
	ti = over_http ? run_http(&accepted, &ci) : run_ingest(&accepted, &ci);
	tc1 = run_ceiling(1, &cc1);
	tcn = run_ceiling(nthreads, &ccn);
	printf("%-46s %9s %11s %9s %13s\n", "", "seconds", "per second",
	    "CPU s", "per CPU second");
	printf("%-46s %9.3f %11.0f %9.3f %13.0f\n", over_http ?
	    "ingest over HTTPS (clients in the same run)" :
	    "ingest (open, verify x2, check, apply, sign)", ti,
	    (double)accepted / ti, ci, (double)accepted / ci);
	printf("%-46s %9.3f %11.0f %9.3f %13.0f\n",
	    "ceiling, 1 thread (seal-open, verify x2, sign)", tc1,
	    (double)n / tc1, cc1, (double)n / cc1);
	if (nthreads > 1)
		printf("%-46s %9.3f %11.0f %9.3f %13.0f\n",
		    "ceiling, all threads", tcn, (double)n / tcn, ccn,
		    (double)n / ccn);
	printf("ingest / ceiling, same threads: %.2f (per CPU second: %.2f)\n",
	    ((double)accepted / ti) / ((double)n / (nthreads > 1 ? tcn : tc1)),
	    ((double)accepted / ci) / ((double)n / cc1));
	for (i = 0; i < n; i++) {
		free(sets[i].sealed);
		free(sets[i].canon);
		free(sets[i].approval);
	}
	free(sets);
	free(dev_pk_g);
	regkeys_free(keys);
	curl_global_cleanup();
	if (keep)
		printf("kept %s\n", dir_path);
	else {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir_path);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
