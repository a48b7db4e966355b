import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm.web.settings")
application = get_wsgi_application()

# a worker's start-up objects are frozen out of the garbage collector's way (see ntm.apps.ops.runtime)
from ntm.apps.ops.runtime import settle  # noqa: E402

settle()
