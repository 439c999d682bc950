//! The Tauri shell: builds the window, opens the core's [`App`] once, and exposes it as commands.
//! The only code that names Tauri. A command takes its arguments, calls the App in one line and
//! maps the error; it decides nothing.

mod commands;
pub mod dto;
pub mod error;
mod settings;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{Emitter, Manager, WindowEvent};

use crate::app::{App, AppConfig, AppEvent};
use crate::logging::{self, LogGuard, Redactor};
use commands::{buy, import, manage, sip, workspaces};
use dto::SessionDto;
use error::IpcError;
use settings::{Settings, WindowSize};

/// Where CSV exports go instead of the Downloads folder.
const EXPORT_DIR_ENV: &str = "NUMBERDESK_EXPORT_DIR";

/// The event the UI hears when the background sync sees an order complete or fail.
const ORDERS_COMPLETED: &str = "orders-completed";
/// The window event an import resumed at start sends when it ends (its `ImportProgressDto`).
const IMPORT_FINISHED: &str = "import-finished";

/// Everything the commands share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    app: App,
    settings: Settings,
    /// Where CSV exports are written.
    export_dir: Arc<PathBuf>,
    _log: Arc<LogGuard>,
}

impl AppState {
    /// The workspaces and which one is open (the window remembers the last one used).
    async fn session(&self) -> Result<SessionDto, IpcError> {
        let remembered = self.settings.last_workspace();
        let session = self.app.workspaces().session(remembered).await?;
        if session.current != remembered {
            self.settings.set_last_workspace(session.current);
        }
        Ok(SessionDto {
            sandbox_enabled: session.sandbox_enabled,
            workspaces: session.workspaces.into_iter().map(Into::into).collect(),
            current_workspace_id: session.current,
            theme: self.settings.theme(),
            keyring_available: self.app.keyring_problem().is_none(),
            keyring_problem: self.app.keyring_problem().map(str::to_owned),
        })
    }
}

fn setup(tauri_app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let handle = tauri_app.handle().clone();
    let paths =
        crate::app::default_paths().ok_or("no data folder could be found for NumberDesk")?;
    let redactor = Redactor::new();
    let log = logging::init(&paths.log_dir, redactor.clone())?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %paths.data_dir.display(), "NumberDesk starting");

    let settings = Settings::open(&handle, &paths.data_dir)?;
    if let (Some(window), Some(size)) =
        (tauri_app.get_webview_window("main"), settings.window_size())
    {
        let _ = window.set_size(tauri::LogicalSize::new(size.width, size.height));
    }
    let export_dir = std::env::var_os(EXPORT_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| tauri_app.path().download_dir().ok())
        .unwrap_or_else(|| paths.data_dir.join("exports"));
    let app = App::open(AppConfig::from_env(paths, redactor))
        .inspect_err(|error| tracing::error!(%error, "could not open the database"))?;
    let state = AppState {
        app: app.clone(),
        settings: settings.clone(),
        export_dir: Arc::new(export_dir),
        _log: Arc::new(log),
    };
    tauri_app.manage(state);
    tauri::async_runtime::spawn(async move {
        if let Some(ids) = settings.legacy_pool_ids() {
            match app.pool().adopt_ids(ids).await {
                Ok(()) => settings.forget_legacy_pool_ids(),
                Err(error) => tracing::warn!(%error, "the number pool's ids stay in settings.json"),
            }
        }
        app.start_background(move |event| match event {
            AppEvent::OrderFinished(update) => {
                if let Err(error) = handle.emit(ORDERS_COMPLETED, update) {
                    tracing::warn!(%error, "could not tell the window an order finished");
                }
            }
            AppEvent::ImportFinished(progress) => {
                let progress = import::ImportProgressDto::from(progress);
                if let Err(error) = handle.emit(IMPORT_FINISHED, progress) {
                    tracing::warn!(%error, "could not tell the window an import finished");
                }
            }
        });
    });
    Ok(())
}

/// Remembers the window size when the user closes the window.
fn on_window_event(window: &tauri::Window, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { .. } = event {
        let (Some(state), Ok(size), Ok(scale)) = (
            window.try_state::<AppState>(),
            window.inner_size(),
            window.scale_factor(),
        ) else {
            return;
        };
        let size = size.to_logical::<f64>(scale);
        state.settings.set_window_size(WindowSize {
            width: size.width,
            height: size.height,
        });
    }
}

/// Starts the desktop app. Exits the process with a message if it cannot start.
pub fn run() {
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .setup(setup)
        .on_window_event(on_window_event)
        .invoke_handler(tauri::generate_handler![
            workspaces::get_session,
            workspaces::list_workspaces,
            workspaces::create_workspace,
            workspaces::rename_workspace,
            workspaces::update_workspace,
            workspaces::delete_workspace,
            workspaces::switch_workspace,
            workspaces::set_theme,
            workspaces::get_app_info,
            workspaces::enable_sandbox,
            workspaces::disable_sandbox,
            workspaces::list_connections,
            import::validate_credentials,
            import::check_texml_connection,
            import::connect_carrier,
            import::list_importable_numbers,
            import::preview_import,
            import::start_import,
            import::watch_import,
            import::cancel_import,
            import::list_imports,
            buy::list_countries,
            buy::search_numbers,
            buy::cached_search,
            buy::quote_purchase,
            buy::buy_number,
            buy::list_addresses,
            buy::list_bundles,
            buy::buy_from_pool,
            buy::process_orders,
            buy::list_orders,
            buy::release_number,
            buy::get_billing,
            buy::get_pool_settings,
            buy::save_pool_settings,
            buy::clear_pool_settings,
            manage::query_numbers,
            manage::number_ids,
            manage::number_rows,
            manage::number_sync_times,
            manage::export_numbers,
            manage::sync_with_carrier,
            manage::list_twilio_regions,
            manage::set_inbound_region,
            manage::add_regional_key,
            manage::list_agents,
            manage::create_agent,
            manage::rename_agent,
            manage::agent_holdings,
            manage::agent_deletion_impact,
            manage::delete_agent,
            manage::assign_agent,
            manage::set_allow_outbound,
            manage::query_audit,
            manage::export_audit,
            manage::list_audit_actions,
            manage::preview_disconnect,
            manage::disconnect_carrier,
            manage::check_number,
            manage::check_connection,
            manage::forwarding_guide,
            sip::connect_sip_trunk,
            sip::get_sip_trunk,
            sip::preview_trunk_numbers,
            sip::add_trunk_numbers,
            sip::sandbox_sip_trunk,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("NumberDesk could not start: {error}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    //! The command lists are written in four places; these keep them the same set, so the window
    //! may call exactly the commands the UI uses.
    use std::collections::{BTreeMap, BTreeSet};

    fn read(path: &str) -> String {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The quoted words after each `marker` in `text`.
    fn quoted_after(text: &str, marker: &str) -> BTreeSet<String> {
        text.match_indices(marker)
            .filter_map(|(at, _)| {
                let rest = &text[at + marker.len()..];
                rest.split('"').next().map(str::to_owned)
            })
            .collect()
    }

    fn handlers() -> BTreeSet<String> {
        let source = read("src-tauri/shell/mod.rs");
        let start = source.find("generate_handler![").expect("the handler list");
        let end = start + source[start..].find(']').expect("its end");
        source[start + "generate_handler![".len()..end]
            .split(',')
            .filter_map(|item| item.trim().rsplit("::").next())
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn ui_calls_handlers_build_list_and_capability_name_the_same_commands() {
        let handlers = handlers();
        let build = read("src-tauri/build.rs");
        let start = build
            .find("fn numberdesk_commands")
            .expect("the build list");
        let listed = quoted_after(&build[start..], "        \"");
        let capability: BTreeSet<String> =
            quoted_after(&read("src-tauri/capabilities/default.json"), "\"allow-")
                .into_iter()
                .map(|name| name.replace('-', "_"))
                .collect();
        let called = quoted_after(
            &["workspaces", "carriers", "buy", "manage"]
                .map(|area| read(&format!("ui/js/api/{area}.js")))
                .concat(),
            "call(\"",
        );
        assert!(handlers.len() > 40, "{handlers:?}");
        assert_eq!(listed, handlers, "build.rs against generate_handler!");
        assert_eq!(
            capability, handlers,
            "capabilities/default.json against generate_handler!"
        );
        assert_eq!(called, handlers, "ui/js/api.js against generate_handler!");
    }

    /// The argument names each command takes, from the Rust sources (Tauri turns `snake_case`
    /// parameters into `camelCase` keys; `State` is not an argument).
    fn command_arguments() -> BTreeMap<String, BTreeSet<String>> {
        let mut commands = BTreeMap::new();
        for area in ["workspaces", "import", "buy", "manage", "sip"] {
            let source = read(&format!("src-tauri/shell/commands/{area}.rs"));
            for (at, _) in source.match_indices("#[tauri::command]") {
                let rest = &source[at..];
                let name_at = rest.find("fn ").expect("a command fn") + 3;
                let open = rest.find('(').expect("its parameters");
                let name = rest[name_at..open].trim().to_owned();
                let close = open + rest[open..].find(')').expect("their end");
                let arguments = rest[open + 1..close]
                    .split(',')
                    .filter_map(|param| param.split_once(':'))
                    .filter(|(_, ty)| !ty.trim_start().starts_with("State<"))
                    .map(|(param, _)| camel(param.trim()))
                    .collect();
                commands.insert(name, arguments);
            }
        }
        commands
    }

    fn camel(snake: &str) -> String {
        let mut out = String::new();
        let mut upper = false;
        for c in snake.chars() {
            match c {
                '_' => upper = true,
                c if upper => {
                    out.extend(c.to_uppercase());
                    upper = false;
                }
                c => out.push(c),
            }
        }
        out
    }

    /// The argument keys each `call("name", { … })` of the UI passes.
    fn ui_arguments() -> BTreeMap<String, BTreeSet<String>> {
        let source = ["workspaces", "carriers", "buy", "manage"]
            .map(|area| read(&format!("ui/js/api/{area}.js")))
            .concat();
        let mut calls = BTreeMap::new();
        for (at, _) in source.match_indices("call(\"") {
            let rest = &source[at + "call(\"".len()..];
            let name = rest.split('"').next().unwrap_or_default().to_owned();
            let after = &rest[name.len() + 1..];
            let keys = match after.trim_start().strip_prefix(", {") {
                Some(object) => object
                    .split('}')
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(|entry| {
                        entry
                            .split(':')
                            .next()
                            .unwrap_or_default()
                            .trim()
                            .to_owned()
                    })
                    .filter(|key| !key.is_empty())
                    .collect(),
                None => BTreeSet::new(),
            };
            calls.insert(name, keys);
        }
        calls
    }

    #[test]
    fn every_ui_call_passes_exactly_the_arguments_its_command_takes() {
        let commands = command_arguments();
        let calls = ui_arguments();
        assert_eq!(
            commands.keys().collect::<Vec<_>>(),
            calls.keys().collect::<Vec<_>>(),
            "commands in shell/commands against calls in ui/js/api"
        );
        // A few rows spelled out, so a parser that found nothing cannot pass.
        let expected = [
            (
                "watch_import",
                vec!["importId", "onProgress", "workspaceId"],
            ),
            (
                "assign_agent",
                vec!["agentId", "numberIds", "slot", "workspaceId"],
            ),
            ("forwarding_guide", vec!["e164"]),
            ("get_session", vec![]),
        ];
        for (command, arguments) in expected {
            let wanted: BTreeSet<String> = arguments.into_iter().map(str::to_owned).collect();
            assert_eq!(commands[command], wanted, "{command}");
        }
        for (command, arguments) in &commands {
            assert_eq!(&calls[command], arguments, "arguments of {command}");
        }
    }
}
