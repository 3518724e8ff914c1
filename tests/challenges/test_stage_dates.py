"""Stage dates: a stage is entered on its planned start, earlier only when an administrator confirms it (and
the early start is audited); overlapping stage dates are refused when the page is saved."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from challenges.admin_forms import stage_errors
from challenges.models import ChallengePage, ChallengeStage, ChallengeStageChange
from challenges.services import change_stage
from challenges.stages import Stage
from livinglab.errors import ActionRefused
from tests.challenges.conftest import stage_rows
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def fresh(challenge) -> ChallengePage:
    return ChallengePage.objects.get(pk=challenge.pk)


# --- the service ---------------------------------------------------------------------------------------


def test_a_stage_is_not_entered_before_its_planned_start(challenge, administrator, emitted):
    planned = fresh(challenge).stage_period(Stage.CODESIGN).start
    with pytest.raises(ActionRefused) as refused:
        change_stage(challenge, to_stage=Stage.CODESIGN, by=administrator)
    assert refused.value.status == 409
    assert planned.isoformat() in refused.value.message and "early" in refused.value.message
    assert fresh(challenge).current_stage == Stage.DISCOVERY
    assert not ChallengeStageChange.objects.exists() and emitted == []
    assert not PageLogEntry.objects.filter(action__startswith="livinglab.challenge").exists()


def test_an_administrator_may_confirm_an_early_start_which_is_recorded_and_audited(challenge, administrator):
    planned = fresh(challenge).stage_period(Stage.CODESIGN).start
    change = change_stage(challenge, to_stage=Stage.CODESIGN, by=administrator, early=True)
    assert fresh(challenge).current_stage == Stage.CODESIGN
    assert change.started_early and change.planned_start == planned
    entry = PageLogEntry.objects.get(action="livinglab.challenge.early_start", page=challenge)
    assert entry.user == administrator
    assert entry.data["planned_start"] == planned.isoformat() and entry.data["to_stage"] == Stage.CODESIGN
    assert PageLogEntry.objects.get(action="livinglab.challenge.stage", page=challenge).data["early_start"] is True


def test_on_its_planned_start_a_stage_is_entered_without_confirmation(make_challenge, administrator):
    challenge = make_challenge(stages=stage_rows(call_from=-20, call_to=-1))  # co-design starts today
    change = change_stage(challenge, to_stage=Stage.CODESIGN, by=administrator)
    assert fresh(challenge).current_stage == Stage.CODESIGN and not change.started_early
    assert not PageLogEntry.objects.filter(action="livinglab.challenge.early_start").exists()


def test_a_stage_without_planned_dates_is_entered_when_the_administrator_moves_on(make_challenge, administrator):
    only_discovery = [ChallengeStage(stage=Stage.DISCOVERY, start=day(-5), end=day(5))]
    challenge = make_challenge(stages=only_discovery)
    change_stage(challenge, to_stage=Stage.CODESIGN, by=administrator)
    assert fresh(challenge).current_stage == Stage.CODESIGN


def test_confirming_an_early_start_gives_residents_no_right_to_move_stages(challenge, resident):
    with pytest.raises(ActionRefused) as refused:
        change_stage(challenge, to_stage=Stage.CODESIGN, by=resident, early=True)
    assert refused.value.status == 403 and fresh(challenge).current_stage == Stage.DISCOVERY


# --- the page ------------------------------------------------------------------------------------------


def test_the_page_asks_to_confirm_an_early_start_and_answers_409_without_it(challenge, administrator, client):
    client.force_login(administrator)
    planned = fresh(challenge).stage_period(Stage.CODESIGN).start.isoformat()
    body = client.get(challenge.url).content.decode()
    assert 'name="early"' in body and planned in body
    url = reverse("challenges:stage", args=[challenge.pk])
    refused = client.post(url, {"to_stage": Stage.CODESIGN, "note": ""})
    assert refused.status_code == 409 and planned in refused.content.decode()
    assert fresh(challenge).current_stage == Stage.DISCOVERY
    moved = client.post(url, {"to_stage": Stage.CODESIGN, "note": "", "early": "on"})
    assert moved.status_code == 302 and fresh(challenge).current_stage == Stage.CODESIGN
    assert "started early" in client.get(challenge.url).content.decode()


def test_no_early_confirmation_is_offered_when_the_stage_is_due(make_challenge, administrator, client):
    challenge = make_challenge(stages=stage_rows(call_from=-20, call_to=-1))
    client.force_login(administrator)
    assert 'name="early"' not in client.get(challenge.url).content.decode()


# --- overlapping dates on save -------------------------------------------------------------------------


def rows(*spans):
    return [{"stage": stage, "start": day(start), "end": day(end)} for stage, start, end in spans]


def test_overlapping_stages_are_refused_on_the_later_stage():
    errors = stage_errors(rows((Stage.DISCOVERY, 0, 20), (Stage.CODESIGN, 10, 40)))
    assert list(errors) == [1]
    assert "must start after" in errors[1]["start"] and day(20).isoformat() in errors[1]["start"]


def test_stages_out_of_order_in_the_form_are_still_compared_in_stage_order():
    errors = stage_errors(rows((Stage.PILOT, 30, 60), (Stage.DISCOVERY, 0, 35)))
    assert errors == {0: {"start": errors[0]["start"]}} and "must start after" in errors[0]["start"]


@pytest.mark.parametrize(
    ("spans", "field", "words"),
    [
        (((Stage.DISCOVERY, 10, 5),), "end", "cannot end before it starts"),
        (((Stage.DISCOVERY, 0, 5), (Stage.DISCOVERY, 6, 9)), "stage", "already a stage"),
    ],
)
def test_reversed_dates_and_a_stage_twice_are_refused(spans, field, words):
    errors = stage_errors(rows(*spans))
    assert any(words in fields.get(field, "") for fields in errors.values())


def test_stages_that_follow_each_other_pass():
    assert stage_errors(rows((Stage.DISCOVERY, 0, 20), (Stage.CODESIGN, 21, 40), (Stage.PILOT, 41, 90))) == {}


def admin_form_data(challenge, area, stages):
    data = nested_form_data(
        {
            "title": challenge.title,
            "slug": challenge.slug,
            "theme": challenge.theme,
            "question": challenge.question,
            "budget": "",
            "budget_line": "",
            "stages": inline_formset(
                [
                    {"stage": s, "start": day(a).isoformat(), "end": day(b).isoformat(), "description": ""}
                    for s, a, b in stages
                ]
            ),
            "partners": inline_formset([]),
            "pilot_links": inline_formset([]),
            "body": streamfield([]),
            "action-publish": "publish",
        }
    )
    data["areas"] = [area.pk]  # a multiple choice: nested_form_data would flatten it into numbered keys
    return data


def test_the_admin_refuses_to_save_overlapping_stage_dates(challenge, administrator, client):
    client.force_login(administrator)
    area = AreaFactory()
    url = reverse("wagtailadmin_pages:edit", args=[challenge.pk])
    data = admin_form_data(challenge, area, [(Stage.DISCOVERY, -5, 20), (Stage.CODESIGN, 10, 40)])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "must start after" in response.content.decode()
    assert sorted((s.stage, s.start) for s in fresh(challenge).stages.all())[1][1] != day(10)
    ok = client.post(url, admin_form_data(challenge, area, [(Stage.DISCOVERY, -5, 20), (Stage.CODESIGN, 21, 40)]))
    assert ok.status_code == 302
    assert fresh(challenge).stage_period(Stage.CODESIGN).start == day(21)
