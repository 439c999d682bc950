//! The command line of `numberdesk-cli`, parsed with pico-args into one [`Command`]. Unknown
//! words and flags are refused with a sentence, never ignored.

use numberdesk::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use std::ffi::OsString;
use std::path::PathBuf;

use numberdesk::domain::kinds::{CarrierKind, NumberStatus};
use numberdesk::flows::manage::table::{AgentFilter, NumberFilter, Sort, SortColumn};

pub const HELP: &str = "\
numberdesk-cli: NumberDesk from a terminal, on the desktop app's data folder
(NUMBERDESK_DATA_DIR picks another one).

USAGE
  numberdesk-cli workspaces list [--json]
  numberdesk-cli numbers list   --workspace W [FILTERS] [--sort COLUMN] [--desc] [--json]
  numberdesk-cli numbers export --workspace W [FILTERS] [--sort COLUMN] [--desc] [--output FILE]
  numberdesk-cli sync           --workspace W [--connection ID] [--json]
  numberdesk-cli import start   --workspace W --connection ID --mode outbound-only|managed
                                [--number E164]...
  numberdesk-cli import start   --workspace W --connection ID --csv FILE [--preview]
  numberdesk-cli import resume
  numberdesk-cli orders process --workspace W [--number ID]

  W is a workspace id or name. Without --number, `import start` imports every number of the
  connection's account that the workspace does not hold yet. Ctrl-C stops following an import
  and keeps it: `import resume` finishes it. `import start --csv` adds the numbers of a CSV
  file to a SIP trunk connection (a column named phone_number, number or e164, or the first
  column); every good row goes in one transaction and each bad row is listed with its line;
  --preview lists them and writes nothing. `numbers export` writes CSV to standard output
  unless --output names a file (written whole or not at all).

FILTERS (as the Phone Numbers table)
  --text TEXT        digits anywhere in the number, or text in the label or region
  --carrier C        twilio, telnyx or sip (repeatable)
  --status S         pending, active, failed, released or missing (repeatable)
  --type T           local, mobile, toll_free or national (repeatable)
  --agent A          an agent's name or id, or `none` for numbers without an agent
  --connection ID    numbers of one carrier connection
  --drifted          only numbers whose carrier settings drifted

EXIT CODES
  0 done, 2 invalid input, 3 not found, 4 conflict, 5 keyring unavailable, 6 carrier failure,
  7 storage failure, 70 internal error, 74 output not writable, 130 interrupted
";

/// A command line that cannot be run, and the sentence that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage(pub String);

impl From<&str> for Usage {
    fn from(text: &str) -> Self {
        Usage(text.to_owned())
    }
}

impl From<String> for Usage {
    fn from(text: String) -> Self {
        Usage(text)
    }
}

impl From<pico_args::Error> for Usage {
    fn from(error: pico_args::Error) -> Self {
        Usage(error.to_string())
    }
}

/// A workspace as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Workspace {
    Id(WorkspaceId),
    Name(String),
}

/// What `numbers list` and `numbers export` share.
#[derive(Debug, Clone)]
pub struct NumbersArgs {
    pub workspace: Workspace,
    pub filter: NumberFilter,
    /// An agent given by name, looked up in the workspace.
    pub agent_name: Option<String>,
    pub sort: Sort,
    pub json: bool,
}

#[derive(Debug)]
pub enum Command {
    WorkspacesList {
        json: bool,
    },
    NumbersList(NumbersArgs),
    NumbersExport {
        numbers: NumbersArgs,
        output: Option<PathBuf>,
    },
    Sync {
        workspace: Workspace,
        connection: Option<ConnectionId>,
        json: bool,
    },
    ImportStart {
        workspace: Workspace,
        connection: ConnectionId,
        mode: String,
        numbers: Option<Vec<String>>,
    },
    /// Numbers of a CSV file onto a SIP trunk connection.
    ImportCsv {
        workspace: Workspace,
        connection: ConnectionId,
        file: PathBuf,
        preview: bool,
    },
    ImportResume,
    OrdersProcess {
        workspace: Workspace,
        number: Option<PhoneNumberId>,
    },
}

/// The command to run, or `None` when the user asked for help.
pub fn parse(raw: Vec<OsString>) -> Result<Option<Command>, Usage> {
    let mut args = pico_args::Arguments::from_vec(raw);
    if args.contains(["-h", "--help"]) {
        return Ok(None);
    }
    let first = args.subcommand()?;
    let second = |args: &mut pico_args::Arguments| args.subcommand().map_err(Usage::from);
    let command = match first.as_deref() {
        None | Some("help") => return Ok(None),
        Some("workspaces") => match second(&mut args)?.as_deref() {
            Some("list") => Command::WorkspacesList {
                json: args.contains("--json"),
            },
            other => return Err(unknown("workspaces", other)),
        },
        Some("numbers") => match second(&mut args)?.as_deref() {
            Some("list") => Command::NumbersList(numbers(&mut args)?),
            Some("export") => {
                let output =
                    args.opt_value_from_os_str("--output", |s| Ok::<_, String>(PathBuf::from(s)))?;
                Command::NumbersExport {
                    numbers: numbers(&mut args)?,
                    output,
                }
            }
            other => return Err(unknown("numbers", other)),
        },
        Some("sync") => Command::Sync {
            workspace: workspace(&mut args)?,
            connection: optional_id(&mut args, "--connection")?,
            json: args.contains("--json"),
        },
        Some("import") => match second(&mut args)?.as_deref() {
            Some("start") => {
                let numbers: Vec<String> = args.values_from_str("--number")?;
                let csv =
                    args.opt_value_from_os_str("--csv", |s| Ok::<_, String>(PathBuf::from(s)))?;
                let preview = args.contains("--preview");
                if let Some(file) = csv {
                    if !numbers.is_empty() || args.contains("--mode") {
                        return Err(
                            "--csv takes its numbers from the file, and a SIP trunk has no --mode: nothing is changed at its carrier.".into(),
                        );
                    }
                    let command = Command::ImportCsv {
                        workspace: workspace(&mut args)?,
                        connection: optional_id(&mut args, "--connection")?
                            .ok_or("Name the SIP trunk connection with --connection ID.")?,
                        file,
                        preview,
                    };
                    return finish(args, command);
                }
                if preview {
                    return Err("--preview goes with --csv FILE.".into());
                }
                Command::ImportStart {
                    workspace: workspace(&mut args)?,
                    connection: optional_id(&mut args, "--connection")?
                        .ok_or("Name the carrier connection with --connection ID.")?,
                    mode: args
                        .opt_value_from_str("--mode")?
                        .ok_or("Choose --mode outbound-only or --mode managed.")?,
                    numbers: (!numbers.is_empty()).then_some(numbers),
                }
            }
            Some("resume") => Command::ImportResume,
            other => return Err(unknown("import", other)),
        },
        Some("orders") => match second(&mut args)?.as_deref() {
            Some("process") => Command::OrdersProcess {
                workspace: workspace(&mut args)?,
                number: optional_id(&mut args, "--number")?,
            },
            other => return Err(unknown("orders", other)),
        },
        Some(other) => return Err(Usage(format!("There is no command \"{other}\"."))),
    };
    finish(args, command)
}

/// The command, if nothing is left over on the line.
fn finish(args: pico_args::Arguments, command: Command) -> Result<Option<Command>, Usage> {
    let rest = args.finish();
    if let Some(extra) = rest.first() {
        return Err(Usage(format!(
            "\"{}\" is not an option of this command.",
            extra.to_string_lossy()
        )));
    }
    Ok(Some(command))
}

fn unknown(command: &str, sub: Option<&str>) -> Usage {
    Usage(match sub {
        Some(sub) => format!("`{command} {sub}` is not a command."),
        None => format!("`{command}` needs a subcommand."),
    })
}

fn workspace(args: &mut pico_args::Arguments) -> Result<Workspace, Usage> {
    let text: String = args
        .opt_value_from_str("--workspace")?
        .ok_or("Name the workspace with --workspace (its id or name).")?;
    Ok(match text.trim().parse::<i64>() {
        Ok(id) => Workspace::Id(WorkspaceId(id)),
        Err(_) => Workspace::Name(text),
    })
}

fn optional_id<T: From<i64>>(
    args: &mut pico_args::Arguments,
    flag: &'static str,
) -> Result<Option<T>, Usage> {
    let text: Option<String> = args.opt_value_from_str(flag)?;
    text.map(|t| {
        t.trim()
            .parse::<i64>()
            .map(T::from)
            .map_err(|_| Usage(format!("{flag} takes a number (got \"{t}\").")))
    })
    .transpose()
}

fn numbers(args: &mut pico_args::Arguments) -> Result<NumbersArgs, Usage> {
    let many =
        |args: &mut pico_args::Arguments, flag: &'static str| -> Result<Vec<String>, Usage> {
            let values: Vec<String> = args.values_from_str(flag)?;
            Ok(values
                .into_iter()
                .map(|v| v.trim().to_lowercase())
                .collect())
        };
    let carriers = many(args, "--carrier")?
        .iter()
        .map(|c| c.parse::<CarrierKind>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Usage(format!("--carrier is twilio, telnyx or sip ({e}).")))?;
    let statuses = many(args, "--status")?
        .iter()
        .map(|s| s.parse::<NumberStatus>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            let all: Vec<&str> = NumberStatus::ALL.iter().map(|s| s.as_str()).collect();
            Usage(format!("--status is one of {} ({e}).", all.join(", ")))
        })?;
    let types = many(args, "--type")?;
    let known_types = ["local", "mobile", "toll_free", "national"];
    if let Some(bad) = types.iter().find(|t| !known_types.contains(&t.as_str())) {
        return Err(Usage(format!(
            "--type is one of {} (got \"{bad}\").",
            known_types.join(", ")
        )));
    }
    let agent: Option<String> = args.opt_value_from_str("--agent")?;
    let (agent, agent_name) = match agent.as_deref().map(str::trim) {
        None => (None, None),
        Some("none") => (Some(AgentFilter::Unassigned), None),
        Some(text) => match text.parse::<i64>() {
            Ok(id) => (Some(AgentFilter::Agent(id)), None),
            Err(_) => (None, Some(text.to_owned())),
        },
    };
    let sort: Option<String> = args.opt_value_from_str("--sort")?;
    let column = match sort {
        None => SortColumn::default(),
        Some(text) => serde_json::from_value(serde_json::Value::String(text.clone()))
            .map_err(|_| Usage(format!("--sort cannot sort by \"{text}\".")))?,
    };
    Ok(NumbersArgs {
        workspace: workspace(args)?,
        filter: NumberFilter {
            text: args.opt_value_from_str("--text")?,
            carriers,
            statuses,
            types,
            agent,
            connection_id: optional_id(args, "--connection")?,
            drifted_only: args.contains("--drifted"),
        },
        agent_name,
        sort: Sort {
            column,
            descending: args.contains("--desc"),
        },
        json: args.contains("--json"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &[&str]) -> Result<Option<Command>, Usage> {
        parse(words.iter().map(OsString::from).collect())
    }

    #[test]
    fn numbers_list_takes_the_tables_filters() {
        let Ok(Some(Command::NumbersList(numbers))) = parse_words(&[
            "numbers",
            "list",
            "--workspace",
            "Acme",
            "--carrier",
            "Twilio",
            "--status",
            "missing",
            "--type",
            "local",
            "--agent",
            "none",
            "--text",
            "sales",
            "--sort",
            "monthly_cost",
            "--desc",
            "--json",
        ]) else {
            panic!("parsed");
        };
        assert_eq!(numbers.workspace, Workspace::Name("Acme".into()));
        assert_eq!(numbers.filter.carriers, vec![CarrierKind::Twilio]);
        assert_eq!(numbers.filter.statuses, vec![NumberStatus::Missing]);
        assert_eq!(numbers.filter.agent, Some(AgentFilter::Unassigned));
        assert_eq!(numbers.filter.text.as_deref(), Some("sales"));
        assert_eq!(numbers.sort.column, SortColumn::MonthlyCost);
        assert!(numbers.sort.descending && numbers.json);
    }

    #[test]
    fn wrong_words_are_refused_with_a_sentence() {
        let refused = |words: &[&str]| match parse_words(words) {
            Err(Usage(message)) => message,
            Ok(_) => panic!("{words:?} was accepted"),
        };
        assert!(refused(&["numbers", "list"]).contains("--workspace"));
        assert!(
            refused(&["numbers", "list", "--workspace", "1", "--carrier", "vonage"])
                .contains("twilio, telnyx or sip")
        );
        assert!(refused(&["sync", "--workspace", "1", "--connection", "x"]).contains("number"));
        assert!(refused(&["sync", "--workspace", "1", "--bogus"]).contains("--bogus"));
        assert!(
            refused(&["import", "start", "--workspace", "1", "--connection", "2"])
                .contains("--mode")
        );
        assert!(refused(&["frobnicate"]).contains("frobnicate"));
    }
}
