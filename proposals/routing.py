from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/proposals/", consumers.ProposalListConsumer.as_asgi()),
    path("ws/proposals/<int:pk>/", consumers.ProposalConsumer.as_asgi()),
]
