"""conftest.py - fixtures of the API suite: a session cluster and server, and factories for
tests that need their own (to stop the database, change roles, or shut a server down)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from crmtest import Postgres, Server, Tenant, cluster_under_test  # noqa: E402


@pytest.fixture(scope="session")
def pg():
    cluster = cluster_under_test()
    cluster.start()
    cluster.bootstrap()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def server(pg):
    s = Server(pg)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def tenants(server):
    """Two tenants, A and B, each with a signed-in user of every role."""
    return Tenant(server, "alpha"), Tenant(server, "beta")


@pytest.fixture
def make_cluster():
    made = []

    def make(bootstrap=True, migrate=True):
        cluster = Postgres()
        made.append(cluster)
        cluster.start()
        if bootstrap:
            cluster.bootstrap(migrate=migrate)
        return cluster

    yield make
    for cluster in made:
        cluster.destroy()


@pytest.fixture
def make_server():
    """Starts servers with their own settings; each must stop cleanly at the end."""
    made = []

    def make(pg, env=None, args=()):
        s = Server(pg, env=env, args=args)
        made.append(s)
        return s

    yield make
    for s in made:
        if s.proc.poll() is None:
            s.stop()


def pytest_configure(config):
    config.addinivalue_line("markers", "clinic: tests of the clinic module")
