#!/usr/bin/env python3
"""make soak: one daemon under steady load for an hour (not in CI).

8 clients send at a steady rate through TCP (acked), UDP (irker's
fire-and-forget) and HTTP (acked), half of them signed, with invalid lines
mixed in; every 10th message also goes to a Matrix room on a real Synapse.
ngircd is restarted every 5 minutes and the daemon is stopped with SIGTERM
and started again every 15. At the end: every acknowledged message must
have reached the IRC server (counted by an observer there, cross-checked
with the spool) and, where it was sent there, the Matrix room (read back
from Synapse), and the daemon's resident set and open file descriptors must
stay flat (within 10%) after the first five minutes of each of its
lifetimes. Prints the figures.

Environment: VEXT (target/release/vext), SOAK_SECONDS (3600),
SOAK_NGIRCD_EVERY (300), SOAK_DAEMON_EVERY (900), SOAK_RATE (messages a
second per client, 2).
"""

import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (helpers: spawn, free_port, wait_port)

VEXT = bench.VEXT
SECONDS = int(os.environ.get("SOAK_SECONDS", "3600"))
NGIRCD_EVERY = int(os.environ.get("SOAK_NGIRCD_EVERY", "300"))
DAEMON_EVERY = int(os.environ.get("SOAK_DAEMON_EVERY", "900"))
RATE = float(os.environ.get("SOAK_RATE", "2"))
CLIENTS = 8
CHANNELS = ["#soak0", "#soak1", "#soak2", "#soak3"]
SECRET = b"soak-secret-0123456789abcdef"


def fail(message):
    """Stops the run at once: the client threads would keep sys.exit waiting,
    so the servers started are killed here and the process leaves."""
    print(f"soak: {message}", file=sys.stderr, flush=True)
    bench._stop_all()  # noqa: SLF001 (the benchmark's own cleanup)
    os._exit(1)


class Server:
    """ngircd on a fixed port, restartable."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vext-soak-ngircd-")
        os.chmod(self.dir, 0o755)
        os.mkdir(os.path.join(self.dir, "include"))
        self.port = bench.free_port()
        self.conf = os.path.join(self.dir, "ngircd.conf")
        with open(self.conf, "w") as f:
            f.write(
                "[Global]\nName = irc.soak\nInfo = soak\nListen = 127.0.0.1\n"
                f"Ports = {self.port}\nMotdPhrase = hi\nIncludeDir = {self.dir}/include\n"
                "[Limits]\nMaxConnectionsIP = 0\nMaxPenaltyTime = 0\n"
                "[Options]\nDNS = no\nIdent = no\nPAM = no\n"
            )
        self.start()

    def start(self):
        self.proc = bench.spawn(["ngircd", "-n", "-f", self.conf],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not bench.wait_port(self.port):
            fail("ngircd did not start")

    def restart(self):
        # SIGTERM, as an operator restarts it: ngircd flushes what it owes
        # its clients first. (With SIGKILL, a line ngircd accepted, and
        # confirmed to vext with its PONG, can die in ngircd's own write
        # buffer before it reaches the counter: lost by the server, which no
        # relay can see. The tests cover vext against a killed server.)
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.start()


class Counter:
    """An IRC client in every channel that reconnects when the server
    restarts and counts each message text it sees."""

    def __init__(self, port):
        self.port = port
        self.seen = {}
        self.lock = threading.Lock()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                s.settimeout(None)
                s.sendall(f"NICK soakobs\r\nUSER s 0 * :s\r\nJOIN {','.join(CHANNELS)}\r\n".encode())
                buf = b""
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    buf += data
                    while b"\n" in buf:
                        raw, buf = buf.split(b"\n", 1)
                        line = raw.decode("utf-8", "replace").rstrip("\r")
                        if line.startswith("PING "):
                            s.sendall(("PONG " + line[5:] + "\r\n").encode())
                        parts = line.split(" ", 3)
                        if len(parts) == 4 and parts[1] == "PRIVMSG":
                            text = parts[3][1:]
                            with self.lock:
                                self.seen[text] = self.seen.get(text, 0) + 1
            except OSError:
                pass
            time.sleep(0.1)


class Daemon:
    def __init__(self, ngircd_port, env=None):
        self.env = env
        self.state = tempfile.mkdtemp(prefix="vext-soak-state-")
        self.tcp = bench.free_port()
        self.http = bench.free_port()
        self.secret = os.path.join(tempfile.mkdtemp(prefix="vext-soak-secret-"), "secret")
        with open(self.secret, "wb") as f:
            f.write(SECRET + b"\n")
        os.chmod(self.secret, 0o600)
        self.log = []
        self.lives = []  # (start time, pid)
        self.start()

    def start(self):
        self.proc = bench.spawn(
            [VEXT, "daemon", "--listen", f"127.0.0.1:{self.tcp}", "--http", f"127.0.0.1:{self.http}",
             "--state-dir", self.state, "--secret-file", self.secret, "--trust-loopback",
             "--burst", "50", "--line-rate", "200"],
            stderr=subprocess.PIPE, text=True, env=self.env)
        # Log lines may come first (a restart after a stop that left
        # deliveries in flight says it resumes them): wait for the ready line.
        seen = []
        while True:
            line = self.proc.stderr.readline()
            if not line or len(seen) > 100:
                fail(f"daemon did not start: {''.join(seen)}{line}")
            if "listening" in line:
                break
            seen.append(line)
        self.log.extend(seen)
        proc = self.proc

        def drain():
            for line in proc.stderr:
                self.log.append(line)
        threading.Thread(target=drain, daemon=True).start()
        self.lives.append((time.monotonic(), self.proc.pid))

    def restart(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)
        self.start()

    def sample(self):
        pid = self.proc.pid
        try:
            with open(f"/proc/{pid}/status") as f:
                rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
            fds = len(os.listdir(f"/proc/{pid}/fd"))
            anon = bench.anon_kib(pid)
        except (OSError, StopIteration):
            return None
        return (time.monotonic(), pid, rss, fds, anon)


def signature(payload):
    """(ts, nonce, hex HMAC-SHA256 of "ts.nonce.payload")."""
    ts, nonce = int(time.time()), os.urandom(8).hex()
    sig = hmac.new(SECRET, f"{ts}.{nonce}.".encode() + payload.encode(), hashlib.sha256).hexdigest()
    return ts, nonce, sig


def signed(request):
    """The signed envelope of the TCP/UDP protocol."""
    payload = json.dumps(request)
    ts, nonce, sig = signature(payload)
    return {"payload": payload, "ts": ts, "nonce": nonce, "sig": sig}


class Matrix:
    """Synapse with a room the daemon posts to (as user soak, by token)."""

    def __init__(self):
        started = bench.start_synapse()
        if not started:
            fail("Synapse missing: make deps")
        self.proc, self.base, self.dir, self.api, register = started
        self.token = register("soak", "soak-pass-1")
        self.room = self.api("POST", "/_matrix/client/v3/createRoom", self.token,
                             {"room_alias_name": "soak"})["room_id"]
        self.url = f"matrix://{self.base.split('://', 1)[1]}/{self.room}"

    def bodies(self):
        """Every m.room.message body in the room, read back from Synapse."""
        seen, frm = {}, None
        while True:
            q = "dir=b&limit=1000" + (f"&from={urllib.parse.quote(frm)}" if frm else "")
            page = self.api("GET", f"/_matrix/client/v3/rooms/{urllib.parse.quote(self.room)}/messages?{q}",
                            self.token)
            for ev in page.get("chunk", []):
                body = ev.get("content", {}).get("body")
                if ev.get("type") == "m.room.message" and body:
                    seen[body] = seen.get(body, 0) + 1
            if not page.get("chunk") or not page.get("end"):
                return seen
            frm = page["end"]

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def client(i, daemon, url_of, until, accepted, lock, matrix_url, to_matrix):
    """One client: TCP (i % 3 == 0), UDP (1) or HTTP (2); signed when i is odd."""
    kind = ("tcp", "udp", "http")[i % 3]
    n = 0
    t0 = time.monotonic()
    while time.monotonic() < until:
        due = t0 + n / RATE
        time.sleep(max(0.0, due - time.monotonic()))
        mid = f"c{i}-{n}"
        req = {"to": url_of(CHANNELS[n % len(CHANNELS)]), "privmsg": f"soak {mid}", "id": mid}
        if n % 10 == 0:
            req["to"] = [req["to"], matrix_url]
            if kind != "udp":
                with lock:
                    to_matrix.add(mid)
        if kind != "udp":
            req["ack"] = True
        body = signed(req) if i % 2 and kind != "http" else req
        n += 1
        for _attempt in range(20):
            try:
                if kind == "udp":
                    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                        u.sendto((json.dumps(body) + "\n").encode(), ("127.0.0.1", daemon.tcp))
                    break
                if kind == "tcp":
                    with socket.create_connection(("127.0.0.1", daemon.tcp), timeout=10) as s:
                        line = json.dumps(body) + "\n"
                        if n % 50 == 0:
                            line = "this is not json\n" + line
                        s.sendall(line.encode())
                        reply = s.makefile().readline()
                    if '"ok":true' in reply:
                        with lock:
                            accepted.add(mid)
                        break
                else:
                    data = json.dumps(body)
                    r = urllib.request.Request(f"http://127.0.0.1:{daemon.http}/v1/notify",
                                               data=data.encode(), method="POST")
                    r.add_header("Content-Type", "application/json")
                    if i % 2:
                        # Over HTTP the signature travels in headers.
                        ts, nonce, sig = signature(data)
                        r.add_header("X-Vext-Timestamp", str(ts))
                        r.add_header("X-Vext-Nonce", nonce)
                        r.add_header("X-Vext-Signature", sig)
                    with urllib.request.urlopen(r, timeout=10) as resp:
                        if resp.status in (200, 202):
                            with lock:
                                accepted.add(mid)
                            break
            except OSError:
                pass
            # The daemon is restarting: the same id again, stored once.
            time.sleep(0.5)


def main():
    if not os.path.exists(VEXT):
        sys.exit(f"{VEXT} missing: make release")
    ircd = Server()
    counter = Counter(ircd.port)
    time.sleep(0.5)
    matrix = Matrix()
    daemon = Daemon(ircd.port, env=dict(os.environ, VEXT_MATRIX_TOKEN=matrix.token))
    accepted, lock, to_matrix = set(), threading.Lock(), set()
    start = time.monotonic()
    until = start + SECONDS
    url_of = lambda chan: f"irc://127.0.0.1:{ircd.port}/{chan.lstrip('#')}"
    threads = [threading.Thread(target=client,
                                args=(i, daemon, url_of, until, accepted, lock, matrix.url, to_matrix))
               for i in range(CLIENTS)]
    for t in threads:
        t.start()
    samples = []
    next_ircd, next_daemon = start + NGIRCD_EVERY, start + DAEMON_EVERY
    while time.monotonic() < until:
        time.sleep(5)
        now = time.monotonic()
        if (s := daemon.sample()):
            samples.append(s)
            if len(samples) % 12 == 0:
                print(f"[{now - start:6.0f}s] daemon pid {s[1]}: RSS {s[2] / 1024:.1f} MiB "
                      f"(private {s[4] / 1024:.1f} MiB), {s[3]} fds, {len(accepted)} acknowledged",
                      file=sys.stderr)
        if now >= next_ircd:
            print(f"[{now - start:6.0f}s] restarting ngircd", file=sys.stderr)
            ircd.restart()
            next_ircd += NGIRCD_EVERY
        if now >= next_daemon:
            print(f"[{now - start:6.0f}s] SIGTERM and restart of the daemon", file=sys.stderr)
            daemon.restart()
            next_daemon += DAEMON_EVERY
    for t in threads:
        t.join()
    # Let the queue drain.
    drain_until = time.monotonic() + 180
    while time.monotonic() < drain_until:
        with counter.lock:
            missing = [m for m in accepted if f"soak {m}" not in counter.seen]
        if not missing:
            break
        time.sleep(2)
    out = subprocess.run([VEXT, "history", "--state-dir", daemon.state, "--json", "--limit", "0"],
                         capture_output=True, text=True).stdout
    delivered = set()
    for line in out.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if all(d.get("state") == "delivered" for d in rec.get("deliveries", [])):
            delivered.add(rec.get("id"))
    with counter.lock:
        seen = dict(counter.seen)
    missing = sorted(m for m in accepted if f"soak {m}" not in seen)
    want_matrix = to_matrix & accepted
    for _ in range(30):
        bodies = matrix.bodies()
        matrix_missing = sorted(m for m in want_matrix if f"soak {m}" not in bodies)
        if not matrix_missing:
            break
        time.sleep(2)
    matrix_dups = sum(c - 1 for t, c in bodies.items() if t.startswith("soak ") and c > 1)
    not_in_spool = [m for m in missing if m not in delivered]
    dups = sum(c - 1 for t, c in seen.items() if t.startswith("soak ") and c > 1)
    udp_sent = sum(1 for t in seen if (m := re.match(r"soak c(\d+)-", t)) and int(m.group(1)) % 3 == 1)
    # Flatness: samples at least five minutes into each daemon lifetime.
    flat = []
    for (born, pid) in daemon.lives:
        xs = [s for s in samples if s[1] == pid and s[0] - born >= min(300, SECONDS / 4)]
        if len(xs) >= 2:
            rss = [s[2] for s in xs]
            fds = [s[3] for s in xs]
            anon = [s[4] for s in xs]
            # Open files: the clients' connections being served when a
            # sample is taken come and go, so growth is judged on the
            # median of the first and of the last five samples.
            fd_growth = sorted(fds[-5:])[len(fds[-5:]) // 2] - sorted(fds[:5])[len(fds[:5]) // 2]
            flat.append((pid, min(rss), max(rss), min(fds), max(fds), min(anon), max(anon), fd_growth))
    expected = re.compile(r"connection lost|Connection refused|reconnecting|not JSON|"
                          r"expected value|could not be|signal|draining|stopped|spool in|listening|"
                          r"resuming|registered|INFO|DEBUG")
    unexpected = [l for l in daemon.log if ("WARN" in l or "ERROR" in l) and not expected.search(l)]
    print()
    print(f"soak: {SECONDS} s, {CLIENTS} clients at {RATE}/s each (TCP acked, UDP, HTTP acked; half signed; "
          f"an invalid line every 50th TCP request; every 10th also to a Matrix room on Synapse), "
          f"ngircd restarted (SIGTERM) every {NGIRCD_EVERY} s, "
          f"daemon SIGTERM+restart every {DAEMON_EVERY} s, ngircd penalties off, --burst 50 --line-rate 200")
    print(f"  acknowledged: {len(accepted)}; seen at the IRC server: {len(accepted) - len(missing)}; "
          f"missing: {len(missing)} (of which not delivered per the spool: {len(not_in_spool)}); "
          f"duplicates: {dups}; UDP (no acknowledgement) seen: {udp_sent}")
    print(f"  Matrix: acknowledged {len(want_matrix)}; in the room: {len(want_matrix) - len(matrix_missing)}; "
          f"missing: {len(matrix_missing)}; duplicates: {matrix_dups}")
    for pid, rmin, rmax, fmin, fmax, amin, amax, _ in flat:
        print(f"  daemon pid {pid}: RSS {rmin / 1024:.1f}-{rmax / 1024:.1f} MiB "
              f"({(rmax - rmin) / max(rmin, 1) * 100:.1f}%), private {amin / 1024:.1f}-{amax / 1024:.1f} MiB, "
              f"fds {fmin}-{fmax}")
    print(f"  unexpected warnings or errors in the log: {len(unexpected)}")
    for l in unexpected[:10]:
        print("   ", l.rstrip()[:200])
    # Flat: RSS within 10%; open files not growing (by more than 3 or 10%).
    flat_ok = all(rmax - rmin <= 0.1 * rmin and growth <= max(3, 0.1 * fmin)
                  for _, rmin, rmax, fmin, _, _, _, growth in flat)
    ok = not missing and not matrix_missing and not unexpected and flat_ok
    for proc in (daemon.proc, ircd.proc):
        proc.kill()
        proc.wait()
    matrix.stop()
    for d in (daemon.state, os.path.dirname(daemon.secret), ircd.dir):
        shutil.rmtree(d, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
