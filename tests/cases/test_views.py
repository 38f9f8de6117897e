"""The resident-facing pages of cases through HTTP: the report form in two steps, the
public list and case pages (anonymised), following and rating."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cases import services
from cases.models import Case, CaseFollower, CasePhoto, Rating, State
from cases.sla_table import sla_table
from tests import factories
from tests.cases.factories import make_world

pytestmark = pytest.mark.django_db

REPORT = reverse("cases:report")


@pytest.fixture
def world(db, home_page, settings, tmp_path):
    settings.CASES_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return make_world()


def gps_jpeg(name="photo.jpg", size=(2400, 1800)) -> SimpleUploadedFile:
    """A JPEG with EXIF that holds a camera model and a GPS position."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x0110] = "TestPhone 12"  # Model
    gps = {1: "N", 2: (36.0, 4.0, 30.0), 3: "E", 4: (120.0, 22.0, 10.0)}
    exif[0x8825] = gps  # GPSInfo
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    data = buffer.getvalue()
    assert Image.open(BytesIO(data)).getexif().get_ifd(0x8825), "the fixture must carry GPS"
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def details(world, **fields):
    data = {
        "category": world.category.pk,
        "grid": world.grid.pk,
        "description": "小区门口垃圾堆放多日无人清理，气味很大。",
        "address": "延安三路128号楼下",
        "latitude": "",
        "longitude": "",
        "contact_allowed": "on",
    }
    data.update(fields)
    return data


# --- Reporting ------------------------------------------------------------------------------


def test_report_needs_login(client, world):
    response = client.get(REPORT)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_step_one_defaults_to_the_home_grid(client, world):
    client.force_login(world.reporter)
    response = client.get(REPORT)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["grid"] == world.grid.pk
    assert form.initial["street"] == world.grid.community.street_id
    html = response.content.decode()
    assert f'<option value="{world.grid.pk}" selected>' in html


def test_step_one_errors_are_clear(client, world):
    client.force_login(world.reporter)
    response = client.get(REPORT, {"category": "", "street": "abc", "grid": "999999"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请选择一个问题类别。" in html
    assert "所选地区不存在，请重新选择。" in html


def test_step_two_offers_similar_open_cases_to_follow(client, world):
    original = world.report(by=world.stranger, description="垃圾桶满溢无人清理")
    closed_elsewhere = world.report(by=world.stranger, grid=world.other_grid)
    client.force_login(world.reporter)
    response = client.get(
        REPORT,
        {
            "category": world.category.pk,
            "street": world.grid.community.street_id,
            "community": world.grid.community_id,
            "grid": world.grid.pk,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert original.number in html
    assert closed_elsewhere.number not in html
    assert reverse("cases:follow", args=[original.number]) in html
    assert "我也遇到" in html

    response = client.post(
        reverse("cases:follow", args=[original.number]), {"next": original.get_absolute_url()}
    )
    assert response.status_code == 302
    assert CaseFollower.objects.filter(case=original, user=world.reporter).exists()
    assert Case.objects.filter(reporter=world.reporter).count() == 0


def test_report_with_a_photo_strips_exif_and_stores_privately(client, world, settings):
    client.force_login(world.reporter)
    response = client.post(REPORT, details(world, photos=[gps_jpeg()]))
    case = Case.objects.get(reporter=world.reporter)
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert case.address == "延安三路128号楼下"
    assert case.contact_allowed is True
    photo = case.photos.get()
    assert not photo.is_public
    path = photo.image.path
    assert str(settings.CASES_PRIVATE_MEDIA_ROOT) in path
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with Image.open(path) as stored:
        assert not stored.getexif(), "the stored photo still carries EXIF"
        assert "exif" not in stored.info
        assert max(stored.size) <= 1600
    with open(path, "rb") as handle:
        assert b"TestPhone" not in handle.read()


def test_report_errors_keep_the_text_and_say_what_is_wrong(client, world):
    client.force_login(world.reporter)
    response = client.post(
        REPORT, details(world, description="   ", address="延安三路128号楼下东侧")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请描述遇到的问题。" in html
    assert "延安三路128号楼下东侧" in html
    assert Case.objects.count() == 0

    response = client.post(REPORT, details(world, description="x" * 1001))
    assert response.status_code == 400
    assert "问题描述不能超过 1000 个字" in response.content.decode()


def test_report_errors_ask_to_choose_photos_again(client, world):
    client.force_login(world.reporter)
    response = client.post(REPORT, details(world, description="", photos=[gps_jpeg()]))
    assert response.status_code == 400
    assert "请重新选择照片" in response.content.decode()


def test_report_rejects_more_than_three_photos(client, world):
    client.force_login(world.reporter)
    photos = [gps_jpeg(f"p{n}.jpg", size=(40, 30)) for n in range(4)]
    response = client.post(REPORT, details(world, photos=photos))
    assert response.status_code == 400
    assert "最多上传 3 张照片，您选择了 4 张。" in response.content.decode()
    assert Case.objects.count() == 0
    assert CasePhoto.objects.count() == 0


def test_report_rejects_a_file_that_is_not_an_image(client, world):
    client.force_login(world.reporter)
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(REPORT, details(world, photos=[fake]))
    assert response.status_code == 400
    assert "无法识别这张照片" in response.content.decode()


def test_report_rejects_bad_coordinates_and_unknown_ids(client, world):
    client.force_login(world.reporter)
    response = client.post(REPORT, details(world, latitude="91", longitude="120.1"))
    assert response.status_code == 400
    assert "纬度不正确" in response.content.decode()

    response = client.post(REPORT, details(world, grid="999999"))
    assert response.status_code == 400
    assert "所选网格不存在，请重新选择。" in response.text
    assert Case.objects.count() == 0


def test_report_out_of_range_coordinates_say_so_visibly(client, world):
    client.force_login(world.reporter)
    response = client.post(
        REPORT,
        details(world, latitude="1e308", longitude="999999999999999999999999"),
    )
    assert response.status_code == 400
    html = response.text
    # A non-field error, shown in the alert above the fields, not only the general summary.
    assert "位置的纬度不正确" in html and "位置的经度不正确" in html
    assert "1e308" not in html  # the broken position is not sent back again
    assert "小区门口垃圾堆放多日无人清理" in html
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "value", ["999999", "abc", "-1", "0", "1.5", "99999999999999999999999", "１２"]
)
@pytest.mark.parametrize("field", ["grid", "category"])
def test_report_with_a_tampered_id_keeps_the_text_and_asks_again(client, world, field, value):
    # The form reads both from a cache and a statement of its own (cases.sla_table,
    # portal.rows), not from the field's queryset: malformed ids must fail the same way.
    client.force_login(world.reporter)
    text = "小区门口垃圾堆放多日无人清理，已经一周了。"
    response = client.post(REPORT, details(world, description=text, **{field: value}))
    assert response.status_code == 400
    html = response.text
    assert text in html
    assert "请在下面重新选择" in html
    # The field is now a visible list to choose from, with the valid ones.
    assert f'<select name="{field}"' in html
    # Labelled in Chinese, not with the hidden field's English name.
    label = "问题所在的网格" if field == "grid" else "问题类别"
    assert f">{label}" in html and ">Grid" not in html and ">Category" not in html
    chosen = world.grid if field == "grid" else world.category
    assert f'<option value="{chosen.pk}"' in html
    response = client.post(REPORT, details(world, description=text))
    assert response.status_code == 302
    assert Case.objects.get().description == text


def test_report_in_a_category_switched_off_meanwhile_asks_again(client, world):
    client.force_login(world.reporter)
    other = type(world.category).objects.create(name="临时类别", code="temporary")
    assert world.category.pk in sla_table().categories  # cached, as on a busy site
    world.category.is_active = False
    world.category.save()  # the admin's save drops the cached table (cases.sla_table)
    response = client.post(REPORT, details(world))
    assert response.status_code == 400
    assert "所选类别不存在或已停用，请重新选择。" in response.text
    assert f'<option value="{other.pk}"' in response.text
    assert Case.objects.count() == 0
    assert world.category.pk not in sla_table().categories


def test_report_refuses_a_huge_image_as_too_large(client, world):
    client.force_login(world.reporter)
    buffer = BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")
    huge = SimpleUploadedFile("huge.png", buffer.getvalue(), content_type="image/png")
    response = client.post(REPORT, details(world, photos=[huge]))
    assert response.status_code == 400
    assert "尺寸太大" in response.text
    assert "无法识别这张照片" not in response.text
    assert Case.objects.count() == 0


@pytest.mark.parametrize("field", ["description", "address"])
def test_report_refuses_control_characters_with_a_clear_sentence(client, world, field):
    client.force_login(world.reporter)
    response = client.post(REPORT, details(world, **{field: "垃圾\x00堆放\x07"}))
    assert response.status_code == 400
    assert "含有无法识别的字符，请删除后再提交。" in response.text
    assert "空字符" not in response.text
    assert Case.objects.count() == 0


def test_report_stores_browser_coordinates(client, world):
    client.force_login(world.reporter)
    client.post(REPORT, details(world, latitude="36.0845", longitude="120.3556"))
    case = Case.objects.get()
    assert str(case.latitude) == "36.084500"
    assert str(case.longitude) == "120.355600"


def test_report_rate_limit_per_account(client, world, settings):
    settings.CASES_REPORT_RATE_LIMIT = (2, 600)
    client.force_login(world.reporter)
    for n in range(2):
        response = client.post(REPORT, details(world, description=f"第{n}次上报的问题"))
        assert response.status_code == 302
    response = client.post(REPORT, details(world, description="第三次上报"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "您提交得太频繁了：每 10 分钟最多上报 2 件，请稍后再试。" in html
    assert "第三次上报" in html
    assert Case.objects.filter(reporter=world.reporter).count() == 2
    # Another account is not limited by this one's reports.
    client.force_login(world.stranger)
    assert client.post(REPORT, details(world)).status_code == 302


def test_a_refused_report_does_not_use_up_the_window(world, settings):
    """The place is taken before the report and given back when the report is refused (for
    its content, or by the limit itself), so only filed reports count."""
    from django.core.exceptions import ValidationError

    settings.CASES_REPORT_RATE_LIMIT = (1, 600)
    with pytest.raises(ValidationError), services.report_rate_slot(world.reporter):
        raise ValidationError("照片无法读取")
    with services.report_rate_slot(world.reporter):
        pass  # the one report of the window
    for _attempt in range(3):
        with pytest.raises(ValidationError) as refused, services.report_rate_slot(world.reporter):
            pytest.fail("a report over the limit must not be made")
        assert refused.value.code == "rate_limited"
    settings.CASES_REPORT_RATE_LIMIT = (2, 600)
    with services.report_rate_slot(world.reporter):
        pass  # refusals did not count: one place left under a limit of 2


def test_patrol_source_only_for_grid_staff(client, world):
    client.force_login(world.reporter)
    response = client.post(REPORT, details(world, source="patrol"))
    assert Case.objects.get().source == "resident"
    assert response.status_code == 302
    client.force_login(world.leader)
    client.post(REPORT, details(world, source="patrol", description="巡查发现路面塌陷"))
    assert Case.objects.get(reporter=world.leader).source == "patrol"


# --- Public pages ---------------------------------------------------------------------------


@pytest.fixture
def identified_reporter(world):
    reporter = world.reporter
    reporter.display_name = "王秀英"
    reporter.mobile = "13812345678"
    reporter.save()
    return reporter


def _assert_anonymous(html: str, reporter) -> None:
    assert reporter.display_name not in html
    assert reporter.email not in html
    assert reporter.mobile not in html
    assert "****5678" not in html  # not even masked


def test_public_pages_never_show_the_reporter(client, world, identified_reporter):
    case = world.report(description="楼道堆放杂物")
    for url in [
        reverse("cases:index"),
        case.get_absolute_url(),
        reverse("cases:cases_csv"),
        reverse("cases:statistics"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        html = body.decode("utf-8-sig")
        assert "楼道堆放杂物" in html or url == reverse("cases:statistics")
        _assert_anonymous(html, identified_reporter)


def test_private_photos_are_404_public_ones_are_served(client, world):
    case = world.report(photos=[gps_jpeg(size=(40, 30))])
    photo = case.photos.get()
    url = reverse("cases:photo", args=[case.number, photo.pk])
    assert client.get(url).status_code == 404
    client.force_login(world.reporter)
    assert client.get(url).status_code == 404  # not even the reporter via the public URL
    assert url not in client.get(case.get_absolute_url()).content.decode()
    services.case_photo_set_public(photo=photo, by=world.staff, public=True)
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert url in client.get(case.get_absolute_url()).content.decode()
    other = world.report(by=world.stranger)
    assert client.get(reverse("cases:photo", args=[other.number, photo.pk])).status_code == 404


def test_rejected_cases_are_not_public(client, world):
    case = world.report()
    services.case_reject(case=case, by=world.staff, reason="不属于城市治理范围")
    assert client.get(case.get_absolute_url()).status_code == 404
    assert case.number not in client.get(reverse("cases:index")).content.decode()


@override_settings(PAGE_CACHE_ENABLED=False)
def test_public_list_is_shared_and_fresh_after_each_change(
    client, world, django_assert_max_num_queries
):
    """The list under the filters is a fragment shared by everyone with the same query
    string, signed in or not, and rendered again after every change of a case."""
    url = reverse("cases:index")
    first = world.report()
    assert first.number in client.get(url).content.decode()
    second = world.report()
    html = client.get(url).content.decode()
    assert second.number in html and "共 2 件诉求" in html
    client.force_login(world.stranger)
    client.get(url)
    with django_assert_max_num_queries(6) as captured:
        assert second.number in client.get(url).content.decode()
    assert not [q for q in captured.captured_queries if "cases_case" in q["sql"]]
    services.case_reject(case=second, by=world.staff, reason="不属于城市治理范围")
    html = client.get(url).content.decode()
    assert second.number not in html and "共 1 件诉求" in html


def test_unknown_case_is_404(client, world):
    assert client.get(reverse("cases:case_detail", args=["SB-nope"])).status_code == 404


def test_public_list_filters(client, world):
    here = world.report(description="本社区的问题")
    there = world.report(by=world.stranger, grid=world.other_grid, description="另一个社区")
    response = client.get(reverse("cases:index"), {"community": world.grid.community_id})
    html = response.content.decode()
    assert here.number in html
    assert there.number not in html
    services.case_accept(case=there, by=world.other_staff)
    response = client.get(reverse("cases:index"), {"state": "accepted"})
    html = response.content.decode()
    assert there.number in html and here.number not in html
    response = client.get(reverse("cases:index"), {"street": "abc"})
    assert response.status_code == 400
    assert "所选的筛选条件不存在" in response.content.decode()
    assert client.get(reverse("cases:index"), {"state": "rejected"}).status_code == 400
    elsewhere = factories.make_geography(streets=1, communities=1, grids=1)[0].community
    response = client.get(
        reverse("cases:index"),
        {"street": world.grid.community.street_id, "community": elsewhere.pk},
    )
    assert response.status_code == 400
    assert "所选社区不存在或不属于所选街道，请重新选择。" in response.content.decode()
    assert "没有符合条件的诉求" not in response.content.decode()  # no "0 cases" under it


def count_queries(client, url, data=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, data).status_code == 200
    return len(captured)


def test_public_list_query_count_is_fixed(client, world, django_assert_max_num_queries):
    for n in range(3):
        world.report(by=world.stranger, description=f"问题{n}")
    client.get("/")  # the site settings row is created on the first request
    small = count_queries(client, reverse("cases:index"))
    assert small <= 9
    for n in range(25):
        world.report(by=world.stranger, grid=world.other_grid, description=f"更多问题{n}")
    with django_assert_max_num_queries(small):
        response = client.get(reverse("cases:index"), {"page": "2"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2


def test_case_page_query_count_is_fixed(client, world, django_assert_max_num_queries):
    case = world.report(photos=[gps_jpeg(size=(40, 30))])
    services.case_accept(case=case, by=world.staff)
    services.case_add_update(case=case, by=world.staff, text="已联系环卫部门")
    client.force_login(world.stranger)
    client.get("/")  # the site settings row is created on the first request
    small = count_queries(client, case.get_absolute_url())
    assert small <= 12
    services.case_follow(case=case, by=world.admin)
    services.case_add_update(case=case, by=world.staff, text="第二条进展")
    photo = case.photos.get()
    services.case_photo_set_public(photo=photo, by=world.staff, public=True)
    with django_assert_max_num_queries(small):
        response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "已联系环卫部门" in html and "第二条进展" in html
    services.case_add_note(case=case, by=world.staff, text="内部：上报人是老住户")
    assert "内部：上报人是老住户" not in client.get(case.get_absolute_url()).content.decode()


@override_settings(PAGE_CACHE_ENABLED=False)
def test_case_page_article_is_shared_and_fresh_after_each_change(client, world):
    """The case's details, photos and 办理进展 are rendered once for everyone (signed in or
    not) and again after every change: an update, a follower, a photo made public."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = world.report(photos=[gps_jpeg(size=(40, 30))])
    services.case_accept(case=case, by=world.staff)
    url = case.get_absolute_url()
    assert "1 人也遇到" not in client.get(url).content.decode()
    client.force_login(world.stranger)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(url).content.decode()
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    assert "cases_caseevent" not in tables and "cases_casephoto" not in tables
    assert "0 人也遇到" in html and "我也遇到，关注进展" in html  # the person's own part
    services.case_follow(case=case, by=world.admin)
    html = client.get(url).content.decode()
    assert "1 人也遇到" in html
    services.case_add_update(case=case, by=world.staff, text="环卫车辆已安排")
    assert "环卫车辆已安排" in client.get(url).content.decode()
    photo = case.photos.get()
    photo_url = reverse("cases:photo", args=[case.number, photo.pk])
    assert photo_url not in client.get(url).content.decode()
    services.case_photo_set_public(photo=photo, by=world.staff, public=True)
    client.logout()
    assert photo_url in client.get(url).content.decode()


def test_follow_and_unfollow_need_post_and_login(client, world):
    case = world.report()
    follow = reverse("cases:follow", args=[case.number])
    assert client.post(follow).status_code == 302
    assert not CaseFollower.objects.exists()  # redirected to the login page
    client.force_login(world.stranger)
    assert client.get(follow).status_code == 405
    client.post(follow)
    assert CaseFollower.objects.filter(case=case, user=world.stranger).count() == 1
    page = client.get(case.get_absolute_url()).content.decode()
    assert "取消关注" in page
    client.post(reverse("cases:unfollow", args=[case.number]))
    assert not CaseFollower.objects.exists()
    # The reporter is told that following their own case is not needed.
    client.force_login(world.reporter)
    client.post(follow)
    assert not CaseFollower.objects.exists()


def test_follow_ignores_a_foreign_next_url(client, world):
    case = world.report()
    client.force_login(world.stranger)
    response = client.post(
        reverse("cases:follow", args=[case.number]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == case.get_absolute_url()


def test_follow_requires_csrf(world):
    from django.test import Client

    case = world.report()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.stranger)
    assert strict.post(reverse("cases:follow", args=[case.number])).status_code == 403


def _closed_case(world):
    case = world.report()
    services.case_accept(case=case, by=world.staff)
    services.case_dispatch(case=case, by=world.staff, department=world.department)
    services.case_start(case=case, by=world.handler)
    services.case_handle(case=case, by=world.handler, result="已清运")
    services.case_verify(case=case, by=world.leader, passed=True)
    return Case.objects.get(pk=case.pk)


def test_reporter_rates_dissatisfied_and_the_case_reopens(client, world):
    case = _closed_case(world)
    client.force_login(world.stranger)
    assert "评价办理结果" not in client.get(case.get_absolute_url()).content.decode()
    assert client.post(reverse("cases:rate", args=[case.number]), {"rating": "x"}).status_code in (
        400,
        403,
    )
    client.force_login(world.reporter)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "评价办理结果" in page
    response = client.post(reverse("cases:rate", args=[case.number]), {"rating": "bogus"})
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode() or "请选择" in (
        response.content.decode()
    )
    response = client.post(
        reverse("cases:rate", args=[case.number]),
        {"rating": Rating.DISSATISFIED, "comment": "垃圾又堆起来了"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REWORK
    assert case.rating == Rating.DISSATISFIED
    # The reporter's comment is for staff only.
    assert "垃圾又堆起来了" not in client.get(case.get_absolute_url()).content.decode()


def test_rating_after_seven_days_is_refused(client, world):
    case = _closed_case(world)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=8))
    client.force_login(world.reporter)
    assert "评价办理结果" not in client.get(case.get_absolute_url()).content.decode()
    response = client.post(reverse("cases:rate", args=[case.number]), {"rating": "satisfied"})
    assert response.status_code == 400
    assert "评价期限为结案后 7 天" in response.content.decode()


def test_nav_and_home_section(client, world):
    case = _closed_case(world)
    response = client.get("/")
    html = response.content.decode()
    assert reverse("cases:index") in html
    assert "随手拍" in html
    assert case.get_absolute_url() in html
    assert factories.PASSWORD not in html


@override_settings(PAGE_CACHE_ENABLED=False)
def test_home_section_shows_a_case_as_soon_as_it_is_closed(client, world):
    """The section is a cached fragment (portal.fragments): the services' changes purge it."""
    client.get("/")
    case = _closed_case(world)
    assert case.get_absolute_url() in client.get("/").content.decode()


def test_a_report_costs_a_fixed_number_of_queries_and_numbers_itself(
    client, world, django_assert_max_num_queries
):
    """The report's writes in as few round trips as the rules allow: on PostgreSQL the case's
    number comes from its own INSERT (no nextval of its own) and the daily and monthly
    statistics rows are added to in one statement."""
    from django.db import connection

    client.force_login(world.reporter)
    client.post(REPORT, details(world))  # the session, the SLA table and the grid warmed up
    client.force_login(world.staff)
    postgresql = connection.vendor == "postgresql"
    with django_assert_max_num_queries(7 if postgresql else 10) as captured:
        response = client.post(REPORT, details(world))
    assert response.status_code == 302
    case = Case.objects.get(reporter=world.staff)
    assert case.number == f"SB{timezone.localdate(case.created_at):%Y%m%d}-{case.pk:06d}"
    assert response["Location"] == case.get_absolute_url()
    statements = [query["sql"] for query in captured.captured_queries]
    if postgresql:
        assert not any(sql.lstrip().upper().startswith("SELECT NEXTVAL") for sql in statements)
        upserts = [sql for sql in statements if "ON CONFLICT" in sql]
        assert len(upserts) == 1, upserts
        assert "cases_casedailystat" in upserts[0] and "cases_casemonthlystat" in upserts[0]
    from cases.models import CaseDailyStat, CaseMonthlyStat

    day = timezone.localdate(case.created_at)
    common = {"community": case.community, "category": case.category}
    assert CaseDailyStat.objects.get(date=day, **common).reported == 2
    assert CaseMonthlyStat.objects.get(month=day.replace(day=1), **common).reported == 2


# --- Found in the second outside review -----------------------------------------------------


def test_a_patrol_report_outside_the_persons_grids_keeps_the_text_and_says_why(client, world):
    client.force_login(world.other_staff)  # staff of the other community
    typed = "巡查发现井盖缺失，已临时围挡"
    response = client.post(REPORT, details(world, source="patrol", description=typed))
    assert response.status_code == 400
    assert "这个网格不在您负责的范围内，不能作为网格巡查上报。" in response.text
    assert typed in response.text
    assert not Case.objects.exists()


def test_line_breaks_count_as_one_character_as_the_browser_counts_them(client, world):
    client.force_login(world.reporter)
    text = "垃圾堆放\r\n" * 200  # 1,000 characters as typed, 1,200 as sent
    response = client.post(REPORT, details(world, description=text))
    assert response.status_code == 302
    assert Case.objects.get().description == ("垃圾堆放\n" * 200).strip()
    response = client.post(REPORT, details(world, description=text + "多"))
    assert response.status_code == 400  # 1,001 as typed is still too long


def test_every_multiline_form_field_counts_line_breaks_as_one():
    """The class of the defect above: a CharField shown as a textarea, anywhere."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for app in ("portal", "cases", "volunteers", "surveys", "projects", "api"):
        for path in (root / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "attr", getattr(node.func, "id", "")) == "CharField"
                    and "Textarea" in ast.unparse(node)
                ):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == [], "use portal.text.TextAreaField"


def test_closed_cases_cannot_be_followed_on_the_site(client, world):
    case = _closed_case(world)
    client.force_login(world.stranger)
    response = client.post(reverse("cases:follow", args=[case.number]), follow=True)
    assert "这件诉求已经办结，不能再关注" in response.text
    assert not CaseFollower.objects.filter(case=case, user=world.stranger).exists()


def test_a_rejected_duplicate_of_ones_own_case_adds_no_follow(world):
    original = world.report()
    again = world.report(description="又一次上报同一处垃圾")
    services.case_reject(case=again, by=world.staff, reason="重复上报", duplicate_of=original)
    assert not CaseFollower.objects.filter(user=world.reporter).exists()


def test_a_public_photo_may_be_cached_only_briefly(client, world):
    case = world.report(photos=[gps_jpeg(size=(40, 30))])
    photo = case.photos.get()
    services.case_photo_set_public(photo=photo, by=world.staff, public=True)
    response = client.get(reverse("cases:photo", args=[case.number, photo.pk]))
    assert response["Cache-Control"] == "public, max-age=60"


def test_my_cases_lists_every_report_page_by_page_beyond_the_twenty_on_the_account_page(
    client, world, django_assert_max_num_queries
):
    from django.test.utils import override_settings as _override

    with _override(CASES_REPORT_RATE_LIMIT=(100, 600)):
        numbers = [world.report(description=f"第{n}处路灯不亮").number for n in range(45)]
    client.force_login(world.reporter)
    account = client.get(reverse("account_home")).text
    assert numbers[-1] in account and numbers[0] not in account  # the 20 latest
    assert reverse("cases:mine") + "?list=reported" in account
    with django_assert_max_num_queries(12):
        first = client.get(reverse("cases:mine")).text
    third = client.get(reverse("cases:mine"), {"page": 3}).text
    assert numbers[-1] in first and numbers[25] in first and numbers[24] not in first
    assert numbers[0] in third and numbers[5] not in third
    assert "第 3 页，共 3 页" in third
    assert "待核查" not in first  # a resident leads no grid
    assert client.get(reverse("cases:mine"), {"page": "9" * 30}).status_code == 200
    # Another's reports are not theirs; an unknown list falls back to their reports.
    client.force_login(world.stranger)
    other = client.get(reverse("cases:mine"), {"list": "bogus"}).text
    assert "您还没有上报过诉求。" in other and numbers[-1] not in other
