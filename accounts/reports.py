"""Wagtail's "Aging pages" report, naming people as the rest of the site does.

Wagtail's own report names the last publisher by ``get_username()``, which for this user model is the e-mail
address (the sign-in field, so it stays as it is). This subclass names them by display name, an erased account
as "Former participant"; ``wagtail_hooks`` points the Reports menu at it.
"""

from wagtail.admin.views.reports.aging_pages import AgingPagesView


class AgingPagesByNameView(AgingPagesView):
    index_url_name = "livinglab_aging_pages"
    index_results_url_name = "livinglab_aging_pages_results"

    def decorate_paginated_queryset(self, queryset):
        user_ids = set(queryset.values_list("last_published_by", flat=True))
        names = {person.pk: str(person) for person in self.user_model.objects.filter(pk__in=user_ids)}
        for page in queryset:
            self.add_last_publisher_name_to_page(names, page)
        return queryset
