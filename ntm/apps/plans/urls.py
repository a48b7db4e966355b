from django.urls import path

from . import recognition_views, views

urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("them/", views.plan_create, name="plan-create"),
    path("muc-tieu-tinh/", views.province_targets, name="province-targets"),
    path("<int:pk>/sua/", views.plan_edit, name="plan-edit"),
    path("<int:pk>/xoa/", views.plan_delete, name="plan-delete"),
    path("cong-nhan/", recognition_views.recognition_list, name="recognitions"),
    path("cong-nhan/them/", recognition_views.recognition_create, name="recognition-create"),
    path("cong-nhan/<int:pk>/sua/", recognition_views.recognition_edit, name="recognition-edit"),
    path("cong-nhan/<int:pk>/xoa/", recognition_views.recognition_delete, name="recognition-delete"),
]
