"""rootlock test app: GET /notes lists notes, POST /notes adds one, GET /health."""
from http.server import BaseHTTPRequestHandler, HTTPServer

import notes

DB = "/app/data/notes.db"


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            self.reply(200, "ok\n")
        elif self.path == "/notes":
            self.reply(200, "".join(n + "\n" for n in notes.all_notes(DB)))
        else:
            self.reply(404, "not found\n")

    def do_POST(self):
        if self.path != "/notes":
            self.reply(404, "not found\n")
            return
        length = int(self.headers.get("Content-Length", 0))
        notes.add(DB, self.rfile.read(length).decode())
        self.reply(201, "stored\n")


if __name__ == "__main__":
    notes.all_notes(DB)  # fail at start, not at the first request, if the database is unusable
    print("pyapp: serving on 127.0.0.1:8000", flush=True)
    HTTPServer(("127.0.0.1", 8000), Handler).serve_forever()
