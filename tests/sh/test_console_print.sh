#!/bin/sh
# Printed documents (CT04 receipt, CT07 confirmation, CT03 absence slip):
# from the CLI (`cutru print`) and from the console (p on a dossier, c and
# v on a person), on a real encrypted store.  The files land in the export
# folder (STORE/export, or export_dir of cutru.conf, or --dir) with mode
# 0600 in a 0700 folder, as text and HTML, in Vietnamese whatever the
# interface's language, with the fields of each form.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
. "${top_srcdir:-.}/tests/sh/console_lib.sh"

# Esc, then wait until the screen shows $1 (keys sent while the console
# still reads an Esc sequence would be taken with it).
back_to() { con_keys Escape; con_wait "$1" >/dev/null; }

make_store || { tap_not_ok "make the store"; tap_done; exit 1; }
add_person 001090012345 "Nguyễn Văn An" 1990-05-01 male 12
sed -e "s/2026-11-27/$VN_TODAY/" "$EXAMPLES/residence.confirm.json" > "$T/c.json"
cutru_run "$LAN_PW" -- -s "$STORE" -u lan apply "$T/c.json"
C=$(cat "$T/out")
cutru_run "$MINH_PW" "$MINH_PW" -- -s "$STORE" -u minh queue approve "$C"
tap_check "a residence confirmation is issued ($C)" test "$rc" -eq 0
FROM=$(date -u -d '+7 hours +3 days' +%Y-%m-%d)
TO=$(date -u -d '+7 hours +400 days' +%Y-%m-%d)
sed -e "s/2026-11-27/$VN_TODAY/" -e "s/2026-12-01/$FROM/" \
    -e "s/2027-12-31/$TO/" "$EXAMPLES/absence.declare.json" > "$T/a.json"
cutru_run "$LAN_PW" -- -s "$STORE" -u lan apply "$T/a.json"
A=$(cat "$T/out")
cutru_run "$MINH_PW" "$MINH_PW" -- -s "$STORE" -u minh queue approve "$A"
tap_check "an absence is declared ($A)" test "$rc" -eq 0
add_person 001192004567 "Nguyễn Thị Hoà" 1992-08-15 female 16
add_dossier 001085001234 "Lê Văn Bình" 1985-03-02 male 14
D=$DOSSIER
STEM=CT04-$(echo "$D" | tr / -)
EXP=$STORE/export

has() { grep -qF -- "$2" "$1"; }
perm() { stat -c %a "$1"; }

# --- the CLI
cutru_run "$LAN_PW" -- -s "$STORE" -u lan print receipt "$D"
expect "print receipt writes the CT04" 0
tap_check "... says where" grep -qF "$EXP/$STEM.txt" "$T/out"
tap_check "... the folder is made private (0700)" test "$(perm "$EXP")" = 700
tap_check "... the text file is 0600" test "$(perm "$EXP/$STEM.txt")" = 600
tap_check "... the HTML file is 0600" test "$(perm "$EXP/$STEM.html")" = 600
for want in "Mẫu CT04 ban hành kèm theo Thông tư số 66/2023/TT-BCA" \
    "CÔNG AN PHƯỜNG HÀNG BẠC" "Số: $D" "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" \
    "Lê Văn Bình" "001085001234" "Đăng ký tạm trú (mã thủ tục 1.004194)" \
    "Ngày tiếp nhận hồ sơ: $(date -u -d '+7 hours' +%d/%m/%Y)" \
    "Thời gian trả kết quả" "Trần Thị Lan (lan)" "CÁN BỘ TIẾP NHẬN"; do
	tap_check "CT04 text has: $want" has "$EXP/$STEM.txt" "$want"
done
tap_check "CT04 HTML declares UTF-8" has "$EXP/$STEM.html" '<meta charset="utf-8">'
tap_check "CT04 HTML is laid out for A4" has "$EXP/$STEM.html" "size: A4"
tap_check "CT04 HTML has the applicant" has "$EXP/$STEM.html" "Lê Văn Bình"

LANGUAGE=vi cutru_run "$LAN_PW" -- -s "$STORE" -u lan --json print confirmation 001090012345
expect "print confirmation writes the CT07 (Vietnamese interface)" 0
CT07=$(json_get 'd["text"]')
tap_check "... the JSON names the text file" test -f "$CT07"
tap_check "... and the HTML file" test -f "$(json_get 'd["html"]')"
for want in "Mẫu CT07" "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ" "/XN" "Nguyễn Văn An" \
    "01/05/1990" "Giới tính: Nam" "001090012345" "10. Nơi tạm trú: Số 12 phố Hàng Bạc" \
    "Xác nhận nơi thường trú để làm thủ tục vay vốn" \
    "Thông tin xác nhận có giá trị đến ngày" "THỦ TRƯỞNG CƠ QUAN ĐĂNG KÝ CƯ TRÚ"; do
	tap_check "CT07 has: $want" has "$CT07" "$want"
done

cutru_run "$LAN_PW" -- -s "$STORE" -u lan print absence 001090012345 --dir "$T/usb"
expect "print absence --dir writes the CT03 where asked" 0
CT03=$(ls "$T"/usb/CT03-001090012345-*.txt 2>/dev/null | head -n 1)
tap_check "... into a new private folder" test "$(perm "$T/usb")" = 700
for want in "Mẫu CT03" "PHIẾU KHAI BÁO TẠM VẮNG" "Hồ sơ số: $A" "Nguyễn Văn An" \
    "Điều 31 khoản 1" "Đi làm việc theo hợp đồng lao động" \
    "Thành phố Hồ Chí Minh" "NGƯỜI KHAI BÁO" \
    "Từ ngày $(date -u -d '+7 hours +3 days' +%d/%m/%Y)"; do
	tap_check "CT03 has: $want" has "$CT03" "$want"
done

cutru_run "$LAN_PW" -- -s "$STORE" -u lan print receipt 999/2026/PTN
expect "a dossier that does not exist is refused" 4
cutru_run "$LAN_PW" -- -s "$STORE" -u lan print confirmation 001192004567
expect "a person never confirmed has no CT07" 4 "No residence confirmation (CT07) has been issued"
cutru_run "$LAN_PW" -- -s "$STORE" -u lan print absence 001192004567
expect "... nor a CT03 without an absence" 4 "No absence declaration (CT03)"
cutru_run "$LAN_PW" -- -s "$STORE" -u lan print receipt
expect "a missing operand is a usage error" 1
mkdir -p "$T/open" && chmod 755 "$T/open"
cutru_run "$LAN_PW" -- -s "$STORE" -u lan print receipt "$D" --dir "$T/open"
expect "a folder others can read is refused" 3 "chmod 700"
tap_check "... and nothing is written there" test -z "$(ls "$T/open")"
mkdir -p "$T/conf"
printf 'export_dir = %s\n' "$T/fromconf" > "$T/conf/cutru.conf"
CUTRU_CONFIG=$T/conf/cutru.conf cutru_run "$LAN_PW" -- -s "$STORE" -u lan print receipt "$D"
expect "export_dir of cutru.conf is used" 0
tap_check "... the files are there" test -f "$T/fromconf/$STEM.html"

# --- the console
rm -rf "$EXP"
con_start 80 24 -s "$STORE" -u minh console
con_login "$MINH_PW"
con_wait "What to do" >/dev/null
con_keys a
con_wait "$D" >/dev/null
con_keys Enter
con_wait "Dossier $D:" >/dev/null
con_keys p
con_check "p on a dossier prints its receipt" "Form CT04 written to"
tap_check "... the file is in the export folder" has "$EXP/$STEM.txt" "Số: $D"
back_to "Applicant · procedure"
back_to "What to do"
con_keys F3
con_wait "Find:" >/dev/null
con_type "001090012345"
con_wait "Nguyễn Văn An" >/dev/null
con_keys Enter
con_wait "Start a procedure for this person" >/dev/null
con_keys c
con_check "c on a person prints the confirmation" "Form CT07 written to"
con_keys v
con_check "v on a person prints the absence slip" "Form CT03 written to"
tap_check "... both files are there" sh -c "ls '$EXP'/CT07-*.html '$EXP'/CT03-*.html"
back_to "Find:"
back_to "What to do"
con_keys F3
con_wait "Find:" >/dev/null
con_type "001192004567"
con_wait "Nguyễn Thị Hoà" >/dev/null
con_keys Enter
con_wait "Start a procedure for this person" >/dev/null
con_keys c
con_check "a person without a confirmation: the reason is shown" \
    "No residence confirmation (CT07) has been issued"
con_keys F10
con_check "F10 quits cleanly" "CUTRU-EXIT=0"

tap_done
