#include "config.h"

/* cutru report: how many dossiers, by procedure, by state and by period
 * of receipt, and the register as a whole; and cutru expiring: the
 * temporary residences that end soon.  The counting and the finding are
 * the library's (localdb/register.h); this file prints. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/i18n.h"
#include "localdb/register.h"
#include "localdb/session.h"
#include "tui/cli.h"

enum {
	OPT_FROM = CLI_OPT_FIRST_FREE,
	OPT_TO,
	OPT_PERIOD,
	OPT_DAYS
};

static cJSON *
counts_json(const struct register_counts *c, const char *key_name)
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
	for (i = 0; i < REGISTER_N_STATES; i++)
		if (cJSON_AddNumberToObject(st, register_dossier_states[i],
		    (double)c->state[i]) == NULL)
			goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static int
add_list(cJSON *doc, const char *name, const struct register_counts *list,
    size_t n, const char *key_name)
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
print_row(const char *label, const struct register_counts *c)
{
	size_t i;

	printf("%-22s %6zu", label, c->total);
	for (i = 0; i < REGISTER_N_STATES; i++)
		printf(" %8zu", c->state[i]);
	putchar('\n');
}

static void
print_header(const char *first)
{
	size_t i;

	printf("%-22s %6s", first, _("total"));
	for (i = 0; i < REGISTER_N_STATES; i++)
		printf(" %8.8s", register_dossier_states[i]);
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

/* The register as a whole, after the periods. */
static int
add_register(cJSON *doc, const struct register_report *r)
{
	cJSON *o, *res;

	return (o = cJSON_AddObjectToObject(doc, "register")) != NULL &&
	    cJSON_AddNumberToObject(o, "persons", (double)r->persons) !=
	    NULL && cJSON_AddNumberToObject(o, "households",
	    (double)r->households) != NULL &&
	    (res = cJSON_AddObjectToObject(o, "residences")) != NULL &&
	    cJSON_AddNumberToObject(res, "permanent", (double)r->permanent) !=
	    NULL && cJSON_AddNumberToObject(res, "temporary",
	    (double)r->temporary) != NULL &&
	    cJSON_AddNumberToObject(res, "current", (double)r->current) !=
	    NULL ? 0 : -1;
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
	enum register_period by;
	struct register_report r;
	struct session *s = NULL;
	struct cutru_err e;
	size_t i;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	memset(&r, 0, sizeof r);
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
		by = REGISTER_PERIOD_MONTH;
	else if (strcmp(period, "year") == 0)
		by = REGISTER_PERIOD_YEAR;
	else if (strcmp(period, "day") == 0)
		by = REGISTER_PERIOD_DAY;
	else
		return cli_usage_error(c, _("--period is day, month or year, "
		    "not '%s'."), period);
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    register_report(session_db(s), from, to, by, &r, &e) !=
	    CUTRU_OK) {
		status = cli_fail(c, &e);
		goto done;
	}
	if (c->json) {
		cJSON *doc = cJSON_CreateObject(), *o;

		if (doc == NULL ||
		    (from != NULL ? cJSON_AddStringToObject(doc, "from",
		    from) : cJSON_AddNullToObject(doc, "from")) == NULL ||
		    (to != NULL ? cJSON_AddStringToObject(doc, "to", to) :
		    cJSON_AddNullToObject(doc, "to")) == NULL ||
		    cJSON_AddStringToObject(doc, "period", period) == NULL ||
		    (o = counts_json(&r.all, NULL)) == NULL ||
		    !cJSON_AddItemToObject(doc, "all", o) ||
		    add_list(doc, "procedures", r.procedures, r.n_procedures,
		    "procedure") != 0 ||
		    add_list(doc, "periods", r.periods, r.n_periods,
		    "period") != 0 ||
		    add_register(doc, &r) != 0) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		status = cli_json_print(c, doc);
		goto done;
	}
	print_header(_("procedure"));
	for (i = 0; i < r.n_procedures; i++)
		print_row(r.procedures[i].key, &r.procedures[i]);
	print_row(_("all"), &r.all);
	putchar('\n');
	print_header(_("received in"));
	for (i = 0; i < r.n_periods; i++)
		print_row(r.periods[i].key, &r.periods[i]);
	putchar('\n');
	printf(_("The register today: %zu persons, %zu households; active "
	    "residences: %zu permanent, %zu temporary, %zu declared places of "
	    "living.\n"), r.persons, r.households, r.permanent, r.temporary,
	    r.current);
done:
	session_close(s);
	register_report_free(&r);
	return status;
}

const struct cmd cmd_report = {
	"report", N_("[--from DATE] [--to DATE] [--period day|month|year]"),
	N_("Count the dossiers by procedure, state and period of receipt."),
	report_exec, NULL
};

/* expiring --days N: active temporary residences whose term ends within N
 * days (or has ended while the residence is still registered), soonest
 * first (register_expiring()). */
static cJSON *
expiring_json(const char *today, long long days,
    const struct register_expiring *x, size_t n)
{
	cJSON *doc, *arr, *o, *a;
	size_t i;

	if ((doc = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(doc, "today", today) == NULL ||
	    cJSON_AddNumberToObject(doc, "days", (double)days) == NULL ||
	    (arr = cJSON_AddArrayToObject(doc, "residences")) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((o = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			goto fail;
		}
		if ((x[i].id_number[0] != '\0' ?
		    cJSON_AddStringToObject(o, "id_number", x[i].id_number) :
		    cJSON_AddNullToObject(o, "id_number")) == NULL ||
		    cJSON_AddStringToObject(o, "name", x[i].name) == NULL ||
		    cJSON_AddStringToObject(o, "from", x[i].from) == NULL ||
		    cJSON_AddStringToObject(o, "to", x[i].to) == NULL ||
		    cJSON_AddNumberToObject(o, "days_left",
		    (double)x[i].days_left) == NULL ||
		    (a = cJSON_AddObjectToObject(o, "address")) == NULL ||
		    cJSON_AddStringToObject(a, "commune", x[i].commune) ==
		    NULL ||
		    cJSON_AddStringToObject(a, "detail", x[i].detail) == NULL)
			goto fail;
	}
	return doc;
fail:
	cJSON_Delete(doc);
	return NULL;
}

static int
expiring_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "days", required_argument, NULL, OPT_DAYS },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct register_expiring *x = NULL;
	struct cutru_date today;
	struct session *s = NULL;
	struct cutru_err e;
	char iso[DATE_FMT_MAX];
	long long days = -1;
	size_t i, n = 0;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		if (opt == -2)
			return status;
		if (opt == OPT_DAYS && (days = cli_parse_count(optarg,
		    REGISTER_EXPIRING_DAYS_MAX)) < 0)
			return cli_usage_error(c, _("--days needs a number of "
			    "days from 0 to %d, not '%s'."),
			    REGISTER_EXPIRING_DAYS_MAX, optarg);
	}
	if (optind != argc)
		return cli_usage_error(c, _("'expiring' takes no operands."));
	if (days < 0)
		return cli_usage_error(c, _("Say how many days ahead to look, "
		    "with --days N."));
	if (cli_today(&today, &e) != CUTRU_OK ||
	    date_format_iso(&today, iso, sizeof iso) != CUTRU_OK) {
		if (e.code == CUTRU_OK)
			cutru_err_set(&e, CUTRU_ERANGE, NULL,
			    _("The computer's clock is set outside the dates "
			    "cutru supports; set the date and time right."));
		return cli_fail(c, &e);
	}
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    register_expiring(session_db(s), &today, (int)days, &x, &n, &e) !=
	    CUTRU_OK) {
		status = cli_fail(c, &e);
		goto done;
	}
	if (c->json) {
		status = cli_json_print(c, expiring_json(iso, days, x, n));
		goto done;
	}
	for (i = 0; i < n; i++) {
		printf("%s  ", x[i].to);
		if (x[i].days_left >= 0)
			printf(_("in %4ld days"), x[i].days_left);
		else
			printf(_("ended %ld days ago"), -x[i].days_left);
		printf("  %-12s  %s  %s, %s\n", x[i].id_number, x[i].name,
		    x[i].detail, x[i].commune);
	}
done:
	session_close(s);
	register_expiring_free(x, n);
	return status;
}

const struct cmd cmd_expiring = {
	"expiring", N_("--days N"),
	N_("List the temporary residences whose term ends within N days."),
	expiring_exec, NULL
};
