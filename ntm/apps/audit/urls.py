from django.urls import path

from . import views

urlpatterns = [
    path("", views.audit_log, name="audit-log"),
    path("thay-doi/", views.object_changes, name="audit-changes"),
]
