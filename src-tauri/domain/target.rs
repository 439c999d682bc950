//! What NumberDesk sets at a carrier on the numbers it manages ("Allow webhook & messaging
//! updates"), and how a number's routing there differs from it: the preview of an import, the
//! drift a sync reports and the check of a number all compare through [`changes`].

use serde::{Deserialize, Serialize};

use crate::carriers::{Routing, TwilioRouting, WebhookMethod};

/// What "managed" mode sets on every number of one import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "carrier", rename_all = "snake_case")]
pub enum ManagedTarget {
    Twilio {
        voice_url: String,
        sms_url: String,
        status_callback: String,
    },
    Telnyx {
        connection_id: String,
        messaging_profile_id: Option<String>,
    },
}

impl ManagedTarget {
    /// Twilio: the workspace's webhook URLs under its `webhook_base_url`.
    pub fn twilio(webhook_base_url: &str) -> Self {
        let base = webhook_base_url.trim_end_matches('/');
        ManagedTarget::Twilio {
            voice_url: format!("{base}/webhook/twilio/voice"),
            sms_url: format!("{base}/webhook/twilio/sms"),
            status_callback: format!("{base}/webhook/twilio/status"),
        }
    }
}

/// The voice URL a Telnyx TeXML application must have to reach the workspace's voice platform.
pub fn expected_texml_voice_url(webhook_base_url: &str) -> String {
    format!(
        "{}/webhook/telnyx/texml",
        webhook_base_url.trim_end_matches('/')
    )
}

/// One field that managed mode changes, as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub label: &'static str,
    pub current: Option<String>,
    pub next: Option<String>,
    /// The Twilio region whose configuration this is, for a number processed outside us1;
    /// `None` for us1's (and Telnyx's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// One field that differs between what NumberDesk set at the carrier and what it has now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftField {
    pub field: String,
    pub label: String,
    pub numberdesk_set: Option<String>,
    pub carrier_has: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NumberPreview {
    pub e164: String,
    pub changes: Vec<FieldChange>,
}

/// What changes at the carrier for `number` when `target` is applied; only real changes.
pub fn changes(routing: &Routing, target: &ManagedTarget) -> Vec<FieldChange> {
    let mut out = Vec::new();
    match (routing, target) {
        (
            Routing::Twilio(now),
            ManagedTarget::Twilio {
                voice_url,
                sms_url,
                status_callback,
            },
        ) => {
            let webhooks = [voice_url, sms_url, status_callback];
            twilio_changes(now, webhooks, None, &mut out);
            // A number processed outside us1 takes its calls by that region's configuration.
            if let Some(regional) = &now.in_region {
                twilio_changes(
                    &regional.routing,
                    webhooks,
                    Some(&regional.region),
                    &mut out,
                );
            }
        }
        (
            Routing::Telnyx(now),
            ManagedTarget::Telnyx {
                connection_id,
                messaging_profile_id,
            },
        ) => {
            let mut push = pusher(&mut out, None);
            push(
                "connection_id",
                "Voice connection",
                now.connection_id.clone(),
                Some(connection_id.clone()),
            );
            if messaging_profile_id.is_some() {
                push(
                    "messaging_profile_id",
                    "Messaging profile",
                    now.messaging_profile_id.clone(),
                    messaging_profile_id.clone(),
                );
            }
        }
        // A number of one carrier never meets the other's target; nothing to show.
        _ => {}
    }
    out
}

/// Adds a change to `out` when `current` and `next` differ.
fn pusher<'a>(
    out: &'a mut Vec<FieldChange>,
    region: Option<&'a str>,
) -> impl FnMut(&'static str, &'static str, Option<String>, Option<String>) + 'a {
    move |field, label, current, next| {
        if current != next {
            out.push(FieldChange {
                field,
                label,
                current,
                next,
                region: region.map(str::to_owned),
            });
        }
    }
}

/// What managed mode changes in one region's configuration of a Twilio number.
fn twilio_changes(
    now: &TwilioRouting,
    [voice_url, sms_url, status_callback]: [&String; 3],
    region: Option<&str>,
    out: &mut Vec<FieldChange>,
) {
    let mut push = pusher(out, region);
    let method = |m: Option<WebhookMethod>| m.map(|m| m.as_str().to_owned());
    // Twilio ignores VoiceUrl while an application (or a SIP trunk) handles the number, so
    // managed mode takes those off; the preview says so.
    push(
        "voice_application_sid",
        "Voice application",
        now.voice_application_sid.clone(),
        None,
    );
    push(
        "voice_url",
        "Voice URL",
        now.voice_url.clone(),
        Some(voice_url.clone()),
    );
    push(
        "voice_method",
        "Voice method",
        method(now.voice_method),
        Some("POST".into()),
    );
    push("trunk_sid", "SIP trunk", now.trunk_sid.clone(), None);
    push(
        "sms_application_sid",
        "Messaging application",
        now.sms_application_sid.clone(),
        None,
    );
    push(
        "sms_url",
        "SMS URL",
        now.sms_url.clone(),
        Some(sms_url.clone()),
    );
    push(
        "sms_method",
        "SMS method",
        method(now.sms_method),
        Some("POST".into()),
    );
    push(
        "status_callback",
        "Status callback",
        now.status_callback.clone(),
        Some(status_callback.clone()),
    );
}
