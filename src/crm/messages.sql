-- messages.sql - statements of messages.c: the messages sent (or to be sent) to contacts

-- fragment: messages_page
-- A page of the tenant's outbox rows that are messages to contacts (SMS and email; webhooks
-- are not messages), newest first (created, then id), of contact $1 and in state $2 when
-- given, after the cursor ($3, $4), $6 rows: item, sort key, id and the subject (the contact,
-- when of a sensitive type). What a message said (subject, body) only with $5, for roles that
-- may read messages; recipient is where it went, null until it is sent.
SELECT (jsonb_build_object('id', o.id, 'kind', o.topic, 'channel', o.channel,
        'status', o.state, 'contact_id', o.contact_id, 'created_at', o.created_at,
        'send_at', o.send_at, 'sent_at', o.sent_at, 'attempts', o.attempts,
        'recipient', o.recipient, 'provider_status', o.provider_status,
        'error_code', o.error_code, 'last_error', o.last_error,
        'cancel_reason', o.cancel_reason)
        || CASE WHEN $5::boolean THEN jsonb_build_object('subject', o.subject, 'body', o.body)
            ELSE '{}' END)::json,
    o.created_at::text,
    o.id,
    CASE WHEN c.type = ANY (:sensitive_types) THEN c.id END
FROM outbox o
LEFT JOIN contacts c ON c.tenant_id = o.tenant_id AND c.id = o.contact_id
WHERE o.tenant_id = current_tenant_id()
    AND o.channel <> 'webhook'
    AND ($1::uuid IS NULL OR o.contact_id = $1::uuid)
    AND ($2::text IS NULL OR o.state = $2)
    AND ($3::text IS NULL OR (o.created_at, o.id) < ($3::timestamptz, $4::uuid))
ORDER BY o.created_at DESC, o.id DESC
LIMIT $6::int

-- name: messages_list
-- The page, written to the audit log by the same statement when it shows contacts of a
-- sensitive type: $7 the request's filters.
-- returns: j, k, id
:audited_page('outbox', $7, $6, :messages_page);
