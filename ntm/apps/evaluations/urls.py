from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("xa/", views.communes, name="communes"),
    path("thieu-hut/", views.gaps, name="gaps"),
    path("danh-gia-lai/", views.reevaluation_status, name="reevaluation-status"),
    path("so-lieu/", views.data_view_switch, name="data-view"),
]
