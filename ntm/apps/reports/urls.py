from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="reports-index"),
    path("ban-tin/", views.bulletin_page, name="reports-bulletin"),
    path("ban-tin/tai-ve/", views.bulletin_download, name="reports-bulletin-download"),
    path("ho-so/", views.dossier_page, name="reports-dossier"),
    path("ho-so/tai-ve/", views.dossier_download, name="reports-dossier-download"),
    path("van-ban/thong-tin/", views.document_settings, name="reports-document-settings"),
    path("trao-doi/mau/", views.template_download, name="reports-template"),
    path("trao-doi/nhap/", views.upload, name="reports-upload"),
    path("trao-doi/nhap/<str:batch>/", views.import_preview, name="reports-import-preview"),
    path("trao-doi/nhap/<str:batch>/xac-nhan/", views.import_confirm, name="reports-import-confirm"),
    path("trao-doi/xuat/", views.export, name="reports-export"),
    path("bo-tieu-chi/<str:code>.xlsx", views.catalog_export, name="reports-catalog-export"),
    path("bo-tieu-chi/nhap/", views.catalog_import, name="reports-catalog-import"),
]
