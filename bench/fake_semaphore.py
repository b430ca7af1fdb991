"""A fake Semaphore UI for the bot benchmark (the tests have their own in
Rust): projects, templates, tasks whose status the benchmark sets, and the
time each task was posted."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSemaphore:
    def __init__(self, token):
        self.token = token
        self.lock = threading.Lock()
        self.tasks = {}  # id -> status
        self.posted = []  # (monotonic time, task id)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, value):
                body = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def route(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self.reply(401, {"error": "Invalid token"})
                parts = self.path.split("?")[0].strip("/").split("/")[1:]
                if parts == ["projects"]:
                    return self.reply(200, [{"id": 1, "name": "Infra"}])
                if parts == ["project", "1", "templates"]:
                    return self.reply(200, [{"id": 5, "name": "Deploy"}])
                if method == "POST" and parts == ["project", "1", "tasks"]:
                    with fake.lock:
                        tid = 100 + len(fake.tasks)
                        fake.tasks[tid] = "waiting"
                        fake.posted.append((time.monotonic(), tid))
                    return self.reply(201, {"id": tid, "template_id": body.get("template_id"), "status": "waiting"})
                if len(parts) >= 4 and parts[:3] == ["project", "1", "tasks"]:
                    with fake.lock:
                        status = fake.tasks.get(int(parts[3]) if parts[3].isdigit() else -1)
                    if status is None:
                        return self.reply(404, {"error": "not found"})
                    if len(parts) == 5 and parts[4] == "output":
                        return self.reply(200, [{"task_id": int(parts[3]), "time": "2026-11-29T00:00:00Z", "output": "ok"}])
                    return self.reply(200, {"id": int(parts[3]), "status": status})
                return self.reply(404, {"error": "no such endpoint"})

            def do_GET(self):
                self.route("GET")

            def do_POST(self):
                self.route("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def set_status(self, task, status):
        with self.lock:
            self.tasks[task] = status

    def stop(self):
        self.server.shutdown()
