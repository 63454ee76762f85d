"""crm statements: every named statement of the .sql files, prepared by PostgreSQL, has the
parameters its SQL numbers and the result columns its -- returns: lines declare."""
import glob
import os
import re

from crmtest import ROOT, crm


def declared_statements():
    """The -- name: blocks of the source tree's .sql files (the test build has them all)."""
    count = 0
    for path in glob.glob(os.path.join(ROOT, "src", "**", "*.sql"), recursive=True):
        with open(path, encoding="utf-8") as f:
            count += len(re.findall(r"^-- name: ", f.read(), re.M))
    return count


def test_every_statement_agrees_with_the_migrated_database(pg):
    out = crm("statements", env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stdout + out.stderr
    m = re.fullmatch(r"(\d+) statements agree with the database\n", out.stdout)
    assert m, out.stdout
    # every .sql file is compiled in: a file missing from meson.build would be missing here
    assert int(m.group(1)) == declared_statements() > 0


def test_statements_disagree_with_a_database_they_do_not_fit(make_cluster):
    pg = make_cluster(migrate=False)  # the owner and its database, but no tables
    out = crm("statements", env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 1
    assert re.search(r"^testkit\.insert \(src/modules/testkit/testkit\.sql:\d+\): "
                     r"ERROR:  relation \"testkit_notes\" does not exist", out.stdout, re.M), \
        out.stdout
    assert "core.migrate_lock" not in out.stdout  # an advisory lock needs no table
    # a COPY is checked by its query, which PostgreSQL plans (preparing the COPY itself would
    # only parse it, and count no parameters)
    assert re.search(r"^core\.contacts_csv_export \(src/crm/contacts_csv\.sql:\d+\): "
                     r"ERROR:  relation \"contacts\" does not exist", out.stdout, re.M), \
        out.stdout
    assert re.search(r"\d+ disagreements with the database", out.stderr)
