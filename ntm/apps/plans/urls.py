from django.urls import path

from . import views

urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("them/", views.plan_create, name="plan-create"),
    path("<int:pk>/sua/", views.plan_edit, name="plan-edit"),
    path("<int:pk>/xoa/", views.plan_delete, name="plan-delete"),
]
