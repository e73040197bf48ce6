/* cutru-registryd's configuration file: "key = value" lines, documented in
 * cutru-registryd(8).  See registry/regconf.c. */
#ifndef CUTRU_REGISTRY_CONFIG_H
#define CUTRU_REGISTRY_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define REGCONF_PATH_MAX 1024
#define REGCONF_NAME_MAX 200

struct regconf {
	char data_dir[REGCONF_PATH_MAX];  /* required: database and keys */
	char name[REGCONF_NAME_MAX + 1];  /* goes into the public key file */
	char listen[64];                  /* IPv4 or IPv6 address to bind */
	int port;                         /* 0: any free port */
	char port_file[REGCONF_PATH_MAX]; /* "": none; else the bound port */
	char tls_cert[REGCONF_PATH_MAX];  /* PEM certificate (chain) */
	char tls_key[REGCONF_PATH_MAX];   /* PEM private key */
	int threads;                      /* worker threads (thread pool) */
	int max_connections;
	int per_ip_connections;
	int connection_timeout;           /* seconds of silence before closing */
	int header_timeout;               /* seconds to send a request's headers */
	int request_timeout;              /* seconds for one request's body and
	                                   * answer, once its headers are in */
	size_t max_body;                  /* bytes of a request body */
	int max_batch;                    /* change sets in one POST */
	double rate;                      /* requests per second per device */
	int rate_burst;                   /* requests a device may bunch */
	int sync_full;                    /* 1: synchronous FULL */
	int feed_page;                    /* feed entries per answer */
	int64_t token_lifetime;           /* seconds an enrollment token lives */
};

/* The built-in defaults (data_dir, tls_cert, tls_key empty). */
void regconf_default(struct regconf *c);

/* Parse text[0..len) over *c.  '#' starts a comment; blank lines are
 * ignored; every other line is "key = value" (spaces around '=' allowed).
 * Relative paths are taken relative to base_dir (the config file's
 * directory; NULL: as they are).  An unknown key, a bad value, a repeated
 * key or a malformed line is CUTRU_EINVAL naming the line. */
int regconf_parse(const char *text, size_t len, const char *base_dir,
    struct regconf *c, struct cutru_err *e);

/* Defaults, then the file at path (at most 64 KiB).  CUTRU_ENOTFOUND when
 * it does not exist.  data_dir is required. */
int regconf_load(const char *path, struct regconf *c, struct cutru_err *e);

/* Join data_dir and name into buf (the database "registry.db", the secret
 * key "registry.secret", the public key file "registry.pub"). */
int regconf_data_path(const struct regconf *c, const char *name, char *buf,
    size_t len, struct cutru_err *e);

#endif
