from django.urls import path

from . import fact_views, views

urlpatterns = [
    path("", views.entry_index, name="entry-index"),
    path("cho-duyet/", views.pending, name="entry-pending"),
    path("tinh-hinh-nop/", views.reporting, name="entry-reporting"),
    path("minh-chung/<int:pk>/", views.evidence, name="entry-evidence"),
    path("thong-tin-bo-sung/<str:uid>/", fact_views.facts_page, name="entry-facts"),
    path("<str:uid>/<slug:set_code>/<str:period>/", views.entry_form, name="entry-form"),
    path("<str:uid>/<slug:set_code>/<str:period>/xem-truoc/", views.entry_preview, name="entry-preview"),
    path("<str:uid>/<slug:set_code>/<str:period>/trang-thai/", views.entry_transition, name="entry-transition"),
    path("<str:uid>/<slug:set_code>/<str:period>/chep-ky-truoc/", views.entry_carry, name="entry-carry"),
    path("<str:uid>/<slug:set_code>/<str:period>/y-kien/", views.entry_comment, name="entry-comment"),
]
