from django import forms
from django.utils.translation import gettext_lazy as _

from pilots.models import PilotPage

from .models import SensorUpload, Source

MAX_FILE_BYTES = 20 * 1024 * 1024


def _read_text(upload) -> str:
    if upload.size > MAX_FILE_BYTES:
        raise forms.ValidationError(_("The file is larger than 20 MB."))
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise forms.ValidationError(_("The file must be UTF-8 text.")) from error


class SiteImportForm(forms.Form):
    pilot = forms.ModelChoiceField(label=_("Pilot"), queryset=PilotPage.objects.order_by("title"))
    source = forms.ModelChoiceField(
        label=_("Source of the streams (optional)"), queryset=Source.objects.all(), required=False
    )
    csv_file = forms.FileField(label=_("CSV file"))

    def clean_csv_file(self):
        return _read_text(self.cleaned_data["csv_file"])


class ReadingUploadForm(forms.ModelForm):
    data_file = forms.FileField(label=_("CSV or JSON file"))

    class Meta:
        model = SensorUpload
        fields = ["source", "format", "stream_column", "time_column", "value_column", "unit_column", "unit"]

    def clean_data_file(self):
        return _read_text(self.cleaned_data["data_file"])
