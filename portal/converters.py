"""The `<id:...>` path converter, registered once (PortalConfig.ready) and used by every app's
urls.py for object ids. Django's `<int:...>` accepts any number of digits, and an id past the
database's 64-bit range then fails inside the query (HTTP 500); this one stops at 18 digits,
so such a URL simply does not match (404)."""


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))
