-- scenario.lua - the load of one benchmark scenario for wrk. bench/run.py writes the data
-- file (CRM_BENCH_DATA: tokens of several tenants, their contact counts, practitioners, a deep
-- cursor) and names the scenario (CRM_BENCH_SCENARIO). Contact ids are computed as the seed
-- made them: c<tenant, 7 hex>-0000-4000-8000-<i, 12 digits>; i % 5 < 3 are patients.
-- With CRM_BENCH_RATE (requests/s, run with one thread) the load is an open loop: requests
-- leave on a fixed schedule, and latency counts from each one's scheduled time.
local D = dofile(os.getenv("CRM_BENCH_DATA"))
local scenario = os.getenv("CRM_BENCH_SCENARIO")
local rate = tonumber(os.getenv("CRM_BENCH_RATE") or "")
counter = 0 -- global: done() reads each thread's through thread:get
patches = 0 -- changes made, numbering the contacts changed
math.randomseed(os.time() + tonumber(D.run))
local request_id = nil -- the open loop's: the answer echoes it in X-Request-Id

local function contact_id(t, i)
    return string.format("c%07x-0000-4000-8000-%012d", t.n, i)
end

local function headers(t, json)
    local h = {["Authorization"] = "Bearer " .. t.token, ["X-Request-Id"] = request_id}
    if json then
        h["Content-Type"] = "application/json"
    end
    return h
end

local function any_tenant()
    return D.tenants[math.random(1, #D.tenants)]
end

local function get(t, path)
    return wrk.format("GET", path, headers(t, false))
end

local handlers = {}

handlers.get_contact = function()
    local t = any_tenant()
    return get(t, "/api/v1/contacts/" .. contact_id(t, math.random(1, t.contacts)))
end

handlers.list_first = function()
    return get(D.big, "/api/v1/contacts?limit=50")
end

handlers.list_filtered = function()
    return get(D.big, "/api/v1/contacts?limit=50&type=lead&sort=-updated_at")
end

handlers.list_deep = function()
    return get(D.big, "/api/v1/contacts?limit=50&cursor=" .. D.deep_cursor)
end

handlers.search_name = function()
    return get(D.big, "/api/v1/search?q=" .. D.prefixes[math.random(1, #D.prefixes)])
end

handlers.search_phone = function()
    return get(D.big, "/api/v1/search?q=" .. D.phones[math.random(1, #D.phones)])
end

handlers.create_contact = function()
    counter = counter + 1
    local t = any_tenant()
    local body = string.format(
        '{"type":"lead","first_name":"Load%d","last_name":"Run%s","email":"load%s.%d@bench.test"}',
        counter, D.run, D.run, counter)
    return wrk.format("POST", "/api/v1/contacts", headers(t, true), body)
end

-- each contact once, from a starting point the runner moves on between runs; a run longer
-- than the contacts (the soak) starts over at the first, whose version is then one higher
handlers.patch_contact = function()
    counter = counter + 1
    patches = patches + 1
    local t = D.big
    local k = D.patch_from + patches - 1
    local h = headers(t, true)
    h["If-Match"] = string.format('"%d"', math.floor(k / t.contacts) + 1)
    return wrk.format("PATCH", "/api/v1/contacts/" .. contact_id(t, k % t.contacts + 1), h,
        '{"company":"Patched Ltd"}')
end

-- the k-th booking of tenant t: a free 30-minute slot (days past the seeded ones,
-- practitioner by turn) for one of its patients
local function book(t, k)
    local p = #t.practitioners
    local day = D.free_from_day + math.floor(k / (p * 24))
    local slot = math.floor(k / p) % 24
    local at = string.format("%sT%02d:%02d:00Z", D.days[day + 1] or D.days[#D.days],
        8 + math.floor(slot / 2), (slot % 2) * 30)
    local patient = contact_id(t, 5 * math.random(0, math.floor(t.contacts / 5) - 1) + 5)
    local body = string.format(
        '{"patient_id":"%s","practitioner_id":"%s","appointment_time":"%s","duration_minutes":30}',
        patient, t.practitioners[k % p + 1], at)
    return wrk.format("POST", "/api/v1/appointments", headers(t, true), body)
end

-- bookings spread over the tenants by turn, as the other scenarios spread their requests
handlers.create_appointment = function()
    local k = counter
    counter = counter + 1
    return book(D.tenants[k % #D.tenants + 1], math.floor(k / #D.tenants))
end

-- every booking in the large tenant: one audit chain admits one commit at a time
handlers.create_appointment_one_tenant = function()
    local k = counter
    counter = counter + 1
    return book(D.big, k)
end

handlers.timeline = function()
    return get(D.big, "/api/v1/contacts/" .. contact_id(D.big, math.random(1, 10)) ..
        "/timeline?limit=50")
end

handlers.availability = function()
    return get(D.big, "/api/v1/availability?practitioner_id=" ..
        D.practitioners[math.random(1, #D.practitioners)] .. "&from=" .. D.week_from ..
        "&to=" .. D.week_to .. "&duration_minutes=30")
end

handlers.login = function()
    local t = any_tenant()
    return wrk.format("POST", "/api/v1/auth/login", {["Content-Type"] = "application/json"},
        string.format('{"tenant":"%s","email":"%s","password":"%s"}', t.slug, t.email,
            D.password))
end

-- 80 % reads (by id, lists, search), 20 % writes (create, change)
handlers.mixed = function()
    local r = math.random(1, 10)
    if r <= 5 then
        return handlers.get_contact()
    elseif r <= 7 then
        return handlers.list_first()
    elseif r <= 8 then
        return handlers.search_name()
    elseif r <= 9 then
        return handlers.create_contact()
    end
    return handlers.patch_contact()
end

request = handlers[scenario]

-- The open loop. Request k is due at start + k / rate. A connection that is free asks delay()
-- for the next due time and waits for it; when none is free, the due times pile up and the
-- requests leave late, and the wait counts: latency runs from the earlier of a request's due
-- time and its actual sending (wrk's timer fires to the millisecond, up to one early), to its
-- answer (coordinated omission corrected). delay() and response() exist only in this mode, so
-- that the closed-loop runs keep wrk's plain path.
if rate then
    local ffi = require("ffi")
    ffi.cdef [[
        struct crm_timespec { long tv_sec; long tv_nsec; };
        int clock_gettime(int clock, struct crm_timespec *ts);
    ]]
    local ts = ffi.new("struct crm_timespec")
    local function now_us()
        ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
        return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
    end
    local interval_us = 1e6 / rate
    local start_us = nil
    local scheduled = 0 -- due times handed out
    local due, first_due, last_due = {}, 1, 0 -- handed out, not yet sent (oldest first)
    local due_of, sent_at = {}, {} -- request id -> when its latency starts, when it left
    local sent = 0
    latencies_us, sent_us = {}, {} -- globals: done() reads each thread's

    function delay()
        local now = now_us()
        start_us = start_us or now
        local at = start_us + scheduled * interval_us
        scheduled = scheduled + 1
        last_due = last_due + 1
        due[last_due] = at
        local wait_ms = (at - now) / 1000
        return wait_ms > 0 and math.floor(wait_ms) or 0
    end

    local make = request
    request = function()
        local now = now_us()
        local at = now
        if first_due <= last_due then -- the oldest due time goes to the first request out
            at = math.min(due[first_due], now)
            due[first_due] = nil
            first_due = first_due + 1
        end
        sent = sent + 1
        request_id = "ol-" .. sent
        due_of[request_id], sent_at[request_id] = at, now
        local r = make()
        request_id = nil
        return r
    end

    function response(status, headers, body)
        local id = headers["X-Request-Id"] or headers["x-request-id"]
        local at = id and due_of[id]
        if at then
            local now = now_us()
            latencies_us[#latencies_us + 1] = now - at
            sent_us[#sent_us + 1] = now - sent_at[id]
            due_of[id], sent_at[id] = nil, nil
        end
    end
end

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

-- "counter": how many numbered requests (creations, changes, bookings) the threads made,
-- answered or not, so that the next run starts past all of them. In the open loop, p50/p99/
-- p99.9 are counted from the due times, and "sent_*" from the sending (both on the monotonic
-- clock: wrk's own use the wall clock).
local function percentiles(name)
    local all = {}
    for _, thread in ipairs(threads) do
        for _, us in ipairs(thread:get(name) or {}) do
            all[#all + 1] = us
        end
    end
    table.sort(all)
    local function at(p)
        return #all > 0 and all[math.min(#all, math.floor(#all * p / 100) + 1)] or 0
    end
    return at(50), at(99), at(99.9), #all
end

function done(summary, latency, requests)
    local made, open = 0, ""
    for _, thread in ipairs(threads) do
        made = made + (thread:get("counter") or 0)
    end
    local p50, p99, p999 = latency:percentile(50), latency:percentile(99),
        latency:percentile(99.9)
    if rate then
        local s50, s99, s999 = percentiles("sent_us")
        local answered
        p50, p99, p999, answered = percentiles("latencies_us")
        open = string.format(", \"rate\": %.1f, \"answered\": %d, " ..
            "\"sent_p50_ms\": %.3f, \"sent_p99_ms\": %.3f, \"sent_p999_ms\": %.3f",
            rate, answered, s50 / 1000, s99 / 1000, s999 / 1000)
    end
    io.write(string.format(
        "JSON {\"requests\": %d, \"socket_errors\": %d, \"non2xx\": %d, \"seconds\": %.3f, " ..
        "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"counter\": %d%s}\n",
        summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write +
        summary.errors.timeout, summary.errors.status, summary.duration / 1e6,
        p50 / 1000, p99 / 1000, p999 / 1000, made, open))
end
