/* Per-key rate limits (token buckets) for cutru-registryd: a device (by
 * its id, once its signature verifies) or an address.  Thread-safe.  See
 * registry/ratelimit.c. */
#ifndef CUTRU_REGISTRY_RATELIMIT_H
#define CUTRU_REGISTRY_RATELIMIT_H

#include <stddef.h>

#define RATELIMIT_KEY_MAX 64

struct ratelimit;

/* A limiter allowing rate requests per second per key on average and
 * bursts of up to burst, remembering at most max_keys keys.  rate 0 means
 * no limit.  NULL on ENOMEM. */
struct ratelimit *ratelimit_new(double rate, int burst, size_t max_keys);
void ratelimit_free(struct ratelimit *rl);

/* Take one request for key (at most RATELIMIT_KEY_MAX bytes are used) at
 * time now (seconds, monotonic).  0: allowed.  Otherwise the whole number
 * of seconds (at least 1) after which a request would be allowed: the
 * Retry-After of a 429. */
int ratelimit_take(struct ratelimit *rl, const char *key, double now);

#endif
