#include "config.h"

/* cutru-registryd token create: one-time enrollment tokens. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "core/hash.h"
#include "core/i18n.h"
#include "registry/cmd.h"
#include "sync/enroll.h"

/* 24 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
 * in groups of four: 117 bits, typed by hand without mistakes. */
#define TOKEN_CHARS 24
static const char alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

static int
exec_create(struct regcli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ward", required_argument, NULL, 'w' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char token[ENROLL_TOKEN_MAX + 1], stamp[32];
	unsigned char h[HASH_LEN];
	const char *ward = NULL;
	struct regstore *st = NULL;
	struct cutru_err e;
	long long lifetime = -1;
	char *end;
	size_t i, o = 0;
	time_t now, exp;
	struct tm tm;
	int opt, status;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+w:l:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			ward = optarg;
			break;
		case 'l':
			errno = 0;
			lifetime = strtoll(optarg, &end, 10);
			if (optarg[0] == '\0' || *end != '\0' || errno != 0 ||
			    lifetime < 60 || lifetime > 366LL * 86400)
				return regcli_usage(c, "%s",
				    _("--lifetime is a number of seconds from 60 to one year."));
			break;
		case 'h':
			printf("%s", _("Usage: cutru-registryd token create --ward CODE [--lifetime SECONDS]\n"
			    "Issue a one-time enrollment token for a console of the ward.\n"));
			return REG_EXIT_OK;
		default:
			return regcli_usage(c, "%s", _("Unknown option."));
		}
	}
	if (optind != argc || ward == NULL)
		return regcli_usage(c, "%s", _("Say which ward the token is for (--ward CODE)."));
	if ((status = regcli_ward(c, ward)) != REG_EXIT_OK ||
	    (status = regcli_load(c)) != REG_EXIT_OK)
		return status;
	if (lifetime < 0)
		lifetime = (long long)c->conf.token_lifetime;
	for (i = 0; i < TOKEN_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			token[o++] = '-';
		token[o++] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	}
	token[o] = '\0';
	if (enroll_token_check(token, &e) != CUTRU_OK)
		return regcli_fail(c, &e);
	crypto_generichash(h, sizeof h, (const unsigned char *)token,
	    strlen(token), NULL, 0);
	if ((status = regcli_open(c, 0, &st)) != REG_EXIT_OK)
		return status;
	now = time(NULL);
	exp = now + (time_t)lifetime;
	if (st->ops->token_add(st, h, ward, (int64_t)now, (int64_t)exp, &e) !=
	    CUTRU_OK) {
		regstore_close(st);
		return regcli_fail(c, &e);
	}
	regstore_close(st);
	gmtime_r(&exp, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s\n", token);
	fprintf(stderr, _("Token for ward %s, valid once until %s.\n"), ward,
	    stamp);
	sodium_memzero(token, sizeof token);
	return REG_EXIT_OK;
}

static const struct regcmd token_create = {
	"create", N_("--ward CODE [--lifetime SECONDS]"),
	N_("issue a one-time enrollment token for a ward"), exec_create, NULL
};

static const struct regcmd *const subs[] = { &token_create, NULL };

const struct regcmd regcmd_token = { "token", "", "", NULL, subs };
