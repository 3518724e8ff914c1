"""A URLconf with one view that refuses, for the refusal middleware's end-to-end test."""

from django.urls import path

from livinglab.errors import ActionRefused
from livinglab.urls import urlpatterns as site_urlpatterns


def refuse(request):
    raise ActionRefused("Not so often, please.", status=429)


# The site's own URLs too: the refusal page extends base.html, which links to them.
urlpatterns = [path("refuse/", refuse), *site_urlpatterns]
