//! "Check" on a SIP trunk: an `OPTIONS` sent to its termination target for real
//! (`carriers::sip`), read as the steps a person debugging a trunk goes through: the name looked
//! up, whether it answered and how fast, what the status means and what to change, and whether
//! the answer came from inside the ranges listed for the allow-list. Nothing is changed.

use std::time::Duration;

use super::trunk::{SipTransport, SipTrunk};
use crate::carriers::sip::{self, Lookup, OptionsRequest, SipAnswer, SipFailure, SipWire};
use crate::flows::manage::diagnostics::CheckResult;
use crate::secrets::credentials::Credentials;

/// The longest a check waits for an answer (UDP retransmits within it).
pub const SIP_CHECK_TIMEOUT: Duration = Duration::from_secs(4);

/// The check's steps for `trunk`, sending with `credentials` (a SIP trunk's, if any).
pub async fn trunk_results(
    trunk: &SipTrunk,
    credentials: &Credentials,
    timeout: Duration,
    name_server: Option<std::net::SocketAddr>,
) -> Vec<CheckResult> {
    let digest = match credentials {
        Credentials::Sip(sip) => sip.username.clone().zip(sip.password.clone()),
        _ => None,
    };
    let has_digest = digest.is_some();
    let request = OptionsRequest {
        host: trunk.host.clone(),
        port: trunk.port,
        port_given: trunk.port_given,
        name_server,
        wire: match trunk.transport {
            SipTransport::Udp => SipWire::Udp,
            SipTransport::Tcp => SipWire::Tcp,
            SipTransport::Tls => SipWire::Tls,
        },
        digest,
        timeout,
    };
    let outcome = sip::options(&request).await;
    let mut results = vec![lookup_result(trunk, &outcome.lookup)];
    if matches!(outcome.lookup, Lookup::Failed(_)) {
        return results;
    }
    let target = outcome
        .target
        .map_or_else(|| trunk.termination_uri(), |t| t.to_string());
    match &outcome.answer {
        Err(failure) => results.push(no_answer(trunk, &target, failure)),
        Ok(answer) => {
            results.push(CheckResult::ok(
                "sip_answer",
                "Trunk answers",
                format!(
                    "{} answered over {} in {} ms{}.",
                    answer.from,
                    trunk.transport,
                    answer.round_trip.as_millis().max(1),
                    answer
                        .server
                        .as_deref()
                        .map(|s| format!(" ({})", plain(s)))
                        .unwrap_or_default()
                ),
            ));
            results.push(status_result(answer, has_digest));
            results.push(allow_list_result(trunk, answer));
        }
    }
    results
}

fn lookup_result(trunk: &SipTrunk, lookup: &Lookup) -> CheckResult {
    match lookup {
        Lookup::Literal(ip) => CheckResult::ok(
            "dns",
            "Host name",
            format!("{ip} is an IP address: there is no name to look up."),
        ),
        Lookup::Resolved { srv, ips } => {
            let addresses = format!(
                "{}: {}",
                if ips.len() == 1 { "the address" } else { "the addresses" },
                ips.iter().map(|ip| ip.to_string()).collect::<Vec<_>>().join(", ")
            );
            let detail = match srv {
                Some(found) => format!(
                    "{} points at {} port {}, which has {addresses}.",
                    found.name,
                    found.target,
                    found.port
                ),
                None if trunk.port_given => format!("{} has {addresses}.", trunk.host),
                None => format!(
                    "{} has no SIP SRV record, so port {} is used; it has {addresses}.",
                    trunk.host, trunk.port
                ),
            };
            CheckResult::ok("dns", "Host name", detail)
        }
        Lookup::Failed(why) => CheckResult::problem(
            "dns",
            "Host name",
            format!("{}.", capital(why)),
            "Check the host's spelling against what your carrier gives as its SIP termination address, or enter its IP address.",
        ),
    }
}

fn no_answer(trunk: &SipTrunk, target: &str, failure: &SipFailure) -> CheckResult {
    let (detail, fix) = match failure {
        SipFailure::Timeout { waited } => (
            format!(
                "{target} did not answer over {} within {} s.",
                trunk.transport,
                waited.as_secs_f32()
            ),
            match trunk.transport {
                SipTransport::Udp => "Check the port, that a firewall lets SIP through, and that the carrier accepts requests from your address; if UDP is blocked on your network, try TCP.",
                _ => "Check the port and that a firewall lets SIP through to it.",
            }
            .to_owned(),
        ),
        SipFailure::Unreachable(why) => (
            format!("{target} could not be reached over {}: {why}.", trunk.transport),
            "Nothing listens there: check the host, the port and the transport your carrier gives.".to_owned(),
        ),
        SipFailure::Tls(why) => (
            format!("TLS with {target} failed: {why}."),
            "Use the host name on the carrier's certificate (not an IP address) and port 5061, or the port your carrier gives for TLS.".to_owned(),
        ),
        SipFailure::NotSip(why) => (
            format!("{target} answered, but not as a SIP trunk: {why}."),
            "Check that the host and port are the carrier's SIP address, not a web or other service.".to_owned(),
        ),
    };
    CheckResult::problem("sip_answer", "Trunk answers", detail, fix)
}

fn status_result(answer: &SipAnswer, has_digest: bool) -> CheckResult {
    let status = answer.status;
    let said = if answer.reason.is_empty() {
        status.to_string()
    } else {
        format!("{status} {}", plain(&answer.reason))
    };
    let problem = |what: &str, fix: &str| {
        CheckResult::problem(
            "sip_status",
            "Trunk accepts NumberDesk",
            format!("The trunk answered {said}: {what}"),
            fix,
        )
    };
    match status {
        200..=299 => CheckResult::ok(
            "sip_status",
            "Trunk accepts NumberDesk",
            match answer.challenged {
                Some(_) => format!("The trunk answered {said} once the username and password were given."),
                None => format!("The trunk answered {said}."),
            },
        ),
        401 | 407 if answer.challenged.is_some() => problem(
            "it refused the username or password.",
            "Check the trunk's digest username and password at your carrier, then disconnect this trunk and connect it again with them.",
        ),
        401 | 407 if !has_digest => problem(
            "it asks for a username and password.",
            "Get the trunk's digest credentials from your carrier and connect the trunk again with them, or ask the carrier to authenticate you by IP instead.",
        ),
        401 | 407 => problem(
            "it asked for credentials in a way NumberDesk could not answer.",
            "Ask your carrier which digest algorithm the trunk uses; NumberDesk answers MD5 and SHA-256 challenges.",
        ),
        403 => problem(
            "it refuses requests from this address.",
            "Add your public IP address to the trunk's allowed IPs (ACL) at your carrier, or check the credentials it expects.",
        ),
        404 => problem(
            "it does not know the address NumberDesk asked for.",
            "Check the termination URI or host against what your carrier gives; some carriers want a trunk-specific host name.",
        ),
        405 | 501 => problem(
            "it does not take OPTIONS requests, so it cannot be checked this way.",
            "Calls may still work: place a test call. Ask your carrier to allow SIP OPTIONS from your address.",
        ),
        488 | 606 => problem(
            "it answers, but refuses what was offered.",
            "Check the trunk's transport and codec settings at your carrier (G.711 µ-law or A-law is what voice agents send).",
        ),
        480 | 503 => problem(
            "it is up but not taking calls now.",
            "Try again in a few minutes; if it lasts, ask your carrier whether the trunk is enabled and has capacity.",
        ),
        _ => problem(
            "an answer other than 200 OK.",
            "Give this status to your carrier's support and ask what the trunk expects.",
        ),
    }
}

fn allow_list_result(trunk: &SipTrunk, answer: &SipAnswer) -> CheckResult {
    match trunk.allows(answer.from.ip()) {
        None => CheckResult::ok(
            "allow_list",
            "Answer from an allowed address",
            "No signalling ranges are listed for this trunk, so no allow-list is checked.",
        ),
        Some(true) => CheckResult::ok(
            "allow_list",
            "Answer from an allowed address",
            format!(
                "{} is inside the ranges listed for this trunk.",
                answer.from.ip()
            ),
        ),
        Some(false) => CheckResult::problem(
            "allow_list",
            "Answer from an allowed address",
            format!(
                "{} answered, and it is outside the ranges listed for this trunk, so an allow-list built from them would block its calls.",
                answer.from.ip()
            ),
            "Add the carrier's current signalling ranges (from its documentation) to the trunk, and to your firewall.",
        ),
    }
}

/// Carrier text shown as text: control characters dropped, at most 120 characters.
fn plain(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(120).collect()
}

fn capital(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
