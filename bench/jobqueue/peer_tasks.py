"""Empty jobs for the Celery and RQ peers in run.sh (imported by their workers)."""
import os

import redis
from celery import Celery

URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
app = Celery("peer_tasks", broker=URL)
app.conf.task_ignore_result = True
app.conf.worker_hijack_root_logger = False


@app.task
def noop():
    pass


@app.task
def mark(key):
    redis.Redis.from_url(URL).set(key, "1")


def rq_noop():
    pass
