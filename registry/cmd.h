/* cutru-registryd's subcommands, one per file (registry/cmd_NAME.c), each
 * exporting a const struct regcmd; registry/main.c lists them.  A family
 * ("token", "device", ...) has subs instead of exec. */
#ifndef CUTRU_REGISTRY_CMD_H
#define CUTRU_REGISTRY_CMD_H

#include "core/err.h"
#include "registry/regconf.h"
#include "registry/regkeys.h"
#include "registry/regstore.h"

/* Exit statuses (cutru-registryd(8), EXIT STATUS). */
#define REG_EXIT_OK 0
#define REG_EXIT_USAGE 1
#define REG_EXIT_INVALID 2
#define REG_EXIT_PERMISSION 3
#define REG_EXIT_NOTFOUND 4
#define REG_EXIT_CONFLICT 5
#define REG_EXIT_STORE 6
#define REG_EXIT_INTERNAL 7

/* The default configuration file, when neither -c nor
 * $CUTRU_REGISTRYD_CONFIG names one. */
#define REG_DEFAULT_CONFIG "/etc/cutru/registryd.conf"

struct regcli {
	char config[REGCONF_PATH_MAX];  /* the configuration file */
	struct regconf conf;            /* loaded by regcli_load() */
	const char *cmd_path;           /* "device revoke", for messages */
};

struct regcmd {
	const char *name;
	const char *args;     /* synopsis after the name */
	const char *summary;  /* one line */
	int (*exec)(struct regcli *c, int argc, char **argv);
	const struct regcmd *const *subs;
};

/* Load the configuration file; prints the error. */
int regcli_load(struct regcli *c);

/* Open the registry's database (it must exist unless create); prints the
 * error.  *out: regstore_close(). */
int regcli_open(struct regcli *c, int create, struct regstore **out);

/* Load the registry's keys; prints the error. */
int regcli_keys(struct regcli *c, struct regkeys **out);

/* Print "cutru-registryd: MESSAGE" (and the field) to stderr and return
 * the exit status for e->code. */
int regcli_fail(const struct regcli *c, const struct cutru_err *e);

/* Print a usage error and return REG_EXIT_USAGE. */
int regcli_usage(const struct regcli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A ward code: 5 ASCII digits.  Prints the error. */
int regcli_ward(const struct regcli *c, const char *ward);

extern const struct regcmd regcmd_init;
extern const struct regcmd regcmd_token;
extern const struct regcmd regcmd_device;
extern const struct regcmd regcmd_officer;
extern const struct regcmd regcmd_population;
extern const struct regcmd regcmd_serve;
extern const struct regcmd regcmd_import;

#endif
