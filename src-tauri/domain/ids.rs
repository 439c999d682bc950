//! Ids that are easy to mix up, each its own type: a connection id where a workspace id belongs
//! does not compile. They are the database's row ids (never reused), and travel as plain numbers
//! in JSON and SQL.

use std::fmt;

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

macro_rules! row_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map(Self)
            }
        }
    };
}

row_id! {
    /// A workspace (one client of an agency, or the Sandbox).
    WorkspaceId
}

row_id! {
    /// A carrier connection of a workspace.
    ConnectionId
}

row_id! {
    /// A phone number the workspace holds (a row of the numbers table, not the carrier's id).
    PhoneNumberId
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_numbers_in_json_and_sql() {
        let id = WorkspaceId(42);
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(
            serde_json::from_str::<ConnectionId>("7").unwrap(),
            ConnectionId(7)
        );
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let back: PhoneNumberId = db
            .query_row("SELECT ?1", [PhoneNumberId(9)], |row| row.get(0))
            .unwrap();
        assert_eq!(back, PhoneNumberId(9));
    }
}
