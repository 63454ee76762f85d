-- practitioners.sql - statements of practitioners.c: the tenant's active practitioners

-- name: practitioners_list
-- The tenant's practitioners whose user is active, as {"data": [{id, full_name, colour}]},
-- by name, then id.
-- returns: body
SELECT json_build_object('data', coalesce(json_agg(
    json_build_object('id', u.id, 'full_name', u.full_name, 'colour', p.colour)
    ORDER BY u.full_name, u.id), '[]')) AS body
FROM clinic_practitioners p
JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.id
WHERE p.tenant_id = current_tenant_id() AND u.active;
