# NetBox configuration for the interop suite. interop/servers/netbox.sh copies
# it to $NETBOX_ROOT/conf/configuration.py (where a pip-installed NetBox looks
# for it) next to interop.json, which holds this instance's values: the
# PostgreSQL and Redis it was started with, and its generated secrets.
import json
import os

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "interop.json")) as f:
    _c = json.load(f)

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _c["db_name"],
        "USER": _c["db_user"],
        "PASSWORD": _c["db_password"],
        "HOST": "127.0.0.1",
        "PORT": _c["db_port"],
        "CONN_MAX_AGE": 300,
    }
}

REDIS = {
    "tasks": {"HOST": "127.0.0.1", "PORT": _c["redis_port"], "DATABASE": 0, "SSL": False},
    "caching": {"HOST": "127.0.0.1", "PORT": _c["redis_port"], "DATABASE": 1, "SSL": False},
}

SECRET_KEY = _c["secret_key"]
# v2 (`Bearer nbt_<key>.<token>`) tokens are HMACs with a pepper; without one,
# NetBox can only make legacy v1 (`Token <token>`) tokens.
API_TOKEN_PEPPERS = {1: _c["token_pepper"]}

# Only loopback: no census report, no release check, no feeds from the internet.
ISOLATED_DEPLOYMENT = True
CENSUS_REPORTING_ENABLED = False
RELEASE_CHECK_URL = None

DEBUG = False
TIME_ZONE = "UTC"
LOGGING = {}
