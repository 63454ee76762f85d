"""The outbox as a delivery queue, in the database: claims by several workers at once (each row
to one), leases that run out, retries with backoff then failure, permanent failures, quiet
hours, suspended tenants and messages past their use, and the worker role's reach."""
import datetime
import threading
import time
import uuid

import pytest

UTC = datetime.timezone.utc


def worker_sql(pg, query):
    return pg.sql("SET ROLE crm_worker; " + query, user="crm")


def new_tenant(pg, zone="Europe/London", settings="{}", status="active"):
    slug = "outbox-" + uuid.uuid4().hex[:10]
    return pg.sql(f"INSERT INTO tenants (name, slug, time_zone, settings, status) VALUES"
                  f" ('Outbox {slug}', '{slug}', '{zone}', '{settings}', '{status}')"
                  " RETURNING id")[0][0]


def enqueue(pg, tenant, n=1, due="now() - interval '1 minute'", urgent=False, not_after="NULL"):
    return [r[0] for r in pg.sql(
        f"INSERT INTO outbox (tenant_id, topic, channel, payload, send_at, urgent, not_after)"
        f" SELECT '{tenant}', 'test.delivery', 'sms', jsonb_build_object('n', g), {due},"
        f" {urgent}, {not_after} FROM generate_series(1, {n}) g RETURNING id")]


def row(pg, id_, cols="state, attempts, claimed_by, error_code, last_error, cancel_reason"):
    return pg.sql(f"SELECT {cols} FROM outbox WHERE id = '{id_}'")[0]


def claim(pg, worker, batch=100, lease=60):
    """A claim, as crm worker makes it: one that loses a deadlock (on a Citus cluster, now and
    then, against another claimer; it claimed nothing) is made again, as at the worker's next
    round."""
    for attempt in range(5):
        try:
            return [r[0] for r in worker_sql(
                pg, f"SELECT id FROM outbox_claim('{worker}', {batch}, {lease})")]
        except RuntimeError as e:
            if "deadlock" not in str(e) or attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))


def settle(pg, tenant, id_, worker, outcome, code="NULL", error="NULL"):
    return worker_sql(pg, f"SELECT outbox_settle('{tenant}', '{id_}', '{worker}', '{outcome}',"
                          f" NULL, {code}, {error})")[0][0]


@pytest.fixture
def quiet_tenant(pg):
    """A tenant whose quiet hours are never now (none at all)."""
    return new_tenant(pg, settings='{"quiet_hours": null}')


def mine(ids, claimed):
    return sorted(set(ids) & set(claimed))


def test_concurrent_workers_claim_each_row_once(pg, quiet_tenant):
    ids = enqueue(pg, quiet_tenant, 60)
    got = {}

    listed = ", ".join(f"'{i}'" for i in ids)

    def work(name):
        got[name] = []
        while True:
            batch = claim(pg, name, batch=7)
            got[name] += batch
            # a claim finds nothing while another worker holds the rows (on a Citus cluster,
            # the tenant): the work is done when none of the rows waits
            if not set(batch) & set(ids) and pg.sql(
                    f"SELECT count(*) FROM outbox WHERE id IN ({listed})"
                    " AND state = 'queued'") == [["0"]]:
                break

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    claimed = [i for name in got for i in got[name] if i in ids]
    assert sorted(claimed) == sorted(ids)  # every row once, none twice
    assert sum(1 for name in got if set(got[name]) & set(ids)) >= 2  # the work was shared
    states = pg.sql(f"SELECT DISTINCT state, attempts FROM outbox WHERE tenant_id = '{quiet_tenant}'")
    assert states == [["sending", "1"]]


def test_a_lease_that_runs_out_is_claimed_again_and_the_old_worker_cannot_settle(pg, quiet_tenant):
    [id_] = enqueue(pg, quiet_tenant)
    assert mine([id_], claim(pg, "dead-worker", lease=0)) == [id_]
    assert mine([id_], claim(pg, "live-worker")) == [id_]
    state, attempts, by, *_ , last_error, _ = row(pg, id_)
    assert (state, attempts, by) == ("sending", "2", "live-worker")
    assert "dead-worker" in last_error
    assert settle(pg, quiet_tenant, id_, "dead-worker", "sent") == "f"
    assert settle(pg, quiet_tenant, id_, "live-worker", "sent") == "t"
    assert row(pg, id_, "state, sent_at IS NOT NULL, lease_until IS NULL") == ["sent", "t", "t"]


def test_temporary_failures_back_off_then_fail(pg, quiet_tenant):
    [id_] = enqueue(pg, quiet_tenant)
    expected = [1, 5, 30, 120, 360]  # minutes before attempts 2..6
    for attempt, minutes in enumerate(expected, start=1):
        assert mine([id_], claim(pg, "w")) == [id_]
        assert settle(pg, quiet_tenant, id_, "w", "retry", "'503'", "'provider busy'") == "t"
        state, wait = pg.sql(f"SELECT state, extract(epoch FROM send_at - now()) / 60"
                             f" FROM outbox WHERE id = '{id_}'")[0]
        assert state == "queued"
        assert minutes * 0.79 <= float(wait) <= minutes * 1.21, (attempt, wait)
        assert claim(pg, "w") == [] or id_ not in claim(pg, "w")  # not due yet
        pg.sql(f"UPDATE outbox SET send_at = now() - interval '1 second' WHERE id = '{id_}'")
    assert mine([id_], claim(pg, "w")) == [id_]
    assert settle(pg, quiet_tenant, id_, "w", "retry", "'503'", "'provider busy'") == "t"
    assert row(pg, id_)[:2] == ["failed", "6"]
    assert row(pg, id_, "error_code, last_error") == ["503", "provider busy"]


def test_a_permanent_failure_fails_at_once(pg, quiet_tenant):
    [id_] = enqueue(pg, quiet_tenant)
    claim(pg, "w")
    assert settle(pg, quiet_tenant, id_, "w", "failed", "'21211'", "'invalid To number'") == "t"
    assert row(pg, id_, "state, attempts, error_code") == ["failed", "1", "21211"]


def test_unknown_outcome_is_refused(pg, quiet_tenant):
    [id_] = enqueue(pg, quiet_tenant)
    claim(pg, "w")
    with pytest.raises(RuntimeError, match="unknown outcome"):
        settle(pg, quiet_tenant, id_, "w", "delivered")
    assert row(pg, id_)[0] == "sending"


def test_quiet_hours_hold_back_all_but_urgent_messages(pg):
    now = datetime.datetime.now(UTC)
    start = (now - datetime.timedelta(hours=1)).strftime("%H:%M")
    end = (now + datetime.timedelta(hours=1)).strftime("%H:%M")
    tenant = new_tenant(pg, zone="UTC", settings=f'{{"quiet_hours": {{"start": "{start}", "end": "{end}"}}}}')
    [held] = enqueue(pg, tenant)
    [urgent] = enqueue(pg, tenant, urgent=True)
    [late] = enqueue(pg, tenant, not_after="now() + interval '30 minutes'")
    claimed = claim(pg, "w")
    assert urgent in claimed and held not in claimed and late not in claimed
    state, wait = pg.sql(f"SELECT state, extract(epoch FROM send_at - now()) / 60 FROM outbox"
                         f" WHERE id = '{held}'")[0]
    assert state == "queued" and 57 <= float(wait) <= 61  # at the end of the quiet hours
    assert row(pg, late, "state, cancel_reason") == [
        "cancelled", "quiet hours last until it is too late to matter"]


def test_messages_of_suspended_tenants_and_past_their_use_are_cancelled(pg, quiet_tenant):
    suspended = new_tenant(pg, settings='{"quiet_hours": null}', status="suspended")
    [a] = enqueue(pg, suspended)
    [b] = enqueue(pg, quiet_tenant, not_after="now() - interval '1 minute'")
    claimed = claim(pg, "w")
    assert a not in claimed and b not in claimed
    assert row(pg, a, "state, cancel_reason") == ["cancelled", "the tenant is suspended"]
    assert row(pg, b, "state, cancel_reason") == ["cancelled", "too late to matter"]


@pytest.mark.parametrize("at, settings, expected", [
    ("2026-12-05 22:00Z", "{}", "2026-12-06 08:00:00+00"),  # default 21:00-08:00, GMT
    ("2026-12-06 07:00Z", "{}", "2026-12-06 08:00:00+00"),  # before the end, same morning
    ("2026-12-05 12:00Z", "{}", "2026-12-05 12:00:00+00"),  # daytime: not held
    ("2027-07-01 20:30Z", "{}", "2027-07-02 07:00:00+00"),  # 21:30 BST: ends 08:00 BST
    ("2026-12-05 22:00Z", '{"quiet_hours": null}', "2026-12-05 22:00:00+00"),  # none
    ("2026-12-05 13:30Z", '{"quiet_hours": {"start": "13:00", "end": "14:00"}}',
     "2026-12-05 14:00:00+00"),  # a span within one day
])
def test_quiet_until(pg, at, settings, expected):
    got = pg.sql(f"SET TIME ZONE 'UTC'; SELECT outbox_quiet_until('Europe/London', '{settings}',"
                 f" '{at}')")[0][0]
    assert got == expected


def test_only_the_worker_role_drains_the_queue(pg):
    for role in ("crm_app", "crm_platform"):
        with pytest.raises(RuntimeError, match="permission denied"):
            pg.sql(f"SET ROLE {role}; SELECT * FROM outbox_claim('x', 1, 60)", user="crm")
    # and the worker reaches no other table of the tenants
    with pytest.raises(RuntimeError, match="permission denied"):
        worker_sql(pg, "SELECT count(*) FROM contacts")


def test_a_row_whose_worker_died_six_times_fails(pg, quiet_tenant):
    """A message that crashes whoever sends it does not go round for ever."""
    [id_] = enqueue(pg, quiet_tenant)
    for n in range(1, 7):
        assert mine([id_], claim(pg, f"crashing-{n}", lease=0)) == [id_]
        pg.sql(f"UPDATE outbox SET lease_until = now() - interval '1 second' WHERE id = '{id_}'")
    claim(pg, "next", lease=60)
    state, attempts, claimed_by, _, last_error, _ = row(pg, id_)
    assert (state, attempts, claimed_by) == ("failed", "6", "")
    assert last_error.endswith("ran out before it reported, six times")
