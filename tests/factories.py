"""factory_boy factories shared by the whole suite."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from accounts.consent import record_consent
from accounts.models import ROLE_GROUPS, Role, User
from proposals.models import Area, Category, Comment, Proposal, ProposalStatus, Vote

PASSWORD = "correct-horse-battery-staple"
# What a resident types into the sign-up form, terms accepted (tests post it as is or change one field).
SIGNUP_FORM = {
    "email": "minji@example.org",
    "display_name": "민지",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
    "accept_terms": "on",
}


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"{n}동")
    name_en = factory.Sequence(lambda n: f"Dong {n}")
    slug = factory.Sequence(lambda n: f"dong-{n}")
    parent = None
    latitude = "37.550000"
    longitude = "127.030000"


class DongFactory(AreaFactory):
    parent = factory.SubFactory(AreaFactory, name="성동구", name_en="Seongdong-gu", slug="seongdong-gu")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"분야 {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A resident with a verified e-mail address."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Resident {n}")
    role = Role.RESIDENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.save()
        if extracted is not False and obj.email:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)
        if obj.role in ROLE_GROUPS:
            obj.groups.add(Group.objects.get(name=ROLE_GROUPS[obj.role]))
        # People signed up through the form have accepted the current terms; so do the factories' people.
        record_consent(obj)


class ResidentFactory(UserFactory):
    pass


class PhoneResidentFactory(UserFactory):
    """A resident with a verified Korean mobile number and no e-mail address or password: signs in by code."""

    email = None
    phone = factory.Sequence(lambda n: f"+82107777{n % 10000:04d}")
    phone_verified = True
    # A value, not a post-generation call: it must be on the row before the saving post-generation step.
    password = factory.LazyFunction(lambda: make_password(None))


class ExpertFactory(UserFactory):
    role = Role.EXPERT
    display_name = factory.Sequence(lambda n: f"Expert {n}")
    expertise = "Urban safety"
    organisation = "Seoul Institute"


class AdministratorFactory(UserFactory):
    role = Role.ADMINISTRATOR
    display_name = factory.Sequence(lambda n: f"Administrator {n}")


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    title = factory.Sequence(lambda n: f"Broken street light near the market, report {n}")
    description = "The street light at the corner has been out for two weeks and the alley is dark at night."
    category = factory.SubFactory(CategoryFactory)
    area = factory.SubFactory(DongFactory)
    author = factory.SubFactory(ResidentFactory)
    status = ProposalStatus.PUBLISHED


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    user = factory.SubFactory(ResidentFactory)
    proposal = factory.SubFactory(ProposalFactory)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    proposal = factory.SubFactory(ProposalFactory)
    author = factory.SubFactory(ResidentFactory)
    author_role = factory.LazyAttribute(lambda o: o.author.role)
    body = "I walk there every evening; it really is dark."
