"""The portal as a two-node cluster (issue #13): HAProxy in front of two gunicorn nodes, one
PostgreSQL database and one Redis shared by them, one rq worker, moto as the S3 API
(cluster/run.py starts it all on 127.0.0.1, once for the test session). Eight checks that what one
node does, the other sees, and that losing a node or the worker loses nothing:

1. a session started on one node works on the other (and ended there, is ended);
2. a page published through one node is purged and fresh on the other within a second;
3. an image uploaded through one node is served through the other;
4. an export queued on one node is written by the worker and downloaded through the other;
5. a shift of capacity N confirms exactly N when concurrent sign-ups go to both nodes;
6. the rate limits hold across nodes (the API's per token, the case reports' per account);
7. stopping a node halfway through a bounded load run loses no accepted write, and the
   balancer sends the rest to the other node;
8. the worker killed in the middle of an export neither loses nor doubles it.

They need PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), as CI's second pass has; they are
skipped without them, and fail instead under CI=true. Every load loop is bounded in count
and time. The cluster's own Redis database: CLUSTER_REDIS_URL, else REDIS_URL's server,
database 12 (12 + n on xdist's worker gwn: cluster/run.py).

Time on a 2-core machine: 94 s idle on a server without the migrated template database
(the first run: migrating 32 s), 65 s with it under a load of 3; under a load of 7–9,
100–115 s with it (start 28–30 s, check 7 17–29 s, check 8 22–33 s, the rest 1–7 s each) and
about 120 s more without it."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from cluster.run import Cluster, ClusterError, cluster_redis_url
from tests.cluster import seed
from tests.cluster.client import Client, form_fields
from tests.factories import PASSWORD

pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("cluster")]

SETUP = """
import django

django.setup()
from tests.cluster.seed import seed

seed()
"""
# The knobs of cluster/settings.py the checks turn.
API_RATE_LIMIT = 40
EXPORT_ROW_DELAY = 0.25  # seconds per row: an export of the 21 shifts takes about 5 s
EXPORT_STALE_AFTER = 3  # seconds without progress before a dead run's job is taken over
LOAD_USERS = 10  # check 7: 10 residents × 20 shifts = 200 sign-ups
LOAD_THREADS = 4
LOAD_TIME_LIMIT = 90  # seconds for the whole load run
STOP_TIME_LIMIT = 40  # seconds a write waits for node 1's stop (30 s) before it is sent anyway
WAIT_LIMIT = 60  # seconds for the worker to finish an export


def _requirements() -> str:
    """Why the cluster cannot run here, or ''."""
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return "needs PostgreSQL: set DATABASE_URL=postgres://... (CI's second pass does)"
    if not os.environ.get("REDIS_URL"):
        return "needs Redis: set REDIS_URL (CI's second pass does)"
    if not (shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy")):
        return "needs HAProxy: apt-get install haproxy (.ci/run does)"
    return ""


# Session scope, not module: pytest-xdist's loadgroup sends the eight checks to one worker (it
# needs pytest below 9.2: pyproject.toml) but may run other modules' tests between them, and
# pytest ends a module-scoped fixture whenever the next test is in another module.
@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    missing = _requirements()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the cluster checks: {missing}")
        pytest.skip(missing)
    running = Cluster(
        database_url=os.environ["DATABASE_URL"],
        redis_url=cluster_redis_url(os.environ["REDIS_URL"]),
        setup=SETUP,
        workdir=tmp_path_factory.mktemp("cluster"),
        extra_env={
            "CLUSTER_API_RATE_LIMIT": str(API_RATE_LIMIT),
            "CLUSTER_FAST_PASSWORDS": "1",
            "CLUSTER_EXPORT_ROW_DELAY": str(EXPORT_ROW_DELAY),
            "CLUSTER_EXPORT_STALE_AFTER": str(EXPORT_STALE_AFTER),
        },
    )
    try:
        running.start()
    except ClusterError as error:
        running.stop()
        pytest.fail(str(error))
    except BaseException:
        running.stop()
        raise
    print("cluster start (s):", {k: round(v, 1) for k, v in running.timings.items()})
    try:
        yield running
    finally:
        running.stop()
        print("cluster stop (s):", {k: round(v, 1) for k, v in running.timings.items()})


def sql(cluster: Cluster, query: str, *params) -> list[tuple]:
    """Rows of the cluster's database, read the way an auditor would: straight from it."""
    import psycopg

    with psycopg.connect(cluster.database_url, autocommit=True) as connection:
        return connection.execute(query, params).fetchall()


def one(cluster: Cluster, query: str, *params):
    rows = sql(cluster, query, *params)
    assert len(rows) == 1, rows
    return rows[0][0]


def node_clients(cluster: Cluster) -> tuple[Client, Client]:
    return Client(cluster.node_urls[0]), Client(cluster.node_urls[1])


def admin_on(cluster: Cluster, index: int) -> Client:
    client = Client(cluster.node_urls[index])
    client.site_login(seed.ADMIN_EMAIL, PASSWORD)
    return client


# --- 1. Sessions --------------------------------------------------------------------------


def test_a_session_started_on_one_node_works_on_the_other(cluster):
    first, second = node_clients(cluster)
    # The site's cookie: logged in on node 1, the admin opens on node 2.
    first.site_login(seed.ADMIN_EMAIL, PASSWORD)
    assert first.get("/admin/").status_code == 200
    dashboard = first.at(cluster.node_urls[1]).get("/admin/")
    assert dashboard.status_code == 200, dashboard.status_code
    assert "集群管理员" in dashboard.text

    # The app's token: logged in on node 1, known on node 2; ended on node 2, ended on node 1.
    first, second = node_clients(cluster)
    first.app_login(seed.resident_email(0), PASSWORD)
    second.headers["X-Session-Token"] = first.headers["X-Session-Token"]
    me = second.get("/api/v1/me")
    assert me.status_code == 200, me.text[:300]
    assert me.json()["email"] == seed.resident_email(0)
    assert second.request("DELETE", "/_allauth/app/v1/auth/session").status_code == 401
    assert first.get("/api/v1/me").status_code == 401


# --- 2. Publishing and the page cache -----------------------------------------------------


def test_a_page_published_on_one_node_is_fresh_on_the_other_within_a_second(cluster):
    path = f"/{seed.PAGE_SLUG}/"
    visitor = Client(cluster.node_urls[1])
    first = visitor.get(path)
    assert first.status_code == 200, first.status_code
    again = visitor.get(path)
    assert again.headers.get("X-Page-Cache") == "hit", again.headers
    old_title = re.search(r"<h1[^>]*>(.*?)</h1>", again.text, re.S).group(1).strip()

    admin = admin_on(cluster, 0)
    page_id = one(cluster, "SELECT id FROM wagtailcore_page WHERE slug = %s", seed.PAGE_SLUG)
    edit = admin.get(f"/admin/pages/{page_id}/edit/")
    assert edit.status_code == 200, edit.status_code
    new_title = f"集群新标题-{uuid.uuid4().hex[:6]}"
    fields = [
        (name, new_title if name == "title" else value)
        for name, value in form_fields(edit.text, "page-edit-form")
    ]
    # The body's StreamField is drawn by script; the page keeps it empty.
    extra = [("body-count", "0"), ("action-publish", "action-publish")]
    published = admin.post(f"/admin/pages/{page_id}/edit/", data=[*fields, *extra])
    assert published.status_code == 302, published.text[-3000:]
    done = time.monotonic()

    fresh = visitor.get(path)
    elapsed = time.monotonic() - done
    assert fresh.status_code == 200
    assert new_title in fresh.text and old_title not in fresh.text
    assert elapsed < 1.0, elapsed
    assert one(cluster, "SELECT title FROM wagtailcore_page WHERE id = %s", page_id) == new_title


# --- 3. Uploaded files --------------------------------------------------------------------


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_image_uploaded_through_one_node_is_served_through_the_other(cluster):
    if not cluster.s3:
        pytest.fail("The image check needs the S3 API (moto[server]); files are not shared.")
    admin = admin_on(cluster, 0)
    form = admin.get("/admin/images/add/")
    assert form.status_code == 200, form.status_code
    title = f"集群图片-{uuid.uuid4().hex[:6]}"
    fields = dict(form_fields(form.text, "w-editor-form"))
    fields.update({"title": title, **admin.csrf(form.text)})
    uploaded = admin.post(
        "/admin/images/add/", data=fields, files={"file": ("cluster.png", _png(), "image/png")}
    )
    assert uploaded.status_code == 302, uploaded.text[-3000:]
    image_id = one(cluster, "SELECT id FROM portal_portalimage WHERE title = %s", title)

    # Node 2 opens the image in the admin: it reads the original (from S3) to make the
    # preview, whose address the browser then fetches.
    other = admin.at(cluster.node_urls[1])
    edit = other.get(f"/admin/images/{image_id}/")
    assert edit.status_code == 200, edit.status_code
    sources = re.findall(r'<img[^>]+src="([^"]+)"', edit.text)
    previews = [src.replace("&amp;", "&") for src in sources if "cluster" in src]
    assert previews, sources
    preview = requests.get(previews[0], timeout=30)
    assert preview.status_code == 200, preview.status_code
    assert preview.content[:8] == b"\x89PNG\r\n\x1a\n"


# --- 4. Exports ---------------------------------------------------------------------------


def _queue_export(admin: Client) -> int:
    """The listing's CSV button, its confirmation page, and the POST that queues the job."""
    listing = admin.get("/admin/volunteers/shifts/?export=csv")
    assert listing.status_code == 302, listing.status_code
    confirm = listing.headers["Location"]
    page = admin.get(confirm)
    assert page.status_code == 200, page.status_code
    params = {key: values[0] for key, values in parse_qs(urlsplit(confirm).query).items()}
    response = admin.post("/admin/exports/new/", data={**params, **admin.csrf(page.text)})
    assert response.status_code == 302, response.text[-2000:]
    return int(re.fullmatch(r"/admin/exports/(\d+)/", response.headers["Location"]).group(1))


def _wait_until_done(client: Client, job_id: int) -> dict:
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        status = client.get(f"/admin/exports/{job_id}/status/").json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.3)
    pytest.fail(f"export {job_id} not done in {WAIT_LIMIT} s: {status}")


def _download(client: Client, url: str) -> str:
    response = client.get(url)
    if response.status_code == 302:  # a signed address of the private bucket
        response = requests.get(response.headers["Location"], timeout=30)
    assert response.status_code == 200, response.status_code
    return response.content.decode("utf-8-sig")


def _shift_titles(body: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(body)))
    return [cell for row in rows[1:] for cell in row if cell.startswith("集群")]


def test_an_export_queued_on_one_node_is_downloaded_through_the_other(cluster):
    admin = admin_on(cluster, 0)
    job_id = _queue_export(admin)
    other = admin.at(cluster.node_urls[1])
    status = _wait_until_done(other, job_id)
    assert status["status"] == "done", status
    titles = _shift_titles(_download(other, status["download_url"]))
    assert sorted(titles) == sorted(
        [seed.CAPACITY_SHIFT_TITLE]
        + [f"{seed.LOAD_SHIFT_TITLE}{n:02d}" for n in range(seed.LOAD_SHIFTS)]
    )
    # The worker wrote it, once.
    assert one(cluster, "SELECT attempt FROM portal_exportjob WHERE id = %s", job_id) == 1


# --- 5. Capacity --------------------------------------------------------------------------


def test_concurrent_sign_ups_on_both_nodes_never_confirm_more_than_the_capacity(cluster):
    shift_id = one(
        cluster, "SELECT id FROM volunteers_shift WHERE title = %s", seed.CAPACITY_SHIFT_TITLE
    )
    people = range(20, 36)  # 16 residents for 5 places
    clients = []
    for number in people:
        client = Client(cluster.node_urls[number % 2])
        client.app_login(seed.resident_email(number), PASSWORD)
        clients.append(client)
    start = threading.Barrier(len(clients))

    def sign_up(client: Client) -> requests.Response:
        start.wait(timeout=30)
        return client.post(f"/api/v1/volunteers/shifts/{shift_id}/signups")

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(sign_up, clients))
    assert [answer.status_code for answer in answers] == [201] * len(clients), [
        answer.text[:200] for answer in answers if answer.status_code != 201
    ]
    statuses = [answer.json()["status"] for answer in answers]
    assert statuses.count("confirmed") == seed.CAPACITY, statuses
    assert statuses.count("waitlisted") == len(clients) - seed.CAPACITY
    rows = dict(
        sql(
            cluster,
            "SELECT status, count(*) FROM volunteers_signup WHERE shift_id = %s GROUP BY status",
            shift_id,
        )
    )
    assert rows == {"confirmed": seed.CAPACITY, "waitlisted": len(clients) - seed.CAPACITY}


# --- 6. Rate limits -----------------------------------------------------------------------


def test_the_rate_limits_hold_across_nodes(cluster):
    first, second = node_clients(cluster)
    first.app_login(seed.resident_email(36), PASSWORD)
    second.headers["X-Session-Token"] = first.headers["X-Session-Token"]
    # The API's limit per token: 40 a minute, whichever node counts.
    answers = [(first, second)[n % 2].get("/api/v1/me") for n in range(API_RATE_LIMIT + 10)]
    codes = [answer.status_code for answer in answers]
    assert codes == [200] * API_RATE_LIMIT + [429] * 10, codes
    assert {answer.url.split("/api/")[0] for answer in answers[API_RATE_LIMIT:]} == set(
        cluster.node_urls
    )

    # The case reports' limit per account (production's: 5 in 10 minutes), across nodes.
    category = one(cluster, "SELECT id FROM cases_casecategory WHERE code = %s", seed.CATEGORY_CODE)
    grid = one(
        cluster, "SELECT home_grid_id FROM portal_user WHERE email = %s", seed.resident_email(37)
    )
    reporter_1, reporter_2 = node_clients(cluster)
    reporter_1.app_login(seed.resident_email(37), PASSWORD)
    reporter_2.headers["X-Session-Token"] = reporter_1.headers["X-Session-Token"]
    codes = []
    for n in range(7):
        answer = (reporter_1, reporter_2)[n % 2].post(
            "/api/v1/cases",
            data={
                "category": category,
                "grid": grid,
                "description": f"集群限流检查：路灯不亮 {n}",
                "address": "集群路 1 号",
            },
        )
        codes.append(answer.status_code)
    assert codes == [201] * 5 + [429] * 2, codes
    assert (
        one(
            cluster,
            "SELECT count(*) FROM cases_case c JOIN portal_user u ON u.id = c.reporter_id "
            "WHERE u.email = %s",
            seed.resident_email(37),
        )
        == 5
    )


# --- 7. A node stopped under load ---------------------------------------------------------


def test_stopping_a_node_under_load_loses_no_accepted_write(cluster):
    shifts = [
        row[0]
        for row in sql(
            cluster,
            "SELECT id FROM volunteers_shift WHERE title LIKE %s ORDER BY id",
            seed.LOAD_SHIFT_TITLE + "%",
        )
    ]
    users = []
    for number in range(1, 1 + LOAD_USERS):
        client = Client(cluster.url, direct=False)
        client.app_login(seed.resident_email(number), PASSWORD)
        users.append(client)
    writes = [(user, shift) for shift in shifts for user in users]  # 200, bounded
    # Node 1 is stopped when half the writes are answered; the writes of the last quarter
    # wait until it has stopped, so that some are sent after the stop however fast the
    # machine (on a fast one the rest could all be answered before a graceful stop ends).
    after_stop_from = len(writes) * 3 // 4
    results: list[dict] = []
    lock = threading.Lock()
    stopped = threading.Event()
    deadline = time.monotonic() + LOAD_TIME_LIMIT

    def write(numbered) -> None:
        number, (user, shift) = numbered
        if number >= after_stop_from:
            stopped.wait(STOP_TIME_LIMIT)
        key = uuid.uuid4().hex
        tries, answer, after_stop = [], None, stopped.is_set()
        for _attempt in range(6):  # a retry with the same key: at most one sign-up
            if time.monotonic() > deadline:
                break
            after_stop = stopped.is_set()
            try:
                answer = user.post(
                    f"/api/v1/volunteers/shifts/{shift}/signups",
                    headers={"Idempotency-Key": key},
                )
            except requests.RequestException as error:
                tries.append(type(error).__name__)
                time.sleep(0.2)
                continue
            tries.append(answer.status_code)
            if answer.status_code < 500:
                break
            time.sleep(0.2)
        with lock:
            results.append(
                {
                    "tries": tries,
                    "status": tries[-1] if tries else None,
                    "body": answer.json() if tries and tries[-1] == 201 else None,
                    "node": answer.headers.get("X-Cluster-Node") if answer is not None else None,
                    "after_stop": after_stop,
                    "shift": shift,
                }
            )
            if len(results) == len(writes) // 2 and not stopped.is_set():
                threading.Thread(target=stop_node_1, daemon=True).start()

    def stop_node_1() -> None:
        cluster.nodes[0].send(signal.SIGTERM)  # graceful: finishes its requests
        cluster.nodes[0].wait(30)
        stopped.set()

    try:
        with ThreadPoolExecutor(LOAD_THREADS) as pool:
            list(pool.map(write, enumerate(writes)))
        assert stopped.is_set() and not cluster.nodes[0].running
        assert any(result["after_stop"] for result in results)

        accepted = [result for result in results if result["status"] == 201]
        assert len(accepted) == len(writes), [r for r in results if r["status"] != 201][:5]
        # Every accepted write is in the database, once.
        answered_ids = sorted(result["body"]["id"] for result in accepted)
        stored = sql(
            cluster,
            "SELECT id, user_id, shift_id FROM volunteers_signup WHERE shift_id = ANY(%s)",
            shifts,
        )
        assert sorted(row[0] for row in stored) == answered_ids
        assert len({(row[1], row[2]) for row in stored}) == len(writes)
        # Both nodes served before the stop; only node 2 after it.
        nodes_before = {r["node"] for r in results if not r["after_stop"]}
        nodes_after = {r["node"] for r in results if r["after_stop"]}
        assert nodes_before == {"node1", "node2"}, nodes_before
        assert nodes_after == {"node2"}, nodes_after
        print(
            "load run:",
            {
                "writes": len(writes),
                "after_stop": sum(r["after_stop"] for r in results),
                "retried": sum(len(r["tries"]) > 1 for r in results),
            },
        )
    finally:
        if not cluster.nodes[0].running:
            cluster.start_node(0)


# --- 8. The worker killed mid-job ---------------------------------------------------------


def _export_files(cluster: Cluster, job_id: int) -> list[str]:
    """The files of the job in the export storage (the bucket, or the shared folder)."""
    if cluster.s3:
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=cluster.s3_url,
            aws_access_key_id="cluster",
            aws_secret_access_key="cluster-secret",
            region_name="us-east-1",
        )
        listing = s3.list_objects_v2(Bucket="portal-cluster")
        names = [item["Key"].rsplit("/", 1)[-1] for item in listing.get("Contents", [])]
    else:
        folder = cluster.workdir / "var" / "private-media" / "exports"
        names = [path.name for path in folder.iterdir()] if folder.exists() else []
    return [name for name in names if name.startswith(f"{job_id}-")]


def test_the_worker_killed_mid_export_neither_loses_nor_doubles_it(cluster):
    admin = admin_on(cluster, 1)
    job_id = _queue_export(admin)
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        status, done = sql(
            cluster, "SELECT status, rows_done FROM portal_exportjob WHERE id = %s", job_id
        )[0]
        if status == "running" and done >= 1:
            break
        time.sleep(0.1)
    assert (status, done >= 1) == ("running", True), status

    cluster.kill_worker()  # SIGKILL to the worker and its work horse: no clean-up of any kind
    time.sleep(EXPORT_ROW_DELAY * 2)
    assert one(cluster, "SELECT status FROM portal_exportjob WHERE id = %s", job_id) == "running"
    assert _export_files(cluster, job_id) == []
    cluster.start_worker()

    # cron's `exports_resume` (every minute) queues the job again once it has made no
    # progress for EXPORTS_STALE_AFTER.
    heartbeat_age = one(
        cluster,
        "SELECT extract(epoch FROM now() - heartbeat_at) FROM portal_exportjob WHERE id = %s",
        job_id,
    )
    time.sleep(max(0.0, EXPORT_STALE_AFTER + 0.5 - float(heartbeat_age)))
    resumed = cluster.manage("exports_resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "queued 1 export(s) again" in resumed.stdout, resumed.stdout

    status = _wait_until_done(admin, job_id)
    assert status["status"] == "done", status
    assert one(cluster, "SELECT attempt FROM portal_exportjob WHERE id = %s", job_id) == 2
    titles = _shift_titles(_download(admin, status["download_url"]))
    assert len(titles) == len(set(titles)) == 1 + seed.LOAD_SHIFTS
    assert len(_export_files(cluster, job_id)) == 1
    # A second resume finds nothing to do.
    again = cluster.manage("exports_resume")
    assert "queued 0 export(s) again" in again.stdout, again.stdout
