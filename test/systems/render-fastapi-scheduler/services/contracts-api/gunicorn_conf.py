import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# ruleid: missing-worker-recycling
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "uvicorn.workers.UvicornWorker"
timeout = 120
