#!/bin/sh
# tests/tools/faultproxy between python3 peers on loopback: an echo server,
# a server that counts what it receives, a server that sends a fixed
# stream, an HTTP(S) server; python3 and curl as clients.  Each fault is
# checked by its byte count at the far end; timing is only ever checked
# as a lower bound.  About 15 seconds.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/faultproxy_lib.sh"

# The peers: servers (serve MODE PORTFILE [ARG...]) and clients; see each
# function's docstring.  Data is a repeating 0..250 byte pattern, so any
# prefix can be checked.
cat > "$T/peer.py" <<'PEER'
import os, socket, sys, threading, time

def pattern(n):
    block = bytes(range(251))
    return (block * (n // 251 + 1))[:n]

def publish(portfile, port):
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)

def serve(mode, portfile, arg=None, extra=None):
    """Listen on a free loopback port, written to portfile.  echo: send
    back what arrives; count: read to the end and append the total to the
    file arg; send: send arg pattern bytes, then end of stream; http and
    https: serve the folder arg (https with extra = [cert, key])."""
    if mode in ("http", "https"):
        import functools, http.server, ssl
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass
        handler = functools.partial(Quiet, directory=arg)
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if mode == "https":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(extra[0], extra[1])
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        publish(portfile, srv.server_address[1])
        srv.serve_forever()
    lock = threading.Lock()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(256)
    publish(portfile, ls.getsockname()[1])

    def handle(c):
        total = 0
        try:
            if mode == "send":
                c.sendall(pattern(int(arg)))
                c.shutdown(socket.SHUT_WR)
                while c.recv(65536):
                    pass
                return
            while True:
                d = c.recv(65536)
                if not d:
                    break
                total += len(d)
                if mode == "echo":
                    c.sendall(d)
        except OSError:
            pass
        finally:
            if mode == "count":
                with lock, open(arg, "a") as f:
                    f.write("%d\n" % total)
            c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()

def talk(port, nsend, timeout, shut):
    """Send nsend pattern bytes, read until end of stream, error or
    timeout: print received, outcome, match|differ, elapsed ms."""
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
    except ConnectionResetError:
        # The proxy can accept, fail and reset before connect() returns.
        return "0 reset match %d" % int((time.monotonic() - t0) * 1000)
    s.settimeout(timeout)
    state = {"reset": False}

    def sender():
        try:
            s.sendall(pattern(nsend))
            if shut:
                s.shutdown(socket.SHUT_WR)
        except (ConnectionResetError, BrokenPipeError):
            state["reset"] = True
        except OSError:
            pass

    th = threading.Thread(target=sender, daemon=True)
    th.start()
    got = bytearray()
    outcome = "eof"
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except ConnectionResetError:
        outcome = "reset"
    except socket.timeout:
        outcome = "timeout"
    th.join(2)
    if outcome == "eof" and state["reset"]:
        outcome = "reset"
    s.close()
    match = "match" if bytes(got) == pattern(len(got)) else "differ"
    return "%d %s %s %d" % (len(got), outcome, match,
                            int((time.monotonic() - t0) * 1000))

def rtt(port):
    """One byte to an echo server and back: print ms and ok|bad."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    t0 = time.monotonic()
    s.sendall(b"x")
    d = s.recv(1)
    ms = int((time.monotonic() - t0) * 1000)
    s.close()
    return "%d %s" % (ms, "ok" if d == b"x" else "bad")

def many(port, n):
    """n connections one after the other, each echoing one byte: print
    one digit per connection, 1 when it was dropped."""
    out = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            s.sendall(b"x")
            d = s.recv(1)
        except OSError:
            d = b""
        s.close()
        out.append("0" if d == b"x" else "1")
    return "".join(out)

def parallel(port, n, size):
    """n simultaneous talks of size bytes: print how many were exact."""
    res = []
    def one():
        res.append(talk(port, size, 20, True))
    ths = [threading.Thread(target=one) for _ in range(n)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    return str(sum(1 for r in res
                   if r.startswith("%d eof match " % size)))

def maxconns(port):
    """Two connections fill a max_conns 2 proxy: a third is not served
    until one of them closes."""
    held = []
    for _ in range(2):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"a")
        if s.recv(1) != b"a":
            return "held connection not served"
        held.append(s)
    third = socket.create_connection(("127.0.0.1", port), timeout=10)
    third.sendall(b"c")
    third.settimeout(0.5)
    try:
        third.recv(1)
        return "third served while full"
    except socket.timeout:
        pass
    held[0].close()
    third.settimeout(10)
    d = third.recv(1)
    return "ok" if d == b"c" else "third not served after a close"

def ctlraw(port, text):
    """Send text and a newline to the control port; print the reply."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(text.encode() + b"\n")
    got = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            got += d
    except OSError:
        pass
    return got.decode(errors="replace").strip()

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "serve":
    serve(a[0], a[1], a[2] if len(a) > 2 else None, a[3:])
elif cmd == "talk":
    print(talk(int(a[0]), int(a[1]), float(a[2]), a[3] == "1"))
elif cmd == "rtt":
    print(rtt(int(a[0])))
elif cmd == "many":
    print(many(int(a[0]), int(a[1])))
elif cmd == "parallel":
    print(parallel(int(a[0]), int(a[1]), int(a[2])))
elif cmd == "maxconns":
    print(maxconns(int(a[0])))
elif cmd == "ctlraw":
    print(ctlraw(int(a[0]), a[1]))
elif cmd == "freeport":
    # A port nothing listens on (bound, then released).
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()
PEER
peer() { timeout 60 python3 "$T/peer.py" "$@"; }

# wait_for FILE REGEX: up to 10 s for a line of FILE to match.
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# server NAME MODE [ARG...]: start a peer server in the background.
server() {
	name=$1 mode=$2
	shift 2
	python3 "$T/peer.py" serve "$mode" "$T/$name.port" "$@" \
	    2>"$T/$name.err" &
	PIDS="$PIDS $!"
}
# ready NAME...: wait until each server listens.
ready() {
	for name; do
		if ! wait_for "$T/$name.port" '^[0-9]'; then
			echo "Bail out! the $name server did not start"
			cat "$T/$name.err" >&2
			exit 1
		fi
	done
}
sport() { cat "$T/$1.port"; }
# reap PID: wait for PID to exit (10 s at most, then SIGKILL); its status
# in $reaped.
reap() {
	n=0
	while kill -0 "$1" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1"
	reaped=$?
}

# proxy ARGS...: start faultproxy with a control port; $PPORT, $CPORT,
# $FPPID, output in $T/fp.out and $T/fp.err.
proxy() {
	rm -f "$T/fp.out"
	"$FP" --control 0 "$@" >"$T/fp.out" 2>"$T/fp.err" &
	FPPID=$!
	PIDS="$PIDS $FPPID"
	if ! wait_for "$T/fp.out" '^control '; then
		echo "Bail out! faultproxy did not start"
		cat "$T/fp.err" >&2
		exit 1
	fi
	PPORT=$(sed -n 's/^port //p' "$T/fp.out")
	CPORT=$(sed -n 's/^control //p' "$T/fp.out")
}
# stop_proxy: SIGTERM and wait; $fprc is its exit status.
# Any other exit status, or a sanitizer report, is a failed case.
stop_proxy() {
	kill -TERM "$FPPID" 2>/dev/null
	reap "$FPPID"
	fprc=$reaped
	proxy_clean
}
proxy_clean() {
	if [ "$fprc" -ne 0 ] || grep -q 'Sanitizer\|runtime error' "$T/fp.err"
	then
		tap_not_ok "faultproxy ran cleanly (status $fprc)"
		sed 's/^/# /' "$T/fp.err" | tail -n 20
	fi
}
ctl() { "$FP" --send "$CPORT" "$@"; }
ctlq() { "$FP" --send "$CPORT" "$@" >/dev/null; }
fpstat() { ctl stats | sed -n "s/^$1 //p"; }
# wait_stat NAME VALUE: up to 5 s for a stat to reach VALUE; prints it.
wait_stat() {
	n=0
	while [ "$(fpstat "$1")" != "$2" ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	fpstat "$1"
}

# ok_if DESC: one case, passing when the previous command succeeded.
ok_if() {
	if [ $? -eq 0 ]; then tap_ok "$1"; else tap_not_ok "$1"; fi
}
# check DESC EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then tap_ok "$1"
	else tap_not_ok "$1"; tap_diag "expected '$2', got '$3'"; fi
}
# check_ge DESC MIN ACTUAL (integers)
check_ge() {
	if [ -n "$3" ] && [ "$3" -ge "$2" ]; then tap_ok "$1"
	else tap_not_ok "$1"; tap_diag "expected at least $2, got '$3'"; fi
}
# field N LINE: the Nth word of LINE.
field() { echo "$2" | cut -d' ' -f"$1"; }
# last_count N: once the counting server logged N connections, the total
# of the last one.
last_count() {
	wait_for "$T/count.log" "^" || return
	n=0
	while [ "$(wc -l < "$T/count.log")" -lt "$1" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	tail -n 1 "$T/count.log"
}

# ---- usage ---------------------------------------------------------------
"$FP" --help > "$T/help" 2>&1
check "--help exits 0" 0 $?
missing=
for k in latency_up latency_down rate_up rate_down drop_after_up \
    drop_after_down blackhole_after_up blackhole_after_down truncate_up \
    truncate_down rst conn fraction seed idle_timeout max_conns; do
	grep -q -- "--$k " "$T/help" || missing="$missing $k"
done
check "--help documents every setting" "" "$missing"
"$FP" --listen 0 >/dev/null 2>"$T/err"
check "no --target is a usage error" 2 $?
"$FP" --target 1 --no-such 1 >/dev/null 2>"$T/err"
check "an unknown option is a usage error" 2 $?
"$FP" --target 1 --fraction 1.5 >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q fraction "$T/err"
ok_if "a fraction over 1 is refused, naming the setting"
"$FP" --target 1 --drop-after-up -5 >/dev/null 2>&1
check "a negative byte count is refused" 2 $?

# ---- pass-through --------------------------------------------------------
server echo echo
server count count "$T/count.log"
server send send 1048576
mkdir "$T/www"
head -c 1048576 /dev/urandom > "$T/www/blob"
server http http "$T/www"
ready echo count send http

proxy --target "$(sport echo)"
[ "$PPORT" -gt 0 ] && [ "$CPORT" -gt 0 ] && [ "$PPORT" != "$CPORT" ]
ok_if "the proxy prints its port and control port"
r=$(peer talk "$PPORT" 1048576 20 1)
check "1 MB through an echo server comes back byte-exact" \
    "1048576 eof match" "$(field 1-3 "$r")"
check "50 parallel connections of 64 KB are all byte-exact" \
    50 "$(peer parallel "$PPORT" 50 65536)"
ctlq reset
peer talk "$PPORT" 1000 20 1 >/dev/null
check "no connection stays open" 0 "$(wait_stat open 0)"
check "stats count one connection after reset" 1 "$(fpstat connections)"
check "stats count the bytes each way" "1000 1000" \
    "$(fpstat bytes_up) $(fpstat bytes_down)"

# ---- latency and rate ----------------------------------------------------
ctlq set latency 150
check "get shows a live setting" "latency_up 150" "$(ctl get latency_up \
    | head -n 1)"
r=$(peer rtt "$PPORT")
check "a round trip still echoes with latency" ok "$(field 2 "$r")"
check_ge "150 ms each way adds at least 300 ms to a round trip" 300 \
    "$(field 1 "$r")"
ctlq clear
ctlq set rate_down 100000
r=$(peer talk "$PPORT" 150000 30 1)
check "150 KB at 100 KB/s arrives byte-exact" "150000 eof match" \
    "$(field 1-3 "$r")"
check_ge "... taking at least a second" 1000 "$(field 4 "$r")"
ctlq clear
stop_proxy
check "SIGTERM exits 0" 0 "$fprc"
tap_check "the stats are printed at exit" grep -q '^bytes_up ' "$T/fp.out"

# ---- HTTP, and TLS passing through (curl) -------------------------------
if command -v curl >/dev/null 2>&1; then
	proxy --target "$(sport http)"
	timeout 30 curl -s -o "$T/got" "http://127.0.0.1:$PPORT/blob"
	tap_check "curl fetches 1 MB over HTTP through the proxy byte-exact" \
	    cmp -s "$T/got" "$T/www/blob"
	ctlq set truncate_down 3000
	timeout 30 curl -s -o "$T/got" "http://127.0.0.1:$PPORT/blob"
	check "a truncated HTTP response is a partial file for curl (18)" 18 $?
	ctlq set blackhole_after_up 0
	timeout 30 curl -s -m 1 -o "$T/got" "http://127.0.0.1:$PPORT/blob"
	check "a black hole makes curl time out (28)" 28 $?
	stop_proxy
	if command -v openssl >/dev/null 2>&1 && openssl req -x509 \
	    -newkey ed25519 -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	    -nodes -subj /CN=lo -addext subjectAltName=IP:127.0.0.1 \
	    >/dev/null 2>&1; then
		server https https "$T/www" "$T/cert.pem" "$T/key.pem"
		ready https
		proxy --target "$(sport https)" --latency 20
		timeout 30 curl -s --cacert "$T/cert.pem" -o "$T/got" \
		    "https://127.0.0.1:$PPORT/blob"
		tap_check "TLS passes through untouched (1 MB over HTTPS)" \
		    cmp -s "$T/got" "$T/www/blob"
		stop_proxy
	else
		tap_ok "TLS passes through # SKIP openssl cannot make a key"
	fi
else
	for d in "curl through the proxy" "curl and truncation" \
	    "curl and a black hole" "TLS passes through"; do
		tap_ok "$d # SKIP curl is not installed"
	done
fi

# ---- drops, resets, truncation, black holes ------------------------------
proxy --target "$(sport count)"
r=$(peer talk "$PPORT" 100000 10 1)
check "the counting server counts a whole upload" 100000 "$(last_count 1)"
ctlq set drop_after_up 12345
r=$(peer talk "$PPORT" 100000 10 1)
check "drop after 12345 bytes up delivers exactly 12345 upstream" 12345 \
    "$(last_count 2)"
check "... and the client sees the connection closed" eof "$(field 2 "$r")"
ctlq clear
ctlq set truncate_up 3000
r=$(peer talk "$PPORT" 100000 10 1)
check "truncate_up 3000 gives the server exactly 3000 bytes" 3000 \
    "$(last_count 3)"
check "... and the server's close still reaches the client" eof \
    "$(field 2 "$r")"
ctlq clear
ctlq set blackhole_after_up 50
r=$(peer talk "$PPORT" 1000 1 0)
check "a black hole after 50 bytes makes the client time out" \
    "0 timeout" "$(field 1-2 "$r")"
check "... and holds the connection after the client left" 1 \
    "$(wait_stat open 1)"
ctlq kill
check "... the server got exactly 50 bytes" 50 "$(last_count 4)"
ctlq clear
ctlq set rst 1
ctlq set drop_after_up 5000
r=$(peer talk "$PPORT" 100000 10 1)
check "drop with rst up: the client sees a reset" reset "$(field 2 "$r")"
n=$(last_count 5)
[ "${n:-99999}" -le 5000 ]
ok_if "... and the server got at most 5000 bytes"
stop_proxy

proxy --target "$(sport send)"
r=$(peer talk "$PPORT" 0 10 1)
check "the sending server's 1 MB passes whole" "1048576 eof match" \
    "$(field 1-3 "$r")"
ctlq set drop_after_down 7000
r=$(peer talk "$PPORT" 0 10 1)
check "drop after 7000 bytes down delivers exactly 7000, then a FIN" \
    "7000 eof match" "$(field 1-3 "$r")"
ctlq set rst 1
r=$(peer talk "$PPORT" 0 10 1)
check "with rst the client sees ECONNRESET" reset "$(field 2 "$r")"
[ "$(field 1 "$r")" -le 7000 ]
ok_if "... after at most 7000 bytes"
ctlq clear
ctlq set truncate_down 5000
r=$(peer talk "$PPORT" 0 10 1)
check "truncate_down 5000 delivers exactly 5000 bytes, then a FIN" \
    "5000 eof match" "$(field 1-3 "$r")"
ctlq clear
ctlq set blackhole_after_down 4096
r=$(peer talk "$PPORT" 0 1 1)
check "a black hole after 4096 bytes down: 4096 bytes, then silence" \
    "4096 timeout match" "$(field 1-3 "$r")"
ctlq clear
check "stats count each fault: drops, resets, truncations, black holes" \
    "2 1 1 1" "$(fpstat drops) $(fpstat resets) $(fpstat truncations) \
$(fpstat blackholes)"
stop_proxy

# ---- which connections -----------------------------------------------------
proxy --target "$(sport echo)" --drop-after-up 0 --conn 3
check "conn 3 drops only the third connection" 001000 \
    "$(peer many "$PPORT" 6)"
ctlq set conn 0
ctlq set fraction 20%
ctlq set seed 7
ctlq reset
a=$(peer many "$PPORT" 200)
ones=$(printf '%s' "$a" | tr -cd 1 | wc -c)
[ "$ones" -ge 20 ] && [ "$ones" -le 60 ]
ok_if "a 20% fraction drops 10-30% of 200 connections ($ones)"
check "the stats count those drops" "$ones" "$(fpstat drops)"
ctlq reset
check "the same seed drops the same connections" "$a" \
    "$(peer many "$PPORT" 200)"
ctlq set seed 8
ctlq reset
b=$(peer many "$PPORT" 200)
[ "$a" != "$b" ]
ok_if "another seed drops other connections"
stop_proxy

# ---- bounds, control channel, signals --------------------------------------
proxy --target "$(sport echo)" --max-conns 2
check "max_conns 2 serves a third connection only when one closes" ok \
    "$(peer maxconns "$PPORT")"
stop_proxy

proxy --target "$(sport echo)" --idle-timeout 1
r=$(peer talk "$PPORT" 0 10 0)
check "an idle connection is closed" "0 eof" "$(field 1-2 "$r")"
check_ge "... after the idle timeout" 900 "$(field 4 "$r")"
check "... and counted" 1 "$(fpstat idle_closed)"
peer talk "$PPORT" 0 10 0 > "$T/killed" &
kp=$!
PIDS="$PIDS $kp"
wait_stat open 1 >/dev/null
ctlq kill
reap $kp
check "kill closes open connections" "0 eof" "$(field 1-2 "$(cat "$T/killed")")"
ctl set nosuch 1 > "$T/reply"
[ $? -eq 1 ] && grep -q "^error no key 'nosuch'" "$T/reply"
ok_if "an unknown key is an error reply"
tap_check "max_conns cannot change while running" \
    sh -c '! "$1" --send "$2" set max_conns 5 >/dev/null' sh "$FP" "$CPORT"
tap_check "a fraction of 2 is refused" \
    sh -c '! "$1" --send "$2" set fraction 2 >/dev/null' sh "$FP" "$CPORT"
r=$(peer ctlraw "$CPORT" "$(head -c 600 /dev/zero | tr '\0' a)")
check "a control line over 511 bytes is refused" \
    "error line longer than 511 bytes" "$r"
r=$(peer ctlraw "$CPORT" "$(printf 'stats\nquit')")
check "commands pipeline on one control connection" ok \
    "$(printf '%s\n' "$r" | tail -n 1)"
reap "$FPPID"
fprc=$reaped
check "quit exits 0" 0 "$fprc"
proxy_clean

proxy --target "$(sport echo)"
kill -USR1 "$FPPID"
tap_check "SIGUSR1 prints the stats" wait_for "$T/fp.out" '^end$'
stop_proxy
lines=$(grep -c '^end$' "$T/fp.out")
check "... and exit prints them again" 2 "$lines"

# An upstream that refuses: the client gets a reset.
port=$(peer freeport)
proxy --target "$port"
r=$(peer talk "$PPORT" 10 10 1)
check "an upstream that refuses is a reset for the client" reset \
    "$(field 2 "$r")"
check "... counted as upstream_failed" 1 "$(fpstat upstream_failed)"
stop_proxy

tap_done
