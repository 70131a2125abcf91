"""A tiny threaded TCP proxy on 127.0.0.1 for network fault tests."""

from __future__ import annotations

import contextlib
import select
import socket
import threading

__all__ = ["FaultProxy"]

HOST = "127.0.0.1"


class _Conn:
    """One proxied client <-> upstream socket pair, pumped by its own thread."""

    def __init__(self, client: socket.socket, upstream: socket.socket, limit: int | None) -> None:
        self.client = client
        self.upstream = upstream
        self.limit = limit  # max bytes server -> client, then cut
        self.server_bytes = 0
        self.client_bytes = 0
        self._closed = threading.Event()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def pump(self) -> None:
        socks = [self.client, self.upstream]
        try:
            if self.limit == 0:
                return
            while not self._closed.is_set():
                readable, _, _ = select.select(socks, [], [], 0.2)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is self.upstream:
                        if self.limit is not None:
                            data = data[: self.limit - self.server_bytes]
                        self.client.sendall(data)
                        self.server_bytes += len(data)
                        if self.limit is not None and self.server_bytes >= self.limit:
                            return
                    else:
                        self.upstream.sendall(data)
                        self.client_bytes += len(data)
        except (OSError, ValueError):
            return
        finally:
            self.close()


class FaultProxy:
    """Forward 127.0.0.1:``port`` to ``target_host:target_port`` with injectable faults.

    * ``drop_all()`` closes every open connection immediately.
    * ``cut_after(n)`` makes the next connection(s) forward only ``n`` bytes from the
      server, then close both sides (a server dropping the link mid-response).
    * ``stop()`` / ``start()`` keep the same port (refused while stopped).
    """

    host: str = HOST

    def __init__(self, target_host: str, target_port: int, port: int = 0) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = port
        self.connections_total = 0
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[_Conn] = set()
        self._lock = threading.Lock()
        self._cut_bytes: int | None = None
        self._cut_remaining: int | None = None  # None = every future connection

    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<FaultProxy {self.host}:{self.port} -> {self.target_host}:{self.target_port}>"

    @property
    def open_connections(self) -> int:
        """Number of currently open proxied connections."""
        with self._lock:
            return len(self._conns)

    def start(self) -> None:
        """Start accepting connections (reusing the previous port if any)."""
        if self._listener is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = threading.Thread(
            target=self._accept_loop, args=(listener,), name=f"FaultProxy:{self.port}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and close all connections."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self.drop_all()

    def drop_all(self) -> None:
        """Close every open connection now (both sides)."""
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            conn.close()

    def cut_after(self, server_bytes: int | None, connections: int | None = None) -> None:
        """Forward only ``server_bytes`` server->client bytes on new connections, then close.

        ``connections``: how many upcoming connections are affected (None = all until
        ``cut_after(None)`` resets it). Already open connections are not affected.
        """
        with self._lock:
            self._cut_bytes = server_bytes
            self._cut_remaining = connections if server_bytes is not None else None

    def _next_limit(self) -> int | None:
        with self._lock:
            limit = self._cut_bytes
            if limit is not None and self._cut_remaining is not None:
                self._cut_remaining -= 1
                if self._cut_remaining <= 0:
                    self._cut_bytes = None
                    self._cut_remaining = None
            return limit

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection((self.target_host, self.target_port), 5)
            except OSError:
                client.close()  # target down: behave like a dead server
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.settimeout(None)
            conn = _Conn(client, upstream, self._next_limit())
            with self._lock:
                self._conns.add(conn)
                self.connections_total += 1
            threading.Thread(
                target=self._run_conn, args=(conn,), name="FaultProxyConn", daemon=True
            ).start()

    def _run_conn(self, conn: _Conn) -> None:
        try:
            conn.pump()
        finally:
            with self._lock:
                self._conns.discard(conn)
