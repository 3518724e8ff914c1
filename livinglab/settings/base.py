"""Settings shared by every environment. Each value comes from the environment with a safe default."""

from pathlib import Path
from urllib.parse import urlsplit

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from .env import database_from_env, env_bool, env_int, env_list, env_str

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
# The address of the site as people reach it; absolute links in e-mails start with it
# (livinglab.site_url.absolute_url). Development defaults it to the address served.
SITE_URL = env_str("SITE_URL").rstrip("/")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Origins allowed to open WebSockets; each environment defaults it to its trusted origins.
WEBSOCKET_ALLOWED_ORIGINS = env_list("WEBSOCKET_ALLOWED_ORIGINS", CSRF_TRUSTED_ORIGINS)

INSTALLED_APPS = [
    "daphne",
    "accounts",
    "home",
    "proposals",
    "pilots",
    "challenges",
    "sensors",
    "search",
    "notifications",
    "opendata",
    "mydata",
    "desk",
    "codesign",
    # Before wagtail.admin: its templates replace Wagtail's inline-script ones (InlinePanel, date widgets).
    "adminscripts",
    "ninja",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "accounts.apps.LivingLabUsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.kakao",
    "allauth.socialaccount.providers.naver",
    "channels",
    "django_htmx",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Rate limit, CORS (GET only) and conditional GET for /api/; passes every other path through.
    "opendata.middleware.PublicApiMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Posting anything waits until the current terms are accepted (accounts.consent); reading never does.
    "accounts.middleware.ConsentMiddleware",
    "livinglab.middleware.ActionRefusedMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Innermost, so a busy database in any view becomes a 503 before anything else sees the error.
    "livinglab.database_busy.DatabaseBusyMiddleware",
    # A page's address served from the known routes (livinglab/routes.py): its one query is inside the above.
    "livinglab.routes.KnownRoutesMiddleware",
]

ROOT_URLCONF = "livinglab.urls"

# Addresses or networks of the reverse proxies whose X-Forwarded-For is believed (livinglab/client_ip.py).
# Empty: the connection's own address is the client, and the header is ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # {{ csp_nonce }} for the rare inline <script nonce="…">; everything else is a static file.
                "django.template.context_processors.csp",
                "accounts.reading.reading",
            ],
            # The project package's own tag library (it is no app): cached page fragments.
            "libraries": {"fragments": "livinglab.fragments"},
        },
    },
]

# What a page kept whole for signed-out visitors varies on besides its address and language (livinglab.page_cache):
# functions of the request, each returning a short string from a small, fixed set.
SIGNED_OUT_PAGE_VARIES_ON = ["accounts.reading.page_variant"]

ASGI_APPLICATION = "livinglab.asgi.application"
# Threads per server process that run requests' synchronous code (middleware and views); a request waits for a
# free one. More requests at once come from more processes (WEB_CONCURRENCY): livinglab/asgi_handler.py.
ASGI_REQUEST_THREADS = env_int("WEB_THREADS", 2, minimum=1)
WSGI_APPLICATION = "livinglab.wsgi.application"

DATABASES = {"default": database_from_env(BASE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis carries the channel layer and the cache when it is configured; the embedded default keeps both
# in the process, which is right for one worker and wrong for several.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub rather than RedisChannelLayer: a worker's group subscriptions never expire (the other
            # drops members after a day) and come back by themselves after a Redis restart (docs/benchmarks.md).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNELS_PREFIX", "livinglab")},
        }
    }
    CACHES = {
        "default": {
            # Falls back to a per-worker local cache while Redis is away (livinglab/cache.py): writes go on.
            "BACKEND": "livinglab.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "livinglab"),
            "RETRY_AFTER": 5,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work (e-mail, fan-out to followers, index replay, Wagtail's index updates) goes through
# django.tasks into the database; `manage.py db_worker --queue-name '*'` runs it (make run starts one).
# Any queue name is accepted, and the worker takes every queue.
TASKS = {"default": {"BACKEND": "livinglab.task_backend.DatabaseBackend", "QUEUES": []}}

# Periodic work (livinglab/scheduler.py): the scheduler process (`manage.py run_scheduler`, make run's
# `scheduler`) queues each task at its cron times in TIME_ZONE, and the task worker runs it. A function instead
# of a task is called by the scheduler itself; it only decides what to queue. Each slot is claimed once in the
# cache, so a second scheduler never doubles a job; a slot missed by more than its grace is skipped.
SCHEDULE = {
    "sensor-pulls": {"task": "sensors.services.enqueue_due_pulls", "cron": "* * * * *"},
    "search-outbox": {"task": "search.tasks.replay_search_outbox", "cron": "*/5 * * * *"},
    "open-data": {"task": "opendata.tasks.refresh_datasets", "cron": "*/15 * * * *"},
    "retention": {"task": "mydata.retention.run_retention", "cron": "30 3 * * *"},
    "session-reminders": {"task": "codesign.tasks.remind_due_sessions", "cron": "0 9 * * *"},
    "dong-digest": {"task": "notifications.digest.send_dong_digests", "cron": "0 8 * * 1"},
}

ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")
ELASTICSEARCH_INDEX_PREFIX = env_str("ELASTICSEARCH_INDEX_PREFIX", "livinglab")
ELASTICSEARCH_TIMEOUT = float(env_str("ELASTICSEARCH_TIMEOUT", "2"))
# Searches wait less than writes; after this many cluster failures in a row, reads skip the cluster (proposal
# and page search alike) for ELASTICSEARCH_BREAKER_RESET seconds and answer from the database.
ELASTICSEARCH_READ_TIMEOUT = float(env_str("ELASTICSEARCH_READ_TIMEOUT", "0.5"))
ELASTICSEARCH_BREAKER_FAILURES = env_int("ELASTICSEARCH_BREAKER_FAILURES", 3)
ELASTICSEARCH_BREAKER_RESET = float(env_str("ELASTICSEARCH_BREAKER_RESET", "30"))

AUTH_USER_MODEL = "accounts.User"
# Django's database sessions, read with SQL compiled once (the read every signed-in request makes).
SESSION_ENGINE = "livinglab.sessions"

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# allauth: a person signs in with their e-mail address and password, or with their Korean mobile number and a
# one-time code sent by text message (or a password, if they chose one); an account may have either or both.
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
# The sign-up form needs an e-mail address or a mobile number (accounts.forms.SignupForm); a password is needed
# with an e-mail address and optional with a phone alone.
ACCOUNT_SIGNUP_FIELDS = ["email", "phone", "password1", "password2"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# "optional" only because allauth's "mandatory" assumes every account has an e-mail address. Every account
# still proves one channel before it signs in: accounts.stages.VerifiedChannelStage holds back an account with
# an e-mail address and no verified phone until the address is confirmed, as "mandatory" did; a phone is
# verified by its code (allauth's phone verification stage).
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = None
# One-time codes: six digits (easy to type from a text message), a few minutes, three wrong tries, then the
# code is void and a new one must be requested; a few resends, each within the rate limits below.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 5 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = 3
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "dashed": False, "length": 6}
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 10 * 60
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 3
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = 3
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = False
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "dashed": False, "length": 6}
ACCOUNT_RATE_LIMITS = {
    # Failed logins: strict per account (the e-mail address or mobile number), whatever the address. Per IP
    # they count distinct accounts (LOGIN_FAILED_ACCOUNTS_PER_IP, accounts.login_limits), never attempts: a
    # community centre or a mobile carrier puts many residents behind one address, and one attacker there
    # hammering one account must lock that account, not the neighbours. So no "/ip" rate here.
    # A blocked login answers 429 (accounts.views.RateLimitedLoginView).
    "login_failed": env_str("ACCOUNT_LOGIN_FAILED_RATE", "5/5m/key"),
    # Every password sign-in POST per address, refused or not: a flood limit only, high enough that a burst at
    # one (already locked) account does not shut the door on a whole centre.
    "login": "300/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    # Codes by text message (key: the number): one per 30 seconds and five an hour per number, generous per
    # IP for the same shared-address reason. Every text also passes SMS_RATE_LIMITS (accounts.adapters).
    "request_login_code": "60/m/ip,1/30s/key,5/h/key",
    "verify_phone": "60/m/ip,1/30s/key,5/h/key",
    "change_phone": "1/m/user",
}
# Distinct accounts with a failed sign-in from one client address per window (accounts.login_limits).
LOGIN_FAILED_ACCOUNTS_PER_IP = env_str("LOGIN_FAILED_ACCOUNTS_PER_IP", "100/5m")
# Seconds a sign-in waits for allauth's lock on a rate-limit count before a 429 (allauth's own is 1; accounts.apps).
ALLAUTH_RATE_LIMIT_LOCK_WAIT = 8
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm", "signup": "accounts.forms.SignupForm"}
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# allauth's check W001 wants one login method required at sign-up; ours need one of e-mail or phone, which
# accounts.forms.SignupForm enforces (allauth's setting cannot say "either").
SILENCED_SYSTEM_CHECKS = ["account.W001"]

# Kakao and Naver sign-in (allauth's own providers). Credentials come from the environment, or, when these are
# empty, from a "Social application" an administrator adds in the admin (Settings → Social applications).
# Existing accounts are found only by an e-mail address both sides have verified (accounts.adapters); a profile
# without a usable address goes to the sign-up form, which asks for an e-mail address or a mobile number.
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "accounts.forms.SocialSignupForm"}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    provider: {
        "SCOPE": scope,
        **(
            {"APPS": [{"client_id": env_str(f"{prefix}_CLIENT_ID"), "secret": env_str(f"{prefix}_CLIENT_SECRET")}]}
            if env_str(f"{prefix}_CLIENT_ID")
            else {}
        ),
    }
    for provider, prefix, scope in [
        ("kakao", "KAKAO", ["profile_nickname", "account_email"]),
        ("naver", "NAVER", []),
    ]
}

# Wagtail's own login page is replaced by allauth's, so the admin shares its rate limits. So is its password
# reset, which mailed a reset link to any address posted to it, without a limit: allauth's reset page is the one.
WAGTAILADMIN_LOGIN_URL = "admin_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False
# Lazy: the admin dashboard names the site in the admin's language ("1 Page created in 리빙랩").
WAGTAIL_SITE_NAME = _("Living Lab")
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", SITE_URL or "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
if ELASTICSEARCH_URL:
    # Pages (pilots, standard pages) go to the same cluster as proposals, in Wagtail's own index.
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX_PREFIX": f"{ELASTICSEARCH_INDEX_PREFIX}-wagtail-",
            # For the index writes (background tasks); page search reads override it with
            # ELASTICSEARCH_READ_TIMEOUT (search/views.py).
            "TIMEOUT": max(ELASTICSEARCH_TIMEOUT, 5),
            # Wagtail never writes the cluster itself (it would, inside requests, on every delete and upload):
            # search's outbox and task worker do, after the commit (search/wagtail_index.py; check search.E001).
            "AUTO_UPDATE": False,
            "OPTIONS": {},
            "INDEX_SETTINGS": {},
        },
        # Kept up to date beside the cluster, so page search has a database fallback (search/views.py).
        "database": {"BACKEND": "wagtail.search.backends.database"},
    }
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No Gravatar: staff e-mail hashes stay with us, and the CSP needs no third-party image host.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILDOCS_EXTENSIONS = ["csv", "pdf", "xlsx"]
# Editors' images: the same decoded-pixel cap as residents' photos (GPS is stripped by the media storage).
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 24_000_000
# Only formats whose location data the media storage strips by re-encoding (livinglab.images.LOCATION_FORMATS;
# system check livinglab.E001): Wagtail's default list, written out. No HEIC or TIFF.
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]
# Image decoding and encoding threads per worker process, and how long an upload waits for one (seconds).
IMAGE_WORK_CONCURRENCY = env_int("IMAGE_WORK_CONCURRENCY", 1)
IMAGE_WORK_WAIT_SECONDS = env_int("IMAGE_WORK_WAIT_SECONDS", 30)

LANGUAGE_CODE = env_str("DJANGO_LANGUAGE_CODE", "ko")
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("ko", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "/media/"
STORAGES = {
    # Every image written to media loses its GPS EXIF on the way in, whichever view or command wrote it.
    "default": {"BACKEND": "livinglab.storage.LocationFreeFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def mailers_from_env(default_backend: str) -> dict:
    """Django's MAILERS from EMAIL_* variables; SMTP options only go to the SMTP backend."""
    backend = env_str("EMAIL_BACKEND", default_backend)
    options = {}
    if backend == SMTP_BACKEND:
        options = {
            "host": env_str("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 587),
            "username": env_str("EMAIL_HOST_USER"),
            "password": env_str("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS", True),
            "timeout": 10,
        }
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


MAILERS = mailers_from_env("django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Living Lab <noreply@livinglab.local>")

# Text messages (livinglab/sms.py): the sender class, and the HTTP gateway it talks to in production.
SMS_BACKEND = env_str("SMS_BACKEND", "livinglab.sms.ConsoleBackend")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY")
SMS_SENDER_ID = env_str("SMS_SENDER_ID")
SMS_GATEWAY_TIMEOUT = float(env_str("SMS_GATEWAY_TIMEOUT", "5"))
# Every text a person triggers (codes, "no account" notices), per number and per client IP, taken atomically
# (livinglab.ratelimit): a cool-down between two texts, and caps that stop a flood to one phone or from one
# address. Notifications and digests are not counted here; they follow the person's own choices.
SMS_RATE_LIMITS = {
    "number": env_list("SMS_RATE_PER_NUMBER", ["1/30s", "5/h", "10/d"]),
    "ip": env_list("SMS_RATE_PER_IP", ["60/h"]),
}
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # Refused codes, code lockouts and text floods (livinglab.security_log): kept even when LOG_LEVEL is raised.
        "livinglab.security": {"level": "WARNING"},
        # Wagtail runs its index and reference updates as tasks; one line each is noise.
        "django.tasks": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}

# Which environment this is; demo data refuses to create known passwords under "production".
LIVINGLAB_ENVIRONMENT = "base"

# Proposals: the vote count that sends a proposal to review, and the box map points must fall in
# (Seoul, with a margin). Posting limits are per user, taken atomically in the cache (livinglab.ratelimit).
PROPOSAL_REVIEW_THRESHOLD = env_int("PROPOSAL_REVIEW_THRESHOLD", 50)
PROPOSAL_MAP_BOUNDS = {"south": 37.40, "north": 37.72, "west": 126.76, "east": 127.19}
PROPOSAL_RATE_LIMIT = env_str("PROPOSAL_RATE_LIMIT", "5/h")
# The base versions of the terms of use and the privacy notice. Their text is the Wagtail pages at /terms/
# and /privacy/; publishing a page with "Ask everyone to agree again" adds "+1", "+2"… to its version, and
# raising a version here does the same without the pages: either asks every signed-in person to accept
# the text again before they next post (``accounts.consent``).
LEGAL_DOCUMENTS = {
    "terms": env_str("TERMS_VERSION", "2026-11-01"),
    "privacy": env_str("PRIVACY_VERSION", "2026-11-01"),
}
# Where the published legal pages are read from (``{document: {"url", "consent_version"}}``, cached): the home
# app owns the pages, and accounts names it here rather than importing it (home builds on accounts). Empty:
# the versions above alone.
LEGAL_PAGES_SOURCE = "home.legal.published_legal_pages"
COMMENT_RATE_LIMIT = env_str("COMMENT_RATE_LIMIT", "10/m")
REPORT_RATE_LIMIT = env_str("REPORT_RATE_LIMIT", "20/h")
FEEDBACK_RATE_LIMIT = env_str("FEEDBACK_RATE_LIMIT", "10/h")
# Supporting or taking support back, and following or unfollowing (proposals and challenges), per user.
VOTE_RATE_LIMIT = env_str("VOTE_RATE_LIMIT", "100/h")
FOLLOW_RATE_LIMIT = env_str("FOLLOW_RATE_LIMIT", "100/h")
# An expert's assessments saved (written or rewritten), per expert.
ASSESSMENT_RATE_LIMIT = env_str("ASSESSMENT_RATE_LIMIT", "20/h")
# Co-design, per user: signing up for or cancelling sessions and volunteering for or withdrawing from pilots
# (together), and answers to surveys.
CODESIGN_REGISTRATION_RATE_LIMIT = env_str("CODESIGN_REGISTRATION_RATE_LIMIT", "20/h")
SURVEY_ANSWER_RATE_LIMIT = env_str("SURVEY_ANSWER_RATE_LIMIT", "10/h")
# Online requests for a copy of one's data (each builds an archive in the background), per user.
PERSONAL_EXPORT_RATE_LIMIT = env_str("PERSONAL_EXPORT_RATE_LIMIT", "5/d")
# Account-claim attempts (letter number + code) per client IP: a centre's shared address claims a few an hour.
DESK_CLAIM_RATE_LIMIT = env_str("DESK_CLAIM_RATE_LIMIT", "30/h")
# Desk staff, per staff member: what they record for residents (registrations, proposals, supports, comments,
# ratings, paper forms, letters), and the claim codes they text (each costs money; every text also passes
# SMS_RATE_LIMITS per number).
DESK_ACTION_RATE_LIMIT = env_str("DESK_ACTION_RATE_LIMIT", "300/h")
DESK_SMS_RATE_LIMIT = env_str("DESK_SMS_RATE_LIMIT", "30/h")
# Passwords of private pages and documents (Wagtail's privacy settings), tried per client IP.
PAGE_PASSWORD_RATE_LIMIT = env_str("PAGE_PASSWORD_RATE_LIMIT", "10/10m")
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")

# Open data: the public API's limit per client IP, the licence of datasets and API ("kogl-1" or "cc-by-4.0"),
# where built dataset files live (default MEDIA_ROOT/opendata) and whether a change schedules a rebuild.
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "120/m")
OPENDATA_LICENCE = env_str("OPENDATA_LICENCE", "kogl-1")
OPENDATA_ROOT = env_str("OPENDATA_ROOT")
OPENDATA_REFRESH_ON_CHANGE = env_bool("OPENDATA_REFRESH_ON_CHANGE", True)

# Personal data: "download my data" archives live outside MEDIA_ROOT (which the proxy serves publicly) and
# expire; the retention purge removes unverified accounts never used and expired sessions.
PERSONAL_DATA_ROOT = Path(env_str("PERSONAL_DATA_ROOT") or BASE_DIR / "private" / "exports")
PERSONAL_EXPORT_HOURS = env_int("PERSONAL_EXPORT_HOURS", 72)
RETENTION_UNVERIFIED_DAYS = env_int("RETENTION_UNVERIFIED_DAYS", 30)


def tile_source(url: str) -> str:
    """The CSP source for the map tiles: Leaflet's ``{s}`` subdomain becomes a wildcard."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}" if parts.netloc else CSP.SELF


# Content-Security-Policy (Django's built-in support), the public site and the Wagtail admin alike. Scripts come
# only from our origin or carry the request's nonce: no inline script, no eval. Styles allow inline attributes
# (progress bars, Leaflet, the Wagtail admin); a style cannot run code. Images: our files, data:/blob: (Leaflet, Wagtail's image previews), the map tiles.
# WebSockets are same-origin ('self' covers ws:/wss: on the page's host).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", tile_source(MAP_TILE_URL)],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
}
# The Wagtail admin runs under the same policy: Wagtail 8.0 starts its widgets with inline scripts, which the
# adminscripts app turns into JSON data started by a static file (adminscripts/initialisers.py explains how).

# Sensor pulls (sensors/sensorthings.py): retries after a failed request, with exponential backoff.
SENSORS_PULL_RETRIES = env_int("SENSORS_PULL_RETRIES", 2)
SENSORS_PULL_BACKOFF_SECONDS = float(env_str("SENSORS_PULL_BACKOFF_SECONDS", "2"))
