from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "dev"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "invoices"]
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "app_file": {
            # ruleid: file-logging-handler
            "class": "logging.FileHandler",
            "filename": BASE_DIR / "logs" / "app.log",
            "formatter": "plain",
        },
        "error_file": {
            "level": "ERROR",
            # ruleid: file-logging-handler
            "class": "logging.FileHandler",
            "filename": BASE_DIR / "logs" / "errors.log",
        },
    },
    "root": {"handlers": ["console", "app_file", "error_file"], "level": "INFO"},
    "loggers": {
        "invoices": {"handlers": ["console", "app_file"], "level": "INFO"},
        "django": {"handlers": ["console", "error_file"], "level": "INFO"},
    },
}
