"""A loopback OpenAI-compatible server of the tests' own, and the client, rows and annotator the tests use."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from nerlab.annotate.annotator import LLMAnnotator, entity_reader
from nerlab.annotate.client import ChatClient, ClientConfig
from nerlab.annotate.parse import TypeNames

SECRET = "sk-test-0123456789-secret"
NAMES = TypeNames(["LOC", "PER"])


class FakeLLM:
    """Answers chat completions; ``script`` gives the status of the first requests (then 200s)."""

    def __init__(self, script=(), delay=0.0, answer='{"PER": ["Ann"]}', body=None, trickle=None):
        """``body``: the JSON value answered instead of a chat completion (a malformed server); ``trickle``:
        seconds between the bytes of the answer (a server that never quite finishes)."""
        self.script, self.delay, self.answer = list(script), delay, answer
        self.body, self.trickle = body, trickle
        self.requests, self.auth = [], []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                fake.auth.append(self.headers.get("Authorization"))
                status = fake.script.pop(0) if fake.script else 200
                if fake.delay:
                    time.sleep(fake.delay)
                if status != 200:
                    self.send_response(status)
                    if status == 429:
                        self.send_header("Retry-After", "0")
                    self.end_headers()
                    return
                answer = fake.body if fake.body is not None else {
                    "choices": [{"message": {"content": fake.answer}}],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 5}}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if fake.trickle:
                    for i in range(len(data)):
                        self.wfile.write(data[i:i + 1])
                        self.wfile.flush()
                        time.sleep(fake.trickle)
                else:
                    self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def client(url, retries=4, key_env=None, timeout=10.0):
    return ChatClient(ClientConfig(url, "test-model", key_env, timeout=timeout, max_retries=retries, backoff=0.01))


def rows(n):
    return [{"id": f"s{i}", "tokens": ["Ann", "met", f"Bob{i}"], "tags": ["B-PER", "O", "B-PER"]} for i in range(n)]


def annotator(c, cache, concurrency=1, max_consecutive_failures=0):
    build = lambda row: [{"role": "user", "content": " ".join(row["tokens"])}]  # noqa: E731
    return LLMAnnotator(c, cache, "openai", {"temperature": 0.0, "max_tokens": 20}, build, entity_reader(NAMES),
                        concurrency, max_consecutive_failures)
