"""Local servers for the corporate-network scenarios, all on 127.0.0.1 (port 0):

- a throw-away certificate authority and a server certificate for `*.corp.test`;
- TlsFront: an HTTPS reverse proxy signed by that CA in front of a plain-HTTP backend
  (a cloud fake, or a static file);
- ConnectProxy: an HTTP CONNECT proxy that requires Basic credentials and resolves
  `*.corp.test` to 127.0.0.1 (so a request can only arrive through it), recording targets;
- HungServer: accepts connections and reads requests, never answers.
"""

from __future__ import annotations

import base64
import datetime
import http.client
import http.server
import ipaddress
import pathlib
import select
import socket
import socketserver
import ssl
import threading
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOMAIN = "corp.test"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wire acceptance")])


class ThrowawayCa:
    """A CA and one server certificate, written as PEM files into `directory`."""

    def __init__(self, directory: pathlib.Path, hosts: list[str]):
        now = datetime.datetime.now(datetime.timezone.utc)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = (x509.CertificateBuilder()
                   .subject_name(_name("wire throw-away CA")).issuer_name(_name("wire throw-away CA"))
                   .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .sign(ca_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        sans = [x509.DNSName(h) for h in hosts] + [x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        cert = (x509.CertificateBuilder()
                .subject_name(_name(hosts[0])).issuer_name(ca_cert.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        directory.mkdir(parents=True, exist_ok=True)
        self.ca_file = directory / "ca.pem"
        self.cert_file = directory / "server.pem"
        self.key_file = directory / "server.key"
        self.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        self.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                    serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))


class _ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class TlsFront:
    """HTTPS on 127.0.0.1:<port> forwarding every request to `backend` (http://host:port),
    or serving `static` bodies by path."""

    def __init__(self, ca: ThrowawayCa, backend: str | None = None, static: dict[str, bytes] | None = None,
                 public_host: str = "localhost"):
        self.backend = urllib.parse.urlsplit(backend) if backend else None
        self.backend_base = f"{self.backend.scheme}://{self.backend.netloc}" if self.backend else ""
        self.public_host = public_host
        self.static = static or {}
        self.requests: list[tuple[str, str, str]] = []  # (method, host header, path)
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                front.requests.append((self.command, self.headers.get("Host", ""), self.path))
                if front.backend is None:
                    data = front.static.get(self.path.split("?")[0])
                    status = 200 if data is not None else 404
                    data = data if data is not None else b"not found"
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                conn = http.client.HTTPConnection(front.backend.hostname, front.backend.port, timeout=60)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "content-length")}
                # The Host header is kept: it is part of what SigV4 signs.
                headers["Host"] = self.headers.get("Host", "")
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                # Links the backend hands out (operation URLs, next pages) point back at it:
                # rewrite them so that the client keeps going through this front.
                # (the backend may build them from its own address or from the Host header).
                public = front.url(front.public_host)
                seen_as = "http://" + self.headers.get("Host", "")

                def rewrite(text: str) -> str:
                    return text.replace(front.backend_base, public).replace(seen_as, public)

                data = rewrite(resp.read().decode("latin-1")).encode("latin-1")
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, rewrite(v))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        self.server = _ThreadingServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(ca.cert_file), str(ca.key_file))
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, host: str) -> str:
        return f"https://{host}:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class ConnectProxy:
    """CONNECT-only forward proxy with Basic authentication. `*.corp.test` resolves to
    127.0.0.1; every other name is refused (nothing leaves the machine)."""

    def __init__(self, user: str, password: str):
        self.expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.targets: list[str] = []
        self.refused_auth = 0
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
                if headers.get("proxy-authorization") != proxy.expected:
                    proxy.refused_auth += 1
                    self.request.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                                         b"Proxy-Authenticate: Basic realm=\"corp\"\r\n"
                                         b"Content-Length: 0\r\n\r\n")
                    return
                if method != "CONNECT":
                    self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                    return
                host, _, port = target.rpartition(":")
                if not (host == DOMAIN or host.endswith("." + DOMAIN)):
                    self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                    return
                proxy.targets.append(target)
                upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=30)
                self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                socks = [self.request, upstream]
                try:
                    while True:
                        r, _, _ = select.select(socks, [], [], 60)
                        if not r:
                            return
                        for s in r:
                            data = s.recv(65536)
                            if not data:
                                return
                            (upstream if s is self.request else self.request).sendall(data)
                finally:
                    upstream.close()

        class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, user: str, password: str) -> str:
        return f"http://{user}:{password}@127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class HungServer:
    """Accepts connections and reads requests; never answers until stopped."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.conns: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._read, args=(c,), daemon=True).start()

    def _read(self, c: socket.socket):
        try:
            while not self.stopped.is_set():
                data = c.recv(65536)
                if not data:
                    return
                if b"\r\n\r\n" in data:
                    self.requests += 1
        except OSError:
            return

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.stopped.set()
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass
