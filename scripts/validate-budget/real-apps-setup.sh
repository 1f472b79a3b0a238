#!/bin/sh
# Setup for the real apps of `npm run validate-budget` (scripts/validate-budget/real-apps.mjs): Debian 12's packages
# stand in for each app's `pip install` / `npm install` (Express comes from npm at run time). Run as root.
set -eu
apt-get install -y --no-install-recommends \
  gunicorn python3-fastapi python3-django python3-dj-database-url python3-whitenoise python3-psycopg2 python3-brotli python3-uvicorn \
  python3-flask python3-celery python3-redis redis-server python3-sklearn python3-joblib \
  python3-flask-sqlalchemy python3-flask-login python3-flaskext.wtf
