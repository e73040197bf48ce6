#!/bin/sh
# Each of the eleven procedures filed through the console, through tmux on
# a real encrypted store: the officer finds a person already in the
# register (F3, their ID number), starts the procedure from the person
# screen, types only what the register cannot know, reviews and files;
# the CLI then shows the dossier with the values typed and those the
# register filled in.  On the way: a card scan fills the declarant of a
# deletion and the guest of a notice of stay, a household number typed
# brings its address and head, invalid input shows its message and files
# nothing, a resize mid-form keeps what was typed.  At 80x24, then a
# subset at 200x60, one of them started from a household member.
#
# The keystrokes below are the proof of the "ask once" table of cutru(1)
# (CONSOLE: ASK ONCE): every ask (text typed) and pick (a choice made) is
# a field the officer enters, a scan stands for the four fields of a card
# (ID number, name, date of birth, sex) and a value retyped to correct it
# is not counted again; the rest came from the register.  After each
# filing, asked checks the count against that table.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
. "${top_srcdir:-.}/tests/sh/console_lib.sh"

make_store || { tap_not_ok "make the store"; tap_done; exit 1; }
YEAR=$(date -u -d '+7 hours' +%Y)
HH=    # An's household, once registered below: 00070-YEAR-TAG-1
HOME_ADDR="Số 12 ngõ 34 phố Hàng Bạc"
AN_ID=001090012345
AN='"id_number": "001090012345", "name": "Nguyễn Văn An"'
BINH_ID=001192004567
CUONG_ID=001040001111
HOA_ID=079195012345
TUAN_ID=001075009876

# Receive a request as officer lan and approve it as supervisor minh.
register() {
	printf '%s' "$1" > "$T/req.json"
	cutru_run "$LAN_PW" -- -s "$STORE" -u lan apply "$T/req.json"
	[ "$rc" -eq 0 ] || return 1
	n=$(cat "$T/out")
	cutru_run "$MINH_PW" "$MINH_PW" -- -s "$STORE" -u minh queue approve \
	    "$n"
	[ "$rc" -eq 0 ]
}
join_an() {
	register "{\"procedure\": \"permanent.register\",
	    \"received\": \"$VN_TODAY\",
	    \"applicant\": {\"id_number\": \"$1\", \"name\": \"$2\",
	    \"dob\": \"$3\", \"sex\": \"$4\"},
	    \"address\": {\"commune\": \"00070\", \"detail\": \"$HOME_ADDR\"},
	    \"household_mode\": \"join\", \"household\": \"$HH\",
	    \"relationship\": \"$5\", \"basis\": \"relative\",
	    \"consents\": {\"head\": {$AN, \"method\": \"signature\"},
	    \"owner\": {$AN, \"method\": \"signature\"}}}"
}

# The register: An heads household $HH at $HOME_ADDR with his wife Bình
# and his father Cường; Hoa's temporary residence ends in 10 days; Tuấn
# has a temporary residence.
ok=0
register "{\"procedure\": \"permanent.register\", \"received\": \"$VN_TODAY\",
    \"applicant\": {$AN, \"dob\": \"1990-05-01\", \"sex\": \"male\",
    \"phone\": \"0912345678\"},
    \"address\": {\"commune\": \"00070\", \"detail\": \"$HOME_ADDR\"},
    \"household_mode\": \"new\", \"basis\": \"owned\"}" &&
cutru_run "$LAN_PW" -- -s "$STORE" -u lan --json show "$AN_ID" &&
HH=$(json_get 'd["household"]["number"]') &&
case "$HH" in 00070-$YEAR-??????-1) ;; *) false ;; esac &&
join_an "$BINH_ID" "Trần Thị Bình" 1992-08-15 female "Vợ" &&
join_an "$CUONG_ID" "Nguyễn Văn Cường" 1940 male "Cha" &&
add_person "$HOA_ID" "Lê Thị Hoa" 1995-02-14 female 8 \
    "$(date -u -d '+7 hours +10 days' +%Y-%m-%d)" &&
add_person "$TUAN_ID" "Phạm Quốc Tuấn" 1975-07-07 male 20 && ok=1
tap_check "the register is made through the CLI" test "$ok" -eq 1

queue_count() {
	cutru_run "$MINH_PW" -- -s "$STORE" -u minh --json queue list
	json_get 'len(d["dossiers"])'
}
# The filed dossier's request, for req_is.
show_filed() {
	cutru_run "$MINH_PW" -- -s "$STORE" -u minh --json dossier show \
	    "$FILED"
}
# req_is DESC PYTHON-EXPR VALUE: the filed request's value is VALUE.
req_is() {
	got=$(json_get "d[\"request\"]$2" 2>/dev/null)
	if [ "$got" = "$3" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1"
		tap_diag "request$2 is '$got', expected '$3'"
	fi
}
entered=0
ask() { entered=$((entered + 1)); con_type "$1"; }
pick() { entered=$((entered + 1)); con_space "$1"; }
scan() { entered=$((entered + 4)); con_type "$1"; }
asked() {
	want=$(sed -n '/^\.SH "*CONSOLE: ASK ONCE/,/^\.SH [^C]/p' \
	    "$src/man/cutru.1" | awk -v p="$1" '$1 == p { print $4; exit }')
	tap_check "$1: fields entered: $entered, as cutru(1) counts" \
	    test "$entered" = "${want:-none}"
	entered=0
}
filed() {
	if con_file; then
		tap_ok "$1: filed as $FILED"
		show_filed
	else
		tap_not_ok "$1: filed"
		: > "$T/out"
	fi
}

con_start 80 24 -s "$STORE" -u lan console
con_login "$LAN_PW"
con_wait "What to do" >/dev/null

# 1. permanent.register: Tuấn joins An's household.  Typed: household
# mode, household number (which brings the address and the head's
# consent), relationship, basis, the head's consent method, the owner's
# consent (3).
con_person "$TUAN_ID"
con_procedure 0
con_check "permanent.register: the applicant is the person chosen" \
    "Phạm Quốc Tuấn"
con_tab 10
pick 2
con_keys Tab
ask "$HH"
con_keys Tab
con_check "permanent.register: leaving the household number fills its address" \
    "$HOME_ADDR"
ask "Em ruột"
con_keys Tab
pick 2
con_tab 6
pick 1
con_keys Tab
ask "Nguyễn Văn An"
con_keys Tab
ask "$AN_ID"
con_keys Tab
pick 1
filed "permanent.register"
asked permanent.register
req_is "permanent.register: applicant from the register" \
    '["applicant"]["id_number"]' "$TUAN_ID"
req_is "permanent.register: household typed" '["household"]' "$HH"
req_is "permanent.register: relationship typed" '["relationship"]' \
    "Em ruột"
req_is "permanent.register: address from the household" \
    '["address"]["detail"]' "$HOME_ADDR"
req_is "permanent.register: commune from the household" \
    '["address"]["commune"]' "00070"
req_is "permanent.register: head's consent from the household" \
    '["consents"]["head"]["id_number"]' "$AN_ID"
req_is "permanent.register: owner's consent typed" \
    '["consents"]["owner"]["name"]' "Nguyễn Văn An"

# 2. permanent.delete: Cường died; An declares it with his card.  Typed:
# ground, date of the event, document (and the card scanned).
con_person "$CUONG_ID"
con_procedure 1
con_tab 2
con_keys C-u
scan "$AN_ID||Nguyễn Văn An|01051990|Nam|$HOME_ADDR|01012021"
con_keys Enter
con_check "permanent.delete: a card scanned into the declarant fills them" \
    "ID card read: Nguyễn Văn An, $AN_ID."
con_tab 12
pick 1
con_keys Tab
ask "$(dmy -3)"
con_keys Tab
ask "Trích lục khai tử số 123/TLKT-BS"
filed "permanent.delete"
asked permanent.delete
req_is "permanent.delete: the declarant from the card" \
    '["applicant"]["name"]' "Nguyễn Văn An"
req_is "permanent.delete: ... with the card's date of birth" \
    '["applicant"]["dob"]' "1990-05-01"
req_is "permanent.delete: the person from the register" \
    '["person"]["id_number"]' "$CUONG_ID"
req_is "permanent.delete: ... with their partial date of birth" \
    '["person"]["dob"]' "1940"
req_is "permanent.delete: ground chosen" '["ground"]' "death"
req_is "permanent.delete: date typed" '["event_date"]' \
    "$(date -u -d '+7 hours -3 days' +%Y-%m-%d)"
req_is "permanent.delete: document typed" '["document_ref"]' \
    "Trích lục khai tử số 123/TLKT-BS"

# 3. household.split: Bình leaves An's household.  Typed: the head's
# consent method and the owner's consent (3).
con_person "$BINH_ID"
con_procedure 2
con_tab 14
pick 1
con_keys Tab
ask "Nguyễn Văn An"
con_keys Tab
ask "$AN_ID"
con_keys Tab
pick 2
filed "household.split"
asked household.split
req_is "household.split: household from the register" '["household"]' \
    "$HH"
req_is "household.split: address from the household" \
    '["address"]["detail"]' "$HOME_ADDR"
req_is "household.split: head's consent from the household" \
    '["consents"]["head"]["name"]' "Nguyễn Văn An"
req_is "household.split: owner's consent typed" \
    '["consents"]["owner"]["method"]' "vneid"

# 4. residence.adjust: An's name is corrected.  Typed: what changes, the
# person (2), the corrected name, the document.
con_person "$AN_ID"
con_procedure 3
con_tab 8
pick 2
con_tab 3
ask "Nguyễn Văn An"
con_keys Tab
ask "$AN_ID"
con_keys Tab
ask "Nguyễn Văn Ân"
con_tab 4
ask "Quyết định cải chính hộ tịch số 45/QĐ-UBND"
filed "residence.adjust"
asked residence.adjust
req_is "residence.adjust: household from the register" '["household"]' \
    "$HH"
req_is "residence.adjust: change chosen" '["change"]' "identity"
req_is "residence.adjust: corrected name typed" '["corrected"]["name"]' \
    "Nguyễn Văn Ân"

# 5. temporary.register: Hoa rents a room.  Typed: address, from, until,
# basis, contract, the owner's consent (3).  Invalid input on the way; a
# resize mid-form.
con_person "$HOA_ID"
con_procedure 4
con_check "temporary.register: the commune is the ward's" "00070"
con_tab 9
ask "Phòng 301, số 8 phố Hàng Gai"
con_keys Tab
ask "$(dmy 0)"
con_keys Tab
ask "31/02/$((YEAR + 1))"
con_check "temporary.register: an impossible date is explained under it" \
    "31/02/$((YEAR + 1)) does not exist"
before=$(queue_count)
con_keys F2
sleep 0.3
tap_check "... and F2 files nothing" test "$(queue_count)" = "$before"
con_check "... the form stays" "Dates as DD/MM/YYYY"
con_tmux resize-window -t con -x 200 -y 60
con_wait "F10Quit" >/dev/null
tap_check "temporary.register: resized to 200x60 mid-form, the bar is on line 60" \
    sh -c "tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | sed -n 60p | grep -q F10Quit"
con_check "... the address typed is still there" "Phòng 301, số 8 phố Hàng Gai"
con_check "... and the message under the date" "does not exist"
con_tmux resize-window -t con -x 80 -y 24
con_wait "F10Quit" >/dev/null
tap_check "... back at 80x24, the bar is on line 24" \
    sh -c "tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | sed -n 24p | grep -q F10Quit"
con_keys C-u
con_type "$(dmy 200)"
con_keys Tab
pick 3
con_keys Tab
ask "Hợp đồng thuê nhà số 17/2026/HĐTN"
con_tab 4
ask "Phạm Quốc Tuấn"
con_keys Tab
ask "$TUAN_ID"
con_keys Tab
pick 3
filed "temporary.register"
asked temporary.register
req_is "temporary.register: address typed" '["address"]["detail"]' \
    "Phòng 301, số 8 phố Hàng Gai"
req_is "temporary.register: commune of the ward" '["address"]["commune"]' \
    "00070"
req_is "temporary.register: basis chosen" '["basis"]' "rented"
req_is "temporary.register: until typed" '["to"]' \
    "$(date -u -d '+7 hours +200 days' +%Y-%m-%d)"
req_is "temporary.register: owner's consent typed" \
    '["consents"]["owner"]["id_number"]' "$TUAN_ID"

# 6. temporary.extend: Hoa's term ends in 10 days.  Typed: the new end.
con_person "$HOA_ID"
con_procedure 5
con_check "temporary.extend: the present end of the term is filled" "$(dmy 10)"
con_tab 11
ask "$(dmy 375)"
filed "temporary.extend"
asked temporary.extend
req_is "temporary.extend: address of the temporary residence" \
    '["address"]["detail"]' "Số 8 phố Hàng Bạc"
req_is "temporary.extend: present end from the register" \
    '["current_to"]' "$(date -u -d '+7 hours +10 days' +%Y-%m-%d)"
req_is "temporary.extend: new end typed" '["to"]' \
    "$(date -u -d '+7 hours +375 days' +%Y-%m-%d)"

# 7. temporary.delete: Tuấn's rental ended.  Typed: ground, date.
con_person "$TUAN_ID"
con_procedure 6
con_tab 14
pick 6
con_keys Tab
ask "$(dmy -2)"
filed "temporary.delete"
asked temporary.delete
req_is "temporary.delete: the person from the register" \
    '["person"]["name"]' "Phạm Quốc Tuấn"
req_is "temporary.delete: ground chosen" '["ground"]' "rental_ended"

# 8. residence.declare: Tuấn declares where he lives.  Typed: address,
# in the national database.
con_person "$TUAN_ID"
con_procedure 7
con_tab 9
ask "Nhà tạm cạnh chợ Đồng Xuân"
con_keys Tab
pick 1
filed "residence.declare"
asked residence.declare
req_is "residence.declare: address typed" '["address"]["detail"]' \
    "Nhà tạm cạnh chợ Đồng Xuân"
req_is "residence.declare: commune of the ward" '["address"]["commune"]' \
    "00070"
req_is "residence.declare: in the national database" \
    '["in_national_db"]' "True"

# 9. stay.notify: a guest stays at An's.  Typed: until, the guest (a card
# scanned here).
con_person "$AN_ID"
con_procedure 8
con_check "stay.notify: the address is the host's" "$HOME_ADDR"
con_tab 10
ask "$(dmy 5)"
con_keys Tab Enter
scan "048198001234||Võ Thị Lan|20011998|Nữ|Số 5 phố Lê Lợi|01012021"
con_keys Enter
con_check "stay.notify: a card scanned into the guest row fills the guest" \
    "ID card read: Võ Thị Lan, 048198001234."
filed "stay.notify"
asked stay.notify
req_is "stay.notify: the stay begins today" '["from"]' "$VN_TODAY"
req_is "stay.notify: address of the host" '["address"]["detail"]' \
    "$HOME_ADDR"
req_is "stay.notify: the guest from the card" '["guests"][0]["dob"]' \
    "1998-01-20"

# 10. absence.declare: Bình leaves for a year.  Typed: case, from, until,
# destination, reason.  A term too short for the case is refused first.
con_person "$BINH_ID"
con_procedure 9
con_tab 7
pick 4
con_keys Tab
ask "$(dmy 5)"
con_keys Tab
ask "$(dmy 30)"
con_keys Tab
ask "Thành phố Hồ Chí Minh"
con_keys Tab
ask "Đi làm việc theo hợp đồng lao động"
before=$(queue_count)
con_keys F2
con_check "absence.declare: too short an absence for the case is explained" \
    "12 months"
tap_check "... and nothing is filed" test "$(queue_count)" = "$before"
con_keys C-u
con_type "$(dmy 400)"
filed "absence.declare"
asked absence.declare
req_is "absence.declare: case chosen" '["case"]' "long_absence"
req_is "absence.declare: until corrected" '["to"]' \
    "$(date -u -d '+7 hours +400 days' +%Y-%m-%d)"
req_is "absence.declare: where she lives, from the register" \
    '["address"]["detail"]' "$HOME_ADDR"

# 11. residence.confirm: An asks for a confirmation.  Typed: in the
# national database, content.
con_person "$AN_ID"
con_procedure 10
con_tab 13
pick 1
con_keys Tab
ask "Xác nhận nơi thường trú để làm thủ tục vay vốn"
filed "residence.confirm"
asked residence.confirm
req_is "residence.confirm: applicant from the register" \
    '["applicant"]["dob"]' "1990-05-01"
req_is "residence.confirm: content typed" '["content"]' \
    "Xác nhận nơi thường trú để làm thủ tục vay vốn"

con_keys F10
con_check "F10 quits cleanly (exit status 0)" "CUTRU-EXIT=0"

# A subset at 200x60: the form has room for every row at once.
con_start 200 60 -s "$STORE" -u lan console
con_login "$LAN_PW"
con_wait "What to do" >/dev/null
con_person "$HOA_ID"
con_procedure 5
con_check "200x60 temporary.extend: the present end is filled" "$(dmy 10)"
con_tab 11
con_type "$(dmy 370)"
filed "200x60 temporary.extend"
req_is "200x60 temporary.extend: new end typed" '["to"]' \
    "$(date -u -d '+7 hours +370 days' +%Y-%m-%d)"
con_person "$AN_ID"
con_procedure 8
con_tab 10
con_type "$(dmy 3)"
con_keys Tab Enter
con_type "048198001234||Võ Thị Lan|20011998|Nữ|Số 5 phố Lê Lợi|01012021"
con_keys Enter
con_wait "ID card read" >/dev/null
filed "200x60 stay.notify"
req_is "200x60 stay.notify: the guest from the card" \
    '["guests"][0]["id_number"]' "048198001234"
con_person "$BINH_ID"
con_procedure 10
con_tab 13
con_space 2
filed "200x60 residence.confirm"
req_is "200x60 residence.confirm: not in the national database" \
    '["in_national_db"]' "False"
# From a household: its member Cường (the third row), p, the procedure.
con_person "$AN_ID"
con_keys h
con_check "200x60: h opens the household" "Household $HH"
con_keys Down Down p
con_check "200x60: p on a member offers the procedures" "Which procedure?"
con_repeat Down 10
con_keys Enter
con_check "200x60: the member is the applicant" "Nguyễn Văn Cường"
con_tab 13
con_space 1
filed "200x60 residence.confirm from a household"
req_is "200x60 residence.confirm from a household: the member applies" \
    '["applicant"]["id_number"]' "$CUONG_ID"
req_is "200x60 residence.confirm from a household: partial date of birth" \
    '["applicant"]["dob"]' "1940"
con_keys F10
con_check "200x60: F10 quits cleanly" "CUTRU-EXIT=0"

tap_done
