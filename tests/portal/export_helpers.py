"""A staff export as staff make it: the listing's download button leads to the job's
confirmation page, its POST queues the job (a task writes the file: at once with the
immediate backend, after the transaction commits), the job's status view then offers the
download."""

import re
from urllib.parse import parse_qs, urlsplit


def queue_export(client, url, fmt, capture_on_commit, **filters) -> int:
    """The id of the export job queued from the listing at `url`."""
    response = client.get(url, {"export": fmt, **filters})
    assert response.status_code == 302, response
    confirm = response["Location"]
    assert confirm.startswith("/admin/exports/new/")
    assert client.get(confirm).status_code == 200
    params = {key: values[0] for key, values in parse_qs(urlsplit(confirm).query).items()}
    with capture_on_commit(execute=True):
        response = client.post("/admin/exports/new/", params)
    assert response.status_code == 302
    return int(re.fullmatch(r"/admin/exports/(\d+)/", response["Location"]).group(1))


def export_through_job(client, url, fmt, capture_on_commit, **filters):
    """The download response of an export of the listing at `url`, made through a job."""
    job_id = queue_export(client, url, fmt, capture_on_commit, **filters)
    status = client.get(f"/admin/exports/{job_id}/status/").json()
    assert status["status"] == "done", status
    assert status["percent"] == 100
    response = client.get(status["download_url"])
    assert response.status_code == 200
    return response
