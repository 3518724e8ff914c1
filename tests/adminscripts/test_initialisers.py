"""The admin's widgets are started from JSON data by one static file, never by inline scripts (issue 15 point 12)."""

import json
import re
from pathlib import Path

import pytest
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput, AdminPageChooser, AdminTimeInput
from wagtail.admin.widgets.workflows import AdminTaskChooser
from wagtail.images.widgets import AdminImageChooser

from adminscripts.initialisers import INITIALISERS, chooser_initialiser, init_block

ADMIN_INIT_JS = Path(__file__).resolve().parents[2] / "adminscripts" / "static" / "adminscripts" / "admin-init.js"
DATA_BLOCK = re.compile(r'<script type="application/json" data-admin-init="(\w+)">(.*?)</script>', re.DOTALL)
PLANTED = "</script><script>alert(1)</script><!--"


def started(html: str) -> list[tuple[str, list]]:
    return [(name, json.loads(data)) for name, data in DATA_BLOCK.findall(html)]


def test_the_python_and_javascript_tables_of_initialisers_agree():
    names = set(re.findall(r'^\s+\["(\w+)", (?:construct|call)\("\1"\)\],$', ADMIN_INIT_JS.read_text(), re.MULTILINE))
    assert names == INITIALISERS


def test_the_data_cannot_close_its_script_element_and_parses_back_unchanged():
    block = init_block("ImageChooser", PLANTED, {"modalUrl": "/admin/?a=1&b=<2>"})
    body = DATA_BLOCK.fullmatch(block).group(2)
    assert not set("<>&") & set(body)
    assert json.loads(body) == [PLANTED, {"modalUrl": "/admin/?a=1&b=<2>"}]


@pytest.mark.parametrize("name", ["eval", "setTimeout", "constructor", "__proto__", 'x" onload="alert(1)'])
def test_only_a_wagtail_initialiser_can_be_named(name):
    with pytest.raises(ValueError, match="does not know"):
        init_block(name, "x")


@pytest.mark.django_db
def test_a_page_chooser_writes_its_start_up_call_as_data():
    html = AdminPageChooser().render("page", None, {"id": "id_page"})
    assert "<script>" not in html
    [(name, (id_, options))] = started(html)
    assert (name, id_) == ("PageChooser", "id_page")
    assert options["modalUrl"] == "/admin/choose-page/"
    assert options["modelNames"] == ["wagtailcore.page"]


@pytest.mark.django_db
def test_an_image_chooser_and_the_task_chooser_write_theirs_as_data():
    assert started(AdminImageChooser().render("image", None, {"id": "id_image"})) == [
        ("ImageChooser", ["id_image", {"modalUrl": "/admin/images/chooser/"}])
    ]
    assert started(AdminTaskChooser().render("task", None, {"id": "id_task"})) == [("createTaskChooser", ["id_task"])]


def test_a_chooser_with_start_up_code_of_its_own_keeps_wagtails_script():
    """Its code is not ours to guess; the inline script is refused by the policy and the admin walk reports it."""

    class CustomChooser(AdminPageChooser):
        def render_js_init(self, id_, name, value_data):
            return "startSomethingElse();"

    class UnknownConstructorChooser(AdminPageChooser):
        js_constructor = "ColourChooser"

    assert chooser_initialiser(CustomChooser(), "id_x", "x", None) is None
    assert chooser_initialiser(UnknownConstructorChooser(), "id_x", "x", None) is None
    assert chooser_initialiser(AdminPageChooser(), "id_x", "x", None)[0] == "PageChooser"


@pytest.mark.parametrize(
    ("widget", "initialiser"),
    [
        (AdminDateInput, "initDateChooser"),
        (AdminTimeInput, "initTimeChooser"),
        (AdminDateTimeInput, "initDateTimeChooser"),
    ],
)
def test_date_and_time_widgets_write_their_start_up_call_as_data(widget, initialiser):
    html = widget().render("when", None, {"id": "id_when"})
    assert "<script>" not in html
    assert '<input type="text" name="when"' in html
    [(name, (id_, config))] = started(html)
    assert (name, id_) == (initialiser, "id_when")
    assert "format" in config
