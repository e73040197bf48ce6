# tests/sh/sync_lib.sh: what the sync-under-faults tests and the sync
# benchmark share.  Source it after tests/lib.sh; it sources cli_lib.sh and
# registry_lib.sh itself.  Real processes only: cutru (the console, on a
# real encrypted store), cutru-registryd serving HTTPS on loopback, and
# tests/tools/faultproxy between them.
#
# A fixture is made once per script and copied for each case, registry
# and console together (a console's copy alone would replay the same
# change sets to a registry that holds them already, and "exactly once"
# could not be told from "answered from its records"):
#
#   sp_fixture N        $FIX/store: a store of ward 00070 enrolled over the
#                       network, with N approved temporary registrations
#                       sealed in outbox/new (tests/tools/syncfill);
#                       $FIX/reg: the registry (configuration, TLS
#                       certificate made three days ago, data) that knows
#                       the device, the supervisor and the N persons
#   sp_case NAME [KEY = VALUE...]
#                       copy the fixture to $C=$CT/case-NAME ($CSTORE,
#                       $CREG, $CDB) and start its registry ($CPORT), with
#                       these settings instead of the fixture's
#   sp_case_end         stop the case's processes
#   sp_reg_start        start the case's registry (again on $CPORT once it
#                       had one); sp_reg_stop [SIGNAL]
#   sp_proxy_start ARGS faultproxy in front of it: $FPORT, $FCTL, $SURL
#                       (the URL the console is given); sp_proxy_stop
#                       leaves its stats in $C/fp.out; sp_fp CMD... talks
#                       to its control port
#   sp_sync ARGS        one "cutru sync --registry $SURL ARGS" (bounded);
#                       $sync_rc, output in $C/sync.out and $C/sync.err
#   sp_sync_until MAX ARGS   passes until one exits 0, at most MAX:
#                       $SP_PASSES; returns 1 if none did
#   sp_registry_once N  the registry holds change sets 1..N of the device
#                       once each, all accepted, nothing held or flagged,
#                       and its register one person per ID number: N
#   sp_console_done N   the next unlock applies every receipt: N change
#                       sets and N dossiers accepted, outbox/new empty
#   sp_stat NAME        a value from the proxy's final stats
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
CT=$T
. "${top_srcdir:-.}/tests/sh/registry_lib.sh"
FP=$build/tests/tools/faultproxy
FILL=$build/tests/tools/syncfill
FIX=$CT/fixture
C=
SP_REG_PID=
SP_FP_PID=
SP_BG_PID=
SP_MOUNTS=

sp_cleanup() {
	for p in $SP_BG_PID $SP_FP_PID $SP_REG_PID; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for m in $SP_MOUNTS; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	reg_cleanup
	rm -rf "$CT"
}
trap sp_cleanup EXIT
trap 'exit 1' INT TERM HUP

for tool in "$FP" "$FILL"; do
	if [ ! -x "$tool" ]; then
		echo "1..0 # SKIP $tool is not built"
		exit 0
	fi
done
if ! "$CUTRU" sync --help >/dev/null 2>&1; then
	echo "1..0 # SKIP this cutru has no sync command"
	exit 0
fi

# Wait until file $1 is not empty, at most $2 tenths of a second.
sp_wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$1" ]
}

sp_fixture() {
	n=$1
	rm -rf "$STORE" "$T/data"
	make_store || { echo "Bail out! cutru init: $(cat "$T/err")"; exit 1; }
	# The registry's certificate made three days ago, as a real one is:
	# a console whose clock is a day behind must still find it valid.
	reg_setup "rate = 0"
	if command -v faketime >/dev/null 2>&1; then
		faketime -f -3d openssl req -x509 -newkey ed25519 \
		    -keyout "$T/key.pem" -out "$CERT" -days 60 -nodes \
		    -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
		    >/dev/null 2>&1 ||
		    { echo "Bail out! openssl under faketime"; exit 1; }
	fi
	reg_start
	regd token create --ward 00070
	token=$(cat "$T/out")
	cutru_run "$ADMIN_PW" -- -s "$STORE" -u root enroll --registry "$URL" \
	    --token "$token" --registry-key "$REGKEY" --registry-cert "$CERT"
	[ "$rc" -eq 0 ] ||
	    { echo "Bail out! enroll: $(cat "$T/err")"; exit 1; }
	cutru_run "$ADMIN_PW" -- -s "$STORE" -u root officer list --json
	key=$(json_get '[o["sign_key"] for o in d["officers"] if o["login"] == "minh"][0]' 2>/dev/null ||
	    json_get '[o["sign_key"] for o in d if o["login"] == "minh"][0]')
	regd officer add --ward 00070 --login minh --name "Lê Văn Minh" \
	    --key "$key"
	[ "$rc" -eq 0 ] || { echo "Bail out! officer add"; exit 1; }
	SYNCFILL_LAN_PW=$LAN_PW SYNCFILL_SUP_PW=$MINH_PW \
	    "$FILL" "$STORE" "$n" 1 "$CT/pop.csv" >"$T/out" 2>"$T/err" ||
	    { echo "Bail out! syncfill: $(cat "$T/err")"; exit 1; }
	regd population import "$CT/pop.csv"
	[ "$rc" -eq 0 ] ||
	    { echo "Bail out! population import: $(cat "$T/err")"; exit 1; }
	reg_stop
	rm -rf "$FIX"
	mkdir -p "$FIX/reg"
	cp -a "$STORE" "$FIX/store"
	cp -a "$CONF" "$T/cert.pem" "$T/key.pem" "$DATA" "$FIX/reg/"
	FIX_N=$n
	FIX_DEVICE=$(sql "SELECT id FROM reg_devices")
}

sp_case() {
	sp_case_end
	C=$CT/case-$1
	shift
	rm -rf "$C"
	mkdir -p "$C"
	cp -a "$FIX/store" "$C/store"
	cp -a "$FIX/reg" "$C/reg"
	CSTORE=$C/store
	CREG=$C/reg
	CDB=$CREG/data/registry.db
	CPORT=
	# Extra registry settings replace the fixture's.
	for kv in "$@"; do
		sed -i "/^${kv%% =*} =/d" "$CREG/registryd.conf"
		echo "$kv" >> "$CREG/registryd.conf"
	done
	sp_reg_start
}

sp_reg_start() {
	rm -f "$CREG/port"
	if [ -n "$CPORT" ]; then
		# Come back on the same port: the proxy still points there.
		sed -i "s/^port = .*/port = $CPORT/" "$CREG/registryd.conf"
	fi
	"$REGD" -c "$CREG/registryd.conf" serve 2>>"$CREG/server.log" &
	SP_REG_PID=$!
	if ! sp_wait_file "$CREG/port" 100; then
		echo "Bail out! cutru-registryd did not start: $(tail -n 3 "$CREG/server.log")"
		exit 1
	fi
	CPORT=$(cat "$CREG/port")
}

sp_reg_stop() {
	[ -n "$SP_REG_PID" ] || return 0
	kill -"${1:-TERM}" "$SP_REG_PID" 2>/dev/null
	i=0
	while kill -0 "$SP_REG_PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$SP_REG_PID" 2>/dev/null
	wait "$SP_REG_PID" 2>/dev/null
	SP_REG_PID=
}

sp_proxy_start() {
	sp_proxy_stop
	rm -f "$C/fp.out"
	"$FP" --target "$CPORT" --control 0 "$@" >"$C/fp.out" 2>"$C/fp.err" &
	SP_FP_PID=$!
	i=0
	while ! grep -q '^control ' "$C/fp.out" 2>/dev/null && [ $i -lt 100 ]
	do
		sleep 0.1
		i=$((i + 1))
	done
	FPORT=$(sed -n 's/^port //p' "$C/fp.out")
	FCTL=$(sed -n 's/^control //p' "$C/fp.out")
	[ -n "$FCTL" ] ||
	    { echo "Bail out! faultproxy: $(cat "$C/fp.err")"; exit 1; }
	SURL=https://127.0.0.1:$FPORT
}

sp_proxy_stop() {
	[ -n "$SP_FP_PID" ] || return 0
	kill "$SP_FP_PID" 2>/dev/null
	wait "$SP_FP_PID" 2>/dev/null
	SP_FP_PID=
}

sp_fp() {
	"$FP" --send "$FCTL" "$@" >/dev/null
}

sp_stat() {
	sed -n "s/^$1 //p" "$C/fp.out" | tail -n 1
}

sp_case_end() {
	sp_proxy_stop
	if [ -n "$SP_BG_PID" ]; then
		kill -9 "$SP_BG_PID" 2>/dev/null
		wait "$SP_BG_PID" 2>/dev/null
		SP_BG_PID=
	fi
	sp_reg_stop
}

# Sanitizer builds are several times slower: the bound is generous, and
# a pass that hits it counts as failed.
SP_SYNC_TIMEOUT=${SP_SYNC_TIMEOUT:-120}

sp_sync() {
	timeout "$SP_SYNC_TIMEOUT" "$CUTRU" -s "$CSTORE" sync \
	    --registry "$SURL" "$@" >"$C/sync.out" 2>"$C/sync.err"
	sync_rc=$?
	return 0
}

sp_sync_until() {
	max=$1
	shift
	SP_PASSES=0
	while [ "$SP_PASSES" -lt "$max" ]; do
		SP_PASSES=$((SP_PASSES + 1))
		sp_sync "$@"
		[ "$sync_rc" -eq 0 ] && return 0
		case $sync_rc in
		8|9) ;;
		*) tap_diag "pass $SP_PASSES: exit $sync_rc: $(head -c 300 "$C/sync.err")"
		   return 1 ;;
		esac
	done
	tap_diag "no pass completed in $max: last exit $sync_rc: $(head -c 300 "$C/sync.err")"
	return 1
}

# Prints what differs, nothing when the registry is right.
sp_registry_report() {
	n=$1
	DB=$CDB
	got=$(sql "SELECT count(*), count(DISTINCT seq), coalesce(sum(accepted), 0), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM reg_changesets")
	[ "$got" = "$n|$n|$n|1|$n" ] ||
	    echo "change sets (count, distinct, accepted, min, max): $got"
	got=$(sql "SELECT (SELECT count(*) FROM reg_held) || ' held, ' || (SELECT count(*) FROM reg_flags) || ' flags'")
	[ "$got" = "0 held, 0 flags" ] || echo "$got"
	got=$(sql "SELECT head_seq FROM reg_devices")
	[ "$got" = "$n" ] || echo "device head $got"
	got=$(sql "SELECT count(*), count(DISTINCT id_number) FROM persons WHERE id_number LIKE '001_______%' AND id_number <> '001075009876'")
	[ "$got" = "$n|$n" ] || echo "persons (rows, ID numbers): $got"
}

sp_registry_once() {
	out=$(sp_registry_report "$1")
	[ -z "$out" ] && return 0
	tap_diag "registry: $out"
	return 1
}

sp_console_report() {
	n=$1
	cutru_run "$LAN_PW" -- -s "$CSTORE" -u lan outbox status --json
	[ "$rc" -eq 0 ] || { echo "outbox status exit $rc: $(head -c 200 "$T/err")"; return 0; }
	got=$(json_get 'd["states"].get("accepted", 0), sum(v for k, v in d["states"].items() if k != "accepted"), d["queue"]')
	[ "$got" = "$n 0 0" ] ||
	    echo "change sets (accepted, other, queue): $got"
	cutru_run "$LAN_PW" -- -s "$CSTORE" -u lan --json dossier list
	got=$(json_get 'sum(1 for x in (d["dossiers"] if isinstance(d, dict) else d) if x["state"] == "accepted")')
	[ "$got" = "$n" ] || echo "dossiers accepted: $got"
	got=$(ls "$CSTORE/outbox/new" | wc -l)
	[ "$got" -eq 0 ] || echo "outbox/new holds $got files"
}

sp_console_done() {
	out=$(sp_console_report "$1")
	[ -z "$out" ] && return 0
	tap_diag "console: $out"
	return 1
}

# A random number in 0..$1-1 from /dev/urandom.
sp_random() {
	r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	echo $((r % $1))
}

# sp_layout: a clean pass of a fresh case through a tracing proxy, then
# the fault offsets of tests/sh/sync_layout.py in $CT/layout; the pass
# itself must deliver everything once.
sp_layout() {
	sp_case layout
	sp_proxy_start --trace "$C/trace"
	sp_sync "$@"
	sp_proxy_stop
	if [ "$sync_rc" -ne 0 ]; then
		echo "Bail out! a clean pass failed: $(head -c 300 "$C/sync.err")"
		exit 1
	fi
	python3 "$src_dir/tests/sh/sync_layout.py" "$C/trace" >"$CT/layout" ||
	    { echo "Bail out! no layout in the trace"; exit 1; }
}
src_dir=${top_srcdir:-.}

# The offset named $1 in the layout ("" if the pass had no such place).
sp_offset() {
	sed -n "s/^$1 [a-z]* //p" "$CT/layout"
}

# sp_fault_case LABEL FAULT OFFSET [PROXY OPTIONS] -- [SYNC OPTIONS]: a
# fresh case whose first connection gets FAULT (a faultproxy key:
# drop_after_up, truncate_down, ...) after OFFSET bytes, passes until one
# completes (at most 6), then the registry and the console are checked.
# One test line; the fault must have fired, or the case proves nothing.
# (The first pass may still complete: libcurl sends a request again on a
# new connection by itself when a reused connection dies before any byte
# of the answer arrived.)
sp_fault_case() {
	label=$1 fault=$2 off=$3
	shift 3
	popts=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		popts="$popts $1"
		shift
	done
	[ $# -gt 0 ] && shift
	if [ -z "$off" ]; then
		tap_ok "$label # SKIP the clean pass had no such place"
		return 0
	fi
	sp_case "$fault-$off"
	# shellcheck disable=SC2086
	sp_proxy_start --conn 1 --"$fault" "$off" $popts
	ok=1
	sp_sync_until 6 "$@" || ok=0
	sp_proxy_stop
	fired=$(( $(sp_stat drops) + $(sp_stat blackholes) + $(sp_stat truncations) ))
	if [ "$fired" -lt 1 ]; then
		tap_diag "the proxy never applied the fault"
		ok=0
	fi
	sp_registry_once "$FIX_N" || ok=0
	sp_console_done "$FIX_N" || ok=0
	if [ $ok -eq 1 ]; then
		tap_ok "$label: once each, all accepted ($SP_PASSES passes)"
	else
		tap_not_ok "$label"
	fi
}

# sp_fault_matrix FAULTS... -- NAMES... -- [SYNC OPTIONS]: every fault at
# every named offset of its direction.
sp_fault_matrix() {
	faults= names=
	while [ "$1" != "--" ]; do faults="$faults $1"; shift; done
	shift
	while [ "$1" != "--" ]; do names="$names $1"; shift; done
	shift
	for f in $faults; do
		rst=
		case $f in
		*+rst) rst="--rst 1"; f=${f%+rst} ;;
		esac
		for n in $names; do
			case $f:$n in
			*_up:up_*|*_down:down_*) ;;
			*) continue ;;
			esac
			off=$(sp_offset "$n")
			# shellcheck disable=SC2086
			sp_fault_case "$f${rst:+ (rst)} at $n ($off)" "$f" "$off" \
			    $rst -- "$@"
		done
	done
}

# tap_skip WHAT WHY N: N test lines skipped.
tap_skip() {
	i=0
	while [ $i -lt "$3" ]; do
		tap_ok "$1 # SKIP $2"
		i=$((i + 1))
	done
}
