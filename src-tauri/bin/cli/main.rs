//! `numberdesk-cli`: NumberDesk from a terminal, for scripts and cron jobs (a nightly sync, an
//! export to a CRM). A second shell over the same [`App`] and the same data folder as the desktop
//! app, with no window and no Tauri: everything it does is one call into the core, and an error
//! prints the sentence the window would show, on stderr, with a non-zero exit code.
//!
//! Run `numberdesk-cli help` for the commands.

mod args;
mod print;

use numberdesk::domain::ids::WorkspaceId;
use std::io::Write;
use std::process::ExitCode;

use numberdesk::app::{default_paths, App, AppConfig};
use numberdesk::domain::failure::{ErrorKind, UserError};
use numberdesk::flows::import::{ImportProgress, ImportState};
use numberdesk::flows::sip::NumbersInput;
use numberdesk::logging::{self, Redactor};

use args::{Command, NumbersArgs, Workspace};

/// A failure of the CLI: the core's (with its kind) or the command line's.
enum Failure {
    Core { kind: ErrorKind, message: String },
    Usage(String),
    Io(std::io::Error),
    Interrupted,
}

impl<E: UserError> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure::Core {
            kind: error.kind(),
            message: error.user_message(),
        }
    }
}

impl Failure {
    /// Exit codes a script can branch on (README: "The CLI").
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Core { kind, .. } => match kind {
                ErrorKind::InvalidInput => 2,
                ErrorKind::NotFound => 3,
                ErrorKind::Conflict => 4,
                ErrorKind::KeyringUnavailable => 5,
                ErrorKind::Carrier => 6,
                ErrorKind::Storage => 7,
                ErrorKind::Internal => 70,
            },
            Failure::Io(_) => 74,
            Failure::Interrupted => 130,
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::Core { message, .. } => message.clone(),
            Failure::Usage(message) => format!("{message}\nRun `numberdesk-cli help` for usage."),
            Failure::Io(error) => format!("Could not write the output: {error}."),
            Failure::Interrupted => {
                "Stopped. The import is kept: run `numberdesk-cli import resume` to finish it."
                    .to_owned()
            }
        }
    }
}

fn main() -> ExitCode {
    let parsed = match args::parse(std::env::args_os().skip(1).collect()) {
        Ok(parsed) => parsed,
        Err(args::Usage(message)) => return fail(&Failure::Usage(message)),
    };
    let Some(command) = parsed else {
        print!("{}", args::HELP);
        return ExitCode::SUCCESS;
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&Failure::Io(error)),
    };
    match runtime.block_on(run(command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(&failure),
    }
}

fn fail(failure: &Failure) -> ExitCode {
    eprintln!("{}", failure.message());
    ExitCode::from(failure.exit_code())
}

async fn run(command: Command) -> Result<(), Failure> {
    let Some(paths) = default_paths() else {
        return Err(Failure::Usage(
            "No data folder could be found; set NUMBERDESK_DATA_DIR.".to_owned(),
        ));
    };
    let redactor = Redactor::new();
    // The same daily log files as the desktop app; a CLI that cannot log still works.
    let _log = logging::init(&paths.log_dir, redactor.clone()).ok();
    let app = App::open(AppConfig::from_env(paths, redactor))?;
    // Saved credentials go to these hosts: a script's log should say so.
    for (variable, url) in app.carrier_overrides() {
        eprintln!("note: {variable} is set: carrier calls go to {url}");
    }
    let result = dispatch(&app, command).await;
    app.shutdown().await;
    result
}

async fn dispatch(app: &App, command: Command) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match command {
        Command::WorkspacesList { json } => {
            let workspaces = app.workspaces().list().await?;
            print::workspaces(&mut out, &workspaces, json)?;
        }
        Command::NumbersList(numbers) => {
            let workspace_id = resolve(app, &numbers.workspace).await?;
            let filter = filter(app, workspace_id, &numbers).await?;
            print::numbers(
                &mut out,
                app,
                workspace_id,
                filter,
                numbers.sort,
                numbers.json,
            )
            .await?;
        }
        Command::NumbersExport { numbers, output } => {
            let workspace_id = resolve(app, &numbers.workspace).await?;
            let filter = filter(app, workspace_id, &numbers).await?;
            match output {
                Some(path) => {
                    let file = app
                        .numbers()
                        .export_to_file(workspace_id, filter, numbers.sort, &path)
                        .await?;
                    eprintln!("Exported {} numbers to {}.", file.count, file.path);
                }
                None => {
                    drop(out);
                    app.numbers()
                        .export_csv(workspace_id, filter, numbers.sort, std::io::stdout())
                        .await?;
                    return Ok(());
                }
            }
        }
        Command::Sync {
            workspace,
            connection,
            json,
        } => {
            let workspace_id = resolve(app, &workspace).await?;
            let result = app.carriers().sync(workspace_id, connection).await?;
            print::sync(&mut out, &result, json)?;
            if !result.errors.is_empty() {
                return Err(Failure::Core {
                    kind: ErrorKind::Carrier,
                    message: format!(
                        "{} of {} connections could not be synced.",
                        result.errors.len(),
                        result.errors.len() + result.reports.len()
                    ),
                });
            }
        }
        Command::ImportStart {
            workspace,
            connection,
            mode,
            numbers,
        } => {
            let workspace_id = resolve(app, &workspace).await?;
            let mode = numberdesk::flows::import::mode(&mode)?;
            let chosen = match numbers {
                Some(numbers) => numbers,
                None => {
                    let listed = app
                        .imports()
                        .list_importable(workspace_id, connection)
                        .await?;
                    listed
                        .numbers
                        .into_iter()
                        .filter(|c| !c.already_imported)
                        .map(|c| c.number.e164.into_string())
                        .collect()
                }
            };
            let id = app
                .imports()
                .start(workspace_id, connection, chosen, mode)
                .await?;
            eprintln!("Import {id} started.");
            follow(app, id).await?;
        }
        Command::ImportCsv {
            workspace,
            connection,
            file,
            preview,
        } => {
            let workspace_id = resolve(app, &workspace).await?;
            let bytes = std::fs::read(&file).map_err(|error| {
                Failure::Usage(format!("{} could not be read: {error}.", file.display()))
            })?;
            let input = NumbersInput::Csv(bytes);
            let trunks = app.trunks();
            if preview {
                let preview = trunks
                    .preview_numbers(workspace_id, connection, input)
                    .await?;
                eprintln!(
                    "{} rows can be added, {} cannot. Nothing was written.",
                    preview.good, preview.bad
                );
                print::left_out(&mut out, preview.bad_rows())?;
            } else {
                let added = trunks.add_numbers(workspace_id, connection, input).await?;
                eprintln!(
                    "Added {} numbers; {} rows left out.",
                    added.added.len(),
                    added.rejected.len()
                );
                print::left_out(&mut out, added.rejected.iter())?;
            }
        }
        Command::ImportResume => {
            let resumed = app.imports().resume().await?;
            if resumed.is_empty() {
                eprintln!("No import is waiting to be finished.");
            }
            for id in resumed {
                eprintln!("Import {id} resumed.");
                follow(app, id).await?;
            }
        }
        Command::OrdersProcess { workspace, number } => {
            let workspace_id = resolve(app, &workspace).await?;
            app.pool().load().await;
            let report = app.purchases().process(workspace_id, number).await?;
            print::orders(&mut out, &report)?;
        }
    }
    out.flush().map_err(Failure::Io)
}

/// Watches an import to its end with one progress line on stderr. Ctrl-C stops watching and
/// leaves the import in the journal, to be resumed.
async fn follow(app: &App, import_id: i64) -> Result<(), Failure> {
    let imports = app.imports();
    let watching = imports.watch(import_id, |progress| {
        print::progress_line(progress);
        true
    });
    let last: ImportProgress = tokio::select! {
        last = watching => last?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!();
            return Err(Failure::Interrupted);
        }
    };
    eprintln!();
    print::import_summary(&last);
    match last.state {
        ImportState::Finished if last.failed == 0 => Ok(()),
        ImportState::Finished => Err(Failure::Core {
            kind: ErrorKind::Carrier,
            message: format!(
                "{} of {} numbers could not be imported.",
                last.failed, last.total
            ),
        }),
        ImportState::Cancelled | ImportState::Running => Err(Failure::Interrupted),
    }
}

/// A workspace given by id or by name.
async fn resolve(app: &App, workspace: &Workspace) -> Result<WorkspaceId, Failure> {
    let workspaces = app.workspaces().list().await?;
    let found = match workspace {
        Workspace::Id(id) => workspaces.iter().find(|w| w.id == *id),
        Workspace::Name(name) => workspaces
            .iter()
            .find(|w| w.name.eq_ignore_ascii_case(name.trim())),
    };
    found.map(|w| w.id).ok_or_else(|| Failure::Core {
        kind: ErrorKind::NotFound,
        message: match workspace {
            Workspace::Id(id) => format!("There is no workspace {id}. `numberdesk-cli workspaces list` shows them."),
            Workspace::Name(name) => format!("There is no workspace called \"{name}\". `numberdesk-cli workspaces list` shows them."),
        },
    })
}

/// The table's filter from the command line; an agent may be named.
async fn filter(
    app: &App,
    workspace_id: WorkspaceId,
    numbers: &NumbersArgs,
) -> Result<numberdesk::flows::manage::table::NumberFilter, Failure> {
    let mut filter = numbers.filter.clone();
    if let Some(name) = &numbers.agent_name {
        let agents = app.agents().list(workspace_id).await?;
        let agent = agents
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| Failure::Core {
                kind: ErrorKind::NotFound,
                message: format!("This workspace has no agent called \"{name}\"."),
            })?;
        filter.agent = Some(numberdesk::flows::manage::table::AgentFilter::Agent(
            agent.id,
        ));
    }
    Ok(filter)
}
