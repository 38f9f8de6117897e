import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.models import Community
from portal.text import TextAreaField
from projects.models import Organization
from projects.validators import normalize_credit_code, validate_credit_code


def _community_choices():
    grouped: dict[str, list] = {}
    for community in Community.objects.select_related("street").order_by("street__code", "code"):
        grouped.setdefault(community.street.name, []).append((str(community.pk), community.name))
    return list(grouped.items())


class OrganizationApplicationForm(forms.ModelForm):
    """A resident's application to register an organization (front end). The fields come
    from Organization; the few declared here differ from the model's on purpose."""

    # Longer than the model's 18 characters: spaces and dashes are removed in clean.
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=30,
        help_text=_("18位，由数字和大写字母组成，见登记证书。"),
    )
    # No empty choice; communities grouped by street.
    org_type = forms.ChoiceField(label=_("组织类型"), choices=Organization.Type.choices)
    service_communities = forms.MultipleChoiceField(
        label=_("服务社区"),
        help_text=_("可多选：按住 Ctrl（手机上直接点选）选择多个社区。"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    phone = forms.RegexField(
        label=_("联系电话"),
        regex=r"^[0-9\-+ ]{7,20}$",
        max_length=20,
        error_messages={"invalid": _("请输入有效的电话号码，例如 0532-12345678 或 13800000000。")},
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "credit_code",
            "org_type",
            "street",
            "service_communities",
            "contact_person",
            "phone",
            "email",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        field_classes = {"description": TextAreaField}
        help_texts = {"description": _("主要服务内容和服务对象，2000字以内。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_communities"].choices = _community_choices()
        self.fields["street"].empty_label = _("请选择街道")

    def validate_unique(self):
        # clean_name and clean_credit_code check the two unique fields with kinder sentences
        # (and the unique constraints catch a race): no second query for each.
        pass

    def clean_credit_code(self):
        code = normalize_credit_code(self.cleaned_data["credit_code"])
        validate_credit_code(code)
        if Organization.objects.filter(credit_code=code).exists():
            raise ValidationError(_("这个统一社会信用代码已经登记过。"))
        return code

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Organization.objects.filter(name=name).exists():
            raise ValidationError(_("已有同名组织登记，请核对组织全称。"))
        return name

    def clean_service_communities(self):
        ids = [int(pk) for pk in self.cleaned_data["service_communities"]]
        communities = list(Community.objects.filter(pk__in=ids))
        if not communities:
            raise ValidationError(_("请至少选择一个服务社区。"))
        return communities


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("编辑的邮箱"))


class ReasonForm(forms.Form):
    reason = TextAreaField(
        label=_("原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("申请人会在通知中看到这段话。"),
    )


class ProjectFilterForm(forms.Form):
    """The project index's filters (GET). Choices come from the cached filter options, so an
    id that is not a street or community of the district is an invalid choice, never a
    database error; a field with a bad value is ignored and named to the visitor."""

    q = forms.CharField(label=_("关键词"), required=False)
    category = forms.ChoiceField(label=_("类别"), required=False)
    status = forms.ChoiceField(label=_("招募状态"), required=False)
    street = forms.TypedChoiceField(label=_("街道"), required=False, coerce=int, empty_value=None)
    community = forms.TypedChoiceField(
        label=_("社区"), required=False, coerce=int, empty_value=None
    )
    tag = forms.CharField(label=_("标签"), required=False, max_length=100)

    def __init__(self, data, *, options: dict):
        super().__init__(data)
        blank = [("", "")]
        self.fields["category"].choices = blank + [
            (c["slug"], c["name"]) for c in options["categories"]
        ]
        self.fields["status"].choices = blank + list(options["statuses"])
        self.fields["street"].choices = blank + [
            (str(s["id"]), s["name"]) for s in options["streets"]
        ]
        self.fields["community"].choices = blank + [
            (str(c["id"]), c["name"]) for s in options["streets"] for c in s["communities"]
        ]

    def clean_q(self):
        # A long query is cut, not refused: the keyword box has maxlength="100".
        return self.cleaned_data["q"].strip()[:100]

    def ignored_labels(self) -> list[str]:
        """The labels of the filters whose values were not valid (and are not applied)."""
        return [str(self.fields[name].label) for name in self.errors if name in self.fields]


class OrganizationDirectoryFilterSet(django_filters.FilterSet):
    """The organization directory's filters (GET): part of the name, and the type. A type
    that is not one of the choices is ignored."""

    q = django_filters.CharFilter(label=_("组织名称"), method="filter_name")
    type = django_filters.ChoiceFilter(
        label=_("组织类型"), field_name="org_type", choices=Organization.Type.choices
    )

    class Meta:
        model = Organization
        fields = []

    def filter_name(self, queryset, name, value):
        value = value[:50]
        return queryset.filter(name__icontains=value) if value else queryset

    def chosen(self, name: str) -> str:
        """The value a filter was applied with ("" when none or invalid), for the form."""
        value = self.form.cleaned_data.get(name) or ""
        return value[:50] if name == "q" else value
