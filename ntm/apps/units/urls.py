from django.urls import path

from . import views

urlpatterns = [
    path("", views.unit_browse, name="unit-browse"),
    path("phan-loai/nhap/", views.classification_import, name="classification-import"),
    path("phan-loai/mau.xlsx", views.classification_template, name="classification-template"),
    path("<str:uid>/", views.unit_detail, name="unit-detail"),
    path("<str:uid>/phan-loai/", views.unit_classification, name="unit-classification"),
    path("<str:uid>/ke-thua-phan-quyen/", views.membership_succession, name="membership-succession"),
]
