//! The window's own preferences (theme, last workspace, window size), kept with
//! tauri-plugin-store in `settings.json` beside the database. Settings of the core (the number
//! pool's ids) live in the database, where the CLI reads them too.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Wry};
use tauri_plugin_store::{Store, StoreExt};

use crate::app::PoolIds;
use crate::domain::ids::WorkspaceId;

const THEME: &str = "theme";
const LAST_WORKSPACE: &str = "lastWorkspaceId";
const WINDOW_SIZE: &str = "windowSize";
const POOL: &str = "numberPool";

/// The number pool's ids as an older NumberDesk kept them here (camelCase).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LegacyPoolIds {
    texml_connection_id: Option<String>,
    messaging_profile_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WindowSize {
    pub width: f64,
    pub height: f64,
}

#[derive(Clone)]
pub struct Settings {
    store: Arc<Store<Wry>>,
}

impl Settings {
    pub fn open(app: &AppHandle, data_dir: &Path) -> Result<Self, tauri_plugin_store::Error> {
        let store = app.store(data_dir.join("settings.json"))?;
        Ok(Self { store })
    }

    fn get<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Option<T> {
        self.store
            .get(key)
            .and_then(|value| serde_json::from_value(value).ok())
    }

    /// Sets a value; the plugin writes the file shortly after (its debounced auto-save), off the
    /// caller's path.
    fn set(&self, key: &str, value: impl Serialize) {
        match serde_json::to_value(value) {
            Ok(value) => self.store.set(key, value),
            Err(error) => tracing::warn!(%error, key, "could not encode a setting"),
        }
    }

    /// Writes the file now (the window is closing, and the process may end before an auto-save).
    fn save_now(&self) {
        if let Err(error) = self.store.save() {
            tracing::warn!(%error, "could not save the settings file");
        }
    }

    pub fn theme(&self) -> Theme {
        self.get(THEME).unwrap_or_default()
    }

    pub fn set_theme(&self, theme: Theme) {
        self.set(THEME, theme);
    }

    pub fn last_workspace(&self) -> Option<WorkspaceId> {
        self.get(LAST_WORKSPACE)
    }

    pub fn set_last_workspace(&self, id: Option<WorkspaceId>) {
        self.set(LAST_WORKSPACE, id);
    }

    pub fn window_size(&self) -> Option<WindowSize> {
        self.get(WINDOW_SIZE)
    }

    pub fn set_window_size(&self, size: WindowSize) {
        self.set(WINDOW_SIZE, size);
        self.save_now();
    }

    /// The number pool's ids an older NumberDesk saved here, for the core to keep.
    pub fn legacy_pool_ids(&self) -> Option<PoolIds> {
        let ids: LegacyPoolIds = self.get(POOL)?;
        Some(PoolIds {
            texml_connection_id: ids.texml_connection_id,
            messaging_profile_id: ids.messaging_profile_id,
        })
    }

    /// Forgets them once the core kept them.
    pub fn forget_legacy_pool_ids(&self) {
        self.store.delete(POOL);
    }
}
