#!/bin/sh
# The console's household, audit, reports, officers and sync screens, and
# the help of each, through tmux on a real encrypted store, at 80x24 and
# at 200x50: an officer finds a person, opens their household (members,
# relationships, history) and a member; reads the journal (chain intact)
# and the reports; is refused by the library when adding an account; sees
# the sync screen (F5) of a console not enrolled.  The administrator adds,
# disables and enables accounts and resets a passphrase with the recovery
# code; the CLI then finds each change.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
. "${top_srcdir:-.}/tests/sh/console_lib.sh"

# Esc, then wait until the screen shows $1 (keys sent while the console
# still reads an Esc sequence would be taken with it).
back_to() { con_keys Escape; con_wait "$1" >/dev/null; }
close_help() { con_keys Escape; con_wait_gone "Press any key to close this help" >/dev/null; }

make_store || { tap_not_ok "make the store"; tap_done; exit 1; }

# A household made by a permanent registration: Nguyễn Văn An heads it,
# with his wife and son; approved by minh.
cat > "$T/perm.json" <<EOR
{"procedure": "permanent.register", "received": "$VN_TODAY",
 "applicant": {"id_number": "001090012345", "name": "Nguyễn Văn An",
               "dob": "1990-05-01", "sex": "male"},
 "members": [
   {"id_number": "001192004567", "name": "Trần Thị Bình",
    "dob": "1992-08-15", "sex": "female", "relationship": "vợ"},
   {"id_number": "001218003456", "name": "Nguyễn Minh Khang",
    "dob": "2018-03-10", "sex": "male", "relationship": "con"}],
 "address": {"commune": "00070", "detail": "Số 12 ngõ 34 phố Hàng Bạc"},
 "household_mode": "new", "basis": "owned"}
EOR
cutru_run "$LAN_PW" -- -s "$STORE" -u lan apply "$T/perm.json"
N=$(cat "$T/out")
cutru_run "$MINH_PW" "$MINH_PW" -- -s "$STORE" -u minh queue approve "$N"
tap_check "a household of three is registered ($N)" test "$rc" -eq 0
# Its number: WARD-YEAR-TAG-N, the console's tag and the dossier's number.
cutru_run "$LAN_PW" -- -s "$STORE" -u lan --json show 001090012345
HH=$(json_get 'd["household"]["number"]')
PAT="00070-$(echo "$N" | sed 's|^\([0-9]*\)/\([0-9]*\)/PTN$|\2-??????-\1|')"
case "$HH" in
$PAT) ok=1 ;;
*) ok=0 ;;
esac
tap_check "... numbered by ward, year, console tag and dossier ($HH)" \
    test "$ok" -eq 1
add_dossier 001085001234 "Lê Văn Bình" 1985-03-02 male 14
tap_check "a dossier awaits ($DOSSIER)" test -n "$DOSSIER"

for size in ${SIZES:-80x24 200x50}; do
	cols=${size%x*}
	rows=${size#*x}
	con_start "$cols" "$rows" -s "$STORE" -u lan console
	con_login "$LAN_PW"
	con_wait "What to do" >/dev/null
	con_keys F3
	con_wait "Find:" >/dev/null
	con_type "001090012345"
	con_wait "Nguyễn Văn An" >/dev/null
	con_keys Enter
	con_wait "Start a procedure for this person" >/dev/null
	con_keys h
	con_check "$size: h on a person opens their household" "Household $HH"
	con_check "$size: ... with its members counted" "Members (3)"
	con_check "$size: ... the head said as such" "Nguyễn Văn An · head of household"
	con_check "$size: ... each member's relationship to the head" "Trần Thị Bình · vợ"
	con_check "$size: ... the address" "Số 12 ngõ 34 phố Hàng Bạc"
	con_check "$size: ... and its history" "History: memberships that ended (0)"
	con_keys F1
	con_check "$size: F1 shows the household's help" "memberships that ended."
	close_help
	con_keys Down
	con_keys Enter
	con_check "$size: Enter on a member opens the person" "001192004567"
	con_check "$size: ... on the person screen" "Start a procedure for this person"
	back_to "Members (3)"
	con_keys p
	con_check "$size: p starts a procedure for the member" "Which procedure?"
	back_to "Members (3)"
	back_to "Start a procedure for this person"
	back_to "Find:"
	back_to "What to do"

	con_keys j
	con_check "$size: j opens the journal with its chain checked" \
	    "The journal is intact:"
	con_check "$size: ... the entries, newest first, with who made them" "minh"
	con_check "$size: ... and what each records, without names" \
	    "dossier $N: "
	tap_check "$size: ... no person's name in the audit list" \
	    sh -c "! tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -q 'Nguyễn Văn An'"
	con_keys v
	con_check "$size: v checks the chain again" "Checked again: the journal is intact."
	con_keys F1
	con_check "$size: F1 explains the audit screen" "chained by its hash"
	close_help
	back_to "What to do"

	con_keys t
	con_check "$size: t opens the reports" "The register today"
	con_check "$size: ... counting persons and households" "Persons: 3   Households: 1"
	con_check "$size: ... residences by kind" "Active residences: 3 permanent, 0 temporary"
	con_check "$size: ... dossiers by procedure" "Dossiers by procedure and state"
	con_keys End
	con_check "$size: ... and residences ending soon" "Temporary residences ending within 30 days (0)"
	con_keys d
	con_check "$size: d looks further ahead" "Temporary residences ending within 60 days"
	back_to "What to do"

	con_keys o
	con_check "$size: o lists the accounts" "Lê Văn Minh"
	con_check "$size: ... with their roles" "supervisor"
	con_keys a
	con_check "$size: a opens the form to add an account" "Add an account"
	con_type "tam"
	con_keys Tab
	con_type "Đỗ Văn Tâm"
	con_keys Tab Tab
	con_type "tampass12345"
	con_keys Tab
	con_type "tampass12345"
	con_keys Tab Enter
	con_check "$size: an officer is refused by the library" \
	    "Only an administrator can add officers; officer 'lan' is not one."
	con_keys Escape
	con_wait_gone "Add an account" >/dev/null
	con_keys d
	con_check "$size: ... and may not disable an account either" \
	    "Only an administrator can disable an account"
	back_to "What to do"

	con_keys F5
	con_check "$size: F5 opens the sync screen" "Outbox: "
	con_check "$size: ... says the console is not enrolled" "Not enrolled with the registry yet"
	con_check "$size: ... counts by state" "accepted 0   rejected 0"
	con_check "$size: ... and lists what needs attention" \
	    "Rejected by the registry, needing attention (0)"
	con_keys x
	con_check "$size: x asks for a folder" "Export the outbox to removable media"
	mkdir -p "$T/usb"
	con_type "$T/usb"
	con_keys Enter
	con_check "$size: ... and a console not enrolled is refused" "enroll"
	con_keys Escape
	con_wait_gone "Export the outbox" >/dev/null
	con_keys F1
	con_check "$size: F1 explains the sync screen" "change sets stand"
	close_help
	# Person, household, member, household, ...: the screens pile up
	# until the stack is full, which is said rather than ignored.
	back_to "What to do"
	con_keys F3
	con_wait "Find:" >/dev/null
	con_type "001090012345"
	con_wait "Nguyễn Văn An" >/dev/null
	con_keys Enter
	con_wait "Start a procedure for this person" >/dev/null
	for i in 1 2 3 4 5 6 7 8; do
		con_keys h
		con_wait "Members (3)" >/dev/null
		con_keys Down Enter
		con_wait "Start a procedure for this person" >/dev/null
	done
	con_check "$size: a full screen stack says so and how to go on" \
	    "Too many screens are open; press Esc"
	con_keys F10
	con_check "$size: F10 quits cleanly" "CUTRU-EXIT=0"
done

tap_check "the officer's attempt added nobody" \
    sh -c "! '$CUTRU' --passphrase-fd 3 -s '$STORE' -u root officer list 3<<EOP | grep -q tam
$ADMIN_PW
EOP"

# --- the administrator
con_start 200 50 -s "$STORE" -u root console
con_login "$ADMIN_PW"
con_wait "What to do" >/dev/null
con_keys o
con_wait "Lê Văn Minh" >/dev/null
con_keys a
con_wait "Add an account" >/dev/null
con_type "tam"
con_keys Tab
con_type "Đỗ Văn Tâm"
con_keys Tab Space Tab
con_type "tampass12345"
con_keys Tab
con_type "tampass-wrong"
con_keys Tab Enter
con_check "two different passphrases are refused" "The two passphrases differ"
con_keys BTab BTab
con_keys C-u
con_type "tampass12345"
con_keys Tab
con_type "tampass12345"
con_keys Tab Enter
con_check "the administrator adds a supervisor" "Officer tam added with the role supervisor."
con_check "... who is listed" "Đỗ Văn Tâm"
cutru_run "tampass12345" -- -s "$STORE" -u tam --json officer list
tap_check "the CLI logs in as the new account" test "$rc" -eq 0
tap_check "... a supervisor" test "$(json_get '[o["role"] for o in d["officers"] if o["login"]=="tam"][0]')" = supervisor
# hai, lan, minh, root, tam: lan is the second.
con_keys Home Down d
con_check "the administrator disables lan" "Officer lan can no longer log in."
con_check "... shown as disabled" "disabled"
cutru_run "$LAN_PW" -- -s "$STORE" -u lan dossier list
expect "lan can no longer log in" 3
con_keys e
con_check "... and enables lan again" "Officer lan can log in again."
con_keys p
con_check "p asks for the recovery code" "New passphrase for lan"
con_type "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA"
con_keys Tab
con_type "lannew-12345"
con_keys Tab
con_type "lannew-12345"
con_keys Tab Enter
con_check "a wrong recovery code is refused" "recovery code"
con_type "$RECOVERY"
con_keys Tab Tab Tab Enter
con_check "the right one sets the new passphrase" "The passphrase of lan is changed"
cutru_run "lannew-12345" -- -s "$STORE" -u lan dossier list
expect "lan logs in with the new passphrase" 0
cutru_run "$LAN_PW" -- -s "$STORE" -u lan dossier list
expect "... and no longer with the old one" 3
back_to "What to do"
con_keys j
con_check "the journal records the reset, newest first" "account lan: passphrase_reset"
con_check "... and the disabling" "account lan: disabled"
con_keys F10
con_check "F10 quits cleanly" "CUTRU-EXIT=0"

tap_done
