"""Pieces shared by the staff and the resident forms."""

from django import forms


def department_groups():
    """The groups a case can be dispatched to: the handling departments (see
    cases.permissions.handling_departments), never a role group such as Editors or 网格长."""
    from cases.permissions import handling_departments

    return handling_departments()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True
