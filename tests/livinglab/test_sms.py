"""The pluggable SMS sender: console, locmem outbox, and the HTTP gateway against a loopback stand-in."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from livinglab import sms


class Gateway:
    """A stdlib HTTP server on loopback that records each request and answers with ``status``.

    With ``hang`` set it holds every request until the test ends, to stand for a gateway that never answers.
    It proves what we send and how we read the answer; not the real gateway's formats, delivery or limits.
    """

    def __init__(self, status=200, hang=False):
        self.status = status
        self.hang = hang
        self.requests = []
        self.release = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                gateway.requests.append({"headers": dict(self.headers), "body": json.loads(self.rfile.read(length))})
                if gateway.hang:
                    gateway.release.wait(10)
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_locmem_backend_keeps_messages_in_the_outbox():
    sms.send_sms("+821012345678", "코드 123456")
    assert sms.outbox == [sms.SmsMessage(to="+821012345678", body="코드 123456")]


def test_console_backend_prints_the_message():
    stream = io.StringIO()
    sms.ConsoleBackend(stream=stream).send(sms.SmsMessage("+821012345678", "hello"))
    assert "+821012345678" in stream.getvalue()
    assert "hello" in stream.getvalue()


def test_the_backend_is_chosen_by_settings(settings):
    settings.SMS_BACKEND = "livinglab.sms.ConsoleBackend"
    assert isinstance(sms.get_backend(), sms.ConsoleBackend)
    settings.SMS_BACKEND = "livinglab.sms.LocmemBackend"
    assert isinstance(sms.get_backend(), sms.LocmemBackend)


def test_gateway_posts_json_with_key_and_sender(settings):
    with Gateway() as gateway:
        settings.SMS_BACKEND = "livinglab.sms.HttpGatewayBackend"
        settings.SMS_GATEWAY_URL = gateway.url
        settings.SMS_GATEWAY_KEY = "secret-key"
        settings.SMS_SENDER_ID = "0215880000"
        sms.send_sms("+821012345678", "인증번호 123456")
    [request] = gateway.requests
    assert request["body"] == {"to": "+821012345678", "from": "0215880000", "text": "인증번호 123456"}
    assert request["headers"]["Authorization"] == "Bearer secret-key"
    assert sms.outbox == []


@pytest.mark.parametrize("status", [400, 401, 500, 503])
def test_gateway_refusal_raises_sms_error(settings, status):
    with Gateway(status=status) as gateway:
        backend = sms.HttpGatewayBackend(url=gateway.url, key="k", sender="s", timeout=2)
        with pytest.raises(sms.SmsError, match=str(status)):
            backend.send(sms.SmsMessage("+821012345678", "x"))


def test_gateway_that_never_answers_fails_after_the_timeout():
    with Gateway(hang=True) as gateway:
        backend = sms.HttpGatewayBackend(url=gateway.url, key="k", sender="s", timeout=0.2)
        with pytest.raises(sms.SmsError, match="unreachable"):
            backend.send(sms.SmsMessage("+821012345678", "x"))


def test_gateway_that_is_down_raises_sms_error():
    with Gateway() as gateway:
        url = gateway.url
    # The server is closed: nothing listens on the port any more.
    backend = sms.HttpGatewayBackend(url=url, key="k", sender="s", timeout=1)
    with pytest.raises(sms.SmsError, match="unreachable"):
        backend.send(sms.SmsMessage("+821012345678", "x"))


def test_gateway_without_a_url_refuses_to_start(settings):
    settings.SMS_GATEWAY_URL = ""
    with pytest.raises(ImproperlyConfigured, match="SMS_GATEWAY_URL"):
        sms.HttpGatewayBackend()


def test_the_background_task_sends_through_the_configured_backend():
    sms.send_sms_task.enqueue("+821012345678", "notice")
    assert sms.outbox == [sms.SmsMessage("+821012345678", "notice")]
