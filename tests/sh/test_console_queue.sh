#!/bin/sh
# The approval queue in the console, through tmux on a real encrypted
# store: the home screen counts what awaits; a supervisor opens a dossier
# and sees what approving it will change, approves it with their
# passphrase (a wrong one is refused), returns one and refuses one with a
# reason; the CLI then finds each dossier in its new state.  An officer
# is refused by the library.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
. "${top_srcdir:-.}/tests/sh/console_lib.sh"

make_store || { tap_not_ok "make the store"; tap_done; exit 1; }
add_dossier 001090012345 "Nguyễn Văn An" 1990-05-01 male 12 && D1=$DOSSIER
add_dossier 001085001234 "Nguyễn Văn Bình" 1985-03-02 male 14 && D2=$DOSSIER
add_dossier 001192004567 "Nguyễn Thị Hoà" 1992-08-15 female 16 && D3=$DOSSIER
tap_check "three dossiers await ($D1 $D2 $D3)" test -n "$D3"

state_of() {
	cutru_run "$MINH_PW" -- -s "$STORE" -u minh --json dossier show "$1"
	json_get 'd["state"]'
}

# --- an officer sees the queue but may not decide
con_start 80 24 -s "$STORE" -u lan console
con_login "$LAN_PW"
con_check "home counts the dossiers awaiting approval" "Awaiting approval (3)"
con_keys a
con_check "the queue lists the dossiers with their due dates" "$D1"
con_keys Enter
con_check "the detail shows what approving will change" \
    "What approving it today will change in the register:"
con_check "... the events, in words" "Residence begins"
con_keys a
con_type "$LAN_PW"
con_keys Enter
con_check "an officer's approval is refused with the library's reason" \
    "Only a supervisor can decide dossiers"
con_keys Escape F10
con_wait "CUTRU-EXIT=0" >/dev/null
tap_check "... and the dossier still awaits" test "$(state_of "$D1")" = awaiting

# --- the supervisor approves
con_start 80 24 -s "$STORE" -u minh console
con_login "$MINH_PW"
con_wait "Awaiting approval (3)" >/dev/null
con_keys a
con_wait "$D1" >/dev/null
con_keys Enter
con_check "the supervisor opens the first dossier" "Dossier $D1:"
con_keys a
con_check "approving asks for the passphrase again" "Your passphrase:"
con_type "not-minh"
con_keys Enter
con_check "a wrong passphrase is refused" "Wrong passphrase for officer 'minh'"
tap_check "... and the dossier still awaits" test "$(state_of "$D1")" = awaiting
con_type "$MINH_PW"
con_keys Enter
con_check "the right passphrase approves and signs" \
    "Dossier $D1 approved and signed; the register is updated."
tap_check "the CLI finds it approved" test "$(state_of "$D1")" = approved

# --- return one, refuse one
con_keys Enter
con_check "the next dossier opens" "Dossier $D2:"
con_keys r
con_check "returning asks for the reason" "Return for completion (CT05)"
con_keys Enter
con_check "an empty reason is refused" \
    "A reason is required to return a dossier for completion"
con_type "Thiếu hợp đồng thuê nhà"
con_keys Enter
con_check "the dossier is returned" "Dossier $D2 returned for completion (CT05)."
tap_check "the CLI finds it returned" test "$(state_of "$D2")" = returned
con_keys Enter
con_wait "Dossier $D3:" >/dev/null
con_keys x
con_check "refusing asks for the reason" "Refuse (CT06)"
con_type "Không đủ điều kiện đăng ký"
con_keys Enter
con_check "the dossier is refused" "Dossier $D3 refused (CT06)."
cutru_run "$MINH_PW" -- -s "$STORE" -u minh --json dossier show "$D3"
tap_check "the refusal carries the reason typed" \
    test "$(json_get 'd["reason"]')" = "Không đủ điều kiện đăng ký"
con_check "the queue is empty" "No dossier is awaiting approval."
con_keys Escape
con_check "home shows nothing awaiting" "Awaiting approval (0)"
con_keys F10
con_check "F10 quits cleanly (exit status 0)" "CUTRU-EXIT=0"
con_check "quit restores the terminal" "MODES echo icanon"

tap_done
