from django.urls import path

from . import views

urlpatterns = [
    path("", views.check_page, name="claims-check"),
    path("luu/", views.save, name="claims-save"),
    path("da-luu/", views.saved_list, name="claims-saved"),
]
