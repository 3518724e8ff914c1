"""IDOR, role × object, beyond proposals: co-design, the desk, pilots' feedback, personal data, sensors,
challenges, and the admin screens that manage them.

Routes come from the URLconf (``urlconf.routes()``), never from a hand list: each family below takes every
route whose name starts with one of its prefixes, fills its arguments with the ids of real objects that belong
to someone else, and every role without a right to them requests each one by GET and POST. The rule:

- a restricted route answers 403 or 404 (405 for the wrong method; a redirect only to a login page or, from
  Wagtail, to the admin's home with "no permission"), never 200 and never 500;
- an open route (public, or self-service: it acts on the caller's own registration, follow or rating) may
  answer, but never with the other person's data, and never 500;
- afterwards every object is exactly as it was.

Each family's entitled person is the positive control: the same routes with the same ids answer them (not 403,
404 or 500), so a refusal above is a refusal and not a wrong id. ``test_every_object_route_is_claimed`` fails
when a new route that takes an object id appears in one of our apps without a family (here or in
``test_idor.py``) or a reason to be public.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialApp
from django.test import Client
from django.utils import timezone
from wagtail.snippets.models import get_snippet_models

from accounts.models import Role, User
from challenges.models import ChallengeFollow, ChallengeIndexPage, ChallengePage
from challenges.stages import STAGE_ORDER
from codesign.models import (
    ConsentText,
    LabParticipant,
    Registration,
    RegistrationStatus,
    Session,
    SessionFormat,
    SurveyAnswer,
    SurveyField,
    SurveyPage,
    WalkIn,
)
from desk import services as desk_services
from desk.models import Centre, ClaimCode, DeskResident, DeskStaff
from home import demo as home_demo
from livinglab.choosers import PermissionCheckedChooserViewSet
from mydata.models import ExportStatus, PersonalDataExport, RequestChannel
from pilots.models import FeedbackReport, PilotFeedback, PilotIndexPage, PilotMetric, PilotPage, PilotStatus
from pilots.services import set_up_pilot_index
from proposals.models import Comment, Proposal, Report, Vote
from sensors.models import DataStream, MetricStream, PilotEvidence, PullLog, Reading, SensorSite, SiteRole, Source
from tests.challenges.conftest import stage_rows
from tests.factories import (
    AdministratorFactory,
    CategoryFactory,
    CommentFactory,
    DongFactory,
    ExpertFactory,
    ProposalFactory,
    ResidentFactory,
    UserFactory,
)

from .urlconf import Route, routes

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "resident", "expert", "moderator", "desk_staff", "administrator")
MARK = "q7x-idor"  # in every private value below, so a leak is found whatever the page does with it
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")
# Routes that answer 404 for these objects whoever asks: the challenge page is no alias, a hidden feedback
# cannot be reported, a hidden proposal cannot be chosen for a pilot.
NOT_FOUND_FOR_EVERYONE = {"wagtailadmin_pages:convert_alias", "pilots:feedback_report", "pilot_proposal_chooser:chosen"}
# Nobody creates accounts from the desk-staff appointment chooser.
NOT_FOUND_FOR_EVERYONE |= {"desk_appointee_chooser:create"}
# Wagtail's own, left as they are: any admin user may ask whether publishing a page would cancel its workflow
# (the answer names the workflow and its tasks, nothing of the page's content).
WAGTAIL_ANSWERS_ANY_ADMIN_USER = {"wagtailadmin_pages:confirm_workflow_cancellation"}


# --- the people ------------------------------------------------------------------------------------------


def desk_staff_at(centre) -> object:
    user = UserFactory(display_name="Desk staff")
    desk_services.appoint_desk_staff(user, centre=centre)
    user.refresh_from_db()
    return user


def new_centre(name: str = "") -> Centre:
    return Centre.objects.create(name=name or f"Centre {Centre.objects.count() + 1}", area=DongFactory())


def user_with_role(role: str):
    """A fresh person of ``role``: never the owner of anything in the world below (desk staff at another centre)."""
    factories = {
        "resident": ResidentFactory,
        "expert": ExpertFactory,
        "administrator": AdministratorFactory,
        "moderator": lambda: UserFactory(role=Role.MODERATOR, display_name="Moderator"),
        "desk_staff": lambda: desk_staff_at(new_centre()),
    }
    return factories[role]() if role != "anonymous" else None


def client_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- the objects -----------------------------------------------------------------------------------------


@dataclass
class World:
    """Objects that belong to someone: their ids by route argument, what must not leak, and their state."""

    ids: dict[str, object] = field(default_factory=dict)
    # Route-name prefix -> {argument: id}, for routes whose ``pk`` means another model (Wagtail's viewsets).
    ids_by_prefix: dict[str, dict[str, object]] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    entitled: object = None  # the person with the right (the positive control)

    def arguments(self, route: Route) -> dict | None:
        values = dict(self.ids)
        for prefix, overrides in sorted(self.ids_by_prefix.items(), key=lambda item: len(item[0])):
            if route.name.startswith(prefix):
                values.update(overrides)
        if not set(route.arguments) <= set(values):
            return None
        return {name: values[name] for name in route.arguments}


def build_pilot(*, title: str = "Smart bus shelter") -> PilotPage:
    home = home_demo.build_pages()
    index = PilotIndexPage.objects.first()
    if index is None:
        index = PilotIndexPage(title="Pilots", slug="pilots", intro="What we try out.")
        home.add_child(instance=index)
        index.save_revision().publish()
        set_up_pilot_index(index)
    pilot = PilotPage(
        title=title,
        slug=f"pilot-{PilotPage.objects.count() + 1}",
        summary="A shelter that keeps people cool.",
        status=PilotStatus.RUNNING,
        area=DongFactory(),
        category=CategoryFactory(),
        live=False,
    )
    index.add_child(instance=pilot)
    pilot.save_revision().publish()
    return PilotPage.objects.get(pk=pilot.pk)


def build_codesign() -> World:
    """A pilot's session with someone's seat, an online link for seated people, walk-ins, a lab participant and
    a survey answer: every private thing an administrator alone manages."""
    pilot = build_pilot()
    owner = ResidentFactory(display_name=f"Registrant {MARK}", email=f"registrant-{MARK}@example.org")
    start = timezone.now() - datetime.timedelta(hours=1)  # today: attendance can be taken
    session = Session.objects.create(
        page=pilot,
        title="Shelter workshop",
        format=SessionFormat.ONLINE,
        online_url=f"https://meet.example.org/{MARK}",
        capacity=5,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        registered_count=1,
    )
    Registration.objects.create(session=session, user=owner, status=RegistrationStatus.REGISTERED)
    WalkIn.objects.create(session=session, count=2, names=f"Walk-in {MARK}", channel="in_person")
    consent = ConsentText.objects.create(page=pilot, version=1, text="I agree to test the shelter.")
    participant = LabParticipant.objects.create(page=pilot, user=owner, consent=consent)
    survey = SurveyPage(
        title="Before the pilot",
        slug="survey-before",
        subject_page=pilot,
        phase="before",
        audience="residents",
    )
    survey.form_fields = [SurveyField(field_type="multiline", label="Anything else", required=False)]
    home_demo.build_pages().add_child(instance=survey)
    survey.save_revision().publish()
    SurveyAnswer.objects.create(page=survey, user=owner, form_data={"anything_else": f"Answer {MARK}"})
    return World(
        ids={"pk": session.pk, "page_id": pilot.pk, "survey_id": survey.pk},
        ids_by_prefix={
            "wagtailforms:": {"page_id": survey.pk},
            "wagtailsnippets_codesign_consenttext:": {"pk": consent.pk},
            "wagtailsnippetchoosers_codesign_consenttext:": {"pk": consent.pk},
            "wagtailsnippets_codesign_labparticipant:": {"pk": participant.pk},
            "wagtailsnippetchoosers_codesign_labparticipant:": {"pk": participant.pk},
        },
        secrets=[MARK],
        entitled=AdministratorFactory(),
    )


def codesign_state() -> tuple:
    return (
        sorted(Session.objects.values_list("pk", "title", "capacity", "is_published", "online_url")),
        sorted(Registration.objects.values_list("user__display_name", "status", "checked_in_at")),
        sorted(WalkIn.objects.values_list("count", "names")),
        sorted(LabParticipant.objects.values_list("user__display_name", "withdrawn_at")),
        sorted(ConsentText.objects.values_list("version", "text")),
        SurveyAnswer.objects.filter(user__display_name__contains=MARK).count(),
    )


def build_desk() -> World:
    """A resident registered at one centre's desk; the entitled person is staff at that centre."""
    centre = new_centre(f"Centre {MARK}")
    staff = desk_staff_at(centre)
    resident = desk_services.register_resident(
        staff=staff,
        display_name=f"Desk resident {MARK}",
        area=centre.area,
        consent_reference=f"C-{MARK}",
        phone="010-2345-6789",
        age_band="75_plus",
    )
    build_pilot()
    return World(
        ids={"pk": resident.pk},
        secrets=[MARK, "2345-6789"],
        entitled=staff,
    )


def desk_state() -> tuple:
    residents = DeskResident.objects.filter(user__display_name__contains=MARK)
    users = [resident.user for resident in residents]
    return (
        sorted(residents.values_list("pk", "centre_id", "consent_reference")),
        sorted((user.display_name, user.phone, user.has_usable_password(), user.is_active) for user in users),
        Proposal.objects.filter(author__in=users).count(),
        Vote.objects.filter(user__in=users).count(),
        Comment.objects.filter(author__in=users).count(),
        PilotFeedback.objects.filter(user__in=users).count(),
        ClaimCode.objects.filter(resident__in=residents).count(),
        sorted(Centre.objects.filter(name__contains=MARK).values_list("pk", "name", "area_id")),
    )


def build_desk_staff() -> World:
    """Someone's appointment at a centre's desk, and a resident the appointment chooser would offer; only
    administrators appoint, move or dismiss desk staff, and only they search the people to appoint."""
    staff = desk_staff_at(new_centre(f"Centre {MARK}"))
    staff.display_name = f"Desk staff {MARK}"
    staff.save(update_fields=["display_name"])
    appointable = ResidentFactory(display_name=f"Appointable {MARK}")
    return World(
        ids_by_prefix={
            "desk_staff:": {"pk": staff.desk_membership.pk},
            "desk_appointee_chooser:": {"pk": appointable.pk},
        },
        secrets=[MARK],
        entitled=AdministratorFactory(),
    )


def build_centres() -> World:
    """A community centre; administrators add and edit centres (``desk.manage_centres``), nobody deletes one."""
    centre = new_centre(f"Centre {MARK}")
    centre.address = f"Address {MARK}"
    centre.save(update_fields=["address"])
    return World(ids={"pk": centre.pk}, secrets=[MARK], entitled=AdministratorFactory())


def centres_state() -> tuple:
    # Every centre but the one the visiting desk staff member works at (made after this is first read): a centre
    # added by an outsider shows up here too.
    return sorted(Centre.objects.filter(staff__isnull=True).values_list("pk", "name", "name_en", "area_id", "address"))


def desk_staff_state() -> tuple:
    return sorted(
        DeskStaff.objects.filter(user__display_name__contains=MARK).values_list("user_id", "centre_id", "user__role")
    ) + sorted(User.objects.filter(display_name__contains=MARK).values_list("pk", "role"))


def build_pilot_feedback() -> World:
    """A resident's rating with a comment a moderator hid (its words are private now), and a report on it."""
    pilot = build_pilot()
    owner = ResidentFactory(display_name=f"Rater {MARK}")
    feedback = PilotFeedback.objects.create(
        pilot=pilot, user=owner, rating=2, comment=f"Hidden words {MARK}", is_hidden=True, hidden_reason="abuse"
    )
    FeedbackReport.objects.create(feedback=feedback, reporter=ResidentFactory(), reason=f"Report {MARK}")
    hidden = ProposalFactory(title=f"Hidden proposal {MARK}", is_hidden=True, hidden_reason="spam")
    return World(
        ids={"pk": feedback.pk, "pilot_id": pilot.pk, "page_id": pilot.pk},
        ids_by_prefix={"pilot_proposal_chooser:": {"pk": hidden.pk}},
        secrets=[MARK],
        entitled=AdministratorFactory(),
    )


def pilot_feedback_state() -> tuple:
    return (
        sorted(PilotFeedback.objects.values_list("pk", "rating", "comment", "is_hidden", "hidden_reason")),
        sorted(FeedbackReport.objects.values_list("reason", "resolved_at")),
        sorted(Proposal.objects.values_list("pk", "title", "is_hidden")),
        sorted(PilotPage.objects.values_list("pk", "title", "live", "latest_revision_id")),
    )


def build_personal_data() -> World:
    """Someone's "download my data" archive, requested online and ready: the owner alone downloads it."""
    owner = ResidentFactory(display_name=f"Owner {MARK}", email=f"owner-{MARK}@example.org")
    export = PersonalDataExport.objects.create(
        user=owner,
        status=ExportStatus.READY,
        ready_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    export.path.parent.mkdir(parents=True, exist_ok=True)
    export.path.write_text(f"The private archive of {MARK}")
    return World(ids={"token": export.token}, secrets=[MARK], entitled=owner)


def build_accounts() -> World:
    """Someone's account in the admin: their e-mail, role and erasure (the admin's delete erases the person), and
    the data request they made at a desk (listed for the administrators who hand the archive over)."""
    owner = ResidentFactory(display_name=f"Owner {MARK}", email=f"owner-{MARK}@example.org")
    PersonalDataExport.objects.create(user=owner, channel=RequestChannel.DESK, note=f"Form {MARK}")
    return World(ids={"pk": owner.pk}, secrets=[MARK], entitled=AdministratorFactory())


def personal_data_state() -> tuple:
    from accounts.models import User

    return (
        sorted(User.objects.filter(email__contains=MARK).values_list("email", "display_name", "is_active", "role")),
        sorted(PersonalDataExport.objects.values_list("token", "status")),
    )


def build_sensors() -> World:
    """A pilot's sensor site, stream and source (its URL carries a key), a pull log and the evidence settings."""
    pilot = build_pilot(title="Fine dust pilot")
    source = Source.objects.create(name="City platform", url=f"https://sensors.example.org/{MARK}/v1.1")
    site = SensorSite.objects.create(
        pilot=pilot, code="pm-01", name="Site pm-01", role=SiteRole.PILOT, latitude=37.5, longitude=126.9
    )
    stream = DataStream.objects.create(site=site, source=source, external_id="7", observed_property="pm25")
    log = PullLog.objects.create(source=source, error=f"Token {MARK} refused")
    evidence = PilotEvidence.objects.create(pilot=pilot, pilot_start=datetime.date(2026, 3, 1), baseline_days=30)
    metric = PilotMetric.objects.create(page=pilot, name="PM2.5", unit="µg/m³", baseline=30, target=20)
    metric_stream = MetricStream.objects.create(metric=metric, observed_property="pm25")
    return World(
        ids={"pk": source.pk},
        ids_by_prefix={
            "wagtailsnippets_sensors_sensorsite:": {"pk": site.pk},
            "wagtailsnippetchoosers_sensors_sensorsite:": {"pk": site.pk},
            "wagtailsnippets_sensors_datastream:": {"pk": stream.pk},
            "wagtailsnippetchoosers_sensors_datastream:": {"pk": stream.pk},
            "wagtailsnippets_sensors_pulllog:": {"pk": log.pk},
            "wagtailsnippetchoosers_sensors_pulllog:": {"pk": log.pk},
            "wagtailsnippets_sensors_pilotevidence:": {"pk": evidence.pk},
            "wagtailsnippetchoosers_sensors_pilotevidence:": {"pk": evidence.pk},
            "wagtailsnippets_sensors_metricstream:": {"pk": metric_stream.pk},
            "wagtailsnippetchoosers_sensors_metricstream:": {"pk": metric_stream.pk},
        },
        secrets=[MARK],
        entitled=AdministratorFactory(),
    )


def sensors_state() -> tuple:
    return (
        sorted(Source.objects.values_list("pk", "name", "url", "enabled", "pull_requested_at")),
        sorted(SensorSite.objects.values_list("pk", "code", "name", "role")),
        sorted(DataStream.objects.values_list("pk", "observed_property", "external_id")),
        PullLog.objects.count(),
        sorted(PilotEvidence.objects.values_list("pk", "baseline_days")),
        Reading.objects.count(),
        sorted(MetricStream.objects.values_list("pk", "observed_property", "role", "days")),
    )


def build_challenges() -> World:
    """A live challenge in its discovery stage, a proposal in it, and a resident who follows it."""
    home = home_demo.build_pages()
    index = ChallengeIndexPage(title="Challenges", slug="challenges", intro="What the district asks.")
    home.add_child(instance=index)
    index.save_revision().publish()
    challenge = ChallengePage(
        title="Safer nights", slug="safer-nights", theme="Safer streets", question="Where?", live=False
    )
    challenge.stages = stage_rows()
    challenge.areas = [DongFactory().parent]
    challenge.categories = [CategoryFactory()]
    index.add_child(instance=challenge)
    challenge.save_revision().publish()
    challenge = ChallengePage.objects.get(pk=challenge.pk)
    proposal = ProposalFactory(title="Dark alley behind the market")
    ChallengeFollow.objects.create(challenge=challenge, user=ResidentFactory(display_name=f"Follower {MARK}"))
    return World(
        ids={"pk": challenge.pk, "proposal_id": proposal.pk, "page_id": challenge.pk},
        secrets=[MARK],
        entitled=AdministratorFactory(),
    )


def challenges_state() -> tuple:
    return (
        sorted(
            ChallengePage.objects.values_list(
                "pk", "title", "live", "latest_revision_id", "locked", "has_unpublished_changes"
            )
        ),
        sorted(ChallengeFollow.objects.filter(user__display_name__contains=MARK).values_list("challenge_id")),
        sorted((page.pk, page.current_stage) for page in ChallengePage.objects.all()),
        sorted(Proposal.objects.values_list("pk", "status", "is_hidden")),
    )


def build_moderation() -> World:
    """Residents' content in the moderation admin: a hidden proposal, a comment on it, a report, a blocked user."""
    proposal = ProposalFactory(title=f"Hidden proposal {MARK}", is_hidden=True, hidden_reason="spam")
    comment = CommentFactory(proposal=ProposalFactory(), body=f"Removed words {MARK}", is_removed=True)
    report = Report.objects.create(reporter=ResidentFactory(), comment=comment, reason=f"Report {MARK}")
    blocked = ResidentFactory(display_name=f"Blocked {MARK}", blocked_at=timezone.now())
    moderator = UserFactory(role=Role.MODERATOR, display_name="Moderator")
    return World(
        ids={"pk": proposal.pk},
        ids_by_prefix={
            "wagtailsnippets_proposals_comment:": {"pk": comment.pk},
            "wagtailsnippetchoosers_proposals_comment:": {"pk": comment.pk},
            "wagtailsnippets_proposals_report:": {"pk": report.pk},
            "wagtailsnippetchoosers_proposals_report:": {"pk": report.pk},
            "wagtailsnippets_proposals_area:": {"pk": proposal.area_id},
            "wagtailsnippetchoosers_proposals_area:": {"pk": proposal.area_id},
            "wagtailsnippets_proposals_category:": {"pk": proposal.category_id},
            "wagtailsnippetchoosers_proposals_category:": {"pk": proposal.category_id},
            "proposals_moderation_unblock": {"pk": blocked.pk},
        },
        secrets=[MARK],
        entitled=moderator,
    )


def moderation_state() -> tuple:
    from accounts.models import User

    return (
        sorted(Proposal.objects.values_list("pk", "title", "status", "is_hidden", "vote_count")),
        sorted(Comment.objects.values_list("pk", "body", "is_removed", "is_official_answer")),
        sorted(Report.objects.values_list("pk", "reason", "resolved_at")),
        sorted(User.objects.filter(display_name__contains=MARK).values_list("pk", "blocked_at", "is_active")),
    )


def build_social_apps() -> World:
    """A Kakao sign-in app with its client secret (reference data with a secret in it: administrators only)."""
    app = SocialApp.objects.create(provider="kakao", name="Kakao", client_id="client", secret=f"secret-{MARK}")
    # Sign-in apps are Django's model permissions, which only superusers hold.
    return World(ids={"pk": app.pk}, secrets=[MARK], entitled=AdministratorFactory(is_superuser=True))


def social_apps_state() -> tuple:
    return sorted(SocialApp.objects.values_list("pk", "provider", "client_id", "secret"))


@dataclass(frozen=True)
class Family:
    name: str
    prefixes: tuple[str, ...]
    build: object
    state: object
    # Roles without the right (the entitled person is made by ``build``).
    outsiders: tuple[str, ...]
    # Routes anyone may call (public, or acting on the caller's own things): they may answer, but show nothing
    # of the others' and change nothing of theirs.
    open_routes: frozenset[str] = frozenset()
    post: dict = field(default_factory=dict)
    # Routes the entitled person is shown (200): the positive control.
    reaches: tuple[str, ...] = ()


FAMILIES = [
    Family(
        "codesign",
        prefixes=(
            "codesign:",
            "wagtailsnippets_codesign_",
            "wagtailsnippetchoosers_codesign_",
            "wagtailforms:",
        ),
        build=build_codesign,
        state=codesign_state,
        outsiders=("anonymous", "resident", "expert", "moderator", "desk_staff"),
        open_routes=frozenset(
            {
                "codesign:session",
                "codesign:seats",
                "codesign:session_ics",
                "codesign:page_ics",
                "codesign:register",
                "codesign:cancel",
                "codesign:volunteer",
                "codesign:withdraw",
                "codesign:answer_survey",
            }
        ),
        post={"form": "walk_ins", "count": "9", "channel": "in_person", "present": ["1"], "title": "Taken over"},
        reaches=(
            "codesign:attendance",
            "codesign:participants_csv",
            "codesign:survey_csv",
            "wagtailsnippets_codesign_session:edit",
            "wagtailforms:list_submissions",
        ),
    ),
    Family(
        "desk",
        prefixes=("desk:",),
        build=build_desk,
        state=desk_state,
        # desk_staff: staff at another centre.
        outsiders=("anonymous", "resident", "expert", "moderator", "desk_staff", "administrator"),
        post={"title": "Filed by someone else", "description": "x" * 60, "body": "Said by someone else", "rating": "1"},
        reaches=("desk:resident", "desk:file_proposal", "desk:support"),
    ),
    Family(
        "centres",
        prefixes=("centres:",),
        build=build_centres,
        state=centres_state,
        outsiders=("anonymous", "resident", "expert", "moderator", "desk_staff"),
        post={"name": "Taken over", "area": "1", "address": "Elsewhere"},
        reaches=("centres:index", "centres:edit"),
    ),
    Family(
        "desk staff appointments",
        prefixes=("desk_staff:", "desk_appointee_chooser:"),
        build=build_desk_staff,
        state=desk_staff_state,
        outsiders=("anonymous", "resident", "expert", "moderator", "desk_staff"),
        post={"centre": "1", "user": "1"},
        reaches=(
            "desk_staff:index",
            "desk_staff:edit",
            "desk_staff:delete",
            "desk_appointee_chooser:choose",
            "desk_appointee_chooser:chosen",
        ),
    ),
    Family(
        "pilot feedback",
        prefixes=("pilots:", "pilot_feedback:", "pilots_import_results", "pilot_proposal_chooser:chosen"),
        build=build_pilot_feedback,
        state=pilot_feedback_state,
        outsiders=("anonymous", "resident", "expert", "moderator", "desk_staff"),
        open_routes=frozenset({"pilots:feedback", "pilots:feedback_report"}),
        post={"rating": "5", "comment": "Rated by someone else", "reason": "x" * 20, "is_hidden": ""},
        reaches=("pilot_feedback:edit", "pilot_feedback:inspect", "pilots_import_results"),
    ),
    Family(
        "personal data",
        prefixes=("mydata:download",),
        build=build_personal_data,
        state=personal_data_state,
        outsiders=ROLES,  # an online request's archive is its owner's alone, administrators included
        reaches=("mydata:download",),
    ),
    Family(
        "accounts",
        prefixes=("wagtailusers_users:", "mydata_desk_requests"),
        build=build_accounts,
        state=personal_data_state,
        outsiders=("anonymous", "resident", "expert", "moderator", "desk_staff"),
        post={"email": "taken@example.org", "role": "administrator", "display_name": "Taken over"},
        reaches=("wagtailusers_users:edit",),
    ),
    Family(
        "sensors",
        prefixes=("sensors_", "wagtailsnippets_sensors_", "wagtailsnippetchoosers_sensors_"),
        build=build_sensors,
        state=sensors_state,
        outsiders=("anonymous", "resident", "expert", "moderator", "desk_staff"),
        post={"name": "Taken over", "url": "https://evil.example.org/", "baseline_days": "1"},
        reaches=("wagtailsnippets_sensors_source:edit", "wagtailsnippets_sensors_sensorsite:edit"),
    ),
    Family(
        "challenges",
        prefixes=("challenges:", "wagtailadmin_pages:"),
        build=build_challenges,
        state=challenges_state,
        outsiders=("anonymous", "resident", "expert", "moderator", "desk_staff"),
        open_routes=frozenset({"challenges:follow", "challenges:stage_fragment"}),
        post={"to_stage": STAGE_ORDER[1], "early": "on", "outcome": "stop", "reasons": "x" * 40, "title": "Taken"},
        reaches=("wagtailadmin_pages:edit",),
    ),
    Family(
        "moderation",
        prefixes=("wagtailsnippets_proposals_", "wagtailsnippetchoosers_proposals_", "proposals_moderation_unblock"),
        build=build_moderation,
        state=moderation_state,
        outsiders=("anonymous", "resident", "expert", "desk_staff"),
        # Areas and categories are public reference data: experts pick them on the pilots they draft.
        open_routes=frozenset(
            {
                f"wagtailsnippetchoosers_proposals_{model}:{view}"
                for model in ("area", "category")
                for view in ("choose", "choose_results", "chosen", "chosen_multiple")
            }
        ),
        post={"title": "Taken over", "body": "Rewritten", "is_hidden": "", "reason": "x" * 20},
        reaches=("wagtailsnippets_proposals_proposal:inspect", "wagtailsnippets_proposals_comment:inspect"),
    ),
    Family(
        "sign-in apps",
        prefixes=("social_apps:",),
        build=build_social_apps,
        state=social_apps_state,
        outsiders=("anonymous", "resident", "expert", "moderator", "desk_staff"),
        post={"provider": "kakao", "name": "Taken", "client_id": "evil", "secret": "evil"},
        reaches=("social_apps:edit",),
    ),
]


def family_routes(family: Family, world: World) -> list[tuple[Route, str]]:
    """The family's routes, each with its URL for this world's objects: those that take an object's id, and
    the listings (asked with ``?id=`` for the choosers' "chosen several" answers)."""
    found = []
    for route in routes():
        if not route.name.startswith(family.prefixes):
            continue
        arguments = world.arguments(route)
        if arguments is None:
            continue
        url = route.url(**arguments)
        if not route.arguments and (pk := world.arguments(Route(route.name, ("pk",), None))):
            url += f"?id={pk['pk']}"
        found.append((route, url))
    return found


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def refusal_problem(response, secrets, client=None) -> str | None:
    """Why ``response`` is not a clean refusal (None when it is one). A redirect to another admin page (Wagtail's
    old addresses) is followed once: that page must refuse in turn."""
    status = response.status_code
    if status >= 500:
        return f"answered {status}"
    if status in (301, 302, 303):
        target = urlsplit(response["Location"]).path
        if target.startswith(LOGIN_PAGES) or target == "/admin/":
            return None
        if client is not None and target.startswith("/admin/"):
            problem = refusal_problem(client.get(response["Location"]), secrets)
            return problem and f"redirected to {target}, which {problem}"
        return f"redirected to {target}"
    elif status not in (403, 404, 405):
        return f"answered {status}"
    leaked = [secret for secret in secrets if secret in body(response)]
    return f"showed {leaked}" if leaked else None


def open_problem(response, secrets) -> str | None:
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    leaked = [secret for secret in secrets if secret in body(response)]
    return f"showed {leaked}" if leaked else None


@pytest.mark.parametrize(
    ("family", "role"),
    [(family, role) for family in FAMILIES for role in family.outsiders],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
def test_nobody_without_the_right_reads_or_changes_another_persons_objects(family, role):
    world = family.build()
    before = family.state()
    client = client_of(user_with_role(role))
    problems = []
    for route, url in family_routes(family, world):
        if route.name in WAGTAIL_ANSWERS_ANY_ADMIN_USER:
            continue
        # A route without an object (a listing, a form, a chooser's "chosen several" answer) may serve the caller
        # their own: it must show nothing of the others'.
        opened = route.name in family.open_routes or not route.arguments
        for method in ("get", "post"):
            response = client.post(url, family.post) if method == "post" else client.get(url)
            problem = (
                open_problem(response, world.secrets) if opened else refusal_problem(response, world.secrets, client)
            )
            if problem:
                problems.append(f"{method.upper()} {url} ({route.name}): {problem}")
    assert not problems, "\n".join(problems)
    assert family.state() == before


@pytest.mark.parametrize("family", FAMILIES, ids=lambda family: family.name)
def test_the_entitled_person_reaches_the_same_routes(family):
    """The positive control: the ids are right, so the refusals above are refusals."""
    world = family.build()
    client = client_of(world.entitled)
    found = family_routes(family, world)
    assert found, f"{family.name}: no route found in the URLconf"
    not_found, answered = [], set()
    for route, url in found:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code == 404 and route.name not in NOT_FOUND_FOR_EVERYONE:
            not_found.append(url)
        if response.status_code == 200:
            answered.add(route.name)
    assert not not_found, f"{family.name}: ids that point at nothing: {not_found}"
    assert set(family.reaches) <= answered, set(family.reaches) - answered


# Routes that take an object's id and show it to anyone, by design: the public API and open data (published
# content only; their own tests keep hidden content out), published co-design sessions and their calendars,
# a person's public profile, and the proposals' and notifications' routes that test_idor.py attacks.
PUBLIC_OR_ATTACKED_ELSEWHERE = ("api-v1:", "opendata:", "proposals:", "notifications:")
OUR_APPS = {"accounts", "challenges", "codesign", "desk", "home", "livinglab", "mydata", "opendata", "pilots"}
OUR_APPS |= {"proposals", "search", "sensors", "notifications"}


def ours(route: Route) -> bool:
    model = route.model
    return route.module.split(".")[0] in OUR_APPS or (model is not None and model._meta.app_label in OUR_APPS)


def test_every_object_route_of_ours_is_attacked():
    """A new route that takes an object's id, in one of our apps or on one of our models in the admin, belongs to
    a family above (or test_idor.py's), or is public by design: nobody has to remember to add it."""
    prefixes = tuple(prefix for family in FAMILIES for prefix in family.prefixes) + PUBLIC_OR_ATTACKED_ELSEWHERE
    unclaimed = [
        route.name for route in routes() if route.arguments and ours(route) and not route.name.startswith(prefixes)
    ]
    assert not unclaimed


# Snippets whose rows are public anyway: Wagtail's chooser stays open to every admin user (experts pick them).
PUBLIC_REFERENCE_SNIPPETS = {"proposals.Area", "proposals.Category"}


def test_every_private_snippet_chooser_asks_for_a_right_to_the_model():
    """Wagtail's choosers check only admin access; each of our snippets with private rows guards its own."""
    unguarded = [
        model._meta.label
        for model in get_snippet_models()
        if model._meta.label not in PUBLIC_REFERENCE_SNIPPETS
        and not issubclass(model.snippet_viewset.chooser_viewset_class, PermissionCheckedChooserViewSet)
    ]
    assert get_snippet_models() and not unguarded
