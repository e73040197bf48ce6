#!/bin/sh
# bench/callgrind.sh: instruction counts of store_bench, cipher off and on.
#
# Runs bench/store_bench under valgrind --tool=callgrind once per journal
# mode and side, with one callgrind dump per phase (import, ID lookups,
# prefix searches: store_bench runs each inside bench_phase(), hence
# --zero-before=bench_phase --dump-after=bench_phase), and prints per
# phase the instructions executed (Ir), encrypted / plain, and the share of the encrypted run spent in the AEAD (libsodium's
# XChaCha20-Poly1305 encrypt and decrypt, inclusive) and in the rest of the
# cipher (localdb/cipher.c and what it calls, the AEAD excepted).
# Instruction counts do not see the kernel: system calls cost time but no
# counted instructions, so the times of store_bench stay the second figure
# to look at.
#
# Usage: bench/callgrind.sh [store_bench options]
#   default options: -n 50000 -q 5000 -C 3200 (the store is then about
#   3.5 times the query cache, as at 1,000,000 rows with 64 MiB).
#   MODES="wal delete" (the default) chooses the journal modes;
#   STORE_BENCH=path runs another build of store_bench;
#   CALLGRIND_KEEP=dir keeps the callgrind outputs in dir.
set -eu

here=$(dirname "$0")
bench=${STORE_BENCH:-$here/store_bench}
[ -x "$bench" ] || { echo "callgrind.sh: build it first: make bench" >&2; exit 1; }
command -v valgrind >/dev/null 2>&1 ||
    { echo "callgrind.sh: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
[ $# -gt 0 ] || set -- -n 50000 -q 5000 -C 3200
if [ -n "${CALLGRIND_KEEP:-}" ]; then
	out=$CALLGRIND_KEEP
	mkdir -p "$out"
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/callgrind-XXXXXX")
	trap 'rm -rf "$out"' EXIT
fi
phases="import id_lookups prefix_searches"

# total Ir of a callgrind dump
total() {
	awk '/^(summary|totals):/ { print $2; exit }' "$1"
}

# inclusive Ir of the functions whose lines match the regular expression $2
incl() {
	callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$1" \
	    2>/dev/null | RE=$2 awk '
		$0 ~ ENVIRON["RE"] { n = $1; gsub(",", "", n); s += n }
		END { printf "%.0f\n", s }'
}

echo "store_bench $* under callgrind: instructions (Ir) per phase"
for mode in ${MODES:-wal delete}; do
	for side in plain encrypted; do
		valgrind --tool=callgrind \
		    --callgrind-out-file="$out/cg.$mode.$side" \
		    --zero-before=bench_phase --dump-after=bench_phase \
		    "$bench" "$@" -j "$mode" -o "$side" \
		    >"$out/log.$mode.$side" 2>&1 ||
		    { cat "$out/log.$mode.$side" >&2; exit 1; }
	done
	printf '\njournal_mode = %s\n' "$mode"
	printf '%-22s %15s %15s %7s %7s %7s\n' phase plain encrypted ratio \
	    AEAD cipher
	i=1
	for ph in $phases; do
		p=$(total "$out/cg.$mode.plain.$i")
		x=$(total "$out/cg.$mode.encrypted.$i")
		a=$(incl "$out/cg.$mode.encrypted.$i" \
		    '^ *[0-9,]+ \( *[0-9.]+%\)  .*:crypto_aead_xchacha20poly1305_ietf_(en|de)crypt_detached ')
		c=$(incl "$out/cg.$mode.encrypted.$i" \
		    '^ *[0-9,]+ \( *[0-9.]+%\)  .*cipher\.c:(cf_read|cf_write|cf_truncate) ')
		awk -v ph="$ph" -v p="$p" -v x="$x" -v a="$a" -v c="$c" 'BEGIN {
			printf "%-22s %15.0f %15.0f %7.3f %6.1f%% %6.1f%%\n", ph,
			    p, x, (p > 0 ? x / p : 0), (x > 0 ? 100 * a / x : 0),
			    (x > 0 ? 100 * (c - a) / x : 0) }'
		i=$((i + 1))
	done
done
echo
echo "AEAD: share of the encrypted phase in XChaCha20-Poly1305; cipher:"
echo "the rest of the shim's reads, writes and truncates (not the I/O it"
echo "passes down, which the plain side pays too, nor the kernel)."
