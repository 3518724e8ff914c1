"""Form pieces shared by the apps' forms."""

from django import forms


class LocalizedChoiceField(forms.ModelChoiceField):
    """Choices labelled in the reader's language: each object's ``localized_name`` (areas, categories)."""

    def label_from_instance(self, obj):
        return obj.localized_name
