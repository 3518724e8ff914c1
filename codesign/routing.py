from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/codesign/sessions/<int:pk>/", consumers.SessionSeatsConsumer.as_asgi()),
    path("ws/codesign/pages/<int:pk>/", consumers.PageSessionsConsumer.as_asgi()),
]
