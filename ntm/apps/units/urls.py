from django.urls import path

from . import views

urlpatterns = [
    path("", views.unit_browse, name="unit-browse"),
    path("<str:uid>/", views.unit_detail, name="unit-detail"),
]
