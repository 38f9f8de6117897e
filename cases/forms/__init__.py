"""Forms of cases, one module per concern: the staff inbox (inbox), the staff actions on a
case (actions), the report form (reporting) and the public pages (public). The names below
are what the views and the admin views import."""

from cases.forms.actions import (
    DispatchForm,
    ExtensionDecideForm,
    ExtensionRequestForm,
    HandleForm,
    MultiplePhotoField,
    NoteForm,
    PhotoPublicForm,
    RejectForm,
    TextForm,
    VerifyForm,
)
from cases.forms.common import MultipleFileInput, department_groups
from cases.forms.inbox import BulkForm, InboxFilterSet
from cases.forms.public import LeaderVerifyForm, PublicCaseFilterSet, RatingForm, StatisticsForm
from cases.forms.reporting import MultipleImageField, ReportForm, ReportStartForm, active_categories

__all__ = [
    "BulkForm",
    "DispatchForm",
    "ExtensionDecideForm",
    "ExtensionRequestForm",
    "HandleForm",
    "InboxFilterSet",
    "LeaderVerifyForm",
    "MultipleFileInput",
    "MultipleImageField",
    "MultiplePhotoField",
    "NoteForm",
    "PhotoPublicForm",
    "PublicCaseFilterSet",
    "RatingForm",
    "RejectForm",
    "ReportForm",
    "ReportStartForm",
    "StatisticsForm",
    "TextForm",
    "VerifyForm",
    "active_categories",
    "department_groups",
]
