SECRET_KEY = "dev"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
ROOT_URLCONF = "app.urls"

LOGGING = {
    "version": 1,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "file": {
            # ruleid: file-logging-handler
            "class": "logging.FileHandler",
            "filename": "/app/logs/django.log",
        },
    },
    "root": {"handlers": ["console", "file"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["console", "file"], "level": "INFO", "propagate": True},
        "app": {"handlers": ["console", "file"], "level": "DEBUG", "propagate": True},
    },
}
