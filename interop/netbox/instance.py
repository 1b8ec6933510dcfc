"""Sets up an interop NetBox instance; run with the NetBox venv's Python.

  instance.py configure ROOT   writes ROOT/conf/interop.json (mode 0600) from the
                               environment (PG_DATABASE, PG_USER, PG_PASSWORD,
                               PG_PORT, REDIS_PORT) and fresh secrets
  instance.py bootstrap OUT    (NETBOX_ROOT set) creates a superuser, a v2 and a
                               legacy v1 API token for it; writes OUT/admin-password,
                               OUT/token (nbt_<key>.<token>) and OUT/token-v1, mode 0600

Prints no secret: what it makes goes to files only the caller can read.
"""

import json
import os
import secrets
import sys


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def configure(root):
    conf = os.path.join(root, "conf")
    os.makedirs(conf, exist_ok=True)
    values = {
        "db_name": os.environ["PG_DATABASE"],
        "db_user": os.environ["PG_USER"],
        "db_password": os.environ["PG_PASSWORD"],
        "db_port": int(os.environ["PG_PORT"]),
        "redis_port": int(os.environ["REDIS_PORT"]),
        # NetBox wants >= 50 characters for both.
        "secret_key": secrets.token_urlsafe(48),
        "token_pepper": secrets.token_urlsafe(48),
    }
    write_secret(os.path.join(conf, "interop.json"), json.dumps(values))


def bootstrap(out):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netbox.settings")
    import django

    django.setup()
    from users.choices import TokenVersionChoices
    from users.constants import TOKEN_PREFIX
    from users.models import Token, User

    password = secrets.token_urlsafe(24)
    user = User.objects.create_superuser("interop-admin", "interop@example.invalid", password)
    v2 = Token(user=user, version=TokenVersionChoices.V2, description="interop v2", write_enabled=True)
    v2.save()
    v1 = Token(user=user, version=TokenVersionChoices.V1, description="interop v1 (legacy)", write_enabled=True)
    v1.save()
    write_secret(os.path.join(out, "admin-password"), password)
    # What a client sends after `Bearer `: the prefix, the key, a dot, the secret.
    write_secret(os.path.join(out, "token"), f"{TOKEN_PREFIX}{v2.key}.{v2.token}")
    # What a client sends after `Token `.
    write_secret(os.path.join(out, "token-v1"), v1.token)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("configure", "bootstrap"):
        sys.exit(__doc__)
    {"configure": configure, "bootstrap": bootstrap}[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
