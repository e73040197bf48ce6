# tests/sh/registry_lib.sh: what the cutru-registryd tests share.  Source
# it after tests/lib.sh.  Real processes only: cutru-registryd serving
# HTTPS on a free loopback port (it binds port 0 and writes the port it got
# to a file), consoles made by tests/tools/regclient from the console's own
# library, TLS certificates made here with openssl.  Everything lives in a
# private temporary folder, removed at exit with the servers stopped.
#
#   reg_setup [KEY=VALUE...]   certificate, configuration (extra settings as
#                              arguments), init: sets $CONF, $DATA, $DB,
#                              $REGKEY, $CERT
#   reg_start                  serve in the background: sets $URL, $SRV_PID;
#                              the log is $T/server.log
#   reg_stop                   SIGTERM and wait (bounded)
#   regd ARGS...               cutru-registryd -c $CONF ARGS; $rc, $T/out,
#                              $T/err
#   rc_run ARGS...             regclient ARGS; $rc, output in $T/out
#   console DIR WARD [SUP...]  a console, enrolled, its supervisors SUP
#                              (default minh and hung) registered for WARD
#   request FILE ID NAME DOB SEX WARD [DETAIL]
#                              a permanent.register request (new household)
#   sql QUERY                  one query on the registry's database
#   check DESC CMD...          tap_check with the command's output hidden
src=${top_srcdir:-.}
build=$(cd "${top_builddir:-.}" && pwd)
REGD=$build/cutru-registryd
RC=$build/tests/tools/regclient
T=$(mktemp -d) || exit 1
SRV_PID=
LC_ALL=C.UTF-8
export LC_ALL
unset LANGUAGE LANG CUTRU_REGISTRYD_CONFIG CUTRU_LOCALEDIR

reg_cleanup() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap reg_cleanup EXIT

for tool in "$REGD" "$RC"; do
	if [ ! -x "$tool" ]; then
		echo "1..0 # SKIP $tool is not built"
		exit 0
	fi
done
if ! command -v openssl >/dev/null 2>&1; then
	echo "1..0 # SKIP openssl is not installed"
	exit 0
fi

reg_setup() {
	CERT=$T/cert.pem
	openssl req -x509 -newkey ed25519 -keyout "$T/key.pem" -out "$CERT" \
	    -days 30 -nodes -subj /CN=localhost \
	    -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || {
		echo "Bail out! openssl could not make a certificate"
		exit 1
	}
	CONF=$T/registryd.conf
	DATA=$T/data
	DB=$DATA/registry.db
	REGKEY=$DATA/registry.pub
	{
		echo "# made by tests/sh/registry_lib.sh"
		echo "data_dir = data"
		echo "listen = 127.0.0.1"
		echo "port = 0"
		echo "port_file = port"
		echo "tls_cert = cert.pem"
		echo "tls_key = key.pem"
		echo "threads = 2"
		echo "sync = normal"
		for kv in "$@"; do
			echo "$kv"
		done
	} > "$CONF"
	regd init --name "Test registry"
	if [ "$rc" -ne 0 ]; then
		echo "Bail out! cutru-registryd init failed: $(cat "$T/err")"
		exit 1
	fi
}

reg_start() {
	rm -f "$T/port"
	"$REGD" -c "$CONF" serve 2>>"$T/server.log" &
	SRV_PID=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$T/port" ]; then
		echo "Bail out! cutru-registryd did not start: $(cat "$T/server.log")"
		exit 1
	fi
	PORT=$(cat "$T/port")
	URL=https://127.0.0.1:$PORT
}

reg_stop() {
	[ -n "$SRV_PID" ] || return 0
	kill "$SRV_PID" 2>/dev/null
	i=0
	while kill -0 "$SRV_PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
}

# Is the server still running and answering?
reg_alive() {
	kill -0 "$SRV_PID" 2>/dev/null || return 1
	out=$(timeout 20 "$RC" raw "$URL" "$CERT" GET /v1/feed x - 2>/dev/null)
	[ "$out" = "400 malformed" ]
}

regd() {
	"$REGD" -c "$CONF" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	return 0
}

rc_run() {
	timeout 60 "$RC" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	return 0
}

sql() {
	"$RC" sql "$DB" "$1"
}

check() {
	desc=$1
	shift
	if "$@" >/dev/null 2>&1; then tap_ok "$desc"; else tap_not_ok "$desc"; fi
}

# console DIR WARD [SUP...]: make, enroll, register its supervisors.
console() {
	cdir=$1 cward=$2
	shift 2
	[ $# -gt 0 ] || set -- minh hung
	"$RC" init "$cdir" "$cward" || { echo "Bail out! console $cdir"; exit 1; }
	regd token create --ward "$cward"
	token=$(cat "$T/out")
	timeout 60 "$RC" enroll "$cdir" "$URL" "$CERT" "$REGKEY" "$token" \
	    >/dev/null || { echo "Bail out! enroll $cdir"; exit 1; }
	for who in "$@"; do
		[ "$who" = none ] && continue
		regd officer add --ward "$cward" --login "$who" \
		    --name "Giám sát $who" --key "$("$RC" key "$cdir" "$who")"
		[ "$rc" -eq 0 ] || { echo "Bail out! officer add"; exit 1; }
	done
}

request() {
	detail=${7:-Số 1 phố Thử}
	cat > "$1" <<EOF
{"procedure":"permanent.register","received":"2026-11-27",
 "applicant":{"id_number":"$2","name":"$3","dob":"$4","sex":"$5"},
 "address":{"commune":"$6","detail":"$detail"},
 "household_mode":"new","basis":"owned"}
EOF
}

# approve_seal DIR REQUEST OUT [SUPERVISOR [SEAL OPTIONS...]]: approve a
# request and seal its change set into OUT.
approve_seal() {
	dir=$1 req=$2 out=$3 sup=${4:-minh}
	shift 3
	[ $# -gt 0 ] && shift
	num=$("$RC" approve "$dir" "$req" "$sup") || { echo "Bail out! approve"; exit 1; }
	"$RC" seal "$dir" "$num" "$out" "$REGKEY" "$@" >/dev/null ||
	    { echo "Bail out! seal"; exit 1; }
}

# The register's persons with this ID number (0 or 1).
persons() {
	sql "SELECT count(*) FROM persons WHERE id_number = '$1'"
}
