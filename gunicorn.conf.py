"""Production's ASGI server: gunicorn managing uvicorn worker processes (HTTP and WebSockets alike).

``gunicorn livinglab.asgi:application`` reads this file from the working directory (the image's /app).
Each worker is one process with its own event loop, its own few threads for Django's synchronous views
(``WEB_THREADS``, livinglab/asgi_handler.py) and its own psycopg pool (``DATABASE_POOL_MAX_SIZE``), so a busy
view in one worker no longer holds up the others; daphne served one process. ``make run`` stays on a single
daphne process. A worker counts as booted once ``livinglab.asgi`` is imported, and that import also loads the
URLconf and builds its address tables (``livinglab/startup.py``), so a new or restarted worker is ready to serve,
not slow for its first visitors. Why this server, and the measurements against daphne: docs/benchmarks.md ("bench/run").

Environment: ``WEB_CONCURRENCY`` (worker processes, default: 2 × cores, at most 8), ``PORT`` (8000),
``HOST`` (0.0.0.0), ``GUNICORN_TIMEOUT`` (seconds a worker may stay silent before it is replaced, 60).
"""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 - inside its container
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * (os.cpu_count() or 1), 8))
worker_class = "uvicorn_worker.UvicornWorker"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# WebSockets stay open for hours; keep-alive for the proxy's HTTP connections.
keepalive = 5
# No control socket: nothing administers the workers through it, and the container's user has no home.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
# The client address is worked out by livinglab/client_ip.py from the proxy's header and its own trusted
# list; the server must not rewrite it first from anyone's X-Forwarded-For.
forwarded_allow_ips = ""
