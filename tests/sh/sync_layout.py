"""Where the requests and responses of a sync pass lie in the byte stream.

Reads a faultproxy --trace file (one line per TLS record: CONN up|down
OFFSET TYPE LENGTH MS) of a clean pass and prints, for connection 1, the
offsets at which the sync tests put their faults, one per line:
NAME DIRECTION OFFSET.  TLS 1.3 as libcurl (OpenSSL) and libmicrohttpd
(GnuTLS) speak it: the client's handshake ends with its first
application-data record (Finished); the server's flight precedes any
request; a request is a run of client records, its response the run of
server records that follows; the server sends the response headers as a
record of their own; a 19-byte record at the end is a close_notify.
"""
import sys

up, down = [], []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 6 or f[0] != "1":
        continue
    rec = (int(f[2]), int(f[3]), int(f[4]), float(f[5]))
    (up if f[1] == "up" else down).append(rec)
first_app = next(i for i, r in enumerate(up) if r[1] == 23)
app_up = up[first_app + 1:]
while app_up and app_up[-1][2] == 19:
    app_up.pop()
start = app_up[0][3]
app_down = [r for r in down if r[3] >= start]
while app_down and app_down[-1][2] == 19:
    app_down.pop()
events = sorted([(r[3], 0, r) for r in app_up] + [(r[3], 1, r) for r in app_down])
exchanges = []
for _, d, r in events:
    if d == 0 and (not exchanges or exchanges[-1][1]):
        exchanges.append(([], []))
    exchanges[-1][d].append(r)


def end(r):
    return r[0] + 5 + r[2]


out = []
req, resp = exchanges[0]
out.append(("up_handshake", "up", 300))
out.append(("up_request_headers", "up", req[0][0] + 5 + 40))
out.append(("up_request_body", "up", req[0][0] + 5 + 400))
out.append(("up_request_body_mid", "up", (req[0][0] + end(req[-1])) // 2))
out.append(("up_request_end", "up", end(req[-1]) - 1))
out.append(("down_handshake", "down", 300))
out.append(("down_response_headers", "down", resp[0][0] + 5 + 40))
out.append(("down_response_body", "down", resp[1][0] + 5 + 50))
out.append(("down_response_body_mid", "down",
            (resp[1][0] + end(resp[-1])) // 2))
out.append(("down_response_end", "down", end(resp[-1]) - 1))
if len(exchanges) > 1:
    req, resp = exchanges[1]
    out.append(("up_request2_body", "up",
                (req[0][0] + end(req[-1])) // 2))
    out.append(("down_response2_body", "down",
                (resp[1][0] + end(resp[-1])) // 2))
    req, resp = exchanges[-1]
    out.append(("down_last_response_end", "down", end(resp[-1]) - 1))
print("exchanges", "-", len(exchanges))
for name, d, off in out:
    print(name, d, off)
