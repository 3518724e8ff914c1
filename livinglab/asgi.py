"""The ASGI entry point: HTTP goes to Django, WebSockets to the Channels consumers.

WebSocket handshakes are checked against an explicit list of origins (``WEBSOCKET_ALLOWED_ORIGINS``),
not against ``ALLOWED_HOSTS``, so a wildcard host setting never opens the sockets to other sites.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livinglab.settings.dev")

# Django must be set up before the consumers (and the models they import) are loaded. Then Django's ASGI
# handler, as get_asgi_application() makes it, with its middleware chain built for synchronous views.
django.setup(set_prefix=False)

from livinglab.asgi_handler import SyncChainASGIHandler  # noqa: E402
from livinglab.startup import warm_up  # noqa: E402

django_asgi_app = SyncChainASGIHandler()
# The URLconf and its address tables, built before the process serves rather than by its first visitors.
warm_up()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from livinglab.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
            settings.WEBSOCKET_ALLOWED_ORIGINS,
        ),
    }
)
