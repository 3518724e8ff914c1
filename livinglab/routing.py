"""Every app's WebSocket routes, gathered in one list for ``asgi.py``."""

from challenges.routing import websocket_urlpatterns as challenge_routes
from codesign.routing import websocket_urlpatterns as codesign_routes
from notifications.routing import websocket_urlpatterns as notification_routes
from pilots.routing import websocket_urlpatterns as pilot_routes
from proposals.routing import websocket_urlpatterns as proposal_routes

websocket_urlpatterns: list = [
    *proposal_routes,
    *pilot_routes,
    *challenge_routes,
    *notification_routes,
    *codesign_routes,
]
