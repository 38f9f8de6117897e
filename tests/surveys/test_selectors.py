"""Results computed by the database equal a brute-force count over the stored responses."""

import uuid
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.models import Community
from surveys.models import OTHER, SurveyAnswer, SurveyResponse
from surveys.selectors import survey_results
from tests.surveys.factories import make_survey

QUESTIONS = [
    {
        "label": "单选",
        "field_type": "radio",
        "choices": "甲\n乙\n丙",
        "allow_other": True,
        "required": False,
    },
    {"label": "多选", "field_type": "checkboxes", "choices": "一\n二\n三\n四", "required": False},
    {"label": "评分", "field_type": "rating", "required": False},
    {"label": "同意", "field_type": "checkbox", "required": False},
]

response_strategy = st.fixed_dictionaries(
    {
        "area": st.integers(0, 3),
        "single": st.sampled_from(["", "甲", "乙", "丙", OTHER]),
        "multi": st.sets(st.sampled_from(["一", "二", "三", "四"])),
        "rating": st.one_of(st.none(), st.integers(1, 5)),
        "agree": st.booleans(),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.lists(response_strategy, max_size=40), area_filter=st.integers(-1, 3))
def test_results_equal_brute_force(survey_index, grids, data, area_filter):
    survey = make_survey(survey_index, questions=QUESTIONS)
    single, multi, rating, agree = survey.get_form_fields()
    communities = list(Community.objects.filter(grids__in=grids).distinct().order_by("pk"))[:4]
    for i, item in enumerate(data):
        community = communities[item["area"]]
        response = SurveyResponse.objects.create(
            survey=survey,
            respondent_key=f"k{i}-{uuid.uuid4().hex}",  # unique across examples
            street_id=community.street_id,
            community=community,
        )
        rows = []
        if item["single"]:
            rows.append(
                {
                    "question": single,
                    "option": item["single"],
                    "text": "x" if item["single"] == OTHER else "",
                }
            )
        rows += [{"question": multi, "option": o} for o in item["multi"]]
        if item["rating"]:
            rows.append({"question": rating, "rating": item["rating"]})
        rows.append({"question": agree, "option": "1" if item["agree"] else "0"})
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(
                response=response,
                survey=survey,
                street_id_snapshot=community.street_id,
                community_id_snapshot=community.pk,
                **row,
            )
            for row in rows
        )

    community_id = communities[area_filter].pk if area_filter >= 0 else None
    selected = [
        item
        for item in data
        if community_id is None or communities[item["area"]].pk == community_id
    ]
    results = survey_results(survey=survey, community_id=community_id)

    assert results.total == len(selected)
    by_label = {
        r.question.label: {row.value: row.count for row in r.rows} for r in results.questions
    }
    singles = Counter(item["single"] for item in selected if item["single"])
    assert by_label["单选"] == {o: singles.get(o, 0) for o in ["甲", "乙", "丙", OTHER]}
    multis = Counter(o for item in selected for o in item["multi"])
    assert by_label["多选"] == {o: multis.get(o, 0) for o in ["一", "二", "三", "四"]}
    ratings = Counter(item["rating"] for item in selected if item["rating"])
    assert by_label["评分"] == {str(v): ratings.get(v, 0) for v in range(1, 6)}
    mean = results.questions[2].mean
    if ratings:
        expected = sum(v * c for v, c in ratings.items()) / sum(ratings.values())
        assert mean == round(expected, 2)
    else:
        assert mean is None
    agrees = Counter("1" if item["agree"] else "0" for item in selected)
    assert by_label["同意"] == {"1": agrees.get("1", 0), "0": agrees.get("0", 0)}
    for result in results.questions:
        for row in result.rows:
            expected_percent = round(100 * row.count / len(selected), 1) if selected else 0.0
            assert row.percent == expected_percent
