#!/usr/bin/env python3
"""flaky_proxy.py - a reverse proxy on loopback that misbehaves at random.

For tests of the sensor's reporter (tests/lab/test_sensor_reporting.sh):
each request is, at random, answered 500, left hanging past the client's
timeout, forwarded with the answer dropped (the server applied it, the
client never hears), or forwarded normally. Standard library only; listens
and connects on 127.0.0.1 only.

usage: flaky_proxy.py UPSTREAM_PORT PORT_FILE [--seed N] [--p500 P] [--phang P]
                      [--pdrop P] [--hang SECONDS] [--log FILE]
"""
import argparse
import http.client
import http.server
import random
import sys
import threading
import time

FWD_HEADERS = ("Authorization", "Content-Type", "Content-Encoding", "Accept",
               "Accept-Encoding", "User-Agent")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("upstream", type=int)
    ap.add_argument("port_file")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--p500", type=float, default=0.25)
    ap.add_argument("--phang", type=float, default=0.15)
    ap.add_argument("--pdrop", type=float, default=0.15)
    ap.add_argument("--hang", type=float, default=3.0)
    ap.add_argument("--log", default=None)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    lock = threading.Lock()
    counts = {"500": 0, "hang": 0, "drop": 0, "forward": 0}
    log = open(a.log, "a", buffering=1) if a.log else sys.stderr

    def decide():
        with lock:
            x = rnd.random()
            if x < a.p500:
                k = "500"
            elif x < a.p500 + a.phang:
                k = "hang"
            elif x < a.p500 + a.phang + a.pdrop:
                k = "drop"
            else:
                k = "forward"
            counts[k] += 1
            return k

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, fmt, *args):
            pass

        def forward(self, body):
            conn = http.client.HTTPConnection("127.0.0.1", a.upstream, timeout=30)
            hdrs = {k: self.headers[k] for k in FWD_HEADERS if self.headers[k] is not None}
            conn.request(self.command, self.path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            return resp.status, resp.getheader("Content-Type", "application/json"), data

        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n > 0 else None
            k = decide()
            log.write("%s %s %s\n" % (self.command, self.path, k))
            if k == "500":
                msg = b'{"error": "flaky proxy says 500"}'
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(msg)))
                self.end_headers()
                self.wfile.write(msg)
                return
            if k == "hang":
                time.sleep(a.hang)
                self.close_connection = True
                return
            try:
                status, ctype, data = self.forward(body)
            except OSError as e:
                status, ctype, data = 502, "application/json", (
                    '{"error": "upstream: %s"}' % e).encode()
            if k == "drop":
                time.sleep(a.hang)
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = handle_any
        do_POST = handle_any

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(a.port_file, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    try:
        srv.serve_forever()
    finally:
        log.write("counts %s\n" % counts)


if __name__ == "__main__":
    main()
