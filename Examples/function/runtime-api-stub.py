#!/usr/bin/env python3
"""A loopback stand-in for the Lambda Runtime API, for testing the function as a custom runtime.

    runtime-api-stub.py EVENTS ANSWERS

Listens on 127.0.0.1 (a free port, printed on stdout), hands out each line of EVENTS as one
invocation (GET /2018-06-01/runtime/invocation/next, request ids req-1, req-2, ...), writes each
answer posted to /2018-06-01/runtime/invocation/<id>/response to ANSWERS in event order, and exits
once every event is answered (answering the next GET with 500, as an endpoint going away would).
Exits 1 on a request the Runtime API does not have or an answer to an unknown request id."""
import http.server, sys

events = [line.rstrip("\n") for line in open(sys.argv[1]) if line.strip()]
answers = {}
failures = []
PREFIX = "/2018-06-01/runtime/invocation/"


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != PREFIX + "next":
            failures.append(f"GET {self.path}")
            return self.reply(404)
        issued = self.server.issued
        if issued == len(events):
            self.server.done = True
            return self.reply(500, b'{"errorMessage":"stub: no more events"}')
        self.server.issued += 1
        self.reply(200, events[issued].encode(), [("Lambda-Runtime-Aws-Request-Id", f"req-{issued + 1}"),
                                                  ("Lambda-Runtime-Deadline-Ms", "4102444800000"),
                                                  ("Content-Type", "application/json")])

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = self.path[len(PREFIX):].split("/") if self.path.startswith(PREFIX) else []
        if len(parts) != 2 or parts[1] != "response" or not parts[0].startswith("req-"):
            failures.append(f"POST {self.path}")
            return self.reply(404)
        answers[int(parts[0][4:])] = body.decode()
        self.reply(202, b'{"status":"OK"}')

    def log_message(self, *arguments):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
server.issued, server.done = 0, False
print(server.server_address[1], flush=True)
while not server.done:
    server.handle_request()
with open(sys.argv[2], "w") as output:
    output.writelines(answers.get(index, "<no answer>") + "\n" for index in range(1, len(events) + 1))
if failures:
    sys.exit("runtime API stub: unexpected requests: " + ", ".join(failures))
