#!/bin/sh
# cutru-registryd's operator commands without a server: init (once), the
# configuration file's errors, tokens, officers, population files, device
# commands, and their exit statuses (cutru-registryd(8), EXIT STATUS).
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/registry_lib.sh"

reg_setup
tap_check "init makes the keys and the database" [ -s "$REGKEY" -a -s "$DB" ]
tap_check "the secret key file is private" sh -c \
    "[ \"\$(stat -c %a '$DATA/registry.secret')\" = 600 ]"
tap_check "the database is private" sh -c \
    "[ \"\$(stat -c %a '$DB')\" = 600 ]"
regd init
tap_check "init refuses to replace keys consoles pinned (exit 5)" \
    [ "$rc" -eq 5 -a -s "$REGKEY" ]

# Configuration.
"$REGD" -c "$T/none.conf" device list >"$T/out" 2>"$T/err"
tap_check "a missing configuration file is exit 4" [ $? -eq 4 ]
printf 'data_dir = data\ntls_crt = x\n' > "$T/typo.conf"
"$REGD" -c "$T/typo.conf" device list >"$T/out" 2>"$T/err"
st=$?
tap_check "a misspelt setting is refused, naming its line (exit 2)" \
    [ $st -eq 2 -a "$(grep -c "Line 2" "$T/err")" -eq 1 ]
CUTRU_REGISTRYD_CONFIG=$CONF "$REGD" device list >"$T/out" 2>"$T/err"
tap_check "\$CUTRU_REGISTRYD_CONFIG names the configuration" [ $? -eq 0 ]
"$REGD" --help >"$T/out" 2>&1
tap_check "--help lists the commands" grep -q "population import" "$T/out"
"$REGD" -c "$CONF" frobnicate >"$T/out" 2>"$T/err"
tap_check "an unknown command is a usage error (exit 1)" [ $? -eq 1 ]

# Tokens.
regd token create --ward 0007
tap_check "a ward code is five digits (exit 2)" [ "$rc" -eq 2 ]
regd token create --ward 00070
tok1=$(cat "$T/out")
regd token create --ward 00070
kept=$(grep -c "$tok1" "$DB" "$DB-wal" 2>/dev/null | awk -F: '{ n += $2 } END { print n + 0 }')
tap_check "tokens are issued, each different, and only hashes are kept" \
    [ "$rc" -eq 0 -a -n "$tok1" -a "$tok1" != "$(cat "$T/out")" -a \
    "$(sql "SELECT count(*) FROM reg_tokens")" = 2 -a "$kept" -eq 0 ]
regd token create --ward 00070 --lifetime 5
tap_check "a token lifetime under a minute is refused" [ "$rc" -eq 1 ]

# Officers.
KEY=$(head -c 32 /dev/urandom | base64)
regd officer add --ward 00070 --login minh --name "Lê Văn Minh" --key "$KEY"
tap_check "officer add registers a supervisor's key" [ "$rc" -eq 0 ]
regd officer add --ward 00070 --login Minh --name "X" --key "$KEY"
tap_check "a login in capitals is refused (exit 2)" [ "$rc" -eq 2 ]
regd officer add --ward 00070 --login hai --name "X" --key "bm90IGEga2V5"
tap_check "a key that is not 32 bytes of base64 is refused (exit 2)" [ "$rc" -eq 2 ]
regd officer add --ward 00070 --login hai --name "X" --key "$KEY" --role admin
tap_check "a role other than supervisor or officer is refused" [ "$rc" -eq 1 ]
regd officer disable --ward 00070 --login minh
regd officer list
tap_check "officer disable and list" grep -q "^00070  minh .*disabled" "$T/out"
regd officer disable --ward 00070 --login nobody
tap_check "disabling an unknown officer is exit 4" [ "$rc" -eq 4 ]

# Population files.
printf 'id_number,name,dob,sex\n001090012345,Nguyễn Văn An,1990-05-01,male\n001192000001,Trần Thị Bình,1992-08-15,male\n' \
    > "$T/bad.csv"
regd population import "$T/bad.csv"
tap_check "a population file with a bad line imports nothing, naming the line" \
    [ "$rc" -ne 0 -a "$(sql "SELECT count(*) FROM reg_population")" = 0 -a \
    "$(grep -c "Line 3" "$T/err")" -eq 1 ]
printf '{"id_number":"001090012345","name":"Nguyễn Văn An","dob":"1990","sex":"male"}\n' |
    "$REGD" -c "$CONF" population import - >"$T/out" 2>"$T/err"
st=$?
tap_check "population import reads standard input" \
    [ $st -eq 0 -a "$(sql "SELECT count(*) FROM reg_population")" = 1 ]
regd population import "$T/nothing.csv"
tap_check "a missing population file is exit 4" [ "$rc" -eq 4 ]

# Devices.
regd device list
tap_check "device list on a new registry prints the header only" \
    [ "$rc" -eq 0 -a "$(wc -l < "$T/out")" -eq 1 ]
regd device revoke
tap_check "device revoke needs an id" [ "$rc" -eq 1 ]

# serve without TLS settings.
grep -v '^tls_' "$CONF" > "$T/notls.conf"
sed -i 's|^data_dir = .*|data_dir = data|' "$T/notls.conf"
"$REGD" -c "$T/notls.conf" serve >"$T/out" 2>"$T/err"
st=$?
tap_check "serve refuses to start without a certificate and key (exit 2)" \
    [ $st -eq 2 -a "$(grep -c "tls_cert" "$T/err")" -ge 1 ]
tap_done
