"""Runs last: after every other test has written to the audit log through the API, no row
holds a password, a password hash, a token or a key."""
import json

from crmtest import PASSWORD, PLATFORM_KEY, default_key_set


def test_no_secret_reached_the_audit_log(server, pg):
    rows = int(pg.sql("SELECT count(*) FROM audit_log")[0][0])
    assert rows > 1000  # the whole suite ran before this
    with open(default_key_set()) as f:
        signing_secret = json.load(f)["keys"][0]["secret"]
    needles = {
        "the suite's password": PASSWORD,
        "the demo password": "demo-password-2026",
        "a password hash": "$argon2",
        "an access token or signed document": "eyJ",
        "the platform key": PLATFORM_KEY,
        "the token signing key": signing_secret,
    }
    for what, needle in needles.items():
        hits = pg.sql("SELECT count(*) FROM audit_log WHERE strpos(concat_ws(' ', changes::text,"
                      " user_agent, entity_id, actor, request_id), $$" + needle + "$$) > 0")
        assert hits == [["0"]], f"{what} found in the audit log"
    masked = int(pg.sql("SELECT count(*) FROM audit_log"
                        " WHERE changes->'password_hash'->>'after' = '[masked]'")[0][0])
    assert masked > 0  # password changes were logged, masked
