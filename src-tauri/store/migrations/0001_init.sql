-- NumberDesk schema, version 1. Migrations are append-only: never edit a released file, add the next.
-- Every row below a workspace names it and goes when the workspace goes (ON DELETE CASCADE), so
-- nothing of one workspace can be reached from another. Credentials are NOT here: the keyring has
-- them, keyed by workspace id + connection id. AUTOINCREMENT keeps ids from ever being reused, so a
-- stale keyring entry can never be mistaken for a new connection's.

CREATE TABLE workspaces (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    name                     TEXT    NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 60),
    plan                     TEXT    NOT NULL CHECK (plan IN ('standard', 'unlimited')),
    monthly_credit_allowance INTEGER NOT NULL CHECK (monthly_credit_allowance >= 0),
    webhook_base_url         TEXT    NOT NULL CHECK (webhook_base_url LIKE 'https://%'),
    is_sandbox               INTEGER NOT NULL DEFAULT 0 CHECK (is_sandbox IN (0, 1)),
    created_at               TEXT    NOT NULL
);
CREATE UNIQUE INDEX workspaces_name_unique ON workspaces (name COLLATE NOCASE);

CREATE TABLE workspace_flags (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    flag         TEXT    NOT NULL,
    PRIMARY KEY (workspace_id, flag)
) WITHOUT ROWID;

-- A carrier account a workspace connected (bring your own carrier). Non-secret identifiers only.
CREATE TABLE carrier_connections (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id         INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    carrier              TEXT    NOT NULL CHECK (carrier IN ('twilio', 'telnyx')),
    name                 TEXT    NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 60),
    account_ref          TEXT,              -- Twilio Account SID; Telnyx has none to show
    texml_connection_id  TEXT,              -- Telnyx TeXML application (Connection ID)
    messaging_profile_id TEXT,              -- Telnyx messaging profile used for managed numbers
    is_sandbox           INTEGER NOT NULL DEFAULT 0 CHECK (is_sandbox IN (0, 1)),
    created_at           TEXT    NOT NULL,
    last_synced_at       TEXT,
    UNIQUE (workspace_id, name)
);
CREATE INDEX carrier_connections_workspace ON carrier_connections (workspace_id);

CREATE TABLE agents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 80),
    created_at   TEXT    NOT NULL,
    UNIQUE (workspace_id, name)
);

-- Purchase orders: a Twilio purchase (completes at once) or a Telnyx number order (async).
CREATE TABLE orders (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    carrier          TEXT    NOT NULL CHECK (carrier IN ('twilio', 'telnyx')),
    flow             TEXT    NOT NULL CHECK (flow IN ('pool', 'marketplace')),
    connection_id    INTEGER REFERENCES carrier_connections (id) ON DELETE SET NULL,
    carrier_order_id TEXT,
    idempotency_key  TEXT    NOT NULL UNIQUE,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'success', 'failure')),
    failure_reason   TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX orders_pending ON orders (workspace_id, status);

CREATE TABLE phone_numbers (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id         INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    e164                 TEXT    NOT NULL CHECK (e164 GLOB '+[1-9][0-9]*' AND length(e164) BETWEEN 8 AND 16),
    carrier              TEXT    NOT NULL CHECK (carrier IN ('twilio', 'telnyx')),
    source               TEXT    NOT NULL CHECK (source IN ('pool', 'marketplace', 'imported')),
    connection_id        INTEGER REFERENCES carrier_connections (id) ON DELETE CASCADE,
    order_id             INTEGER REFERENCES orders (id) ON DELETE SET NULL,
    status               TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'failed', 'released', 'missing')),
    number_type          TEXT    CHECK (number_type IN ('local', 'mobile', 'toll_free', 'national')),
    region               TEXT,
    feature_voice        INTEGER NOT NULL DEFAULT 0 CHECK (feature_voice IN (0, 1)),
    feature_sms          INTEGER NOT NULL DEFAULT 0 CHECK (feature_sms IN (0, 1)),
    feature_mms          INTEGER NOT NULL DEFAULT 0 CHECK (feature_mms IN (0, 1)),
    monthly_cost_credits INTEGER NOT NULL DEFAULT 0 CHECK (monthly_cost_credits >= 0),
    carrier_number_id    TEXT,              -- Twilio PN... sid, Telnyx phone number id
    carrier_order_ref    TEXT,              -- Telnyx number order id while pending
    webhook_mode         TEXT    NOT NULL DEFAULT 'outbound_only' CHECK (webhook_mode IN ('outbound_only', 'managed')),
    inbound_region       TEXT,              -- Twilio Routes v2 voice region
    inbound_agent_id     INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    outbound_agent_id    INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    sms_agent_id         INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    allow_outbound       INTEGER NOT NULL DEFAULT 1 CHECK (allow_outbound IN (0, 1)),
    failure_reason       TEXT,
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL,
    last_synced_at       TEXT
);
-- A number is held once per workspace until it is released.
CREATE UNIQUE INDEX phone_numbers_held_once ON phone_numbers (workspace_id, e164) WHERE status <> 'released';
CREATE INDEX phone_numbers_workspace_status ON phone_numbers (workspace_id, status);
CREATE INDEX phone_numbers_connection ON phone_numbers (connection_id);

-- The carrier's configuration of a number as it was before NumberDesk changed it, for restore.
CREATE TABLE carrier_snapshots (
    phone_number_id INTEGER PRIMARY KEY REFERENCES phone_numbers (id) ON DELETE CASCADE,
    taken_at        TEXT NOT NULL,
    config_json     TEXT NOT NULL
);

-- Credits are a ledger, never a counter: the balance is the sum of the amounts.
CREATE TABLE credit_entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    at              TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('allowance', 'purchase', 'renewal', 'refund', 'reset')),
    amount          INTEGER NOT NULL,
    phone_number_id INTEGER REFERENCES phone_numbers (id) ON DELETE SET NULL,
    e164            TEXT,
    order_id        INTEGER REFERENCES orders (id) ON DELETE SET NULL,
    note            TEXT
);
CREATE INDEX credit_entries_workspace ON credit_entries (workspace_id, at);

-- Intent written before any side effect at a carrier (buy, webhook update, release, restore),
-- marked done after; unfinished rows are reconciled with the carrier on start.
CREATE TABLE journal (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    state           TEXT    NOT NULL CHECK (state IN ('intent', 'done', 'failed')),
    payload_json    TEXT    NOT NULL,
    outcome         TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX journal_unfinished ON journal (state) WHERE state = 'intent';
