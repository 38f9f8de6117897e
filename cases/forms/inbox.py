"""我的待办: the inbox filters, limited to the person's scope, and the bulk actions on the
chosen cases."""

import django_filters
from django import forms
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.forms.common import department_groups
from cases.models import OPEN_STATES, CaseCategory, State
from portal.filters import parse_id
from portal.models import Community, Grid
from portal.permissions import is_district_admin


class InboxFilterSet(django_filters.FilterSet):
    """我的待办 filters. Choices of grid and community are limited to the person's scope."""

    OPEN = "open"
    STATE_CHOICES = [(OPEN, _("全部待办")), *State.choices, ("all", _("全部状态"))]
    DUE_CHOICES = [("overdue", _("已超期")), ("soon", _("即将到期"))]

    state = django_filters.ChoiceFilter(
        label=_("状态"), choices=STATE_CHOICES, method="filter_state", empty_label=None
    )
    due = django_filters.ChoiceFilter(
        label=_("期限"), choices=DUE_CHOICES, method="filter_due", empty_label=_("全部")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("类别"), queryset=CaseCategory.objects.all(), empty_label=_("全部")
    )
    community = django_filters.ModelChoiceFilter(
        label=_("社区"), queryset=Community.objects.none(), empty_label=_("全部")
    )
    grid = django_filters.ModelChoiceFilter(
        label=_("网格"),
        queryset=Grid.objects.none(),
        empty_label=_("全部"),
        help_text=_("先选择社区，再选择其中的网格。"),
    )
    number = django_filters.CharFilter(label=_("编号"), field_name="number", lookup_expr="exact")

    def __init__(self, data=None, *args, user=None, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("state", self.OPEN)
        super().__init__(data, *args, **kwargs)
        communities = Community.objects.select_related("street")
        grids = Grid.objects.select_related("community")
        scope = ()
        if not is_district_admin(user):
            from cases.permissions import led_grid_ids
            from portal.permissions import staff_community_ids

            scope = staff_community_ids(user)
            communities = communities.filter(pk__in=scope)
            grids = grids.filter(community_id__in=scope) | grids.filter(pk__in=led_grid_ids(user))
        self.filters["community"].queryset = communities
        # The grid list holds only the grids of the chosen community (and the chosen grid):
        # a district has over a thousand grids, too many for one list on every page view.
        # A person whose scope is a single community (or a few led grids) sees theirs.
        community_id = parse_id(self.data.get("community"))
        grid_id = parse_id(self.data.get("grid"))
        shown = Q(pk__in=[])
        if community_id is not None:
            shown |= Q(community_id=community_id)
        if grid_id is not None:
            shown |= Q(pk=grid_id)
        if not is_district_admin(user) and community_id is None and len(scope) <= 1:
            shown = Q()
        self.filters["grid"].queryset = grids.filter(shown).order_by("community_id", "code")

    def filter_state(self, queryset, name, value):
        if value == self.OPEN:
            return queryset.filter(state__in=OPEN_STATES)
        if value == "all":
            return queryset
        return queryset.filter(state=value)

    def filter_due(self, queryset, name, value):
        if value == "overdue":
            return queryset.filter(selectors.overdue_q())
        return queryset.filter(selectors.due_soon_q())


class BulkForm(forms.Form):
    ACCEPT, DISPATCH_CATEGORY, DISPATCH_DEPARTMENT = "accept", "dispatch_category", "dispatch"
    operation = forms.ChoiceField(
        label=_("批量操作"),
        error_messages={
            "required": _("请选择批量操作。"),
            "invalid_choice": _("请选择批量操作。"),
        },
        choices=[
            (ACCEPT, _("受理")),
            (DISPATCH_CATEGORY, _("派遣到类别的处置部门")),
            (DISPATCH_DEPARTMENT, _("派遣到所选部门")),
        ],
    )
    department = forms.ModelChoiceField(
        label=_("处置部门"),
        queryset=Group.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("只能派遣到处置部门，请重新选择。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = department_groups()

    def clean(self):
        data = super().clean()
        if (
            data.get("operation") == self.DISPATCH_DEPARTMENT
            and not data.get("department")
            and "department" not in self.errors  # an invalid choice says so already
        ):
            raise forms.ValidationError(_("请选择要派遣到的部门。"))
        return data
