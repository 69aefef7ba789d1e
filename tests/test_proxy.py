"""The reverse proxy of deploy/nginx/ in front of a running service: Debian's nginx with the
shipped site file (a self-signed certificate and free ports in place of the county's), checked by
`nginx -t`, then serving the console over TLS, redirecting plain HTTP, and hiding /metrics."""

import re
import ssl
import subprocess

import httpx
import pytest

from tests.support import ROOT, wait_until
from wastewatch.ingest.broker import free_port

SITE = ROOT / "deploy" / "nginx" / "wastewatch.conf"


@pytest.fixture
def certificate(tmp_path):
    key, cert = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def test_nginx_serves_the_console_over_tls_and_keeps_metrics_to_itself(
    write_config, broker, app, tmp_path, certificate
):
    running = app(write_config(broker))
    key, cert = certificate
    https, http = free_port(), free_port()
    site = SITE.read_text()
    site = site.replace("/etc/ssl/wastewatch/privkey.pem", str(key)).replace(
        "/etc/ssl/wastewatch/fullchain.pem", str(cert)
    )
    site = re.sub(r"listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;", site)
    site = re.sub(r"listen 80;", f"listen 127.0.0.1:{http};", site)
    site = "\n".join(line for line in site.splitlines() if "[::]" not in line)
    site = site.replace("127.0.0.1:8080", f"127.0.0.1:{running.config.web.port}")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path}/body;\n"
        f" proxy_temp_path {tmp_path}/proxy;\n include {tmp_path}/site.conf;\n}}\n"
    )
    command = ["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    server = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        client = httpx.Client(verify=ssl.create_default_context(cafile=str(cert)), timeout=10)
        base = f"https://localhost:{https}"
        wait_until(lambda: _answers(client, f"{base}/healthz"), what="nginx to answer")
        assert client.get(f"{base}/healthz").text == "ok"
        assert client.get(f"{base}/metrics").status_code == 404
        # The service itself answers /metrics to this machine: the proxy is what hides it.
        assert httpx.get(f"http://127.0.0.1:{running.config.web.port}/metrics").status_code == 200
        plain = httpx.get(f"http://127.0.0.1:{http}/login", headers={"host": "localhost"})
        assert plain.status_code == 301 and plain.headers["location"] == "https://localhost/login"
        signin = client.get(f"{base}/login")
        assert signin.status_code == 200 and "strict-transport-security" in signin.headers
    finally:
        server.terminate()
        server.wait(10)


def _answers(client, url) -> bool:
    try:
        return client.get(url).status_code == 200
    except httpx.HTTPError:
        return False
