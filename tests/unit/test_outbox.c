/* The outbox and the inbox (sync/outbox.h, sync/inbox.h) on a real
 * encrypted store: an approval leaves a sealed file in outbox/new in the
 * same step, a crash between the commit and the file is repaired at the
 * next unlock (neither lost nor doubled), receipts signed by the pinned
 * registry make change sets accepted or rejected (with the reasons in the
 * "needs attention" list), a feed page closes a residence once, and the
 * USB export and import carry all of it. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <check.h>
#include <sodium.h>

#include "core/canon.h"
#include "localdb/dossier.h"
#include "localdb/session.h"
#include "sync/device.h"
#include "sync/enroll.h"
#include "sync/feed.h"
#include "sync/inbox.h"
#include "sync/outbox.h"
#include "sync/receipt.h"
#include "sync/spool.h"
#include "tests/tools/sessiontest.h"
#include "tests/tools/synctest.h"
#include "tests/unit/tap_main.h"

#ifndef EXAMPLES_DIR
#define EXAMPLES_DIR "examples/requests"
#endif

static struct st_keys k;
static struct registry_keys reg;
static char *dir, *store;

static void
setup(void)
{
	struct session *admin;

	st_keys_make(&k);
	memset(&reg, 0, sizeof reg);
	memcpy(reg.sign_pk, k.reg_sign_pk, 32);
	memcpy(reg.box_pk, k.reg_box_pk, 32);
	strcpy(reg.name, "test registry");
	ws_scratch(&dir, &store);
	admin = ws_ward(store, NULL);
	session_close(admin);
}

static void
teardown(void)
{
	spool_set_fault_hook(NULL, NULL);
	ws_rmdir(dir);
	free(dir);
	free(store);
}

/* Enroll the store's device with the test registry (no network: the
 * answer is signed here with the registry's key). */
static void
enroll(void)
{
	struct session *s = ws_login(store, "admin", ws_pass_admin);
	struct enroll_answer a;
	struct device *d = NULL;
	struct cutru_err e;
	unsigned char *ans;
	size_t alen;

	ck_assert_int_eq(device_load_or_create(session_db(s), WS_WARD, &d, &e),
	    CUTRU_OK);
	memset(&a, 0, sizeof a);
	memcpy(a.device, d->id, 17);
	memcpy(a.ward, WS_WARD, 6);
	a.time = 1795000100;
	ck_assert_int_eq(enroll_answer_sign(&a, k.reg_sign_sk, &ans, &alen, &e),
	    CUTRU_OK);
	ck_assert_int_eq(device_enrolled(session_db(s), d, &reg, "", ans, alen,
	    &e), CUTRU_OK);
	free(ans);
	device_free(d);
	session_close(s);
}

/* Receive the example request as lan: its dossier number. */
static void
receive(const char *procedure, char *number)
{
	struct session *s = ws_login(store, "lan", ws_pass_lan);
	struct cutru_err e;
	char path[512];
	char *json;
	size_t len;

	snprintf(path, sizeof path, "%s/%s.json", EXAMPLES_DIR, procedure);
	json = ws_read(path, &len);
	ck_assert_msg(dossier_receive(s, json, len, ws_vn(2026, 11, 27, 9, 0),
	    number, &e) == CUTRU_OK, "%s", e.msg);
	free(json);
	session_close(s);
}

static time_t
approve_time(void)
{
	return ws_vn(2026, 11, 30, 9, 0);
}

/* Approve number as minh through the outbox. */
static void
approve(const char *number, struct outbox_approval *out)
{
	struct session *s = ws_login(store, "minh", ws_pass_minh);
	struct cutru_err e;

	ck_assert_msg(outbox_approve(s, number, ws_pass_minh, approve_time(),
	    out, &e) == CUTRU_OK, "%s", e.msg);
	session_close(s);
}

static char *
outbox_path(const char *sub, const char *name)
{
	char *p = malloc(strlen(store) + strlen(name) + 32);

	ck_assert_ptr_nonnull(p);
	sprintf(p, "%s/outbox/%s/%s", store, sub, name);
	return p;
}

static int
file_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static size_t
count_dir(const char *sub)
{
	char p[1024];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(p, sizeof p, "%s/%s", store, sub);
	ck_assert_ptr_nonnull(d = opendir(p));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static long long
q_int(const char *sql)
{
	struct session *s = ws_login(store, "admin", ws_pass_admin);
	long long v = ws_q_int(session_db(s), sql);

	session_close(s);
	return v;
}

static char *
q_text(const char *sql)
{
	struct session *s = ws_login(store, "admin", ws_pass_admin);
	char *v = ws_q_text(session_db(s), sql);

	session_close(s);
	return v;
}

/* The sealed bytes of change set seq, from the store. */
static unsigned char *
sealed_of(int64_t seq, size_t *len)
{
	struct session *s = ws_login(store, "admin", ws_pass_admin);
	unsigned char *b = NULL;
	struct cutru_err e;

	ck_assert_int_eq(device_sealed_changeset(session_db(s), seq, &b, len,
	    &e), CUTRU_OK);
	session_close(s);
	return b;
}

static void
hash_of(int64_t seq, unsigned char h[HASH_LEN])
{
	struct session *s = ws_login(store, "admin", ws_pass_admin);
	sqlite3_stmt *st;

	ck_assert_int_eq(sqlite3_prepare_v2(session_db(s), "SELECT hash FROM "
	    "changesets WHERE seq = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, seq);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	memcpy(h, sqlite3_column_blob(st, 0), HASH_LEN);
	sqlite3_finalize(st);
	session_close(s);
}

static char *
device_id(void)
{
	return q_text("SELECT id FROM device");
}

/* A receipt for change set seq, signed with sk. */
static unsigned char *
make_receipt(int64_t seq, enum receipt_status status, const char *code,
    const unsigned char *sk, size_t *len)
{
	struct receipt r;
	struct cutru_err e;
	unsigned char *out = NULL;
	char *id = device_id();

	memset(&r, 0, sizeof r);
	r.status = status;
	r.has_changeset = 1;
	snprintf(r.device, sizeof r.device, "%s", id);
	r.seq = seq;
	hash_of(seq, r.hash);
	r.time = 1795000123;
	if (code != NULL)
		ck_assert_int_eq(receipt_add_reason(&r,
		    sync_reason_from_name(code, strlen(code)),
		    "approval.events[0].data.name", &e,
		    "The name differs from the population records."),
		    CUTRU_OK);
	ck_assert_msg(receipt_sign(&r, sk, &out, len, &e) == CUTRU_OK, "%s",
	    e.msg);
	free(id);
	return out;
}

static struct inbox_unlock_report
unlock_as(const char *login, const char *pass)
{
	struct session *s = ws_login(store, login, pass);
	struct inbox_unlock_report r;
	struct cutru_err e;

	ck_assert_msg(inbox_unlock(s, approve_time(), &r, &e) == CUTRU_OK,
	    "%s", e.msg);
	session_close(s);
	return r;
}

static struct inbox_unlock_report
unlock(void)
{
	return unlock_as("lan", ws_pass_lan);
}

/* ------------------------------------------------------------ outbox */

START_TEST(approval_writes_the_sealed_file_in_the_same_step)
{
	struct outbox_approval a;
	char number[DOSSIER_NUMBER_MAX], *p, *state;
	unsigned char *sealed, *file, h[HASH_LEN];
	size_t slen, flen;
	char want[OUTBOX_NAME_SIZE];

	enroll();
	receive("temporary.register", number);
	approve(number, &a);
	ck_assert(a.sealed);
	ck_assert_int_eq(a.seq, 1);
	ck_assert(a.file_written);
	hash_of(1, h);
	ck_assert_int_eq(outbox_file_name(1, h, want, NULL), CUTRU_OK);
	ck_assert_str_eq(a.name, want);
	ck_assert_uint_eq(strlen(a.name), OUTBOX_NAME_LEN);
	ck_assert(strncmp(a.name, "0000000001-", 11) == 0);
	p = outbox_path("new", a.name);
	sealed = sealed_of(1, &slen);
	file = (unsigned char *)ws_read(p, &flen);
	ck_assert_uint_eq(flen, slen);
	ck_assert_mem_eq(file, sealed, slen);
	ck_assert_mem_eq(file, "cuC1", 4);
	state = q_text("SELECT state FROM dossiers");
	ck_assert_str_eq(state, "approved");
	free(state);
	state = q_text("SELECT state FROM changesets");
	ck_assert_str_eq(state, "sealed");
	/* An unlock changes nothing: the outbox is already right. */
	ck_assert_uint_eq(unlock().repair.written, 0);
	ck_assert_uint_eq(count_dir("outbox/new"), 1);
	free(state);
	free(p);
	free(sealed);
	free(file);
}
END_TEST

static int
kill_before_file(const char *box, const char *name, void *arg)
{
	(void)name;
	(void)arg;
	if (strcmp(box, SPOOL_OUTBOX) == 0)
		_exit(77);   /* a power cut right after the commit */
	return 0;
}

START_TEST(a_crash_between_commit_and_file_is_repaired_once)
{
	char number[DOSSIER_NUMBER_MAX], name[OUTBOX_NAME_SIZE], *p;
	unsigned char h[HASH_LEN], *sealed, *file;
	struct inbox_unlock_report r;
	size_t slen, flen;
	int status;
	pid_t pid;

	enroll();
	receive("temporary.register", number);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct session *s;
		struct cutru_err e;

		spool_set_fault_hook(kill_before_file, NULL);
		if (session_open(store, "minh", ws_pass_minh, approve_time(),
		    &s, &e) != CUTRU_OK)
			_exit(1);
		outbox_approve(s, number, ws_pass_minh, approve_time(), NULL,
		    &e);
		_exit(2);  /* not reached when the hook runs */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 77);
	/* Committed, but no file. */
	ck_assert_int_eq(q_int("SELECT count(*) FROM changesets"), 1);
	ck_assert_uint_eq(count_dir("outbox/new"), 0);
	r = unlock();
	ck_assert_uint_eq(r.repair.written, 1);
	hash_of(1, h);
	outbox_file_name(1, h, name, NULL);
	p = outbox_path("new", name);
	sealed = sealed_of(1, &slen);
	file = (unsigned char *)ws_read(p, &flen);
	ck_assert_uint_eq(flen, slen);
	ck_assert_mem_eq(file, sealed, slen);
	/* Never doubled: again nothing to do, one file, one change set. */
	r = unlock();
	ck_assert_uint_eq(r.repair.written, 0);
	ck_assert_uint_eq(count_dir("outbox/new"), 1);
	ck_assert_uint_eq(count_dir("outbox/tmp"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM changesets"), 1);
	ck_assert_int_eq(q_int("SELECT next_seq FROM device"), 2);
	free(p);
	free(sealed);
	free(file);
}
END_TEST

static int
fail_write(const char *box, const char *name, void *arg)
{
	(void)box;
	(void)name;
	(void)arg;
	return 1;
}

START_TEST(a_failed_file_write_does_not_undo_the_approval)
{
	struct outbox_approval a;
	char number[DOSSIER_NUMBER_MAX];

	enroll();
	receive("temporary.register", number);
	spool_set_fault_hook(fail_write, NULL);
	approve(number, &a);
	spool_set_fault_hook(NULL, NULL);
	ck_assert(a.sealed);
	ck_assert(!a.file_written);
	ck_assert_int_eq(a.file_err.code, CUTRU_EIO);
	ck_assert_uint_eq(count_dir("outbox/new"), 0);
	ck_assert_uint_eq(unlock().repair.written, 1);
	ck_assert_uint_eq(count_dir("outbox/new"), 1);
}
END_TEST

START_TEST(approvals_before_enrollment_are_sealed_after_it_in_order)
{
	struct outbox_approval a;
	char n1[DOSSIER_NUMBER_MAX], n2[DOSSIER_NUMBER_MAX], *dossier;
	struct inbox_unlock_report r;

	receive("temporary.register", n1);
	receive("stay.notify", n2);
	approve(n1, &a);
	ck_assert(!a.sealed);
	ck_assert_str_eq(a.name, "");
	approve(n2, &a);
	ck_assert(!a.sealed);
	ck_assert_int_eq(q_int("SELECT count(*) FROM changesets"), 0);
	/* Not enrolled: the unlock has nothing to seal with. */
	ck_assert_uint_eq(unlock().repair.sealed, 0);
	enroll();
	r = unlock();
	ck_assert_uint_eq(r.repair.sealed, 2);
	ck_assert_uint_eq(r.repair.written, 2);
	ck_assert_uint_eq(count_dir("outbox/new"), 2);
	dossier = q_text("SELECT dossier FROM changesets WHERE seq = 1");
	ck_assert_str_eq(dossier, n1);
	free(dossier);
	ck_assert_uint_eq(unlock().repair.sealed, 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM changesets"), 2);
}
END_TEST

START_TEST(file_names_sort_in_chain_order)
{
	unsigned char h[HASH_LEN];
	char a[OUTBOX_NAME_SIZE], b[OUTBOX_NAME_SIZE];
	struct cutru_err e;

	memset(h, 0xab, sizeof h);
	ck_assert_int_eq(outbox_file_name(9, h, a, &e), CUTRU_OK);
	ck_assert_int_eq(outbox_file_name(10, h, b, &e), CUTRU_OK);
	ck_assert_str_eq(a, "0000000009-abababababababab.cs");
	ck_assert_int_lt(strcmp(a, b), 0);
	ck_assert_int_eq(outbox_file_name(0, h, a, &e), CUTRU_EINVAL);
	ck_assert_str_eq(a, "");
	ck_assert_int_eq(outbox_file_name(10000000000LL, h, a, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(outbox_file_name(9999999999LL, h, a, &e), CUTRU_OK);
}
END_TEST

/* ------------------------------------------------------------- inbox */

static void
deliver(const unsigned char *b, size_t len)
{
	struct cutru_err e;

	ck_assert_msg(inbox_deliver(store, b, len, &e) == CUTRU_OK, "%s",
	    e.msg);
}

START_TEST(an_accepted_receipt_retires_the_change_set_once)
{
	struct outbox_approval a;
	struct inbox_unlock_report r;
	char number[DOSSIER_NUMBER_MAX], *state, *p;
	unsigned char *rcpt;
	size_t len;

	enroll();
	receive("temporary.register", number);
	approve(number, &a);
	rcpt = make_receipt(1, RECEIPT_ACCEPTED, NULL, k.reg_sign_sk, &len);
	deliver(rcpt, len);
	deliver(rcpt, len);   /* the same bytes twice: one file */
	ck_assert_uint_eq(count_dir("inbox/new"), 1);
	r = unlock();
	ck_assert_uint_eq(r.inbox.accepted, 1);
	ck_assert_uint_eq(r.inbox.refused, 0);
	state = q_text("SELECT state FROM changesets WHERE seq = 1");
	ck_assert_str_eq(state, "accepted");
	free(state);
	state = q_text("SELECT state FROM dossiers");
	ck_assert_str_eq(state, "accepted");
	free(state);
	p = outbox_path("new", a.name);
	ck_assert(!file_exists(p));
	ck_assert_uint_eq(count_dir("inbox/new"), 0);
	ck_assert_int_eq(q_int("SELECT length(receipt) FROM changesets"),
	    (long long)len);
	/* Delivered again later (a second path): nothing changes. */
	deliver(rcpt, len);
	r = unlock();
	ck_assert_uint_eq(r.inbox.accepted, 0);
	ck_assert_uint_eq(r.inbox.duplicates, 1);
	ck_assert_uint_eq(count_dir("inbox/new"), 0);
	/* The outbox is not refilled for a final change set. */
	ck_assert_uint_eq(r.repair.written, 0);
	ck_assert(!file_exists(p));
	/* A crash after the receipt's commit left the file: the next unlock
	 * removes it (in new/ and in cur/), and a stranger's file stays. */
	{
		struct cutru_err e;
		unsigned char *sealed;
		size_t slen;

		sealed = sealed_of(1, &slen);
		ck_assert_int_eq(spool_deliver(store, SPOOL_OUTBOX, a.name,
		    sealed, slen, &e), CUTRU_OK);
		ck_assert_int_eq(spool_move(store, SPOOL_OUTBOX, SPOOL_NEW,
		    SPOOL_CUR, a.name, &e), CUTRU_OK);
		ck_assert_int_eq(spool_deliver(store, SPOOL_OUTBOX, a.name,
		    sealed, slen, &e), CUTRU_OK);
		ck_assert_int_eq(spool_deliver(store, SPOOL_OUTBOX,
		    "0000000001-0123456789abcdef.cs", sealed, slen, &e),
		    CUTRU_OK);
		r = unlock();
		ck_assert_uint_eq(r.repair.retired, 2);
		ck_assert(!file_exists(p));
		ck_assert_uint_eq(count_dir("outbox/new"), 1);
		ck_assert_uint_eq(count_dir("outbox/cur"), 0);
		free(sealed);
	}
	free(p);
	free(rcpt);
}
END_TEST

START_TEST(a_rejection_is_kept_with_its_reasons_for_attention)
{
	struct outbox_approval a;
	struct inbox_unlock_report r;
	struct outbox_item *items = NULL;
	struct outbox_status st;
	struct session *s;
	struct cutru_err e;
	char number[DOSSIER_NUMBER_MAX], *state;
	unsigned char *rcpt;
	size_t len, n = 0;

	enroll();
	receive("temporary.register", number);
	approve(number, &a);
	rcpt = make_receipt(1, RECEIPT_REJECTED, "identity_mismatch",
	    k.reg_sign_sk, &len);
	deliver(rcpt, len);
	r = unlock();
	ck_assert_uint_eq(r.inbox.rejected, 1);
	state = q_text("SELECT state FROM dossiers");
	ck_assert_str_eq(state, "rejected");
	free(state);
	s = ws_login(store, "lan", ws_pass_lan);
	ck_assert_int_eq(outbox_list(s, OUTBOX_LIST_ATTENTION, &items, &n, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(items[0].dossier, number);
	ck_assert_int_eq(items[0].state, OUTBOX_REJECTED);
	ck_assert_uint_eq(items[0].nreasons, 1);
	ck_assert_int_eq(items[0].reasons[0].code, SYNC_R_IDENTITY_MISMATCH);
	ck_assert_str_eq(items[0].reasons[0].field,
	    "approval.events[0].data.name");
	ck_assert_int_eq(items[0].answered, 1795000123);
	outbox_list_free(items, n);
	ck_assert_int_eq(outbox_status(s, &st, &e), CUTRU_OK);
	ck_assert_uint_eq(st.count[OUTBOX_REJECTED], 1);
	ck_assert_uint_eq(st.count[OUTBOX_SEALED], 0);
	ck_assert(st.enrolled);
	ck_assert_uint_eq(st.outbox_files, 0);
	session_close(s);
	free(rcpt);
}
END_TEST

START_TEST(a_held_receipt_keeps_the_change_set_going)
{
	struct outbox_approval a;
	char number[DOSSIER_NUMBER_MAX], *state, *p;
	unsigned char *rcpt;
	size_t len;

	enroll();
	receive("temporary.register", number);
	approve(number, &a);
	rcpt = make_receipt(1, RECEIPT_HELD, "gap", k.reg_sign_sk, &len);
	deliver(rcpt, len);
	ck_assert_uint_eq(unlock().inbox.held, 1);
	state = q_text("SELECT state FROM changesets");
	ck_assert_str_eq(state, "held");
	free(state);
	p = outbox_path("new", a.name);
	ck_assert(file_exists(p));
	free(p);
	free(rcpt);
	/* Then accepted. */
	rcpt = make_receipt(1, RECEIPT_ACCEPTED, NULL, k.reg_sign_sk, &len);
	deliver(rcpt, len);
	ck_assert_uint_eq(unlock().inbox.accepted, 1);
	free(rcpt);
}
END_TEST

START_TEST(receipts_not_from_the_pinned_registry_are_refused)
{
	struct outbox_approval a;
	struct inbox_unlock_report r;
	char number[DOSSIER_NUMBER_MAX], *state;
	unsigned char *rcpt, junk[300];
	size_t len;

	enroll();
	receive("temporary.register", number);
	approve(number, &a);
	rcpt = make_receipt(1, RECEIPT_ACCEPTED, NULL, k.other_sk, &len);
	deliver(rcpt, len);
	/* A receipt with its bytes changed after signing. */
	free(rcpt);
	rcpt = make_receipt(1, RECEIPT_ACCEPTED, NULL, k.reg_sign_sk, &len);
	rcpt[len - 3] ^= 1;
	deliver(rcpt, len);
	/* Garbage after a receipt's magic. */
	memset(junk, 0xff, sizeof junk);
	memcpy(junk, "cuR1", 4);
	deliver(junk, sizeof junk);
	r = unlock();
	ck_assert_uint_eq(r.inbox.refused, 3);
	ck_assert_uint_eq(r.inbox.accepted, 0);
	ck_assert_int_ne(r.inbox.problem.code, 0);
	ck_assert_uint_eq(count_dir("inbox/new"), 0);
	ck_assert_uint_eq(count_dir("inbox/cur"), 3);
	state = q_text("SELECT state FROM changesets");
	ck_assert_str_eq(state, "sealed");
	free(state);
	free(rcpt);
}
END_TEST

START_TEST(the_inbox_refuses_what_is_neither_receipt_nor_page)
{
	struct cutru_err e;

	ck_assert_int_eq(inbox_deliver(store, "cuC1abcdefgh", 12, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(inbox_deliver(store, "cu", 2, &e), CUTRU_EINVAL);
	ck_assert_int_eq(inbox_deliver(store, NULL, 0, &e), CUTRU_EINVAL);
	ck_assert_int_eq(spool_deliver(store, SPOOL_INBOX, "../escape", "x", 1,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(spool_deliver(store, SPOOL_INBOX, ".hidden", "x", 1,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(spool_deliver(store, SPOOL_INBOX, "", "x", 1, &e),
	    CUTRU_EINVAL);
	ck_assert_uint_eq(count_dir("inbox/new"), 0);
}
END_TEST

/* A feed page of ward WS_WARD for the device: the temporary residence of
 * the example's applicant closed (she registered elsewhere). */
static unsigned char *
make_page(const char *after, const char *cursor, int with_item, size_t *len)
{
	static const char ev[] = "[{\"data\":{\"date\":\"2026-12-15\","
	    "\"event_date\":\"2026-12-10\",\"ground\":\"absent\","
	    "\"kind\":\"temporary\",\"person\":\"079195012345\"},"
	    "\"type\":\"residence.closed\"}]";
	struct session *s = ws_login(store, "admin", ws_pass_admin);
	struct device *d = NULL;
	struct feed_page p;
	struct cutru_err e;
	unsigned char *out = NULL;
	cJSON *events = cJSON_Parse(ev), *item;

	ck_assert_ptr_nonnull(events);
	ck_assert_int_eq(device_load(session_db(s), &d, &e), CUTRU_OK);
	memset(&p, 0, sizeof p);
	strcpy(p.ward, WS_WARD);
	strcpy(p.device, d->id);
	snprintf(p.after, sizeof p.after, "%s", after);
	snprintf(p.cursor, sizeof p.cursor, "%s", cursor);
	p.time = 1795000200;
	p.items = cJSON_CreateArray();
	if (with_item) {
		item = feed_item_new(FEED_CAUSE_RESIDENCE_ELSEWHERE, events,
		    NULL);
		ck_assert_ptr_nonnull(item);
		cJSON_AddItemToArray(p.items, item);
	} else
		cJSON_Delete(events);
	ck_assert_msg(feed_seal(&p, k.reg_sign_sk, d->box_pk, &out, len, &e) ==
	    CUTRU_OK, "%s", e.msg);
	cJSON_Delete(p.items);
	device_free(d);
	session_close(s);
	return out;
}

START_TEST(a_feed_page_closes_a_residence_once)
{
	struct outbox_approval a;
	struct inbox_unlock_report r;
	char number[DOSSIER_NUMBER_MAX], *v;
	unsigned char *page, *page2;
	size_t len, len2;

	enroll();
	receive("temporary.register", number);
	approve(number, &a);
	ck_assert_int_eq(q_int("SELECT count(*) FROM residences WHERE "
	    "state = 'active' AND kind = 'temporary'"), 1);
	page = make_page("", "c-1", 1, &len);
	page2 = make_page("c-1", "c-2", 0, &len2);
	/* Delivered out of order: the chain of cursors puts them right. */
	deliver(page2, len2);
	deliver(page, len);
	r = unlock();
	ck_assert_uint_eq(r.inbox.pages, 2);
	ck_assert_uint_eq(r.inbox.items, 1);
	ck_assert_uint_eq(r.inbox.items_refused, 0);
	ck_assert_uint_eq(r.inbox.duplicates, 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM residences WHERE "
	    "state = 'closed' AND ground = 'absent'"), 1);
	v = q_text("SELECT value FROM meta WHERE key = 'feed_cursor'");
	ck_assert_str_eq(v, "c-2");
	free(v);
	v = q_text("SELECT actor FROM journal ORDER BY seq DESC LIMIT 1");
	ck_assert_str_eq(v, "registry");
	free(v);
	/* The first page again: skipped, the residence closed once. */
	deliver(page, len);
	r = unlock();
	ck_assert_uint_eq(r.inbox.pages, 0);
	ck_assert_uint_eq(r.inbox.duplicates, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM journal WHERE actor = "
	    "'registry'"), 1);
	ck_assert_uint_eq(count_dir("inbox/new"), 0);
	free(page);
	free(page2);
}
END_TEST

START_TEST(a_page_for_another_device_is_refused)
{
	struct outbox_approval a;
	struct feed_page p;
	struct cutru_err e;
	char number[DOSSIER_NUMBER_MAX], *id;
	unsigned char *out = NULL;
	size_t len;

	enroll();
	receive("temporary.register", number);
	approve(number, &a);
	id = device_id();
	memset(&p, 0, sizeof p);
	strcpy(p.ward, WS_WARD);
	strcpy(p.device, id);
	strcpy(p.cursor, "c-9");
	p.items = cJSON_CreateArray();
	/* Sealed to someone else's key. */
	ck_assert_int_eq(feed_seal(&p, k.reg_sign_sk, k.dev_box_pk, &out, &len,
	    &e), CUTRU_OK);
	deliver(out, len);
	ck_assert_uint_eq(unlock().inbox.refused, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM meta WHERE key = "
	    "'feed_cursor'"), 0);
	cJSON_Delete(p.items);
	free(out);
	free(id);
}
END_TEST

/* ------------------------------------------------------------ USB */

START_TEST(export_and_import_carry_change_sets_and_receipts)
{
	struct outbox_approval a;
	struct outbox_export_report x;
	struct inbox_report r;
	struct session *s;
	struct cutru_err e;
	char number[DOSSIER_NUMBER_MAX], usb[1024], p[1200], *v, *id, *text;
	unsigned char *rcpt, *sealed, *file;
	size_t len, slen, flen, copied;

	enroll();
	receive("temporary.register", number);
	approve(number, &a);
	snprintf(usb, sizeof usb, "%s/usb", dir);
	ck_assert_int_eq(mkdir(usb, 0700), 0);
	s = ws_login(store, "lan", ws_pass_lan);
	ck_assert_msg(outbox_export(s, usb, approve_time(), &x, &e) ==
	    CUTRU_OK, "%s", e.msg);
	session_close(s);
	ck_assert_uint_eq(x.files, 1);
	snprintf(p, sizeof p, "%s/changesets/%s", usb, a.name);
	file = (unsigned char *)ws_read(p, &flen);
	sealed = sealed_of(1, &slen);
	ck_assert_uint_eq(flen, slen);
	ck_assert_mem_eq(file, sealed, slen);
	ck_assert_uint_eq(x.bytes, slen);
	id = device_id();
	snprintf(p, sizeof p, "%s/manifest-%s.txt", usb, id);
	text = ws_read(p, &flen);
	ck_assert(strncmp(text, "cutru-export-v1\n", 16) == 0);
	ck_assert_ptr_nonnull(strstr(text, a.name));
	ck_assert_ptr_nonnull(strstr(text, "changesets 1\n"));
	free(text);
	snprintf(p, sizeof p, "%s/feed-requests/%s", usb, id);
	text = ws_read(p, &flen);
	ck_assert(strncmp(text, "device=", 7) == 0);
	ck_assert_ptr_nonnull(strstr(text, "&after=&time="));
	free(text);
	v = q_text("SELECT state FROM changesets");
	ck_assert_str_eq(v, "exported");
	free(v);
	v = q_text("SELECT state FROM dossiers");
	ck_assert_str_eq(v, "sent");
	free(v);
	/* Exported, still pending: the outbox keeps the file. */
	ck_assert_uint_eq(count_dir("outbox/new"), 1);
	/* The registry's answer on the stick. */
	snprintf(p, sizeof p, "%s/receipts", usb);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	rcpt = make_receipt(1, RECEIPT_ACCEPTED, NULL, k.reg_sign_sk, &len);
	ck_assert_int_eq(spool_write_file(p, a.name, rcpt, len, &e), CUTRU_OK);
	/* Another console's receipt beside it is not taken. */
	ck_assert_int_eq(spool_write_file(p, "0000000001-0000000000000000.cs",
	    rcpt, len, &e), CUTRU_OK);
	s = ws_login(store, "lan", ws_pass_lan);
	ck_assert_msg(inbox_import(s, usb, approve_time(), &copied, &r, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(copied, 1);
	ck_assert_uint_eq(r.accepted, 1);
	/* Imported twice: nothing more. */
	ck_assert_int_eq(inbox_import(s, usb, approve_time(), &copied, &r, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(r.accepted, 0);
	ck_assert_uint_eq(r.duplicates, 1);
	session_close(s);
	v = q_text("SELECT state FROM dossiers");
	ck_assert_str_eq(v, "accepted");
	free(v);
	ck_assert_uint_eq(count_dir("outbox/new"), 0);
	free(rcpt);
	free(sealed);
	free(file);
	free(id);
}
END_TEST

START_TEST(export_needs_an_enrolled_console_and_a_folder)
{
	struct session *s = ws_login(store, "lan", ws_pass_lan);
	struct cutru_err e;
	char usb[1024];

	snprintf(usb, sizeof usb, "%s/usb", dir);
	ck_assert_int_eq(mkdir(usb, 0700), 0);
	ck_assert_int_eq(outbox_export(s, usb, approve_time(), NULL, &e),
	    CUTRU_EPERM);
	ck_assert_int_eq(inbox_import(s, usb, approve_time(), NULL, NULL, &e),
	    CUTRU_EPERM);
	session_close(s);
	enroll();
	s = ws_login(store, "lan", ws_pass_lan);
	ck_assert_int_eq(outbox_export(s, "/nonexistent/usb", approve_time(),
	    NULL, &e), CUTRU_ENOTFOUND);
	ck_assert_int_eq(inbox_import(s, usb, approve_time(), NULL, NULL, &e),
	    CUTRU_ENOTFOUND);
	/* Nothing to send yet: still a feed request and a manifest. */
	ck_assert_int_eq(outbox_export(s, usb, approve_time(), NULL, &e),
	    CUTRU_OK);
	session_close(s);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc = tcase_create("outbox");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, approval_writes_the_sealed_file_in_the_same_step);
	tcase_add_test(tc, a_crash_between_commit_and_file_is_repaired_once);
	tcase_add_test(tc, a_failed_file_write_does_not_undo_the_approval);
	tcase_add_test(tc,
	    approvals_before_enrollment_are_sealed_after_it_in_order);
	tcase_add_test(tc, file_names_sort_in_chain_order);
	tcase_add_test(tc, an_accepted_receipt_retires_the_change_set_once);
	tcase_add_test(tc, a_rejection_is_kept_with_its_reasons_for_attention);
	tcase_add_test(tc, a_held_receipt_keeps_the_change_set_going);
	tcase_add_test(tc, receipts_not_from_the_pinned_registry_are_refused);
	tcase_add_test(tc, the_inbox_refuses_what_is_neither_receipt_nor_page);
	tcase_add_test(tc, a_feed_page_closes_a_residence_once);
	tcase_add_test(tc, a_page_for_another_device_is_refused);
	tcase_add_test(tc, export_and_import_carry_change_sets_and_receipts);
	tcase_add_test(tc, export_needs_an_enrolled_console_and_a_folder);
	suite_add_tcase(s, tc);
	return s;
}
