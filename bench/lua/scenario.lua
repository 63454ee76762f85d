-- scenario.lua - the load of one benchmark scenario for wrk. bench/run.py writes the data
-- file (CRM_BENCH_DATA: tokens of several tenants, their contact counts, practitioners, a deep
-- cursor) and names the scenario (CRM_BENCH_SCENARIO). Contact ids are computed as the seed
-- made them: c<tenant, 7 hex>-0000-4000-8000-<i, 12 digits>; i % 5 < 3 are patients.
local D = dofile(os.getenv("CRM_BENCH_DATA"))
local scenario = os.getenv("CRM_BENCH_SCENARIO")
counter = 0 -- global: done() reads each thread's through thread:get
math.randomseed(os.time() + tonumber(D.run))

local function contact_id(t, i)
    return string.format("c%07x-0000-4000-8000-%012d", t.n, i)
end

local function headers(t, json)
    local h = {["Authorization"] = "Bearer " .. t.token}
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

-- each contact once, from a starting point the runner moves on between runs
handlers.patch_contact = function()
    counter = counter + 1
    local t = D.big
    local h = headers(t, true)
    h["If-Match"] = '"1"'
    return wrk.format("PATCH", "/api/v1/contacts/" .. contact_id(t, D.patch_from + counter), h,
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

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

-- "counter": how many numbered requests (creations, changes, bookings) the threads made,
-- answered or not, so that the next run starts past all of them
function done(summary, latency, requests)
    local made = 0
    for _, thread in ipairs(threads) do
        made = made + (thread:get("counter") or 0)
    end
    io.write(string.format(
        "JSON {\"requests\": %d, \"socket_errors\": %d, \"non2xx\": %d, \"seconds\": %.3f, " ..
        "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"counter\": %d}\n",
        summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write +
        summary.errors.timeout, summary.errors.status, summary.duration / 1e6,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        latency:percentile(99.9) / 1000, made))
end
