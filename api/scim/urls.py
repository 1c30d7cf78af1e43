"""SCIM 2.0 at ``/scim/v2/`` (include with ``path("scim/v2/", include("api.scim.urls"))``)."""

from django.urls import path, re_path

from . import views

app_name = "microlearn_scim"

urlpatterns = [
    path("", views.not_found, name="root"),
    path(".search", views.search_all, name="search"),
    path("Users", views.users, name="users"),
    path("Users/.search", views.users_search, name="users-search"),
    path("Users/<str:id>", views.user_detail, name="user-detail"),
    path("Groups", views.groups, name="groups"),
    path("Groups/.search", views.groups_search, name="groups-search"),
    path("Groups/<str:id>", views.group_detail, name="group-detail"),
    path("ServiceProviderConfig", views.service_provider_config, name="service-provider-config"),
    path("ResourceTypes", views.resource_types, name="resource-types"),
    path("ResourceTypes/<str:id>", views.resource_types, name="resource-type-detail"),
    path("Schemas", views.schema_list, name="schemas"),
    path("Schemas/<str:id>", views.schema_list, name="schema-detail"),
    re_path(r"^(?P<rest>[\s\S]*)$", views.not_found, name="not-found"),
]
