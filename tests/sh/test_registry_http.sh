#!/bin/sh
# cutru-registryd under hostile HTTP, on loopback with TLS: oversized
# bodies, slow clients (headers a byte a second), idle connections,
# malformed request lines and headers, truncated bodies, garbage bodies,
# wrong methods, paths and content types, and a device sending too fast.
# After each, the server keeps serving others, and nothing reached the
# register.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/registry_lib.sh"

AN=001090012345
reg_setup "header_timeout = 2" "connection_timeout = 3" "request_timeout = 5" \
    "rate = 1000" "rate_burst = 1000"
printf 'id_number,name,dob,sex\n%s,Nguyễn Văn An,1990-05-01,male\n' $AN \
    > "$T/pop.csv"
regd population import "$T/pop.csv"
reg_start
A=$T/conA
console "$A" 00070
request "$T/an.json" $AN "Nguyễn Văn An" 1990-05-01 male 00070
approve_seal "$A" "$T/an.json" "$T/cs1"
"$RC" batch "$T/batch" "$T/cs1"
blen=$(wc -c < "$T/batch")

# curl_post PATH CTYPE FILE [CURL OPTIONS...]: the HTTP status.
curl_post() {
	p=$1 ct=$2 f=$3
	shift 3
	timeout 30 curl -s --cacert "$CERT" -o "$T/body" -w '%{http_code}' \
	    -H "Content-Type: $ct" --data-binary "@$f" "$@" "$URL$p" 2>/dev/null
}

# tls_send: send standard input over TLS; print the status line.
tls_send() {
	timeout 20 openssl s_client -quiet -connect "127.0.0.1:$PORT" "$@" \
	    2>/dev/null | head -n 1 | tr -d '\r'
}

# Sizes and types.
head -c $((2 * 1024 * 1024)) /dev/zero > "$T/big"
tap_check "a body over the cap is refused before it is read (413)" \
    [ "$(curl_post /v1/changesets application/octet-stream "$T/big")" = 413 ]
tap_check "... with the too_large reason" grep -q '"code":"too_large"' "$T/body"
tap_check "a chunked body that grows over the cap is refused (413)" \
    [ "$(curl_post /v1/changesets application/octet-stream "$T/big" \
    -H 'Transfer-Encoding: chunked')" = 413 ]
head -c 8192 /dev/zero > "$T/8k"
tap_check "an enrollment request over its cap is refused (413)" \
    [ "$(curl_post /v1/enroll application/octet-stream "$T/8k")" = 413 ]
tap_check "another content type is refused (415)" \
    [ "$(curl_post /v1/changesets application/json "$T/batch")" = 415 ]
tap_check "an unknown path is refused (404)" \
    [ "$(curl_post /v1/nothing application/octet-stream "$T/batch")" = 404 ]
tap_check "a wrong method is refused (405)" [ "$(timeout 30 curl -s \
    --cacert "$CERT" -o /dev/null -w '%{http_code}' "$URL/v1/changesets")" = 405 ]
tap_check "query arguments on a POST endpoint are refused (400)" \
    [ "$(curl_post "/v1/changesets?x=1" application/octet-stream "$T/batch")" = 400 ]
tap_check "a feed request with a body is refused (400)" \
    [ "$(curl_post /v1/feed application/octet-stream "$T/batch" -X GET)" = 400 ]
printf 'cuB1\002\000\001\000\000\000X' > "$T/frame"
tap_check "a batch that does not frame is refused (400 malformed)" \
    [ "$(curl_post /v1/changesets application/octet-stream "$T/frame")" = 400 ]
tap_check "... with the malformed reason" grep -q '"code":"malformed"' "$T/body"
printf 'cuB1\001\000\377\377\377\377' > "$T/frame"
tap_check "a batch item longer than any change set is refused (413)" \
    [ "$(curl_post /v1/changesets application/octet-stream "$T/frame")" = 413 ]

# Garbage: random bodies, with and without a batch magic.
bad=0
i=0
while [ $i -lt 20 ]; do
	{ [ $((i % 2)) -eq 0 ] && printf 'cuB1\001\000\120\001\000\000cuC1'
	  head -c $((i * 37 + 1)) /dev/urandom; } > "$T/rand"
	st=$(curl_post /v1/changesets application/octet-stream "$T/rand")
	case $st in 200|400|413) ;; *) bad=$((bad + 1)) ;; esac
	i=$((i + 1))
done
tap_check "random bodies get 200 (a receipt per item) or 400, never a crash" \
    [ $bad -eq 0 ]
check "the server answers after the garbage" reg_alive

# Malformed HTTP.
st=$(printf 'GARBAGE\r\n\r\n' | tls_send)
tap_check "a request line that is not HTTP is closed or refused (400)" \
    [ -z "$st" -o "$st" = "HTTP/1.1 400 Bad Request" ]
tap_check "an unknown method on a known path is refused (405)" [ "$(printf \
    'BREW /v1/changesets HTTP/1.1\r\nHost: x\r\n\r\n' | tls_send)" = \
    "HTTP/1.1 405 Method Not Allowed" ]
tap_check "a header line without a colon is refused (400)" [ "$(printf \
    'GET /v1/feed HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n' | tls_send)" = \
    "HTTP/1.1 400 Bad Request" ]
long=$(head -c 100000 /dev/zero | tr '\0' a)
st=$(printf 'GET /v1/feed HTTP/1.1\r\nHost: x\r\nX-Long: %s\r\n\r\n' "$long" |
    tls_send)
tap_check "a header larger than the server takes is refused (4xx)" \
    sh -c "echo '$st' | grep -q '^HTTP/1.1 4'"
tap_check "a bad Content-Length is refused (400)" [ "$(printf \
    'POST /v1/changesets HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: -5\r\n\r\n' |
    tls_send)" = "HTTP/1.1 400 Bad Request" ]

# A truncated body: half of a real change set, then the client goes away.
{ printf 'POST /v1/changesets HTTP/1.1\r\nHost: x\r\n'
  printf 'Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n' \
      "$blen"
  head -c $((blen / 2)) "$T/batch"; } |
    timeout 20 openssl s_client -quiet -no_ign_eof \
    -connect "127.0.0.1:$PORT" >/dev/null 2>&1
sleep 0.5
tap_check "a truncated body applies nothing" [ "$(persons $AN)" = 0 -a \
    "$(sql "SELECT count(*) FROM reg_changesets")" = 0 ]
tap_check "... and is logged as dropped" grep -q "dropped" "$T/server.log"
# Half a body, then silence: the connection times out, nothing applied.
( { printf 'POST /v1/changesets HTTP/1.1\r\nHost: x\r\n'
    printf 'Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n' \
	"$blen"
    head -c $((blen / 2)) "$T/batch"; sleep 8; } |
    timeout 20 openssl s_client -quiet -connect "127.0.0.1:$PORT" ) \
    >/dev/null 2>&1 &
stalled=$!

# Slow clients: headers a byte a second, and idle connections; meanwhile
# the server serves others.
slow() {
	{ printf 'POST /v1/changesets HTTP/1.1\r\n'
	  n=0
	  while [ $n -lt 30 ]; do printf 'X'; sleep 1; n=$((n + 1)); done
	} | timeout 40 openssl s_client -quiet -connect "127.0.0.1:$PORT"
}
start=$(date +%s)
slow >/dev/null 2>&1 &
slow1=$!
slow >/dev/null 2>&1 &
slow2=$!
idle_pids=
i=0
while [ $i -lt 10 ]; do
	# -quiet ignores the end of input: connected, saying nothing.
	timeout 40 openssl s_client -quiet -connect "127.0.0.1:$PORT" \
	    </dev/null >/dev/null 2>&1 &
	idle_pids="$idle_pids $!"
	i=$((i + 1))
done
sleep 1
rc_run push "$URL" "$CERT" "$REGKEY" "$T/cs1"
tap_check "while slow and idle clients hold connections, a console is served" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "accepted - 1" ]
wait $slow1 $slow2
took=$(( $(date +%s) - start ))
tap_check "clients sending headers a byte a second are cut off (in ${took}s)" \
    [ "$took" -lt 15 ]
wait $stalled
alive=0
for p in $idle_pids; do
	kill -0 "$p" 2>/dev/null && alive=$((alive + 1))
done
tap_check "idle connections are closed by the server" [ $alive -eq 0 ]
for p in $idle_pids; do
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
tap_check "the slow, idle and stalled clients left no trace" \
    [ "$(sql "SELECT count(*) FROM reg_changesets")" = 1 -a "$(persons $AN)" = 1 ]
check "the server still answers" reg_alive

# A device that sends too fast: 429 with Retry-After.
reg_stop
sed -i -e 's/^rate = .*/rate = 0.5/' -e 's/^rate_burst = .*/rate_burst = 2/' "$CONF"
reg_start
codes=
for n in 1 2 3; do
	q=$("$RC" feedreq "$A" "")
	codes="$codes $(timeout 30 curl -s --cacert "$CERT" -D "$T/hdr$n" \
	    -o /dev/null -w '%{http_code}' "$URL/v1/feed?$q")"
done
tap_check "a device over its rate is refused (429)" [ "$codes" = " 200 200 429" ]
tap_check "... with Retry-After" grep -qi '^Retry-After: [1-9]' "$T/hdr3"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/cs1"
tap_check "... also for its change sets (refused rate_limited 429)" \
    [ "$(cat "$T/out")" = "refused rate_limited 429" ]
check "the server still answers" reg_alive
tap_check "the server is still the same process" kill -0 "$SRV_PID"
tap_done
