"""Change logging by construction: one :class:`~.models.ObjectChange` per created, saved or deleted
object of a change-logged model, with its fields before and after, the user and the request.

A model takes part by declaring it — the declaration sits with the model, so a new write path
through ``save()``, ``delete()``, a form, the admin or a queryset ``delete()`` cannot forget it::

    class Fact(models.Model):
        ...
        change_log = {"unit": "unit", "labels": {"value": "giá trị"}, "exclude": ("created_at",)}

``unit``: the field holding the object's unit (``"self"`` for a unit), which decides who may read
the record; ``labels``: Vietnamese labels for fields without a ``verbose_name``; ``exclude``:
fields not worth recording (timestamps, large texts kept elsewhere). The app config of ``audit``
finds the declarations and connects ``pre_save``/``post_save``/``post_delete`` to each such model
only (other models keep Django's fast deletes).

Queryset ``update()``, ``bulk_update()`` and ``bulk_create()`` send no signal: a bulk update of a
change-logged model goes through :func:`bulk_update` here, which writes the records in bulk too;
other bulk writes pass their changes to :func:`record_many`.

The user, the request id, IP and path come from the request bound by the audit middleware
(:func:`.services.current_request`); outside a request (command line, worker) the user is empty
unless :func:`acting` names one.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Iterable, Iterator

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from .models import ObjectChange
from .services import current_request

Kind = ObjectChange.Kind

_acting: contextvars.ContextVar[object | None] = contextvars.ContextVar("ntm_changelog_user", default=None)


def options(model) -> dict | None:
    """The model's ``change_log`` declaration (None: not change-logged)."""
    opts = getattr(model, "change_log", None)
    return opts if isinstance(opts, dict) else None


def logged_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if options(m) is not None]


@contextlib.contextmanager
def acting(user) -> Iterator[None]:
    """Attribute the changes made inside the block to ``user`` (a service called outside a request);
    ``None`` keeps the user already named by an outer block or the request."""
    if user is None:
        yield
        return
    token = _acting.set(user)
    try:
        yield
    finally:
        _acting.reset(token)


def snapshot(obj: models.Model) -> dict:
    """The object's concrete fields (a foreign key as its id) as JSON values, the declared
    exclusions left out."""
    exclude = set((options(type(obj)) or {}).get("exclude", ()))
    data = {
        f.name: f.value_from_object(obj)
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.name not in exclude
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _unit_of(obj: models.Model) -> tuple[str, str, str]:
    """(uid, name, path) of the object's unit, or empty texts."""
    name = (options(type(obj)) or {}).get("unit")
    if not name:
        return "", "", ""
    unit = obj if name == "self" else getattr(obj, name, None)
    if unit is None:
        return "", "", ""
    return unit.uid, unit.name[:120], unit.path


def _who() -> tuple[object | None, str, str]:
    """(user, username, request id) of the current change."""
    info = current_request()
    user = _acting.get()
    if user is None and info is not None:
        user = info.user or getattr(info.request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return user, (user.get_username() if user is not None else "")[:150], (info.request_id if info else "")


def _build(obj: models.Model, action: str, before: dict | None, after: dict | None, who) -> ObjectChange:
    from django.contrib.contenttypes.models import ContentType

    user, username, request_id = who
    uid, uname, upath = _unit_of(obj)
    return ObjectChange(
        at=timezone.now(),
        user=user,
        username=username,
        request_id=request_id,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        action=action,
        unit_uid=uid,
        unit_name=uname,
        unit_path=upath,
        before=before,
        after=after,
    )


def record(obj: models.Model, action: str, before: dict | None, after: dict | None) -> ObjectChange | None:
    """Add the record of one change (none for a save that changed nothing)."""
    if action == Kind.UPDATE and before == after:
        return None
    change = _build(obj, action, before, after, _who())
    change.save(force_insert=True)
    return change


def record_many(changes: Iterable[tuple[models.Model, str, dict | None, dict | None]]) -> int:
    """Add the records of many changes (object, action, before, after) in one bulk insert; saves
    that changed nothing are skipped. Returns the number of records."""
    who = _who()
    rows = [
        _build(obj, action, before, after, who)
        for obj, action, before, after in changes
        if not (action == Kind.UPDATE and before == after)
    ]
    ObjectChange.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def bulk_update(model: type[models.Model], objs: list[models.Model], fields: list[str]) -> int:
    """``model.objects.bulk_update(objs, fields)`` with one change record per object that changed
    (the stored rows are read first, in one query). Returns the number of objects changed."""
    objs = [o for o in objs if o.pk is not None]
    if not objs:
        return 0
    stored = {o.pk: snapshot(o) for o in model._base_manager.filter(pk__in=[o.pk for o in objs])}
    changed = [o for o in objs if stored.get(o.pk) != snapshot(o)]
    if not changed:
        return 0
    model._base_manager.bulk_update(changed, fields, batch_size=500)
    record_many((o, Kind.UPDATE, stored[o.pk], snapshot(o)) for o in changed)
    return len(changed)


# -- the signal handlers ---------------------------------------------------------------------------
def _pre_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    before = None
    if instance.pk is not None and not instance._state.adding:
        stored = sender._base_manager.filter(pk=instance.pk).first()
        before = snapshot(stored) if stored is not None else None
    instance._ntm_changelog_before = before


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    before = getattr(instance, "_ntm_changelog_before", None)
    record(instance, Kind.CREATE if created or before is None else Kind.UPDATE, before, snapshot(instance))
    instance._ntm_changelog_before = None


def _post_delete(sender, instance, **kwargs):
    record(instance, Kind.DELETE, snapshot(instance), None)


def connect() -> list[type[models.Model]]:
    """Connect the handlers to every change-logged model (called once, by the app config)."""
    found = logged_models()
    for model in found:
        uid = f"ntm_changelog_{model._meta.label_lower}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid + "_pre")
        post_save.connect(_post_save, sender=model, dispatch_uid=uid + "_post")
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid + "_delete")
    return found


# -- reading ---------------------------------------------------------------------------------------
NONE_TEXT = "(trống)"


def _label(model, name: str) -> str:
    labels = (options(model) or {}).get("labels", {})
    if name in labels:
        return labels[name]
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field removed since the record was written
        return name


def _value_text(model, name: str, value, names: dict | None = None) -> str:
    if value in (None, ""):
        return NONE_TEXT
    try:
        field = model._meta.get_field(name) if model is not None else None
    except Exception:
        field = None
    if isinstance(value, bool):
        return "có" if value else "không"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.is_relation and field.related_model is not None:
        key = (field.related_model, value)
        if names is not None and key in names:
            target = names[key]
        else:
            target = field.related_model._base_manager.filter(pk=value).first()
        return f"{target} (#{value})" if target is not None else f"#{value}"
    if isinstance(value, float):
        from ntm.core import formatting as fmt

        return fmt.number(value, 4, trim=True)
    return str(value)


def field_changes(change: ObjectChange, names: dict | None = None) -> list[tuple[str, str, str]]:
    """(label, old, new) of each field that differs between ``before`` and ``after``; ``names``:
    the related objects already read, by (model, pk) (:func:`related_names`)."""
    model = change.content_type.model_class()
    before, after = change.before or {}, change.after or {}
    fields = list(after) + [k for k in before if k not in after]
    if model is not None:
        order = {f.name: i for i, f in enumerate(model._meta.concrete_fields)}
        fields.sort(key=lambda n: order.get(n, len(order)))
    out = []
    for name in fields:
        a, b = before.get(name), after.get(name)
        if a == b:
            continue
        label = _label(model, name) if model is not None else name
        old = NONE_TEXT if change.action == Kind.CREATE else _value_text(model, name, a, names)
        new = NONE_TEXT if change.action == Kind.DELETE else _value_text(model, name, b, names)
        out.append((label, old, new))
    return out


def related_names(changes: Iterable[ObjectChange]) -> dict:
    """The objects that the foreign keys of ``changes`` name, read in one query per related model
    (a page of changes shows them by name), by (model, pk); a deleted one is None."""
    wanted: dict[type[models.Model], set] = {}
    for change in changes:
        model = change.content_type.model_class()
        if model is None:
            continue
        for values in (change.before or {}, change.after or {}):
            for name, value in values.items():
                if value in (None, ""):
                    continue
                try:
                    field = model._meta.get_field(name)
                except Exception:
                    continue
                if field.is_relation and field.related_model is not None:
                    wanted.setdefault(field.related_model, set()).add(value)
    names: dict = {}
    for related, pks in wanted.items():
        found = related._base_manager.in_bulk(list(pks))
        names.update({(related, pk): found.get(pk) for pk in pks})
    return names
