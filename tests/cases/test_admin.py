"""我的待办 in the Wagtail admin: scoping on every URL, actions through the services, bulk
operations, private photos, and a fixed number of queries."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases import services
from cases.models import Case, CaseCategory, CasePhoto, State
from portal.viewsets import is_scoped_view
from tests import factories


def _jpeg_with_gps() -> SimpleUploadedFile:
    image = Image.new("RGB", (3000, 2000), "green")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (36.0, 5.0, 0.0), 3: "E", 4: (120.0, 22.0, 0.0)}  # GPS
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")


def _login(client, user):
    client.force_login(user)
    return client


def test_inbox_lists_only_the_staff_members_cases(client, world):
    mine = world.report()
    theirs = world.report(grid=world.other_grid)
    response = _login(client, world.staff).get(reverse("cases_admin_inbox"))
    assert response.status_code == 200
    assert mine.number in response.text
    assert theirs.number not in response.text


def test_every_case_url_is_404_outside_the_scope(client, world, settings, tmp_path):
    settings.CASES_PRIVATE_MEDIA_ROOT = tmp_path
    case = world.report(photos=[_jpeg_with_gps()])
    photo = case.photos.get()
    _login(client, world.other_staff)
    urls = [
        ("get", reverse("cases_admin_detail", args=[case.pk])),
        ("get", reverse("cases_admin_photo", args=[case.pk, photo.pk])),
        ("post", reverse("cases_admin_action", args=[case.pk, "accept"])),
        ("post", reverse("cases_admin_action", args=[case.pk, "reject"])),
        ("post", reverse("cases_admin_action", args=[case.pk, "add_note"])),
        ("post", reverse("cases_admin_action", args=[case.pk, "photo_public"])),
    ]
    for method, url in urls:
        response = getattr(client, method)(url, {"reject-reason": "x", "add_note-text": "x"})
        assert response.status_code == 404, url
    client.post(reverse("cases_admin_bulk"), {"operation": "accept", "cases": [case.pk]})
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not case.events.filter(action="note").exists()


def test_people_without_a_staff_role_are_kept_out(client, world):
    case = world.report()
    for person in (world.reporter, world.stranger):
        client.force_login(person)
        for url in (reverse("cases_admin_inbox"), reverse("cases_admin_detail", args=[case.pk])):
            assert client.get(url).status_code in (302, 403), url


def test_bad_ids_are_404_not_500(client, world):
    _login(client, world.staff)
    assert client.get("/admin/cases/999999/").status_code == 404
    assert client.get("/admin/cases/abc/").status_code == 404
    case = world.report()
    assert client.post(f"/admin/cases/{case.pk}/nonsense/").status_code == 404
    assert (
        client.get(reverse("cases_admin_inbox"), {"grid": "xyz", "page": "-1"}).status_code == 200
    )


def test_staff_accept_and_dispatch_through_the_forms(client, world):
    case = world.report()
    _login(client, world.staff)
    page = client.get(reverse("cases_admin_detail", args=[case.pk]))
    assert "受理" in page.text and "不予受理" in page.text
    response = client.post(reverse("cases_admin_action", args=[case.pk, "accept"]), {})
    assert response.status_code == 302
    response = client.post(
        reverse("cases_admin_action", args=[case.pk, "dispatch"]),
        {"dispatch-department": world.department.pk},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.assigned_department == world.department
    # The department's handler now sees it, and may start it.
    client.force_login(world.handler)
    assert case.number in client.get(reverse("cases_admin_inbox")).text
    client.post(reverse("cases_admin_action", args=[case.pk, "start"]), {})
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS


def test_an_invalid_action_keeps_the_typed_text_and_says_why(client, world):
    case = world.report()
    _login(client, world.staff)
    response = client.post(
        reverse("cases_admin_action", args=[case.pk, "reject"]),
        {"reject-reason": "重复", "reject-duplicate_of": "SB-NOPE"},
    )
    assert response.status_code == 400
    assert "找不到这个编号的诉求" in response.text
    assert "重复" in response.text
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_an_action_the_state_does_not_allow_is_refused_with_a_sentence(client, world):
    case = world.report()
    services.case_accept(case=case, by=world.leader)
    _login(client, world.staff)
    response = client.post(reverse("cases_admin_action", args=[case.pk, "accept"]), {})
    assert response.status_code == 400
    assert "不能受理" in response.text


def test_bulk_accept_then_dispatch_to_the_category_department(client, world):
    cases = [world.report() for _ in range(3)]
    _login(client, world.staff)
    ids = [c.pk for c in cases]
    client.post(reverse("cases_admin_bulk"), {"operation": "accept", "cases": ids})
    client.post(reverse("cases_admin_bulk"), {"operation": "dispatch_category", "cases": ids})
    states = set(Case.objects.filter(pk__in=ids).values_list("state", "assigned_department"))
    assert states == {(State.DISPATCHED, world.department.pk)}


def test_photos_are_stripped_private_and_served_to_staff_only(client, world, settings, tmp_path):
    settings.CASES_PRIVATE_MEDIA_ROOT = tmp_path
    case = world.report(photos=[_jpeg_with_gps()])
    photo = case.photos.get()
    assert str(tmp_path) in photo.image.path
    with Image.open(photo.image.path) as stored:
        assert max(stored.size) <= 1600
        assert not stored.getexif()
    _login(client, world.staff)
    response = client.get(reverse("cases_admin_photo", args=[case.pk, photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    # Not public until staff make it public.
    public_url = reverse("cases:photo", args=[case.number, photo.pk])
    assert public_url not in client.get(case.get_absolute_url()).text
    assert client.get(public_url).status_code == 404
    client.post(
        reverse("cases_admin_action", args=[case.pk, "photo_public"]),
        {"photo_public-photo": photo.pk, "photo_public-public": "1"},
    )
    assert CasePhoto.objects.get(pk=photo.pk).is_public
    assert client.get(public_url).status_code == 200


def test_inbox_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    for _ in range(3):
        world.report()
    _login(client, world.staff)
    client.get(reverse("cases_admin_inbox"))  # warm per-user caches
    with django_assert_max_num_queries(25) as small:
        client.get(reverse("cases_admin_inbox"))
    for _ in range(30):
        world.report(grid=world.grid, by=factories.make_user())
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("cases_admin_inbox"))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["staff", "admin", "handler"])
def test_detail_query_count_is_fixed(client, world, who, django_assert_max_num_queries):
    case = world.report()
    services.case_accept(case=case, by=world.staff)
    services.case_dispatch(case=case, by=world.staff, department=world.department)
    for n in range(10):
        services.case_add_note(case=case, by=world.staff, text=f"备注{n}")
    _login(client, getattr(world, who))
    with django_assert_max_num_queries(30):
        assert client.get(reverse("cases_admin_detail", args=[case.pk])).status_code == 200


def test_the_inbox_count_is_capped_and_says_so(client, world, monkeypatch):
    from cases import admin_views

    monkeypatch.setattr(admin_views.CappedPaginator, "cap", 2)
    for _ in range(4):
        world.report()
    _login(client, world.staff)
    response = client.get(reverse("cases_admin_inbox"))
    assert "超过 2 件" in response.text
    assert response.context["page_obj"].paginator.count == 3


def test_the_settings_snippets_are_on_the_one_scoping_path(monkeypatch):
    """Categories and the working calendar are district-wide, and say so through the shared
    scoping mechanism like every other admin viewset (tests/portal/test_admin_scoping.py)."""
    from tests.portal import test_admin_scoping

    monkeypatch.setattr(test_admin_scoping, "PROJECT_APPS", {"cases"})
    views = list(test_admin_scoping._project_model_views())
    assert {model.__name__ for *_rest, model in views} >= {"CaseCategory", "WorkingDayOverride"}
    assert [route for route, _n, view_class, _m in views if not is_scoped_view(view_class)] == []


def test_the_action_notes_say_they_are_shown_to_the_public(client, world):
    """A transition's note goes into the public 办理进展: the form says so before staff type
    a resident's name or phone number into it, and the note is indeed on the public page."""
    case = world.report()
    _login(client, world.staff)
    page = client.get(reverse("cases_admin_detail", args=[case.pk]))
    assert "会显示在公开的办理进展中" in page.text
    client.post(
        reverse("cases_admin_action", args=[case.pk, "accept"]), {"accept-note": "已联系物业"}
    )
    client.logout()
    assert "已联系物业" in client.get(case.get_absolute_url()).text


def test_the_benchs_staff_pages_answer_for_staff_and_the_district_admin(client, world):
    """bench/run.py --as staff / --as admin measures these URLs (a non-2xx would measure an
    error page): the inbox, its filters, a page down the list and a case in scope."""
    from cases.bench_data import bench_staff_urls

    staff = factories.make_community_staff(
        world.grid.community, email="staff@example.cn", home_grid=world.grid
    )
    case = world.report()
    world.report(grid=world.other_grid)
    urls = dict(bench_staff_urls())
    assert urls["staff case detail"] == reverse("cases_admin_detail", args=[case.pk])
    for user in (staff, world.admin):
        _login(client, user)
        for name, url in urls.items():
            response = client.get(url)
            assert response.status_code == 200, (user, name, url)
        client.logout()


def test_bulk_ids_outside_the_databases_range_are_a_message_not_a_500(client, world):
    case = world.report()
    _login(client, world.staff)
    bulk = reverse("cases_admin_bulk")
    response = client.post(bulk, {"operation": "accept", "cases": []}, follow=True)
    assert "请先勾选要处理的诉求。" in response.text
    for ids in (["9" * 30], [str(2**63)], [str(case.pk), "-1"], ["１２"], ["abc"], ["0"]):
        response = client.post(bulk, {"operation": "accept", "cases": ids}, follow=True)
        assert response.status_code == 200, ids
        assert "勾选的诉求编号无效，请刷新页面后重新勾选。" in response.text, ids
    for operation in ({}, {"operation": "delete"}):
        response = client.post(bulk, {**operation, "cases": [case.pk]}, follow=True)
        assert "请选择批量操作。" in response.text, operation
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_bulk_says_so_when_none_of_the_ticked_cases_is_in_scope(client, world):
    theirs = world.report(grid=world.other_grid)
    _login(client, world.staff)
    response = client.post(
        reverse("cases_admin_bulk"), {"operation": "accept", "cases": [theirs.pk]}, follow=True
    )
    assert "勾选的诉求已不在您的待办范围内，请刷新后重试。" in response.text
    theirs.refresh_from_db()
    assert theirs.state == State.SUBMITTED


def test_bulk_dispatch_to_a_group_that_is_no_department_names_the_field(client, world):
    from django.contrib.auth.models import Group

    not_a_department = Group.objects.create(name="编辑")
    case = world.report()
    services.case_accept(case=case, by=world.staff)
    _login(client, world.staff)
    response = client.post(
        reverse("cases_admin_bulk"),
        {"operation": "dispatch", "department": not_a_department.pk, "cases": [case.pk]},
        follow=True,
    )
    assert "只能派遣到处置部门，请重新选择。" in response.text
    assert "请选择批量操作。" not in response.text
    assert "请选择要派遣到的部门。" not in response.text  # one message, the one that applies
    case.refresh_from_db()
    assert case.state == State.ACCEPTED


def test_the_timeline_names_the_reporter_only_when_they_allowed_contact(client, world):
    world.reporter.display_name = "王秀兰"
    world.reporter.save()
    private = world.report(contact_allowed=False)
    open_to_contact = world.report(contact_allowed=True, description="楼道灯坏了一个月")
    _login(client, world.staff)
    page = client.get(reverse("cases_admin_detail", args=[private.pk])).text
    assert "王秀兰" not in page
    assert "居民（上报人）" in page
    page = client.get(reverse("cases_admin_detail", args=[open_to_contact.pk])).text
    assert "王秀兰（上报人）" in page
    # A report whose account is gone (or that came without one) is still a resident's.
    private.events.filter(action="report").update(actor=None)
    page = client.get(reverse("cases_admin_detail", args=[private.pk])).text
    assert "居民（上报人）" in page and "系统（上报人）" not in page


def test_the_demo_handler_logs_in_to_the_cases_dispatched_to_their_department(client, world):
    from cases import demo
    from portal.demo_context import DemoContext

    demo.ensure_categories()
    ctx = DemoContext(stdout=None)
    demo._handler(ctx)
    handler = ctx.users["handler"]
    sanitation = CaseCategory.objects.get(code="sanitation")
    assert sanitation.department.name == "城管"
    case = world.report(category=sanitation)
    services.case_accept(case=case, by=world.staff)
    services.case_dispatch(case=case, by=world.staff, department=sanitation.department)
    other = world.report()
    assert client.login(email=demo.DEMO_HANDLER[0], password=ctx.password)
    inbox = client.get(reverse("cases_admin_inbox"))
    assert inbox.status_code == 200
    assert case.number in inbox.text and other.number not in inbox.text
    assert [("城管处置人员 department handler", handler.email)] == demo.DEMO_LOGINS
