"""The appointment list's ETag and If-None-Match: the same list answers 304 without a body and
without an audit row; a booking, a move, a status change or a patient's new name changes the
tag (another tenant's booking does not); roles that see different fields get different tags;
a malformed If-None-Match is ignored and "*" matches."""
import pytest

from crmtest import Tenant

pytestmark = pytest.mark.clinic

DAY = {"from": "2027-05-03T00:00:00+00:00", "to": "2027-05-04T00:00:00+00:00"}


def clinic_tenant(server, slug):
    t = Tenant(server, slug)
    assert t.request("admin", "PUT", "/api/v1/modules/clinic",
                     json={"enabled": True}).status_code == 200
    t.patient = t.request("receptionist", "POST", "/api/v1/contacts",
                          json={"type": "patient", "first_name": "Ada",
                                "last_name": "Tagg"}).json()["id"]
    t.doc = t.users["practitioner"]
    return t


@pytest.fixture(scope="module")
def t(server):
    t = clinic_tenant(server, "etag-a")
    t.first = book(t, "2027-05-03T09:00:00+00:00")
    return t


@pytest.fixture(scope="module")
def other(server):
    return clinic_tenant(server, "etag-b")


def book(t, when):
    r = t.request("receptionist", "POST", "/api/v1/appointments",
                  json={"patient_id": t.patient, "practitioner_id": t.doc,
                        "appointment_time": when, "duration_minutes": 30})
    assert r.status_code == 201, r.text
    return r.json()


def listing(t, role="receptionist", inm=None, **params):
    headers = {"If-None-Match": inm} if inm is not None else {}
    return t.request(role, "GET", "/api/v1/appointments", params=DAY | params, headers=headers)


def audit_rows(pg, t):
    return int(pg.sql(f"SELECT count(*) FROM audit_log WHERE tenant_id = '{t.id}'")[0][0])


def fresh_tag(t, role="receptionist", **params):
    r = listing(t, role, **params)
    assert r.status_code == 200, r.text
    tag = r.headers["ETag"]
    assert tag.startswith('W/"') and tag.endswith('"') and len(tag) > 10
    return tag, r


def assert_not_modified(t, tag, role="receptionist", **params):
    r = listing(t, role, inm=tag, **params)
    assert r.status_code == 304, r.text
    assert r.content == b"" and r.headers["ETag"] == fresh_tag(t, role, **params)[0]
    return r


def test_an_unchanged_list_answers_304_without_a_body_or_an_audit_row(t, pg):
    before = audit_rows(pg, t)
    tag, r = fresh_tag(t)
    assert [a["id"] for a in r.json()["data"]] == [t.first["id"]]
    assert r.json()["data"][0]["patient_name"] == "Ada Tagg"
    # the 200 showed a patient: audited as today, one search row
    assert audit_rows(pg, t) == before + 1
    before = audit_rows(pg, t)
    r = listing(t, inm=tag)
    assert r.status_code == 304
    assert r.content == b"" and r.headers["ETag"] == tag
    assert "Content-Type" not in r.headers or not r.headers["Content-Type"].endswith("json")
    assert audit_rows(pg, t) == before
    # weak comparison: the strong form of the tag, or the tag among others, matches too
    assert listing(t, inm=tag[2:]).status_code == 304
    assert listing(t, inm=f'"nope", W/"other", {tag}').status_code == 304
    assert audit_rows(pg, t) == before


def test_a_booking_a_move_and_a_status_change_each_change_the_tag(t, other, pg):
    tag, _ = fresh_tag(t)
    # another tenant's booking at the same time changes nothing here
    book(other, "2027-05-03T11:00:00+00:00")
    assert_not_modified(t, tag)

    a = book(t, "2027-05-03T10:00:00+00:00")
    r = listing(t, inm=tag)
    assert r.status_code == 200 and r.headers["ETag"] != tag
    assert a["id"] in [x["id"] for x in r.json()["data"]]
    tag = r.headers["ETag"]
    assert_not_modified(t, tag)

    url = f"/api/v1/appointments/{a['id']}"
    moved = t.request("receptionist", "PATCH", url, headers={"If-Match": '"1"'},
                      json={"appointment_time": "2027-05-03T10:30:00+00:00"})
    assert moved.status_code == 200, moved.text
    r = listing(t, inm=tag)
    assert r.status_code == 200 and r.headers["ETag"] != tag
    tag = r.headers["ETag"]

    arrived = t.request("receptionist", "PATCH", url, headers={"If-Match": '"2"'},
                        json={"status": "arrived"})
    assert arrived.status_code == 200, arrived.text
    before = audit_rows(pg, t)
    r = listing(t, inm=tag)
    assert r.status_code == 200 and r.headers["ETag"] != tag
    assert {x["id"]: x["status"] for x in r.json()["data"]}[a["id"]] == "arrived"
    assert audit_rows(pg, t) == before + 1  # a 200 is audited as before
    assert_not_modified(t, r.headers["ETag"])


def test_a_patients_new_name_changes_the_tag_of_who_sees_it(t):
    tag, _ = fresh_tag(t)
    viewer_tag, _ = fresh_tag(t, "viewer")
    r = t.request("receptionist", "PATCH", f"/api/v1/contacts/{t.patient}",
                  headers={"If-Match": t.request("receptionist", "GET",
                                                 f"/api/v1/contacts/{t.patient}").headers["ETag"]},
                  json={"first_name": "Adah"})
    assert r.status_code == 200, r.text
    r = listing(t, inm=tag)
    assert r.status_code == 200 and r.headers["ETag"] != tag
    assert {x["patient_name"] for x in r.json()["data"]} == {"Adah Tagg"}
    # the viewer sees no patient: their list did not change
    assert_not_modified(t, viewer_tag, "viewer")


def test_roles_that_see_different_fields_never_share_a_tag(t):
    reception, r = fresh_tag(t)
    viewer, v = fresh_tag(t, "viewer")
    assert "patient_name" in r.json()["data"][0] and "patient_name" not in v.json()["data"][0]
    assert reception != viewer
    # the receptionist's copy is no use to a viewer, nor the other way round
    assert listing(t, "viewer", inm=reception).status_code == 200
    assert listing(t, inm=viewer).status_code == 200
    # a practitioner (notes of their own) gets yet another
    practitioner, _ = fresh_tag(t, "practitioner")
    assert practitioner not in (reception, viewer)


def test_other_parameters_give_other_tags(t):
    tag, r = fresh_tag(t)
    assert len(r.json()["data"]) >= 2
    for params in ({"limit": "1"}, {"status": "booked"}, {"practitioner_id": t.doc},
                   {"to": "2027-05-05T00:00:00+00:00"}):
        other, _ = fresh_tag(t, **params)
        assert other != tag, params
        assert listing(t, inm=tag, **params).status_code == 200
    # the second page is not the first
    first, p1 = fresh_tag(t, limit="1")
    second, _ = fresh_tag(t, limit="1", cursor=p1.json()["next_cursor"])
    assert second != first
    assert_not_modified(t, second, limit="1", cursor=p1.json()["next_cursor"])


def test_a_malformed_if_none_match_is_ignored(t, pg):
    tag, _ = fresh_tag(t)
    opaque = tag[3:-1]
    for bad in (opaque, f'W/"{opaque}', f'"{opaque}" junk', "", "W/", f'*, {tag}',
                f'"{opaque}\u00e9"'.encode("utf-8")):
        before = audit_rows(pg, t)
        r = listing(t, inm=bad)
        assert r.status_code == 200, bad
        assert r.headers["ETag"] == tag and r.json()["data"]
        assert audit_rows(pg, t) == before + 1, bad


def test_star_matches_any_list(t, pg):
    tag, _ = fresh_tag(t)
    before = audit_rows(pg, t)
    r = listing(t, inm="*")
    assert r.status_code == 304 and r.content == b"" and r.headers["ETag"] == tag
    assert audit_rows(pg, t) == before
    # an empty list is a list too
    r = listing(t, inm="*", room="nowhere")
    assert r.status_code == 304 and r.headers["ETag"]
