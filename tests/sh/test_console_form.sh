#!/bin/sh
# The procedure form in the console, through tmux on a real encrypted
# store: a value checked as it is typed shows its message under the
# field; a scanned ID card fills the person; F2 with a rule broken puts
# the message on the field and files nothing; a resize mid-form redraws;
# the review files the dossier, which the CLI then finds awaiting.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
. "${top_srcdir:-.}/tests/sh/console_lib.sh"

make_store || { tap_not_ok "make the store"; tap_done; exit 1; }
VN_DMY=$(date -u -d '+7 hours' +%d/%m/%Y)
VN_LATER_DMY=$(date -u -d '+7 hours +200 days' +%d/%m/%Y)
SCAN='079195012345|123456789|Lê Thị Hoa|14021995|Nữ|Số 8 phố Hàng Gai|01012021'

queue_count() {
	cutru_run "$MINH_PW" -- -s "$STORE" -u minh --json queue list
	json_get 'len(d["dossiers"])'
}

con_start 80 24 -s "$STORE" -u lan console
con_login "$LAN_PW"
con_wait "What to do" >/dev/null
con_keys n
con_check "n offers the eleven procedures" \
    "1.010041   CT07  Confirmation of residence information"
con_keys Down Down Down Down Enter
con_check "the temporary registration form is drawn from its table" \
    "Address of the temporary residence"
con_check "the date received is today" "$VN_DMY"
con_keys Tab
con_type "12345"
con_check "an ID number of 5 digits is explained under the field" \
    "The ID number has 5 digits"
con_keys C-u
con_wait_gone "The ID number has 5 digits"
tap_check "the message goes when the value is cleared" test $? -eq 0
con_type "$SCAN"
con_keys Enter
con_check "a card scan fills the name" "Lê Thị Hoa"
con_check "... the date of birth" "14/02/1995"
con_check "... the sex" "< Female >"
con_check "... and says so" "ID card read: Lê Thị Hoa, 079195012345."
tap_check "the scan's raw line is not left in the field" \
    sh -c "! tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -q '123456789|'"

# An ID number that disagrees with the sex: the century digit says male.
con_keys C-u
con_type "079095012345"
con_check "an ID number for a man on a woman's form is explained under it" \
    "ID number 079095012345 has the century digit 0, which is for a man"
con_keys C-u
con_type "079195012345"

# F2 with fields missing: nothing is filed, the message is on a field.
con_keys F2
con_check "F2 on an incomplete form names what is missing" "required"
tap_check "... and nothing is filed" test "$(queue_count)" = 0

# Resize mid-form.
con_tmux resize-window -t con -x 200 -y 50
con_wait "F10Quit" >/dev/null
tap_check "resized to 200x50 mid-form, the bar is on line 50" \
    sh -c "tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | sed -n 50p | grep -q F10Quit"
con_check "... and the values typed are still there" "Lê Thị Hoa"
con_tmux resize-window -t con -x 80 -y 24
con_wait "F10Quit" >/dev/null
tap_check "back at 80x24, the bar is on line 24" \
    sh -c "tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | sed -n 24p | grep -q F10Quit"

# Fill the rest: back to the top, then Tab to the address.
# From the date received: applicant (6 fields), add-row, commune.
con_keys BTab BTab BTab BTab BTab BTab BTab BTab BTab BTab
con_keys Tab Tab Tab Tab Tab Tab Tab Tab
con_type "00070"
con_keys Tab
con_type "Phòng 301, số 8 phố Hàng Gai"
con_keys Tab
con_type "$VN_DMY"
con_keys Tab
con_type "31/02/2027"
con_check "an impossible date is explained as it is typed" \
    "31/02/2027 does not exist"
con_keys C-u
con_type "$VN_LATER_DMY"
con_keys Tab Space
con_check "Space chooses the legal basis" "< Owned by the applicant >"
con_keys F2
con_check "F2 on a complete form shows the review" "Check the dossier with the applicant."
con_check "the review gives the statutory due date" "Due by"
tap_check "nothing is filed before Enter" test "$(queue_count)" = 0
con_keys Enter
con_check "Enter files the dossier and gives its number" \
    "Dossier 1/$(date -u -d '+7 hours' +%Y)/PTN received"
tap_check "the CLI finds one dossier awaiting" test "$(queue_count)" = 1
RECEIPT=$STORE/export/CT04-1-$(date -u -d '+7 hours' +%Y)-PTN
tap_check "filing writes the applicant's receipt (CT04) at once" \
    grep -qF "1/$(date -u -d '+7 hours' +%Y)/PTN" "$RECEIPT.txt"
tap_check "... with its HTML beside it" test -s "$RECEIPT.html"
con_check "home lists it among the dossiers received today" \
    "Received today (1)"
cutru_run "$MINH_PW" -- -s "$STORE" -u minh --json dossier show \
    "1/$(date -u -d '+7 hours' +%Y)/PTN"
tap_check "it is the applicant of the scanned card" \
    test "$(json_get 'd["request"]["applicant"]["name"]')" = "Lê Thị Hoa"
tap_check "its dates were stored in ISO form" \
    test "$(json_get 'd["request"]["applicant"]["dob"]')" = "1995-02-14"
con_keys F10
con_check "F10 quits cleanly (exit status 0)" "CUTRU-EXIT=0"
con_check "quit restores the terminal" "MODES echo icanon"

tap_done
