#include "config.h"

/* cutru-registryd device list | revoke ID. */

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "registry/cmd.h"

static int
help_only(struct regcli *c, int argc, char **argv, const char *help)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			printf("%s", help);
			return -1;
		}
		return regcli_usage(c, "%s", _("Unknown option."));
	}
	return REG_EXIT_OK;
}

static void
stamp(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
print_device(void *arg, const struct reg_device *d)
{
	char en[32], rv[32];

	(void)arg;
	stamp(d->enrolled, en, sizeof en);
	stamp(d->revoked, rv, sizeof rv);
	printf("%-16s  %-5s  %-20s  %-20s  %6lld  %4lld  %5lld\n", d->id,
	    d->ward, en, rv, (long long)d->head_seq, (long long)d->held,
	    (long long)d->flags);
	return 0;
}

static int
exec_list(struct regcli *c, int argc, char **argv)
{
	struct regstore *st = NULL;
	struct cutru_err e;
	int status;

	if ((status = help_only(c, argc, argv, _("Usage: cutru-registryd device list\n"
	    "List the enrolled devices: id, ward, enrolled, revoked, the last sequence\n"
	    "number taken, change sets held after a gap, forks seen.\n"))) != REG_EXIT_OK)
		return status < 0 ? REG_EXIT_OK : status;
	if (optind != argc)
		return regcli_usage(c, "%s", _("device list takes no operands."));
	if ((status = regcli_load(c)) != REG_EXIT_OK ||
	    (status = regcli_open(c, 0, &st)) != REG_EXIT_OK)
		return status;
	printf("%-16s  %-5s  %-20s  %-20s  %6s  %4s  %5s\n", "DEVICE", "WARD",
	    "ENROLLED", "REVOKED", "SEQ", "HELD", "FORKS");
	if (st->ops->device_list(st, print_device, NULL, &e) != CUTRU_OK) {
		regstore_close(st);
		return regcli_fail(c, &e);
	}
	regstore_close(st);
	return REG_EXIT_OK;
}

static int
exec_revoke(struct regcli *c, int argc, char **argv)
{
	struct regstore *st = NULL;
	struct cutru_err e;
	int status;

	if ((status = help_only(c, argc, argv, _("Usage: cutru-registryd device revoke ID\n"
	    "Revoke a device: its change sets and feed requests are refused from now on.\n"))) != REG_EXIT_OK)
		return status < 0 ? REG_EXIT_OK : status;
	if (optind + 1 != argc)
		return regcli_usage(c, "%s", _("Name the device to revoke."));
	if ((status = regcli_load(c)) != REG_EXIT_OK ||
	    (status = regcli_open(c, 0, &st)) != REG_EXIT_OK)
		return status;
	if (st->ops->device_revoke(st, argv[optind], (int64_t)time(NULL), &e) !=
	    CUTRU_OK) {
		regstore_close(st);
		return regcli_fail(c, &e);
	}
	regstore_close(st);
	printf(_("Device %s is revoked.\n"), argv[optind]);
	return REG_EXIT_OK;
}

static const struct regcmd device_list = {
	"list", "", N_("list the enrolled devices"), exec_list, NULL
};
static const struct regcmd device_revoke = {
	"revoke", N_("ID"), N_("revoke a device"), exec_revoke, NULL
};
static const struct regcmd *const subs[] = { &device_list, &device_revoke,
	NULL };

const struct regcmd regcmd_device = { "device", "", "", NULL, subs };
