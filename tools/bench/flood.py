#!/usr/bin/env python3
"""flood.py -- what each flood of "Running it for real" (README) costs
`pushpull serve` with its default limits: the server's peak RSS, what it
counted, and whether another client was answered all along.

    python3 tools/bench/flood.py [bin/pushpull]     (make bench: BENCH_ONLY=flood)

Each flood gets a fresh server on a free loopback port, is bounded in
count and time, and ends by itself; the server is stopped by its pid.
The numbers are measured, one run: RSS is VmHWM from /proc/PID/status
(the high-water mark of resident memory), the counts come from /metrics
and the server's log.  Loopback only: the clients' addresses are spread
over 127.0.0.0/8 where a flood needs more than one.
"""
import os
import re
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import time

PP = sys.argv[1] if len(sys.argv) > 1 else "bin/pushpull"


def start():
    p = subprocess.Popen([PP, "serve", "--port", "0"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    port = int(re.search(r":(\d+)", line.split("//")[1]).group(1))
    return p, port


def stop(p):
    p.send_signal(signal.SIGINT)            # ours, by its pid
    try:
        _, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    return err


def rss_peak_kib(p):
    with open(f"/proc/{p.pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def probe(port):
    """One GET /score from 127.0.0.254, as another client: its status."""
    s = socket.socket()
    s.settimeout(5)
    try:
        s.bind(("127.0.0.254", 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /score HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        head = s.recv(64)
        return int(head.split()[1]) if head.startswith(b"HTTP/1.1 ") else 0
    except OSError:
        return 0
    finally:
        s.close()


def connect_from(port, src, rcvbuf=0, block=True):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.setblocking(block)
    return s


def publish(port, data, n):
    s = socket.create_connection(("127.0.0.1", port))
    req = (b"POST /publish?type=big HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n"
           % len(data)) + data
    buf = b""
    for _ in range(n):
        s.sendall(req)
        while b"\r\n\r\n" not in buf:
            buf += s.recv(65536)
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        while len(rest) < length:
            rest += s.recv(65536)
        buf = rest[length:]
    s.close()


def metric(port, name):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    body = b""
    while True:
        k = s.recv(65536)
        if not k:
            break
        body += k
    s.close()
    total = 0
    for line in body.decode().splitlines():
        if line.startswith(name):
            total += float(line.split()[-1])
    return int(total)


def slow_sse(port):
    clients = [connect_from(port, "127.0.0.%d" % (1 + i // 50), rcvbuf=4096) for i in range(100)]
    for c in clients:
        c.sendall(b"GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
    time.sleep(0.5)                         # let them subscribe (a bench, not a test)
    publish(port, b"x" * 32768, 2000)       # 64 MiB per client if nothing were dropped
    return clients, "100 SSE clients that never read; 2,000 events of 32 KiB published"


def echo_fragments(port):
    clients = []
    for i in range(10):
        c = connect_from(port, "127.0.0.%d" % (1 + i))
        c.sendall(b"GET /echo HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        c.recv(4096)
        size = 15 * 1024 * 1024
        head = struct.pack("!BBQ", 0x02, 0x80 | 127, size) + b"\0\0\0\0"   # binary, FIN off
        try:
            c.sendall(head + b"\0" * (size - 1))    # all but its last byte
        except OSError:
            pass                            # dropped while sending: what the limit does
        clients.append(c)
    return clients, "10 `/echo` clients, each 15 MiB of one unfinished fragment"


def partial_heads(port):
    clients = []
    for i in range(5000):
        c = connect_from(port, "127.0.%d.%d" % (1 + i // 250, 1 + i % 250), block=False)
        c.send(b"GET")
        clients.append(c)
    time.sleep(1)
    return clients, "5,000 connections with 3 bytes of a request head each"


def many_connections(port):
    clients = []
    for i in range(12000):
        try:
            c = connect_from(port, "127.1.%d.%d" % (1 + i // 250, 1 + i % 250), block=False)
            c.send(b"GET /score HTTP/1.1\r\n")
            clients.append(c)
        except OSError:
            break
    time.sleep(2)
    return clients, "12,000 connections at once, from 48 addresses, each a partial request"


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print("| flood | peak RSS | counted | another client |")
    print("| --- | --- | --- | --- |")
    for flood in (slow_sse, echo_fragments, partial_heads, many_connections):
        p, port = start()
        base = rss_peak_kib(p)
        clients, what = flood(port)
        answered = probe(port)
        peak = rss_peak_kib(p)
        for c in clients:
            c.close()
        time.sleep(1)                       # their closes reach the server
        refused = metric(port, "pushpull_connections_refused_total")
        dropped = metric(port, 'pushpull_connections_dropped_total{reason="output"}') + \
            metric(port, 'pushpull_connections_dropped_total{reason="input"}')
        capped = metric(port, 'pushpull_connections_dropped_total{reason="queue_cap"}')
        stop(p)
        counted = []
        if refused:
            counted.append("%d refused" % refused)
        if dropped:
            counted.append("%d dropped over the total" % dropped)
        if capped:
            counted.append("%d dropped over their own queue's cap" % capped)
        print("| %s | %.1f MiB (%.1f at start) | %s | %s |" % (
            what, peak / 1024, base / 1024, ", ".join(counted) or "--",
            "%d" % answered if answered else "no answer"))


main()
