"""``{% load ntm_dataview %}{% unapproved_mark %}``: the mark a page prints beside its figures when they
include unapproved data (the reviewer's "gồm cả số liệu chưa duyệt"; nothing otherwise)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop

from ntm.apps.evaluations import dataview

register = template.Library()
MARK = gettext_noop("Gồm cả số liệu chưa duyệt")


@register.simple_tag
def unapproved_mark() -> str:
    if dataview.current().approved_only:
        return ""
    return format_html(
        '<p class="dataview-mark" data-view="all"><strong>{}</strong> — {}</p>',
        gettext(MARK),
        gettext(
            "các hồ sơ chưa được cấp thẩm định phê duyệt cũng được tính; chỉ dùng để theo dõi, không dùng để công bố."
        ),
    )


@register.simple_tag
def data_view():
    return dataview.current()
