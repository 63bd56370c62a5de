"""A loopback TCP proxy that counts SQS API calls (by their X-Amz-Target
header, so it counts evscope's and boto3's calls alike) and the most calls
in flight at once. Used by sqs_bench.py; no dependencies."""

import socket
import threading
from collections import Counter


class CountingProxy:
    def __init__(self, upstream_port):
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(256)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.reset()
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self):
        with self.lock:
            self.calls = Counter()
            self.in_flight = Counter()
            self.peak = Counter()
            self.peak_total = 0
            self.total_in_flight = 0

    def _accept(self):
        while True:
            client, _ = self.listener.accept()
            server = socket.create_connection(self.upstream)
            state = {"op": None}
            threading.Thread(target=self._up, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, state), daemon=True).start()

    def _up(self, src, dst, state):
        tail = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                window = (tail + data).lower()
                start = 0
                while True:
                    i = window.find(b"x-amz-target: amazonsqs.", start)
                    if i < 0:
                        break
                    end = window.find(b"\r\n", i)
                    if end < 0:
                        break
                    op = (tail + data)[i + len(b"x-amz-target: amazonsqs."):end].decode()
                    with self.lock:
                        self.calls[op] += 1
                        self.in_flight[op] += 1
                        self.total_in_flight += 1
                        self.peak[op] = max(self.peak[op], self.in_flight[op])
                        self.peak_total = max(self.peak_total, self.total_in_flight)
                    state["op"] = op
                    start = end
                tail = data[-64:]
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _down(self, src, dst, state):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if data.startswith(b"HTTP/1.") and state["op"] is not None:
                    with self.lock:
                        self.in_flight[state["op"]] -= 1
                        self.total_in_flight -= 1
                    state["op"] = None
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
