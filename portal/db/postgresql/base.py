"""Django's PostgreSQL backend with a health check that costs no round trip.

Persistent connections are checked before their first use in each request
(`conn_health_checks`), and Django's check sends `SELECT 1` and waits for the answer: one more
round trip on every request, a sixteenth of a survey answer's work on the bench. A connection
that has waited idle between two requests has nothing to read unless the server has spoken
since: a server that restarts, shuts down or terminates the backend sends its error and
closes the socket, which makes it readable. So the socket is polled without waiting; only
when something is there (or the poll fails) is the full check made, and a connection that
fails it is closed and opened again as before. What a poll cannot see is a peer that vanished
without a word (a cable pulled between hosts): the next query fails, and Django discards the
connection at the end of that request, as it would without health checks.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status == TransactionStatus.IDLE:
            poll = select.poll()
            try:
                poll.register(connection.fileno(), select.POLLIN | select.POLLPRI)
                events = poll.poll(0)
            except (OSError, ValueError):
                events = True  # the full check decides
            if not events:
                return True
        return super().is_usable()
