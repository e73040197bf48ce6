# tests/sh/cli_lib.sh: what the cutru(1) tests share.  Source it after
# tests/lib.sh.  It finds the real binary, makes a private temporary folder
# (removed at exit), and runs cutru on a real encrypted store made with the
# cheapest Argon2id cost (cutru init --kdf-opslimit/--kdf-memlimit).
#
#   cutru_run PASS... -- ARGS...   run cutru ARGS with each PASS as one line
#                                  on --passphrase-fd 3; sets $rc and leaves
#                                  stdout in $T/out, stderr in $T/err
#   expect DESC RC [TEXT]          one test case: the last run exited with
#                                  RC and (if given) its stderr contains TEXT
#   make_store                     a store in $STORE: administrator root,
#                                  officer lan, supervisor minh (and hai, a
#                                  second supervisor); its recovery code in
#                                  $RECOVERY
src=${top_srcdir:-.}
build=${top_builddir:-.}
CUTRU=$build/cutru
EXAMPLES=$src/examples/requests
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
STORE=$T/store
# English messages and UTF-8 arguments; the store and the default store
# folder stay inside $T.
LC_ALL=C.UTF-8
export LC_ALL
unset LANGUAGE LANG CUTRU_STORE CUTRU_LOGIN CUTRU_LOCALEDIR
XDG_DATA_HOME=$T/xdg
HOME=$T/home
export XDG_DATA_HOME HOME

ADMIN_PW=adminpass123
LAN_PW=lanpass12345
MINH_PW=minhpass1234
HAI_PW=haipass12345

if [ ! -x "$CUTRU" ]; then
	echo "1..0 # SKIP $CUTRU is not built"
	exit 0
fi

cutru_run() {
	: > "$T/pw"
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		printf '%s\n' "$1" >> "$T/pw"
		shift
	done
	[ $# -gt 0 ] && shift
	"$CUTRU" --passphrase-fd 3 "$@" 3<"$T/pw" >"$T/out" 2>"$T/err"
	rc=$?
	return 0
}

# As cutru_run, with the request or CSV on standard input.
cutru_run_stdin() {
	input=$1
	shift
	: > "$T/pw"
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		printf '%s\n' "$1" >> "$T/pw"
		shift
	done
	[ $# -gt 0 ] && shift
	"$CUTRU" --passphrase-fd 3 "$@" 3<"$T/pw" <"$input" >"$T/out" \
	    2>"$T/err"
	rc=$?
	return 0
}

expect() {
	desc=$1
	want=$2
	text=${3:-}
	if [ "$rc" -ne "$want" ]; then
		tap_not_ok "$desc"
		tap_diag "exit status $rc, expected $want"
		sed 's/^/# stderr: /' "$T/err" | head -n 5
		return 0
	fi
	if [ -n "$text" ] && ! grep -qF -- "$text" "$T/err"; then
		tap_not_ok "$desc"
		tap_diag "stderr lacks: $text"
		sed 's/^/# stderr: /' "$T/err" | head -n 5
		return 0
	fi
	tap_ok "$desc"
}

# stdout holds one well-formed JSON document.
json_ok() {
	python3 -c 'import json,sys; json.load(sys.stdin)' < "$T/out" \
	    2>/dev/null
}

# Print a value of the JSON on stdout: json_get 'd["number"]'.
json_get() {
	python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" \
	    < "$T/out"
}

make_store() {
	cutru_run "$ADMIN_PW" -- -s "$STORE" init --ward 00070 \
	    --ward-name "Phường Hàng Bạc" --admin root \
	    --admin-name "Nguyễn Quản Trị" --kdf-opslimit 1 --kdf-memlimit 8192
	[ "$rc" -eq 0 ] || return 1
	# The recovery code, for the tests that need it.
	RECOVERY=$(grep -Eo '[0-9A-Z]{5}(-[0-9A-Z]{5}){7}' "$T/out")
	cutru_run "$ADMIN_PW" "$LAN_PW" -- -s "$STORE" -u root officer add lan \
	    --name "Trần Thị Lan" --role officer
	[ "$rc" -eq 0 ] || return 1
	cutru_run "$ADMIN_PW" "$MINH_PW" -- -s "$STORE" -u root officer add \
	    minh --name "Lê Văn Minh" --role supervisor
	[ "$rc" -eq 0 ] || return 1
	cutru_run "$ADMIN_PW" "$HAI_PW" -- -s "$STORE" -u root officer add \
	    hai --name "Phạm Văn Hải" --role supervisor
	[ "$rc" -eq 0 ]
}
