"""Text messages through a pluggable sender, chosen by ``settings.SMS_BACKEND``.

- ``livinglab.sms.ConsoleBackend`` (development): prints each message, as Django's console e-mail does.
- ``livinglab.sms.LocmemBackend`` (tests): keeps messages in ``livinglab.sms.outbox``.
- ``livinglab.sms.HttpGatewayBackend`` (production): one JSON ``POST`` per message to the gateway named by
  ``SMS_GATEWAY_URL``, with ``SMS_GATEWAY_KEY`` as a bearer token and ``SMS_SENDER_ID`` as the sender, and a
  short timeout. No vendor SDK: a gateway that wants another shape gets a small subclass overriding
  ``payload``/``headers``.

``send_sms`` sends at once and raises ``SmsError`` when the message did not go out; it is for one-time codes, which
a person is waiting for on the page, and every such text first passes ``rate_limits`` (they cost money). Everything else (notifications, digests) goes through the ``send_sms_task``
background task, so a request never waits on the gateway.
"""

import logging
import sys
import threading
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.tasks import task
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    """One text: the recipient's number in E.164 (``+821012345678``) and the words."""

    to: str
    body: str


class SmsError(Exception):
    """The message was not accepted by the sender."""


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Development: the message is printed where ``make run`` shows its output."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> None:
        self.stream.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")
        self.stream.flush()


# Messages "sent" with the locmem backend, oldest first; tests read and clear it (tests/conftest.py).
outbox: list[SmsMessage] = []
_outbox_lock = threading.Lock()


class LocmemBackend(BaseSmsBackend):
    """Tests and browser journeys: messages are kept in ``livinglab.sms.outbox``."""

    def send(self, message: SmsMessage) -> None:
        with _outbox_lock:
            outbox.append(message)


class HttpGatewayBackend(BaseSmsBackend):
    """Production: a plain HTTP gateway. Any 2xx answer is success; anything else, or no answer in time, fails."""

    def __init__(self, *, url: str | None = None, key: str | None = None, sender: str | None = None, timeout=None):
        self.url = url if url is not None else settings.SMS_GATEWAY_URL
        self.key = key if key is not None else settings.SMS_GATEWAY_KEY
        self.sender = sender if sender is not None else settings.SMS_SENDER_ID
        self.timeout = float(timeout if timeout is not None else settings.SMS_GATEWAY_TIMEOUT)
        if not self.url:
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be set to send text messages through the HTTP gateway.")

    def payload(self, message: SmsMessage) -> dict:
        return {"to": message.to, "from": self.sender, "text": message.body}

    def headers(self) -> dict:
        headers = {"Accept": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        return headers

    def send(self, message: SmsMessage) -> None:
        try:
            # (connect, read): a gateway that does not answer holds a worker for seconds, never minutes.
            response = requests.post(
                self.url,
                json=self.payload(message),
                headers=self.headers(),
                timeout=(min(self.timeout, 3.0), self.timeout),
            )
        except requests.RequestException as exc:
            raise SmsError(f"SMS gateway unreachable: {type(exc).__name__}") from exc
        if not 200 <= response.status_code < 300:
            raise SmsError(f"SMS gateway answered {response.status_code}")


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(to: str, body: str) -> None:
    """Send one text now (for codes a person is waiting for); raises ``SmsError`` if it did not go out."""
    message = SmsMessage(to=to, body=body)
    try:
        get_backend().send(message)
    except SmsError:
        # The number is personal data: the log names only its last digits.
        logger.warning("SMS to ...%s failed", to[-4:], exc_info=True)
        raise


def rate_limits(to: str, *, ip: str | None = None) -> list[tuple[str, str, str]]:
    """The limits (for ``livinglab.ratelimit.holding_all``) a text someone triggers must pass: ``SMS_RATE_LIMITS``
    per number (shared by every sender, so a phone is never flooded from two doors at once) and, when the
    request has one, per client address."""
    limits = [("sms-number", to, rate) for rate in settings.SMS_RATE_LIMITS["number"]]
    if ip is not None:
        limits += [("sms-ip", ip or "unknown", rate) for rate in settings.SMS_RATE_LIMITS["ip"]]
    return limits


@task
def send_sms_task(to: str, body: str) -> None:
    """Send one text in the background; a failure fails the task (kept by the task backend) and is logged."""
    send_sms(to, body)
