"""The read-only FHIR R4 view: Patient and Appointment reads, Appointment search as a searchset
Bundle, the CapabilityStatement, OperationOutcome errors; same tokens, tenants and roles."""
import pytest

from crmtest import Tenant

pytestmark = pytest.mark.clinic

FHIR = "application/fhir+json"
STATUSES = {"proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
            "entered-in-error", "checked-in", "waitlist"}


@pytest.fixture(scope="module")
def t(server):
    t = Tenant(server, "fhir-a")  # Europe/London
    t.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    t.patient = t.request("receptionist", "POST", "/api/v1/contacts", json={
        "type": "patient", "first_name": "Grace", "last_name": "Hopper", "gender": "female",
        "date_of_birth": "1906-12-09", "phone": "+44 7700 900555",
        "email": "grace@x.example"}).json()["id"]
    t.other = t.request("receptionist", "POST", "/api/v1/contacts", json={
        "type": "patient", "last_name": "Other"}).json()["id"]
    t.appts = []
    for patient, when in [(t.patient, "2027-06-01T09:00:00+01:00"),
                          (t.patient, "2027-06-02T23:30:00+01:00"),
                          (t.other, "2027-06-03T10:00:00+01:00")]:
        r = t.request("receptionist", "POST", "/api/v1/appointments", json={
            "patient_id": patient, "practitioner_id": t.users["practitioner"],
            "appointment_time": when, "duration_minutes": 30, "appointment_type": "checkup"})
        assert r.status_code == 201, r.text
        t.appts.append(r.json()["id"])
    return t


def fhir(t, role, path, **kw):
    r = t.request(role, "GET", "/fhir/R4/" + path, **kw)
    assert r.headers["Content-Type"].startswith(FHIR), r.text
    return r


def assert_outcome(r, status, expression=None):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["resourceType"] == "OperationOutcome" and body["issue"]
    for issue in body["issue"]:
        assert issue["severity"] == "error" and issue["code"]
    if expression:
        assert any(expression in i.get("expression", []) for i in body["issue"]), body


def assert_appointment(res):
    assert res["resourceType"] == "Appointment" and res["status"] in STATUSES
    assert res["meta"]["lastUpdated"] and res["start"] and res["end"]
    for p in res["participant"]:
        assert p["status"] in {"accepted", "declined", "tentative", "needs-action"}
        assert p["actor"]["reference"].split("/")[0] in {"Patient", "Practitioner"}


def test_metadata_is_a_capability_statement(t):
    r = fhir(t, "viewer", "metadata")
    body = r.json()
    assert body["resourceType"] == "CapabilityStatement" and body["fhirVersion"] == "4.0.1"
    kinds = {x["type"] for x in body["rest"][0]["resource"]}
    assert kinds == {"Patient", "Appointment"}


def test_patient_read(t):
    p = fhir(t, "practitioner", f"Patient/{t.patient}").json()
    assert p["resourceType"] == "Patient" and p["id"] == t.patient
    assert p["name"] == [{"use": "official", "family": "Hopper", "given": ["Grace"]}]
    assert p["gender"] == "female" and p["birthDate"] == "1906-12-09"
    assert {"system": "phone", "value": "+447700900555"} in p["telecom"]
    assert p["meta"]["versionId"] == "1" and p["meta"]["lastUpdated"]
    other = fhir(t, "receptionist", f"Patient/{t.other}").json()
    assert "telecom" not in other and "given" not in other["name"][0]  # no empty values


def test_appointment_read(t):
    a = fhir(t, "receptionist", f"Appointment/{t.appts[0]}").json()
    assert_appointment(a)
    assert a["id"] == t.appts[0] and a["status"] == "booked" and a["minutesDuration"] == 30
    assert a["start"].startswith("2027-06-01T08:00:00")
    refs = {p["actor"]["reference"] for p in a["participant"]}
    assert refs == {f"Patient/{t.patient}", f"Practitioner/{t.users['practitioner']}"}
    assert a["appointmentType"] == {"text": "checkup"}
    # the Viewer sees the appointment without its patient
    v = fhir(t, "viewer", f"Appointment/{t.appts[0]}").json()
    assert [p["actor"]["reference"] for p in v["participant"]] == [
        f"Practitioner/{t.users['practitioner']}"]


def test_search_returns_a_searchset_bundle(t):
    b = fhir(t, "practitioner", "Appointment", params={"patient": f"Patient/{t.patient}"}).json()
    assert b["resourceType"] == "Bundle" and b["type"] == "searchset" and b["total"] == 2
    assert [e["resource"]["id"] for e in b["entry"]] == t.appts[:2]
    for e in b["entry"]:
        assert e["fullUrl"].endswith(f"/fhir/R4/Appointment/{e['resource']['id']}")
        assert e["fullUrl"].startswith("http") and e["search"]["mode"] == "match"
        assert_appointment(e["resource"])
    # dates: a date is the tenant's local day (23:30 BST on 2 June is 22:30 UTC)
    one = fhir(t, "practitioner", "Appointment", params=[("date", "2027-06-02")]).json()
    assert [e["resource"]["id"] for e in one["entry"]] == [t.appts[1]]
    rng = fhir(t, "practitioner", "Appointment", params=[
        ("date", "ge2027-06-02"), ("date", "le2027-06-03"),
        ("actor", f"Practitioner/{t.users['practitioner']}")]).json()
    assert [e["resource"]["id"] for e in rng["entry"]] == t.appts[1:]
    exact = fhir(t, "practitioner", "Appointment",
                 params={"date": "gt2027-06-01T08:00:00+00:00", "status": "booked"}).json()
    assert exact["total"] == 2

    def ids(*dates):
        b = fhir(t, "practitioner", "Appointment", params=[("date", d) for d in dates]).json()
        return [t.appts.index(e["resource"]["id"]) for e in b.get("entry", [])]
    # every prefix, on a local day and on an instant (appointment 0 starts 08:00 UTC exactly)
    assert ids("gt2027-06-02") == [2] and ids("lt2027-06-02") == [0]
    assert ids("ge2027-06-02") == [1, 2] and ids("le2027-06-02") == [0, 1]
    assert ids("eq2027-06-01T09:00:00+01:00") == [0] and ids("2027-06-01T08:00:01Z") == []
    assert ids("ge2027-06-01T08:00:00Z") == [0, 1, 2] and ids("gt2027-06-01T08:00:00Z") == [1, 2]
    assert ids("le2027-06-01T08:00:00Z") == [0] and ids("lt2027-06-01T08:00:00Z") == []
    assert ids("gt2027-06-01", "lt2027-06-03") == [1] and ids("gt2027-06-03", "lt2027-06-01") == []
    counted = fhir(t, "practitioner", "Appointment", params={"_count": "1"}).json()
    assert counted["total"] == 3 and len(counted["entry"]) == 1
    none = fhir(t, "practitioner", "Appointment", params={"status": "noshow"}).json()
    assert none["total"] == 0 and "entry" not in none


def test_search_pages_follow_next_links(t, server):
    """_count bounds a page; a Bundle link of relation next repeats the search from the last
    entry on, until the matches run out; the cursor is signed for this tenant and search."""
    url, seen, totals = "/fhir/R4/Appointment", [], set()
    params = [("_count", "1"), ("actor", f"Practitioner/{t.users['practitioner']}"),
              ("date", "ge2027-06-01")]
    while url:
        r = t.request("practitioner", "GET", url, params=params)
        assert r.status_code == 200, r.text
        b = r.json()
        totals.add(b["total"])
        seen += [e["resource"]["id"] for e in b.get("entry", [])]
        nxt = [link["url"] for link in b.get("link", []) if link["relation"] == "next"]
        assert len(nxt) <= 1
        url, params = (nxt[0][nxt[0].index("/fhir/R4/"):], None) if nxt else (None, None)
        if url:
            assert "_count=1" in url and "date=ge2027-06-01" in url and "actor=Practitioner%2F" in url
    assert seen == t.appts and totals == {3}
    # two per page: the second page is the last, without a next link
    first = fhir(t, "practitioner", "Appointment", params={"_count": "2"}).json()
    cursor = first["link"][0]["url"].rsplit("_cursor=", 1)[1]
    last = fhir(t, "practitioner", "Appointment", params={"_count": "2", "_cursor": cursor}).json()
    assert [e["resource"]["id"] for e in last["entry"]] == t.appts[2:] and "link" not in last
    # a tampered cursor, or one from another tenant, is refused naming _cursor
    bad = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    assert_outcome(fhir(t, "practitioner", "Appointment", params={"_cursor": bad}), 400, "_cursor")
    other = Tenant(server, "fhir-other")
    other.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    assert_outcome(fhir(other, "practitioner", "Appointment", params={"_cursor": cursor}), 400,
                   "_cursor")


def test_errors_are_operation_outcomes(t, server):
    assert_outcome(fhir(t, "practitioner", "Appointment/00000000-0000-0000-0000-000000000000"),
                   404)
    assert_outcome(fhir(t, "practitioner", "Appointment/nope"), 404)
    assert_outcome(fhir(t, "practitioner", f"Patient/{t.users['admin']}"), 404)
    for params, field in [({"date": "tomorrow"}, "date"), ({"date": "xx2027-01-01"}, "date"),
                          ({"status": "done"}, "status"), ({"_count": "500"}, "_count"),
                          ({"_count": "-1"}, "_count"), ({"patient": "Group/1"}, "patient"),
                          ({"actor": "Device/1"}, "actor"),
                          ([("date", "ge2027-01-01")] * 3, "date")]:
        assert_outcome(fhir(t, "practitioner", "Appointment", params=params), 400, field)
    assert_outcome(fhir(t, "practitioner", "Appointment", params={"bogus": "1"}), 400)
    r = server.request("GET", f"/fhir/R4/Appointment/{t.appts[0]}")
    assert r.headers["Content-Type"].startswith(FHIR)
    assert_outcome(r, 401)


def test_roles_and_tenants(t, server):
    assert_outcome(fhir(t, "sales", f"Appointment/{t.appts[0]}"), 403)
    assert_outcome(fhir(t, "viewer", f"Patient/{t.patient}"), 403)
    assert_outcome(fhir(t, "viewer", "Appointment", params={"patient": t.patient}), 403)
    other = Tenant(server, "fhir-b")
    other.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    assert_outcome(fhir(other, "admin", f"Appointment/{t.appts[0]}"), 404)
    assert_outcome(fhir(other, "admin", f"Patient/{t.patient}"), 404)
    b = fhir(other, "admin", "Appointment", params={"patient": t.patient}).json()
    assert b["total"] == 0
    # a tenant without the module has no FHIR view
    plain = Tenant(server, "fhir-c")
    assert_outcome(fhir(plain, "admin", "Appointment"), 404)
