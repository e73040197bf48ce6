/* cutru-registryd's HTTPS server (libmicrohttpd): the endpoints of
 * cutru-protocol(7) and the defences around them.  See registry/server.c. */
#ifndef CUTRU_REGISTRY_SERVER_H
#define CUTRU_REGISTRY_SERVER_H

#include <stdio.h>

#include "core/err.h"
#include "registry/regconf.h"
#include "registry/regkeys.h"

struct server;

/* Start serving with configuration c (copied) and keys k (borrowed: they
 * must outlive the server): open the database (one connection per worker
 * thread), read the TLS certificate and key, bind, start the thread pool,
 * and write the bound port to c->port_file if set.  Requests are logged,
 * one line each and without personal data, to log (NULL: not at all).
 * *out on success (server_stop()). */
int server_start(const struct regconf *c, const struct regkeys *k, FILE *log,
    struct server **out, struct cutru_err *e);

/* The port the server listens on. */
int server_port(const struct server *s);

/* Stop accepting, finish the requests in progress, close everything
 * (NULL allowed). */
void server_stop(struct server *s);

#endif
