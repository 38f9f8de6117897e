from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("organizations/", views.organization_directory, name="organization_directory"),
    path("organizations/apply/", views.organization_apply, name="organization_apply"),
    path("me/organizations/", views.my_organizations, name="my_organizations"),
    path(
        "me/organizations/<id:pk>/members/",
        views.organization_members,
        name="organization_members",
    ),
    path(
        "me/organizations/<id:pk>/members/<id:member_pk>/remove/",
        views.organization_member_remove,
        name="organization_member_remove",
    ),
    path(
        "organizations/invitations/<str:token>/",
        views.invitation_accept,
        name="invitation_accept",
    ),
]
