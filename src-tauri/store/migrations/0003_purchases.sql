-- Searching and buying numbers (marketplace and number pool), the credit ledger's billing periods,
-- and the cached inventory for offline browsing. Reuses orders, phone_numbers, credit_entries and
-- journal from 0001; adds only what they lack.

-- A number whose order failed stays in the table (with the carrier's reason) but is not held: the
-- same number may be bought again later. 0001's index counted failed rows as held.
DROP INDEX phone_numbers_held_once;
CREATE UNIQUE INDEX phone_numbers_held_once_v2 ON phone_numbers (workspace_id, e164)
    WHERE status NOT IN ('released', 'failed');
-- When a number left the workspace: renewals stop at the first period starting after it.
ALTER TABLE phone_numbers ADD COLUMN released_at TEXT;

-- The last time an order was compared with the carrier.
ALTER TABLE orders ADD COLUMN last_synced_at TEXT;

-- The calendar month (UTC, 'YYYY-MM') an allowance, reset or renewal entry belongs to.
ALTER TABLE credit_entries ADD COLUMN period TEXT;
-- Never granted, reset or renewed twice in one month; never charged or refunded twice per number
-- and order. The ledger itself refuses a second entry, whatever the code above it does.
CREATE UNIQUE INDEX credit_entries_once_per_period ON credit_entries (workspace_id, kind, period)
    WHERE kind IN ('allowance', 'reset');
CREATE UNIQUE INDEX credit_entries_renewal_once ON credit_entries (phone_number_id, period)
    WHERE kind = 'renewal';
CREATE UNIQUE INDEX credit_entries_charge_once ON credit_entries (order_id, e164, kind)
    WHERE kind IN ('purchase', 'refund');

-- Journal rows of one workspace still in flight (in-flight purchases hold their credits).
CREATE INDEX journal_workspace_state ON journal (workspace_id, state);

-- One search as last fetched from the carrier, for browsing offline. `query_key` is the
-- normalised search (country, area code, types, features, source).
CREATE TABLE searches (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    query_key    TEXT    NOT NULL,
    query_json   TEXT    NOT NULL,
    carrier      TEXT    NOT NULL CHECK (carrier IN ('twilio', 'telnyx')),
    fetched_at   TEXT    NOT NULL,
    UNIQUE (workspace_id, query_key)
);

CREATE TABLE search_results (
    search_id            INTEGER NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
    position             INTEGER NOT NULL,
    e164                 TEXT    NOT NULL,
    number_type          TEXT,
    country              TEXT,
    region               TEXT,
    locality             TEXT,
    feature_voice        INTEGER NOT NULL CHECK (feature_voice IN (0, 1)),
    feature_sms          INTEGER NOT NULL CHECK (feature_sms IN (0, 1)),
    feature_mms          INTEGER NOT NULL CHECK (feature_mms IN (0, 1)),
    monthly_cost_credits INTEGER CHECK (monthly_cost_credits >= 0),
    PRIMARY KEY (search_id, e164)
) WITHOUT ROWID;
CREATE INDEX search_results_e164 ON search_results (e164);
