-- Settings of the core that are not secrets and outlive any one window: the number pool's
-- TeXML application and messaging profile (its API key is a keyring entry of its own). One JSON
-- value per key, so a new setting needs no migration.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
