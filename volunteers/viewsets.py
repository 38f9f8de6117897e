"""Staff screens in the Wagtail admin: memberships, shifts, sign-ups and service hours, with
filters by street / community / grid and exports. Community staff see the rows of their own
communities only; rows with rules change through volunteers.services."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import EditView, IndexView
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import Button
from wagtail.log_actions import log
from wagtail.permissions import register_permission_policy

from portal.forms import add_service_errors
from portal.text import TextAreaField
from portal.viewsets import CommunityScopedViewSetMixin, ServiceGuardedPermissionPolicy
from volunteers import services
from volunteers.models import RosterMembership, ServiceRecord, Shift, SignUp

# Rows with rules are written by volunteers.services only: nobody adds or deletes them in the
# generic views; memberships and sign-ups are not edited there at all (their status is the
# services' business); shifts and service records are edited through shift_update and
# service_record_adjust.
register_permission_policy(
    RosterMembership,
    ServiceGuardedPermissionPolicy(RosterMembership, denied_actions=("add", "change", "delete")),
)
register_permission_policy(
    SignUp, ServiceGuardedPermissionPolicy(SignUp, denied_actions=("add", "change", "delete"))
)
register_permission_policy(Shift, ServiceGuardedPermissionPolicy(Shift))
register_permission_policy(ServiceRecord, ServiceGuardedPermissionPolicy(ServiceRecord))


def _error_messages(error: ValidationError) -> str:
    return " ".join(error.messages)


class RelatedIndexView(IndexView):
    related = ()
    pk_path_converter = "id"  # ids past 64 bits answer 404, not 500 (portal.converters)

    def get_base_queryset(self):
        return super().get_base_queryset().select_related(*self.related)


class InspectableHistoryView(HistoryView):
    """Wagtail asks for add/change/delete; here the history of a row is for whoever may
    inspect it (memberships and sign-ups are changed by the services, never edited)."""

    permission_required = None
    any_permission_required = ["add", "change", "delete", "view"]


class InspectableUsageView(UsageView):
    permission_required = None
    any_permission_required = ["add", "change", "delete", "view"]


class ScopedViewSet(CommunityScopedViewSetMixin, ModelViewSet):
    """Every view limited to the staff member's communities (district admins see everything),
    through portal.viewsets."""

    community_lookup = "grid__community_id"
    related = ()
    pk_path_converter = "id"  # ids past 64 bits answer 404, not 500 (portal.converters)
    search_backend_name = None
    add_to_admin_menu = False
    inspect_view_enabled = True
    base_index_view_class = RelatedIndexView
    history_view_class = InspectableHistoryView
    usage_view_class = InspectableUsageView

    @property
    def index_view_class(self):
        return type(
            f"{self.model.__name__}IndexView",
            (self.base_index_view_class,),
            {"related": self.related},
        )


class ServiceEditView(EditView):
    """An edit view whose save calls a service; its ValidationError comes back on the form,
    and the change is written to the object's history as an ordinary edit."""

    def call_service(self, form):
        raise NotImplementedError

    def save_instance(self):
        self.call_service(self.form)
        log(instance=self.object, action="wagtail.edit", user=self.request.user)
        self.object.refresh_from_db()
        return self.object

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            add_service_errors(form, error)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class MembershipIndexView(RelatedIndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if instance.status == RosterMembership.Status.APPLIED:
            buttons.append(
                Button(
                    gettext("审核申请"),
                    url=reverse("volunteers_memberships:decide", args=[instance.pk]),
                    icon_name="check",
                    priority=5,
                )
            )
        return buttons


class MembershipDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=[("approve", _("通过")), ("decline", _("不通过"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择通过或不通过。")},
    )
    reason = TextAreaField(
        label=_("审核意见"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不通过时必须填写，申请人会看到它。"),
    )


class RosterMembershipViewSet(ScopedViewSet):
    model = RosterMembership
    name = "volunteers_memberships"
    url_prefix = "volunteers/memberships"
    icon = "group"
    menu_label = _("名册成员")
    related = ("user", "grid__community__street")
    list_display = ["user", "grid", "role", "status", "created_at"]
    list_filter = ["status", "role", "grid__community__street", "grid__community"]
    search_fields = ["user__display_name", "user__email", "grid__name", "grid__code"]
    list_export = [
        "user",
        "grid",
        "role",
        "status",
        "availability",
        "decision_reason",
        "created_at",
        "decided_at",
    ]
    export_filename = "roster-memberships"
    # Never shown: the policy above lets nobody edit a membership; decisions go through
    # membership_decide (the "审核申请" action below).
    form_fields = ["availability"]
    ordering = ["-created_at"]
    base_index_view_class = MembershipIndexView

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("decide/<id:pk>/", self.decide_view, name="decide"),
        ]

    def decide_view(self, request, pk):
        memberships = self.scope_queryset(
            request.user, RosterMembership.objects.select_related("user", "grid__community")
        )
        membership = get_object_or_404(memberships, pk=pk)
        form = MembershipDecisionForm(request.POST or None)
        error = None
        if request.method == "POST" and form.is_valid():
            try:
                services.membership_decide(
                    membership=membership,
                    by=request.user,
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                error = _error_messages(exc)
            else:
                messages.success(request, gettext("审核结果已保存，申请人会收到通知。"))
                return redirect("volunteers_memberships:index")
        return TemplateResponse(
            request,
            "volunteers/admin/membership_decision.html",
            {
                "membership": membership,
                "form": form,
                "error": error,
                "page_title": gettext("审核名册申请"),
                "index_url": reverse("volunteers_memberships:index"),
            },
        )


SHIFT_FORM_FIELDS = list(services.SHIFT_EDITABLE_FIELDS)


class ShiftEditView(ServiceEditView):
    def call_service(self, form):
        warnings = services.shift_update(
            shift=self.object,
            by=self.request.user,
            **{name: form.cleaned_data[name] for name in SHIFT_FORM_FIELDS},
        )
        for warning in warnings:
            messages.warning(self.request, warning)


class ShiftViewSet(ScopedViewSet):
    model = Shift
    name = "volunteers_shifts"
    url_prefix = "volunteers/shifts"
    icon = "date"
    menu_label = _("班次")
    related = ("grid__community__street", "project")
    list_display = ["title", "grid", "project", "starts_at", "capacity", "members_only"]
    list_filter = ["members_only", "grid__community__street", "grid__community", "starts_at"]
    search_fields = ["title", "place", "grid__name", "grid__code"]
    list_export = [
        "title",
        "grid",
        "project",
        "place",
        "starts_at",
        "ends_at",
        "capacity",
        "signup_deadline",
        "members_only",
        "attendance_confirmed_at",
    ]
    export_filename = "shifts"
    # Saved through shift_update: its rules (times, capacity, no change after the end) and
    # its waitlist promotions apply as on the front end.
    form_fields = SHIFT_FORM_FIELDS
    edit_view_class = ShiftEditView
    ordering = ["-starts_at"]


class SignUpViewSet(ScopedViewSet):
    model = SignUp
    name = "volunteers_signups"
    url_prefix = "volunteers/signups"
    icon = "tick"
    menu_label = _("报名")
    community_lookup = "shift__grid__community_id"
    related = ("user", "shift__grid__community")
    list_display = ["user", "shift", "status", "queued_at", "checked_in_at"]
    list_filter = ["status", "shift__grid__community__street", "shift__grid__community"]
    search_fields = ["user__display_name", "user__email", "shift__title"]
    list_export = ["user", "shift", "status", "queued_at", "checked_in_at", "cancelled_at"]
    export_filename = "signups"
    # Read-only here: status and check-in change through the services (capacity, waitlist,
    # check-in code); the policy above lets nobody edit a sign-up in the admin.
    form_fields = ["checked_in_at"]
    ordering = ["-queued_at"]


class ServiceRecordAdjustForm(WagtailAdminModelForm):
    """Hours are corrected with a new reason every time (service_record_adjust)."""

    class Meta:
        model = ServiceRecord
        fields = ["hours", "adjustment_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reason = self.fields["adjustment_reason"]
        reason.required = True
        reason.label = _("修改原因")
        reason.help_text = _("说明为什么修改服务时长，会保存在这条记录中。")
        reason.error_messages["required"] = _("请填写修改服务时长的原因。")
        self.initial["adjustment_reason"] = ""


class ServiceRecordEditView(ServiceEditView):
    def call_service(self, form):
        services.service_record_adjust(
            record=self.object,
            by=self.request.user,
            hours=form.cleaned_data["hours"],
            reason=form.cleaned_data["adjustment_reason"],
        )


class ServiceRecordViewSet(ScopedViewSet):
    model = ServiceRecord
    name = "volunteers_service_records"
    url_prefix = "volunteers/service-records"
    icon = "time"
    menu_label = _("服务时长")
    related = ("user", "grid__community__street")
    list_display = ["user", "item", "served_on", "hours", "issuer", "grid"]
    list_filter = ["served_on", "grid__community__street", "grid__community"]
    search_fields = ["user__display_name", "user__email", "item", "issuer"]
    list_export = [
        "user",
        "item",
        "served_on",
        "hours",
        "issuer",
        "grid",
        "adjustment_reason",
        "credited_at",
    ]
    export_filename = "service-records"
    form_fields = ["hours", "adjustment_reason"]
    edit_view_class = ServiceRecordEditView
    ordering = ["-served_on"]

    def get_form_class(self, for_update=False):
        return ServiceRecordAdjustForm


class VolunteersViewSetGroup(ModelViewSetGroup):
    items = (RosterMembershipViewSet, ShiftViewSet, SignUpViewSet, ServiceRecordViewSet)
    menu_icon = "group"
    menu_label = _("志愿服务")
    menu_order = 300
