from django.urls import path

from . import views

urlpatterns = [
    path("<str:uid>/", views.unit_detail, name="unit-detail"),
]
