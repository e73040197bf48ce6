#include "config.h"

/* cutru-registryd serve: run the HTTPS server until SIGTERM or SIGINT. */

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/i18n.h"
#include "registry/cmd.h"
#include "registry/server.h"

static int
exec_serve(struct regcli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct regkeys *k = NULL;
	struct server *srv = NULL;
	struct cutru_err e;
	sigset_t set;
	int opt, sig = 0, status;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			printf("%s", _("Usage: cutru-registryd serve\n"
			    "Serve the registry's HTTPS endpoints until SIGTERM or SIGINT.\n"));
			return REG_EXIT_OK;
		}
		return regcli_usage(c, "%s", _("Unknown option."));
	}
	if (optind != argc)
		return regcli_usage(c, "%s", _("serve takes no operands."));
	if ((status = regcli_load(c)) != REG_EXIT_OK ||
	    (status = regcli_keys(c, &k)) != REG_EXIT_OK)
		return status;
	/* Block the signals in every thread (the server's threads inherit
	 * the mask); this one waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (server_start(&c->conf, k, stderr, &srv, &e) != CUTRU_OK) {
		regkeys_free(k);
		return regcli_fail(c, &e);
	}
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		;
	fprintf(stderr, "cutru-registryd: stopping (signal %d)\n", sig);
	server_stop(srv);
	regkeys_free(k);
	return REG_EXIT_OK;
}

const struct regcmd regcmd_serve = {
	"serve", "", N_("serve the HTTPS endpoints"), exec_serve, NULL
};
