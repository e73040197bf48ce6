#!/bin/sh
# bench/compare.sh: the cutru page cipher against SQLCipher, side by side.
#
# Builds bench/subset_bench (system SQLite, plain and with the cutru
# cipher) and bench/sqlcipher_bench (SQLCipher's SQLite, plain and with
# SQLCipher), the same source and the same workload (see the top of
# bench/sqlcipher_bench.c), runs both with the same options, and prints
# each engine's figures next to its own plain SQLite, with the ratios.
#
# Usage: bench/compare.sh [options of sqlcipher_bench]
#   default options: -n 1000000 (times);
#   CALLGRIND=1 counts instructions instead, per phase, under callgrind
#   (default options then: -n 50000 -q 5000 -C 3200);
#   MODES="wal delete" (the default) chooses the journal modes;
#   BUILDDIR=dir is the configured tree (default: the one above this
#   script).
# SQLCipher (Debian: libsqlcipher-dev) is needed only here; when
# pkg-config cannot find it, the script installs it with apt-get if run as
# root, and otherwise says how.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=${BUILDDIR:-$(dirname "$here")}
modes=${MODES:-wal delete}

if ! pkg-config --exists sqlcipher 2>/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "compare.sh: installing libsqlcipher-dev" >&2
		apt-get install -y libsqlcipher-dev >/dev/null
	else
		echo "compare.sh: SQLCipher is needed: apt-get install" \
		    "libsqlcipher-dev (as root), then run this again" >&2
		exit 1
	fi
fi
make -C "$top" -s bench bench-sqlcipher >/dev/null
sub=$top/bench/subset_bench
sqc=$top/bench/sqlcipher_bench
out=$(mktemp -d "${TMPDIR:-/tmp}/compare-XXXXXX")
trap 'rm -rf "$out"' EXIT

# versions, for the header
v_sys=$(pkg-config --modversion sqlite3)
v_sqc=$(pkg-config --modversion sqlcipher)

if [ "${CALLGRIND:-0}" != 0 ]; then
	command -v valgrind >/dev/null 2>&1 ||
	    { echo "compare.sh: valgrind is needed" >&2; exit 1; }
	[ $# -gt 0 ] || set -- -n 50000 -q 5000 -C 3200
	echo "instructions (Ir) per phase under callgrind; options: $*"
	# RESULT-like lines from the callgrind dumps: engine mode side Ir...
	for mode in $modes; do
		for prog in "$sub" "$sqc"; do
			for side in plain encrypted; do
				f=$out/cg.$(basename "$prog").$mode.$side
				valgrind --tool=callgrind --callgrind-out-file="$f" \
				    --zero-before=bench_phase \
				    --dump-after=bench_phase \
				    "$prog" "$@" -j "$mode" -o "$side" \
				    >"$f.log" 2>&1 ||
				    { cat "$f.log" >&2; exit 1; }
				printf '%s %s %s' "$(basename "$prog")" "$mode" "$side"
				for i in 1 2 3; do
					awk '/^(summary|totals):/ { printf " %s", $2; exit }' \
					    "$f.$i"
				done
				echo
			done
		done
	done >"$out/ir"
	awk -v sys="SQLite $v_sys" -v sqc="SQLCipher $v_sqc" '
	{ ir[$1, $2, $3, 1] = $4; ir[$1, $2, $3, 2] = $5; ir[$1, $2, $3, 3] = $6
	  if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
	END {
		split("import,id lookups,prefix searches", name, ",")
		for (m = 1; m <= n; m++) {
			mode = order[m]
			printf "\njournal_mode = %s\n", mode
			printf "%-16s %14s %14s %6s   %14s %14s %6s\n", "", \
			    "plain", "cutru", "ratio", "plain", "SQLCipher", "ratio"
			printf "%-16s %14s %14s %6s   %14s %14s %6s\n", "", \
			    sys, "", "", "SQLite 3.15", "", ""
			for (i = 1; i <= 3; i++) {
				a = ir["subset_bench", mode, "plain", i]
				b = ir["subset_bench", mode, "encrypted", i]
				c = ir["sqlcipher_bench", mode, "plain", i]
				d = ir["sqlcipher_bench", mode, "encrypted", i]
				printf "%-16s %14.0f %14.0f %6.3f   %14.0f %14.0f %6.3f\n", \
				    name[i], a, b, b / a, c, d, d / c
			}
		}
	}' "$out/ir"
	exit 0
fi

[ $# -gt 0 ] || set -- -n 1000000
for mode in $modes; do
	"$sub" "$@" -j "$mode" | grep '^RESULT'
	"$sqc" "$@" -j "$mode" | grep '^RESULT'
done >"$out/res"
echo "cutru cipher (SQLite $v_sys) against SQLCipher $v_sqc; options: $*"
awk '
{ # RESULT engine mode side rows import_s id_s id_p50 id_p99 prefix_s
  # prefix_p50 prefix_p99 bytes import_cpu id_cpu prefix_cpu
	k = $2 SUBSEP $3 SUBSEP $4
	rows = $5; imp[k] = $6; ids[k] = $7; idp[k] = $8; pfs[k] = $10
	pfp[k] = $11; mb[k] = $13 / 1e6; impc[k] = $14; idc[k] = $15
	pfc[k] = $16
	if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 }
}
function line(label, arr, fmt,   a, b, c, d) {
	a = arr["cutru", mode, "plain"]; b = arr["cutru", mode, "encrypted"]
	c = arr["sqlcipher", mode, "plain"]; d = arr["sqlcipher", mode, "encrypted"]
	printf "%-22s " fmt " " fmt " %6.3f   " fmt " " fmt " %6.3f   %6.3f\n", \
	    label, a, b, (a > 0 ? b / a : 0), c, d, (c > 0 ? d / c : 0), \
	    (d > 0 ? b / d : 0)
}
END {
	for (m = 1; m <= n; m++) {
		mode = order[m]
		printf "\njournal_mode = %s, %d rows\n", mode, rows
		printf "%-22s %10s %10s %6s   %10s %10s %6s   %6s\n", "", "plain",
		    "cutru", "ratio", "plain", "SQLCipher", "ratio", "cutru/"
		printf "%-22s %10s %10s %6s   %10s %10s %6s   %6s\n", "",
		    "3.40", "", "", "3.15", "", "", "SQLC."
		line("import s", imp, "%10.2f")
		line("import CPU s", impc, "%10.2f")
		line("id lookups, all s", ids, "%10.3f")
		line("id lookups, CPU s", idc, "%10.3f")
		line("id lookup p50 ms", idp, "%10.4f")
		line("prefix LIKE, all s", pfs, "%10.3f")
		line("prefix LIKE, CPU s", pfc, "%10.3f")
		line("prefix LIKE p50 ms", pfp, "%10.4f")
		line("files MB", mb, "%10.1f")
	}
	print "\n(ratio: encrypted / its own plain SQLite; cutru/SQLC.: the two"
	print "encrypted engines, on different SQLite versions)"
}' "$out/res"
