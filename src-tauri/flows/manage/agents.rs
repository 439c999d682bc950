//! Voice agents of a workspace and their hold on numbers: create, rename and delete agents; put an
//! agent in a number's inbound, outbound or SMS slot; switch outbound calls on or off. Every change
//! is written with its audit entry in one transaction. Local only: nothing here calls a carrier.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{PhoneNumberId, WorkspaceId};
use serde::Serialize;

use crate::app::blocking::TaskFailed;
use crate::app::context::Context;
use crate::flows::audit::{record_in, AuditAction, AuditRecord, AuditTarget};
use crate::store::agents::{self as rows, AgentRow, Holding, Slot};
use crate::store::StoreError;

pub use crate::store::agents::{AgentRow as Agent, Holding as AgentHolding, Slot as AgentSlot};

const NAME_MAX: usize = 80;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("Give the agent a name, for example \"Front desk\".")]
    EmptyName,
    #[error("An agent name can be at most 80 characters.")]
    NameTooLong,
    #[error("An agent called \"{0}\" already exists in this workspace. Pick another name.")]
    NameTaken(String),
    #[error("This agent no longer exists.")]
    NotFound,
    #[error("Pick at least one number.")]
    NoNumbers,
    #[error("{count} of the chosen numbers are not in this workspace any more. Reload the table and try again.")]
    UnknownNumbers { count: usize },
    #[error("\"{name}\" is the agent of {}: {}. Deleting it leaves {} without this agent; confirm to go ahead.", plural(.numbers.len()), listed(.numbers), if .numbers.len() == 1 { "that number" } else { "those numbers" })]
    HoldsNumbers { name: String, numbers: Vec<String> },
    #[error("Choose the inbound, outbound or SMS agent slot.")]
    UnknownSlot,
    #[error("The agents could not be saved: {0}")]
    Store(StoreError),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for AgentError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::NotFound => Classified::Kind(ErrorKind::NotFound),
            Self::NameTaken(_) | Self::HoldsNumbers { .. } => Classified::Kind(ErrorKind::Conflict),
            Self::EmptyName
            | Self::NameTooLong
            | Self::NoNumbers
            | Self::UnknownNumbers { .. }
            | Self::UnknownSlot => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

impl From<StoreError> for AgentError {
    fn from(error: StoreError) -> Self {
        AgentError::Store(error)
    }
}

/// Each id once: a number picked twice is one number (and is looked up once).
fn distinct(ids: &[PhoneNumberId]) -> Vec<PhoneNumberId> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn plural(count: usize) -> String {
    if count == 1 {
        "1 number".to_owned()
    } else {
        format!("{count} numbers")
    }
}

/// The first ten numbers, then how many more.
fn listed(numbers: &[String]) -> String {
    const SHOWN: usize = 10;
    if numbers.len() <= SHOWN {
        numbers.join(", ")
    } else {
        format!(
            "{} and {} more",
            numbers[..SHOWN].join(", "),
            numbers.len() - SHOWN
        )
    }
}

fn valid_name(name: &str) -> Result<String, AgentError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AgentError::EmptyName);
    }
    if name.chars().count() > NAME_MAX {
        return Err(AgentError::NameTooLong);
    }
    Ok(name.to_owned())
}

/// What deleting an agent would take away, for the confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletionImpact {
    pub agent: AgentRow,
    pub holdings: Vec<Holding>,
}

/// What an assignment changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignmentOutcome {
    /// Numbers whose slot now holds the agent (or nobody).
    pub changed: Vec<String>,
    /// Numbers that already had it.
    pub unchanged: Vec<String>,
}

/// The slot named `text` (`inbound`, `outbound` or `sms`).
pub fn slot(text: &str) -> Result<Slot, AgentError> {
    Slot::ALL
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or(AgentError::UnknownSlot)
}

pub struct Agents<'a> {
    ctx: &'a Context,
}

impl<'a> Agents<'a> {
    pub fn new(ctx: &'a Context) -> Self {
        Self { ctx }
    }

    pub fn list(&self, workspace_id: WorkspaceId) -> Result<Vec<AgentRow>, AgentError> {
        Ok(self.ctx.store.read(|c| rows::list(c, workspace_id))?)
    }

    pub fn get(&self, workspace_id: WorkspaceId, id: i64) -> Result<AgentRow, AgentError> {
        self.ctx
            .store
            .read(|c| rows::get(c, workspace_id, id))?
            .ok_or(AgentError::NotFound)
    }

    /// The numbers holding the agent and in which slots (the agent page's list).
    pub fn holdings(&self, workspace_id: WorkspaceId, id: i64) -> Result<Vec<Holding>, AgentError> {
        self.get(workspace_id, id)?;
        Ok(self
            .ctx
            .store
            .read(|c| rows::holdings(c, workspace_id, id))?)
    }

    pub fn create(&self, workspace_id: WorkspaceId, name: &str) -> Result<AgentRow, AgentError> {
        let name = valid_name(name)?;
        let now = self.ctx.clock.now();
        self.ctx.store.write(|tx| {
            refuse_taken(tx, workspace_id, None, &name)?;
            let id = rows::insert(tx, workspace_id, &name, now).map_err(|e| taken(e, &name))?;
            record_in(
                tx,
                &self.ctx.redactor,
                workspace_id,
                &AuditRecord::new(
                    AuditAction::AgentCreated,
                    AuditTarget::Local,
                    format!("Created agent \"{name}\"."),
                )
                .before_after(None, Some(serde_json::json!({"id": id, "name": name}))),
                now,
            )?;
            rows::get(tx, workspace_id, id)?.ok_or(AgentError::NotFound)
        })
    }

    pub fn rename(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
        name: &str,
    ) -> Result<AgentRow, AgentError> {
        let name = valid_name(name)?;
        let now = self.ctx.clock.now();
        self.ctx.store.write(|tx| {
            let before = rows::get(tx, workspace_id, id)?.ok_or(AgentError::NotFound)?;
            if before.name == name {
                return Ok(before);
            }
            refuse_taken(tx, workspace_id, Some(id), &name)?;
            rows::rename(tx, workspace_id, id, &name).map_err(|e| taken(e, &name))?;
            record_in(
                tx,
                &self.ctx.redactor,
                workspace_id,
                &AuditRecord::new(
                    AuditAction::AgentRenamed,
                    AuditTarget::Local,
                    format!("Renamed agent \"{}\" to \"{name}\".", before.name),
                )
                .before_after(
                    Some(serde_json::json!({"id": id, "name": before.name})),
                    Some(serde_json::json!({"id": id, "name": name})),
                ),
                now,
            )?;
            rows::get(tx, workspace_id, id)?.ok_or(AgentError::NotFound)
        })
    }

    pub fn deletion_impact(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
    ) -> Result<DeletionImpact, AgentError> {
        let agent = self.get(workspace_id, id)?;
        let holdings = self
            .ctx
            .store
            .read(|c| rows::holdings(c, workspace_id, id))?;
        Ok(DeletionImpact { agent, holdings })
    }

    /// Deletes the agent. When it holds numbers and `confirmed` is false, nothing changes and the
    /// error names the numbers (the UI asks, then calls again with `confirmed`).
    pub fn delete(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
        confirmed: bool,
    ) -> Result<Vec<Holding>, AgentError> {
        let now = self.ctx.clock.now();
        self.ctx.store.write(|tx| {
            let agent = rows::get(tx, workspace_id, id)?.ok_or(AgentError::NotFound)?;
            let holdings = rows::holdings(tx, workspace_id, id)?;
            let numbers: Vec<String> = holdings.iter().map(|h| h.e164.clone()).collect();
            if !holdings.is_empty() && !confirmed {
                return Err(AgentError::HoldsNumbers {
                    name: agent.name,
                    numbers,
                });
            }
            rows::delete(tx, workspace_id, id)?;
            let summary = if holdings.is_empty() {
                format!("Deleted agent \"{}\".", agent.name)
            } else {
                format!(
                    "Deleted agent \"{}\"; {} lost it.",
                    agent.name,
                    plural(holdings.len())
                )
            };
            record_in(
                tx,
                &self.ctx.redactor,
                workspace_id,
                &AuditRecord::new(AuditAction::AgentDeleted, AuditTarget::Local, summary)
                    .numbers(numbers)
                    .before_after(
                        Some(serde_json::json!({
                            "id": id,
                            "name": agent.name,
                            "holdings": holdings,
                        })),
                        None,
                    ),
                now,
            )?;
            Ok(holdings)
        })
    }

    /// Puts `agent_id` (or nobody, with `None`) in `slot` of every number in `number_ids`.
    pub fn assign(
        &self,
        workspace_id: WorkspaceId,
        number_ids: &[PhoneNumberId],
        slot: Slot,
        agent_id: Option<i64>,
    ) -> Result<AssignmentOutcome, AgentError> {
        if number_ids.is_empty() {
            return Err(AgentError::NoNumbers);
        }
        let now = self.ctx.clock.now();
        self.ctx.store.write(|tx| {
            let agent = match agent_id {
                Some(id) => Some(rows::get(tx, workspace_id, id)?.ok_or(AgentError::NotFound)?),
                None => None,
            };
            let ids = distinct(number_ids);
            let current = rows::assignments(tx, workspace_id, &ids)?;
            if current.len() != ids.len() {
                return Err(AgentError::UnknownNumbers {
                    count: ids.len().saturating_sub(current.len()),
                });
            }
            let (to_change, unchanged): (Vec<_>, Vec<_>) =
                current.into_iter().partition(|a| a.slot(slot) != agent_id);
            let change_ids: Vec<PhoneNumberId> = to_change.iter().map(|a| a.number_id).collect();
            rows::assign(tx, workspace_id, &change_ids, slot, agent_id, now)?;
            let changed: Vec<String> = to_change.iter().map(|a| a.e164.clone()).collect();
            if !changed.is_empty() {
                let who = agent
                    .as_ref()
                    .map_or_else(|| "no agent".to_owned(), |a| format!("\"{}\"", a.name));
                let before: Vec<_> = to_change
                    .iter()
                    .map(|a| serde_json::json!({"e164": a.e164, slot.as_str(): a.slot(slot)}))
                    .collect();
                record_in(
                    tx,
                    &self.ctx.redactor,
                    workspace_id,
                    &AuditRecord::new(
                        AuditAction::Assignment,
                        AuditTarget::Local,
                        format!(
                            "Set the {} of {} to {who}.",
                            slot.label(),
                            plural(changed.len())
                        ),
                    )
                    .numbers(changed.clone())
                    .before_after(
                        Some(serde_json::json!(before)),
                        Some(serde_json::json!({
                            "slot": slot.as_str(),
                            "agent_id": agent_id,
                            "agent": agent.as_ref().map(|a| a.name.clone()),
                        })),
                    ),
                    now,
                )?;
            }
            Ok(AssignmentOutcome {
                changed,
                unchanged: unchanged.into_iter().map(|a| a.e164).collect(),
            })
        })
    }

    /// The "Allow outbound calls" switch of every number in `number_ids`.
    pub fn set_allow_outbound(
        &self,
        workspace_id: WorkspaceId,
        number_ids: &[PhoneNumberId],
        allow: bool,
    ) -> Result<AssignmentOutcome, AgentError> {
        if number_ids.is_empty() {
            return Err(AgentError::NoNumbers);
        }
        let now = self.ctx.clock.now();
        self.ctx.store.write(|tx| {
            let ids = distinct(number_ids);
            let current = rows::assignments(tx, workspace_id, &ids)?;
            if current.len() != ids.len() {
                return Err(AgentError::UnknownNumbers {
                    count: ids.len().saturating_sub(current.len()),
                });
            }
            let (to_change, unchanged): (Vec<_>, Vec<_>) =
                current.into_iter().partition(|a| a.allow_outbound != allow);
            let change_ids: Vec<PhoneNumberId> = to_change.iter().map(|a| a.number_id).collect();
            rows::set_allow_outbound(tx, workspace_id, &change_ids, allow, now)?;
            let changed: Vec<String> = to_change.into_iter().map(|a| a.e164).collect();
            if !changed.is_empty() {
                record_in(
                    tx,
                    &self.ctx.redactor,
                    workspace_id,
                    &AuditRecord::new(
                        AuditAction::OutboundSwitch,
                        AuditTarget::Local,
                        format!(
                            "{} outbound calls on {}.",
                            if allow { "Allowed" } else { "Blocked" },
                            plural(changed.len())
                        ),
                    )
                    .numbers(changed.clone())
                    .before_after(
                        Some(serde_json::json!({"allow_outbound": !allow})),
                        Some(serde_json::json!({"allow_outbound": allow})),
                    ),
                    now,
                )?;
            }
            Ok(AssignmentOutcome {
                changed,
                unchanged: unchanged.into_iter().map(|a| a.e164).collect(),
            })
        })
    }
}

/// Names differing only in case would be told apart by nobody: refuse them too.
fn refuse_taken(
    connection: &rusqlite::Connection,
    workspace_id: WorkspaceId,
    except: Option<i64>,
    name: &str,
) -> Result<(), AgentError> {
    let lower = name.to_lowercase();
    let clash = rows::list(connection, workspace_id)?
        .into_iter()
        .any(|a| Some(a.id) != except && a.name.to_lowercase() == lower);
    if clash {
        return Err(AgentError::NameTaken(name.to_owned()));
    }
    Ok(())
}

fn taken(error: StoreError, name: &str) -> AgentError {
    match error {
        StoreError::Conflict(_) => AgentError::NameTaken(name.to_owned()),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(valid_name("  Front desk ").unwrap(), "Front desk");
        assert!(matches!(valid_name("   "), Err(AgentError::EmptyName)));
        assert!(matches!(
            valid_name(&"x".repeat(81)),
            Err(AgentError::NameTooLong)
        ));
    }

    #[test]
    fn holding_error_lists_at_most_ten_numbers() {
        let numbers: Vec<String> = (0..12).map(|i| format!("+1415555{i:04}")).collect();
        let text = AgentError::HoldsNumbers {
            name: "Sales".into(),
            numbers,
        }
        .to_string();
        assert!(text.contains("12 numbers"), "{text}");
        assert!(text.contains("and 2 more"), "{text}");
        assert!(text.ends_with('.'), "{text}");
    }
}
