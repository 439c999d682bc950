-- Managing owned numbers: the table's sort and filter indexes (100,000 rows per workspace), sync
-- state (missing at the carrier, drift from what NumberDesk set), the agent sort key and the audit
-- log. Append-only like every migration.

-- When a sync last found the number gone from the carrier account (status 'missing' since then).
ALTER TABLE phone_numbers ADD COLUMN missing_since TEXT;
-- Drift: what differs between what NumberDesk set at the carrier and what the carrier has now, as
-- a JSON list of {field, label, numberdesk_set, carrier_has}; NULL when nothing differs.
ALTER TABLE phone_numbers ADD COLUMN drift_json TEXT;
ALTER TABLE phone_numbers ADD COLUMN drifted_at TEXT;
-- The inbound agent's name, kept by the triggers below so that sorting by agent uses an index
-- instead of sorting 100,000 joined rows.
ALTER TABLE phone_numbers ADD COLUMN agent_sort TEXT COLLATE NOCASE;

-- One index per sortable column, led by the workspace (every query is scoped by it). SQLite
-- appends the rowid to every index, so (workspace_id, column) also orders ties by id, which the
-- table uses as its stable tie-break: a page is read by walking the index, never by sorting.
CREATE INDEX phone_numbers_sort_e164 ON phone_numbers (workspace_id, e164);
CREATE INDEX phone_numbers_sort_carrier ON phone_numbers (workspace_id, carrier);
CREATE INDEX phone_numbers_sort_source ON phone_numbers (workspace_id, source);
CREATE INDEX phone_numbers_sort_type ON phone_numbers (workspace_id, number_type);
CREATE INDEX phone_numbers_sort_region ON phone_numbers (workspace_id, region);
CREATE INDEX phone_numbers_sort_features ON phone_numbers (workspace_id, feature_voice, feature_sms, feature_mms);
CREATE INDEX phone_numbers_sort_agent ON phone_numbers (workspace_id, agent_sort);
CREATE INDEX phone_numbers_sort_inbound_region ON phone_numbers (workspace_id, inbound_region);
CREATE INDEX phone_numbers_sort_webhook_mode ON phone_numbers (workspace_id, webhook_mode);
CREATE INDEX phone_numbers_sort_cost ON phone_numbers (workspace_id, monthly_cost_credits);
CREATE INDEX phone_numbers_sort_synced ON phone_numbers (workspace_id, last_synced_at);
-- Agent filters and "which numbers does this agent hold" (any of the three slots).
CREATE INDEX phone_numbers_inbound_agent ON phone_numbers (inbound_agent_id) WHERE inbound_agent_id IS NOT NULL;
CREATE INDEX phone_numbers_outbound_agent ON phone_numbers (outbound_agent_id) WHERE outbound_agent_id IS NOT NULL;
CREATE INDEX phone_numbers_sms_agent ON phone_numbers (sms_agent_id) WHERE sms_agent_id IS NOT NULL;
CREATE INDEX phone_numbers_drifted ON phone_numbers (workspace_id) WHERE drift_json IS NOT NULL;
-- Counting the carrier/status/type facets from the index alone, without reading rows.
CREATE INDEX phone_numbers_facets ON phone_numbers (workspace_id, status, carrier, number_type);
-- "No agent": the three slots empty (the filter names exactly these terms, so this index is used).
CREATE INDEX phone_numbers_unassigned ON phone_numbers (workspace_id)
    WHERE inbound_agent_id IS NULL AND outbound_agent_id IS NULL AND sms_agent_id IS NULL;

-- The table's text search: a trigram full-text index (FTS5) over one line per number (digits of
-- the number, its label and region in ASCII lower case), rowid = the number's id, kept by
-- triggers. A substring of three or more characters is found through the index instead of by
-- reading 100,000 rows.
CREATE VIRTUAL TABLE phone_number_search USING fts5(haystack, tokenize = 'trigram');

INSERT INTO phone_number_search (rowid, haystack)
SELECT id, substr(e164, 2) || ' ' || lower(coalesce(friendly_name, '')) || ' ' || lower(coalesce(region, ''))
FROM phone_numbers;

CREATE TRIGGER phone_number_search_insert AFTER INSERT ON phone_numbers
BEGIN
    INSERT INTO phone_number_search (rowid, haystack)
    VALUES (NEW.id, substr(NEW.e164, 2) || ' ' || lower(coalesce(NEW.friendly_name, '')) || ' ' || lower(coalesce(NEW.region, '')));
END;

CREATE TRIGGER phone_number_search_update AFTER UPDATE OF e164, friendly_name, region ON phone_numbers
BEGIN
    UPDATE phone_number_search
    SET haystack = substr(NEW.e164, 2) || ' ' || lower(coalesce(NEW.friendly_name, '')) || ' ' || lower(coalesce(NEW.region, ''))
    WHERE rowid = NEW.id;
END;

-- Also runs for the cascade when a connection or a workspace is deleted.
CREATE TRIGGER phone_number_search_delete AFTER DELETE ON phone_numbers
BEGIN
    DELETE FROM phone_number_search WHERE rowid = OLD.id;
END;

-- The agent sort key: the inbound agent's name, kept by these triggers.
UPDATE phone_numbers SET agent_sort = (SELECT name FROM agents WHERE agents.id = phone_numbers.inbound_agent_id);

CREATE TRIGGER phone_numbers_agent_sort_insert AFTER INSERT ON phone_numbers
WHEN NEW.inbound_agent_id IS NOT NULL
BEGIN
    UPDATE phone_numbers SET agent_sort = (SELECT name FROM agents WHERE id = NEW.inbound_agent_id)
    WHERE id = NEW.id;
END;

-- Also fires for ON DELETE SET NULL when an agent is deleted.
CREATE TRIGGER phone_numbers_agent_sort_assign AFTER UPDATE OF inbound_agent_id ON phone_numbers
BEGIN
    UPDATE phone_numbers SET agent_sort = (SELECT name FROM agents WHERE id = NEW.inbound_agent_id)
    WHERE id = NEW.id;
END;

CREATE TRIGGER agents_rename_agent_sort AFTER UPDATE OF name ON agents
BEGIN
    UPDATE phone_numbers SET agent_sort = NEW.name WHERE inbound_agent_id = NEW.id;
END;

-- Every change NumberDesk makes, locally or at a carrier, per workspace. Never a secret: the
-- writer passes every text through the log redactor as well.
CREATE TABLE audit_entries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    at            TEXT    NOT NULL,
    -- import, purchase, release, webhook_update, restore, region_change, assignment,
    -- outbound_switch, agent_created, agent_renamed, agent_deleted, sync, disconnect
    action        TEXT    NOT NULL,
    -- 'local' or 'twilio' / 'telnyx' when the change was made at a carrier.
    target        TEXT    NOT NULL,
    -- The connection's name at the time (connections can be deleted; the log stays).
    connection    TEXT,
    summary       TEXT    NOT NULL,
    before_json   TEXT,
    after_json    TEXT,
    number_count  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX audit_entries_workspace_at ON audit_entries (workspace_id, at DESC, id DESC);
CREATE INDEX audit_entries_workspace_action ON audit_entries (workspace_id, action, at);

-- Which numbers an entry touched (E.164 as it was: numbers can be deleted, the log stays).
CREATE TABLE audit_numbers (
    entry_id INTEGER NOT NULL REFERENCES audit_entries (id) ON DELETE CASCADE,
    e164     TEXT    NOT NULL,
    PRIMARY KEY (entry_id, e164)
) WITHOUT ROWID;
CREATE INDEX audit_numbers_e164 ON audit_numbers (e164, entry_id);
