# tests/sh/console_lib.sh: what the console's tmux-driven tests share.
# Source it after tests/lib.sh and tests/sh/cli_lib.sh (which make the
# real store).  It runs the real cutru binary in a tmux pane on a private
# server (tmux -L cutru-test-PID), fixed TERM and locale, and asserts on
# what the pane shows (capture-pane).  Every wait polls with a bound; the
# server is killed at exit.
#
#   con_start COLS ROWS ARGS...   start `cutru ARGS` in a COLSxROWS pane;
#                                 after it ends the pane shows
#                                 "CUTRU-EXIT=status" and the terminal
#                                 modes (stty) it was left in; LANG and
#                                 LC_ALL are C.UTF-8 unless $CON_LANG and
#                                 $CON_LC_ALL say otherwise (CON_LC_ALL=
#                                 leaves LC_ALL empty)
#   con_keys KEY...               tmux key names (Enter, Tab, F2, C-u)
#   con_type TEXT                 TEXT typed literally
#   con_wait TEXT [SECONDS]       until the pane shows TEXT (default 10 s);
#                                 fails (and prints the pane) otherwise
#   con_wait_line TEXT            until a whole line of the pane is TEXT
#   con_check DESC TEXT           one test case: con_wait TEXT
#   con_screen                    the pane's text
#   con_stop                      kill the pane's server
if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi
CON_SOCK=cutru-test-$$
con_tmux() { tmux -L "$CON_SOCK" -f /dev/null "$@"; }
con_stop() {
	con_tmux kill-server >/dev/null 2>&1 || return 0
	# Until the server is gone: a new one must not meet the old socket.
	i=0
	while [ "$i" -lt 50 ] && con_tmux has-session >/dev/null 2>&1; do
		sleep 0.1
		i=$((i + 1))
	done
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$CON_SOCK"
}
trap 'con_stop; rm -rf "$T"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

con_start() {
	cols=$1
	rows=$2
	shift 2
	{
		echo '#!/bin/sh'
		printf 'echo $$ > "%s/shell.pid"\n' "$T"
		printf '"%s"' "$CUTRU"
		for a in "$@"; do printf " '%s'" "$a"; done
		printf '\necho "CUTRU-EXIT=$?"\n'
		# The terminal modes the console left behind: a restored
		# terminal echoes and reads lines.
		echo 'echo "MODES $(stty -a | tr " ;" "\n\n" | grep -E "^-?(echo|icanon)$" | sort | tr "\n" " ")"'
		echo 'sleep 600'
	} > "$T/run.sh"
	chmod +x "$T/run.sh"
	con_stop
	# exec: the pane's process is cutru itself until it ends, so that a
	# signal sent to $T/cutru.pid reaches it.
	con_tmux new-session -d -s con -x "$cols" -y "$rows" \
	    "env -i PATH=\"$PATH\" HOME=\"$HOME\" TERM=xterm-256color LANG=${CON_LANG:-C.UTF-8} LC_ALL=${CON_LC_ALL-C.UTF-8} ${NO_COLOR+NO_COLOR=$NO_COLOR} ${CUTRU_LOCALEDIR+CUTRU_LOCALEDIR=$CUTRU_LOCALEDIR} ${LANGUAGE+LANGUAGE=$LANGUAGE} sh $T/run.sh" ||
	    return 1
	con_tmux set-option -g escape-time 0 >/dev/null
	con_tmux set-option -g window-size manual >/dev/null 2>&1 || true
}

con_keys() { con_tmux send-keys -t con "$@"; }
con_type() { con_tmux send-keys -t con -l -- "$1"; }
con_screen() { con_tmux capture-pane -p -t con; }

con_wait() {
	want=$1
	limit=${2:-15}
	i=0
	while [ "$i" -lt $((limit * 10)) ]; do
		if con_screen 2>/dev/null | grep -qF -- "$want"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	tap_diag "the screen never showed: $want"
	con_screen 2>/dev/null | sed 's/^/# | /'
	return 1
}

# Until a whole line of the pane is TEXT (trailing blanks are not kept by
# capture-pane).
con_wait_line() {
	want=$1
	i=0
	while [ "$i" -lt 150 ]; do
		if con_screen 2>/dev/null | grep -qxF -- "$want"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	tap_diag "no line of the screen is: $want"
	con_screen 2>/dev/null | sed 's/^/# | /'
	return 1
}

# Until the pane no longer shows TEXT.
con_wait_gone() {
	want=$1
	limit=${2:-15}
	i=0
	while [ "$i" -lt $((limit * 10)) ]; do
		if ! con_screen 2>/dev/null | grep -qF -- "$want"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	tap_diag "the screen still shows: $want"
	con_screen 2>/dev/null | sed 's/^/# | /'
	return 1
}

con_check() {
	desc=$1
	shift
	if con_wait "$@"; then tap_ok "$desc"; else tap_not_ok "$desc"; fi
}

# The pane's size as "COLSxROWS" and its last line.
con_size() { con_tmux display-message -p -t con '#{pane_width}x#{pane_height}'; }
con_last_line() { con_screen | tail -n 1; }

# Log in with passphrase $1 (the console was started with -u LOGIN, so
# the passphrase field has the focus).
con_login() {
	con_wait "Passphrase" || return 1
	con_type "$1"
	con_keys Enter
}

# Send signal $1 to the cutru process of the pane.
con_kill() {
	pid=$(ps -o pid= --ppid "$(cat "$T/shell.pid")" | head -n 1)
	[ -n "$pid" ] && kill "-$1" $pid
}

# A temporary registration for one person, received today (in Vietnam),
# with no consent needed (the applicant owns the place): apply it as
# officer lan and approve it as supervisor minh, so that the person is
# in the register.  $1 ID number, $2 name, $3 date of birth, $4 sex,
# $5 house number, $6 (optional) the end of the term.
VN_TODAY=$(date -u -d '+7 hours' +%Y-%m-%d)
VN_LATER=$(date -u -d '+7 hours +300 days' +%Y-%m-%d)
make_request() {
	cat <<EOR
{"procedure": "temporary.register", "received": "$VN_TODAY",
 "applicant": {"id_number": "$1", "name": "$2", "dob": "$3", "sex": "$4"},
 "address": {"commune": "00070", "detail": "Số $5 phố Hàng Bạc"},
 "from": "$VN_TODAY", "to": "${6:-$VN_LATER}", "basis": "owned"}
EOR
}
add_person() {
	make_request "$@" > "$T/req.json"
	cutru_run "$LAN_PW" -- -s "$STORE" -u lan apply "$T/req.json"
	[ "$rc" -eq 0 ] || return 1
	n=$(cat "$T/out")
	cutru_run "$MINH_PW" "$MINH_PW" -- -s "$STORE" -u minh queue approve "$n"
	[ "$rc" -eq 0 ]
}
# Apply only: an awaiting dossier; its number in $DOSSIER.
add_dossier() {
	make_request "$@" > "$T/req.json"
	cutru_run "$LAN_PW" -- -s "$STORE" -u lan apply "$T/req.json"
	DOSSIER=$(cat "$T/out")
	[ "$rc" -eq 0 ]
}

# Filing a procedure through the console (tests/sh/test_console_procedures.sh).
#   con_person ID       F3, then the person with this ID number opened
#   con_procedure N     on the person screen: start procedure N (0 is
#                       permanent.register, in the order of DESIGN §2)
#   con_tab N           Tab N times (from the date received, the first row)
#   con_space N         Space N times: the Nth choice of a choice not made
#   con_file            F2, the review, Enter: the number of the dossier
#                       filed in $FILED; fails when nothing was filed
#   dmy DAYS            the date DAYS days from today in Vietnam, DD/MM/YYYY
con_person() {
	con_keys F3
	con_wait "Find:" >/dev/null || return 1
	con_keys C-u
	con_type "$1"
	con_wait "1 person found." || return 1
	con_keys Enter
	con_wait "Start a procedure for this person"
}
con_procedure() {
	# Up to the top of the eleven, wherever the list was left.
	con_repeat Up 11
	con_repeat Down "$1"
	con_keys Enter
	con_wait "Dates as DD/MM/YYYY"
}
con_repeat() {
	key=$1
	i=0
	while [ "$i" -lt "$2" ]; do
		set -- "$@" "$key"
		i=$((i + 1))
	done
	shift 2
	[ $# -eq 0 ] || con_keys "$@"
}
con_tab() { con_repeat Tab "$1"; }
con_space() { con_repeat Space "$1"; }
con_file() {
	FILED=
	con_keys F2
	con_wait "Check the dossier with the applicant." || return 1
	con_keys Enter
	con_wait "PTN received" || return 1
	FILED=$(con_screen | grep -o '[0-9]*/[0-9]*/PTN received' |
	    head -n 1 | cut -d' ' -f1)
	[ -n "$FILED" ]
}
dmy() { date -u -d "+7 hours $1 days" +%d/%m/%Y; }
