"""The answer form of a survey, built from its questions (Wagtail's FormBuilder plus the
rating scale and "其他" answers), and the results filter."""

import django.forms
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.forms import BaseForm, FormBuilder

from surveys.models import OTHER, RATING, SurveyQuestion

TEXT_MAX_LENGTH = 2000
LINE_MAX_LENGTH = 255
OTHER_MAX_LENGTH = 200
OTHER_SUFFIX = "__other"


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
            value = self.cleaned_data.get(name)
            if question.is_rating:
                if value:
                    rows.append({"question": question, "rating": int(value)})
            elif question.is_choice:
                values = value if isinstance(value, list) else ([value] if value else [])
                for option in values:
                    text = self.cleaned_data.get(name + OTHER_SUFFIX, "") if option == OTHER else ""
                    rows.append({"question": question, "option": option, "text": text})
            elif question.field_type == "checkbox":
                rows.append({"question": question, "option": "1" if value else "0"})
            elif value not in (None, ""):
                rows.append({"question": question, "text": str(value)})
        return rows


class SurveyFormBuilder(FormBuilder):
    """Wagtail's field types with length limits, plus `rating` and the "其他" answers."""

    def create_singleline_field(self, field, options):
        options["max_length"] = LINE_MAX_LENGTH
        return django.forms.CharField(**options)

    def create_multiline_field(self, field, options):
        options["max_length"] = TEXT_MAX_LENGTH
        options.setdefault("widget", django.forms.Textarea(attrs={"rows": 4}))
        return django.forms.CharField(**options)

    def create_hidden_field(self, field, options):
        options["max_length"] = LINE_MAX_LENGTH
        options.setdefault("widget", django.forms.HiddenInput)
        return django.forms.CharField(**options)

    def create_rating_field(self, field, options):
        low = field.rating_low_label or "1"
        high = field.rating_high_label or "5"
        options["choices"] = [
            ("1", f"1 {low}"),
            ("2", "2"),
            ("3", "3"),
            ("4", "4"),
            ("5", f"5 {high}"),
        ]
        options["initial"] = None
        options.setdefault("widget", django.forms.RadioSelect(attrs={"class": "rating"}))
        return django.forms.TypedChoiceField(coerce=int, **options)

    def create_dropdown_field(self, field, options):
        # An empty first choice: a pre-selected first option would bias the answers.
        options["choices"] = [("", _("请选择"))] + self.get_formatted_field_choices(field)
        return django.forms.ChoiceField(**options)

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
            create = self.get_create_field_function(question.field_type)
            name = question.clean_name or question.get_field_clean_name()
            fields[name] = create(question, options)
            if question.field_type in ("dropdown", "multiselect", "radio", "checkboxes"):
                # Error messages for the choice fields keep the invalid value out of the text.
                fields[name].error_messages["invalid_choice"] = _("请从给出的选项中选择。")
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
        name = question.clean_name
        rows = by_question.get(question.pk, [])
        if question.field_type == RATING:
            initial[name] = str(rows[0].rating) if rows else None
        elif question.is_choice:
            options = [r.option for r in rows]
            initial[name] = options if question.is_multiple else (options[0] if options else None)
            others = [r.text for r in rows if r.option == OTHER]
            if others:
                initial[name + OTHER_SUFFIX] = others[0]
        elif question.field_type == "checkbox":
            initial[name] = bool(rows and rows[0].option == "1")
        else:
            initial[name] = rows[0].text if rows else ""
    return initial
