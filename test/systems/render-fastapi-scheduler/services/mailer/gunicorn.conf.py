workers = 2
max_requests = 1000
max_requests_jitter = 100
