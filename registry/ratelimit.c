/* Token buckets, one per key.
 *
 * A key's bucket holds up to burst tokens and refills at rate tokens per
 * second; a request takes one token, and a request that finds less than
 * one is refused with the time until the next token arrives.  Buckets live
 * in an open-addressing hash table (BLAKE2b-keyed with a random key, so
 * that nobody can choose keys that collide) of twice max_keys slots.  When
 * the table is full, the bucket that was used longest ago is replaced:
 * a forgotten key starts again with a full bucket, which only ever errs
 * towards letting a device through - the limit protects the server, it
 * is not an accounting.  One mutex guards the table; the work under it is
 * a hash and a few comparisons. */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "registry/ratelimit.h"

struct bucket {
	char key[RATELIMIT_KEY_MAX + 1];  /* "" = free slot */
	double tokens;
	double last;
};

struct ratelimit {
	pthread_mutex_t lock;
	double rate;
	double burst;
	size_t max_keys, used, nslots;
	unsigned char hkey[crypto_shorthash_KEYBYTES];
	struct bucket *slots;
};

struct ratelimit *
ratelimit_new(double rate, int burst, size_t max_keys)
{
	struct ratelimit *rl = calloc(1, sizeof *rl);

	if (rl == NULL)
		return NULL;
	if (max_keys < 1)
		max_keys = 1;
	rl->rate = rate;
	rl->burst = burst < 1 ? 1 : burst;
	rl->max_keys = max_keys;
	rl->nslots = max_keys * 2;
	rl->slots = calloc(rl->nslots, sizeof *rl->slots);
	if (rl->slots == NULL) {
		free(rl);
		return NULL;
	}
	randombytes_buf(rl->hkey, sizeof rl->hkey);
	pthread_mutex_init(&rl->lock, NULL);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl->slots);
	free(rl);
}

static size_t
slot_of(const struct ratelimit *rl, const char *key)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	size_t i;

	crypto_shorthash(h, (const unsigned char *)key, strlen(key), rl->hkey);
	for (i = 0; i < sizeof h; i++)
		v = (v << 8) | h[i];
	return (size_t)(v % rl->nslots);
}

/* Remove slot i, keeping every other key reachable (backward-shift
 * deletion for linear probing). */
static void
remove_slot(struct ratelimit *rl, size_t i)
{
	size_t j = i, home;

	for (;;) {
		j = (j + 1) % rl->nslots;
		if (rl->slots[j].key[0] == '\0')
			break;
		home = slot_of(rl, rl->slots[j].key);
		/* Move j into the hole i if its home does not lie in (i, j]. */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			rl->slots[i] = rl->slots[j];
			i = j;
		}
	}
	memset(&rl->slots[i], 0, sizeof rl->slots[i]);
	rl->used--;
}

int
ratelimit_take(struct ratelimit *rl, const char *key, double now)
{
	char k[RATELIMIT_KEY_MAX + 1];
	struct bucket *b = NULL;
	size_t i, oldest = 0;
	double wait;
	int r = 0;

	if (rl == NULL || rl->rate <= 0)
		return 0;
	memset(k, 0, sizeof k);
	snprintf(k, sizeof k, "%.*s", RATELIMIT_KEY_MAX,
	    key != NULL && key[0] != '\0' ? key : "-");
	pthread_mutex_lock(&rl->lock);
	for (i = slot_of(rl, k);; i = (i + 1) % rl->nslots) {
		if (rl->slots[i].key[0] == '\0')
			break;
		if (strcmp(rl->slots[i].key, k) == 0) {
			b = &rl->slots[i];
			break;
		}
	}
	if (b == NULL) {
		if (rl->used >= rl->max_keys) {
			for (i = 1; i < rl->nslots; i++)
				if (rl->slots[i].key[0] != '\0' &&
				    (rl->slots[oldest].key[0] == '\0' ||
				    rl->slots[i].last < rl->slots[oldest].last))
					oldest = i;
			remove_slot(rl, oldest);
		}
		for (i = slot_of(rl, k); rl->slots[i].key[0] != '\0';
		    i = (i + 1) % rl->nslots)
			;
		b = &rl->slots[i];
		memcpy(b->key, k, sizeof b->key);
		b->tokens = rl->burst;
		b->last = now;
		rl->used++;
	}
	if (now > b->last) {
		b->tokens += (now - b->last) * rl->rate;
		if (b->tokens > rl->burst)
			b->tokens = rl->burst;
	}
	b->last = now > b->last ? now : b->last;
	if (b->tokens >= 1.0)
		b->tokens -= 1.0;
	else {
		wait = (1.0 - b->tokens) / rl->rate;
		r = (int)wait;
		if ((double)r < wait)
			r++;
		if (r < 1)
			r = 1;
	}
	pthread_mutex_unlock(&rl->lock);
	return r;
}
