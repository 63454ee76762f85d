"""CSV import and export of contacts: awkward CSV, dry runs, modes, upserts, duplicates, a
10,000-row file, and a streamed export that round-trips."""
import csv
import io
import json

import pytest

from crmtest import Tenant, assert_problem


@pytest.fixture
def t(server, request):
    return Tenant(server, f"csv-{request.node.name[-20:].replace('_', '-').strip('-')}")


def imp(t, text, role="receptionist", **params):
    return t.request(role, "POST", "/api/v1/contacts/import", data=text.encode(),
                     headers={"Content-Type": "text/csv"},
                     params={k: (json.dumps(v) if isinstance(v, dict) else v)
                             for k, v in params.items()})


AWKWARD = ('\ufefftype,First_Name,last_name,email,phone,company,tags,address.city,'
           'consent.sms_reminders\r\n'
           'patient,Ann,"Smith, Jr.",ann@x.example,020 7946 0101,"Acme, ""Ltd""",vip;new,'
           'Leeds,yes\r\n'
           'lead,"Multi\nLine",Jones,bob@x.example,,,,,no\r\n')


def test_awkward_csv_imports(t, pg):
    r = imp(t, AWKWARD)
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 2, "updated": 0, "skipped": 0, "dry_run": False, "errors": []}
    rows = pg.sql(f"SELECT replace(first_name, E'\\n', '<NL>'), last_name, company, phone, tags,"
                  f" address->>'city', consent->>'sms_reminders' FROM contacts"
                  f" WHERE tenant_id = '{t.id}' ORDER BY email")
    assert rows[0] == ["Ann", "Smith, Jr.", 'Acme, "Ltd"', "+442079460101", "{new,vip}", "Leeds",
                       "true"]
    assert rows[1][0] == "Multi<NL>Line"


def test_dry_run_writes_nothing(t, pg):
    r = imp(t, AWKWARD, dry_run="true")
    assert r.status_code == 200 and r.json()["created"] == 2 and r.json()["dry_run"] is True
    assert pg.sql(f"SELECT count(*) FROM contacts WHERE tenant_id = '{t.id}'") == [["0"]]


def test_faulty_rows_all_or_nothing_and_skip_invalid(t, pg):
    text = ("type,last_name,email,date_of_birth\n"
            "lead,Good,good@x.example,1980-01-01\n"
            "prospect,Bad type,bad1@x.example,\n"
            "lead,Bad date,bad2@x.example,1980-02-31\n"
            "lead,Dup,good@x.example,\n"
            "lead,Short\n")
    r = imp(t, text)
    body = assert_problem(r, 422, "nothing was written")
    assert body["created"] == 0
    faults = {(e["row"], e["field"]) for e in body["errors"]}
    assert faults == {(3, "type"), (4, "date_of_birth"), (5, "email"), (6, "row")}
    assert pg.sql(f"SELECT count(*) FROM contacts WHERE tenant_id = '{t.id}'") == [["0"]]
    r = imp(t, text, mode="skip_invalid")
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1 and r.json()["skipped"] == 4
    assert pg.sql(f"SELECT last_name FROM contacts WHERE tenant_id = '{t.id}'") == [["Good"]]


def test_upsert_by_email_and_duplicates_of_live_contacts(t, pg):
    assert imp(t, "type,last_name,email\nlead,Old,same@x.example\n").status_code == 200
    r = imp(t, "type,first_name,email\ncustomer,Newname,SAME@x.example\n")
    body = assert_problem(r, 422)
    assert body["errors"][0]["field"] == "email"
    r = imp(t, "type,first_name,email,tags\ncustomer,Newname,SAME@x.example,a\n",
            upsert_by="email")
    assert r.status_code == 200 and r.json()["updated"] == 1 and r.json()["created"] == 0
    assert pg.sql(f"SELECT first_name, last_name, type, version FROM contacts"
                  f" WHERE tenant_id = '{t.id}'") == [["Newname", "Old", "customer", "2"]]


def test_mapping_custom_fields_and_unknown_columns(t, pg):
    t.request("admin", "POST", "/api/v1/custom-fields",
              json={"entity": "contact", "name": "visits", "label": "Visits", "type": "number"})
    r = imp(t, "Kind,Surname,custom.visits\npatient,Mapped,4\n",
            mapping={"Kind": "type", "Surname": "last_name"})
    assert r.status_code == 200, r.text
    assert pg.sql(f"SELECT custom_fields->>'visits' FROM contacts WHERE tenant_id = '{t.id}'") == [["4"]]
    assert_problem(imp(t, "type,last_name,shoe_size\nlead,X,42\n"), 422, field="columns.shoe_size")
    assert_problem(imp(t, "type,last_name,custom.nope\nlead,X,1\n"), 422, field="columns.custom.nope")


def test_bad_requests(t):
    assert_problem(t.request("receptionist", "POST", "/api/v1/contacts/import",
                             data=b"type\nlead\n", headers={"Content-Type": "application/json"}),
                   415)
    assert_problem(imp(t, 'type,last_name\nlead,"unclosed\n'), 400, "malformed")
    assert_problem(imp(t, "type,last_name\nlead,ok\n", mode="most"), 400, field="query.mode")
    assert_problem(imp(t, "type,last_name\nlead,ok\n", mapping="[1]"), 400, field="query.mapping")
    r = t.request("receptionist", "POST", "/api/v1/contacts/import", data=b"type\n\xff\n",
                  headers={"Content-Type": "text/csv"})
    assert_problem(r, 400, "UTF-8")
    assert_problem(imp(t, "type,last_name\nlead,X\n", role="viewer"), 403)


def test_ten_thousand_rows_then_export_round_trip(t):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["type", "first_name", "last_name", "email", "company"])
    for i in range(10000):
        w.writerow(["lead", f"N{i}", f"=cmd{i}" if i == 7 else f"L{i}", f"p{i}@bulk.example",
                    f"Co, {i}"])
    r = imp(t, out.getvalue())
    assert r.status_code == 200, r.text[:500]
    assert r.json()["created"] == 10000
    exp = t.request("admin", "GET", "/api/v1/contacts/export")
    assert exp.status_code == 200
    assert exp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert exp.headers.get("Transfer-Encoding") == "chunked"
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(exp.text))}
    assert len(rows) == 10000
    assert rows["p3@bulk.example"]["company"] == "Co, 3"
    assert rows["p7@bulk.example"]["last_name"] == "'=cmd7"  # no formula runs in a spreadsheet
    only = t.request("admin", "GET", "/api/v1/contacts/export", params={"q": "p9999@"})
    assert len(list(csv.DictReader(io.StringIO(only.text)))) == 1
    assert_problem(t.request("sales", "GET", "/api/v1/contacts/export"), 403)
    assert_problem(t.request("admin", "GET", "/api/v1/contacts/export", params={"type": "x"}), 400)
