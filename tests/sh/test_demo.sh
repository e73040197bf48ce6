#!/bin/sh
# make demo's script, tools/demo, with a small ward and the cheapest
# Argon2id cost: without a terminal it sets everything up, prints the demo
# passphrases and exits 0; those passphrases open the store through the
# CLI, which holds the residents and the dossiers awaiting the supervisor;
# it makes its folder afresh and never removes a folder it did not make.
# Then in tmux, as on a user's terminal: it opens the console at the login
# screen with the registry running, and quitting the console stops the
# registry.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"

DEMO=$src/tools/demo
D=$T/demo
N=300
if [ ! -x "$build/tools/cutru-wardgen" ]; then
	echo "1..0 # SKIP $build/tools/cutru-wardgen is not built"
	exit 0
fi
REGD_BUILT=no
if [ -x "$build/cutru-registryd" ] && command -v openssl >/dev/null 2>&1; then
	REGD_BUILT=yes
fi

demo() {
	"$DEMO" --build "$build" --persons "$N" --fast-kdf "$@" </dev/null \
	    >"$T/out" 2>"$T/err"
	rc=$?
}

# --- without a terminal
demo --dir "$D"
expect "tools/demo without a terminal sets up and exits 0" 0
tap_check "it says how to open the console" \
    grep -qF "  $build/cutru -s $D/store" "$T/out"
tap_check "it says the passphrases are for the demo only" \
    grep -q "DEMONSTRATION store: the passphrases below are printed" "$T/out"
LAN=$(sed -n 's/^ *officer  *login lan  *passphrase \([^ ]*\).*/\1/p' "$T/out")
MINH=$(sed -n 's/^ *supervisor  *login minh  *passphrase \([^ ]*\).*/\1/p' "$T/out")
tap_check "it prints the officer's and the supervisor's passphrases" \
    test -n "$LAN" -a -n "$MINH"
cp "$T/out" "$T/demo.out"

cutru_run "$LAN" -- -s "$D/store" -u lan search nguyen
expect "the officer's printed passphrase opens the store" 0
tap_check "search finds the made-up residents of the ward" \
    test "$(grep -c ', 00070$' "$T/out")" -ge 20
cutru_run "$LAN" -- -s "$D/store" -u lan --json report
tap_check "the register holds the $N made-up persons and the 5 of the examples" \
    test "$(json_get 'd["register"]["persons"]')" = $((N + 5))
cutru_run "$MINH" -- -s "$D/store" -u minh queue list
expect "the supervisor's printed passphrase opens the store" 0
tap_check "the supervisor's queue holds the six example dossiers" \
    test "$(grep -c ' awaiting ' "$T/out")" -eq 6
cutru_run "$MINH" "$MINH" -- -s "$D/store" -u minh queue approve 3/2026/PTN
expect "the supervisor can approve an example dossier (its persons are in the register)" 0

if [ "$REGD_BUILT" = yes ]; then
	tap_check "the registry was started on loopback with TLS" \
	    grep -q "central registry at https://127.0.0.1:[0-9]" "$T/demo.out"
	tap_check "... and stopped again, there being no console" \
	    sh -c "grep -q 'was started to check it works, and stopped' '$T/demo.out' && [ ! -e '$D/registry/registryd.pid' ]"
else
	tap_check "without cutru-registryd it says so in one line" \
	    grep -q "no central registry" "$T/demo.out"
	tap_ok "# SKIP cutru-registryd is not built"
fi

demo --dir "$D"
expect "a second run succeeds" 0
cutru_run "$MINH" -- -s "$D/store" -u minh queue list
tap_check "... with a store made afresh (six dossiers, not twelve)" \
    test "$(grep -c ' awaiting ' "$T/out")" -eq 6

mkdir "$T/other"
echo keep > "$T/other/precious"
demo --dir "$T/other"
expect "a folder tools/demo did not make is refused" 1 "was not made by tools/demo"
tap_check "... and left as it was" test -f "$T/other/precious"

# --- on a terminal, in tmux
if ! command -v tmux >/dev/null 2>&1; then
	tap_ok "# SKIP tmux is not installed"
	tap_done
	exit $?
fi
. "$src/tests/sh/console_lib.sh"
# con_start runs $CUTRU ARGS in the pane: here, the demo script.
CUTRU_BIN=$CUTRU
CUTRU=$DEMO
con_start 100 32 --build "$build" --dir "$D" --persons "$N" --fast-kdf
CUTRU=$CUTRU_BIN
con_check "on a terminal it asks for Enter before opening the console" \
    "Press Enter to open the console" 120
con_keys Enter
con_check "the console comes up at the login screen" \
    "Log in to the ward register"
con_check "... for the demo store" "Store: $D/store"
tap_check "... with the officer lan proposed" \
    sh -c "tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -Eq 'Officer +lan\$'"
if [ "$REGD_BUILT" = yes ]; then
	tap_check "the registry runs while the console is open" \
	    sh -c "kill -0 \$(cat '$D/registry/registryd.pid')"
	REGPID=$(cat "$D/registry/registryd.pid" 2>/dev/null)
fi
LAN=$(sed -n 's/^ *officer  *login lan  *passphrase \([^ ]*\).*/\1/p' "$D/README.txt")
con_type "$LAN"
con_keys Enter
con_check "the printed passphrase logs lan in" "What to do"
con_keys F10
con_check "quitting the console ends the demo" "CUTRU-EXIT=0"
if [ "$REGD_BUILT" = yes ]; then
	tap_check "... and stops the registry it started" \
	    sh -c "[ -n '$REGPID' ] && ! kill -0 '$REGPID' 2>/dev/null"
fi
tap_done
