"""Prometheus metrics: counts by route template and status, histogram, gauges."""
import re

from crmtest import Server, assert_problem, crm, default_key_set


def value(text, series):
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_and_status(server):
    series = 'crm_http_requests_total{method="GET",route="/healthz",status="200"}'
    before = value(server.get("/metrics").text, series)
    for _ in range(3):
        server.get("/healthz")
    r = server.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert value(r.text, series) == before + 3


def test_metrics_count_errors_and_unmatched_paths(server):
    server.get("/api/definitely/not/here")  # other page paths load the web app
    server.get("/healthz", params={"bogus": "1"})
    text = server.get("/metrics").text
    assert value(text, 'crm_http_requests_total{method="",route="unmatched",status="404"}') >= 1
    assert value(text, 'crm_http_requests_total{method="GET",route="/healthz",status="400"}') >= 1


def test_metrics_have_histogram_and_gauges(server):
    server.get("/healthz")
    text = server.get("/metrics").text
    assert "# TYPE crm_http_request_duration_seconds histogram" in text
    buckets = re.findall(r'crm_http_request_duration_seconds_bucket\{method="GET",'
                         r'route="/healthz",le="([^"]+)"\} (\d+)', text)
    assert buckets[-1][0] == "+Inf"
    counts = [int(c) for _, c in buckets]
    assert counts == sorted(counts), "buckets are cumulative"
    count = value(text, 'crm_http_request_duration_seconds_count{method="GET",route="/healthz"}')
    assert counts[-1] == count
    assert value(text, "crm_http_requests_in_flight") >= 1  # this request itself
    server.get("/readyz")
    assert value(server.get("/metrics").text, "crm_db_connections_up") >= 1


def test_a_metrics_token_closes_metrics(pg):
    token = "metrics-token-for-the-api-suite-0123456789"
    s = Server(pg, env={"CRM_METRICS_TOKEN": token})
    try:
        assert_problem(s.get("/metrics"), 401, "needs the metrics token")
        r = s.get("/metrics", headers={"Authorization": "Bearer " + token[:-1] + "x"})
        assert_problem(r, 401, "metrics token is not valid")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        r = s.get("/metrics", headers={"Authorization": "Bearer " + token})
        assert r.status_code == 200 and "crm_http_requests_total" in r.text
        assert s.get("/healthz").status_code == 200  # the rest of the system routes stay open
    finally:
        s.stop()
    short = crm("serve", env={"CRM_DATABASE_URL": pg.url(), "CRM_METRICS_TOKEN": "short",
                              "CRM_JWT_KEYS": default_key_set()})
    assert short.returncode != 0 and "CRM_METRICS_TOKEN" in short.stderr
