"""What every page type of ours shares with Wagtail's ``Page``."""

from wagtail.models import Page


class FreeSlugOnCreate:
    """A page created twice at once must not fail on the slug the first one took.

    Wagtail's create-view autosave racing the editor's own "Save draft", or a double click, sends two creates
    that each passed the form's slug check; the later one used to end in a 500 ("slug already in use"). It
    takes the next free slug instead (``-2``, ``-3``...), as the successor of an abandoned draft does.
    """

    def save(self, *args, **kwargs):
        if self.pk is None and self.path and self.slug:
            siblings = Page.objects.filter(path__startswith=self.path[: -self.steplen], depth=self.depth)
            taken = set(siblings.filter(slug__startswith=self.slug).values_list("slug", flat=True))
            if self.slug in taken:
                number = 2
                while f"{self.slug}-{number}" in taken:
                    number += 1
                self.slug = f"{self.slug}-{number}"
        return super().save(*args, **kwargs)
