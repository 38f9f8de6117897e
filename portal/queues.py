"""The task queue's class on Redis (django-rq's `RQ["QUEUE_CLASS"]`).

rq enqueues a job in two round trips to Redis: the queue's name added to the set of queues,
then the job's hash and its place in the queue. rq can put both in one pipeline when its
caller passes one; django-tasks-rq does not, so this queue does. Every task enqueued after a
request's write (a case report's notification, an export) saves a round trip.
"""

from django_rq.queues import DjangoRQ


class OneTripQueue(DjangoRQ):
    def enqueue_job(self, job, pipeline=None, at_front=False, unique=False):
        # rq refuses a pipeline for rate-limited jobs, runs a synchronous queue's job at once
        # and checks a unique job's id first: those keep rq's own round trips.
        if pipeline is not None or unique or job.has_rate_limit or not self._is_async:
            return super().enqueue_job(job, pipeline=pipeline, at_front=at_front, unique=unique)
        with self.connection.pipeline() as pipe:
            job = super().enqueue_job(job, pipeline=pipe, at_front=at_front)
            pipe.execute()
        return job
