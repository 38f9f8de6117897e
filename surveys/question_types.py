"""Survey question types (题型), each in one place: its form field, how its answer is stored
(SurveyAnswer rows), how a stored answer fills the form again, its results and their
template, and its cell in the response export.

To add a type, write a QuestionType subclass here and list it in QUESTION_TYPES (then run
makemigrations: the type is a choice of SurveyQuestion.field_type). Nothing else switches on
the type. This module imports no survey model, so models, forms, selectors and exports can
all import it.
"""

from dataclasses import dataclass

import django.forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.contrib.forms.models import FORM_FIELD_CHOICES

from portal.text import TextAreaField

OTHER = "__other__"  # the stored option value of a "其他" answer; its text is in `text`
OTHER_SUFFIX = "__other"  # the form field with the text of a "其他" answer
TEXT_MAX_LENGTH = 2000
LINE_MAX_LENGTH = 255


@dataclass
class ResultRow:
    label: str
    count: int
    percent: float
    value: str = ""


def percent(count: int, total: int) -> float:
    return round(100.0 * count / total, 1) if total else 0.0


class QuestionType:
    """A free-text answer (Wagtail's email, number, URL, date and time fields are of this
    kind too): one `text` row when answered; the results count the answers and staff read
    them on their own page."""

    counted = False  # results as counts per option or value, not as texts
    choice = False
    multiple = False
    results_template = "surveys/includes/results_text.html"

    def __init__(self, value: str, label):
        self.value = value
        self.label = label

    def form_field(self, builder, question, options) -> django.forms.Field:
        """The answer's form field; Wagtail's FormBuilder method for the type by default."""
        return builder.get_create_field_function(self.value)(question, options)

    def answer_rows(self, question, cleaned: dict, name: str) -> list[dict]:
        """The cleaned answer as SurveyAnswer field values, one dict per stored row."""
        value = cleaned.get(name)
        if value in (None, ""):
            return []
        return [{"question": question, "text": str(value)}]

    def initial(self, question, answers: list, name: str) -> dict:
        """Form initial values from this question's stored answers (editing a response)."""
        return {name: answers[0].text if answers else ""}

    def result_rows(self, question, counts: dict, total: int) -> list[ResultRow]:
        """`counts` maps (option, rating) to the number of answers with them."""
        return []

    def mean(self, counts: dict) -> float | None:
        return None

    def answered(self, counts: dict) -> int | None:
        """How many answered (None where it is picks, not people)."""
        return sum(counts.values())

    def export_text(self, question, answer) -> str:
        return answer.option or answer.text


class LineQuestionType(QuestionType):
    def form_field(self, builder, question, options):
        options["max_length"] = LINE_MAX_LENGTH
        return django.forms.CharField(**options)


class MultilineQuestionType(QuestionType):
    def form_field(self, builder, question, options):
        options["max_length"] = TEXT_MAX_LENGTH
        options.setdefault("widget", django.forms.Textarea(attrs={"rows": 4}))
        return TextAreaField(**options)


class HiddenQuestionType(QuestionType):
    def form_field(self, builder, question, options):
        options["max_length"] = LINE_MAX_LENGTH
        options.setdefault("widget", django.forms.HiddenInput)
        return django.forms.CharField(**options)


class CheckboxQuestionType(QuestionType):
    """One tick box: stored as option "1" or "0", counted as 是 / 否."""

    counted = True
    results_template = "surveys/includes/results_counts.html"

    def answer_rows(self, question, cleaned, name):
        return [{"question": question, "option": "1" if cleaned.get(name) else "0"}]

    def initial(self, question, answers, name):
        return {name: bool(answers and answers[0].option == "1")}

    def result_rows(self, question, counts, total):
        by_option = {option: count for (option, _rating), count in counts.items()}
        rows = []
        for value, label in (("1", _("是")), ("0", _("否"))):
            count = by_option.get(value, 0)
            rows.append(ResultRow(label, count, percent(count, total), value))
        return rows

    def export_text(self, question, answer):
        return _("是") if answer.option == "1" else _("否")


class ChoiceQuestionType(QuestionType):
    """Options from the question's list, and "其他" with its text where allowed: one `option`
    row per chosen option."""

    counted = True
    choice = True
    results_template = "surveys/includes/results_counts.html"

    def __init__(self, value, label, *, multiple: bool = False):
        super().__init__(value, label)
        self.multiple = multiple

    def form_field(self, builder, question, options):
        field = super().form_field(builder, question, options)
        # Error messages for the choice fields keep the invalid value out of the text.
        field.error_messages["invalid_choice"] = gettext_lazy("请从给出的选项中选择。")
        return field

    def answer_rows(self, question, cleaned, name):
        value = cleaned.get(name)
        values = value if isinstance(value, list) else ([value] if value else [])
        return [
            {
                "question": question,
                "option": option,
                "text": cleaned.get(name + OTHER_SUFFIX, "") if option == OTHER else "",
            }
            for option in values
        ]

    def initial(self, question, answers, name):
        options = [answer.option for answer in answers]
        initial = {name: options if self.multiple else (options[0] if options else None)}
        others = [answer.text for answer in answers if answer.option == OTHER]
        if others:
            initial[name + OTHER_SUFFIX] = others[0]
        return initial

    def result_rows(self, question, counts, total):
        by_option: dict[str, int] = {}
        for (option, _rating), count in counts.items():
            by_option[option] = by_option.get(option, 0) + count
        # Each bar is "how many responses chose this", for multiple choice too.
        rows = []
        for option in question.option_list():
            count = by_option.pop(option, 0)
            rows.append(ResultRow(option, count, percent(count, total), option))
        other = by_option.pop(OTHER, 0)
        if question.allow_other or other:
            rows.append(ResultRow(_("其他"), other, percent(other, total), OTHER))
        # Options renamed or removed after responses came in keep their counts.
        for option, count in sorted(by_option.items()):
            rows.append(ResultRow(option, count, percent(count, total), option))
        return rows

    def answered(self, counts):
        return None if self.multiple else super().answered(counts)

    def export_text(self, question, answer):
        if answer.option == OTHER:
            return _("其他：%(text)s") % {"text": answer.text}
        return answer.option


class DropdownQuestionType(ChoiceQuestionType):
    def form_field(self, builder, question, options):
        # An empty first choice: a pre-selected first option would bias the answers.
        options["choices"] = [("", gettext_lazy("请选择"))] + builder.get_formatted_field_choices(
            question
        )
        field = django.forms.ChoiceField(**options)
        field.error_messages["invalid_choice"] = gettext_lazy("请从给出的选项中选择。")
        return field


class RatingQuestionType(QuestionType):
    """A 1–5 scale with named ends: one `rating` row; the results give a bar per value and
    the mean."""

    counted = True
    results_template = "surveys/includes/results_counts.html"

    def form_field(self, builder, question, options):
        low = question.rating_low_label or "1"
        high = question.rating_high_label or "5"
        options["choices"] = [("1", f"1 {low}"), ("2", "2"), ("3", "3"), ("4", "4")]
        options["choices"].append(("5", f"5 {high}"))
        options["initial"] = None
        options.setdefault("widget", django.forms.RadioSelect(attrs={"class": "rating"}))
        return django.forms.TypedChoiceField(coerce=int, **options)

    def answer_rows(self, question, cleaned, name):
        value = cleaned.get(name)
        return [{"question": question, "rating": int(value)}] if value else []

    def initial(self, question, answers, name):
        return {name: str(answers[0].rating) if answers else None}

    def _by_value(self, counts) -> dict[int, int]:
        by_value: dict[int, int] = {}
        for (_option, rating), count in counts.items():
            if rating:
                by_value[rating] = by_value.get(rating, 0) + count
        return by_value

    def result_rows(self, question, counts, total):
        by_value = self._by_value(counts)
        rows = []
        for value in range(1, 6):
            label = str(value)
            if value == 1 and question.rating_low_label:
                label = f"1 {question.rating_low_label}"
            elif value == 5 and question.rating_high_label:
                label = f"5 {question.rating_high_label}"
            count = by_value.get(value, 0)
            rows.append(ResultRow(label, count, percent(count, total), str(value)))
        return rows

    def mean(self, counts):
        by_value = self._by_value(counts)
        rated = sum(by_value.values())
        if not rated:
            return None
        return round(sum(value * count for value, count in by_value.items()) / rated, 2)

    def export_text(self, question, answer):
        return str(answer.rating or "")


RATING = "rating"

_SPECIAL_TYPES = {
    "singleline": LineQuestionType,
    "multiline": MultilineQuestionType,
    "hidden": HiddenQuestionType,
    "checkbox": CheckboxQuestionType,
    "radio": ChoiceQuestionType,
    "checkboxes": lambda value, label: ChoiceQuestionType(value, label, multiple=True),
    "multiselect": lambda value, label: ChoiceQuestionType(value, label, multiple=True),
    "dropdown": DropdownQuestionType,
}

# Wagtail's form field types, in Wagtail's order, then this project's own.
QUESTION_TYPES: dict[str, QuestionType] = {
    value: _SPECIAL_TYPES.get(value, QuestionType)(value, label)
    for value, label in FORM_FIELD_CHOICES
}
QUESTION_TYPES[RATING] = RatingQuestionType(RATING, gettext_lazy("评分（1–5）"))


def question_type(value: str) -> QuestionType:
    return QUESTION_TYPES[value]


def question_type_choices() -> list[tuple[str, str]]:
    return [(value, kind.label) for value, kind in QUESTION_TYPES.items()]
