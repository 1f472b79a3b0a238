import logging

from apscheduler.schedulers.background import BackgroundScheduler

from app.services.contracts import expire_drafts

log = logging.getLogger(__name__)

scheduler = BackgroundScheduler()
scheduler.add_job(expire_drafts, "interval", minutes=1, id="expire-drafts")
# ruleid: scheduler-in-web-process
scheduler.start()
log.info("scheduler started")
