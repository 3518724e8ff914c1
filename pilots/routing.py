from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/pilots/<int:pk>/", consumers.PilotConsumer.as_asgi()),
]
