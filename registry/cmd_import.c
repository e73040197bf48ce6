#include "config.h"

/* cutru-registryd import DIR: change sets carried on removable media, and
 * the receipts and feed pages written back for the console.
 *
 * The directory (cutru-registryd(8), IMPORT):
 *   DIR/changesets/NAME      sealed change sets ("cuC1"), as a console's
 *                            outbox holds them; NAME is the console's,
 *                            any name not starting with '.'
 *   DIR/feed-requests/NAME   optional: a signed feed request, one line with
 *                            the query of GET /v1/feed
 *                            ("device=ID&after=CURSOR&time=T&sig=HEX")
 * written back:
 *   DIR/receipts/NAME        the signed receipt ("cuR1") for
 *                            changesets/NAME
 *   DIR/feed/NAME            the feed page sealed to the device for
 *                            feed-requests/NAME
 *
 * The change sets go through exactly what POST /v1/changesets does
 * (registry/ingest.h), in name order, one transaction per 64 of them, so
 * importing the same directory twice gives the same receipts (replays) and
 * applies nothing twice.  A feed request is checked with the device's key
 * but not against the clock: a stick may travel for days, and an old
 * request only ever yields a page that the same device alone can open. */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/canon.h"
#include "core/i18n.h"
#include "localdb/storedir.h"
#include "registry/cmd.h"
#include "registry/ingest.h"
#include "sync/feed.h"

#define CHUNK 64
#define FEED_REQUEST_MAX 1024
/* Largest file of changesets/ read at all. */
#define FILE_MAX (16 * 1024 * 1024)

static int
names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir whose names do not start with '.', sorted.
 * *names malloc'd (free each and the array).  A missing dir is empty. */
static int
list_dir(const char *dir, char ***names, size_t *n)
{
	DIR *d;
	struct dirent *de;
	char **v = NULL, **nv, p[STOREDIR_PATH_MAX];
	size_t cap = 0;
	struct stat sb;

	*names = NULL;
	*n = 0;
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		if (stat(p, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((nv = realloc(v, cap * sizeof *v)) == NULL)
				goto fail;
			v = nv;
		}
		if ((v[*n] = strdup(de->d_name)) == NULL)
			goto fail;
		(*n)++;
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof *v, names_cmp);
	*names = v;
	return 0;
fail:
	closedir(d);
	while (*n > 0)
		free(v[--*n]);
	free(v);
	return -1;
}

static void
free_names(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

static int
make_dir(const char *dir, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", dir, name);
	if (mkdir(out, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, _("cutru-registryd: could not make %s: %s\n"),
		    out, strerror(errno));
		return REG_EXIT_STORE;
	}
	return REG_EXIT_OK;
}

/* Ingest names[from..to) of csdir and write their receipts. */
static int
import_chunk(struct regcli *c, struct regstore *st, const struct regkeys *k,
    const char *csdir, const char *rdir, char **names, size_t from,
    size_t to, size_t count[3])
{
	struct ingest_item items[CHUNK];
	unsigned char *bufs[CHUNK];
	struct cutru_err e;
	size_t i, n = to - from;
	int rc, status = REG_EXIT_OK;

	memset(bufs, 0, sizeof bufs);
	for (i = 0; i < n; i++) {
		size_t len = 0;

		/* Read more than a change set can be, so that an oversized
		 * file gets its too_large receipt (with the hash of what it
		 * holds). */
		rc = storedir_read_file(csdir, names[from + i], "change set",
		    FILE_MAX, 0, &bufs[i], &len, &e);
		if (rc != CUTRU_OK) {
			status = regcli_fail(c, &e);
			n = i;
			goto done;
		}
		ingest_item_init(&items[i], bufs[i], len);
	}
	if (ingest_batch(st, st, k, items, n, (int64_t)time(NULL), &e) !=
	    CUTRU_OK) {
		status = regcli_fail(c, &e);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (storedir_write_atomic(rdir, names[from + i],
		    items[i].receipt, items[i].receipt_len, 0644, &e) !=
		    CUTRU_OK) {
			status = regcli_fail(c, &e);
			goto done;
		}
		count[items[i].status == RECEIPT_ACCEPTED ? 0 :
		    items[i].status == RECEIPT_HELD ? 2 : 1]++;
	}
done:
	for (i = 0; i < n; i++)
		ingest_item_free(&items[i]);
	for (i = 0; i < to - from; i++)
		free(bufs[i]);
	return status;
}

struct acc {
	cJSON *items;
	int64_t last;
	size_t bytes;
};

static int
feed_entry(void *arg, int64_t cursor, const char *entry, size_t len)
{
	struct acc *a = arg;
	cJSON *item = NULL;

	if (a->bytes + len > FEED_CANON_MAX / 2 &&
	    cJSON_GetArraySize(a->items) > 0)
		return 1;
	if (canon_parse(entry, len, NULL, 0, &item, NULL) != CUTRU_OK)
		return CUTRU_EIO;
	cJSON_AddItemToArray(a->items, item);
	a->bytes += len;
	a->last = cursor;
	return 0;
}

/* Split "device=..&after=..&time=..&sig=.." into its four values. */
static int
parse_query(char *q, char **device, char **after, char **t, char **sig)
{
	char *tok, *save = NULL, *eq;

	*device = *after = *t = *sig = NULL;
	q[strcspn(q, "\r\n")] = '\0';
	for (tok = strtok_r(q, "&", &save); tok != NULL;
	    tok = strtok_r(NULL, "&", &save)) {
		if ((eq = strchr(tok, '=')) == NULL)
			return -1;
		*eq++ = '\0';
		if (strcmp(tok, "device") == 0 && *device == NULL)
			*device = eq;
		else if (strcmp(tok, "after") == 0 && *after == NULL)
			*after = eq;
		else if (strcmp(tok, "time") == 0 && *t == NULL)
			*t = eq;
		else if (strcmp(tok, "sig") == 0 && *sig == NULL)
			*sig = eq;
		else
			return -1;
	}
	if (*after == NULL)
		*after = q + strlen(q);  /* "" */
	return *device != NULL && *t != NULL && *sig != NULL ? 0 : -1;
}

/* One feed request: a page written to fdir/name, or a message. */
static int
feed_one(struct regcli *c, struct regstore *st, const struct regkeys *k,
    const char *frdir, const char *fdir, const char *name)
{
	unsigned char *text = NULL, *out = NULL;
	char *device, *after, *tstr, *sig, *end;
	struct reg_device d;
	struct feed_page page;
	struct cutru_err e;
	struct acc a;
	enum sync_reason why;
	size_t len = 0, olen = 0;
	long long t, from = 0;
	int more = 0, rc, status = REG_EXIT_OK;

	if (storedir_read_file(frdir, name, "feed request", FEED_REQUEST_MAX,
	    0, &text, &len, &e) != CUTRU_OK)
		return regcli_fail(c, &e);
	memset(&a, 0, sizeof a);
	if (parse_query((char *)text, &device, &after, &tstr, &sig) != 0) {
		fprintf(stderr, _("cutru-registryd: feed request %s is not well-formed; skipped.\n"),
		    name);
		goto done;
	}
	errno = 0;
	t = strtoll(tstr, &end, 10);
	if (*end != '\0' || errno != 0 || feed_cursor_check(after, NULL) !=
	    CUTRU_OK) {
		fprintf(stderr, _("cutru-registryd: feed request %s is not well-formed; skipped.\n"),
		    name);
		goto done;
	}
	if (after[0] != '\0') {
		from = strtoll(after, &end, 10);
		if (*end != '\0' || from < 0) {
			fprintf(stderr, _("cutru-registryd: feed request %s has a cursor this registry did not give; skipped.\n"),
			    name);
			goto done;
		}
	}
	if (st->ops->device_get(st, device, &d, &e) != CUTRU_OK ||
	    d.revoked != 0 ||
	    feed_request_verify(d.sign_pk, device, after, (int64_t)t, sig,
	    (int64_t)t, &why, &e) != CUTRU_OK) {
		fprintf(stderr, _("cutru-registryd: feed request %s is not from an enrolled device in good standing; skipped.\n"),
		    name);
		goto done;
	}
	if ((a.items = cJSON_CreateArray()) == NULL) {
		status = REG_EXIT_INTERNAL;
		goto done;
	}
	a.last = from;
	rc = st->ops->feed_read(st, d.ward, from, c->conf.feed_page,
	    feed_entry, &a, &more, &e);
	if (rc != CUTRU_OK && rc != 1) {
		status = regcli_fail(c, &e);
		goto done;
	}
	memset(&page, 0, sizeof page);
	snprintf(page.ward, sizeof page.ward, "%s", d.ward);
	snprintf(page.device, sizeof page.device, "%.*s",
	    ENVELOPE_KEY_ID_HEX, d.id);
	snprintf(page.after, sizeof page.after, "%s", after);
	if (a.last > from || after[0] != '\0')
		snprintf(page.cursor, sizeof page.cursor, "%lld",
		    (long long)a.last);
	page.more = more || rc == 1;
	page.time = (int64_t)time(NULL);
	page.items = a.items;
	if (feed_seal(&page, k->sign_sk, d.box_pk, &out, &olen, &e) !=
	    CUTRU_OK ||
	    storedir_write_atomic(fdir, name, out, olen, 0644, &e) != CUTRU_OK)
		status = regcli_fail(c, &e);
done:
	cJSON_Delete(a.items);
	free(text);
	free(out);
	return status;
}

static int
exec_import(struct regcli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char csdir[STOREDIR_PATH_MAX], rdir[STOREDIR_PATH_MAX],
	    frdir[STOREDIR_PATH_MAX], fdir[STOREDIR_PATH_MAX];
	struct regkeys *k = NULL;
	struct regstore *st = NULL;
	char **names = NULL, **fnames = NULL;
	size_t n = 0, nf = 0, i, count[3] = { 0, 0, 0 };
	const char *dir;
	int opt, status;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			printf("%s", _("Usage: cutru-registryd import DIR\n"
			    "Ingest the sealed change sets in DIR/changesets and write their receipts\n"
			    "to DIR/receipts; answer the feed requests in DIR/feed-requests into\n"
			    "DIR/feed.\n"));
			return REG_EXIT_OK;
		}
		return regcli_usage(c, "%s", _("Unknown option."));
	}
	if (optind + 1 != argc)
		return regcli_usage(c, "%s", _("Name the directory to import."));
	dir = argv[optind];
	if (strlen(dir) > STOREDIR_PATH_MAX - 64)
		return regcli_usage(c, "%s", _("The directory's path is too long."));
	if ((status = regcli_load(c)) != REG_EXIT_OK ||
	    (status = regcli_keys(c, &k)) != REG_EXIT_OK)
		return status;
	snprintf(csdir, sizeof csdir, "%s/changesets", dir);
	snprintf(frdir, sizeof frdir, "%s/feed-requests", dir);
	if (list_dir(csdir, &names, &n) != 0 ||
	    list_dir(frdir, &fnames, &nf) != 0) {
		fprintf(stderr, _("cutru-registryd: could not read %s: %s\n"),
		    dir, strerror(errno));
		status = REG_EXIT_STORE;
		goto done;
	}
	if (n == 0 && nf == 0) {
		fprintf(stderr, _("cutru-registryd: %s holds no change sets (changesets/) and no feed requests (feed-requests/).\n"),
		    dir);
		status = REG_EXIT_NOTFOUND;
		goto done;
	}
	if ((status = regcli_open(c, 0, &st)) != REG_EXIT_OK)
		goto done;
	if (n > 0 && (status = make_dir(dir, "receipts", rdir,
	    sizeof rdir)) != REG_EXIT_OK)
		goto done;
	for (i = 0; i < n && status == REG_EXIT_OK; i += CHUNK)
		status = import_chunk(c, st, k, csdir, rdir, names, i,
		    i + CHUNK < n ? i + CHUNK : n, count);
	if (status != REG_EXIT_OK)
		goto done;
	if (nf > 0 && (status = make_dir(dir, "feed", fdir, sizeof fdir)) !=
	    REG_EXIT_OK)
		goto done;
	for (i = 0; i < nf && status == REG_EXIT_OK; i++)
		status = feed_one(c, st, k, frdir, fdir, fnames[i]);
	if (status == REG_EXIT_OK)
		printf(_("%zu change sets: %zu accepted, %zu rejected, %zu held; %zu feed requests answered.\n"),
		    n, count[0], count[1], count[2], nf);
done:
	free_names(names, n);
	free_names(fnames, nf);
	regstore_close(st);
	regkeys_free(k);
	return status;
}

const struct regcmd regcmd_import = {
	"import", N_("DIR"),
	N_("ingest change sets from removable media and write their receipts"),
	exec_import, NULL
};
