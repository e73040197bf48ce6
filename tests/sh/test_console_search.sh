#!/bin/sh
# The console's search on a real encrypted store, through tmux: results
# as one types, tone-insensitive, with date of birth, ID number, residence
# and address; the person opened with Enter; a resize mid-search redraws;
# at 80x24 and at 200x50.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
. "${top_srcdir:-.}/tests/sh/console_lib.sh"

make_store || { tap_not_ok "make the store"; tap_done; exit 1; }
ok=0
add_person 001090012345 "Nguyễn Văn An" 1990-05-01 male 12 &&
add_person 001085001234 "Nguyễn Văn Bình" 1985-03-02 male 14 &&
add_person 001192004567 "Nguyễn Thị Hoà" 1992-08-15 female 16 &&
add_person 079080007777 "Trần Văn Nam" 1980-01-20 male 18 \
    "$(date -u -d '+7 hours +20 days' +%Y-%m-%d)" && ok=1
tap_check "four persons are registered through the CLI" test "$ok" -eq 1

for size in 80x24 200x50; do
	cols=${size%x*}
	rows=${size#*x}
	con_start "$cols" "$rows" -s "$STORE" -u lan console
	con_login "$LAN_PW"
	con_wait "What to do" >/dev/null
	con_check "$size: home lists the temporary residence ending soon" \
	    "Temporary residences ending within 30 days (1)"
	con_check "$size: ... with whose it is" "079080007777"
	con_keys F3
	con_check "$size: F3 opens the search" "Find:"
	con_type "nguyen van"
	con_check "$size: 'nguyen van' finds Nguyễn Văn An" "Nguyễn Văn An"
	con_check "$size: ... and Nguyễn Văn Bình" "Nguyễn Văn Bình"
	# Results are redrawn after each keystroke: wait for the search of the
	# whole query before asserting what it left out.
	con_check "$size: the count is said" "2 persons found."
	tap_check "$size: ... and not Nguyễn Thị Hoà nor Trần Văn Nam" \
	    sh -c "! tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -Eq 'Hoà|Trần Văn Nam'"
	con_check "$size: a result shows date of birth and ID number" \
	    "01/05/1990 001090012345"
	con_check "$size: ... its residence state" "temporary"
	con_check "$size: ... and its address" "Số 12 phố Hàng Bạc"
	con_keys C-u
	con_type "HOA"
	con_check "$size: 'HOA' finds Hoà whatever the tone mark and case" \
	    "Nguyễn Thị Hoà"
	con_keys C-u
	# NFD, as some input methods type it: a base letter, then its mark.
	con_type "$(printf 'Nguye\314\202\314\203n Thi\314\243 Hoa\314\200')"
	con_check "$size: a name typed in NFD is found and shown composed" \
	    "Find: Nguyễn Thị Hoà"
	con_keys BSpace
	con_wait_line " Find: Nguyễn Thị Ho"
	tap_check "$size: Backspace removes the whole letter with its marks" \
	    test $? -eq 0
	con_keys Left Left Left BSpace
	con_wait_line " Find: Nguyễn Th Ho"
	tap_check "$size: the cursor moves by letter over marks" test $? -eq 0
	con_keys End C-u
	con_type "079080007777"
	con_check "$size: twelve digits find the ID number" "Trần Văn Nam"
	con_keys C-u
	con_type "12ab"
	con_check "$size: a query mixing digits and letters is explained" \
	    "digits"
	con_keys C-u
	con_type "nguyen van b"
	con_wait "1 person found." >/dev/null
	con_keys Enter
	con_check "$size: Enter opens the person" \
	    "Start a procedure for this person"
	con_check "$size: the person screen shows the ID number" \
	    "001085001234"
	con_keys Escape
	con_check "$size: Esc goes back to the search, query kept" \
	    "Nguyễn Văn Bình"
	con_keys F10
	con_wait "CUTRU-EXIT=0" >/dev/null
done

# --- resize mid-search
con_start 80 24 -s "$STORE" -u lan console
con_login "$LAN_PW"
con_wait "What to do" >/dev/null
con_keys s
con_type "nguyen"
con_wait "3 persons found." >/dev/null
con_tmux resize-window -t con -x 120 -y 40
con_wait "Address" >/dev/null
tap_check "resized to 120x40 mid-search, the bar moves to line 40" \
    sh -c "test \$(tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | wc -l) -eq 40 && tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | sed -n 40p | grep -q F10Quit"
con_check "... and the results are still there" "3 persons found."
con_tmux resize-window -t con -x 80 -y 24
con_wait "F10Quit" >/dev/null
tap_check "back to 80x24, the bar is on line 24" \
    sh -c "tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | sed -n 24p | grep -q F10Quit"
con_type " thi"
con_check "typing after the resize still searches" "1 person found."
con_keys F10
con_check "F10 quits cleanly (exit status 0)" "CUTRU-EXIT=0"
con_check "quit restores the terminal" "MODES echo icanon"

tap_done
