"""Demo content for 创益工场: the project index, ~30 verified organizations, a few pending
ones and ~80 service projects across categories and streets. ngo@example.cn owns one
verified organization with projects."""

import datetime

from django.core.cache import cache
from django.utils import timezone

from portal.models import Community, User
from projects import services
from projects.models import Category, Organization, ProjectIndexPage, ServiceProjectPage
from projects.selectors import FILTER_OPTIONS_CACHE_KEY
from projects.validators import CREDIT_CODE_CHARSET, credit_code_check_character

ORGANIZATION_NAMES = [
    "市北区乐龄社会工作服务中心",
    "市北区阳光助残服务社",
    "市北区彩虹青少年成长服务中心",
    "市北区绿色家园环保志愿者协会",
    "市北区邻里守望志愿服务队",
    "市北区红帆法律援助服务中心",
    "市北区康宁社区健康促进会",
    "市北区平安守护应急志愿服务队",
    "市北区书香社区文化促进会",
    "市北区银龄互助服务社",
    "市北区同心社区治理服务中心",
    "市北区暖阳家庭服务中心",
    "市北区海韵文体协会",
    "市北区启明助学公益服务中心",
    "市北区和美社区调解服务社",
    "市北区爱心助餐服务社",
    "市北区小桔灯儿童服务中心",
    "市北区蓝天救援志愿服务队",
    "市北区善行公益基金会",
    "市北区老街坊社区营造中心",
    "市北区益路同行社工服务中心",
    "市北区心桥心理健康服务中心",
    "市北区青春志愿者联合会",
    "市北区手牵手助残康复中心",
    "市北区垃圾分类宣导服务社",
    "市北区红色物业协同服务中心",
    "市北区夕阳红文艺队",
    "市北区善邻社区基金会",
    "市北区楼院自治促进会",
    "市北区健康小屋志愿服务队",
]
PENDING_NAMES = ["市北区向日葵社区服务社", "市北区百姓议事促进会", "市北区萤火虫读书会"]
REJECTED_NAME = "市北区未登记服务队"

PROJECT_TEMPLATES = {
    "elderly": [
        ("独居老人上门探访", "每周上门探访辖区独居老人，了解生活需求，提供陪伴和安全提醒。"),
        ("社区长者食堂助餐", "为高龄、空巢老人提供助餐、送餐服务，招募配餐和送餐志愿者。"),
        ("老年人智能手机课堂", "手把手教老年人使用智能手机，学会挂号、缴费和视频通话。"),
    ],
    "disability": [
        ("残障人士康复陪伴", "为居家康复的残障人士提供陪伴和康复训练协助。"),
        ("无障碍出行体验日", "邀请居民体验无障碍出行，排查社区无障碍设施问题。"),
    ],
    "youth": [
        ("四点半课堂", "放学后为双职工家庭的孩子提供作业辅导和阅读陪伴。"),
        ("暑期少年志愿者营", "组织青少年参与社区服务，培养公益意识。"),
    ],
    "environment": [
        ("垃圾分类入户宣传", "入户讲解垃圾分类知识，在投放点开展桶边督导。"),
        ("口袋公园认养行动", "居民认养社区绿地，定期清理和养护。"),
    ],
    "culture-sports": [
        ("社区广场舞展演", "组织社区文艺队排练和展演，丰富居民文化生活。"),
        ("老城记忆口述史", "走访老街坊，记录里院和老街的故事。"),
    ],
    "legal-aid": [
        ("律师进网格法律咨询", "律师志愿者每月到网格服务站提供法律咨询。"),
        ("邻里纠纷调解室", "调解员协助化解邻里矛盾，维护社区和谐。"),
    ],
    "governance": [
        ("楼院议事会", "组织居民议事协商楼院公共事务，推动问题解决。"),
        ("网格巡查志愿服务", "配合网格员开展徒步巡查，发现问题及时上报。"),
    ],
    "safety": [
        ("消防安全进楼院", "排查楼道堆物和消防通道，普及家庭消防知识。"),
        ("应急救护培训", "开展心肺复苏和急救技能培训，提升居民自救互救能力。"),
    ],
    "health": [
        ("慢病健康管理小组", "为高血压、糖尿病患者提供健康监测和生活方式指导。"),
        ("心理健康讲座", "邀请心理咨询师为居民开展减压和家庭关系讲座。"),
    ],
    "other": [("社区公益集市", "组织社区公益集市，链接爱心商户和志愿者。")],
}
TAGS = ["助老", "亲子", "周末", "长期招募", "适合新手", "技能志愿", "网格服务", "节假日"]
ORG_TYPES = [t for t, _label in Organization.Type.choices]


def credit_code_for(n: int) -> str:
    body = ""
    value = 7000 + n
    for _i in range(9):
        body = CREDIT_CODE_CHARSET[value % 31] + body
        value //= 31
    first17 = "52370203" + body
    return first17 + credit_code_check_character(first17)


def project_index(ctx) -> ProjectIndexPage:
    index = ProjectIndexPage.objects.first()
    if index is None:
        index = ProjectIndexPage(
            title="创益工场",
            slug="projects",
            show_in_menus=True,
            intro="社会组织在市北区各社区开展的公益服务项目。按类别、街道、社区筛选，"
            "找到身边正在招募志愿者的项目。",
        )
        ctx.home_page.add_child(instance=index)
        index.save_revision().publish()
    services.project_index_setup(index=index)
    return index


def _owner(ctx, n: int) -> User:
    email = f"ngo{n:03d}@example.cn"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=None,
            display_name=f"社会组织联系人{n}",
            privacy_consent_version="2026-11",
            privacy_consent_at=timezone.now(),
        )
    return user


def _apply(ctx, *, owner, name, n, communities):
    return services.organization_apply(
        applicant=owner,
        data={
            "name": name,
            "credit_code": credit_code_for(n),
            "org_type": ORG_TYPES[n % len(ORG_TYPES)],
            "contact_person": owner.get_display_name(),
            "phone": f"0532-8{n:03d}{n:04d}"[:13],
            "email": f"contact{n}@example.cn",
            "description": f"{name}扎根市北区社区，联合志愿者为居民提供专业、持续的公益服务。",
            "street": communities[0].street,
            "service_communities": communities,
        },
    )


def project_title(community_name: str, title: str) -> str:
    """河西路社区 + 社区长者食堂助餐 → 河西路社区长者食堂助餐, not 河西路社区社区…."""
    if community_name.endswith("社区") and title.startswith("社区"):
        title = title[len("社区") :]
    return f"{community_name}{title}"


def make_project(
    ctx, organization, *, n: int, categories: dict, communities, used_titles: set | None = None
) -> None:
    """One published project. `used_titles` (the organization's titles so far) keeps an
    organization from listing the same title twice."""
    rng = ctx.rng
    used_titles = set() if used_titles is None else used_titles
    for _attempt in range(50):
        slug_key = rng.choice(list(PROJECT_TEMPLATES))
        template_title, summary = rng.choice(PROJECT_TEMPLATES[slug_key])
        community = rng.choice(communities)
        title = project_title(community.name, template_title)
        if title not in used_titles:
            break
    used_titles.add(title)
    start = timezone.localdate() + datetime.timedelta(days=rng.randint(-60, 60))
    status = rng.choice(
        ["recruiting", "recruiting", "recruiting", "running", "preparing", "finished"]
    )
    project = ServiceProjectPage(
        title=title,
        slug=f"project-{n}",
        summary=summary,
        category=categories[slug_key],
        beneficiaries=rng.choice(["辖区居民", "60岁以上老人", "6至14岁儿童", "残障人士及家属"]),
        place=f"{community.name}党群服务中心",
        start_date=start,
        end_date=start + datetime.timedelta(days=rng.randint(30, 180)),
        recruiting_status=status,
        body=[
            {
                "type": "paragraph",
                "value": f"<p>{summary}项目由{organization.name}发起，"
                "与社区网格员协同，欢迎居民报名参加。</p>",
            }
        ],
    )
    organization.page.add_child(instance=project)
    project.service_communities.set(communities)
    for tag in rng.sample(TAGS, 2):
        project.tags.add(tag)
    project.save_revision().publish()


def _submitted_draft(ctx, organization, user, categories, communities) -> None:
    """A draft of the NGO's waiting in moderation, so staff have something to approve."""
    draft = ServiceProjectPage(
        title="社区助老爱心理发",
        slug="draft-haircut",
        live=False,
        summary="每月为行动不便的老人提供上门理发服务。",
        category=categories["elderly"],
        recruiting_status="preparing",
        owner=user,
    )
    organization.page.add_child(instance=draft)
    draft.service_communities.set(communities)
    draft.save_revision(user=user)
    draft.get_workflow().start(draft, user)


def load(ctx) -> None:
    index = project_index(ctx)
    admin = ctx.users.get("admin") or User.objects.filter(is_superuser=True).first()
    categories = {c.slug: c for c in Category.objects.all()}
    all_communities = list(Community.objects.select_related("street").order_by("code"))
    ngo = ctx.users.get("ngo")
    ngo_communities = all_communities[:2]
    if ngo is not None and ngo.home_grid_id:
        home_community = ngo.home_grid.community
        ngo_communities = [home_community] + [
            c for c in all_communities if c.street_id == home_community.street_id
        ][1:2]

    project_n = 0
    for n, name in enumerate(ORGANIZATION_NAMES):
        if n == 0 and ngo is not None:
            owner, communities = ngo, ngo_communities
        else:
            owner = _owner(ctx, n)
            start = ctx.rng.randrange(len(all_communities) - 3)
            communities = all_communities[start : start + ctx.rng.randint(1, 3)]
        organization = _apply(ctx, owner=owner, name=name, n=n, communities=communities)
        organization = services.organization_verify(organization=organization, by=admin)
        used_titles: set[str] = set()
        for _i in range(4 if n == 0 else ctx.rng.randint(2, 3)):
            project_n += 1
            make_project(
                ctx,
                organization,
                n=project_n,
                categories=categories,
                communities=communities,
                used_titles=used_titles,
            )
    # One draft of the NGO's waiting in moderation, so staff have something to approve.
    for offset, name in enumerate(PENDING_NAMES):
        communities = [all_communities[offset]]
        _apply(
            ctx, owner=_owner(ctx, 100 + offset), name=name, n=100 + offset, communities=communities
        )
    rejected = _apply(
        ctx, owner=_owner(ctx, 200), name=REJECTED_NAME, n=200, communities=all_communities[:1]
    )
    services.organization_reject(
        organization=rejected, by=admin, reason="未提供民政部门登记证书，请补充后重新申请。"
    )
    cache.delete(FILTER_OPTIONS_CACHE_KEY)
    ctx.extra["project_index"] = index
    ctx.log(
        f"  projects: {Organization.objects.filter(status='verified').count()} verified "
        f"organizations, {ServiceProjectPage.objects.live().count()} projects"
    )
