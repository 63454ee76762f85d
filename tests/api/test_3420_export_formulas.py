"""The contacts CSV export's formula guard: a cell that a spreadsheet would run as a formula
(it begins with =, +, -, @, a tab or a carriage return) gets a leading apostrophe in every
column, email and custom fields included; a phone, stored in E.164, stays a number."""
import csv
import io

import pytest

from crmtest import Tenant

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def t(server, request):
    return Tenant(server, f"formula-{request.node.name[-20:].replace('_', '-').strip('-')}")


def create(t, body):
    r = t.request("admin", "POST", "/api/v1/contacts", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def export(t):
    r = t.request("admin", "GET", "/api/v1/contacts/export")
    assert r.status_code == 200, r.text
    # newline="" keeps a carriage return inside a quoted cell as it was sent
    return {row["id"]: row for row in csv.DictReader(io.StringIO(r.text, newline=""))}


def test_every_column_is_guarded(t, pg):
    r = t.request("admin", "POST", "/api/v1/custom-fields",
                  json={"entity": "contact", "name": "note", "label": "Note", "type": "text"})
    assert r.status_code == 201, r.text
    # the email validator takes =, + and - at the start (not @, a tab or a carriage return)
    a = create(t, {"type": "lead", "first_name": "=1+1", "last_name": "+SUM(A1:A2)",
                   "email": "=x@example.com", "company": "-2+3", "source": "@cmd",
                   "tags": ["=t", "b"], "phone": "020 7946 0101",
                   "address": {"line1": "\tline", "line2": "\rline", "city": "=city",
                               "region": "+region", "postal_code": "-1"},
                   "custom_fields": {"note": "=HYPERLINK(\"http://evil.example\")"}})
    b = create(t, {"type": "customer", "last_name": "Plain", "email": "+y@example.com"})
    c = create(t, {"type": "lead", "last_name": "Dash", "email": "-z@example.com",
                   "tags": ["@u"]})
    rows = export(t)
    ra, rb, rc = rows[a["id"]], rows[b["id"]], rows[c["id"]]
    assert ra["email"] == "'=x@example.com"
    assert rb["email"] == "'+y@example.com"
    assert rc["email"] == "'-z@example.com"
    assert ra["first_name"] == "'=1+1" and ra["last_name"] == "'+SUM(A1:A2)"
    assert ra["company"] == "'-2+3" and ra["source"] == "'@cmd"
    assert ra["tags"] == "'=t;b" and rc["tags"] == "'@u"
    assert ra["address.line1"] == "'\tline" and ra["address.line2"] == "'\rline"
    assert ra["address.city"] == "'=city" and ra["address.region"] == "'+region"
    assert ra["address.postal_code"] == "'-1"
    assert ra["phone"] == "+442079460101"  # E.164: a number, not a formula
    assert ra["custom_fields"].startswith("{") and "=HYPERLINK" in ra["custom_fields"]
    assert rb["last_name"] == "Plain"  # other cells are left as they are
    # no cell of any column, any row, begins as a formula (but a phone in E.164)
    for row in rows.values():
        for column, cell in row.items():
            if column == "phone" and cell[1:].isdigit():
                continue
            assert not cell.startswith(FORMULA_STARTS), (column, cell)
    # the phone's exception rests on the table's check: a phone of any other shape is refused
    with pytest.raises(RuntimeError, match="contacts_phone_check"):
        pg.sql(f"UPDATE contacts SET phone = '=2*3' WHERE id = '{a['id']}'")
