"""Log-in required everywhere, log-in/log-out pages in Vietnamese, the account page."""

import pytest

from ntm.apps.accounts.testing import demo_users

pytestmark = pytest.mark.django_db

LOGIN = "/tai-khoan/dang-nhap/"


@pytest.fixture
def users(db):
    return demo_users()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/bo-tieu-chi/",
        "/nhap-lieu/",
        "/nhap-lieu/cho-duyet/",
        "/nhat-ky/",
        "/tai-khoan/",
        "/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-07/",
    ],
)
def test_every_page_needs_a_log_in(client, url):
    r = client.get(url)
    assert r.status_code == 302 and r.url.startswith(f"{LOGIN}?next=")


def test_an_anonymous_post_changes_nothing(client):
    from ntm.apps.observations.models import Observation

    r = client.post("/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-07/", {"a-1.1": "dat", "ver-1.1": "0"})
    assert r.status_code == 302 and not Observation.objects.exists()


def test_an_expired_htmx_request_redirects_the_whole_page(client):
    r = client.post(
        "/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-07/xem-truoc/",
        {"row": "1.1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-07/",
    )
    assert r.status_code == 204
    assert r["HX-Redirect"] == f"{LOGIN}?next=%2Fnhap-lieu%2Fxa%3A13570%402024%2Fxa-ntm-2021%2F2023-07%2F"


def test_log_in_page_is_in_vietnamese_and_logs_in(users, client):
    html = client.get(LOGIN).content.decode()
    assert "Tên đăng nhập" in html and "Mật khẩu" in html and "<h1>Đăng nhập</h1>" in html
    r = client.post(LOGIN, {"username": "demo_xa", "password": "sai"})
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in r.content.decode()
    r = client.post(LOGIN, {"username": "demo_xa", "password": "ntm-demo", "next": "/nhap-lieu/"})
    assert r.status_code == 302 and r.url == "/nhap-lieu/"
    r = client.post(LOGIN, {"username": "demo_xa", "password": "ntm-demo", "next": "https://evil.example/"})
    assert r.url == "/"  # no open redirect


def test_header_shows_the_user_and_log_out(users, client):
    client.force_login(users["huyen"])
    html = client.get("/tai-khoan/").content.decode()
    assert "Văn phòng điều phối huyện Lý Nhân" in html and "Đăng xuất" in html
    r = client.post("/tai-khoan/dang-xuat/")
    assert r.status_code == 302 and r.url == LOGIN
    assert client.get("/tai-khoan/").status_code == 302


def test_account_page_lists_units_and_roles(users, client):
    client.force_login(users["huyen"])
    html = client.get("/tai-khoan/").content.decode()
    assert "Huyện Lý Nhân" in html and "Tỉnh Hà Nam" in html  # the unit and its path
    assert "Nhập liệu<br>Thẩm định" in html
    assert "phê duyệt, trả lại, mở lại số liệu của cấp xã; đăng ký kế hoạch đạt chuẩn của các xã" in html
    assert "công nhận" not in html  # the province recognises communes, not the district
    client.force_login(users["tinh"])
    assert "nhập quyết định công nhận xã đạt chuẩn" in client.get("/tai-khoan/").content.decode()
    client.force_login(users["quocgia"])  # the national level reviews districts and provinces only; the leader reads
    html = client.get("/tai-khoan/").content.decode()
    assert "phê duyệt, trả lại, mở lại số liệu của cấp huyện, tỉnh" in html and "chỉ xem, không sửa" in html
    client.force_login(users["xa"])
    html = client.get("/tai-khoan/").content.decode()
    assert "Xã Nguyên Lý" in html and "Thẩm định" not in html and 'href="/nhat-ky/">Nhật ký' not in html


def test_a_forbidden_page_says_why_in_vietnamese(users, client):
    client.force_login(users["xa"])
    r = client.get("/nhap-lieu/xa:06841@2024/xa-ntm-2021/2023-07/")
    html = r.content.decode()
    assert r.status_code == 403
    assert "Không có quyền truy cập (403)" in html and "Bạn không có quyền xem số liệu của Xã Hoành Mô." in html
