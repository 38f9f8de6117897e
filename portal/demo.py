"""Demo content for the portal app: geography, groups, the five demo logins, home, news and
standard pages. Deterministic: the same data every time (fixed seed, fixed texts)."""

import datetime
from pathlib import Path

from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Page, Site

from portal.geography_import import import_geography
from portal.models import Grid, HomePage, NewsIndexPage, NewsPage, SiteSettings, StandardPage, User
from portal.permissions import COMMUNITY_STAFF, DISTRICT_ADMINS

DEMO_PASSWORD = "shibei-demo-2026"
DEMO_LOGINS = [
    ("区级管理员 district admin", "admin@example.cn"),
    ("社区工作人员 community staff", "staff@example.cn"),
    ("网格长 grid leader", "leader@example.cn"),
    ("社会组织成员 NGO member", "ngo@example.cn"),
    ("居民 resident", "resident@example.cn"),
]
GEOGRAPHY_CSV = Path(__file__).parent / "demo_data" / "geography.csv"

PRIVACY_NOTICE = (
    "<p>市北区“共建共治共享”社区参与平台（以下简称“平台”）依据《中华人民共和国个人信息保护法》"
    "处理您的个人信息。</p><p>我们收集：电子邮箱、显示名称、所在网格；您自愿提供的手机号码"
    "（单独同意）；您参与问卷、志愿服务和社会组织活动的记录。</p><p>用途：组织志愿服务、记录服务时长、"
    "统计民意征集结果。网格长和社区工作人员仅能查看本网格、本社区居民的联系方式。公开页面只显示人数和姓名。</p>"
    "<p>您可以随时在“我的”页面下载本人数据或注销账号。</p>"
)

NEWS = [
    (
        "市北区“徒步巡查”制度全面推行",
        "网格治理",
        "全区1188个网格的网格长和巡治员每周开展徒步巡查，查找城市治理中的痛点难点问题，统一由平台调度、逐一销号解决。",
        "依托城市治理网格化系统平台，全区实行清单管理、挂图作战、徒步巡查制度。截至目前已梳理出114项突出问题，"
        "统一由平台调度、逐一销号解决。欢迎居民加入所在网格的志愿者队伍，与网格员一起巡查楼院、发现问题。",
    ),
    (
        "创益工场新一批社会组织入驻",
        "创益工场",
        "社会组织“创益工场”吸引社会组织全方位参与社区公共服务，新一批12家社会组织完成入驻。",
        "创益工场重点培育为老服务、青少年成长、社区环境等领域的社会组织，有效补充政府服务资源的不足。"
        "新入驻的组织将在辽宁路、台东、即墨路等街道开展社区养老服务、助残和法律援助项目。",
    ),
    (
        "社区养老服务项目开始招募志愿者",
        "志愿服务",
        "多个社区养老服务项目开始招募志愿者，为高龄、独居老人提供助餐、陪伴和健康咨询。",
        "即日起，敦化路街道、合肥路街道的社区养老服务项目面向全区招募志愿者。志愿者可在平台报名项目活动，"
        "服务结束后由组织确认服务时长，并可打印志愿服务证明。",
    ),
    (
        "老旧楼院整治征求居民意见",
        "民意征集",
        "针对老旧楼院整治，平台开通民意征集，请居民对改造内容排序打分。",
        "老旧楼院整治是群众关心的热点难点问题。为把好事办好，各社区通过平台征求居民意见，"
        "内容包括楼道照明、屋面防水、停车秩序和绿化提升等。征集结束后将公开统计结果。",
    ),
    (
        "“在市北”APP用户突破60万",
        "智慧城市",
        "“在市北”APP是我区以城市治理为特色的手机客户端，用户量已突破60万。",
        "凡涉及城市治理的问题，市民都可通过“在市北”APP反馈并得到第一时间解决。"
        "网格化平台日均上报案件约3000件，处置率超过90%。",
    ),
    (
        "海泊河早市取缔后周边环境明显改善",
        "城市治理",
        "存在20多年的海泊河、本溪路早市完成取缔，既还路于民，也为经营业户找到新的经营场所。",
        "在堵与疏上齐发力，既积极为取缔后的经营业户找谋生之所，又满足了周边居民对环境卫生和交通出行的诉求。",
    ),
    (
        "全国社区治理和服务创新实验区中期评估成绩位列山东组第一",
        "社区治理",
        "市北区承担的国家级试点“全国社区治理和服务创新实验区”创建工作通过中期评估。",
        "利用互联网信息技术搭建的“互联社区”服务平台，推动“互联网+”与社区建设深度融合，"
        "实现了社区治理水平和居民满意度的双提升。",
    ),
    (
        "漏雨房屋维修和破损门窗更换进展通报",
        "民生实事",
        "从群众急需的漏雨房屋维修、破损门窗更换等具体小事做起，本季度已完成维修近千户。",
        "各街道根据网格上报的问题清单，按时限完成维修任务，居民可在平台查看本社区的办理进度。",
    ),
    (
        "网格员队伍吸纳老党员、老干部和热心居民",
        "网格治理",
        "积极吸收和发动社区老党员、老干部、热心人员和社会组织共同参与网格员队伍。",
        "每个社区网格设立一名网格长和若干名网格巡治员，街道干部、民警和综合执法队员下沉网格。"
        "居民可在平台申请加入所在网格的志愿者名册。",
    ),
    (
        "青少年暑期社区实践活动报名开始",
        "志愿服务",
        "面向辖区中小学生的暑期社区实践活动开放报名，内容包括垃圾分类宣传和社区图书角整理。",
        "活动由创益工场入驻的青少年服务类社会组织承办，家长可陪同孩子报名参加。",
    ),
    (
        "应急避难场所标识更新完成",
        "应急与安全",
        "全区应急避难场所标识完成更新，居民可就近了解疏散路线。",
        "各社区将结合网格巡查，定期检查避难场所标识和消防通道，发现问题及时上报平台。",
    ),
    (
        "社区法律援助进网格活动启动",
        "法律援助",
        "律师志愿者每月到社区网格开展法律咨询，帮助居民解决邻里纠纷和劳动争议。",
        "法律援助类社会组织与社区合作，在网格服务站设立咨询点，居民可提前在平台预约。",
    ),
]

STATS = [("19", "个街道"), ("135", "个社区"), ("1188", "个责任网格"), ("109万", "常住人口")]


def _paragraph(text: str) -> list[dict]:
    return [{"type": "paragraph", "value": f"<p>{text}</p>"}]


def _groups() -> dict[str, Group]:
    """The staff roles come from the data migrations (portal.roles); the demo only puts
    people in them."""
    return {
        "admins": Group.objects.get(name=DISTRICT_ADMINS),
        "staff": Group.objects.get(name=COMMUNITY_STAFF),
    }


def _pages(ctx) -> HomePage:
    root = Page.get_first_root_node()
    # Replace Wagtail's placeholder "Welcome" page.
    for child in root.get_children():
        Site.objects.filter(root_page=child).delete()
        child.delete()
    root.refresh_from_db()
    home = root.add_child(
        instance=HomePage(
            title="首页",
            slug="home",
            hero_title="共建共治共享 · 让城市更有温度",
            hero_text="在这里回答民意征集，加入所在网格的志愿者队伍，报名创益工场的社区服务项目。"
            "市北区19个街道、135个社区、1188个网格，欢迎每一位居民参与。",
            stats=[{"type": "stat", "value": {"value": v, "label": label}} for v, label in STATS],
        )
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "市北区"},
    )
    site = Site.objects.get(is_default_site=True)
    site_settings = SiteSettings.for_site(site)
    site_settings.privacy_notice = PRIVACY_NOTICE
    site_settings.save()

    news_index = home.add_child(
        instance=NewsIndexPage(
            title="新闻公告",
            slug="news",
            show_in_menus=True,
            intro="<p>市北区社区治理的通知公告和工作动态。</p>",
        )
    )
    today = timezone.localdate()
    for i, (title, tag, summary, text) in enumerate(NEWS):
        news = NewsPage(
            title=title,
            slug=f"news-{i + 1}",
            date=today - datetime.timedelta(days=3 * i + 1),
            summary=summary,
            source="市北区城市治理推进委员会",
            body=_paragraph(text),
        )
        news_index.add_child(instance=news)
        news.tags.add(tag)
        news.save_revision().publish()

    about = home.add_child(
        instance=StandardPage(
            title="关于平台",
            slug="about",
            intro="共建共治共享社区参与平台是市北区居民、志愿者和社会组织参与社区治理的线上渠道。",
            body=_paragraph(
                "市北区总面积65.4平方公里，常住人口109万人。全区19个街道135个社区细化为1188个责任网格，"
                "每个网格设立一名网格长和若干名网格巡治员。平台让居民回答民意征集、加入网格志愿者队伍、"
                "参与创益工场社会组织的服务项目，实现共同建设、共同治理、共同分享。"
            ),
        )
    )
    about.save_revision().publish()
    home.add_child(
        instance=StandardPage(
            title="隐私政策",
            slug="privacy",
            intro="平台如何处理您的个人信息。",
            body=[{"type": "paragraph", "value": PRIVACY_NOTICE}],
        )
    )
    ctx.home_page = home
    return home


def _users(ctx, groups) -> None:
    grids = list(Grid.objects.select_related("community__street").order_by("code")[:3])
    leader_grid, resident_grid = grids[0], grids[0]
    now = timezone.now()

    def make(email, display_name, **extra):
        user = User.objects.create_user(
            email=email,
            password=DEMO_PASSWORD,
            display_name=display_name,
            privacy_consent_version=SiteSettings.objects.first().privacy_notice_version,
            privacy_consent_at=now,
            **extra,
        )
        ctx.users[email.split("@")[0]] = user
        return user

    make("admin@example.cn", "区级管理员", is_staff=True, is_superuser=True)
    staff = make("staff@example.cn", "华阳路社区 张敏", is_staff=True, home_grid=resident_grid)
    staff.groups.add(groups["staff"])
    staff.staff_communities.add(leader_grid.community)
    leader = make(
        "leader@example.cn",
        "网格长 刘建华",
        mobile="13806391234",
        mobile_consent_at=now,
        home_grid=leader_grid,
    )
    leader_grid.leader = leader
    leader_grid.save(update_fields=["leader"])
    make(
        "ngo@example.cn",
        "社会组织 陈静",
        mobile="13953261234",
        mobile_consent_at=now,
        home_grid=grids[1],
    )
    make("resident@example.cn", "居民 王秀兰", home_grid=resident_grid)


def load(ctx) -> None:
    result = import_geography(GEOGRAPHY_CSV)
    ctx.log(f"  geography: {result.created}")
    groups = _groups()
    _pages(ctx)
    _users(ctx, groups)
