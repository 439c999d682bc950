//! Call forwarding help, as data: how to forward an existing business line to a NumberDesk number
//! with the dial codes of common carriers (`*72` / `*73` on US landlines and CDMA-era networks,
//! the GSM `**21*` family elsewhere) or through a business phone system's admin portal. The UI
//! shows each with copy buttons; nothing here dials or calls anyone.

use crate::domain::e164::{E164Error, E164};
use crate::domain::failure::{Classified, UserError};
use serde::Serialize;

/// How one kind of line turns forwarding on and off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ForwardingMethod {
    /// Dial `enable` from the line to forward it, `disable` to stop.
    DialCode {
        enable: String,
        disable: String,
        /// Forward only when busy or unanswered, where the network offers it.
        when_busy_or_unanswered: Option<String>,
    },
    /// Set it up in the provider's web portal.
    Portal { steps: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForwardingOption {
    pub id: &'static str,
    /// Who this applies to, e.g. "Verizon (mobile and Fios Digital Voice)".
    pub provider: &'static str,
    pub method: ForwardingMethod,
    /// One sentence to keep in mind (charges, confirmation tone...).
    pub note: &'static str,
}

/// Everything the "Forward an existing line" panel shows for one NumberDesk number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForwardingGuide {
    pub destination: String,
    /// The destination as dialled inside North America (10 digits) when it is a +1 number.
    pub destination_national: Option<String>,
    pub options: Vec<ForwardingOption>,
    pub considerations: Vec<&'static str>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ForwardingError {
    #[error(transparent)]
    NotANumber(#[from] E164Error),
}

impl UserError for ForwardingError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::NotANumber(inner) => Classified::Wraps(inner),
        }
    }
}

struct Template {
    id: &'static str,
    provider: &'static str,
    /// `{n}`: the destination as the line dials it; `{e}`: the full +E.164 destination.
    enable: &'static str,
    disable: &'static str,
    conditional: Option<&'static str>,
    note: &'static str,
}

/// Dial codes of common carriers. Sources: the carriers' own help pages; the GSM codes are the
/// 3GPP TS 22.030 supplementary service codes that every GSM/LTE network accepts.
const DIAL_CODES: [Template; 7] = [
    Template {
        id: "verizon",
        provider: "Verizon (mobile and home phone)",
        enable: "*72{n}",
        disable: "*73",
        conditional: Some("*71{n}"),
        note: "Wait for the confirmation tone or message before hanging up.",
    },
    Template {
        id: "att_mobile",
        provider: "AT&T Wireless",
        enable: "**21*{n}#",
        disable: "##21#",
        conditional: Some("**61*{n}#"),
        note: "Forwarded minutes may count against your AT&T plan.",
    },
    Template {
        id: "tmobile",
        provider: "T-Mobile",
        enable: "**21*{n}#",
        disable: "##21#",
        conditional: Some("**61*{n}#"),
        note: "Forwarded calls use plan minutes; some prepaid plans do not allow forwarding.",
    },
    Template {
        id: "us_landline",
        provider: "US landline and cable voice (AT&T, Comcast Business, Spectrum, CenturyLink)",
        enable: "*72{n}",
        disable: "*73",
        conditional: None,
        note: "If nobody answers at the NumberDesk number, some lines need you to dial *72 again within two minutes.",
    },
    Template {
        id: "gsm",
        provider: "Any other GSM or LTE mobile network (Vodafone, O2, EE, Orange...)",
        enable: "**21*{e}#",
        disable: "##21#",
        conditional: Some("**61*{e}#"),
        note: "Use the full international form of the number when dialling from abroad.",
    },
    Template {
        id: "uk_bt",
        provider: "BT landline (UK)",
        enable: "*21*{e}#",
        disable: "#21#",
        conditional: Some("*61*{e}#"),
        note: "BT charges forwarded calls as calls from your line.",
    },
    Template {
        id: "google_voice",
        provider: "Google Voice",
        enable: "Settings > Calls > Call forwarding: add {e}",
        disable: "Settings > Calls > Call forwarding: remove {e}",
        conditional: None,
        note: "Google Voice sends a code to the new number to confirm it; the agent must not answer that call.",
    },
];

/// Steps for providers that have no dial codes, only an admin portal.
fn portal_options(destination: &str) -> Vec<ForwardingOption> {
    vec![
        ForwardingOption {
            id: "ringcentral",
            provider: "RingCentral",
            method: ForwardingMethod::Portal {
                steps: vec![
                    "Sign in to the RingCentral Admin Portal.".into(),
                    "Open Phone System > Phone Numbers and select the number to forward.".into(),
                    "Under Call Handling, add a forwarding rule that always forwards to an external number.".into(),
                    format!("Enter {destination} and save."),
                ],
            },
            note: "The rule applies to the selected user or call queue only.",
        },
        ForwardingOption {
            id: "other_portal",
            provider: "Other business phone systems (8x8, Vonage, Zoom Phone, Teams...)",
            method: ForwardingMethod::Portal {
                steps: vec![
                    "Sign in to the provider's admin portal, or call their support line.".into(),
                    "Find the call handling or forwarding settings of the number.".into(),
                    format!("Forward all calls to {destination}."),
                    "Call the original number to check that the voice agent answers.".into(),
                ],
            },
            note: "Ask the provider whether forwarded calls are charged.",
        },
    ]
}

/// How to forward an existing line to `destination` (a NumberDesk number in E.164).
pub fn guide(destination: &str) -> Result<ForwardingGuide, ForwardingError> {
    let number = E164::from_carrier(destination)?;
    let destination = number.as_str();
    // Lines inside North America (the +1 plan) dial the ten-digit number; elsewhere the full form.
    let national = (number.calling_code() == 1).then(|| number.national_digits());
    let dialled = national.clone().unwrap_or_else(|| destination.to_owned());
    let fill = |template: &str| {
        template
            .replace("{n}", &dialled)
            .replace("{e}", destination)
    };
    let mut options: Vec<ForwardingOption> = DIAL_CODES
        .iter()
        .map(|t| ForwardingOption {
            id: t.id,
            provider: t.provider,
            method: if t.id == "google_voice" {
                ForwardingMethod::Portal {
                    steps: vec![fill(t.enable), fill(t.disable)],
                }
            } else {
                ForwardingMethod::DialCode {
                    enable: fill(t.enable),
                    disable: fill(t.disable),
                    when_busy_or_unanswered: t.conditional.map(fill),
                }
            },
            note: t.note,
        })
        .collect();
    options.extend(portal_options(destination));
    Ok(ForwardingGuide {
        destination: destination.to_owned(),
        destination_national: national,
        options,
        considerations: vec![
            "Your carrier may charge for forwarded calls on top of NumberDesk usage.",
            "Forwarding adds a little delay as the call passes through two networks.",
            "The number stays with your current carrier; nothing is ported.",
            "Call your original number once to check the voice agent answers.",
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn north_american_numbers_are_dialled_with_ten_digits() {
        let guide = guide("+14155550123").unwrap();
        assert_eq!(guide.destination_national.as_deref(), Some("4155550123"));
        let verizon = guide.options.iter().find(|o| o.id == "verizon").unwrap();
        assert_eq!(
            verizon.method,
            ForwardingMethod::DialCode {
                enable: "*724155550123".into(),
                disable: "*73".into(),
                when_busy_or_unanswered: Some("*714155550123".into()),
            }
        );
        let gsm = guide.options.iter().find(|o| o.id == "gsm").unwrap();
        assert!(
            matches!(&gsm.method, ForwardingMethod::DialCode { enable, .. } if enable == "**21*+14155550123#")
        );
    }

    #[test]
    fn other_countries_use_the_full_number_and_bad_input_is_refused() {
        let guide = guide("+442071234567").unwrap();
        assert_eq!(guide.destination_national, None);
        let att = guide.options.iter().find(|o| o.id == "att_mobile").unwrap();
        assert!(
            matches!(&att.method, ForwardingMethod::DialCode { enable, .. } if enable == "**21*+442071234567#")
        );
        assert!(super::guide("4155550123").is_err());
        assert!(super::guide("+1415abc").is_err());
    }
}
