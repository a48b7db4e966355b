from django.urls import path

from . import views

urlpatterns = [
    path("", views.catalog_list, name="catalog-list"),
    path("<slug:code>/", views.catalog_detail, name="catalog-detail"),
]
