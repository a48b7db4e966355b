"""Two application servers behind nginx on one PostgreSQL database, without stickiness (issue 24 item 5).

Started as in a deployment: two ``ntm serve`` processes (gunicorn with 2 workers and a task worker each,
their own ``NTM_HOME`` as two hosts would have, the same ``NTM_SECRET_KEY`` and ``DATABASE_URL``) and
Debian's nginx balancing round-robin between them (no ``ip_hash``), in front. nginx adds the address of
the server that answered (``X-Upstream``) so the test knows which one did. Checked:

- a session started through one server works through the other;
- the log-in throttle counts failures answered by both: the sixth attempt is refused (429);
- a value saved through one server is visible through the other at once, in the API and on the commune
  page that server had kept (its memo of computed pages);
- a re-evaluation queued while both run is done by one of their task workers.

Needs a PostgreSQL ``DATABASE_URL`` (a new database is created beside it and dropped after) and nginx
(``.ci/run`` installs it); ports 8122–8124.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NTM = Path(sys.executable).with_name("ntm")
PG_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PORTS = (8122, 8123)
FRONT = 8124
UNIT, SET, PERIOD = "xa:13570@2024", "xa-ntm-2021", "2024-07"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="needs a postgres DATABASE_URL"),
    pytest.mark.skipif(NGINX is None, reason="needs nginx (apt-get install nginx-light)"),
]

NGINX_CONF = """
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream ntm {{
        server 127.0.0.1:{a};
        server 127.0.0.1:{b};
        keepalive 4;
    }}
    server {{
        listen 127.0.0.1:{front};
        client_max_body_size 60m;
        location / {{
            proxy_pass http://ntm;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def _env(home: Path, db_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(
        NTM_HOME=str(home),
        DATABASE_URL=db_url,
        NTM_SECRET_KEY="two-hosts-" + "s" * 50,
        NTM_LOG_LEVEL="ERROR",
        NTM_APP_LOG_LEVEL="ERROR",
        NTM_WORKER_BEAT_SECONDS="2",
    )
    return env


def _ntm(home: Path, db_url: str, *args: str) -> str:
    r = subprocess.run([str(NTM), *args], env=_env(home, db_url), cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


class Browser:
    """Cookies kept, redirects not followed; every answer with the server that gave it."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, method: str, path: str, data: dict | None = None, *, json_body=None, headers=None):
        url = f"http://127.0.0.1:{FRONT}{path}"
        body, hdrs = None, dict(headers or {})
        if json_body is not None:
            body, hdrs["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(url, data=body, method=method, headers=hdrs)
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def csrf(self, path: str) -> str:
        status, _, html = self.request("GET", path)
        assert status == 200, status
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def login(self, username: str, password: str):
        token = self.csrf("/tai-khoan/dang-nhap/")
        return self.request(
            "POST", "/tai-khoan/dang-nhap/", {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )


def _server(headers) -> str:
    return (headers.get("X-Upstream") or "").rsplit(":", 1)[-1]


def _wait_http(port: int, timeout: float = 240):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # 503 "degraded" is an answer
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"nothing answers on port {port}")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    import psycopg

    tmp = tmp_path_factory.mktemp("two-hosts")
    name = f"ntm_2h_{uuid.uuid4().hex[:8]}"
    admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
    db_url = PG_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    procs: list[subprocess.Popen] = []
    try:
        homes = [tmp / "host-a", tmp / "host-b"]
        for h in homes:
            h.mkdir()
        _ntm(homes[0], db_url, "setup")
        _ntm(
            homes[0], db_url, "manage", "shell", "-c", "from ntm.apps.accounts.testing import demo_users; demo_users()"
        )
        for home, port in zip(homes, PORTS):
            log = open(home / "serve.log", "w")
            procs.append(
                subprocess.Popen(
                    [str(NTM), "serve", "--port", str(port), "--workers", "2"],
                    cwd=ROOT,
                    env=_env(home, db_url),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        for port in PORTS:
            _wait_http(port)
        ngx = tmp / "nginx"
        ngx.mkdir()
        conf = ngx / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                user="user root;" if os.geteuid() == 0 else "", dir=ngx, a=PORTS[0], b=PORTS[1], front=FRONT
            )
        )
        procs.append(
            subprocess.Popen(
                [NGINX, "-p", str(ngx), "-c", str(conf), "-g", "daemon off;"],
                start_new_session=True,
                stderr=open(ngx / "stderr.log", "w"),
            )
        )
        _wait_http(FRONT, 30)
        yield {"db_url": db_url, "homes": homes}
    finally:
        for p in reversed(procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        with psycopg.connect(admin_url, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_session_started_on_one_server_works_on_the_other(deployment):
    b = Browser()
    status, headers, _ = b.login("demo_huyen", "ntm-demo")
    assert status == 302, status
    seen = set()
    for _ in range(6):
        status, headers, html = b.request("GET", "/nhap-lieu/")
        assert status == 200 and "Đăng xuất" in html
        seen.add(_server(headers))
    assert seen == {str(p) for p in PORTS}  # both servers answered, both knew the session


def test_the_log_in_throttle_counts_failures_answered_by_both_servers(deployment):
    b = Browser()
    answered = set()
    for i in range(5):
        if i % 2:  # each attempt is a GET (the form) and a POST: shift the round robin by one every other time
            b.request("GET", "/healthz")
        status, headers, _ = b.login("demo_xa", "sai-mat-khau")
        assert status == 200
        answered.add(_server(headers))
    assert answered == {str(p) for p in PORTS}
    status, _, html = b.login("demo_xa", "ntm-demo")  # the right password, too late
    assert status == 429 and "Đăng nhập sai quá nhiều lần" in html


def _until_other(b: Browser, path: str, not_from: str, **kw):
    for _ in range(4):  # round robin: the next request or the one after goes to the other server
        status, headers, body = b.request("GET", path, **kw)
        if _server(headers) != not_from:
            return status, body
    raise AssertionError("the other server never answered")


def test_a_value_saved_through_one_server_is_visible_through_the_other_at_once(deployment):
    api = Browser()
    status, _, body = api.request(
        "POST", "/api/v1/token/", json_body={"username": "demo_huyen", "password": "ntm-demo"}
    )
    assert status == 200, body
    auth = {"Authorization": f"Token {json.loads(body)['token']}"}
    page = Browser()
    assert page.login("demo_huyen", "ntm-demo")[0] == 302
    # a draft is not published: the reviewer looks at the figures including unapproved data (the
    # switch is kept in the session, so both servers must see it)
    switch = {"view": "all", "next": "/", "csrfmiddlewaretoken": page.csrf("/")}
    assert page.request("POST", "/so-lieu/", switch)[0] == 302
    commune = f"/don-vi/{UNIT}/?set={SET}&period={PERIOD}"
    for _ in range(4):  # both servers compute the commune page once and keep it
        assert page.request("GET", commune)[0] == 200
    results = f"/api/v1/results/?unit={UNIT}&set={SET}&period={PERIOD}&include_unapproved=true"
    for n, indicator in enumerate(["1.1", "2.1", "3.1"], start=1):
        status, headers, body = api.request(
            "POST",
            "/api/v1/observations/",
            headers=auth,
            json_body={"unit": UNIT, "set": SET, "period": PERIOD, "indicator": indicator, "assessment": True},
        )
        assert status == 201, body
        saved_by = _server(headers)
        status, body = _until_other(api, results, saved_by, headers=auth)
        rows = json.loads(body)["results"]
        assert status == 200 and rows and rows[0]["indicators_met"] == n
        status, html = _until_other(page, commune, saved_by)
        assert status == 200 and re.search(rf"(?<![0-9,]){n}/57", html), n


def test_a_re_evaluation_queued_is_run_by_a_task_worker(deployment):
    db_url, home = deployment["db_url"], deployment["homes"][1]
    out = _ntm(home, db_url, "reevaluate", "--set", SET)
    run = int(re.search(r"lượt #(\d+)", out).group(1))
    probe = (
        "from ntm.apps.evaluations.models import ReevaluationRun as R; from ntm.apps.ops.models import WorkerBeat; "
        "from django_tasks_db.models import DBTaskResult as T; import json; "
        f"r = R.objects.get(pk={run}); t = T.objects.filter(id=r.task_id).first(); "
        "print(json.dumps({'status': r.status, 'message': r.message, 'workers': t.worker_ids if t else [], "
        "'beating': list(WorkerBeat.objects.filter(kind='worker').values_list('worker_id', flat=True))}))"
    )
    end = time.monotonic() + 300
    while True:
        got = json.loads(_ntm(home, db_url, "manage", "shell", "-c", probe).strip().splitlines()[-1])
        if got["status"] in ("done", "failed") or time.monotonic() > end:
            break
        time.sleep(2)
    assert got["status"] == "done", got
    assert len(got["beating"]) == 2 and got["workers"] and got["workers"][-1] in got["beating"]
    status, _, body = Browser().request("GET", "/healthz")
    assert status == 200 and json.loads(body)["checks"]["worker"]["workers"] == 2, body
