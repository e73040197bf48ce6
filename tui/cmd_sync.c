#include "config.h"

/* cutru sync: the network sync client from the command line
 * (sync/client.h).  One pass, the daemon, the status, and carrying
 * another console's removable-media export.
 *
 * Without --unlock nothing secret is needed: a pass uploads outbox/new and
 * leaves the receipts in inbox/new for the next unlock, so the daemon can
 * run unattended.  With --unlock (the officer's passphrase, as every
 * other command reads it) the pass also fetches the feed and applies the
 * inbox at once.
 *
 * Exit statuses beyond cutru(1)'s common ones: CMD_SYNC_UNREACHABLE when
 * the registry could not be reached (retry later; nothing is lost) and
 * CMD_SYNC_PENDING when it was reached but change sets stay queued. */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/i18n.h"
#include "sync/client.h"
#include "sync/outbox.h"
#include "sync/spool.h"
#include "tui/cli.h"
#include "tui/format.h"

#define CMD_SYNC_UNREACHABLE 8
#define CMD_SYNC_PENDING 9
/* The daemon: first retry after about this many seconds. */
#define DAEMON_BACKOFF_BASE 2
#define DAEMON_INTERVAL_DEFAULT 300

enum {
	OPT_DAEMON = CLI_OPT_FIRST_FREE,
	OPT_STATUS,
	OPT_FROM,
	OPT_UNLOCK,
	OPT_REGISTRY,
	OPT_CERT,
	OPT_BATCH,
	OPT_INTERVAL,
	OPT_CONNECT,
	OPT_STALL,
	OPT_RETRIES
};

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static const char *
outcome_name(enum client_outcome o)
{
	switch (o) {
	case CLIENT_DONE: return "done";
	case CLIENT_PENDING: return "pending";
	case CLIENT_UNREACHABLE: return "unreachable";
	case CLIENT_PIN_MISMATCH: return "pin_mismatch";
	case CLIENT_FAILED: return "failed";
	}
	return "failed";
}

struct progress_ctx {
	struct cli *c;
	int tty;
};

static void
on_progress(const struct client_progress *p, void *arg)
{
	struct progress_ctx *x = arg;

	if (x->c->json) {
		fprintf(stderr, "{\"phase\":\"%s\",\"items_done\":%zu,"
		    "\"items_total\":%zu,\"bytes_sent\":%llu,"
		    "\"bytes_total\":%llu,\"bytes_received\":%llu,"
		    "\"feed_pages\":%zu}\n",
		    p->phase == CLIENT_PHASE_UPLOAD ? "upload" :
		    p->phase == CLIENT_PHASE_FEED ? "feed" : "apply",
		    p->items_done, p->items_total,
		    (unsigned long long)p->bytes_sent,
		    (unsigned long long)p->bytes_total,
		    (unsigned long long)p->bytes_received, p->feed_pages);
		fflush(stderr);
		return;
	}
	if (!x->tty)
		return;
	/* Over the previous line. */
	fputc('\r', stderr);
	if (p->phase == CLIENT_PHASE_UPLOAD)
		fprintf(stderr, _("Sent %zu of %zu change sets (%llu of %llu "
		    "bytes)"), p->items_done, p->items_total,
		    (unsigned long long)p->bytes_sent,
		    (unsigned long long)p->bytes_total);
	else if (p->phase == CLIENT_PHASE_FEED)
		fprintf(stderr, _("Feed: %zu pages received"), p->feed_pages);
	fputs("   ", stderr);
	fflush(stderr);
}

static int
exit_of(const struct client_report *r, int rc, const struct cutru_err *e)
{
	if (rc != CUTRU_OK)
		return cli_status(e);
	switch (r->outcome) {
	case CLIENT_DONE: return CLI_EXIT_OK;
	case CLIENT_PENDING: return CMD_SYNC_PENDING;
	case CLIENT_UNREACHABLE: return CMD_SYNC_UNREACHABLE;
	case CLIENT_PIN_MISMATCH: return CLI_EXIT_PERMISSION;
	case CLIENT_FAILED: return cli_status(&r->problem);
	}
	return CLI_EXIT_INTERNAL;
}

static cJSON *
report_json(const struct client_report *r)
{
	cJSON *doc = cJSON_CreateObject();

	if (doc == NULL)
		return NULL;
	cJSON_AddStringToObject(doc, "outcome", outcome_name(r->outcome));
	cJSON_AddNumberToObject(doc, "queued", (double)r->items_total);
	cJSON_AddNumberToObject(doc, "sent", (double)r->items_sent);
	cJSON_AddNumberToObject(doc, "batches", (double)r->batches);
	cJSON_AddNumberToObject(doc, "accepted", (double)r->accepted);
	cJSON_AddNumberToObject(doc, "rejected", (double)r->rejected);
	cJSON_AddNumberToObject(doc, "held", (double)r->held);
	cJSON_AddNumberToObject(doc, "pending", (double)r->pending);
	cJSON_AddNumberToObject(doc, "bytes_sent", (double)r->bytes_sent);
	cJSON_AddNumberToObject(doc, "bytes_received",
	    (double)r->bytes_received);
	cJSON_AddNumberToObject(doc, "feed_pages", (double)r->feed_pages);
	cJSON_AddNumberToObject(doc, "http_status", (double)r->http_status);
	if (r->retry_after > 0)
		cJSON_AddNumberToObject(doc, "retry_after",
		    (double)r->retry_after);
	return doc;
}

/* Print a pass's result; returns the exit status. */
static int
print_report(struct cli *c, const struct client_report *r, int rc,
    const struct cutru_err *e, int tty)
{
	int status = exit_of(r, rc, e);
	const struct cutru_err *why = rc != CUTRU_OK ? e : &r->problem;
	cJSON *doc;

	if (tty && !c->json && r->batches > 0)
		fputc('\n', stderr);
	if (rc != CUTRU_OK)
		return cli_fail(c, e);
	if (c->json) {
		doc = report_json(r);
		if (doc != NULL && r->outcome != CLIENT_DONE &&
		    why->code != CUTRU_OK) {
			cli_add_error(doc, why);
			fprintf(stderr, _("cutru: %s\n"), why->msg);
		}
		if (cli_json_print(c, doc) != CLI_EXIT_OK)
			return CLI_EXIT_INTERNAL;
		return status;
	}
	printf(_("%zu change sets queued, %zu sent in %zu requests (%llu "
	    "bytes out, %llu in): %zu accepted, %zu rejected, %zu held; %zu "
	    "still queued.\n"), r->items_total, r->items_sent, r->batches,
	    (unsigned long long)r->bytes_sent,
	    (unsigned long long)r->bytes_received, r->accepted, r->rejected,
	    r->held, r->pending);
	if (r->feed_pages > 0)
		printf(_("%zu feed pages received.\n"), r->feed_pages);
	if (r->rejected > 0)
		printf("%s\n", _("Rejected change sets need attention: see "
		    "'cutru sync --status --unlock'."));
	if (r->outcome != CLIENT_DONE && why->code != CUTRU_OK)
		fprintf(stderr, _("cutru: %s\n"), why->msg);
	return status;
}

/* An administrator writes the registry file from the store's pinned keys
 * and the certificate the operator gave. */
static int
repin(struct cli *c, struct session *s, const char *url, const char *cert,
    struct cutru_err *e)
{
	struct client_registry reg;
	struct device *d = NULL;
	const char *dir = NULL;
	int rc;

	if (session_role(s) != SESSION_ROLE_ADMIN)
		return cutru_err_set(e, CUTRU_EPERM, "login",
		    _("Only an administrator can change where the console "
		    "sends its work; officer '%s' is not one."),
		    session_login(s));
	if ((rc = cli_store_path(c, &dir, e)) != CUTRU_OK ||
	    (rc = device_load(session_db(s), &d, e)) != CUTRU_OK)
		return rc;
	if (!d->enrolled) {
		device_free(d);
		return cutru_err_set(e, CUTRU_EPERM, "registry", "%s",
		    _("The console is not enrolled with a registry yet "
		    "(cutru enroll)."));
	}
	memset(&reg, 0, sizeof reg);
	snprintf(reg.url, sizeof reg.url, "%s", url != NULL ? url : d->url);
	snprintf(reg.device, sizeof reg.device, "%s", d->id);
	snprintf(reg.ward, sizeof reg.ward, "%s", d->ward);
	memcpy(reg.sign_pk, d->registry.sign_pk, sizeof reg.sign_pk);
	device_free(d);
	if ((rc = client_pin_from_pem_file(cert, reg.tls_pin, e)) != CUTRU_OK)
		return rc;
	return client_registry_save(dir, &reg, e);
}

static size_t
count_dir(const char *storedir, const char *box, const char *sub)
{
	char **names = NULL;
	size_t n = 0;

	if (spool_list(storedir, box, sub, &names, &n, NULL) != CUTRU_OK)
		return 0;
	spool_names_free(names, n);
	return n;
}

static int
status_exec(struct cli *c, int unlock)
{
	struct client_state st;
	struct client_registry reg;
	struct outbox_status os;
	struct outbox_item *items = NULL;
	struct session *s = NULL;
	struct cutru_err e, ignored;
	const char *dir = NULL;
	size_t queued, waiting, inbox, n = 0, i, j;
	int has_reg, status;
	char t1[32], t2[32], t3[32];
	cJSON *doc, *arr, *o, *rs, *rr;

	cutru_err_clear(&e);
	if (cli_store_path(c, &dir, &e) != CUTRU_OK)
		return cli_fail(c, &e);
	if (unlock && (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    outbox_status(s, &os, &e) != CUTRU_OK ||
	    outbox_list(s, OUTBOX_LIST_ATTENTION, &items, &n, &e) !=
	    CUTRU_OK)) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	client_state_load(dir, &st, &ignored);
	has_reg = client_registry_load(dir, &reg, &ignored) == CUTRU_OK;
	queued = count_dir(dir, SPOOL_OUTBOX, SPOOL_NEW);
	waiting = count_dir(dir, SPOOL_OUTBOX, SPOOL_CUR);
	inbox = count_dir(dir, SPOOL_INBOX, SPOOL_NEW);
	if (c->json) {
		doc = cJSON_CreateObject();
		if (doc != NULL) {
			cJSON_AddStringToObject(doc, "registry",
			    has_reg ? reg.url : "");
			cJSON_AddStringToObject(doc, "device",
			    has_reg ? reg.device : "");
			cJSON_AddNumberToObject(doc, "queue", (double)queued);
			cJSON_AddNumberToObject(doc, "answered_not_applied",
			    (double)waiting);
			cJSON_AddNumberToObject(doc, "inbox_waiting",
			    (double)inbox);
			cJSON_AddNumberToObject(doc, "last_attempt",
			    (double)st.last_attempt);
			cJSON_AddNumberToObject(doc, "last_contact",
			    (double)st.last_contact);
			cJSON_AddNumberToObject(doc, "last_success",
			    (double)st.last_success);
			cJSON_AddStringToObject(doc, "last_outcome",
			    st.passes > 0 ? outcome_name(
			    (enum client_outcome)st.last_outcome) : "");
			cJSON_AddStringToObject(doc, "last_error",
			    st.last_error);
			cJSON_AddNumberToObject(doc, "failures",
			    (double)st.failures);
			cJSON_AddNumberToObject(doc, "passes",
			    (double)st.passes);
			cJSON_AddNumberToObject(doc, "sent",
			    (double)st.items_sent);
			cJSON_AddNumberToObject(doc, "bytes_sent",
			    (double)st.bytes_sent);
			cJSON_AddNumberToObject(doc, "bytes_received",
			    (double)st.bytes_received);
			cJSON_AddNumberToObject(doc, "accepted",
			    (double)st.accepted);
			cJSON_AddNumberToObject(doc, "rejected",
			    (double)st.rejected);
			cJSON_AddNumberToObject(doc, "held", (double)st.held);
			cJSON_AddNumberToObject(doc, "feed_pages",
			    (double)st.feed_pages);
			if (unlock) {
				o = cJSON_AddObjectToObject(doc, "states");
				for (i = 0; o != NULL && i < OUTBOX_STATES;
				    i++)
					cJSON_AddNumberToObject(o,
					    outbox_state_name(
					    (enum outbox_state)i),
					    (double)os.count[i]);
				arr = cJSON_AddArrayToObject(doc, "attention");
				for (i = 0; arr != NULL && i < n; i++) {
					o = cJSON_CreateObject();
					if (o == NULL)
						break;
					cJSON_AddNumberToObject(o, "seq",
					    (double)items[i].seq);
					cJSON_AddStringToObject(o, "dossier",
					    items[i].dossier);
					rs = cJSON_AddArrayToObject(o,
					    "reasons");
					for (j = 0; rs != NULL &&
					    j < items[i].nreasons; j++) {
						rr = cJSON_CreateObject();
						if (rr == NULL)
							break;
						cJSON_AddStringToObject(rr,
						    "code",
						    items[i].reasons[j].name);
						cJSON_AddStringToObject(rr,
						    "message", items[i].
						    reasons[j].message);
						cJSON_AddItemToArray(rs, rr);
					}
					cJSON_AddItemToArray(arr, o);
				}
			}
		}
		outbox_list_free(items, n);
		return cli_json_print(c, doc);
	}
	if (has_reg)
		printf(_("Registry %s, device %s.\n"), reg.url, reg.device);
	else
		printf("%s\n", _("No network registry set up (cutru enroll "
		    "--registry URL)."));
	printf(_("Queue: %zu change sets to send; %zu answered, waiting for "
	    "the next unlock; %zu files in the inbox.\n"), queued, waiting,
	    inbox);
	format_utc_stamp(st.last_attempt, t1, sizeof t1);
	format_utc_stamp(st.last_contact, t2, sizeof t2);
	format_utc_stamp(st.last_success, t3, sizeof t3);
	printf(_("Last attempt %s, last contact %s, last complete pass %s.\n"),
	    t1, t2, t3);
	printf(_("Totals: %llu sent, %llu accepted, %llu rejected, %llu held, "
	    "%llu feed pages; %llu bytes out, %llu in.\n"),
	    (unsigned long long)st.items_sent, (unsigned long long)st.accepted,
	    (unsigned long long)st.rejected, (unsigned long long)st.held,
	    (unsigned long long)st.feed_pages,
	    (unsigned long long)st.bytes_sent,
	    (unsigned long long)st.bytes_received);
	if (st.last_error[0] != '\0')
		printf(_("Last error: %s\n"), st.last_error);
	if (unlock) {
		printf(_("In the store: %zu sealed, %zu sent, %zu exported, "
		    "%zu held, %zu accepted, %zu rejected.\n"),
		    os.count[OUTBOX_SEALED], os.count[OUTBOX_SENT],
		    os.count[OUTBOX_EXPORTED], os.count[OUTBOX_HELD],
		    os.count[OUTBOX_ACCEPTED], os.count[OUTBOX_REJECTED]);
		if (n > 0)
			printf("%s\n", _("Needs attention (rejected by the "
			    "registry):"));
		for (i = 0; i < n; i++) {
			printf("%6lld  %s\n", (long long)items[i].seq,
			    items[i].dossier);
			for (j = 0; j < items[i].nreasons; j++)
				printf("        %s: %s\n",
				    items[i].reasons[j].name,
				    items[i].reasons[j].message);
		}
	} else if (st.rejected > 0)
		printf("%s\n", _("Some change sets were rejected; run cutru "
		    "sync --status --unlock to see which and why."));
	outbox_list_free(items, n);
	status = CLI_EXIT_OK;
	return status;
}

/* Wait until the outbox changes (ifd readable), a signal, or timeout
 * seconds.  Drains the inotify events. */
static void
daemon_wait(int ifd, long timeout, int wake_on_change)
{
	struct pollfd p;
	char buf[4096];
	time_t until = time(NULL) + timeout;
	long left;

	while (!stop_flag && (left = (long)(until - time(NULL))) > 0) {
		p.fd = ifd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, ifd >= 0 ? 1 : 0, (int)(left > 60 ? 60000 :
		    left * 1000)) > 0 && (p.revents & POLLIN)) {
			while (read(ifd, buf, sizeof buf) > 0)
				;
			if (wake_on_change)
				return;
		}
	}
}

static int
daemon_run(struct cli *c, struct client *cl, struct session *s,
    const char *dir, long interval)
{
	struct client_report r;
	struct client_state st;
	struct cutru_err e, ignored;
	char path[CLI_PATH_MAX + 16];
	uint32_t rnd;
	long wait;
	int ifd, rc;

	ifd = -1;
	if (snprintf(path, sizeof path, "%s/%s/%s", dir, SPOOL_OUTBOX,
	    SPOOL_NEW) < (int)sizeof path)
		ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd >= 0 && inotify_add_watch(ifd, path, IN_MOVED_TO | IN_CREATE |
	    IN_CLOSE_WRITE) < 0) {
		close(ifd);
		ifd = -1;
	}
	while (!stop_flag) {
		cutru_err_clear(&e);
		rc = client_pass(cl, s, time(NULL), &r, &e);
		if (rc != CUTRU_OK)
			fprintf(stderr, _("cutru: %s\n"), e.msg);
		else if (r.outcome != CLIENT_DONE && r.problem.code != CUTRU_OK)
			fprintf(stderr, _("cutru: %s\n"), r.problem.msg);
		else if (r.items_sent > 0 && !c->json)
			fprintf(stderr, _("cutru: %zu change sets sent: %zu "
			    "accepted, %zu rejected, %zu held.\n"),
			    r.items_sent, r.accepted, r.rejected, r.held);
		if (stop_flag)
			break;
		if (rc != CUTRU_OK || r.outcome == CLIENT_UNREACHABLE ||
		    r.outcome == CLIENT_PIN_MISMATCH) {
			client_state_load(dir, &st, &ignored);
			rnd = randombytes_uniform(1000001);
			wait = client_backoff(st.failures ? st.failures : 1,
			    DAEMON_BACKOFF_BASE, interval,
			    (double)rnd / 1000000.0);
			if (r.retry_after > wait)
				wait = r.retry_after > interval ? interval :
				    r.retry_after;
			st.next_attempt = (int64_t)(time(NULL) + wait);
			(void)client_state_save(dir, &st, &ignored);
			daemon_wait(ifd, wait, 0);
		} else if (r.outcome == CLIENT_PENDING)
			daemon_wait(ifd, interval, 1);
		else
			daemon_wait(ifd, interval, 1);
	}
	if (ifd >= 0)
		close(ifd);
	return CLI_EXIT_OK;
}

static int
sync_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "daemon", no_argument, NULL, OPT_DAEMON },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "unlock", no_argument, NULL, OPT_UNLOCK },
		{ "registry", required_argument, NULL, OPT_REGISTRY },
		{ "registry-cert", required_argument, NULL, OPT_CERT },
		{ "batch-bytes", required_argument, NULL, OPT_BATCH },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "connect-timeout", required_argument, NULL, OPT_CONNECT },
		{ "stall-timeout", required_argument, NULL, OPT_STALL },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct client_options o;
	struct client_report r;
	struct client *cl = NULL;
	struct session *s = NULL;
	struct progress_ctx px;
	struct sigaction sa, old_term, old_int;
	struct cutru_err e;
	const char *from = NULL, *url = NULL, *cert = NULL, *dir = NULL;
	long long v;
	long interval = DAEMON_INTERVAL_DEFAULT;
	int opt, status = CLI_EXIT_OK, daemon = 0, show = 0, unlock = 0, rc;

	cutru_err_clear(&e);
	memset(&o, 0, sizeof o);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		if (opt == -2)
			return status;
		switch (opt) {
		case OPT_DAEMON: daemon = 1; break;
		case OPT_STATUS: show = 1; break;
		case OPT_FROM: from = optarg; break;
		case OPT_UNLOCK: unlock = 1; break;
		case OPT_REGISTRY: url = optarg; break;
		case OPT_CERT: cert = optarg; break;
		case OPT_BATCH:
			if ((v = cli_parse_count(optarg, 1024 * 1024)) < 1024)
				return cli_usage_error(c, _("--batch-bytes "
				    "takes a number of bytes from 1024 to "
				    "1048576."));
			o.batch_bytes = (size_t)v;
			break;
		case OPT_INTERVAL:
			if ((v = cli_parse_count(optarg, 86400)) < 1)
				return cli_usage_error(c, _("--interval takes "
				    "a number of seconds from 1 to 86400."));
			interval = (long)v;
			break;
		case OPT_CONNECT:
			if ((v = cli_parse_count(optarg, 3600)) < 1)
				return cli_usage_error(c, _("--connect-timeout "
				    "takes a number of seconds from 1 to "
				    "3600."));
			o.connect_timeout = (long)v;
			break;
		case OPT_STALL:
			if ((v = cli_parse_count(optarg, 3600)) < 1)
				return cli_usage_error(c, _("--stall-timeout "
				    "takes a number of seconds from 1 to "
				    "3600."));
			o.low_speed_time = (long)v;
			break;
		case OPT_RETRIES:
			if ((v = cli_parse_count(optarg, 100)) < 0)
				return cli_usage_error(c, _("--retries takes "
				    "a number from 0 to 100."));
			o.retries = v == 0 ? -1 : (int)v;
			break;
		default: break;
		}
	}
	if (optind != argc)
		return cli_usage_error(c, _("'sync' takes no operands."));
	if (daemon + show + (from != NULL) > 1)
		return cli_usage_error(c, _("Give at most one of --daemon, "
		    "--status and --from DIR."));
	if (cert != NULL && !unlock)
		return cli_usage_error(c, _("--registry-cert needs --unlock "
		    "(an administrator pins the registry's key)."));
	if (show)
		return status_exec(c, unlock);
	if (cli_store_path(c, &dir, &e) != CUTRU_OK)
		return cli_fail(c, &e);
	if (unlock && cli_open(c, &s, NULL, &e) != CUTRU_OK)
		return cli_fail(c, &e);
	if (cert != NULL && repin(c, s, url, cert, &e) != CUTRU_OK)
		goto fail;
	px.c = c;
	px.tty = isatty(STDERR_FILENO);
	o.url = url;
	o.progress = on_progress;
	o.progress_arg = &px;
	o.stop = &stop_flag;
	if (client_global_init(&e) != CUTRU_OK ||
	    client_open(dir, &o, &cl, &e) != CUTRU_OK)
		goto fail;
	stop_flag = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	if (daemon)
		status = daemon_run(c, cl, s, dir, interval);
	else {
		if (from != NULL)
			rc = client_carry(cl, from, &r, &e);
		else
			rc = client_pass(cl, s, time(NULL), &r, &e);
		status = print_report(c, &r, rc, &e, px.tty);
	}
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	client_close(cl);
	session_close(s);
	return status;
fail:
	client_close(cl);
	session_close(s);
	return cli_fail(c, &e);
}

const struct cmd cmd_sync = {
	"sync", N_("[--unlock] [--registry URL] [--batch-bytes N] "
	"[--connect-timeout S] [--stall-timeout S] [--retries N] [--daemon "
	"[--interval S] | --status | --from DIR] | --unlock --registry-cert "
	"FILE"),
	N_("Send the approved change sets to the registry and bring back its "
	"receipts and feed."), sync_exec, NULL
};
