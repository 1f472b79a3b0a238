bind = "0.0.0.0:8000"
# ruleid: missing-worker-recycling
workers = 3
timeout = 60
