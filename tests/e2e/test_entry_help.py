"""In a real browser: "Chép từ kỳ trước" and its marks, Enter that does not submit, the question before
leaving unsaved input, the warning before submitting an incomplete sheet, and a returned sheet announced
on the commune's page with the reviewer's reason and remarks."""

from __future__ import annotations

import pytest

from .conftest import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SET = "xa-ntm-2021"
JULY = f"/nhap-lieu/xa:13570@2024/{SET}/2023-07/"
AUGUST = f"/nhap-lieu/xa:13570@2024/{SET}/2023-08/"


def _nguyen_ly():
    from ntm.apps.units.services import resolve_unit

    return resolve_unit("xa:13570@2024")


def test_carry_over_enter_and_unsaved_input(server, units_loaded, new_page):
    from playwright.sync_api import expect

    from ntm.apps.accounts.testing import seed_cell
    from ntm.apps.observations.models import CARRIED_OVER, Observation

    unit = _nguyen_ly()
    seed_cell(unit)  # July: 55 đạt, 17.1 and 17.2 chưa đạt
    page = new_page()
    log_in(page, server.url, "demo_xa", next=AUGUST)

    page.click("#carry button")
    expect(page.locator(".messages")).to_contain_text("Đã chép 57 chỉ tiêu từ tháng 7/2023")
    expect(page.locator(".carried-mark")).to_have_count(57)
    expect(page.locator("#row-17-1 .carried-mark")).to_contain_text("Chép từ tháng 7/2023 — chưa xác nhận")
    expect(page.locator("select[name='a-17.1']")).to_have_value("chua_dat")
    expect(page.locator("#carry")).to_have_count(0)  # nothing left to fill

    # Enter in a field moves on and submits nothing (the page is not loaded again: its mark stays)
    page.evaluate("window.ntmStillHere = true")
    page.fill("input[name='v-3.1']", "85")
    page.press("input[name='v-3.1']", "Enter")
    expect(page.locator("select[name='a-3.1']")).to_be_focused()
    page.wait_for_timeout(300)
    assert page.evaluate("window.ntmStillHere === true") and page.url.endswith(AUGUST)
    assert Observation.objects.current().get(unit=unit, period="2023-08", indicator="3.1").source == CARRIED_OVER

    # leaving with that input unsaved asks first; staying keeps it
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.click("header nav a[href='/']")
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"] and page.url.endswith(AUGUST)
    page.remove_listener("dialog", on_dialog)

    # confirm one carried row as it is, change another (3.1 typed above), save
    page.check("input[name='ok-2.1']")
    page.click(".entry-bar button.save")
    expect(page.locator(".messages")).to_contain_text("Đã lưu 2 chỉ tiêu")
    expect(page.locator(".carried-mark")).to_have_count(55)
    expect(page.locator("#row-2-1 .carried-mark")).to_have_count(0)
    rows = {o.indicator: o.source for o in Observation.objects.current().filter(unit=unit, period="2023-08")}
    assert rows["2.1"] == rows["3.1"] == "form" and rows["17.1"] == CARRIED_OVER

    # every remaining carried row confirmed at once
    page.click("#confirm-all")
    expect(page.locator(".messages")).to_contain_text("Đã lưu 55 chỉ tiêu")
    expect(page.locator(".carried-mark")).to_have_count(0)


def test_submitting_an_incomplete_sheet_warns_first(server, units_loaded, new_page):
    from playwright.sync_api import expect

    from ntm.apps.observations.models import Submission

    unit = _nguyen_ly()
    page = new_page()
    log_in(page, server.url, "demo_xa", next=AUGUST)
    for code in ("1.1", "1.2", "2.1"):
        page.select_option(f"select[name='a-{code}']", "dat")
    page.click(".entry-bar button.save")
    expect(page.locator(".messages")).to_contain_text("Đã lưu 3 chỉ tiêu")

    page.click("button[data-step=submit]")
    warning = page.locator("#incomplete")
    expect(warning).to_contain_text("Hồ sơ chưa đầy đủ — chưa gửi duyệt")
    expect(warning).to_contain_text("Còn 54 chỉ tiêu chưa có giá trị hay đánh giá")
    expect(warning.locator("ul.missing li")).to_have_count(54)
    expect(page.locator("#state")).to_have_text("Chưa gửi duyệt")
    assert not Submission.objects.filter(unit=unit).exists()

    warning.get_by_role("link", name="Quay lại nhập tiếp").click()
    expect(page.locator("#incomplete")).to_have_count(0)
    page.click("button[data-step=submit]")
    page.click("button[data-step=submit-anyway]")
    expect(page.locator(".messages")).to_contain_text("Đã gửi duyệt: Xã Nguyên Lý")
    expect(page.locator("#state")).to_have_text("Chờ duyệt")


def test_a_returned_sheet_is_announced_on_the_communes_page(server, units_loaded, new_page):
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    from ntm.apps.accounts.testing import seed_cell
    from ntm.apps.observations.workflow import transition

    unit = _nguyen_ly()
    seed_cell(unit)
    transition(unit, SET, "2023-07", "submit", get_user_model().objects.get(username="demo_xa"))

    page = new_page()
    log_in(page, server.url, "demo_huyen", next=JULY)
    expect(page.locator("#waiting-count")).to_have_text("1")  # the menu counts what waits for review
    page.fill("input[placeholder='Ý kiến về chỉ tiêu 17.1']", "Số liệu khác biên bản kiểm tra tháng 6")
    page.locator("#row-17-1").get_by_role("button", name="Góp ý").click()
    expect(page.locator("#row-17-1 .remark")).to_contain_text("«Số liệu khác biên bản kiểm tra tháng 6»")
    page.fill("form.step input[name=comment][required]", "Bổ sung minh chứng tiêu chí 17")
    page.click("button[data-step=return]")
    expect(page.locator("#state")).to_have_text("Bị trả lại")
    expect(page.locator("#waiting-count")).to_have_count(0)
    log_out(page)

    log_in(page, server.url, "demo_xa", next="/")
    notice = page.locator("#returned-sheets")
    expect(notice).to_contain_text("Hồ sơ bị trả lại (1)")
    expect(notice).to_contain_text("tháng 7/2023")
    expect(notice).to_contain_text("Lý do: «Bổ sung minh chứng tiêu chí 17»")
    expect(notice).to_contain_text("17.1: «Số liệu khác biên bản kiểm tra tháng 6»")
    notice.get_by_role("link", name="Sửa số liệu và gửi duyệt lại").click()
    assert page.url.endswith(JULY)
    expect(page.locator("#row-17-1 .remark")).to_contain_text("Số liệu khác biên bản kiểm tra tháng 6")
    expect(page.locator("select[name='a-17.1']")).to_be_enabled()
