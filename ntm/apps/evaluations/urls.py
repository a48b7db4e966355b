from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("xa/", views.communes, name="communes"),
    path("thieu-hut/", views.gaps, name="gaps"),
]
