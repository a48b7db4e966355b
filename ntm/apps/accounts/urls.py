from django.urls import path

from . import views

urlpatterns = [
    path("", views.account, name="account"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("ngon-ngu/", views.set_language, name="set-language"),
    path("doi-mat-khau/", views.PasswordChangeView.as_view(), name="password-change"),
    path("token/thu-hoi/", views.token_revoke, name="account-token-revoke"),
]
