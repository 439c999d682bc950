//! Settings that are not secrets (theme, last workspace, window size), kept with
//! tauri-plugin-store in `settings.json` beside the database.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Wry};
use tauri_plugin_store::{Store, StoreExt};

const THEME: &str = "theme";
const LAST_WORKSPACE: &str = "lastWorkspaceId";
const WINDOW_SIZE: &str = "windowSize";
const POOL: &str = "numberPool";

/// The non-secret half of the number pool's Telnyx account (its API key is in the keyring).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolIds {
    pub texml_connection_id: Option<String>,
    pub messaging_profile_id: Option<String>,
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

    fn set(&self, key: &str, value: impl Serialize) {
        match serde_json::to_value(value) {
            Ok(value) => {
                self.store.set(key, value);
                if let Err(error) = self.store.save() {
                    tracing::warn!(%error, key, "could not save a setting");
                }
            }
            Err(error) => tracing::warn!(%error, key, "could not encode a setting"),
        }
    }

    pub fn theme(&self) -> Theme {
        self.get(THEME).unwrap_or_default()
    }

    pub fn set_theme(&self, theme: Theme) {
        self.set(THEME, theme);
    }

    pub fn last_workspace(&self) -> Option<i64> {
        self.get(LAST_WORKSPACE)
    }

    pub fn set_last_workspace(&self, id: Option<i64>) {
        self.set(LAST_WORKSPACE, id);
    }

    pub fn window_size(&self) -> Option<WindowSize> {
        self.get(WINDOW_SIZE)
    }

    pub fn set_window_size(&self, size: WindowSize) {
        self.set(WINDOW_SIZE, size);
    }

    pub fn pool_ids(&self) -> Option<PoolIds> {
        self.get(POOL)
    }

    pub fn set_pool_ids(&self, ids: Option<&PoolIds>) {
        self.set(POOL, ids);
    }
}
