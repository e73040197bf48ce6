#include "config.h"

/* cutru report: how many dossiers, by procedure, by state and by period
 * of receipt (it only counts what dossier_list() gives); and cutru
 * expiring: the temporary residences that end soon. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/i18n.h"
#include "core/procedure.h"
#include "localdb/dossier.h"
#include "localdb/session.h"
#include "tui/cli.h"
#include "tui/view.h"

enum {
	OPT_FROM = CLI_OPT_FIRST_FREE,
	OPT_TO,
	OPT_PERIOD,
	OPT_DAYS
};

/* The states of localdb/dossier.h, in the order of a dossier's life. */
static const char *const states[] = {
	"awaiting", "approved", "returned", "refused", "sent", "accepted",
	"rejected"
};
#define N_STATES (sizeof states / sizeof states[0])

struct counts {
	char key[32];           /* procedure id or period */
	size_t total;
	size_t state[N_STATES];
};

static void
count(struct counts *c, const char *state)
{
	size_t i;

	c->total++;
	for (i = 0; i < N_STATES; i++)
		if (strcmp(states[i], state) == 0)
			c->state[i]++;
}

/* The counts of period key in *periods (sorted by key), added if new. */
static struct counts *
period_of(struct counts **periods, size_t *n, const char *key)
{
	struct counts *p;
	size_t i;

	for (i = 0; i < *n; i++) {
		int cmp = strcmp((*periods)[i].key, key);

		if (cmp == 0)
			return &(*periods)[i];
		if (cmp > 0)
			break;
	}
	if ((p = realloc(*periods, (*n + 1) * sizeof *p)) == NULL)
		return NULL;
	*periods = p;
	memmove(&p[i + 1], &p[i], (*n - i) * sizeof *p);
	memset(&p[i], 0, sizeof *p);
	snprintf(p[i].key, sizeof p[i].key, "%s", key);
	(*n)++;
	return &p[i];
}

static cJSON *
counts_json(const struct counts *c, const char *key_name)
{
	cJSON *o = cJSON_CreateObject(), *st;
	size_t i;

	if (o == NULL)
		return NULL;
	if ((key_name != NULL &&
	    cJSON_AddStringToObject(o, key_name, c->key) == NULL) ||
	    cJSON_AddNumberToObject(o, "total", (double)c->total) == NULL ||
	    (st = cJSON_AddObjectToObject(o, "states")) == NULL)
		goto fail;
	for (i = 0; i < N_STATES; i++)
		if (cJSON_AddNumberToObject(st, states[i],
		    (double)c->state[i]) == NULL)
			goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static int
add_list(cJSON *doc, const char *name, const struct counts *list, size_t n,
    const char *key_name)
{
	cJSON *arr = cJSON_AddArrayToObject(doc, name), *o;
	size_t i;

	if (arr == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((o = counts_json(&list[i], key_name)) == NULL ||
		    !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			return -1;
		}
	}
	return 0;
}

static void
print_row(const char *label, const struct counts *c)
{
	size_t i;

	printf("%-22s %6zu", label, c->total);
	for (i = 0; i < N_STATES; i++)
		printf(" %8zu", c->state[i]);
	putchar('\n');
}

static void
print_header(const char *first)
{
	size_t i;

	printf("%-22s %6s", first, _("total"));
	for (i = 0; i < N_STATES; i++)
		printf(" %8.8s", states[i]);
	putchar('\n');
}

/* A --from/--to date: a full date (as date_parse() reads it), into
 * buf[DATE_FMT_MAX] in ISO form, which compares as text. */
static int
check_date(struct cli *c, const char *s, const char *opt, char *buf)
{
	struct cutru_date d;

	if (date_parse(s, opt, &d, NULL) != CUTRU_OK ||
	    d.prec != CUTRU_DATE_DAY ||
	    date_format_iso(&d, buf, DATE_FMT_MAX) != CUTRU_OK)
		return cli_usage_error(c, _("%s needs a date YYYY-MM-DD, not "
		    "'%s'."), opt, s);
	return CLI_EXIT_OK;
}

static int
report_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "period", required_argument, NULL, OPT_PERIOD },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	const char *from = NULL, *to = NULL, *period = "month";
	char from_buf[DATE_FMT_MAX], to_buf[DATE_FMT_MAX];
	struct counts all, *procs = NULL, *periods = NULL, *p;
	struct dossier *list = NULL;
	struct session *s = NULL;
	struct cutru_err e;
	size_t n = 0, nproc, nper = 0, i, j, keylen;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	memset(&all, 0, sizeof all);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		switch (opt) {
		case -2:
			return status;
		case OPT_FROM:
			if ((status = check_date(c, optarg, "--from",
			    from_buf)) != 0)
				return status;
			from = from_buf;
			break;
		case OPT_TO:
			if ((status = check_date(c, optarg, "--to",
			    to_buf)) != 0)
				return status;
			to = to_buf;
			break;
		case OPT_PERIOD:
			period = optarg;
			break;
		}
	}
	if (optind != argc)
		return cli_usage_error(c, _("'report' takes no operands."));
	if (strcmp(period, "month") == 0)
		keylen = 7;
	else if (strcmp(period, "year") == 0)
		keylen = 4;
	else if (strcmp(period, "day") == 0)
		keylen = 10;
	else
		return cli_usage_error(c, _("--period is day, month or year, "
		    "not '%s'."), period);
	nproc = procedure_count();
	if ((procs = calloc(nproc, sizeof *procs)) == NULL) {
		cutru_err_set(&e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while counting."));
		return cli_fail(c, &e);
	}
	for (i = 0; i < nproc; i++)
		snprintf(procs[i].key, sizeof procs[i].key, "%s",
		    procedures[i].id);
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    dossier_list(s, NULL, &list, &n, &e) != CUTRU_OK) {
		status = cli_fail(c, &e);
		goto done;
	}
	for (i = 0; i < n; i++) {
		char key[16];

		if ((from != NULL && strcmp(list[i].received, from) < 0) ||
		    (to != NULL && strcmp(list[i].received, to) > 0))
			continue;
		count(&all, list[i].state);
		for (j = 0; j < nproc; j++)
			if (strcmp(procs[j].key, list[i].procedure) == 0)
				count(&procs[j], list[i].state);
		snprintf(key, sizeof key, "%.*s", (int)keylen,
		    list[i].received);
		if ((p = period_of(&periods, &nper, key)) == NULL) {
			cutru_err_set(&e, CUTRU_ENOMEM, NULL,
			    _("Out of memory while counting."));
			status = cli_fail(c, &e);
			goto done;
		}
		count(p, list[i].state);
	}
	if (c->json) {
		cJSON *doc = cJSON_CreateObject(), *o;

		if (doc == NULL ||
		    (from != NULL ? cJSON_AddStringToObject(doc, "from",
		    from) : cJSON_AddNullToObject(doc, "from")) == NULL ||
		    (to != NULL ? cJSON_AddStringToObject(doc, "to", to) :
		    cJSON_AddNullToObject(doc, "to")) == NULL ||
		    cJSON_AddStringToObject(doc, "period", period) == NULL ||
		    (o = counts_json(&all, NULL)) == NULL ||
		    !cJSON_AddItemToObject(doc, "all", o) ||
		    add_list(doc, "procedures", procs, nproc,
		    "procedure") != 0 ||
		    add_list(doc, "periods", periods, nper, "period") != 0) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		status = cli_json_print(c, doc);
		goto done;
	}
	print_header(_("procedure"));
	for (i = 0; i < nproc; i++)
		print_row(procs[i].key, &procs[i]);
	print_row(_("all"), &all);
	putchar('\n');
	print_header(_("received in"));
	for (i = 0; i < nper; i++)
		print_row(periods[i].key, &periods[i]);
done:
	session_close(s);
	dossier_list_free(list, n);
	free(procs);
	free(periods);
	return status;
}

const struct cmd cmd_report = {
	"report", N_("[--from DATE] [--to DATE] [--period day|month|year]"),
	N_("Count the dossiers by procedure, state and period of receipt."),
	report_exec, NULL
};

/* expiring --days N: active temporary residences whose term ends within N
 * days (or has ended while the residence is still registered), soonest
 * first, from the register's export (tui/view.h). */
struct expiring_item {
	char to[DATE_FMT_MAX];
	cJSON *item;
};

struct expiring_walk {
	struct cutru_date today;
	char limit[DATE_FMT_MAX];  /* today + N, ISO: compares as text */
	struct expiring_item *items;
	size_t n, cap;
};

static const char *
str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
add_str_or_null(cJSON *o, const char *key, const char *v)
{
	return (v != NULL ? cJSON_AddStringToObject(o, key, v) :
	    cJSON_AddNullToObject(o, key)) != NULL;
}

static int
expiring_each(const cJSON *person, void *arg)
{
	struct expiring_walk *w = arg;
	const cJSON *r;
	struct cutru_date to;
	const char *kind, *end;
	cJSON *o, *a;
	long days;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(person,
	    "residences")) {
		kind = str_of(r, "kind");
		end = str_of(r, "to");
		if (kind == NULL || strcmp(kind, "temporary") != 0 ||
		    end == NULL || strlen(end) != DATE_FMT_MAX - 1 ||
		    strcmp(end, w->limit) > 0)
			continue;
		if (date_parse(end, NULL, &to, NULL) != CUTRU_OK ||
		    date_diff_days(&w->today, &to, &days) != CUTRU_OK)
			continue;
		if (w->n == w->cap) {
			size_t cap = w->cap == 0 ? 64 : w->cap * 2;
			struct expiring_item *p;

			if ((p = realloc(w->items, cap * sizeof *p)) == NULL)
				return CUTRU_ENOMEM;
			w->items = p;
			w->cap = cap;
		}
		a = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r,
		    "address"), 1);
		if ((o = cJSON_CreateObject()) == NULL ||
		    !add_str_or_null(o, "id_number",
		    str_of(person, "id_number")) ||
		    !add_str_or_null(o, "name", str_of(person, "name")) ||
		    !add_str_or_null(o, "from", str_of(r, "from")) ||
		    cJSON_AddStringToObject(o, "to", end) == NULL ||
		    cJSON_AddNumberToObject(o, "days_left", (double)days) ==
		    NULL || a == NULL || !cJSON_AddItemToObject(o, "address",
		    a)) {
			cJSON_Delete(a);
			cJSON_Delete(o);
			return CUTRU_ENOMEM;
		}
		snprintf(w->items[w->n].to, sizeof w->items[w->n].to, "%s",
		    end);
		w->items[w->n++].item = o;
	}
	return CUTRU_OK;
}

static int
expiring_cmp(const void *a, const void *b)
{
	const struct expiring_item *x = a, *y = b;

	return strcmp(x->to, y->to);
}

static int
expiring_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "days", required_argument, NULL, OPT_DAYS },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct expiring_walk w;
	struct cutru_date limit;
	struct session *s = NULL;
	struct cutru_err e;
	char today[DATE_FMT_MAX];
	cJSON *doc = NULL, *arr = NULL;
	long long days = -1;
	size_t i;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	memset(&w, 0, sizeof w);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		if (opt == -2)
			return status;
		if (opt == OPT_DAYS &&
		    (days = cli_parse_count(optarg, 3660)) < 0)
			return cli_usage_error(c, _("--days needs a number of "
			    "days from 0 to 3660, not '%s'."), optarg);
	}
	if (optind != argc)
		return cli_usage_error(c, _("'expiring' takes no operands."));
	if (days < 0)
		return cli_usage_error(c, _("Say how many days ahead to look, "
		    "with --days N."));
	if (cli_today(&w.today, &e) != CUTRU_OK ||
	    date_add_days(&w.today, (long)days, &limit) != CUTRU_OK ||
	    date_format_iso(&limit, w.limit, sizeof w.limit) != CUTRU_OK ||
	    date_format_iso(&w.today, today, sizeof today) != CUTRU_OK) {
		if (e.code == CUTRU_OK)
			cutru_err_set(&e, CUTRU_ERANGE, "days",
			    _("%lld days from today is past the dates cutru "
			    "knows."), days);
		return cli_fail(c, &e);
	}
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    view_persons(session_db(s), expiring_each, &w, &e) != CUTRU_OK) {
		status = cli_fail(c, &e);
		goto done;
	}
	session_close(s);
	s = NULL;
	if (w.n > 0)
		qsort(w.items, w.n, sizeof *w.items, expiring_cmp);
	if (c->json) {
		if ((doc = cJSON_CreateObject()) == NULL ||
		    cJSON_AddStringToObject(doc, "today", today) == NULL ||
		    cJSON_AddNumberToObject(doc, "days", (double)days) == NULL ||
		    (arr = cJSON_AddArrayToObject(doc, "residences")) == NULL) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		for (i = 0; doc != NULL && i < w.n; i++) {
			if (!cJSON_AddItemToArray(arr, w.items[i].item)) {
				cJSON_Delete(doc);
				doc = NULL;
				break;
			}
			w.items[i].item = NULL;
		}
		status = cli_json_print(c, doc);
		goto done;
	}
	for (i = 0; i < w.n; i++) {
		const cJSON *o = w.items[i].item;
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "address");
		int left = cJSON_GetObjectItemCaseSensitive(o,
		    "days_left")->valueint;

		printf("%s  ", w.items[i].to);
		if (left >= 0)
			printf(_("in %4d days"), left);
		else
			printf(_("ended %d days ago"), -left);
		printf("  %-12s  %s  %s, %s\n", str_of(o, "id_number") != NULL ?
		    str_of(o, "id_number") : "", str_of(o, "name"),
		    str_of(a, "detail") != NULL ? str_of(a, "detail") : "",
		    str_of(a, "commune") != NULL ? str_of(a, "commune") : "");
	}
done:
	session_close(s);
	for (i = 0; i < w.n; i++)
		cJSON_Delete(w.items[i].item);
	free(w.items);
	return status;
}

const struct cmd cmd_expiring = {
	"expiring", N_("--days N"),
	N_("List the temporary residences whose term ends within N days."),
	expiring_exec, NULL
};
