"""Settings of the throwaway Django site behind the Django admin app test.

Nothing here is kept: the test points TANDEM_APP_DIR at a fresh temporary directory
(the sqlite database lives there) and lists the host names the site answers to in
TANDEM_APP_HOSTS (comma-separated). DEBUG is off, as in production: errors are plain
pages, and `runserver --insecure` still serves the admin's static files.
"""
import os
from pathlib import Path

APP_DIR = Path(os.environ["TANDEM_APP_DIR"])

SECRET_KEY = "tandem-test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = os.environ.get("TANDEM_APP_HOSTS", "127.0.0.1").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

# Django's defaults, CSRF and X-Frame-Options (DENY) included.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tandem_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": APP_DIR / "db.sqlite3",
    }
}

USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CSRF refusals on stderr, which the tests read ("Forbidden (Origin checking failed ...").
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.security.csrf": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}
