"""The answer form of a survey, built from its questions (Wagtail's FormBuilder; each
question type makes its own field, see surveys.question_types) plus the "其他" answers."""

import django.forms
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.forms import BaseForm, FormBuilder

from surveys.models import SurveyQuestion
from surveys.question_types import OTHER, OTHER_SUFFIX

OTHER_MAX_LENGTH = 200


class SurveyIndexFilterForm(django.forms.Form):
    """?tab=open|closed on the survey index; any other value shows the open surveys."""

    tab = django.forms.ChoiceField(
        required=False, choices=[("open", _("正在进行")), ("closed", _("已结束"))]
    )

    def tab_or_open(self) -> str:
        return (self.cleaned_data["tab"] or "open") if self.is_valid() else "open"


class SurveyBaseForm(BaseForm):
    """Adds the rule of "其他": choosing it requires saying what."""

    questions: dict[str, SurveyQuestion] = {}

    def clean(self):
        cleaned = super().clean()
        for name, question in self.questions.items():
            if not (question.is_choice and question.allow_other):
                continue
            value = cleaned.get(name)
            chosen = OTHER in value if isinstance(value, list) else value == OTHER
            other_text = (cleaned.get(name + OTHER_SUFFIX) or "").strip()
            if chosen and not other_text:
                self.add_error(name + OTHER_SUFFIX, _("选择了“其他”，请填写具体内容。"))
            if not chosen:
                cleaned[name + OTHER_SUFFIX] = ""
        return cleaned

    def answer_rows(self) -> list[dict]:
        """The cleaned answers as SurveyAnswer field values, one dict per stored row."""
        rows = []
        for name, question in self.questions.items():
            rows += question.question_type.answer_rows(question, self.cleaned_data, name)
        return rows


class SurveyFormBuilder(FormBuilder):
    """Wagtail's form builder with each question type's own field and the "其他" answers."""

    def get_formatted_field_choices(self, field):
        choices = super().get_formatted_field_choices(field)
        choices = [(value, label) for value, label in choices if value]
        if field.allow_other:
            choices.append((OTHER, _("其他")))
        return choices

    def get_field_options(self, field):
        options = super().get_field_options(field)
        if field.field_type not in ("checkboxes",) and not field.default_value:
            options["initial"] = None
        options["error_messages"] = {
            "required": _("请回答这个问题。"),
            "invalid_choice": _("请从给出的选项中选择。"),
            "max_length": _("回答太长了，最多 %(limit_value)d 个字。"),
        }
        return options

    @property
    def formfields(self):
        fields = {}
        for question in self.fields:
            options = self.get_field_options(question)
            name = question.clean_name or question.get_field_clean_name()
            fields[name] = question.question_type.form_field(self, question, options)
            if question.is_choice and question.allow_other:
                fields[name + OTHER_SUFFIX] = django.forms.CharField(
                    label=_("“%(question)s”的其他内容") % {"question": question.label},
                    required=False,
                    max_length=OTHER_MAX_LENGTH,
                    error_messages={"max_length": _("回答太长了，最多 %(limit_value)d 个字。")},
                    # surveys/survey-form.js shows the box only while 其他 is chosen.
                    widget=django.forms.TextInput(attrs={"data-other-for": name}),
                )
        return fields

    def get_form_class(self):
        questions = {(q.clean_name or q.get_field_clean_name()): q for q in self.fields}
        attrs = dict(self.formfields)
        attrs["questions"] = questions
        return type("SurveyForm", (SurveyBaseForm,), attrs)


def initial_from_response(questions: list[SurveyQuestion], answers) -> dict:
    """Form initial values from stored answers, for editing a response."""
    by_question: dict[int, list] = {}
    for answer in answers:
        by_question.setdefault(answer.question_id, []).append(answer)
    initial = {}
    for question in questions:
        rows = by_question.get(question.pk, [])
        initial.update(question.question_type.initial(question, rows, question.clean_name))
    return initial
