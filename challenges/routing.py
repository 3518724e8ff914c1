from django.urls import path

from .consumers import ChallengeConsumer

websocket_urlpatterns = [
    path("ws/challenges/<int:pk>/", ChallengeConsumer.as_asgi()),
]
