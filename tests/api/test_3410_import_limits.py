"""CSV import at its limits and at scale: blank lines count toward the row cap, at most 100
columns and 64 KiB a field (422 naming the row and the column), duplicates found in a file of
20,000 rows against as many live contacts, upserts in bulk, and 50,000 rows written right."""
import json

import pytest

from crmtest import Tenant, assert_problem

BIG_TIMEOUT = 300  # a request of tens of thousands of rows, under the sanitizers


@pytest.fixture
def t(server, request):
    return Tenant(server, f"lim-{request.node.name[-22:].replace('_', '-').strip('-')}")


def imp(t, text, role="receptionist", **params):
    return t.request(role, "POST", "/api/v1/contacts/import", data=text.encode(),
                     headers={"Content-Type": "text/csv"}, timeout=BIG_TIMEOUT,
                     params={k: (json.dumps(v) if isinstance(v, dict) else v)
                             for k, v in params.items()})


def contacts(pg, t, where="true"):
    return int(pg.sql(f"SELECT count(*) FROM contacts WHERE tenant_id = '{t.id}'"
                      f" AND {where}")[0][0])


def seed_live(pg, t, n):
    """n live contacts written by SQL (the API would take minutes): Live<i>, live<i>@big.example,
    +44161<i as 7 digits>."""
    pg.sql(f"INSERT INTO contacts (tenant_id, type, last_name, email, phone, tags)"
           f" SELECT '{t.id}', 'lead', 'Live' || i, 'live' || i || '@big.example',"
           f" '+44161' || lpad(i::text, 7, '0'), ARRAY['old'] FROM generate_series(0, {n - 1}) i")
    pg.sql("ANALYZE contacts")


def test_blank_lines_count_toward_the_row_cap(t, pg):
    r = imp(t, "type,last_name\n" + "\n" * 99999 + "lead,Within\n")
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1 and r.json()["skipped"] == 0
    r = imp(t, "type,last_name\n" + "\n" * 100000 + "lead,Beyond\n")
    assert_problem(r, 413, "at most 100000 rows")
    assert contacts(pg, t) == 1
    assert contacts(pg, t, "last_name = 'Beyond'") == 0


def test_at_most_100_columns(t, pg):
    extra = [f"note{i}" for i in range(3, 102)]  # ignored through the mapping
    mapping = {n: "" for n in extra}
    r = imp(t, ",".join(["type", "last_name"] + extra[:98]) + "\nlead,Hundred" + "," * 98 + "\n",
            mapping=mapping)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    r = imp(t, ",".join(["type", "last_name"] + extra) + "\nlead,Wide" + "," * 99 + "\n",
            mapping=mapping)
    body = assert_problem(r, 422, "line 1 is beyond the import's limits")
    assert body["errors"] == [{"row": 1, "column": 101, "field": "columns",
                               "message": "has more than 100 columns"}]
    assert body["created"] == 0 and body["updated"] == 0
    # a row wider than that is refused at its line, whatever the header
    r = imp(t, "type,last_name\nlead,Fine\nlead,Wide" + ",x" * 99 + "\n")
    body = assert_problem(r, 422, "line 3 is beyond the import's limits")
    assert body["errors"] == [{"row": 3, "column": 101, "field": "row",
                               "message": "has more than 100 columns"}]
    assert contacts(pg, t) == 1


def test_at_most_64_kib_a_field(t, pg):
    head = "type,last_name,notes\n"
    r = imp(t, head + "lead,Fits," + "x" * 65536 + "\n", mapping={"notes": ""})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    # quoted, with a line break: the row is named by the line it starts on
    r = imp(t, head + 'lead,Before,y\nlead,Over,"' + "x\n" * 32768 + 'x"\nlead,After,z\n',
            mapping={"notes": ""})
    body = assert_problem(r, 422, "line 3 is beyond the import's limits")
    assert body["errors"] == [{"row": 3, "column": 3, "field": "columns.notes",
                               "message": "is longer than 65536 bytes"}]
    # a column that maps to a field is named by the field
    r = imp(t, "Kind,Surname\nlead," + "x" * 65537 + "\n",
            mapping={"Kind": "type", "Surname": "last_name"})
    body = assert_problem(r, 422, "line 2 is beyond the import's limits")
    assert body["errors"] == [{"row": 2, "column": 2, "field": "last_name",
                               "message": "is longer than 65536 bytes"}]
    # and the header's own fields
    r = imp(t, "type," + "h" * 65537 + "\nlead\n")
    body = assert_problem(r, 422, "line 1 is beyond the import's limits")
    assert body["errors"] == [{"row": 1, "column": 2, "field": "columns",
                               "message": "is longer than 65536 bytes"}]
    assert contacts(pg, t) == 1


def test_duplicates_in_a_larger_file(t, pg):
    n = 20000
    seed_live(pg, t, n)
    rows, expected = ["type,last_name,email,phone"], set()
    live = "a contact with this value exists (use upsert_by=email to update)"
    for i in range(n):
        line = i + 2
        kind = i % 10
        if kind == 0:  # a live contact's email, in capitals
            rows.append(f"lead,DbEmail{i},LIVE{i}@BIG.EXAMPLE,")
            expected.add((line, "email", live))
        elif kind == 1:  # a live contact's phone, written the national way
            rows.append(f"lead,DbPhone{i},new{i}@file.example,0161 {i:07d}")
            expected.add((line, "phone", live))
        elif kind == 2:
            rows.append(f"lead,First{i},first{i}@file.example,+44 20 7{i:07d}")
        elif kind == 3:  # the row before's email, in another case
            rows.append(f"lead,Again{i},FIRST{i - 1}@File.Example,")
            expected.add((line, "email", f"repeats row {line - 1} of this file"))
        elif kind == 4:  # the phone two rows up, written another way
            rows.append(f"lead,Twice{i},twice{i}@file.example,020 7{i - 2:07d}")
            expected.add((line, "phone", f"repeats row {line - 2} of this file"))
        else:
            rows.append(f"lead,New{i},new{i}@file.example,")
    r = imp(t, "\n".join(rows) + "\n", mode="skip_invalid")
    assert r.status_code == 200, r.text[:500]
    body = r.json()
    assert {(e["row"], e["field"], e["message"]) for e in body["errors"]} == expected
    assert len(body["errors"]) == len(expected) == 8000
    assert body["created"] == 12000 and body["skipped"] == 8000 and body["updated"] == 0
    assert contacts(pg, t) == n + 12000
    assert contacts(pg, t, "email_key LIKE 'first%@file.example'") == 2000
    assert contacts(pg, t, "last_name LIKE 'Again%' OR last_name LIKE 'Db%'") == 0
    # the same file again, all or nothing: now every row repeats a live contact or a row of
    # the file, and nothing is written
    r = imp(t, "\n".join(rows) + "\n")
    body = assert_problem(r, 422, "20000 rows have faults")
    assert len({e["row"] for e in body["errors"]}) == n
    assert body["created"] == 0 and body["skipped"] == n
    assert contacts(pg, t) == n + 12000


def test_upserts_in_a_larger_file(t, pg):
    n = 10000
    seed_live(pg, t, n)
    rows = ["type,first_name,email,tags"]
    for i in range(2 * n):  # the live contacts, then as many new ones
        rows.append(f"customer,Up{i},{'LIVE' if i < n else 'fresh'}{i}@big.example,new")
    r = imp(t, "\n".join(rows) + "\n", upsert_by="email")
    assert r.status_code == 200, r.text[:500]
    assert r.json() == {"created": n, "updated": n, "skipped": 0, "dry_run": False,
                        "errors": []}
    assert contacts(pg, t) == 2 * n
    assert contacts(pg, t, "email_key LIKE 'live%' AND first_name = 'Up' || substr(last_name, 5)"
                           " AND tags = '{new,old}' AND version = 2 AND type = 'customer'") == n
    assert contacts(pg, t, "email_key LIKE 'fresh%' AND tags = '{new}'") == n


def test_a_large_import_is_written_correctly(t, pg):
    t.request("admin", "POST", "/api/v1/custom-fields",
              json={"entity": "contact", "name": "visits", "label": "Visits", "type": "number"})
    n = 50000
    rows = ["type,first_name,last_name,email,phone,tags,address.city,consent.sms_reminders,"
            "custom.visits"]
    for i in range(n):
        rows.append(f"patient,F{i},\"L, {i}\",p{i}@large.example,020 7{i:07d},b; a,Leeds,"
                    f"{'yes' if i % 2 else 'no'},{i % 7}")
    r = imp(t, "\r\n".join(rows) + "\r\n")
    assert r.status_code == 200, r.text[:500]
    assert r.json() == {"created": n, "updated": 0, "skipped": 0, "dry_run": False,
                        "errors": []}
    assert contacts(pg, t) == n
    assert pg.sql(f"SELECT first_name, last_name, phone, tags, address->>'city',"
                  f" consent->>'sms_reminders', custom_fields->>'visits' FROM contacts"
                  f" WHERE tenant_id = '{t.id}' AND email = 'p49999@large.example'") == [
        ["F49999", "L, 49999", "+442070049999", "{a,b}", "Leeds", "true", "5"]]
    assert contacts(pg, t, "phone = '+44207' || lpad(substr(first_name, 2), 7, '0')"
                           " AND last_name = 'L, ' || substr(first_name, 2)") == n
    assert contacts(pg, t, "consent->>'sms_reminders' = 'true'") == n // 2
