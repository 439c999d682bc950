-- Importing numbers a user already owns (bring your own carrier), journalled so that an import
-- killed half-way finishes on the next start with no number lost or imported twice.

-- What the carrier calls the connected account ("Acme Production"), shown on its tile.
ALTER TABLE carrier_connections ADD COLUMN account_name TEXT;
-- The carrier's own label for a number (untrusted text: the UI renders it as text only).
ALTER TABLE phone_numbers ADD COLUMN friendly_name TEXT;

CREATE TABLE imports (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    connection_id INTEGER NOT NULL REFERENCES carrier_connections (id) ON DELETE CASCADE,
    webhook_mode  TEXT    NOT NULL CHECK (webhook_mode IN ('outbound_only', 'managed')),
    -- running: items are still pending; the app resumes it at start.
    state         TEXT    NOT NULL CHECK (state IN ('running', 'cancelled', 'finished')),
    -- The carrier configuration "managed" mode sets, fixed when the import starts.
    target_json   TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    finished_at   TEXT
);
CREATE INDEX imports_running ON imports (state) WHERE state = 'running';

CREATE TABLE import_items (
    import_id         INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    e164              TEXT    NOT NULL,
    carrier_number_id TEXT    NOT NULL,
    -- The number as the carrier listed it when the import started (type, region, features...).
    number_json       TEXT    NOT NULL,
    state             TEXT    NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'cancelled')),
    -- The carrier's configuration before NumberDesk changed it. Written BEFORE the change, so a
    -- crash between the change and the commit still restores what the user had, not our values.
    snapshot_json     TEXT,
    reason            TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    updated_at        TEXT    NOT NULL,
    PRIMARY KEY (import_id, e164)
) WITHOUT ROWID;
CREATE INDEX import_items_pending ON import_items (import_id, state);
