"""Everything about one contact: timeline (with a module's entries), search, GDPR export and
erasure (with a module's refusal), and merging duplicates."""
import time
import uuid

import pytest

from crmtest import Tenant, assert_problem


@pytest.fixture(scope="module")
def t(server):
    return Tenant(server, "c360")


def contact(t, **body):
    r = t.request("receptionist", "POST", "/api/v1/contacts",
                  json={"type": "lead"} | body, params={"allow_duplicate": "true"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_timeline_newest_first_with_pages_and_module_entries(t):
    c = contact(t, last_name="Timeline", tags=["testkit-timeline"])
    deal = t.request("sales", "POST", "/api/v1/deals", json={"contact_id": c, "title": "Deal T"}).json()
    stages = t.request("sales", "GET", "/api/v1/pipelines").json()["data"][0]["stages"]
    t.request("sales", "PATCH", f"/api/v1/deals/{deal['id']}", headers={"If-Match": '"1"'},
              json={"stage_id": stages[2]["id"]})
    for i in range(3):
        t.request("receptionist", "POST", "/api/v1/activities",
                  json={"type": "note", "subject": f"Note {i}", "contact_id": c})
    entries, cursor = [], None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = t.request("viewer", "GET", f"/api/v1/contacts/{c}/timeline", params=params).json()
        entries += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    kinds = [e["kind"] for e in entries]
    assert kinds.count("activity") == 3 and kinds.count("deal") == 1
    assert kinds.count("stage_change") == 1 and kinds.count("testkit") == 1
    times = [e["occurred_at"] for e in entries]
    assert times == sorted(times, reverse=True)
    assert entries[0]["summary"]["subject"] == "Note 2"
    stage = [e for e in entries if e["kind"] == "stage_change"][0]["summary"]
    assert stage["from_stage"] == "Qualification" and stage["to_stage"] == "Proposal"
    assert_problem(t.request("viewer", "GET", f"/api/v1/contacts/{uuid.uuid4()}/timeline"), 404)
    assert_problem(t.request("viewer", "GET", f"/api/v1/contacts/{c}/timeline",
                             params={"cursor": "bogus"}), 400)


def test_search_ranks_names_forgives_typos_and_finds_fragments(t):
    a = contact(t, first_name="Margaret", last_name="Hamilton", email="mhamilton@nasa.example",
                phone="+1 617 555 0142", company="Apollo Guidance")
    contact(t, first_name="Margo", last_name="Hamlin")
    t.request("sales", "POST", "/api/v1/deals", json={"contact_id": a, "title": "Lunar module"})

    def search(q):
        r = t.request("viewer", "GET", "/api/v1/search", params={"q": q})
        assert r.status_code == 200, r.text
        return r.json()["data"]

    assert search("Hamilton")[0]["id"] == a
    assert any(x["id"] == a for x in search("Hamiltn"))  # a typo
    assert search("mhamil")[0]["id"] == a  # email prefix
    assert any(x["id"] == a for x in search("5550142"))  # phone fragment
    assert any(x["id"] == a for x in search("apollo guid"))
    assert search("lunar")[0]["kind"] == "deal"
    assert_problem(t.request("viewer", "GET", "/api/v1/search", params={"q": "x"}), 400)
    assert_problem(t.request("viewer", "GET", "/api/v1/search"), 400)


def test_search_answers_common_prefixes_from_the_prefix_indexes(t):
    """With at least `limit` entries starting with the query (name, last name or email), those
    are the answer, in name order; wildcards in the query are plain characters."""
    ids = {contact(t, first_name=f"Prefixa{i}", last_name="Zedwick") for i in range(5)}

    def search(q, limit="3"):
        r = t.request("viewer", "GET", "/api/v1/search", params={"q": q, "limit": limit})
        assert r.status_code == 200, r.text
        return r.json()["data"]

    found = search("prefixa")
    assert len(found) == 3 and {x["id"] for x in found} <= ids
    assert [x["title"] for x in found] == sorted(x["title"] for x in found)
    assert all(x["score"] == 1 for x in found)
    by_last = search("zedwi")
    assert len(by_last) == 3 and {x["id"] for x in by_last} <= ids
    # a wildcard is a plain character: no prefix match (score 1), at most a fuzzy one
    assert all(x["score"] < 1 for x in search("prefix%") + search("pref_xa"))
    assert len(search("prefixa", limit="10")) == 5  # fewer than asked: the trigram path


def test_search_never_crosses_tenants(t, server, pg):
    other = Tenant(server, "c360-other")
    contact(other, first_name="Zebediah", last_name="Quixotic")
    assert t.request("viewer", "GET", "/api/v1/search", params={"q": "Quixotic"}).json()["data"] == []
    # five digits or more are looked up across the platform's phones, then kept to the tenant's
    theirs = contact(other, first_name="Phone", last_name="Theirs", phone="+1 617 555 8642")
    mine = contact(t, first_name="Phone", last_name="Mine", phone="+1 212 555 8642")
    for q in ("5558642", "555 8642", "(555) 8642"):
        found = [x["id"] for x in t.request("viewer", "GET", "/api/v1/search",
                                            params={"q": q}).json()["data"]]
        assert mine in found and theirs not in found, (q, found)
    found = [x["id"] for x in other.request("viewer", "GET", "/api/v1/search",
                                            params={"q": "58642"}).json()["data"]]
    assert theirs in found and mine not in found
    # and the candidates themselves, before the contacts' row-level security filters them
    rows = pg.sql(f"BEGIN; SET LOCAL ROLE crm_app;"
                  f" SELECT set_config('app.tenant_id', '{t.id}', true);"
                  f" SELECT id FROM search_candidates('5558642', '5558642', 25); COMMIT;")
    ids = {r[0] for r in rows}
    assert mine in ids and theirs not in ids


def test_export_holds_everything_about_the_person(t):
    c = contact(t, first_name="Export", last_name="Me", email="export@me.example")
    t.request("sales", "POST", "/api/v1/deals", json={"contact_id": c, "title": "Exported deal"})
    t.request("receptionist", "POST", "/api/v1/activities",
              json={"type": "call", "subject": "Exported call", "contact_id": c})
    r = t.request("admin", "GET", f"/api/v1/contacts/{c}/export")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["contact"]["email"] == "export@me.example"
    assert [d["title"] for d in doc["deals"]] == ["Exported deal"]
    assert [a["subject"] for a in doc["activities"]] == ["Exported call"]
    assert doc["modules"]["testkit"] == {"contact": c, "notes": 0}
    assert "attachment" in r.headers["Content-Disposition"]
    assert_problem(t.request("receptionist", "GET", f"/api/v1/contacts/{c}/export"), 403)


def test_erase_removes_personal_data_and_keeps_links(t, pg):
    c = contact(t, first_name="Erase", last_name="Me", email="erase@me.example",
                phone="+44 20 7946 0001", tags=["x"])
    deal = t.request("sales", "POST", "/api/v1/deals",
                     json={"contact_id": c, "title": "Erase deal", "amount_minor": 500,
                           "currency": "EUR"}).json()
    t.request("receptionist", "POST", "/api/v1/activities",
              json={"type": "note", "subject": "Private", "body": "secret", "contact_id": c})
    assert_problem(t.request("receptionist", "POST", f"/api/v1/contacts/{c}/erase"), 403)
    r = t.request("admin", "POST", f"/api/v1/contacts/{c}/erase")
    assert r.status_code == 200, r.text
    assert r.json()["activities"] == 1 and r.json()["deals"] == 1
    row = pg.sql(f"SELECT first_name, last_name, email, phone, tags, erased_at IS NOT NULL,"
                 f" deleted_at IS NOT NULL FROM contacts WHERE id = '{c}'")
    assert row == [["", "", "", "", "{}", "t", "t"]]
    assert pg.sql(f"SELECT subject, body FROM activities WHERE contact_id = '{c}'") == [["[erased]", ""]]
    assert pg.sql(f"SELECT title, amount_minor FROM deals WHERE id = '{deal['id']}'") == [
        ["[erased]", "500"]]
    assert_problem(t.request("viewer", "GET", f"/api/v1/contacts/{c}"), 404)
    assert_problem(t.request("admin", "POST", f"/api/v1/contacts/{c}/erase"), 404)


def test_a_module_may_refuse_erasure_and_nothing_changes(t, pg):
    c = contact(t, last_name="Held", tags=["legal-hold"], email="held@me.example")
    r = t.request("admin", "POST", f"/api/v1/contacts/{c}/erase")
    body = assert_problem(r, 409, "legal hold")
    assert pg.sql(f"SELECT email, erased_at IS NULL FROM contacts WHERE id = '{c}'") == [
        ["held@me.example", "t"]]


def test_merge_moves_records_fills_gaps_and_leaves_a_tombstone(t, pg):
    survivor = contact(t, first_name="Ann", last_name="Lee", tags=["a"])
    source = contact(t, first_name="Annie", last_name="Lee", email="ann@lee.example",
                     phone="+44 20 7946 0002", tags=["b"], consent={"sms_reminders": True})
    deal = t.request("sales", "POST", "/api/v1/deals",
                     json={"contact_id": source, "title": "Moving deal"}).json()
    t.request("receptionist", "POST", "/api/v1/activities",
              json={"type": "task", "subject": "Moving task", "contact_id": source,
                    "deal_id": deal["id"]})
    r = t.request("receptionist", "POST", f"/api/v1/contacts/{survivor}/merge",
                  json={"source_id": source})
    assert r.status_code == 200, r.text
    assert r.json()["moved"] == {"deals": 1, "activities": 1}
    s = t.request("viewer", "GET", f"/api/v1/contacts/{survivor}").json()
    assert s["first_name"] == "Ann" and s["email"] == "ann@lee.example"
    assert s["tags"] == ["a", "b"] and s["consent"] == {"sms_reminders": True}
    assert_problem(t.request("viewer", "GET", f"/api/v1/contacts/{source}"), 404)
    assert pg.sql(f"SELECT merged_into FROM contacts WHERE id = '{source}'") == [[survivor]]
    assert pg.sql(f"SELECT contact_id FROM deals WHERE id = '{deal['id']}'") == [[survivor]]
    assert pg.sql(f"SELECT count(*) FROM activities WHERE contact_id = '{survivor}'") == [["1"]]
    assert pg.sql(f"SELECT count(*) FROM contact_merges WHERE survivor_id = '{survivor}'"
                  f" AND source_id = '{source}'") == [["1"]]
    # a tombstone cannot be merged again, nor a contact into itself
    assert_problem(t.request("receptionist", "POST", f"/api/v1/contacts/{survivor}/merge",
                             json={"source_id": source}), 422, field="source_id")
    assert_problem(t.request("receptionist", "POST", f"/api/v1/contacts/{survivor}/merge",
                             json={"source_id": survivor}), 422, field="source_id")
    assert_problem(t.request("receptionist", "POST", f"/api/v1/contacts/{uuid.uuid4()}/merge",
                             json={"source_id": survivor}), 404)
    assert_problem(t.request("viewer", "POST", f"/api/v1/contacts/{survivor}/merge",
                             json={"source_id": source}), 403)
