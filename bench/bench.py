#!/usr/bin/env python3
"""vext vs irker, side by side in the same run.

Prints one table with the figure for each and the ratio vext/irkerd:
  send process wall time (vext send --via vs irk), daemon start-up time,
  RSS at start and after a 50-channel fan-out, cold latency (first message to
  a new server), warm latency (a joined channel), 50 channels from one
  request (ngircd penalties off), and 200 messages to one channel with each
  daemon's default pacing (ngircd defaults: a pacing check, no disconnects).

Runs inside a private network namespace (bench/run.sh). Environment:
  VEXT            the vext binary (target/release/vext)
  BENCH_QUICK=1   skip the 200-message pacing run (it takes about 200 s)
"""

import atexit
import json
import random
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

# Every server the benchmark starts, so that a run that fails halfway does
# not leave irkerd, ngircd or a daemon behind.
_started = []


def spawn(*args, **kwargs):
    proc = subprocess.Popen(*args, **kwargs)
    _started.append(proc)
    return proc


@atexit.register
def _stop_all():
    for proc in _started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


VEXT = os.path.abspath(os.environ.get("VEXT", "target/release/vext"))
INGEST = os.environ.get("INGEST", os.path.join(os.path.dirname(VEXT), "examples", "ingest"))
QUICK = os.environ.get("BENCH_QUICK") == "1"
IRKER_PORT = 6659
VEXT_PORT = 6660


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=10.0):
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.001)
    return False


class Ngircd:
    def __init__(self, penalties, maxjoins=None):
        self.dir = tempfile.mkdtemp(prefix="vext-bench-ngircd-")
        os.chmod(self.dir, 0o755)
        os.mkdir(os.path.join(self.dir, "include"))
        self.port = free_port()
        conf = os.path.join(self.dir, "ngircd.conf")
        with open(conf, "w") as f:
            f.write(
                "[Global]\nName = irc.bench\nInfo = bench\nListen = 127.0.0.1\n"
                f"Ports = {self.port}\nMotdPhrase = hi\nIncludeDir = {self.dir}/include\n"
                "[Limits]\nMaxConnectionsIP = 0\n"
                + ("" if penalties else "MaxPenaltyTime = 0\n")
                + (f"MaxJoins = {maxjoins}\n" if maxjoins else "")
                + "[Options]\nDNS = no\nIdent = no\nPAM = no\n"
            )
        self.proc = spawn(
            ["ngircd", "-n", "-f", conf],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_port(self.port):
            sys.exit("ngircd did not start")

    def url(self, chan):
        return f"irc://127.0.0.1:{self.port}/{chan}"

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Observer:
    """An IRC client that joins channels and timestamps every PRIVMSG."""

    count = 0

    def __init__(self, port, channels):
        Observer.count += 1
        self.nick = f"bobs{Observer.count}"
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.lock = threading.Condition()
        self.msgs = []  # (time, from, target, text)
        self.lines = []
        self.quits = []
        self._send(f"NICK {self.nick}\r\nUSER b 0 * :b\r\n")
        threading.Thread(target=self._read, daemon=True).start()
        self._wait(lambda: any(" 001 " in l for l in self.lines), "welcome")
        for i in range(0, len(channels), 10):
            group = channels[i : i + 10]
            self._send(f"JOIN {','.join(group)}\r\n")
            last = group[-1].lower()
            self._wait(lambda: any(" 366 " in l and l.split(" ")[3].lower() == last for l in self.lines), "join")

    def _send(self, s):
        self.sock.sendall(s.encode())

    def _read(self):
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            now = time.monotonic()
            buf += data
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = raw.decode("utf-8", "replace").rstrip("\r")
                if line.startswith("PING "):
                    self._send("PONG " + line[5:] + "\r\n")
                with self.lock:
                    self.lines.append(line)
                    parts = line.split(" ", 3)
                    if len(parts) == 4 and parts[1] == "PRIVMSG":
                        self.msgs.append((now, parts[0][1:].split("!")[0], parts[2], parts[3][1:]))
                    if len(parts) >= 2 and parts[1] == "QUIT":
                        self.quits.append(line)
                    self.lock.notify_all()

    def _wait(self, pred, what, timeout=30):
        with self.lock:
            if not self.lock.wait_for(pred, timeout):
                sys.exit(f"observer: no {what}")

    def wait_msgs(self, pred, n, timeout):
        """Waits until n messages match pred; returns their arrival times."""
        with self.lock:
            self.lock.wait_for(lambda: len([m for m in self.msgs if pred(m)]) >= n, timeout)
            return [m[0] for m in self.msgs if pred(m)]


def settle():
    """Lets the observers' delayed ACKs go out. Right after a JOIN, ngircd's
    next write to an observer waits for its ACK (Nagle), which the observer
    delays by 40 ms: that would be measured as relay latency."""
    time.sleep(0.3)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def tree_rss_kib(pid):
    return rss_kib(pid)


def anon_kib(pid):
    """Private anonymous memory (heap, stacks): RSS without the shared,
    file-backed pages of the executable and libraries."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Anonymous:"):
                return int(line.split()[1])
    return 0


class Relay:
    def __init__(self, kind):
        self.kind = kind
        self.port = IRKER_PORT if kind == "irkerd" else VEXT_PORT

    def start(self):
        if self.kind == "irkerd":
            cmd = ["irkerd", "-H", "127.0.0.1", "-H6", "::1"]
        else:
            # A spool of its own: the default one keeps earlier runs' history,
            # which the daemon reads at start (and its memory shows it).
            self.state = tempfile.mkdtemp(prefix="vext-bench-relay-")
            cmd = [VEXT, "daemon", "--listen", f"127.0.0.1:{self.port}", "--state-dir", self.state, "-q"]
        t0 = time.monotonic()
        self.proc = spawn(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(self.port):
            sys.exit(f"{self.kind} did not start")
        return time.monotonic() - t0

    def submit(self, targets, text):
        """One irker request over TCP (no ack, like irk)."""
        req = json.dumps({"to": targets if len(targets) > 1 else targets[0], "privmsg": text})
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall((req + "\n").encode())
        s.close()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if getattr(self, "state", None):
            shutil.rmtree(self.state, ignore_errors=True)
            self.state = None


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def run_client(cmd, n):
    times = []
    for _ in range(n):
        t0 = time.monotonic()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.monotonic() - t0)
    return median(times)


def fan_out(relay, server, tag, n=50):
    """One request to n channels, 10 per observer; returns (seconds until the
    last arrived, or NaN unless all did; how many arrived), within 180 s."""
    chans = [f"#{tag}{i}" for i in range(n)]
    observers = [Observer(server.port, chans[i : i + 10]) for i in range(0, n, 10)]
    settle()
    t0 = time.monotonic()
    relay.submit([server.url(c[1:]) for c in chans], f"{tag} out")
    last, delivered = 0.0, 0
    until = time.monotonic() + 180
    for o in observers:
        got = o.wait_msgs(lambda m: m[3] == f"{tag} out", 10, max(0.0, until - time.monotonic()))
        delivered += len(got)
        if got:
            last = max(last, max(got))
    return ((last - t0) if delivered == n else float("nan")), delivered


def paced_latency(relay, obs, url, tag, n=8):
    """Median delivery latency of n messages sent 1.2 to 1.5 s apart."""
    lat = []
    for i in range(n):
        time.sleep(1.2 + random.random() * 0.3)
        text = f"{tag} {i}"
        t0 = time.monotonic()
        relay.submit([url], text)
        got = obs.wait_msgs(lambda m, text=text: m[3] == text, 1, 30)
        if got:
            lat.append(got[0] - t0)
    return median(lat)


def measure(kind, fast, wide, results):
    r = {}
    relay = Relay(kind)
    starts = []
    for _ in range(5):
        starts.append(relay.start())
        relay.stop()
    r["startup"] = median(starts)
    relay.start()
    time.sleep(0.2)
    r["rss_start"] = tree_rss_kib(relay.proc.pid)
    r["anon_start"] = anon_kib(relay.proc.pid)

    # Client process wall time (the daemon is up; delivery happens later).
    url = fast.url(f"{kind}-proc")
    if kind == "irkerd":
        r["client"] = run_client(["irk", url, "hello"], 20)
    else:
        r["client"] = run_client([VEXT, "send", "--via", f"127.0.0.1:{relay.port}", url, "-m", "hello"], 20)

    print(f"  {kind}: cold", file=sys.stderr)
    # Cold latency: first message to a server the relay has never talked to.
    cold = Ngircd(penalties=False)
    obs = Observer(cold.port, [f"#{kind}-cold"])
    settle()
    t0 = time.monotonic()
    relay.submit([cold.url(f"{kind}-cold")], "cold")
    got = obs.wait_msgs(lambda m: m[3] == "cold", 1, 30)
    r["cold"] = (got[0] - t0) if got else float("nan")

    print(f"  {kind}: warm", file=sys.stderr)
    # Warm latency: the channel is joined; messages spaced so that pacing
    # (a token per line) never delays them.
    warm = []
    for i in range(8):
        time.sleep(2.5)
        text = f"warm {i}"
        t0 = time.monotonic()
        relay.submit([cold.url(f"{kind}-cold")], text)
        got = obs.wait_msgs(lambda m, text=text: m[3] == text, 1, 30)
        if got:
            warm.append(got[0] - t0)
    r["warm"] = median(warm)

    print(f"  {kind}: paced", file=sys.stderr)
    # Warm latency at the pace scripts and hooks send: about one message a
    # second (1.2 to 1.5 s apart), each on a new TCP connection.
    r["warm_paced"] = paced_latency(relay, obs, cold.url(f"{kind}-cold"), "paced")
    # The second of two messages sent back to back.
    pairs = []
    for i in range(4):
        time.sleep(3)
        a, b = f"pair {i} a", f"pair {i} b"
        relay.submit([cold.url(f"{kind}-cold")], a)
        t0 = time.monotonic()
        relay.submit([cold.url(f"{kind}-cold")], b)
        got = obs.wait_msgs(lambda m, b=b: m[3] == b, 1, 30)
        if got:
            pairs.append(got[0] - t0)
    r["pair"] = median(pairs)
    # Four back to back (within the default burst of 5) right after a
    # steady pace: confirmations must not have spent the burst's tokens.
    fours = []
    for k in range(3):
        time.sleep(6)  # a full bucket, then the steady pace
        paced_latency(relay, obs, cold.url(f"{kind}-cold"), f"steady{k}")
        time.sleep(1.3)
        t0 = time.monotonic()
        for j in range(4):
            relay.submit([cold.url(f"{kind}-cold")], f"four {k} {j}")
        got = obs.wait_msgs(lambda m, k=k: m[3] == f"four {k} 3", 1, 30)
        if got:
            fours.append(got[0] - t0)
    r["four"] = median(fours)
    cold.stop()

    print(f"  {kind}: penalties", file=sys.stderr)
    # The same pace on a server with ngircd's default flood penalties.
    real = Ngircd(penalties=True)
    obs_real = Observer(real.port, [f"#{kind}-real"])
    settle()
    relay.submit([real.url(f"{kind}-real")], "join first")
    obs_real.wait_msgs(lambda m: m[3] == "join first", 1, 30)
    r["warm_paced_penalties"] = paced_latency(relay, obs_real, real.url(f"{kind}-real"), "real")
    real.stop()

    print(f"  {kind}: fan-out", file=sys.stderr)
    # 50 channels from one request (ngircd's default MaxJoins: CHANLIMIT 10).
    r["fanout"], r["fanout_delivered"] = fan_out(relay, fast, f"{kind}-fan")

    print(f"  {kind}: wide fan-out", file=sys.stderr)
    # The same on a server that allows 250 channels per connection.
    r["fanout_wide"], r["fanout_wide_delivered"] = fan_out(relay, wide, f"{kind}-wide")
    if kind == "vext":
        # The realistic case: ngircd's default flood penalties (irkerd does
        # not deliver the wide fan-out even without them).
        print(f"  {kind}: wide fan-out, ngircd default penalties", file=sys.stderr)
        strict = Ngircd(penalties=True, maxjoins=250)
        r["fanout_wide_penalties"], r["fanout_wide_penalties_delivered"] = fan_out(
            relay, strict, f"{kind}-strict"
        )
        strict.stop()
    r["rss_fanout"] = tree_rss_kib(relay.proc.pid)
    r["anon_fanout"] = anon_kib(relay.proc.pid)
    results[kind] = r
    return relay


def pacing(kind, relay, results):
    """200 messages to one channel on a server with default flood penalties."""
    srv = Ngircd(penalties=True)
    chan = f"#{kind}-pace"
    obs = Observer(srv.port, [chan])
    settle()
    t0 = time.monotonic()
    for i in range(200):
        relay.submit([srv.url(chan[1:])], f"pace {i}")
    got = obs.wait_msgs(lambda m: m[3].startswith("pace "), 200, 600)
    results[kind]["pace200"] = (max(got) - t0) if len(got) >= 200 else float("nan")
    results[kind]["pace_delivered"] = len(got)
    results[kind]["pace_disconnects"] = len(obs.quits)
    srv.stop()


def fmt(v, unit):
    if v != v:  # NaN
        return "failed"
    if unit == "ms":
        return f"{v * 1000:.2f} ms"
    if unit == "s":
        return f"{v:.2f} s"
    if unit == "MiB":
        return f"{v / 1024:.1f} MiB"
    return str(v)


def ingest(state_parent, extra=()):
    """Acknowledged (stored, committed) notifications per second over TCP."""
    state = tempfile.mkdtemp(prefix="vext-bench-ingest-", dir=state_parent)
    proc = spawn(
        [VEXT, "daemon", "--listen", "127.0.0.1:0", "--state-dir", state, "-q", *extra],
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = proc.stderr.readline()
    addr = [f.split("=", 1)[1] for f in ready.split() if f.startswith("tcp=")][0]
    out = subprocess.run([INGEST, addr, "8", "10000", "64"], capture_output=True, text=True, check=True).stdout
    proc.terminate()
    proc.wait()
    shutil.rmtree(state, ignore_errors=True)
    return float(out.split("rate=")[1].split("/")[0])


def backlog_bench(n=50_000):
    """A server that is down, with a backlog: n acknowledged messages to an
    IRC server that refuses connections. RSS and private memory after the
    backlog is accepted, with the default window (1000 deliveries per
    route in memory, the rest parked in the spool) and with a window that
    holds everything in memory (as before the window existed); the ingest
    rate of each. (irkerd is not comparable: it drops the queue of a server
    it cannot connect to.)"""
    out = {}
    for label, extra in (("window", []), ("all", ["--window", "1000000"])):
        proc, (host, port), state = start_daemon(extra)
        addr = f"{host}:{port}"
        start_rss, start_anon = rss_kib(proc.pid), anon_kib(proc.pid)
        res = subprocess.run([INGEST, addr, "8", str(n // 8), "64"], capture_output=True, text=True, check=True)
        rate = float(res.stdout.split("rate=")[1].split("/")[0])
        time.sleep(3)
        out[label] = (start_rss, start_anon, rss_kib(proc.pid), anon_kib(proc.pid), rate)
        proc.kill()
        proc.wait()
        shutil.rmtree(state, ignore_errors=True)
    return out


def print_backlog(b):
    print()
    print("backlog: 50 000 acknowledged messages to an IRC server that refuses connections "
          "(8 clients, 64 in flight each; spool on disk)")
    print(f"{'':<50} {'RSS':>12} {'private':>12} {'ingest':>12}")
    for label, key in (("--window 1000 (default): the rest in the spool", "window"),
                       ("--window 1000000: everything in memory", "all")):
        start_rss, start_anon, rss, anon, rate = b[key]
        print(f"{label:<50} {rss / 1024:>8.1f} MiB {anon / 1024:>8.1f} MiB {rate:>10.0f}/s")
    print(f"  (at start: RSS {b['window'][0] / 1024:.1f} MiB, private {b['window'][1] / 1024:.1f} MiB)")


def hook_bench():
    """vext hook git --dry-run vs irkerhook -n on the same repository, one
    commit, and the post-receive of a 50-commit push (vext) vs irkerhook run
    once per commit (how a post-receive wrapper drives it)."""
    repo = tempfile.mkdtemp(prefix="vext-bench-repo-")
    env = dict(os.environ, GIT_AUTHOR_NAME="Ada", GIT_AUTHOR_EMAIL="ada@example.org",
               GIT_COMMITTER_NAME="Ada", GIT_COMMITTER_EMAIL="ada@example.org")
    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, env=env, check=True,
                              capture_output=True, text=True).stdout.strip()
    git("init", "-q", "-b", "main")
    git("config", "irker.channels", "irc://irc.example.net/commits")
    for i in range(51):
        with open(os.path.join(repo, f"f{i % 7}.txt"), "a") as f:
            f.write(f"{i}\n")
        git("add", "-A")
        git("commit", "-qm", f"commit {i}")
    revs = git("rev-list", "--reverse", "HEAD").split()
    def timed(cmd, n, stdin=None):
        times = []
        for _ in range(n):
            t0 = time.monotonic()
            subprocess.run(cmd, cwd=repo, input=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True, text=True)
            times.append(time.monotonic() - t0)
        return median(times)
    one_vext = timed([VEXT, "hook", "git", "-n", "--urlprefix="], 20)
    one_irker = timed(["irkerhook", "-n", "--urlprefix="], 10)
    push = f"{revs[0]} {revs[-1]} refs/heads/main\n"
    push_vext = timed([VEXT, "hook", "git", "--stdin", "-n", "--urlprefix=", "--max-commits", "50"], 10, push)
    t0 = time.monotonic()
    for r in revs[1:]:
        subprocess.run(["irkerhook", "-n", "--urlprefix=", r], cwd=repo, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
    push_irker = time.monotonic() - t0
    shutil.rmtree(repo, ignore_errors=True)
    return one_vext, one_irker, push_vext, push_irker


def make_tree(root):
    """10 000 manifest documents: Kubernetes files (5 documents each, mixed
    kinds, anchors), compose files with variables, Dockerfiles, plus CI
    YAML with image: lines that are not manifests."""
    kinds = ["Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"]
    docs = 0
    for i in range(1500):
        d = os.path.join(root, "k8s", f"team{i % 40}")
        os.makedirs(d, exist_ok=True)
        parts = []
        for j in range(5):
            kind = kinds[j]
            spec = f"      containers:\n        - name: c{j}\n          image: registry.example.com/app{i}/svc{j}:1.{j}.{i % 10}\n"
            if kind == "Pod":
                parts.append(f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n    - name: c\n      image: nginx:1.{i % 30}\n")
            else:
                parts.append(f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: w{i}-{j}\nspec:\n  template:\n    spec:\n{spec}")
        with open(os.path.join(d, f"app{i}.yaml"), "w") as f:
            f.write("---\n".join(parts))
        docs += 5
    for i in range(1500):
        d = os.path.join(root, "compose", f"stack{i}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "compose.yaml"), "w") as f:
            f.write(f"services:\n  web:\n    image: nginx:${{TAG:-1.{i % 20}}}\n  db:\n    image: postgres:16.{i % 5}\n")
        docs += 1
    for i in range(1000):
        d = os.path.join(root, "images", f"svc{i}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "Dockerfile"), "w") as f:
            f.write(f"ARG GO=1.2{i % 3}\nFROM golang:${{GO}}-alpine AS build\nRUN go build\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /app /app\n")
        docs += 1
    os.makedirs(os.path.join(root, ".github", "workflows"), exist_ok=True)
    with open(os.path.join(root, "ci.yaml"), "w") as f:
        f.write("jobs:\n  test:\n    container:\n      image: node:20\n")
    return docs


def scan_bench():
    root = tempfile.mkdtemp(prefix="vext-bench-scan-")
    docs = make_tree(root)
    def timed(cmd, shell=False):
        times = []
        out = ""
        for _ in range(3):
            t0 = time.monotonic()
            out = subprocess.run(cmd, cwd=root, shell=shell, capture_output=True, text=True).stdout
            times.append(time.monotonic() - t0)
        return median(times), out
    vt, vout = timed([VEXT, "scan", "--ndjson"])
    gt, gout = timed("grep -r 'image:' . | sort", shell=True)
    findings = [json.loads(l) for l in vout.splitlines()]
    grep_lines = gout.splitlines()
    dockerfile = sum(1 for f in findings if f["kind"] == "dockerfile")
    unresolved_by_grep = sum(1 for l in grep_lines if "${" in l)
    not_manifests = sum(1 for l in grep_lines if "ci.yaml" in l)
    shutil.rmtree(root, ignore_errors=True)
    return {
        "docs": docs, "vext_s": vt, "grep_s": gt, "vext_n": len(findings), "grep_n": len(grep_lines),
        "grep_missed_dockerfile": dockerfile, "grep_unresolved": unresolved_by_grep, "grep_not_manifest": not_manifests,
    }


def check_bench():
    """vext check over 200 repositories x 50 tags on a local docker-registry,
    against the shell loop a user writes today: skopeo list-tags per image."""
    import hashlib, urllib.request
    d = tempfile.mkdtemp(prefix="vext-bench-registry-")
    port = free_port()
    conf = os.path.join(d, "config.yml")
    with open(conf, "w") as f:
        f.write(f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {d}/data\nhttp:\n  addr: 127.0.0.1:{port}\n")
    proc = spawn(["docker-registry", "serve", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    base = f"http://127.0.0.1:{port}"
    def req(method, url, body=b"", ctype=None):
        r = urllib.request.Request(url, data=body if method != "GET" else None, method=method)
        if ctype:
            r.add_header("Content-Type", ctype)
        with urllib.request.urlopen(r) as resp:
            return resp.status, dict(resp.headers)
    tags = [f"1.{m}.{p}" for m in range(10) for p in range(5)]
    for i in range(200):
        repo = f"bench/app{i}"
        config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}, "n": i}).encode()
        digest = "sha256:" + hashlib.sha256(config).hexdigest()
        _, h = req("POST", f"{base}/v2/{repo}/blobs/uploads/")
        loc = h["Location"]
        loc = loc if loc.startswith("http") else base + loc
        req("PUT", f"{loc}{'&' if '?' in loc else '?'}digest={digest}", config, "application/octet-stream")
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                               "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": digest},
                               "layers": []}).encode()
        for t in tags:
            req("PUT", f"{base}/v2/{repo}/manifests/{t}", manifest, "application/vnd.docker.distribution.manifest.v2+json")
    images = [f"127.0.0.1:{port}/bench/app{i}:1.0.0" for i in range(200)]
    t0 = time.monotonic()
    # With a state dir of its own, as a cron run has (the results are recorded).
    out = subprocess.run([VEXT, "check", "--json", "--state-dir", os.path.join(d, "state"),
                          "--insecure-registry", f"127.0.0.1:{port}", *images],
                         capture_output=True, text=True, env=dict(os.environ, VEXT_LOG="vext=info"))
    vext_s = time.monotonic() - t0
    requests = [l for l in out.stderr.splitlines() if "registry requests" in l]
    vext_newest = {o["image"]: o["newest"] for o in json.loads(out.stdout)}
    skopeo_s = None
    same = None
    if shutil.which("skopeo"):
        t0 = time.monotonic()
        skopeo_newest = {}
        for img in images:
            repo = img.rsplit(":", 1)[0]
            r = subprocess.run(["skopeo", "list-tags", "--tls-verify=false", f"docker://{repo}"], capture_output=True, text=True)
            ts = json.loads(r.stdout)["Tags"]
            best = max(ts, key=lambda t: tuple(int(x) for x in t.split(".")))
            skopeo_newest[img] = best if best != "1.0.0" else None
        skopeo_s = time.monotonic() - t0
        same = skopeo_newest == vext_newest
    proc.kill()
    proc.wait()
    shutil.rmtree(d, ignore_errors=True)
    return vext_s, skopeo_s, same, requests[0] if requests else ""


def start_synapse():
    """Synapse from target/synapse-venv on a free port, generous rate limits;
    returns (process, base URL, config path, dir, api) or None when absent."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    syn = os.path.join(root, "target", "synapse-venv", "bin")
    if not os.path.exists(os.path.join(syn, "python")):
        return None
    d = tempfile.mkdtemp(prefix="vext-bench-synapse-")
    port = free_port()
    lim = "{per_second: 1000, burst_count: 1000}"
    conf = os.path.join(d, "hs.yaml")
    with open(conf, "w") as f:
        f.write(f"server_name: localhost\npid_file: {d}/hs.pid\nlisteners:\n  - port: {port}\n    type: http\n    tls: false\n    bind_addresses: ['127.0.0.1']\n    resources:\n      - names: [client]\n"
                f"database:\n  name: sqlite3\n  args:\n    database: {d}/hs.db\nmedia_store_path: {d}/media\nsigning_key_path: {d}/signing.key\n"
                f"registration_shared_secret: s\nreport_stats: false\ntrusted_key_servers: []\nrc_message: {lim}\nrc_login:\n  address: {lim}\n  account: {lim}\n  failed_attempts: {lim}\n"
                f"rc_joins:\n  local: {lim}\n  remote: {lim}\n")
    subprocess.run([os.path.join(syn, "python"), "-m", "synapse.app.homeserver", "-c", conf, "--generate-keys"], cwd=d, capture_output=True, check=True)
    proc = spawn([os.path.join(syn, "python"), "-m", "synapse.app.homeserver", "-c", conf], cwd=d,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    import urllib.request

    def api(method, path, token=None, body=None):
        r = urllib.request.Request(base + path, data=json.dumps(body or {}).encode() if method != "GET" else None, method=method)
        r.add_header("Content-Type", "application/json")
        if token:
            r.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(r) as resp:
            return json.loads(resp.read())
    for _ in range(600):
        try:
            api("GET", "/_matrix/client/versions")
            break
        except Exception:
            time.sleep(0.1)

    def register(name, password):
        subprocess.run([os.path.join(syn, "register_new_matrix_user"), "-u", name, "-p", password, "--no-admin", "-c", conf, base],
                       capture_output=True, check=True)
        return api("POST", "/_matrix/client/v3/login", body={"type": "m.login.password", "identifier": {"type": "m.id.user", "user": name}, "password": password})["access_token"]
    return proc, base, d, api, register


def matrix_bench():
    """vext send vs apprise to the same room on the same Synapse, process wall time."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    apprise = os.path.join(root, "target", "bench-venv", "bin", "apprise")
    started = start_synapse() if os.path.exists(apprise) else None
    if not started:
        return None
    proc, base, d, api, register = started
    port = base.rsplit(":", 1)[1]
    token = register("bench", "bench-pass-1")
    room = api("POST", "/_matrix/client/v3/createRoom", token, {"room_alias_name": "bench"})["room_id"]
    def timed(cmd, env, n):
        times = []
        for _ in range(n):
            t0 = time.monotonic()
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times.append(time.monotonic() - t0)
        return median(times)
    env = dict(os.environ, VEXT_MATRIX_TOKEN=token, XDG_STATE_HOME=d)
    v = timed([VEXT, "send", f"matrix://127.0.0.1:{port}/{room}", "-m", "bench"], env, 20)
    target = f"matrix://bench:bench-pass-1@127.0.0.1:{port}/%23bench:localhost"
    probe = subprocess.run([apprise, "-vv", "-b", "bench", target], capture_output=True, text=True)
    if probe.returncode != 0:
        print("apprise failed:", probe.stdout[-2000:], probe.stderr[-2000:], file=sys.stderr)
        a = float("nan")
    else:
        a = timed([apprise, "-b", "bench", target], dict(os.environ), 5)
    proc.kill()
    proc.wait()
    shutil.rmtree(d, ignore_errors=True)
    return v, a


def update_bench():
    """vext update --docker of one container against the sequence Watchtower
    performs, done with the docker CLI (pull; stop; rm; run with the same
    options), on one private dockerd and registry: wall time and the longest
    gap a client polling the published port every 10 ms sees. Then --plan
    over 50 containers."""
    import urllib.request
    if not shutil.which("dockerd") or not shutil.which("busybox"):
        return None
    d = tempfile.mkdtemp(prefix="vext-bench-docker-")
    sock = os.path.join(d, "docker.sock")
    host = f"unix://{sock}"
    dockerd = spawn(["dockerd", "--data-root", f"{d}/data", "--exec-root", f"{d}/exec", "--pidfile", f"{d}/pid",
                     "-H", host, "--storage-driver", "vfs", "--iptables=false", "--ip-masq=false", "--bridge=none",
                     "--containerd-namespace", "vext-bench", "--containerd-plugins-namespace", "vext-bench-plugins"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DOCKER_HOST=host, DOCKER_BUILDKIT="0")
    def docker(*args, check=True):
        return subprocess.run(["docker", *args], env=env, capture_output=True, text=True, check=check).stdout.strip()
    for _ in range(150):
        if subprocess.run(["docker", "version"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.2)
    rport = free_port()
    conf = os.path.join(d, "registry.yml")
    with open(conf, "w") as f:
        f.write(f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {d}/registry\nhttp:\n  addr: 127.0.0.1:{rport}\n")
    registry = spawn(["docker-registry", "serve", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(rport)
    reg = f"127.0.0.1:{rport}"
    ctx = os.path.join(d, "ctx")
    os.makedirs(os.path.join(ctx, "www"))
    shutil.copy(shutil.which("busybox"), os.path.join(ctx, "busybox"))
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write('FROM scratch\nCOPY busybox /bin/busybox\nCOPY www /www\n'
                # A process that stops on SIGTERM, as real services do (httpd
                # as PID 1 would ignore it and every stop would take 10 s).
                'CMD ["/bin/busybox", "sh", "-c", "trap \'exit 0\' TERM; /bin/busybox httpd -f -p 8080 -h /www & wait"]\n')
    tags = [f"1.0.{i}" for i in range(8)]
    for t in tags:
        with open(os.path.join(ctx, "www", "index.html"), "w") as f:
            f.write(t)
        docker("build", "-q", "-t", f"{reg}/app:{t}", ctx)
        docker("push", "-q", f"{reg}/app:{t}")
    docker("network", "create", "n1")
    port = free_port()
    def start(tag):
        docker("rm", "-f", "web", check=False)
        docker("run", "-d", "--name", "web", "--network", "n1", "-p", f"127.0.0.1:{port}:8080",
               "--restart", "unless-stopped", "-e", "A=1", f"{reg}/app:{tag}")
        time.sleep(0.5)
    def polled(action):
        stop = threading.Event()
        gaps = []
        fails = []
        def poll():
            # Downtime: from a request that fails to the next that succeeds.
            fail_start = None
            worst = 0.0
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
                    if fail_start is not None:
                        worst = max(worst, time.monotonic() - fail_start)
                        fail_start = None
                except Exception as e:
                    fails.append(repr(e))
                    if fail_start is None:
                        fail_start = t0
                time.sleep(0.01)
            gaps.append(worst)
        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.2)
        t0 = time.monotonic()
        action()
        wall = time.monotonic() - t0
        # Until the service answers again (or 20 s).
        until = time.monotonic() + 20
        while time.monotonic() < until:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
                break
            except Exception:
                time.sleep(0.01)
        time.sleep(0.2)
        stop.set()
        t.join()
        if os.environ.get("BENCH_DEBUG"):
            print(len(fails), fails[:2], file=sys.stderr)
        return wall, gaps[0], len(fails)
    state = os.path.join(d, "state")
    vext_runs, cli_runs = [], []
    for i in range(3):
        old, new = tags[2 * i], tags[2 * i + 1]
        # The CLI: what Watchtower does (no gate, no way back).
        start(old)
        docker("rmi", f"{reg}/app:{new}", check=False)
        def cli():
            docker("pull", "-q", f"{reg}/app:{new}")
            docker("stop", "web")
            docker("rm", "web")
            docker("run", "-d", "--name", "web", "--network", "n1", "-p", f"127.0.0.1:{port}:8080",
                   "--restart", "unless-stopped", "-e", "A=1", f"{reg}/app:{new}")
        cli_runs.append(polled(cli))
        # vext: the same pull and recreate, with the old container kept until
        # the new one runs (--stable-for 0s: the gate's own wait is left out).
        start(old)
        docker("rmi", f"{reg}/app:{new}", check=False)
        # Only the next tag is approved-newest when the registry shows it;
        # newer tags exist, so pin what this round may take with a policy.
        pol = os.path.join(d, "policy.toml")
        with open(pol, "w") as f:
            f.write(f"[policy]\nallow = \"patch\"\n[[policy.rule]]\nimage = \"*\"\ninclude = '^1[.]0[.]{new[-1]}$'\n")
        waited = []
        def vx_pinned():
            r = subprocess.run([VEXT, "update", "--docker", "--docker-host", host, "--insecure-registry", reg,
                                "--state-dir", state, "--stable-for", "0s", "--policy", pol],
                               capture_output=True, text=True, check=False,
                               env=dict(os.environ, VEXT_LOG="vext::commands::update=debug"))
            if r.returncode != 0:
                print(r.stdout, r.stderr, file=sys.stderr)
            m = re.search(r"(\d+) ms of it waiting for the Docker engine", r.stderr)
            waited.append(int(m.group(1)) / 1000 if m else float("nan"))
        wall, gap, fails = polled(vx_pinned)
        # vext's own time: the whole process less its waits on the engine.
        vext_runs.append((wall, gap, fails, wall - waited[0]))
    # --plan over 200 containers in 20 compose projects: in each, s1..s9
    # each depend on the one before (compose v1 writes no depends_on label,
    # so vext reads it from the project's compose file), started last first
    # so that the engine lists them out of order. The containers carry the
    # labels compose v1 gives them (docker run -l: starting 200 with
    # docker-compose takes minutes and changes nothing vext sees).
    docker("rm", "-f", "web", check=False)
    projects, per = 20, 10
    jobs = []
    for p in range(projects):
        pdir = os.path.join(d, f"proj{p}")
        os.makedirs(pdir)
        with open(os.path.join(pdir, "docker-compose.yml"), "w") as f:
            f.write("services:\n")
            for k in range(per):
                f.write(f"  s{k}:\n    image: {reg}/app:{tags[0]}\n")
                if k:
                    f.write(f"    depends_on: [s{k - 1}]\n")
        for k in reversed(range(per)):
            labels = {"com.docker.compose.project": f"proj{p}", "com.docker.compose.service": f"s{k}",
                      "com.docker.compose.project.working_dir": pdir,
                      "com.docker.compose.project.config_files": "docker-compose.yml",
                      "com.docker.compose.version": "1.29.2", "com.docker.compose.container-number": "1"}
            args = ["run", "-d", "--name", f"proj{p}_s{k}_1", "--network", "n1"]
            for key, v in labels.items():
                args += ["-l", f"{key}={v}"]
            jobs.append(args + [f"{reg}/app:{tags[0]}"])
    # In order within a project (last first), projects side by side.
    def starter(n):
        for j in jobs[n::4]:
            docker(*j)
    starters = [threading.Thread(target=starter, args=(n,)) for n in range(4)]
    for t in starters:
        t.start()
    for t in starters:
        t.join()
    def plan_of(binary):
        times, order = [], []
        for _ in range(3):
            t0 = time.monotonic()
            r = subprocess.run([binary, "update", "--docker", "--docker-host", host, "--insecure-registry", reg,
                                "--state-dir", state, "--plan", "--json"], capture_output=True, text=True)
            times.append(time.monotonic() - t0)
            if r.returncode == 0:
                seen = []
                for line in json.loads(r.stdout):
                    if not seen or seen[-1] != line["workload"]:
                        seen.append(line["workload"])
                order = seen
        # Dependency order: in every project, s(k-1) before s(k).
        pos = {w: i for i, w in enumerate(order)}
        ok = len(order) == projects * per and all(
            pos[f"proj{p}_s{k - 1}_1"] < pos[f"proj{p}_s{k}_1"] for p in range(projects) for k in range(1, per))
        return median(times), len(order), ok
    plan_s, planned, in_order = plan_of(VEXT)
    before = os.environ.get("VEXT_BEFORE")
    plan_before = plan_of(os.path.abspath(before)) if before else None
    ids = docker("ps", "-aq").split()
    if ids:
        docker("rm", "-f", *ids, check=False)
    # User networks outlive the engine as host bridges: remove them.
    for n in docker("network", "ls", "-q", "--filter", "type=custom", check=False).split():
        docker("network", "rm", n, check=False)
    for p in (registry, dockerd):
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(d, ignore_errors=True)
    return {"vext": vext_runs, "cli": cli_runs, "plan_s": plan_s, "planned": planned, "in_order": in_order,
            "plan_before": plan_before}


def bot_bench(runs=20, poll="2s"):
    """The daemon's Matrix bot on Synapse with a fake Semaphore: from a
    confirmed `!cd run` to the Semaphore POST, from a status change to the
    room message, and the daemon's private memory with the bot running."""
    started = start_synapse()
    if not started:
        return None
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from fake_semaphore import FakeSemaphore
    proc, base, d, api, register = started
    alice = register("alice", "alice-pass-1")
    register("bot", "bot-pass-1")
    room = api("POST", "/_matrix/client/v3/createRoom", alice, {"preset": "private_chat", "invite": ["@bot:localhost"]})["room_id"]
    fake = FakeSemaphore("bench-token")
    files = {}
    for name, text in (("pw", "bot-pass-1"), ("tok", "bench-token")):
        files[name] = os.path.join(d, name)
        with open(files[name], "w") as f:
            f.write(text + "\n")
        os.chmod(files[name], 0o600)
    conf = os.path.join(d, "vext.toml")
    with open(conf, "w") as f:
        f.write(f'[semaphore]\nurl = "{fake.url}"\ntoken_file = "{files["tok"]}"\n\n[bot]\nhomeserver = "{base}"\n'
                f'user_id = "@bot:localhost"\npassword_file = "{files["pw"]}"\nrooms = ["{room}"]\nadmins = ["@alice:localhost"]\n'
                f'poll_interval = "{poll}"\n')
    state = tempfile.mkdtemp(prefix="vext-bench-bot-")
    daemon = spawn([VEXT, "daemon", "--listen", "127.0.0.1:0", "--state-dir", state, "--config", conf],
                   stderr=subprocess.PIPE, text=True, env=dict(os.environ, VEXT_LOG="vext=info"))
    ready = threading.Event()

    def read_log():
        for line in daemon.stderr:
            if "commands from now on are answered" in line:
                ready.set()
    threading.Thread(target=read_log, daemon=True).start()
    if not ready.wait(60):
        sys.exit("the bot did not start")
    enc = room.replace("!", "%21").replace(":", "%3A")
    since = [api("GET", "/_matrix/client/v3/sync?timeout=0", alice)["next_batch"]]
    txn = [0]

    def say(text, thread=None):
        txn[0] += 1
        body = {"msgtype": "m.text", "body": text}
        if thread:
            body["m.relates_to"] = {"rel_type": "m.thread", "event_id": thread}
        return api("PUT", f"/_matrix/client/v3/rooms/{enc}/send/m.room.message/b{txn[0]}", alice, body)["event_id"]

    def wait_bot(text, timeout=30):
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            v = api("GET", f"/_matrix/client/v3/sync?timeout=1000&since={since[0]}", alice)
            since[0] = v["next_batch"]
            now = time.monotonic()
            for e in v.get("rooms", {}).get("join", {}).get(room, {}).get("timeline", {}).get("events", []):
                if e.get("sender") == "@bot:localhost" and text in e.get("content", {}).get("body", ""):
                    return now
        sys.exit(f"the bot never said {text!r}")

    to_post, accepted_to_post = [], []
    for _ in range(runs):
        cmd = say("!cd run Infra Deploy")
        wait_bot("Reply `yes`")
        n = len(fake.posted)
        t0 = time.monotonic()
        say("yes", cmd)
        t1 = time.monotonic()
        wait_bot("Started task")
        posted_at = fake.posted[n][0]
        to_post.append(posted_at - t0)
        accepted_to_post.append(posted_at - t1)
    changes = []
    statuses = ["starting", "running", "success"]
    for task in (100, 101, 102):
        for st in statuses:
            # At a random point of the bot's polling cycle.
            time.sleep(random.uniform(0, 2.0))
            t0 = time.monotonic()
            fake.set_status(task, st)
            word = {"success": "succeeded"}.get(st, st)
            changes.append(wait_bot(f"Task {task} (Deploy, Infra)" + ("" if st == "success" else ": ") + ("" if st == "success" else word)) - t0)
    time.sleep(1)
    anon, rss = anon_kib(daemon.pid), rss_kib(daemon.pid)
    plain, _, plain_state = start_daemon([])
    time.sleep(1)
    plain_anon = anon_kib(plain.pid)
    for p in (daemon, plain, proc):
        p.kill()
        p.wait()
    fake.stop()
    for x in (d, state, plain_state):
        shutil.rmtree(x, ignore_errors=True)
    pct = lambda xs, q: sorted(xs)[min(len(xs) - 1, int(len(xs) * q))]
    return {"poll": poll, "runs": runs, "to_post": to_post, "accepted_to_post": accepted_to_post,
            "changes": changes, "anon": anon, "rss": rss, "plain_anon": plain_anon, "pct": pct}


def print_bot(r):
    if not r:
        print("bot: Synapse is not installed (make deps)")
        return
    pct = r["pct"]
    ms = lambda x: f"{x * 1000:.1f} ms"
    print()
    print(f"Matrix bot for Semaphore (Synapse on loopback, fake Semaphore, poll_interval {r['poll']}, {r['runs']} runs one after another, idle 2-core machine)")
    print(f"  confirmed run -> Semaphore POST, from sending `yes`:    median {ms(statistics.median(r['to_post']))}, p95 {ms(pct(r['to_post'], 0.95))}  (goal p95 < 100 ms)")
    print(f"  ... from Synapse accepting `yes`:                        median {ms(statistics.median(r['accepted_to_post']))}, p95 {ms(pct(r['accepted_to_post'], 0.95))}")
    print(f"  status change -> room message ({len(r['changes'])} changes):          median {ms(statistics.median(r['changes']))}, max {ms(max(r['changes']))}  (goal <= poll_interval + 1 s)")
    print(f"  daemon private memory with the bot: {r['anon'] / 1024:.2f} MiB (RSS {r['rss'] / 1024:.1f} MiB); the same daemon without the bot: {r['plain_anon'] / 1024:.2f} MiB  (goal < 5 MiB)")


def client_hyperfine(relay_vext, server):
    """`vext send --via` (glibc and static musl builds) against irk, in one
    hyperfine run (no shell, 20 warm-up runs, 300 timed), each to its own
    relay: the mean process wall times in seconds, or None without hyperfine."""
    static = os.environ.get("VEXT_STATIC", os.path.abspath("target/x86_64-unknown-linux-musl/release/vext"))
    if not shutil.which("hyperfine") or not os.path.exists(static):
        return None
    out = tempfile.mktemp(prefix="vext-bench-hf-", suffix=".json")
    cmds = [
        f"irk {server.url('hf-irk')} hello",
        f"{VEXT} send --via 127.0.0.1:{relay_vext.port} {server.url('hf-vext')} -m hello",
        f"{static} send --via 127.0.0.1:{relay_vext.port} {server.url('hf-vext')} -m hello",
    ]
    subprocess.run(["hyperfine", "-N", "-w", "20", "-r", "300", "--export-json", out, *cmds],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    with open(out) as f:
        means = [r["mean"] for r in json.load(f)["results"]]
    os.unlink(out)
    return means


def ab_bench(before, rounds=7):
    """The same measures for two builds, interleaved round by round so that
    machine noise falls on both alike: `--version` and `send --via` (each
    the median of 40 process runs per round), and durable ingest (one run
    of 8 clients x 10 000 requests per round). Medians over the rounds."""
    import statistics

    def runs(cmd, n=40):
        times = []
        for _ in range(n):
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    global VEXT
    builds = {"before": before, "after": VEXT}
    daemons = {}
    for label, binary in builds.items():
        state = tempfile.mkdtemp(prefix=f"vext-ab-{label}-")
        proc = spawn([binary, "daemon", "--listen", "127.0.0.1:0", "--state-dir", state, "-q"],
                     stderr=subprocess.PIPE, text=True)
        ready = proc.stderr.readline()
        addr = [f.split("=", 1)[1] for f in ready.split() if f.startswith("tcp=")][0]
        daemons[label] = (proc, addr, state)
    got = {k: {"version": [], "via": [], "ingest": []} for k in builds}
    for r in range(rounds):
        order = list(builds) if r % 2 == 0 else list(reversed(list(builds)))
        for label in order:
            binary = builds[label]
            _, addr, _ = daemons[label]
            got[label]["version"].append(runs([binary, "--version"]))
            got[label]["via"].append(runs([binary, "send", "--via", addr, "irc://127.0.0.1:9/ab", "-m", "ab"]))
            VEXT = binary
            got[label]["ingest"].append(ingest(None))
    VEXT = builds["after"]
    for proc, _, state in daemons.values():
        proc.terminate()
        proc.wait()
        shutil.rmtree(state, ignore_errors=True)
    return {k: {m: statistics.median(v) for m, v in d.items()} for k, d in got.items()}, rounds


def print_ab(result):
    ab, rounds = result
    print()
    print(f"A/B, interleaved: {rounds} rounds, each build's daemon with default settings, "
          "an undeliverable IRC target (9/tcp on loopback) so only the hand-over is timed")
    print(f"{'measure (median of rounds)':<40} {'before':>12} {'after':>12} {'after/before':>13}")
    for label, key, unit in (("vext --version", "version", "ms"),
                             ("vext send --via (acked)", "via", "ms")):
        a, b = ab["before"][key], ab["after"][key]
        print(f"{label:<40} {fmt(a, unit):>12} {fmt(b, unit):>12} {b / a:>13.3f}")
    a, b = ab["before"]["ingest"], ab["after"]["ingest"]
    print(f"{'durable ingest (8 clients, acked)':<40} {a:>10.0f}/s {b:>10.0f}/s {b / a:>13.3f}")


def main():
    if os.environ.get("BENCH_ONLY") == "ab":
        before = os.environ.get("VEXT_BEFORE")
        if not before:
            sys.exit("BENCH_ONLY=ab needs VEXT_BEFORE=path/to/the/other/vext")
        print_ab(ab_bench(os.path.abspath(before)))
        return
    if os.environ.get("BENCH_ONLY") == "bot":
        print_bot(bot_bench())
        return
    if os.environ.get("BENCH_ONLY") == "update":
        print_update(update_bench())
        return
    if os.environ.get("BENCH_ONLY") == "backlog":
        print_backlog(backlog_bench())
        return
    if os.environ.get("BENCH_ONLY") == "nats":
        print_nats(nats_bench())
        return
    if os.environ.get("BENCH_ONLY") == "forge":
        print_forge(forge_bench())
        return
    if os.environ.get("BENCH_ONLY") == "hook":
        hv, hi, pv, pi = hook_bench()
        print(f"{'git hook':<50} {'vext':>12} {'irkerhook':>12} {'vext/irker':>12}")
        print(f"{'one commit (vext hook git -n / irkerhook -n)':<50} {fmt(hv, 'ms'):>12} {fmt(hi, 'ms'):>12} {hv / hi:>12.3f}")
        print(f"{'post-receive of 50 commits':<50} {fmt(pv, 'ms'):>12} {fmt(pi, 'ms'):>12} {pv / pi:>12.3f}")
        return
    if not shutil.which("irkerd") or not shutil.which("irk") or not shutil.which("ngircd"):
        sys.exit("irkerd, irk and ngircd are needed: run `make deps`")
    fast = Ngircd(penalties=False)
    wide = Ngircd(penalties=False, maxjoins=250)
    results = {}
    relays = {}
    for kind in ("irkerd", "vext"):
        print(f"measuring {kind}...", file=sys.stderr)
        relays[kind] = measure(kind, fast, wide, results)
    hf = client_hyperfine(relays["vext"], fast)
    if not QUICK:
        print("pacing: 200 messages each, in parallel (about 200 s)...", file=sys.stderr)
        threads = [threading.Thread(target=pacing, args=(k, relays[k], results)) for k in relays]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for relay in relays.values():
        relay.stop()
    fast.stop()
    wide.stop()

    rows = [
        ("send process wall time (vext send --via / irk)", "client", "ms"),
        ("daemon start-up", "startup", "ms"),
        ("RSS at start", "rss_start", "MiB"),
        ("RSS after 50-channel fan-out", "rss_fanout", "MiB"),
        ("private (anonymous) memory at start", "anon_start", "MiB"),
        ("private (anonymous) memory after fan-out", "anon_fanout", "MiB"),
        ("cold latency (connect, register, join, deliver)", "cold", "ms"),
        ("warm latency (joined channel, 2.5 s apart)", "warm", "ms"),
        ("warm latency, 1.2-1.5 s apart (penalties off)", "warm_paced", "ms"),
        ("warm latency, 1.2-1.5 s apart (ngircd defaults)", "warm_paced_penalties", "ms"),
        ("second of a back-to-back pair", "pair", "ms"),
        ("last of 4 back to back after a steady pace", "four", "ms"),
        ("50 channels from one request (CHANLIMIT 10)", "fanout", "s"),
        ("50 channels from one request (CHANLIMIT 250)", "fanout_wide", "s"),
    ]
    if not QUICK:
        rows.append(("200 messages to one channel (default pacing)", "pace200", "s"))
    v, i = results["vext"], results["irkerd"]
    print(f"{'measure':<50} {'vext':>12} {'irkerd':>12} {'vext/irkerd':>12}")
    for label, key, unit in rows:
        a, b = v.get(key, float("nan")), i.get(key, float("nan"))
        ratio = (a / b) if (b and a == a and b == b) else float("nan")
        print(f"{label:<50} {fmt(a, unit):>12} {fmt(b, unit):>12} {ratio:>12.3f}")
    print(f"fan-out delivered: vext {v['fanout_delivered']}/50, irkerd {i['fanout_delivered']}/50; "
          f"CHANLIMIT 250: vext {v['fanout_wide_delivered']}/50, irkerd {i['fanout_wide_delivered']}/50")
    if "fanout_wide_penalties" in v:
        print(f"50 channels, CHANLIMIT 250, ngircd default penalties: vext "
              f"{fmt(v['fanout_wide_penalties'], 's')} ({v['fanout_wide_penalties_delivered']}/50 delivered)")
    if hf:
        irk, glibc, static = hf
        print()
        print("handing a notification to the relay, one hyperfine run (-N, 20 warm-up, 300 runs), mean wall time")
        print(f"{'irk (to irkerd)':<50} {fmt(irk, 'ms'):>12}")
        print(f"{'vext send --via, static musl binary':<50} {fmt(static, 'ms'):>12}   {irk / static:.1f}x faster than irk")
        print(f"{'vext send --via, glibc build':<50} {fmt(glibc, 'ms'):>12}   {irk / glibc:.1f}x faster than irk")
    sb = scan_bench()
    print()
    print(f"scan of {sb['docs']} manifest documents (2 cores)")
    print(f"{'vext scan --ndjson':<50} {fmt(sb['vext_s'], 'ms'):>12}  {sb['vext_n']} findings")
    print(f"{'grep -r image: . | sort':<50} {fmt(sb['grep_s'], 'ms'):>12}  {sb['grep_n']} lines")
    print(f"  grep misses {sb['grep_missed_dockerfile']} Dockerfile images (FROM/COPY --from), leaves "
          f"{sb['grep_unresolved']} \${{VAR}} references unresolved, reports {sb['grep_not_manifest']} non-manifest "
          f"line(s) (CI YAML), and normalises nothing (nginx vs docker.io/library/nginx:latest)")
    cv, cs, same, reqs = check_bench()
    print()
    print("check: 200 repositories x 50 tags on a local docker-registry")
    print(f"{'vext check --json':<50} {fmt(cv, 's'):>12}   {reqs.split('info: ')[-1]}")
    if cs is not None:
        print(f"{'for img in ...; do skopeo list-tags ...; done':<50} {fmt(cs, 's'):>12}   ratio {cv / cs:.3f}, same newest tags: {same}")
    mb = matrix_bench()
    if mb:
        print()
        print(f"{'Matrix notice (process wall time)':<50} {'vext':>12} {'apprise':>12} {'ratio':>12}")
        print(f"{'vext send matrix:// (token) / apprise (login)':<50} {fmt(mb[0], 'ms'):>12} {fmt(mb[1], 'ms'):>12} {mb[0] / mb[1]:>12.3f}")
    hv, hi, pv, pi = hook_bench()
    print()
    print(f"{'git hook':<50} {'vext':>12} {'irkerhook':>12} {'vext/irker':>12}")
    print(f"{'one commit (vext hook git -n / irkerhook -n)':<50} {fmt(hv, 'ms'):>12} {fmt(hi, 'ms'):>12} {hv / hi:>12.3f}")
    print(f"{'post-receive of a 50-commit push':<50} {fmt(pv, 'ms'):>12} {fmt(pi, 'ms'):>12} {pv / pi:>12.3f}")
    if os.path.exists(INGEST):
        disk = ingest(os.environ.get("BENCH_DISK_DIR", os.getcwd()))
        tmpfs = ingest("/dev/shm")
        print()
        print("durable ingest (8 clients, 64 in flight each, ack after commit; irkerd has no acks or spool)")
        print(f"{'spool on disk (fsync per group commit)':<50} {disk:>10.0f}/s")
        print(f"{'spool on tmpfs (no real fsync cost)':<50} {tmpfs:>10.0f}/s")
        print(f"{'cost of durability (disk / tmpfs)':<50} {disk / tmpfs:>12.3f}")
        print_backlog(backlog_bench())
    print_update(update_bench())
    print_nats(nats_bench())
    print_forge(forge_bench())
    print_bot(bot_bench())
    if not QUICK:
        print(
            f"pacing run delivered: vext {v['pace_delivered']}/200 ({v['pace_disconnects']} disconnects), "
            f"irkerd {i['pace_delivered']}/200 ({i['pace_disconnects']} disconnects)"
        )



def forge_bench():
    """Forge webhooks: the time from a signed GitHub push webhook to its
    lines at ngircd (1 commit, 100 commits: 5 shown and a count), beside
    `vext hook git --stdin` handing the same push to the daemon; signed
    webhooks accepted per second (4 clients, a new connection each, as
    forges call); the daemon's peak resident set while it takes a 5 MB push
    payload. ngircd with its default penalties; the daemon's default pacing
    (burst 5, then 1 line/s per connection)."""
    import hashlib
    import hmac
    import http.client
    secret = "bench-forge-secret-0123456789"
    ircd = Ngircd(penalties=True)
    obs = Observer(ircd.port, ["#forge", "#hook", "#flood"])
    work = tempfile.mkdtemp(prefix="vext-bench-forge-")
    sec = os.path.join(work, "secret")
    with open(sec, "w") as f:
        f.write(secret + "\n")
    os.chmod(sec, 0o600)
    cfg = os.path.join(work, "vext.toml")
    with open(cfg, "w") as f:
        f.write(f'[forge]\ngithub_secret_file = "{sec}"\n\n'
                f'[[forge.route]]\nrepository = "bench/forge"\nto = ["{ircd.url("forge")}"]\n\n'
                f'[[forge.route]]\nrepository = "bench/flood"\nto = ["{ircd.url("flood")}"]\n')
    state = tempfile.mkdtemp(prefix="vext-bench-state-")
    proc = spawn([VEXT, "--config", cfg, "daemon", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
                  "--state-dir", state, "-q"], stderr=subprocess.PIPE, text=True)
    ready = proc.stderr.readline()
    fields = dict(f.split("=", 1) for f in ready.split() if "=" in f)
    threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
    tcp = fields["tcp"]
    hhost, hport = fields["http"].rsplit(":", 1)

    def payload(repo, n, size=0):
        commits = [{
            "id": hashlib.sha1(f"{repo}{i}".encode()).hexdigest(), "distinct": True,
            "message": f"commit {i}" + (" " + "x" * size if size else ""),
            "timestamp": "2026-12-01T10:00:00Z",
            "url": f"https://github.com/{repo}/commit/{i}",
            "author": {"name": "Ada", "email": "ada@example.org"},
            "added": [], "removed": [], "modified": [f"src/f{i % 7}.rs"],
        } for i in range(n)]
        return json.dumps({"ref": "refs/heads/main", "before": "1" * 40, "after": "2" * 40,
                           "created": False, "deleted": False, "forced": False, "commits": commits,
                           "repository": {"name": repo.split("/")[1], "full_name": repo},
                           "sender": {"login": "ada"}}).encode()

    seq = [0]
    def post(body):
        seq[0] += 1
        sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        c = http.client.HTTPConnection(hhost, int(hport), timeout=60)
        c.request("POST", "/v1/forge/github", body, {
            "X-GitHub-Event": "push", "X-GitHub-Delivery": f"bench-{seq[0]}-{random.random()}",
            "X-Hub-Signature-256": sig, "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status

    def latency(n, runs=5):
        firsts, lasts = [], []
        want = min(n, 5) + (1 if n > 5 else 0)
        for run in range(runs):
            tag = f"r{n}x{run}"
            body = payload("bench/forge", n).replace(b"commit ", f"{tag} commit ".encode())
            settle()
            t0 = time.monotonic()
            assert post(body) == 202
            # The count line ("... and 95 more commits") carries no tag.
            ts = obs.wait_msgs(lambda m: tag in m[3] or (m[0] > t0 and "more commits" in m[3]), want, 30)
            if len(ts) >= want:
                firsts.append(ts[0] - t0)
                lasts.append(ts[want - 1] - t0)
            time.sleep(6)  # the pacing bucket refills
        return median(firsts), median(lasts)

    print("forge: latency (about 2 min)...", file=sys.stderr)
    one = latency(1)
    hundred = latency(100)
    # vext hook git --stdin for a one-commit push, to the same daemon.
    repo = os.path.join(work, "repo")
    os.mkdir(repo)
    env = dict(os.environ, GIT_AUTHOR_NAME="Ada", GIT_AUTHOR_EMAIL="ada@example.org",
               GIT_COMMITTER_NAME="Ada", GIT_COMMITTER_EMAIL="ada@example.org")
    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, env=env, check=True,
                              capture_output=True, text=True).stdout.strip()
    git("init", "-q", "-b", "main")
    git("config", "irker.channels", ircd.url("hook"))
    hook = []
    for run in range(5):
        with open(os.path.join(repo, "f"), "a") as f:
            f.write(f"{run}\n")
        git("add", "-A")
        git("commit", "-qm", f"hook{run} commit")
        revs = git("rev-list", "HEAD").split()
        old = revs[1] if len(revs) > 1 else "0" * 40
        settle()
        t0 = time.monotonic()
        subprocess.run([VEXT, "hook", "git", "--stdin", f"--server={tcp}"], cwd=repo,
                       input=f"{old} {revs[0]} refs/heads/main\n", text=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        ts = obs.wait_msgs(lambda m, r=run: f"hook{r} commit" in m[3], 1, 30)
        if ts:
            hook.append(ts[0] - t0)
        time.sleep(2)
    # Accepted per second, signatures checked, each stored in the spool.
    body = payload("bench/flood", 1)
    n_each, clients = 100, 4
    statuses = []
    def client():
        for _ in range(n_each):
            statuses.append(post(body))
    t0 = time.monotonic()
    ts = [threading.Thread(target=client) for _ in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    rate = len([s for s in statuses if s == 202]) / (time.monotonic() - t0)
    # Peak resident set while a 5 MB payload is taken.
    before = rss_kib(proc.pid)
    big = payload("bench/forge", 5000, size=1000)
    status = post(big)
    with open(f"/proc/{proc.pid}/status") as f:
        hwm = int([l for l in f if l.startswith("VmHWM:")][0].split()[1])
    proc.kill()
    proc.wait()
    ircd.stop()
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
    return {"one": one, "hundred": hundred, "hook": median(hook) if hook else float("nan"),
            "rate": rate, "accepted": len([s for s in statuses if s == 202]), "sent": len(statuses),
            "rss_before": before, "hwm": hwm, "big_bytes": len(big), "big_status": status}


def print_forge(r):
    print()
    print("forge webhooks (ngircd default penalties, daemon default pacing, median of 5)")
    print(f"{'GitHub push, 1 commit: webhook -> line at ngircd':<50} {fmt(r['one'][0], 'ms'):>12}")
    print(f"{'vext hook git --stdin, 1 commit: start -> line':<50} {fmt(r['hook'], 'ms'):>12}")
    print(f"{'GitHub push, 100 commits: first line':<50} {fmt(r['hundred'][0], 'ms'):>12}")
    print(f"{'GitHub push, 100 commits: 6th (last) line':<50} {fmt(r['hundred'][1], 'ms'):>12}"
          "   (5 commits and a count; the 6th waits for the pacing)")
    print(f"{'signed webhooks accepted (4 clients, stored)':<50} {r['rate']:>10.0f}/s"
          f"   {r['accepted']}/{r['sent']} answered 202")
    print(f"{'peak RSS taking a ' + format(r['big_bytes'] / 1e6, '.1f') + ' MB push payload':<50}"
          f" {fmt(r['hwm'], 'MiB'):>12}   (before: {fmt(r['rss_before'], 'MiB')}, answer {r['big_status']})")

class NatsServer:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vext-bench-nats-")
        self.port = free_port()
        self.proc = spawn(
            ["nats-server", "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_port(self.port):
            sys.exit("nats-server did not start")
        time.sleep(0.3)
        self.url = f"nats://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_daemon(extra):
    state = tempfile.mkdtemp(prefix="vext-bench-state-")
    proc = spawn(
        [VEXT, "daemon", "--listen", "127.0.0.1:0", "--state-dir", state, "-q", *extra],
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = proc.stderr.readline()
    tcp = [f.split("=", 1)[1] for f in ready.split() if f.startswith("tcp=")][0]
    threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
    host, port = tcp.rsplit(":", 1)
    return proc, (host, int(port)), state


def paced_stream(addrs, url, tag, rate, seconds):
    """Sends `rate` messages a second for `seconds`, round-robin over the
    daemons (one connection each, no acks: irker's fire-and-forget); returns
    the send time of each message."""
    socks = [socket.create_connection(a) for a in addrs]
    for s in socks:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sent = {}
    n = int(rate * seconds)
    t0 = time.monotonic()
    for i in range(n):
        due = t0 + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        text = f"{tag} {i}"
        line = json.dumps({"to": url, "privmsg": text, "id": f"{tag}-{i}-{os.getpid()}"}) + "\n"
        sent[text] = time.monotonic()
        socks[i % len(socks)].sendall(line.encode())
    for s in socks:
        s.close()
    return sent


def latencies(obs, sent, timeout):
    until = time.monotonic() + timeout
    got = {}
    while time.monotonic() < until and len(got) < len(sent):
        with obs.lock:
            for m in obs.msgs:
                if m[3] in sent and m[3] not in got:
                    got[m[3]] = m[0] - sent[m[3]]
        time.sleep(0.1)
    lat = sorted(got.values())
    if not lat:
        return float("nan"), float("nan"), 0
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return statistics.median(lat), p99, len(lat)


def nats_bench():
    """vext daemon --nats against the single-node spool, same machine, same
    run: acknowledged intake (8 clients), end-to-end latency at 200
    messages/s across three daemons, and the pause a kill -9 of the daemon
    delivering to the IRC network causes."""
    if not shutil.which("nats-server"):
        return None
    r = {}
    nats = NatsServer()
    cfg_dir = tempfile.mkdtemp(prefix="vext-bench-natscfg-")
    cfg = os.path.join(cfg_dir, "vext.toml")
    with open(cfg, "w") as f:
        f.write('[nats]\nack_wait = "5s"\nlease_ttl = "2s"\nmax_deliver = 1\n')
    if os.path.exists(INGEST):
        r["ingest_spool"] = ingest(os.environ.get("BENCH_DISK_DIR", os.getcwd()))
        r["ingest_nats"] = ingest(
            os.environ.get("BENCH_DISK_DIR", os.getcwd()), ["--config", cfg, "--nats", nats.url]
        )
    # The ingest run left its notifications (to a closed port) in the
    # stream: the rest runs on a fresh server.
    nats.stop()
    nats = NatsServer()
    ircd = Ngircd(penalties=False)
    fast = ["--burst", "50", "--line-rate", "400"]
    # Single node: one daemon, its own spool.
    obs = Observer(ircd.port, ["#lat1"])
    settle()
    single, addr, st = start_daemon(fast)
    warm = paced_stream([addr], ircd.url("lat1"), "warmup1", 10, 0.5)
    latencies(obs, warm, 10)
    sent = paced_stream([addr], ircd.url("lat1"), "s", 200, 10)
    r["lat_spool"] = latencies(obs, sent, 30)
    single.terminate()
    single.wait()
    shutil.rmtree(st, ignore_errors=True)
    # Three daemons on one stream.
    obs3 = Observer(ircd.port, ["#lat3"])
    settle()
    daemons = [start_daemon(["--config", cfg, "--nats", nats.url, *fast]) for _ in range(3)]
    addrs = [d[1] for d in daemons]
    warm = paced_stream(addrs, ircd.url("lat3"), "warmup3", 10, 1)
    latencies(obs3, warm, 15)
    sent = paced_stream(addrs, ircd.url("lat3"), "n", 200, 10)
    r["lat_nats"] = latencies(obs3, sent, 30)
    # kill -9 of the daemon that holds the IRC network, mid-stream at 50/s.
    status = json.loads(
        subprocess.run([VEXT, "nats", "status", "--nats", nats.url, "--json"], capture_output=True, text=True).stdout
    )
    holder = [l["holder"] for l in status["leases"] if l["network"].endswith(f"_{ircd.port}")][0]
    victim = [d for d in daemons if holder.endswith(f"pid {d[0].pid}")][0]
    others = [d[1] for d in daemons if d is not victim]
    stream = threading.Thread(target=lambda: r.__setitem__("kill_sent", paced_stream(others, ircd.url("lat3"), "k", 50, 12)))
    stream.start()
    time.sleep(3)
    killed_at = time.monotonic()
    victim[0].kill()
    stream.join()
    latencies(obs3, r["kill_sent"], 30)
    with obs3.lock:
        times = sorted(m[0] for m in obs3.msgs if m[3].startswith("k "))
    before = [t for t in times if t <= killed_at]
    after = [t for t in times if t > killed_at]
    r["kill_gap"] = (after[0] - killed_at) if after else float("nan")
    r["kill_delivered"] = len({m[3] for m in obs3.msgs if m[3].startswith("k ")})
    r["kill_total"] = len(r["kill_sent"])
    r["kill_before"] = len(before)
    for d in daemons:
        d[0].kill()
        d[0].wait()
        shutil.rmtree(d[2], ignore_errors=True)
    ircd.stop()
    nats.stop()
    shutil.rmtree(cfg_dir, ignore_errors=True)
    return r


def print_nats(r):
    if not r:
        return
    print()
    print("NATS JetStream (nats-server 2.9 on loopback; ngircd penalties off; daemons --burst 50 --line-rate 400)")
    print(f"{'':<50} {'--nats':>12} {'spool':>12} {'ratio':>12}")
    if "ingest_nats" in r:
        a, b = r["ingest_nats"], r["ingest_spool"]
        print(f"{'acknowledged intake, 8 clients x 64 in flight':<50} {a:>10.0f}/s {b:>10.0f}/s {a / b:>12.3f}")
    (m3, p3, n3), (m1, p1, n1) = r["lat_nats"], r["lat_spool"]
    print(f"{'latency at 200 msg/s, median (3 daemons / 1)':<50} {fmt(m3, 'ms'):>12} {fmt(m1, 'ms'):>12} {m3 / m1:>12.3f}")
    print(f"{'latency at 200 msg/s, p99 (3 daemons / 1)':<50} {fmt(p3, 'ms'):>12} {fmt(p1, 'ms'):>12} {p3 / p1:>12.3f}")
    print(f"  delivered: {n3}/2000 through NATS, {n1}/2000 through the spool")
    print(
        f"kill -9 of the IRC network's daemon at 50 msg/s (ack_wait 5 s, lease_ttl 2 s): "
        f"next message after {r['kill_gap']:.2f} s; {r['kill_delivered']}/{r['kill_total']} delivered"
    )


def print_update(u):
    if not u:
        return
    print()
    print("update of one container with a published port (3 runs each, median; client polls every 10 ms)")
    print(f"{'':<50} {'vext':>12} {'docker CLI':>12} {'ratio':>12}")
    vw = median([r[0] for r in u["vext"]]); cw = median([r[0] for r in u["cli"]])
    vg = median([r[1] for r in u["vext"]]); cg = median([r[1] for r in u["cli"]])
    vf = median([r[2] for r in u["vext"]]); cf = median([r[2] for r in u["cli"]])
    print(f"{'wall time (pull, recreate; no gate wait)':<50} {fmt(vw, 's'):>12} {fmt(cw, 's'):>12} {vw / cw:>12.3f}")
    print(f"{'downtime a polling client sees':<50} {fmt(vg, 'ms'):>12} {fmt(cg, 'ms'):>12} {(vg / cg if cg else float('nan')):>12.3f}")
    print(f"{'failed requests during the update':<50} {vf:>12} {cf:>12}")
    vo = median([r[3] for r in u["vext"]])
    print(f"{'vext own time (wall less waits on the engine)':<50} {fmt(vo, 'ms'):>12}   (goal < 100 ms)")
    print(f"{'vext update --plan, 200 containers, 20 projects':<50} {fmt(u['plan_s'], 'ms'):>12}   "
          f"{u['planned']} planned, dependency order: {'yes' if u['in_order'] else 'NO'}")
    if u.get("plan_before"):
        b, n, ok = u["plan_before"]
        print(f"{'  the same with VEXT_BEFORE':<50} {fmt(b, 'ms'):>12}   "
              f"{n} planned, dependency order: {'yes' if ok else 'no'}; ratio {u['plan_s'] / b:.3f}")


if __name__ == "__main__":
    main()
