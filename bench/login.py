"""A signed-in session for the logged-in run of bench/run.py (`--as resident`).

Run by bench/run.py in a subprocess with the same environment as gunicorn (settings,
database, cache, DJANGO_SECRET_KEY), so that the session it writes is the one gunicorn reads.
Reads the e-mail address of the person to sign in on stdin and prints, as JSON, the session
cookie's name and value. The person must exist (the demo data's resident) and have accepted
the current privacy notice, or every page would redirect to the consent page (a non-2xx in
the table, which is what the run reports then).
"""

import json
import os
import sys
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    email = sys.stdin.read().strip()
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        sys.exit(f"No active user with the e-mail address {email!r} in the bench database.")
    client = Client(HTTP_HOST="127.0.0.1")
    # force_login stores the session through the configured engine (cached_db with Redis),
    # exactly as a login through the form would.
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    json.dump({"name": cookie.key, "value": cookie.value, "user_id": user.pk}, sys.stdout)


if __name__ == "__main__":
    main()
