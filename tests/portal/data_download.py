"""The personal data ZIP as a person gets it: asked for on the account page (a task writes
it: at once with the immediate backend, after the request's transaction commits), then
downloaded through the link the page shows."""

import io
import re
import zipfile


def download_archive(client, capture_on_commit) -> zipfile.ZipFile:
    with capture_on_commit(execute=True):
        assert client.post("/me/data/").status_code == 302
    page = client.get("/me/data/").content.decode()
    link = re.search(r'data-export-download href="(/me/data/\d+/file/)"', page)
    assert link, page
    response = client.get(link.group(1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
