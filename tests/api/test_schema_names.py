"""Ninja names an OpenAPI component after its schema class: two resource modules with a class
of the same name but other fields would share one component, and one of them would be
documented wrongly (found by the schema fuzzer: cases' CategoryOut replaced projects').
Classes of the same name and the same fields (a {id, name} place) are harmless."""

import inspect
import json
from collections import defaultdict
from importlib import import_module

from ninja import Schema

from api.resources import RESOURCES


def test_schema_class_names_are_unique_across_resource_modules():
    owners = defaultdict(set)
    for module_name, _prefix in RESOURCES:
        module = import_module(module_name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Schema)
                and value.__module__ == module_name
            ):
                owners[name].add(json.dumps(value.model_json_schema(), sort_keys=True))
    assert len(owners) > 20
    clashing = sorted(name for name, shapes in owners.items() if len(shapes) > 1)
    assert not clashing, clashing
