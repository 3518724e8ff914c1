"""Issue 15, point 11 (write side, Wagtail): no page, image or document write waits on the cluster.

Wagtail's own index writes are synchronous on delete (and on the image and document forms): against a hanging
cluster a page delete took the full timeout twice. Here Wagtail's Elasticsearch 8 backend is configured as in
production (``AUTO_UPDATE: False``, written by the search outbox) against the loopback server that accepts
connections and never answers. Every admin write of every indexed model must return without a connection
reaching that server, leave its outbox rows, and enqueue the task; the task, run later against the loopback
stand-in that answers, drains the outbox into the index.
"""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection, Page
from wagtail.search.index import get_indexed_models
from wagtail.test.utils.form_data import nested_form_data, streamfield

from home import demo
from home.models import StandardPage
from search import wagtail_index
from search.models import IndexAction, WagtailIndexOutbox
from search.signals import wagtail_object_deleted, wagtail_object_saved
from search.tasks import index_wagtail_object, replay_search_outbox
from tests.factories import AdministratorFactory

from .loopback_elasticsearch import HangingServer, LoopbackElasticsearch, connections_waiting, enqueued

pytestmark = pytest.mark.django_db

PREFIX = "test-wagtail-"
PAGES, IMAGES, DOCUMENTS = "wagtailcore.page", "wagtailimages.image", "wagtaildocs.document"
INDICES = {PAGES: "wagtailcore_page", IMAGES: "wagtailimages_image", DOCUMENTS: "wagtaildocs_document"}


def wagtail_backends(url: str) -> dict:
    """WAGTAILSEARCH_BACKENDS as livinglab/settings/base.py builds it with a cluster, for ``url``."""
    return {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [url],
            "INDEX_PREFIX": PREFIX,
            "TIMEOUT": 1,
            "OPTIONS": {"max_retries": 0},
            "INDEX_SETTINGS": {},
            "AUTO_UPDATE": False,
        },
        "database": {"BACKEND": "wagtail.search.backends.database"},
    }


@pytest.fixture
def hanging(settings):
    with HangingServer() as server:
        settings.WAGTAILSEARCH_BACKENDS = wagtail_backends(server.url)
        yield server


@pytest.fixture
def admin_client(client):
    client.force_login(AdministratorFactory(is_superuser=True))
    return client


@pytest.fixture
def home():
    return demo.build_pages()


def standard_page(parent, title="Bus shelter pilot"):
    page = StandardPage(title=title, slug=title.lower().replace(" ", "-"), intro="")
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def image(title="Shelter"):
    return get_image_model().objects.create(title=title, file=get_test_image_file(filename=f"{title}.png"))


def document(title="Minutes"):
    return get_document_model().objects.create(title=title, file=ContentFile(b"%PDF-1.4 minutes", name="m.pdf"))


def page_form(page=None, *, title="Bench pilot", publish=False) -> dict:
    data = nested_form_data(
        {"title": title, "slug": page.slug if page else "bench-pilot", "intro": "", "body": streamfield([])}
    )
    if publish:
        data["action-publish"] = "1"
    return data


def bulk_url(model: str, action: str, objects, next_url="/admin/") -> str:
    app_label, model_name = model.split(".")
    ids = "&".join(f"id={item.pk}" for item in objects)
    return f"{reverse('wagtail_bulk_action', args=(app_label, model_name, action))}?next={next_url}&{ids}"


# Each write: (prepare(home) -> context, request(client, context) -> response, expected outbox rows).
# Expected rows name objects through the context, as {(model, key in context): action}.


def create_page(client, ctx):
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["home", "standardpage", ctx["home"].pk]), page_form()
    )
    ctx["page"] = StandardPage.objects.get(slug="bench-pilot")
    return response


def edit_page_draft(client, ctx):
    return client.post(reverse("wagtailadmin_pages:edit", args=[ctx["page"].pk]), page_form(ctx["page"], title="New"))


def publish_page(client, ctx):
    url = reverse("wagtailadmin_pages:edit", args=[ctx["page"].pk])
    return client.post(url, page_form(ctx["page"], title="Now live", publish=True))


def unpublish_page(client, ctx):
    return client.post(reverse("wagtailadmin_pages:unpublish", args=[ctx["page"].pk]))


def delete_page(client, ctx):
    return client.post(reverse("wagtailadmin_pages:delete", args=[ctx["page"].pk]))


def bulk_delete_pages(client, ctx):
    return client.post(bulk_url(PAGES, "delete", [ctx["page"], ctx["other"]]))


def move_page(client, ctx):
    return client.post(reverse("wagtailadmin_pages:move_confirm", args=[ctx["page"].pk, ctx["other"].pk]))


def bulk_move_pages(client, ctx):
    return client.post(bulk_url(PAGES, "move", [ctx["page"]]), {"chooser": ctx["other"].pk})


def bulk_publish_pages(client, ctx):
    return client.post(bulk_url(PAGES, "publish", [ctx["page"]]), {"include_descendants": "on"})


def upload_image(client, ctx):
    file = SimpleUploadedFile("upload.png", get_test_image_file().file.getvalue(), content_type="image/png")
    root = Collection.get_first_root_node().pk
    response = client.post(reverse("wagtailimages:add"), {"title": "Uploaded", "file": file, "collection": root})
    ctx["image"] = get_image_model().objects.get(title="Uploaded")
    return response


def edit_image(client, ctx):
    url = reverse("wagtailimages:edit", args=[ctx["image"].pk])
    return client.post(url, {"title": "Renamed", "collection": ctx["image"].collection_id, "tags": "shelter"})


def delete_image(client, ctx):
    return client.post(reverse("wagtailimages:delete", args=[ctx["image"].pk]))


def bulk_delete_images(client, ctx):
    return client.post(bulk_url(IMAGES, "delete", [ctx["image"], ctx["other_image"]]))


def bulk_collect_images(client, ctx):
    return client.post(bulk_url(IMAGES, "add_to_collection", [ctx["image"]]), {"collection": ctx["collection"].pk})


def bulk_tag_images(client, ctx):
    return client.post(bulk_url(IMAGES, "add_tags", [ctx["image"]]), {"tags": "bus, shelter"})


def upload_document(client, ctx):
    file = ContentFile(b"%PDF-1.4 uploaded", name="uploaded.pdf")
    root = Collection.get_first_root_node().pk
    response = client.post(reverse("wagtaildocs:add"), {"title": "Uploaded", "file": file, "collection": root})
    ctx["document"] = get_document_model().objects.get(title="Uploaded")
    return response


def edit_document(client, ctx):
    url = reverse("wagtaildocs:edit", args=[ctx["document"].pk])
    return client.post(url, {"title": "Renamed", "collection": ctx["document"].collection_id, "tags": ""})


def delete_document(client, ctx):
    return client.post(reverse("wagtaildocs:delete", args=[ctx["document"].pk]))


def bulk_delete_documents(client, ctx):
    return client.post(bulk_url(DOCUMENTS, "delete", [ctx["document"], ctx["other_document"]]))


def bulk_collect_documents(client, ctx):
    url = bulk_url(DOCUMENTS, "add_to_collection", [ctx["document"]])
    return client.post(url, {"collection": ctx["collection"].pk})


INDEX, DELETE = IndexAction.INDEX, IndexAction.DELETE
WRITES = {
    "page created": (create_page, {(PAGES, "page"): INDEX}),
    "page draft saved": (edit_page_draft, {(PAGES, "page"): INDEX}),
    "page published": (publish_page, {(PAGES, "page"): INDEX}),
    "page unpublished": (unpublish_page, {(PAGES, "page"): INDEX}),
    "page deleted with its child": (delete_page, {(PAGES, "page"): DELETE, (PAGES, "child"): DELETE}),
    "pages deleted in bulk": (bulk_delete_pages, {(PAGES, "page"): DELETE, (PAGES, "other"): DELETE}),
    "page moved with its child": (move_page, {(PAGES, "page"): INDEX, (PAGES, "child"): INDEX}),
    "pages moved in bulk": (bulk_move_pages, {(PAGES, "page"): INDEX, (PAGES, "child"): INDEX}),
    "pages published in bulk": (bulk_publish_pages, {(PAGES, "page"): INDEX}),
    "image uploaded": (upload_image, {(IMAGES, "image"): INDEX}),
    "image edited": (edit_image, {(IMAGES, "image"): INDEX}),
    "image deleted": (delete_image, {(IMAGES, "image"): DELETE}),
    "images deleted in bulk": (bulk_delete_images, {(IMAGES, "image"): DELETE, (IMAGES, "other_image"): DELETE}),
    "images moved to a collection in bulk": (bulk_collect_images, {(IMAGES, "image"): INDEX}),
    "images tagged in bulk": (bulk_tag_images, {(IMAGES, "image"): INDEX}),
    "document uploaded": (upload_document, {(DOCUMENTS, "document"): INDEX}),
    "document edited": (edit_document, {(DOCUMENTS, "document"): INDEX}),
    "document deleted": (delete_document, {(DOCUMENTS, "document"): DELETE}),
    "documents deleted in bulk": (
        bulk_delete_documents,
        {(DOCUMENTS, "document"): DELETE, (DOCUMENTS, "other_document"): DELETE},
    ),
    "documents moved to a collection in bulk": (bulk_collect_documents, {(DOCUMENTS, "document"): INDEX}),
}


@pytest.fixture
def world(home, settings):
    """Pages, images and documents written before the cluster hangs (no outbox: no cluster configured yet)."""
    page = standard_page(home)
    child = standard_page(page, title="Shelter results")
    other = standard_page(home, title="Smart lights")
    collection = Collection.get_first_root_node().add_child(name="Pilots")
    return {
        "home": home,
        "page": page,
        "child": child,
        "other": other,
        "image": image(),
        "other_image": image("Bench"),
        "document": document(),
        "other_document": document("Survey"),
        "collection": collection,
    }


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_an_admin_write_never_contacts_a_hanging_cluster_and_drains_later(
    write, world, admin_client, worker_elsewhere, settings, django_capture_on_commit_callbacks
):
    action, expected = WRITES[write]
    with HangingServer() as server:
        settings.WAGTAILSEARCH_BACKENDS = wagtail_backends(server.url)
        with django_capture_on_commit_callbacks(execute=True):
            response = action(admin_client, world)
        form = getattr(response, "context", None) and response.context.get("form")
        assert response.status_code == 302, form.errors if form else response.content[:500]
        # The request returned, and no connection ever reached the cluster.
        assert connections_waiting(server) == 0
    keys = {(model, str(world[name].pk)): state for (model, name), state in expected.items()}
    rows = {(row.model, row.object_id): row for row in WagtailIndexOutbox.objects.all()}
    assert {key: rows[key].action for key in keys if key in rows} == keys
    assert all(row.attempts == 0 for row in rows.values())
    tasks = set(enqueued(worker_elsewhere, index_wagtail_object))
    assert set(keys) <= tasks

    # Later, the worker runs the tasks against a cluster that answers: the outbox drains into the index.
    with LoopbackElasticsearch() as cluster:
        settings.WAGTAILSEARCH_BACKENDS = wagtail_backends(cluster.url)
        for model, index_name in INDICES.items():
            docs = {object_id: {} for (key_model, object_id) in keys if key_model == model}
            cluster.state.indices[PREFIX + index_name] = {"body": {}, "docs": docs}
        for args in sorted(tasks):
            assert index_wagtail_object.call(*args) is True
        for (model, object_id), state in keys.items():
            in_index = object_id in cluster.state.documents(PREFIX + INDICES[model])
            assert in_index is (state == INDEX), (model, object_id, state)
    assert not WagtailIndexOutbox.objects.exists()


def test_deleting_a_pages_owner_queues_the_pages_whose_owner_was_emptied(
    world, hanging, worker_elsewhere, django_capture_on_commit_callbacks
):
    owner = AdministratorFactory()
    Page.objects.filter(pk=world["page"].pk).update(owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        owner.delete()
    assert connections_waiting(hanging) == 0
    assert WagtailIndexOutbox.objects.filter(model=PAGES, object_id=str(world["page"].pk)).exists()
    assert not WagtailIndexOutbox.objects.filter(model=PAGES, object_id=str(world["other"].pk)).exists()


def test_a_write_in_a_rolled_back_transaction_leaves_nothing(world, hanging, worker_elsewhere):
    with pytest.raises(RuntimeError), transaction.atomic():
        world["image"].delete()
        assert WagtailIndexOutbox.objects.exists()
        raise RuntimeError("the transaction fails after the delete")
    assert not WagtailIndexOutbox.objects.exists()
    assert enqueued(worker_elsewhere, index_wagtail_object) == []


def test_the_task_meets_the_hanging_cluster_and_keeps_the_row(
    world, hanging, worker_elsewhere, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        world["image"].delete()
    args = enqueued(worker_elsewhere, index_wagtail_object)
    assert index_wagtail_object.call(*args[0]) is False  # the worker's run: times out after TIMEOUT
    assert connections_waiting(hanging) == 1
    row = WagtailIndexOutbox.objects.get()
    assert (row.action, row.attempts) == (DELETE, 1)
    assert "Timeout" in row.last_error


def test_the_scheduled_replay_sends_what_failed_once_the_cluster_answers(world, settings, worker_elsewhere):
    with HangingServer() as server:
        settings.WAGTAILSEARCH_BACKENDS = wagtail_backends(server.url)
        image_id = world["image"].pk
        world["image"].delete()
        world["page"].save_revision().publish()
        assert replay_search_outbox.call()["wagtail_failed"] == 1  # stops at the first failure
    pending = WagtailIndexOutbox.objects.count()
    assert pending >= 2
    with LoopbackElasticsearch() as cluster:
        settings.WAGTAILSEARCH_BACKENDS = wagtail_backends(cluster.url)
        for index_name in INDICES.values():
            cluster.state.indices[PREFIX + index_name] = {"body": {}, "docs": {}}
        result = replay_search_outbox.call()
        assert (result["wagtail_sent"], result["wagtail_failed"]) == (pending, 0)
        assert str(world["page"].pk) in cluster.state.documents(PREFIX + INDICES[PAGES])
        deletes = cluster.requests_to(f"/{PREFIX}{INDICES[IMAGES]}/_doc/{image_id}")
        assert [request.method for request in deletes] == ["DELETE"]
    assert not WagtailIndexOutbox.objects.exists()


def test_a_second_task_of_the_same_change_sends_nothing(world, settings, worker_elsewhere):
    with LoopbackElasticsearch() as cluster:
        settings.WAGTAILSEARCH_BACKENDS = wagtail_backends(cluster.url)
        cluster.state.indices[PREFIX + INDICES[IMAGES]] = {"body": {}, "docs": {}}
        world["image"].save()
        key = (IMAGES, str(world["image"].pk))
        assert index_wagtail_object.call(*key) is True
        sent = len(cluster.state.requests)
        assert index_wagtail_object.call(*key) is True
        assert len(cluster.state.requests) == sent


def test_without_a_cluster_there_is_no_outbox_and_no_task(world, worker_elsewhere, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world["image"].delete()
        world["page"].delete()
    assert not WagtailIndexOutbox.objects.exists()
    assert enqueued(worker_elsewhere, index_wagtail_object) == []


def test_an_auto_updated_cluster_backend_fails_the_system_check(settings):
    settings.WAGTAILSEARCH_BACKENDS = wagtail_backends("http://127.0.0.1:9")
    assert wagtail_index.check_cluster_backends() == []
    del settings.WAGTAILSEARCH_BACKENDS["default"]["AUTO_UPDATE"]
    assert [error.id for error in wagtail_index.check_cluster_backends()] == ["search.E001"]
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    assert wagtail_index.check_cluster_backends() == []


def test_every_indexed_model_writes_the_outbox():
    """A model Wagtail indexes (now or later) is covered: its save and delete receivers are connected."""
    for model in get_indexed_models():
        assert wagtail_object_saved in post_save._live_receivers(model)[0], model
        assert wagtail_object_deleted in post_delete._live_receivers(model)[0], model


def test_the_sync_command_replays_the_wagtail_outbox_inline(world, settings, loopback_es):
    settings.WAGTAILSEARCH_BACKENDS = wagtail_backends(loopback_es.url)
    for index_name in INDICES.values():
        loopback_es.state.indices[PREFIX + index_name] = {"body": {}, "docs": {}}
    loopback_es.state.indices["test-proposals-1"] = {"body": {}, "docs": {}}
    loopback_es.state.aliases["test-proposals"] = "test-proposals-1"
    WagtailIndexOutbox.objects.create(model=DOCUMENTS, object_id=str(world["document"].pk))
    call_command("search_index", "--sync", "--inline")
    assert str(world["document"].pk) in loopback_es.state.documents(PREFIX + INDICES[DOCUMENTS])
    assert not WagtailIndexOutbox.objects.exists()
