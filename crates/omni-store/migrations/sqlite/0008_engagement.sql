-- Conversations across channels: one thread per customer (or unknown handle) at a time.
CREATE TABLE conversations (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    id              TEXT NOT NULL,
    customer_id     TEXT,
    handle          TEXT,
    status          TEXT NOT NULL,
    queue           TEXT NOT NULL,
    human_involved  INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    doc             TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX conversations_by_customer ON conversations (tenant_id, customer_id, last_message_at);
CREATE INDEX conversations_by_handle ON conversations (tenant_id, handle, last_message_at);
CREATE INDEX conversations_by_queue ON conversations (tenant_id, status, queue, last_message_at);

CREATE TABLE messages (
    tenant_id       TEXT NOT NULL,
    id              TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    doc             TEXT NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX messages_by_conversation ON messages (tenant_id, conversation_id, at, id);

-- Remote consultation requests; "open" ones are what free associates see.
CREATE TABLE consultations (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    id           TEXT NOT NULL,
    skill        TEXT NOT NULL,
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX consultations_open ON consultations (tenant_id, status, skill, requested_at);

-- What each associate (by key) can advise on, and whether they are free now.
CREATE TABLE associate_skills (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    key_id     TEXT NOT NULL,
    skills     TEXT NOT NULL,
    available  INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key_id)
);
