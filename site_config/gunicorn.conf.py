"""gunicorn's configuration: `gunicorn -c site_config/gunicorn.conf.py site_config.wsgi`.

Every value can be changed from the environment, as the Django settings are:

BIND                   where to listen (default 127.0.0.1:$PORT, PORT defaulting to 8000)
WEB_CONCURRENCY        worker processes (default: one per core, plus one)
GUNICORN_THREADS       threads in each worker (default 4)
GUNICORN_TIMEOUT       seconds of silence before a stuck worker is replaced (default 30)
GUNICORN_MAX_REQUESTS  requests before a worker is replaced by a fresh one (default 5000)
GUNICORN_KEEPALIVE     seconds an idle connection is kept open (default 5)
GUNICORN_ACCESS_LOG    true to log every request to standard output (default false)
GUNICORN_LOG_LEVEL     gunicorn's own messages (default info)
"""

import gc
import os


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def env_bool(name):
    return os.environ.get(name, "").lower() in {"1", "true", "yes", "on"}


# Loopback unless told otherwise: gunicorn's own default for PORT is every interface, but
# here a proxy on the same machine (or a container's BIND=0.0.0.0:8000) is expected to face
# the network, never the Python server by accident.
bind = os.environ.get("BIND") or f"127.0.0.1:{env_int('PORT', 8000)}"

# gthread: threads let a worker answer other requests while one waits on PostgreSQL or
# Redis, keep a load balancer's connections alive (sync workers close every connection),
# and a slow client holds a thread rather than a whole process. Pages are mostly Python
# work, which one process does on one core at a time (the GIL): so as many processes as
# cores, plus one for the moments when a process waits with all its threads, and a few
# threads each: on 2 cores, 3 workers x 4 threads. The rule of thumb for sync workers,
# 2 x cores + 1, would be 5 processes on 2 cores: more memory for no more throughput.
# (On this 2-core machine, shared with other work, 3 or 5 sync workers and 3 gthread
# workers served the story index and the stylesheet at rates within the noise of one
# another.)
cores = len(os.sched_getaffinity(0))
workers = env_int("WEB_CONCURRENCY", cores + 1)
worker_class = "gthread"
threads = env_int("GUNICORN_THREADS", 4)

# The application is imported once in the master and the workers are forked from it: they
# start in a fraction of a second and share the imported code's memory until they write
# to it. (Code changes need a restart of the master, not just of workers: fine for a
# deployment, which restarts everything.)
preload_app = True


def pre_fork(server, worker):
    """Moves every object the master has made so far out of the garbage collector's reach.
    A collection in a worker would otherwise write to each of them, and each page written
    to is copied out of the memory the workers share: this halves a worker's own memory
    (about 65 MB to 35 MB here, once it has served every kind of page)."""
    gc.freeze()


# A worker is replaced after this many requests, so memory that creeps up (fragmentation,
# caches that only grow) is given back; the jitter staggers the replacements so that the
# workers are not all restarting at once.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10

# A worker that has not reported to the master for `timeout` seconds is stuck, and is
# killed and replaced. (With gthread the worker's main thread reports while requests run
# in the others, so this does not bound one slow request: the proxy in front does.) A stop
# or reload lets requests in flight finish for `graceful_timeout` seconds first.
timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
# Seconds an idle connection stays open for its next request. Behind a load balancer that
# reuses its connections, set GUNICORN_KEEPALIVE above the balancer's idle timeout, or it
# may send a request down a connection that gunicorn is closing (a 502 for the visitor).
keepalive = env_int("GUNICORN_KEEPALIVE", 5)

# Workers report that they are alive by touching a file: on tmpfs that never waits on disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Errors to standard error; one line a request only when asked for (a proxy in front
# usually logs requests already).
errorlog = "-"
accesslog = "-" if env_bool("GUNICORN_ACCESS_LOG") else None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicornc's control socket lives at one path per user ($HOME/.gunicorn/gunicorn.ctl), so
# two servers on one machine would take it from each other; nothing here uses it.
control_socket_disable = True
