"""The rows the cluster's checks need, written once after the migrations (in the cluster's
setup process, with its settings): a published page, a district administrator, residents, a
shift of small capacity, the shifts of the load run, and a case category. The same few rows
every run, so the checks can name them."""

ADMIN_EMAIL = "admin@cluster.test"
RESIDENTS = 40
PAGE_SLUG = "cluster-check"
PAGE_TITLE = "集群检查页"
CAPACITY = 5
CAPACITY_SHIFT_TITLE = "集群名额班次"
LOAD_SHIFTS = 20
LOAD_SHIFT_TITLE = "集群负载班次"
CATEGORY_CODE = "cluster-env"


def resident_email(number: int) -> str:
    return f"resident{number:02d}@cluster.test"


def seed() -> None:
    from wagtail.models import Page

    from portal.models import StandardPage
    from tests import factories
    from tests.cases.factories import make_category
    from tests.volunteers.factories import make_shift

    grids = factories.make_geography(streets=1, communities=1, grids=2)
    home = factories.make_home_page()
    page = home.add_child(instance=StandardPage(title=PAGE_TITLE, slug=PAGE_SLUG, intro="集群"))
    page.save_revision().publish()
    assert Page.objects.filter(slug=PAGE_SLUG, live=True).exists()
    factories.make_district_admin(email=ADMIN_EMAIL, is_superuser=True, display_name="集群管理员")
    for number in range(RESIDENTS):
        factories.make_user(email=resident_email(number), home_grid=grids[0])
    make_shift(grid=grids[0], title=CAPACITY_SHIFT_TITLE, capacity=CAPACITY, members_only=False)
    # Shifts three hours apart: one person may sign up for all of them (no clash).
    for number in range(LOAD_SHIFTS):
        make_shift(
            grid=grids[1],
            title=f"{LOAD_SHIFT_TITLE}{number:02d}",
            hours_from_now=100 + 3 * number,
            capacity=100,
            members_only=False,
        )
    make_category(code=CATEGORY_CODE, name="集群环境卫生")
