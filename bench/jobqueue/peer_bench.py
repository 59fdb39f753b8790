"""Celery and RQ with an empty job against the same Redis (run by run.sh with /usr/bin/python3).

  peer_bench.py celery N CONCURRENCY   -> prints jobs/s (publish N tasks, wait for the last)
  peer_bench.py rq N simple|fork       -> prints jobs/s (enqueue N jobs, burst worker drains)
"""
import os
import subprocess
import sys
import time

import redis

URL = os.environ["BENCH_REDIS_URL"]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def wait_key(r, key, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if r.get(key):
            return True
        time.sleep(0.005)
    return False


def celery(n, concurrency):
    import peer_tasks

    r = redis.Redis.from_url(URL)
    pool = ["--pool=solo"] if concurrency == 1 else ["--pool=prefork", f"--concurrency={concurrency}"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "peer_tasks", "worker", "-l", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"] + pool,
        cwd=HERE, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        peer_tasks.mark.delay("celery:warm")
        if not wait_key(r, "celery:warm", 60):
            raise SystemExit("celery worker did not start")
        t0 = time.time()
        for _ in range(n):
            peer_tasks.noop.delay()
        peer_tasks.mark.delay("celery:end")  # FIFO: runs after the noops were taken
        if not wait_key(r, "celery:end", 600):
            raise SystemExit("celery did not finish")
        return n / (time.time() - t0)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        r.delete("celery:warm", "celery:end")


def rq(n, kind):
    from rq import Queue, SimpleWorker, Worker
    import peer_tasks

    r = redis.Redis.from_url(URL)
    q = Queue(f"bench-{kind}", connection=r)
    t0 = time.time()
    for _ in range(n):
        q.enqueue(peer_tasks.rq_noop)
    cls = SimpleWorker if kind == "simple" else Worker
    cls([q], connection=r).work(burst=True, logging_level="ERROR")
    return n / (time.time() - t0)


if __name__ == "__main__":
    what, n = sys.argv[1], int(sys.argv[2])
    if what == "celery":
        print(f"{celery(n, int(sys.argv[3])):.0f}")
    else:
        print(f"{rq(n, sys.argv[3]):.0f}")
