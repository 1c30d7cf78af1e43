"""FastOutSerializer: each field type, sources, nesting, None, optional fields, context; every
API output shape compiles; and the schema comes from the same declarations."""

import datetime as dt
import io
import uuid
from types import SimpleNamespace

import pytest
import yaml
from django.core.management import call_command
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from api.v1 import serializers as api_serializers
from api.v1.output import FastOutSerializer

WHEN = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)
KEY = uuid.UUID("12345678-1234-5678-1234-567812345678")


class ItemOut(FastOutSerializer):
    id = serializers.UUIDField(source="uuid")
    label = serializers.CharField()


class EverythingOut(FastOutSerializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()
    email = serializers.EmailField(source="owner.email")
    count = serializers.IntegerField()
    ratio = serializers.FloatField()
    flag = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=["a", "b"])
    at = serializers.DateTimeField(allow_null=True)
    on = serializers.DateField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    extra = serializers.DictField()
    doc = serializers.JSONField()
    item = ItemOut(allow_null=True)
    items = ItemOut(many=True)
    doubled = serializers.IntegerField()
    note = serializers.CharField(required=False)

    def get_doubled(self, instance) -> int:
        return self.context.get("factor", 2) * (instance["count"] if isinstance(instance, dict) else instance.count)


def as_object(**values):
    return SimpleNamespace(**values)


def values(**overrides):
    base = {
        "uuid": KEY,
        "name": "Ann",
        "owner": {"email": "ann@example.com"},
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "kind": "a",
        "at": WHEN,
        "on": dt.date(2026, 3, 2),
        "tags": ("x", "y"),
        "extra": {"k": 1},
        "doc": [1, {"a": None}],
        "item": {"uuid": KEY, "label": "one"},
        "items": [{"uuid": KEY, "label": "one"}, {"uuid": KEY, "label": "two"}],
    }
    return {**base, **overrides}


EXPECTED = {
    "id": str(KEY),
    "name": "Ann",
    "email": "ann@example.com",
    "count": 3,
    "ratio": 0.5,
    "flag": True,
    "kind": "a",
    "at": "2026-03-02T09:30:15.123456Z",
    "on": "2026-03-02",
    "tags": ["x", "y"],
    "extra": {"k": 1},
    "doc": [1, {"a": None}],
    "item": {"id": str(KEY), "label": "one"},
    "items": [{"id": str(KEY), "label": "one"}, {"id": str(KEY), "label": "two"}],
    "doubled": 6,
}


def test_every_field_type_from_a_dict_row():
    assert EverythingOut(values()).data == EXPECTED


def as_objects(**overrides):
    """``values()`` as attributes of objects, all the way down."""
    row = values(**overrides)
    instance = as_object(**{**row, "owner": as_object(**row["owner"]), "item": as_object(**row["item"])})
    instance.items = [as_object(**item) for item in row["items"]]
    return instance


def test_the_same_declaration_reads_attributes_from_objects():
    assert EverythingOut(as_objects()).data == EXPECTED


def test_output_keeps_the_declared_order_and_renders_as_plain_json():
    data = EverythingOut(values(note="hello")).data
    assert list(data) == [*EXPECTED, "note"]
    assert JSONRenderer().render(data).startswith(b'{"id":"12345678-1234-5678-1234-567812345678","name":"Ann"')


def test_datetimes_go_out_in_utc_with_a_z_whatever_their_zone():
    paris = dt.timezone(dt.timedelta(hours=1))
    data = EverythingOut(values(at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=paris))).data
    assert data["at"] == "2026-03-02T09:00:00Z"


def test_none_stays_none_for_every_converter_and_a_none_on_a_dotted_path_gives_none():
    data = EverythingOut(values(at=None, on=None, item=None, owner=None, uuid=None)).data
    assert data["at"] is None and data["on"] is None and data["item"] is None
    assert data["email"] is None and data["id"] is None
    instance = as_objects()
    instance.owner = instance.item = None
    data = EverythingOut(instance).data
    assert data["email"] is None and data["item"] is None


def test_an_optional_field_is_left_out_when_missing_and_a_required_one_fails():
    assert "note" not in EverythingOut(values()).data
    assert EverythingOut(values(note="x")).data["note"] == "x"
    assert "note" not in EverythingOut(as_objects()).data
    assert EverythingOut(as_objects(note="y")).data["note"] == "y"
    row = values()
    del row["name"]
    with pytest.raises(KeyError):
        EverythingOut(row).data  # noqa: B018


def test_many_and_context_reach_the_children():
    rows = [values(count=1), values(count=5)]
    data = EverythingOut(rows, many=True, context={"factor": 10}).data
    assert [row["doubled"] for row in data] == [10, 50]


class ParentOut(FastOutSerializer):
    child = EverythingOut(source="*")


def test_a_nested_serializer_on_the_whole_instance_shares_the_context():
    data = ParentOut(values(count=2), context={"factor": 7}).data
    assert data["child"]["doubled"] == 14 and data["child"]["id"] == str(KEY)


def test_subclasses_add_fields_after_their_parents():
    class MoreOut(ItemOut):
        extra = serializers.IntegerField()

    assert list(MoreOut({"uuid": KEY, "label": "x", "extra": 1}).data) == ["id", "label", "extra"]


@pytest.mark.parametrize(
    "field",
    [
        serializers.DecimalField(max_digits=5, decimal_places=2),
        serializers.MultipleChoiceField(choices=["a"]),
        serializers.SerializerMethodField(),
        serializers.ListField(child=serializers.DateTimeField()),
    ],
)
def test_a_field_it_cannot_output_fails_when_the_class_is_created(field):
    with pytest.raises(TypeError, match=r"BadOut\.value"):
        type("BadOut", (FastOutSerializer,), {"value": field})


def test_a_nested_plain_serializer_is_refused():
    class PlainOut(serializers.Serializer):
        x = serializers.IntegerField()

    with pytest.raises(TypeError, match="nest a FastOutSerializer"):
        type("BadOut", (FastOutSerializer,), {"value": PlainOut()})
    with pytest.raises(TypeError, match="nest a FastOutSerializer"):
        type("BadOut", (FastOutSerializer,), {"value": PlainOut(many=True)})


def test_drf_methods_are_not_taken_for_field_getters():
    class FieldsOut(FastOutSerializer):
        fields_ = serializers.IntegerField(source="value")
        value = serializers.IntegerField()  # Serializer has get_value(): the source is read

    assert FieldsOut({"value": 4}).data == {"fields_": 4, "value": 4}


def test_output_serializers_refuse_input():
    serializer = ItemOut(data={"id": str(KEY), "label": "x"})
    with pytest.raises(NotImplementedError, match="output shape"):
        serializer.is_valid()


def test_every_api_output_shape_is_a_fast_serializer():
    shapes = {
        name: value
        for name, value in vars(api_serializers).items()
        if name.endswith("Out") and isinstance(value, type) and issubclass(value, serializers.BaseSerializer)
    }
    assert len(shapes) >= 18
    plain = {name for name, shape in shapes.items() if not issubclass(shape, FastOutSerializer)}
    assert plain == {"ProblemOut"}  # built by problems.problem(), documented only
    page = api_serializers.page_of(api_serializers.CohortOut)
    assert page is api_serializers.page_of(api_serializers.CohortOut, feed=False)
    assert issubclass(page, FastOutSerializer) and list(page._declared_fields) == ["next", "next_cursor", "results"]
    feed = api_serializers.page_of(api_serializers.CompletionOut, feed=True)
    assert list(feed._declared_fields) == ["next", "next_cursor", "has_more", "results"]


def test_completion_out_reads_only_the_enrolment_columns():
    sources = {field.source or name for name, field in api_serializers.CompletionOut._declared_fields.items()}
    assert sources <= set(api_serializers.ENROLMENT_COLUMNS)
    progress = {"modules_done", "modules_total", "quiz_scores"}
    assert progress <= set(api_serializers.ENROLMENT_PROGRESS_COLUMNS)


@pytest.mark.django_db
def test_the_schema_documents_the_types_the_serializers_output():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    components = yaml.safe_load(out.getvalue())["components"]["schemas"]
    participant = components["ParticipantOut"]["properties"]
    assert participant["id"] == {"type": "string", "format": "uuid"}
    deactivated = participant["deactivated_at"]
    assert deactivated["format"] == "date-time" and deactivated["type"] == ["string", "null"]  # OpenAPI 3.1
    assert participant["active"] == {"type": "boolean"}
    enrolment = components["EnrolmentOut"]
    assert enrolment["properties"]["progress"] == {"$ref": "#/components/schemas/ProgressOut"}
    assert "description" not in enrolment  # notes on the classes are comments, not published
    assert list(enrolment["properties"]) == [
        *api_serializers.CompletionOut._declared_fields,
        "source",
        "progress",
    ]
    assert components["CertificateOut"]["properties"]["expires_at"]["format"] == "date"
    assert "errors" not in components["BulkResultOut"]["required"]
    assert set(components["CompletionFeed"]["properties"]) == {"next", "next_cursor", "has_more", "results"}


def test_an_enrolment_row_renders_to_the_documented_bytes():
    """Pins the wire format of the hot list: key order, UTC ``Z`` times, ids as strings, progress."""
    module = uuid.UUID("00000000-0000-0000-0000-0000000000aa")
    row = {
        "id": 7,
        "uuid": KEY,
        "participant_uuid": None,
        "cohort__uuid": KEY,
        "course_id": 3,
        "course_key": module,
        "status": "completed",
        "source": "api",
        "enrolled_at": dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
        "completed_at": dt.datetime(2026, 3, 9, 17, 30, 0, 250000, tzinfo=dt.UTC),
        "withdrawn_at": None,
        "updated_at": dt.datetime(2026, 3, 9, 17, 30, 0, 250000, tzinfo=dt.UTC),
        "modules_done": 2,
        "modules_total": 2,
        "quiz_scores": f"00010002:{module}:80,00010001:{KEY}:100",
    }
    assert JSONRenderer().render(api_serializers.EnrolmentOut(row).data) == (
        b'{"id":"12345678-1234-5678-1234-567812345678","participant":null,'
        b'"cohort":"12345678-1234-5678-1234-567812345678","course":"00000000-0000-0000-0000-0000000000aa",'
        b'"status":"completed","enrolled_at":"2026-03-02T09:00:00Z","completed_at":"2026-03-09T17:30:00.250000Z",'
        b'"withdrawn_at":null,"updated_at":"2026-03-09T17:30:00.250000Z","source":"api",'
        b'"progress":{"modules_done":2,"modules_total":2,"best_quiz_scores":['
        b'{"module":"12345678-1234-5678-1234-567812345678","best_score":100},'
        b'{"module":"00000000-0000-0000-0000-0000000000aa","best_score":80}]}}'
    )
