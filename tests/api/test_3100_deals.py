"""Pipelines and deals: defaults, stage rules, status and stage history, summary, If-Match,
Idempotency-Key, other tenants' ids and roles."""
import uuid

import pytest

from crmtest import Tenant, assert_problem


@pytest.fixture(scope="module")
def shop(server):
    t = Tenant(server, "deals-a")
    t.contact = t.request("sales", "POST", "/api/v1/contacts",
                          json={"type": "customer", "company": "Buyer Ltd"}).json()["id"]
    t.other_contact = t.request("sales", "POST", "/api/v1/contacts",
                                json={"type": "customer", "company": "Other Ltd"}).json()["id"]
    return t


@pytest.fixture(scope="module")
def rival(server):
    t = Tenant(server, "deals-b")
    t.contact = t.request("sales", "POST", "/api/v1/contacts",
                          json={"type": "lead", "company": "Rival"}).json()["id"]
    return t


def stages(t, name="Sales"):
    ps = t.request("sales", "GET", "/api/v1/pipelines").json()["data"]
    return [p for p in ps if p["name"] == name][0]


def test_every_tenant_starts_with_the_sales_pipeline(shop):
    p = stages(shop)
    assert p["is_default"] is True
    assert [(s["name"], s["probability"], s["kind"]) for s in p["stages"]] == [
        ("Qualification", 10, "open"), ("Needs analysis", 25, "open"), ("Proposal", 50, "open"),
        ("Negotiation", 75, "open"), ("Closed Won", 100, "won"), ("Closed Lost", 0, "lost")]


def test_deal_lifecycle_status_and_history(shop, pg):
    r = shop.request("sales", "POST", "/api/v1/deals",
                     json={"contact_id": shop.contact, "title": "Annual plan",
                           "amount_minor": 120000, "currency": "GBP",
                           "expected_close_date": "2027-01-31"})
    assert r.status_code == 201, r.text
    d = r.json()
    p = stages(shop)
    assert d["pipeline_id"] == p["id"] and d["stage_id"] == p["stages"][0]["id"]
    assert d["status"] == "open" and d["closed_at"] is None
    won = p["stages"][4]["id"]
    r = shop.request("sales", "PATCH", f"/api/v1/deals/{d['id']}", headers={"If-Match": '"1"'},
                     json={"stage_id": won})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "won" and r.json()["closed_at"]
    lost = p["stages"][5]["id"]
    r = shop.request("sales", "PATCH", f"/api/v1/deals/{d['id']}", headers={"If-Match": '"2"'},
                     json={"stage_id": lost, "lost_reason": "budget"})
    assert r.json()["status"] == "lost" and r.json()["lost_reason"] == "budget"
    r = shop.request("sales", "PATCH", f"/api/v1/deals/{d['id']}", headers={"If-Match": '"3"'},
                     json={"stage_id": p["stages"][1]["id"]})
    assert r.json()["status"] == "open" and r.json()["closed_at"] is None
    assert r.json()["lost_reason"] is None
    history = pg.sql(f"SELECT from_stage_id IS NULL, to_stage_id FROM deal_stage_history"
                     f" WHERE deal_id = '{d['id']}' ORDER BY changed_at")
    assert [h[1] for h in history] == [p["stages"][0]["id"], won, lost, p["stages"][1]["id"]]
    assert history[0][0] == "t"
    assert_problem(shop.request("sales", "PATCH", f"/api/v1/deals/{d['id']}",
                                headers={"If-Match": '"1"'}, json={"title": "x"}), 412)
    assert_problem(shop.request("sales", "PATCH", f"/api/v1/deals/{d['id']}",
                                json={"title": "x"}), 428)


def test_stage_must_belong_to_the_pipeline(shop):
    other = shop.request("sales", "POST", "/api/v1/pipelines",
                         json={"name": "Renewals", "stages": [
                             {"name": "Due", "probability": 50, "kind": "open"},
                             {"name": "Renewed", "probability": 100, "kind": "won"}]})
    assert other.status_code == 201, other.text
    foreign_stage = other.json()["stages"][0]["id"]
    r = shop.request("sales", "POST", "/api/v1/deals",
                     json={"contact_id": shop.contact, "title": "Mismatch",
                           "stage_id": foreign_stage})
    assert_problem(r, 422, field="stage_id")
    r = shop.request("sales", "POST", "/api/v1/deals",
                     json={"contact_id": shop.contact, "title": "Renewal",
                           "pipeline_id": other.json()["id"]})
    assert r.status_code == 201 and r.json()["stage_id"] == foreign_stage


def test_invalid_deals_are_422(shop, rival, pg):
    base = {"contact_id": shop.contact, "title": "Bad deal"}
    cases = [({"title": ""}, "title"), ({"amount_minor": -1, "currency": "EUR"}, "amount_minor"),
             ({"amount_minor": 1.5, "currency": "EUR"}, "amount_minor"),
             ({"amount_minor": 100, "currency": "EURO"}, "currency"),
             ({"amount_minor": 100, "currency": "XYZ"}, "currency"),
             ({"amount_minor": 100}, "currency"), ({"contact_id": "x"}, "contact_id"),
             ({"contact_id": rival.contact}, "contact_id"),
             ({"contact_id": str(uuid.uuid4())}, "contact_id"),
             ({"owner_id": rival.users["sales"]}, "owner_id"),
             ({"stage_id": str(uuid.uuid4())}, "stage_id"),
             ({"expected_close_date": "2027-13-01"}, "expected_close_date"),
             ({"status": "won"}, "status"), ({"tenant_id": rival.id}, "tenant_id")]
    for over, field in cases:
        assert_problem(shop.request("sales", "POST", "/api/v1/deals", json=base | over), 422,
                       field=field)
    assert pg.sql("SELECT count(*) FROM deals WHERE title = 'Bad deal'") == [["0"]]
    assert_problem(shop.request("sales", "POST", "/api/v1/pipelines",
                                json={"name": "No open", "stages": [
                                    {"name": "Won", "probability": 100, "kind": "won"}]}),
                   422, field="stages")


def test_summary_counts_and_weights_per_stage(server):
    t = Tenant(server, "deals-sum")
    c = t.request("sales", "POST", "/api/v1/contacts",
                  json={"type": "customer", "company": "Sum"}).json()["id"]
    p = stages(t)
    for stage, amount, cur in [(2, 1000, "EUR"), (2, 3000, "EUR"), (2, 500, "USD"), (0, 100, "EUR")]:
        r = t.request("sales", "POST", "/api/v1/deals",
                      json={"contact_id": c, "title": "d", "amount_minor": amount,
                            "currency": cur, "stage_id": p["stages"][stage]["id"]})
        assert r.status_code == 201
    s = t.request("viewer", "GET", "/api/v1/deals/summary").json()
    assert s["pipeline_id"] == p["id"]
    proposal = s["stages"][2]
    assert proposal["name"] == "Proposal" and proposal["count"] == 3
    totals = {x["currency"]: x for x in proposal["totals"]}
    assert totals["EUR"]["total_minor"] == 4000 and totals["EUR"]["weighted_minor"] == 2000
    assert totals["USD"]["total_minor"] == 500 and totals["USD"]["weighted_minor"] == 250
    assert s["stages"][0]["count"] == 1 and s["stages"][5]["count"] == 0
    assert_problem(t.request("viewer", "GET", "/api/v1/deals/summary",
                             params={"pipeline_id": str(uuid.uuid4())}), 404)


def test_list_filters_and_idempotency(shop):
    key = {"Idempotency-Key": f"deal-{uuid.uuid4()}"}
    body = {"contact_id": shop.other_contact, "title": "Filtered"}
    first = shop.request("sales", "POST", "/api/v1/deals", json=body, headers=dict(key))
    again = shop.request("sales", "POST", "/api/v1/deals", json=body, headers=dict(key))
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    listed = shop.request("viewer", "GET", "/api/v1/deals",
                          params={"contact_id": shop.other_contact}).json()["data"]
    assert [d["id"] for d in listed] == [first.json()["id"]]
    assert_problem(shop.request("viewer", "GET", "/api/v1/deals", params={"status": "x"}), 400)
    assert_problem(shop.request("viewer", "GET", "/api/v1/deals", params={"stage_id": "x"}), 400)


def test_other_tenants_deals_are_404(shop, rival, pg):
    theirs = rival.request("sales", "POST", "/api/v1/deals",
                           json={"contact_id": rival.contact, "title": "Secret"}).json()
    url = f"/api/v1/deals/{theirs['id']}"
    assert_problem(shop.request("admin", "GET", url), 404)
    assert_problem(shop.request("admin", "PATCH", url, headers={"If-Match": '"1"'},
                                json={"title": "Owned"}), 404)
    assert_problem(shop.request("admin", "DELETE", url), 404)
    assert pg.sql(f"SELECT title FROM deals WHERE id = '{theirs['id']}'") == [["Secret"]]
    p = stages(rival)
    assert_problem(shop.request("admin", "GET", f"/api/v1/pipelines/{p['id']}"), 404)
    assert shop.request("admin", "GET", "/api/v1/deals",
                        params={"contact_id": rival.contact}).json()["data"] == []


def test_deal_roles(shop):
    body = {"contact_id": shop.contact, "title": "Role check"}
    assert_problem(shop.request("practitioner", "POST", "/api/v1/deals", json=body), 403)
    assert_problem(shop.request("receptionist", "GET", "/api/v1/deals"), 403)
    assert_problem(shop.request("viewer", "POST", "/api/v1/deals", json=body), 403)
    d = shop.request("admin", "POST", "/api/v1/deals", json=body).json()
    assert shop.request("sales", "DELETE", f"/api/v1/deals/{d['id']}").status_code == 204
    assert_problem(shop.request("viewer", "GET", f"/api/v1/deals/{d['id']}"), 404)
    assert shop.request("sales", "POST", f"/api/v1/deals/{d['id']}/restore").status_code == 200
