#!/bin/sh
# What tests/tools/faultproxy gained for the sync tests: --trace (one line
# per TLS record, so a test can place a fault in a request's headers by
# measurement) and spread (each selected connection adds its own 0..M
# bytes to the fault thresholds, reproducibly from the seed).  python3
# peers on loopback; a few seconds.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/faultproxy_lib.sh"

cat > "$T/peer.py" <<'PEER'
import os, socket, struct, sys, threading

def publish(portfile, port):
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)

def serve(mode, portfile):
    """echo: send back what arrives; send: 100000 bytes then close."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    publish(portfile, ls.getsockname()[1])
    def handle(c):
        try:
            if mode == "send":
                c.sendall(b"x" * 100000)
                c.shutdown(socket.SHUT_WR)
                while c.recv(65536):
                    pass
            else:
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    c.sendall(b)
                c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            c.close()
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()

def records(port, spec):
    """Send TLS-shaped records TYPE:LEN,... (or raw text with 'raw:'), in
    pieces of 3 bytes so that headers straddle reads; read the echo."""
    s = socket.create_connection(("127.0.0.1", int(port)))
    if spec.startswith("raw:"):
        data = spec[4:].encode()
    else:
        data = b""
        for r in spec.split(","):
            t, n = r.split(":")
            data += struct.pack("!BBBH", int(t), 3, 3, int(n)) + b"r" * int(n)
    for i in range(0, len(data), 3):
        s.sendall(data[i:i + 3])
    s.shutdown(socket.SHUT_WR)
    got = 0
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += len(b)
    print(got)

def count(port, n):
    """n connections one after another: the bytes each received."""
    out = []
    for _ in range(int(n)):
        s = socket.create_connection(("127.0.0.1", int(port)))
        got = 0
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                got += len(b)
        except OSError:
            pass
        s.close()
        out.append(str(got))
    print(" ".join(out))

if __name__ == "__main__":
    {"serve": serve, "records": records, "count": count}[sys.argv[1]](*sys.argv[2:])
PEER

# server MODE: start; its port in $SPORT.
server() {
	python3 "$T/peer.py" serve "$1" "$T/$1.port" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$T/$1.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	SPORT=$(cat "$T/$1.port")
}

# proxy NAME TARGET ARGS...: start; sets PORT and CTL.
proxy() {
	name=$1 target=$2
	shift 2
	"$FP" --target "$target" --control 0 "$@" >"$T/$name.out" 2>"$T/$name.err" &
	PIDS="$PIDS $!"
	i=0
	while ! grep -q '^control ' "$T/$name.out" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	PORT=$(sed -n 's/^port //p' "$T/$name.out")
	CTL=$(sed -n 's/^control //p' "$T/$name.out")
}

server echo
ECHO=$SPORT
server send
SEND=$SPORT

# ---- --trace
proxy trace "$ECHO" --trace "$T/trace"
got=$(python3 "$T/peer.py" records "$PORT" 22:10,20:1,23:300,23:0,23:16400)
tap_check "records pass through untouched ($got bytes back)" \
    [ "$got" -eq $((15 + 6 + 305 + 5 + 16405)) ]
sleep 0.2
up=$(awk '$1 == 1 && $2 == "up" { printf "%s/%s/%s ", $3, $4, $5 }' "$T/trace")
tap_check "each record is traced where it starts, with its type and length ($up)" \
    [ "$up" = "0/22/10 15/20/1 21/23/300 326/23/0 331/23/16400 " ]
down=$(awk '$1 == 1 && $2 == "down" { printf "%s/%s/%s ", $3, $4, $5 }' "$T/trace")
tap_check "... in both directions" [ "$down" = "$up" ]
tap_check "... with the time it was read" \
    awk '$1 == 1 { if ($6 !~ /^[0-9]+\.[0-9]+$/) exit 1 }' "$T/trace"
python3 "$T/peer.py" records "$PORT" "raw:GET / HTTP/1.1 and more" >/dev/null
sleep 0.2
tap_check "a stream that is not TLS is marked lost, once per direction" \
    [ "$(grep -c '^2 .* lost$' "$T/trace")" -eq 2 -a \
      "$(grep -c '^2 ' "$T/trace")" -eq 2 ]
python3 "$T/peer.py" records "$PORT" 23:3 >/dev/null
sleep 0.2
tap_check "the connections are numbered in the trace" \
    grep -q '^3 up 0 23 3 ' "$T/trace"

# ---- spread
proxy spread "$SEND" --drop_after_down 1000 --spread 50000 --seed 5
a=$(python3 "$T/peer.py" count "$PORT" 6)
"$FP" --send "$CTL" reset >/dev/null
b=$(python3 "$T/peer.py" count "$PORT" 6)
ok=1
for n in $a; do
	[ "$n" -ge 1000 ] && [ "$n" -le 51000 ] || ok=0
done
tap_check "spread: each connection dropped between 1,000 and 51,000 bytes ($a)" [ $ok -eq 1 ]
tap_check "... not all at the same place" \
    [ "$(echo $a | tr ' ' '\n' | sort -u | wc -l)" -ge 3 ]
tap_check "... and the same places again after reset (same seed)" [ "$a" = "$b" ]
"$FP" --send "$CTL" set seed 6 >/dev/null
"$FP" --send "$CTL" reset >/dev/null
c=$(python3 "$T/peer.py" count "$PORT" 6)
tap_check "... other places with another seed ($c)" [ "$a" != "$c" ]
"$FP" --send "$CTL" set spread 0 >/dev/null
d=$(python3 "$T/peer.py" count "$PORT" 2)
tap_check "spread 0: exactly the threshold ($d)" [ "$d" = "1000 1000" ]
"$FP" --send "$CTL" set spread 50000 >/dev/null
"$FP" --send "$CTL" clear >/dev/null
e=$(python3 "$T/peer.py" count "$PORT" 2)
tap_check "clear resets spread with the faults ($e)" [ "$e" = "100000 100000" ]
tap_check "spread is listed by show" \
    sh -c "'$FP' --send '$CTL' show | grep -q '^spread '"
tap_check "a bad spread is refused" \
    sh -c "! '$FP' --send '$CTL' set spread -1 >/dev/null"
tap_done
