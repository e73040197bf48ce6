/* Reading cutru-registryd's configuration file.
 *
 * The format is the smallest that an operator can edit safely: one
 * "key = value" per line, '#' comments, no quoting (a value is the rest of
 * the line with the white space at both ends removed), no includes.  Every
 * key may appear once; an unknown key is an error rather than ignored, so
 * a typo ("tls_crt") cannot silently leave TLS unconfigured.  Numbers are
 * decimal and range-checked.  The keys and their defaults are listed in
 * cutru-registryd(8), section CONFIGURATION. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "localdb/storedir.h"
#include "registry/regconf.h"
#include "sync/batch.h"
#include "sync/feed.h"

#define CONF_FILE_MAX (64 * 1024)

void
regconf_default(struct regconf *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", "cutru registry");
	snprintf(c->listen, sizeof c->listen, "%s", "127.0.0.1");
	c->port = 8443;
	c->threads = 4;
	c->max_connections = 512;
	c->per_ip_connections = 64;
	c->connection_timeout = 15;
	c->header_timeout = 20;
	c->request_timeout = 300;
	c->max_body = BATCH_BODY_MAX;
	c->max_batch = BATCH_ITEMS_MAX;
	c->rate = 20.0;
	c->rate_burst = 200;
	c->sync_full = 1;
	c->feed_page = 100;
	c->token_lifetime = 7 * 24 * 3600;
}

enum kind { K_PATH, K_TEXT, K_INT, K_SIZE, K_RATE, K_SYNC, K_I64 };

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	long long min, max;
	size_t size;      /* of a text or path buffer */
};

#define F(m) offsetof(struct regconf, m)
#define S(m) sizeof(((struct regconf *)0)->m)
static const struct key keys[] = {
	{ "data_dir", K_PATH, F(data_dir), 0, 0, S(data_dir) },
	{ "name", K_TEXT, F(name), 0, 0, S(name) },
	{ "listen", K_TEXT, F(listen), 0, 0, S(listen) },
	{ "port", K_INT, F(port), 0, 65535, 0 },
	{ "port_file", K_PATH, F(port_file), 0, 0, S(port_file) },
	{ "tls_cert", K_PATH, F(tls_cert), 0, 0, S(tls_cert) },
	{ "tls_key", K_PATH, F(tls_key), 0, 0, S(tls_key) },
	{ "threads", K_INT, F(threads), 1, 256, 0 },
	{ "max_connections", K_INT, F(max_connections), 1, 100000, 0 },
	{ "per_ip_connections", K_INT, F(per_ip_connections), 1, 100000, 0 },
	{ "connection_timeout", K_INT, F(connection_timeout), 1, 3600, 0 },
	{ "header_timeout", K_INT, F(header_timeout), 1, 3600, 0 },
	{ "request_timeout", K_INT, F(request_timeout), 1, 3600, 0 },
	{ "max_body", K_SIZE, F(max_body), 1024, BATCH_BODY_MAX, 0 },
	{ "max_batch", K_INT, F(max_batch), 1, BATCH_ITEMS_MAX, 0 },
	{ "rate", K_RATE, F(rate), 0, 100000, 0 },
	{ "rate_burst", K_INT, F(rate_burst), 1, 1000000, 0 },
	{ "sync", K_SYNC, F(sync_full), 0, 0, 0 },
	{ "feed_page", K_INT, F(feed_page), 1, FEED_ITEMS_MAX, 0 },
	{ "token_lifetime", K_I64, F(token_lifetime), 60, 366LL * 24 * 3600,
	  0 },
};
#undef F
#undef S
#define N_KEYS (sizeof keys / sizeof keys[0])

static int
is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static int
set_value(const struct key *k, const char *v, const char *base_dir,
    struct regconf *c, unsigned line, struct cutru_err *e)
{
	char *p = (char *)c + k->off, *end;
	long long n;
	double d;
	int w;

	switch (k->kind) {
	case K_TEXT:
	case K_PATH:
		if (v[0] == '\0')
			return cutru_err_set(e, CUTRU_EINVAL, k->name,
			    _("Line %u: '%s' needs a value."), line, k->name);
		if (k->kind == K_PATH && v[0] != '/' && base_dir != NULL)
			w = snprintf(p, k->size, "%s/%s", base_dir, v);
		else
			w = snprintf(p, k->size, "%s", v);
		if (w < 0 || (size_t)w >= k->size)
			return cutru_err_set(e, CUTRU_EINVAL, k->name,
			    _("Line %u: the value of '%s' is too long."), line,
			    k->name);
		return CUTRU_OK;
	case K_SYNC:
		if (strcmp(v, "full") == 0)
			c->sync_full = 1;
		else if (strcmp(v, "normal") == 0)
			c->sync_full = 0;
		else
			return cutru_err_set(e, CUTRU_EINVAL, k->name,
			    _("Line %u: 'sync' is 'full' or 'normal'."), line);
		return CUTRU_OK;
	case K_RATE:
		errno = 0;
		d = strtod(v, &end);
		if (v[0] == '\0' || *end != '\0' || errno != 0 || !(d >= 0) ||
		    d > (double)k->max)
			return cutru_err_set(e, CUTRU_EINVAL, k->name,
			    _("Line %u: '%s' is a number from 0 to %lld (0: no limit)."),
			    line, k->name, k->max);
		c->rate = d;
		return CUTRU_OK;
	case K_INT:
	case K_SIZE:
	case K_I64:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (v[0] == '\0' || *end != '\0' || errno != 0 || n < k->min ||
		    n > k->max)
			return cutru_err_set(e, CUTRU_EINVAL, k->name,
			    _("Line %u: '%s' is a whole number from %lld to %lld."),
			    line, k->name, k->min, k->max);
		if (k->kind == K_INT)
			*(int *)(void *)p = (int)n;
		else if (k->kind == K_SIZE)
			*(size_t *)(void *)p = (size_t)n;
		else
			*(int64_t *)(void *)p = (int64_t)n;
		return CUTRU_OK;
	}
	return cutru_err_set(e, CUTRU_EINTERNAL, NULL, _("Internal error."));
}

int
regconf_parse(const char *text, size_t len, const char *base_dir,
    struct regconf *c, struct cutru_err *e)
{
	char buf[REGCONF_PATH_MAX + 128], *k, *v, *eq, *end;
	unsigned char seen[N_KEYS];
	size_t i = 0, j, n;
	unsigned line = 0;
	int rc;

	memset(seen, 0, sizeof seen);
	while (i < len) {
		line++;
		for (j = i; j < len && text[j] != '\n'; j++)
			;
		n = j - i;
		if (memchr(text + i, '\0', n) != NULL)
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("Line %u holds a NUL byte."), line);
		if (n >= sizeof buf)
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("Line %u is too long."), line);
		memcpy(buf, text + i, n);
		buf[n] = '\0';
		i = j + 1;
		if ((end = strchr(buf, '#')) != NULL)
			*end = '\0';
		k = buf;
		while (is_space(*k))
			k++;
		if (*k == '\0')
			continue;
		if ((eq = strchr(k, '=')) == NULL)
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("Line %u is not of the form 'key = value'."),
			    line);
		v = eq + 1;
		end = eq;
		while (end > k && is_space(end[-1]))
			end--;
		*end = '\0';
		while (is_space(*v))
			v++;
		end = v + strlen(v);
		while (end > v && is_space(end[-1]))
			end--;
		*end = '\0';
		for (j = 0; j < N_KEYS; j++)
			if (strcmp(keys[j].name, k) == 0)
				break;
		if (j == N_KEYS)
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("Line %u: there is no setting '%s' (see cutru-registryd(8))."),
			    line, k);
		if (seen[j])
			return cutru_err_set(e, CUTRU_EINVAL, keys[j].name,
			    _("Line %u: '%s' is set twice."), line, k);
		seen[j] = 1;
		if ((rc = set_value(&keys[j], v, base_dir, c, line, e)) !=
		    CUTRU_OK)
			return rc;
	}
	return CUTRU_OK;
}

int
regconf_load(const char *path, struct regconf *c, struct cutru_err *e)
{
	char dir[REGCONF_PATH_MAX];
	const char *base, *slash;
	unsigned char *text = NULL;
	size_t len = 0;
	int rc;

	regconf_default(c);
	if (path == NULL || path[0] == '\0' ||
	    strlen(path) >= sizeof dir)
		return cutru_err_set(e, CUTRU_EINVAL, "config",
		    _("The configuration file's path is empty or too long."));
	/* dir: the file's directory, against which relative paths count. */
	slash = strrchr(path, '/');
	if (slash == NULL) {
		snprintf(dir, sizeof dir, ".");
		base = path;
	} else {
		snprintf(dir, sizeof dir, "%.*s",
		    slash == path ? 1 : (int)(slash - path), path);
		base = slash + 1;
	}
	rc = storedir_read_file(dir, base, "configuration", CONF_FILE_MAX, 0,
	    &text, &len, e);
	if (rc == CUTRU_OK) {
		rc = regconf_parse((const char *)text, len, dir, c, e);
		free(text);
	}
	if (rc == CUTRU_OK && c->data_dir[0] == '\0')
		rc = cutru_err_set(e, CUTRU_EINVAL, "data_dir",
		    _("The configuration file %s does not say where the registry keeps its data (data_dir = DIRECTORY)."),
		    path);
	return rc;
}

int
regconf_data_path(const struct regconf *c, const char *name, char *buf,
    size_t len, struct cutru_err *e)
{
	return storedir_join(buf, len, c->data_dir, name, e);
}
