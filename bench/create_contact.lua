-- create_contact.lua - wrk script: POST /api/v1/contacts with a unique patient per request.
-- The access token and a run number come in the environment (CRM_BENCH_TOKEN, CRM_BENCH_RUN);
-- each wrk thread numbers its own requests, so that no two bodies are duplicates.
local token = os.getenv("CRM_BENCH_TOKEN")
local run = os.getenv("CRM_BENCH_RUN") or "0" -- runs must not repeat each other's contacts
local counter = 0
local thread_id = 0

function setup(thread)
    thread:set("thread_id", thread_id)
    thread_id = thread_id + 1
end

function request()
    counter = counter + 1
    local body = string.format(
        '{"type":"patient","first_name":"Bench%d","last_name":"Run%s-%d-%d","email":"b%s-%d-%d@bench.test"}',
        counter, run, thread_id, counter, run, thread_id, counter)
    return wrk.format("POST", "/api/v1/contacts", {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
    }, body)
end

function done(summary, latency, requests)
    io.write(string.format(
        "JSON {\"requests\": %d, \"errors\": %d, \"non2xx\": %d, \"seconds\": %.3f, " ..
        "\"p50_ms\": %.3f, \"p99_ms\": %.3f}\n",
        summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write +
        summary.errors.timeout, summary.errors.status, summary.duration / 1e6,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
