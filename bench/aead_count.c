#include "config.h"

/* bench/aead_count.so: counts the page cipher's AEAD work in a run of a
 * benchmark, without touching the cipher.  Preloaded, it stands in for
 * libsodium's two XChaCha20-Poly1305 functions the cipher calls, counts
 * the calls and the bytes, passes each call on to libsodium, and prints
 * the totals on standard error when the program ends:
 *
 *     make bench-aead-count
 *     LD_PRELOAD=bench/aead_count.so bench/store_bench -o encrypted ...
 *
 * At about 38,000 instructions (callgrind) per 4 KiB page, the number of
 * calls is what the cipher costs a workload: it shows, e.g., how many times
 * an import seals each page of the store. */

#include <dlfcn.h>
#include <stdio.h>

typedef int (*encrypt_fn)(unsigned char *, unsigned char *,
    unsigned long long *, const unsigned char *, unsigned long long,
    const unsigned char *, unsigned long long, const unsigned char *,
    const unsigned char *, const unsigned char *);
typedef int (*decrypt_fn)(unsigned char *, unsigned char *,
    const unsigned char *, unsigned long long, const unsigned char *,
    const unsigned char *, unsigned long long, const unsigned char *,
    const unsigned char *);

static unsigned long long n_enc, n_dec, b_enc, b_dec;

int crypto_aead_xchacha20poly1305_ietf_encrypt_detached(unsigned char *c,
    unsigned char *mac, unsigned long long *maclen_p, const unsigned char *m,
    unsigned long long mlen, const unsigned char *ad,
    unsigned long long adlen, const unsigned char *nsec,
    const unsigned char *npub, const unsigned char *k);
int crypto_aead_xchacha20poly1305_ietf_decrypt_detached(unsigned char *m,
    unsigned char *nsec, const unsigned char *c, unsigned long long clen,
    const unsigned char *mac, const unsigned char *ad,
    unsigned long long adlen, const unsigned char *npub,
    const unsigned char *k);

int
crypto_aead_xchacha20poly1305_ietf_encrypt_detached(unsigned char *c,
    unsigned char *mac, unsigned long long *maclen_p, const unsigned char *m,
    unsigned long long mlen, const unsigned char *ad,
    unsigned long long adlen, const unsigned char *nsec,
    const unsigned char *npub, const unsigned char *k)
{
	static encrypt_fn real;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT,
		    "crypto_aead_xchacha20poly1305_ietf_encrypt_detached");
	if (real == NULL)
		return -1;
	__atomic_add_fetch(&n_enc, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&b_enc, mlen, __ATOMIC_RELAXED);
	return real(c, mac, maclen_p, m, mlen, ad, adlen, nsec, npub, k);
}

int
crypto_aead_xchacha20poly1305_ietf_decrypt_detached(unsigned char *m,
    unsigned char *nsec, const unsigned char *c, unsigned long long clen,
    const unsigned char *mac, const unsigned char *ad,
    unsigned long long adlen, const unsigned char *npub,
    const unsigned char *k)
{
	static decrypt_fn real;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT,
		    "crypto_aead_xchacha20poly1305_ietf_decrypt_detached");
	if (real == NULL)
		return -1;
	__atomic_add_fetch(&n_dec, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&b_dec, clen, __ATOMIC_RELAXED);
	return real(m, nsec, c, clen, mac, ad, adlen, npub, k);
}

__attribute__((destructor)) static void
report(void)
{
	fprintf(stderr, "aead_count: %llu encryptions (%.1f MB), %llu "
	    "decryptions (%.1f MB)\n", n_enc, (double)b_enc / 1e6, n_dec,
	    (double)b_dec / 1e6);
}
