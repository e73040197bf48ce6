#include "config.h"

/* The sync client's pure parts (sync/client.h): batch planning under the
 * byte and item caps, the daemon's backoff, the state and registry files
 * (hostile input included), the TLS pin of a certificate, and a pass
 * against a registry that is not there (nothing lost, nothing moved). */

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "sync/batch.h"
#include "sync/client.h"
#include "tests/unit/tap_main.h"

/* A self-signed Ed25519 certificate made with openssl req -x509, and the
 * pin `openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl
 * dgst -sha256 -binary | base64` gives for it. */
static const char cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBMjCB5aADAgECAhQ8+BeJvNw944tdmqIUxS3vMfN38DAFBgMrZXAwDzENMAsG\n"
    "A1UEAwwEdGVzdDAeFw0yNjExMjgwMDE0MjNaFw0zNjExMjUwMDE0MjNaMA8xDTAL\n"
    "BgNVBAMMBHRlc3QwKjAFBgMrZXADIQDIrIraJA36nZth8BWQBqBbKR62RdauyqTF\n"
    "018xA22QYqNTMFEwHQYDVR0OBBYEFMRuYj4xYltpoE6X6GNGJM+X2ZzPMB8GA1Ud\n"
    "IwQYMBaAFMRuYj4xYltpoE6X6GNGJM+X2ZzPMA8GA1UdEwEB/wQFMAMBAf8wBQYD\n"
    "K2VwA0EA5Jp0ye/x9Dg5vc0/2ISVoIYL0ZYBgFzZyIpMjAj9Y9sDv7s3UPVod5HO\n"
    "y6CV9CfHSKzD/TFnTK5kwf2ZYE1uCg==\n"
    "-----END CERTIFICATE-----\n";
static const char cert_pin[] =
    "sha256//OfmxPyfLVFBD36VEEBwvmRD8DF0HdoHA8Fnet0foapQ=";

static char tmpdir[64];

static void
make_tmp(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_client.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	chmod(tmpdir, 0700);
}

static void
rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
	chmod(path, 0600);
}

/* ---------------------------------------------------------- planning */

START_TEST(plan_empty_and_null)
{
	size_t one = 100;

	ck_assert_uint_eq(client_plan_batch(NULL, 0, 65536, 256), 0);
	ck_assert_uint_eq(client_plan_batch(&one, 0, 65536, 256), 0);
	ck_assert_uint_eq(client_plan_batch(NULL, 5, 65536, 256), 0);
}
END_TEST

START_TEST(plan_fills_the_byte_cap_exactly)
{
	/* 6 + 3 * (4 + 100) = 318 */
	size_t sizes[] = { 100, 100, 100, 100 };

	ck_assert_uint_eq(client_plan_batch(sizes, 4, 318, 256), 3);
	ck_assert_uint_eq(client_plan_batch(sizes, 4, 317, 256), 2);
	ck_assert_uint_eq(client_plan_batch(sizes, 4, 422, 256), 4);
	ck_assert_uint_eq(client_plan_batch(sizes, 4, 1 << 20, 256), 4);
}
END_TEST

START_TEST(plan_caps_items)
{
	static size_t sizes[1000];
	size_t i;

	for (i = 0; i < 1000; i++)
		sizes[i] = 440;
	ck_assert_uint_eq(client_plan_batch(sizes, 1000, 1 << 20, 256), 256);
	ck_assert_uint_eq(client_plan_batch(sizes, 1000, 1 << 20, 10), 10);
	/* 0 or more than the protocol allows means the protocol's cap. */
	ck_assert_uint_eq(client_plan_batch(sizes, 1000, 1 << 20, 0), 256);
	ck_assert_uint_eq(client_plan_batch(sizes, 1000, 1 << 20, 5000), 256);
	/* The default cap, 64 KiB: (65536 - 6) / 444 = 147 registrations. */
	ck_assert_uint_eq(client_plan_batch(sizes, 1000,
	    CLIENT_BATCH_BYTES_DEFAULT, CLIENT_BATCH_ITEMS_DEFAULT), 147);
}
END_TEST

START_TEST(plan_never_exceeds_the_protocol_body)
{
	size_t sizes[] = { 600000, 600000 };

	/* A cap above 1 MiB is the protocol's 1 MiB. */
	ck_assert_uint_eq(client_plan_batch(sizes, 2, 4u << 20, 256), 1);
}
END_TEST

START_TEST(plan_lets_a_large_file_travel_alone)
{
	size_t sizes[] = { 70000, 10 };
	size_t huge[] = { BATCH_BODY_MAX, 10 };
	size_t zero[] = { 0, 10 };

	ck_assert_uint_eq(client_plan_batch(sizes, 2, 1024, 256), 1);
	/* One that cannot travel at all stays (0), so the caller can say. */
	ck_assert_uint_eq(client_plan_batch(huge, 2, 1 << 20, 256), 0);
	ck_assert_uint_eq(client_plan_batch(zero, 2, 1 << 20, 256), 0);
}
END_TEST

START_TEST(plan_random_batches_respect_both_caps)
{
	size_t sizes[300], i, k, total, pos;
	uint32_t cap;

	for (i = 0; i < 300; i++)
		sizes[i] = 1 + randombytes_uniform(3000);
	for (cap = 1024; cap < 200000; cap = cap * 3 / 2) {
		for (pos = 0; pos < 300; pos += k) {
			k = client_plan_batch(sizes + pos, 300 - pos, cap, 50);
			ck_assert_uint_ge(k, 1);
			ck_assert_uint_le(k, 50);
			total = BATCH_HEADER;
			for (i = 0; i < k; i++)
				total += BATCH_ITEM_HEADER + sizes[pos + i];
			ck_assert(k == 1 || total <= cap);
			/* Maximal: one more would not fit. */
			if (pos + k < 300 && k < 50)
				ck_assert_uint_gt(total + BATCH_ITEM_HEADER +
				    sizes[pos + k], cap);
		}
	}
}
END_TEST

/* ----------------------------------------------------------- backoff */

START_TEST(backoff_grows_and_caps)
{
	ck_assert_int_eq(client_backoff(0, 2, 300, 0.5), 0);
	/* r = 1: the whole window. */
	ck_assert_int_eq(client_backoff(1, 2, 300, 1.0), 2);
	ck_assert_int_eq(client_backoff(2, 2, 300, 1.0), 4);
	ck_assert_int_eq(client_backoff(3, 2, 300, 1.0), 8);
	ck_assert_int_eq(client_backoff(8, 2, 300, 1.0), 256);
	ck_assert_int_eq(client_backoff(9, 2, 300, 1.0), 300);
	ck_assert_int_eq(client_backoff(4000000000u, 2, 300, 1.0), 300);
	/* r = 0: half of it, never 0. */
	ck_assert_int_eq(client_backoff(1, 2, 300, 0.0), 1);
	ck_assert_int_eq(client_backoff(9, 2, 300, 0.0), 150);
	ck_assert_int_ge(client_backoff(1, 1, 1, 0.0), 1);
}
END_TEST

START_TEST(backoff_jitter_stays_in_its_window)
{
	unsigned f;
	long w;
	int i;

	for (f = 1; f < 20; f++)
		for (i = 0; i < 50; i++) {
			w = client_backoff(f, 2, 600, randombytes_uniform(1001)
			    / 1000.0);
			ck_assert_int_ge(w, 1);
			ck_assert_int_le(w, 600);
		}
	/* Out-of-range and NaN draws are clamped. */
	ck_assert_int_eq(client_backoff(3, 2, 300, -5.0), 4);
	ck_assert_int_eq(client_backoff(3, 2, 300, 7.0), 8);
	ck_assert_int_eq(client_backoff(3, 2, 300, NAN), 4);
	/* A cap below the base is the base. */
	ck_assert_int_eq(client_backoff(5, 10, 3, 1.0), 10);
}
END_TEST

/* -------------------------------------------------------- state file */

START_TEST(state_round_trip)
{
	struct client_state a, b;
	struct cutru_err e;
	char *text = NULL;

	client_state_init(&a);
	a.last_attempt = 1795000000;
	a.last_contact = 1795000001;
	a.last_success = 1795000002;
	a.next_attempt = 1795000100;
	a.retry_after = 30;
	a.last_outcome = CLIENT_UNREACHABLE;
	a.failures = 7;
	a.passes = 12;
	a.items_sent = 1000;
	a.bytes_sent = UINT64_C(9999999999);
	a.bytes_received = 123;
	a.accepted = 990;
	a.rejected = 9;
	a.held = 1;
	a.feed_pages = 4;
	a.pending = 3;
	snprintf(a.last_error, sizeof a.last_error,
	    "Không kết nối được máy chủ trung tâm");
	ck_assert_int_eq(client_state_format(&a, &text, &e), CUTRU_OK);
	client_state_init(&b);
	ck_assert_int_eq(client_state_parse(text, strlen(text), &b, &e),
	    CUTRU_OK);
	ck_assert_mem_eq(&a, &b, sizeof a);
	free(text);
}
END_TEST

START_TEST(state_format_keeps_the_file_parsable)
{
	struct client_state a, b;
	struct cutru_err e;
	char *text = NULL;

	client_state_init(&a);
	/* A newline, then bytes that are not UTF-8: the text ends there. */
	snprintf(a.last_error, sizeof a.last_error, "first line\nsecond");
	ck_assert_int_eq(client_state_format(&a, &text, &e), CUTRU_OK);
	client_state_init(&b);
	ck_assert_int_eq(client_state_parse(text, strlen(text), &b, &e),
	    CUTRU_OK);
	ck_assert_str_eq(b.last_error, "first line");
	free(text);
	snprintf(a.last_error, sizeof a.last_error, "ok \xc3\x28 bad");
	ck_assert_int_eq(client_state_format(&a, &text, &e), CUTRU_OK);
	ck_assert_int_eq(client_state_parse(text, strlen(text), &b, &e),
	    CUTRU_OK);
	ck_assert_str_eq(b.last_error, "ok ");
	free(text);
}
END_TEST

START_TEST(state_refuses_hostile_files)
{
	static const char *bad[] = {
		"",
		"cutru-sync-state-v2\npasses 1\n",
		"garbage",
		"cutru-sync-state-v1\npasses\n",
		"cutru-sync-state-v1\npasses -1\n",
		"cutru-sync-state-v1\npasses 1x\n",
		"cutru-sync-state-v1\npasses  1\n",
		"cutru-sync-state-v1\npasses 99999999999999999999\n",
		"cutru-sync-state-v1\nlast_attempt 9223372036854775808\n",
		"cutru-sync-state-v1\nfailures 4294967296\n",
		"cutru-sync-state-v1\nlast_outcome 9\n",
		"cutru-sync-state-v1\nlast_error bell\a\n",
		"cutru-sync-state-v1\nlast_error \xc0\xaf overlong\n",
		"cutru-sync-state-v1\nlast_error \xed\xa0\x80 surrogate\n",
	};
	struct client_state st;
	struct cutru_err e;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		client_state_init(&st);
		ck_assert_msg(client_state_parse(bad[i], strlen(bad[i]), &st,
		    &e) == CUTRU_EINVAL, "accepted #%zu", i);
		ck_assert_str_eq(e.field, "line");
	}
	/* An embedded NUL. */
	ck_assert_int_eq(client_state_parse("cutru-sync-state-v1\npas\0ses 1\n",
	    29, &st, &e), CUTRU_EINVAL);
	ck_assert_int_eq(client_state_parse(NULL, 0, &st, &e), CUTRU_EINVAL);
}
END_TEST

START_TEST(state_skips_unknown_keys_and_blank_lines)
{
	static const char text[] = "cutru-sync-state-v1\n\nfrom_the_future 42\n"
	    "passes 5\r\n";
	static const char ok[] = "cutru-sync-state-v1\n\nfrom_the_future 42\n"
	    "passes 5\nfailures 4294967295\n";
	struct client_state st;
	struct cutru_err e;

	client_state_init(&st);
	/* "5\r" is not a number: CRLF files are not ours. */
	ck_assert_int_eq(client_state_parse(text, strlen(text), &st, &e),
	    CUTRU_EINVAL);
	client_state_init(&st);
	ck_assert_int_eq(client_state_parse(ok, strlen(ok), &st, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(st.passes, 5);
	ck_assert_uint_eq(st.failures, 4294967295u);
}
END_TEST

START_TEST(state_long_text_is_refused_not_truncated)
{
	struct client_state st;
	struct cutru_err e;
	size_t n = 1024 * 1024;
	char *text = malloc(n + 64);

	ck_assert_ptr_nonnull(text);
	strcpy(text, "cutru-sync-state-v1\nlast_error ");
	memset(text + strlen(text), 'a', n);
	text[31 + n] = '\0';
	client_state_init(&st);
	ck_assert_int_eq(client_state_parse(text, strlen(text), &st, &e),
	    CUTRU_EINVAL);
	free(text);
}
END_TEST

START_TEST(state_load_forgives_a_damaged_file)
{
	struct client_state st, back;
	struct cutru_err e;

	make_tmp();
	/* Missing: zero. */
	st.passes = 77;
	ck_assert_int_eq(client_state_load(tmpdir, &st, &e), CUTRU_OK);
	ck_assert_uint_eq(st.passes, 0);
	/* Damaged: zero. */
	write_file(tmpdir, CLIENT_STATE_FILE, "cutru-sync-state-v1\npasses x\n",
	    28);
	st.passes = 77;
	ck_assert_int_eq(client_state_load(tmpdir, &st, &e), CUTRU_OK);
	ck_assert_uint_eq(st.passes, 0);
	/* Saved and loaded. */
	st.passes = 3;
	st.rejected = 2;
	ck_assert_int_eq(client_state_save(tmpdir, &st, &e), CUTRU_OK);
	ck_assert_int_eq(client_state_load(tmpdir, &back, &e), CUTRU_OK);
	ck_assert_uint_eq(back.passes, 3);
	ck_assert_uint_eq(back.rejected, 2);
	rm_tmp();
}
END_TEST

START_TEST(state_record_counts_a_pass)
{
	struct client_state st;
	struct client_report r;

	client_state_init(&st);
	memset(&r, 0, sizeof r);
	r.outcome = CLIENT_UNREACHABLE;
	cutru_err_set(&r.problem, CUTRU_EIO, "registry", "down");
	client_state_record(&st, &r, 100, 105);
	client_state_record(&st, &r, 200, 205);
	ck_assert_uint_eq(st.failures, 2);
	ck_assert_int_eq(st.last_contact, 0);
	ck_assert_str_eq(st.last_error, "down");
	memset(&r, 0, sizeof r);
	r.outcome = CLIENT_DONE;
	r.http_status = 200;
	r.items_sent = 5;
	r.accepted = 4;
	r.rejected = 1;
	client_state_record(&st, &r, 300, 310);
	ck_assert_uint_eq(st.failures, 0);
	ck_assert_int_eq(st.last_attempt, 300);
	ck_assert_int_eq(st.last_contact, 310);
	ck_assert_int_eq(st.last_success, 310);
	ck_assert_str_eq(st.last_error, "");
	ck_assert_uint_eq(st.passes, 3);
	ck_assert_uint_eq(st.items_sent, 5);
	ck_assert_uint_eq(st.rejected, 1);
}
END_TEST

/* ----------------------------------------------------- registry file */

static void
sample_registry(struct client_registry *r)
{
	size_t i;

	memset(r, 0, sizeof *r);
	snprintf(r->url, sizeof r->url, "https://registry.example.vn:8443");
	snprintf(r->device, sizeof r->device, "c2516b3b1245cdb5");
	snprintf(r->ward, sizeof r->ward, "00070");
	for (i = 0; i < sizeof r->sign_pk; i++)
		r->sign_pk[i] = (unsigned char)i;
	snprintf(r->tls_pin, sizeof r->tls_pin, "%s", cert_pin);
}

START_TEST(registry_round_trip)
{
	struct client_registry a, b;
	struct cutru_err e;
	char *text = NULL;

	sample_registry(&a);
	ck_assert_int_eq(client_registry_format(&a, &text, &e), CUTRU_OK);
	ck_assert_int_eq(client_registry_parse(text, strlen(text), &b, &e),
	    CUTRU_OK);
	ck_assert_mem_eq(&a, &b, sizeof a);
	free(text);
}
END_TEST

START_TEST(registry_refuses_hostile_files)
{
	struct client_registry a, b;
	struct cutru_err e;
	char *text = NULL, *bad;
	size_t len, i;
	static const char *swap[][2] = {
		{ "url https://", "url http://" },
		{ "device c2516b3b1245cdb5", "device C2516B3B1245CDB5" },
		{ "device c2516b3b1245cdb5", "device c2516b3b1245cdb" },
		{ "ward 00070", "ward 0007a" },
		{ "tls_pin sha256//", "tls_pin sha1//" },
		{ "tls_pin sha256//Ofmx", "tls_pin sha256//Ofm" },
		{ "sign_pk AA", "sign_pk !!" },
		{ "cutru-sync-registry-v1", "cutru-sync-registry-v2" },
		{ "url https://registry", "url https://reg istry" },
	};

	sample_registry(&a);
	ck_assert_int_eq(client_registry_format(&a, &text, &e), CUTRU_OK);
	len = strlen(text);
	/* Cut anywhere: refused (a missing key), never a crash. */
	for (i = 0; i + 1 < len; i++)
		ck_assert_int_ne(client_registry_parse(text, i, &b, &e),
		    CUTRU_OK);
	/* Without its last newline it is whole. */
	ck_assert_int_eq(client_registry_parse(text, len - 1, &b, &e),
	    CUTRU_OK);
	for (i = 0; i < sizeof swap / sizeof swap[0]; i++) {
		char *at = strstr(text, swap[i][0]);

		ck_assert_msg(at != NULL, "sample lacks %s", swap[i][0]);
		bad = malloc(len + 64);
		ck_assert_ptr_nonnull(bad);
		snprintf(bad, len + 64, "%.*s%s%s", (int)(at - text), text,
		    swap[i][1], at + strlen(swap[i][0]));
		ck_assert_msg(client_registry_parse(bad, strlen(bad), &b, &e)
		    == CUTRU_EINVAL, "accepted %s", swap[i][1]);
		free(bad);
	}
	/* An embedded NUL. */
	bad = strdup(text);
	ck_assert_ptr_nonnull(bad);
	bad[30] = '\0';
	ck_assert_int_eq(client_registry_parse(bad, len, &b, &e),
	    CUTRU_EINVAL);
	free(bad);
	free(text);
	/* An address that is not https cannot even be written. */
	snprintf(a.url, sizeof a.url, "http://registry.example.vn");
	ck_assert_int_eq(client_registry_format(&a, &text, &e), CUTRU_EINVAL);
	ck_assert_ptr_null(text);
}
END_TEST

START_TEST(registry_missing_says_how_to_enroll)
{
	struct client_registry r;
	struct client *c = NULL;
	struct cutru_err e;

	make_tmp();
	ck_assert_int_eq(client_registry_load(tmpdir, &r, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "cutru enroll --registry"));
	ck_assert_int_eq(client_open(tmpdir, NULL, &c, &e), CUTRU_ENOTFOUND);
	ck_assert_ptr_null(c);
	rm_tmp();
}
END_TEST

/* ---------------------------------------------------------------- pin */

START_TEST(pin_of_a_certificate)
{
	char pin[CLIENT_PIN_SIZE];
	struct cutru_err e;

	make_tmp();
	write_file(tmpdir, "cert.pem", cert_pem, strlen(cert_pem));
	{
		char path[128];

		snprintf(path, sizeof path, "%s/cert.pem", tmpdir);
		ck_assert_int_eq(client_pin_from_pem_file(path, pin, &e),
		    CUTRU_OK);
		ck_assert_str_eq(pin, cert_pin);
		snprintf(path, sizeof path, "%s/none.pem", tmpdir);
		ck_assert_int_eq(client_pin_from_pem_file(path, pin, &e),
		    CUTRU_ENOTFOUND);
		ck_assert_str_eq(pin, "");
	}
	rm_tmp();
}
END_TEST

START_TEST(pin_refuses_damaged_certificates)
{
	unsigned char der[1024];
	size_t derlen = 0, i;
	char pin[CLIENT_PIN_SIZE], *body;
	struct cutru_err e;
	const char *b = strchr(cert_pem, '\n') + 1;
	const char *z = strstr(cert_pem, "-----END");

	body = strndup(b, (size_t)(z - b));
	ck_assert_ptr_nonnull(body);
	ck_assert_int_eq(sodium_base642bin(der, sizeof der, body, strlen(body),
	    "\n", &derlen, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	free(body);
	ck_assert_int_eq(client_pin_from_der(der, derlen, pin, &e), CUTRU_OK);
	ck_assert_str_eq(pin, cert_pin);
	/* Every truncation before the key is complete is refused. */
	for (i = 0; i < 80; i++)
		ck_assert_int_eq(client_pin_from_der(der, i, pin, &e),
		    CUTRU_EINVAL);
	/* Lengths that run past the end. */
	der[1] = 0x84;
	ck_assert_int_eq(client_pin_from_der(der, derlen, pin, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(client_pin_from_der(NULL, 0, pin, &e), CUTRU_EINVAL);
	ck_assert_str_eq(pin, "");
	memset(der, 0xff, sizeof der);
	ck_assert_int_eq(client_pin_from_der(der, sizeof der, pin, &e),
	    CUTRU_EINVAL);
}
END_TEST

/* ------------------------------------------------------------- a pass */

START_TEST(unreachable_registry_loses_nothing)
{
	struct client_registry reg;
	struct client_report r;
	struct client_options o;
	struct client_state st;
	struct client *c = NULL;
	struct cutru_err e;
	char dir[128];
	static const char name[] = "0000000001-c2516b3b1245cdb5.cs";

	make_tmp();
	sample_registry(&reg);
	/* Port 1 on loopback: refused at once. */
	snprintf(reg.url, sizeof reg.url, "https://127.0.0.1:1");
	ck_assert_int_eq(client_registry_save(tmpdir, &reg, &e), CUTRU_OK);
	snprintf(dir, sizeof dir, "%s/outbox", tmpdir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/outbox/new", tmpdir);
	mkdir(dir, 0700);
	write_file(dir, name, "cuC1 pretend sealed bytes", 25);
	memset(&o, 0, sizeof o);
	o.connect_timeout = 5;
	/* One retry within the pass, after about a second. */
	o.retries = 1;
	ck_assert_int_eq(client_global_init(&e), CUTRU_OK);
	ck_assert_int_eq(client_open(tmpdir, &o, &c, &e), CUTRU_OK);
	ck_assert_str_eq(client_registry_of(c)->device, "c2516b3b1245cdb5");
	ck_assert_int_eq(client_pass(c, NULL, 1795000000, &r, &e), CUTRU_OK);
	ck_assert_int_eq(r.outcome, CLIENT_UNREACHABLE);
	ck_assert_uint_eq(r.items_total, 1);
	ck_assert_uint_eq(r.pending, 1);
	ck_assert_uint_eq(r.items_sent, 0);
	ck_assert_ptr_nonnull(strstr(r.problem.msg, "could not be reached"));
	{
		char path[256];
		struct stat sb;

		snprintf(path, sizeof path, "%s/%s", dir, name);
		ck_assert_int_eq(stat(path, &sb), 0);
	}
	ck_assert_int_eq(client_state_load(tmpdir, &st, &e), CUTRU_OK);
	ck_assert_uint_eq(st.failures, 1);
	ck_assert_uint_eq(st.pending, 1);
	ck_assert_int_eq(st.last_outcome, CLIENT_UNREACHABLE);
	ck_assert_int_eq(st.last_contact, 0);
	client_close(c);
	/* An address override that is not https is refused at open. */
	o.url = "http://127.0.0.1:1";
	ck_assert_int_eq(client_open(tmpdir, &o, &c, &e), CUTRU_EINVAL);
	ck_assert_ptr_null(c);
	client_close(NULL);
	rm_tmp();
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("client");

	if (sodium_init() < 0)
		abort();
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, plan_empty_and_null);
	tcase_add_test(tc, plan_fills_the_byte_cap_exactly);
	tcase_add_test(tc, plan_caps_items);
	tcase_add_test(tc, plan_never_exceeds_the_protocol_body);
	tcase_add_test(tc, plan_lets_a_large_file_travel_alone);
	tcase_add_test(tc, plan_random_batches_respect_both_caps);
	tcase_add_test(tc, backoff_grows_and_caps);
	tcase_add_test(tc, backoff_jitter_stays_in_its_window);
	tcase_add_test(tc, state_round_trip);
	tcase_add_test(tc, state_format_keeps_the_file_parsable);
	tcase_add_test(tc, state_refuses_hostile_files);
	tcase_add_test(tc, state_skips_unknown_keys_and_blank_lines);
	tcase_add_test(tc, state_long_text_is_refused_not_truncated);
	tcase_add_test(tc, state_load_forgives_a_damaged_file);
	tcase_add_test(tc, state_record_counts_a_pass);
	tcase_add_test(tc, registry_round_trip);
	tcase_add_test(tc, registry_refuses_hostile_files);
	tcase_add_test(tc, registry_missing_says_how_to_enroll);
	tcase_add_test(tc, pin_of_a_certificate);
	tcase_add_test(tc, pin_refuses_damaged_certificates);
	tcase_add_test(tc, unreachable_registry_loses_nothing);
	suite_add_tcase(s, tc);
	return s;
}
