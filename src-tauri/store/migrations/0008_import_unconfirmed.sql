-- A number of a managed import whose change at the carrier may have gone through although the
-- call failed (a lost answer, or Telnyx's messaging PATCH failing after the connection PATCH) is
-- recorded at once with its snapshot, and its item is 'unconfirmed' until the reconciler has
-- asked the carrier. SQLite cannot change a CHECK, so the table is made again with its rows.
CREATE TABLE import_items_v2 (
    import_id         INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    e164              TEXT    NOT NULL,
    carrier_number_id TEXT    NOT NULL,
    number_json       TEXT    NOT NULL,
    state             TEXT    NOT NULL
        CHECK (state IN ('pending', 'done', 'failed', 'cancelled', 'unconfirmed')),
    snapshot_json     TEXT,
    reason            TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    updated_at        TEXT    NOT NULL,
    PRIMARY KEY (import_id, e164)
) WITHOUT ROWID;
INSERT INTO import_items_v2 (import_id, e164, carrier_number_id, number_json, state,
        snapshot_json, reason, attempts, updated_at)
    SELECT import_id, e164, carrier_number_id, number_json, state, snapshot_json, reason,
        attempts, updated_at
    FROM import_items;
DROP TABLE import_items;
ALTER TABLE import_items_v2 RENAME TO import_items;
CREATE INDEX import_items_pending ON import_items (import_id, state);
