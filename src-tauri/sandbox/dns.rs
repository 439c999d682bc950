//! The sandbox's name server, on loopback UDP, for its SIP trunk's zone: the names a carrier
//! publishes for a trunk, so a check's lookups (SRV `_sip._udp`, `_sip._tcp`, `_sips._tcp`, then
//! the address) are tested against a real DNS exchange. Messages are read and written by
//! hickory-proto.
//!
//! The zone `sandbox.numberdesk.test`:
//! - `sip.sandbox.numberdesk.test`: A 127.0.0.1, and SRV records for UDP and TCP pointing at the
//!   trunk's port (what a trunk given without a port is found by);
//! - `silent.sandbox.numberdesk.test`: A 127.0.0.1, SRV for UDP pointing at the silent port;
//! - `nosrv.sandbox.numberdesk.test`: A 127.0.0.1 and no SRV (the lookup falls back to 5060).
//!
//! Any other name in the zone is NXDOMAIN; a name outside it is REFUSED.

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, SRV};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::net::UdpSocket;
use tokio::sync::watch;

/// The zone the sandbox answers for.
pub const SIP_ZONE: &str = "sandbox.numberdesk.test";

/// Starts answering on a loopback port; returns its address.
pub(crate) async fn start(
    sip_port: u16,
    silent_port: u16,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<std::net::SocketAddr> {
    let socket = UdpSocket::bind("127.0.0.1:0").await?;
    let address = socket.local_addr()?;
    tokio::spawn(async move {
        let mut buffer = vec![0u8; 4096];
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                received = socket.recv_from(&mut buffer) => {
                    let Ok((read, from)) = received else { continue };
                    if let Some(answer) = answer(&buffer[..read], sip_port, silent_port) {
                        let _ = socket.send_to(&answer, from).await;
                    }
                }
            }
        }
    });
    Ok(address)
}

fn name(text: &str) -> Option<Name> {
    Name::from_ascii(text).ok().map(|n| n.to_lowercase())
}

/// The answer to one query, or `None` for bytes that are not a DNS query.
fn answer(bytes: &[u8], sip_port: u16, silent_port: u16) -> Option<Vec<u8>> {
    let query = Message::from_vec(bytes).ok()?;
    if query.message_type() != MessageType::Query {
        return None;
    }
    let mut reply = Message::new();
    reply
        .set_id(query.id())
        .set_message_type(MessageType::Response)
        .set_op_code(query.op_code())
        .set_recursion_desired(query.recursion_desired())
        .set_authoritative(true);
    let Some(question) = query.queries().first() else {
        reply.set_response_code(ResponseCode::FormErr);
        return reply.to_vec().ok();
    };
    reply.add_query(question.clone());
    let asked = question.name().to_lowercase();
    let zone = name(&format!("{SIP_ZONE}."))?;
    if !zone.zone_of(&asked) {
        reply.set_response_code(ResponseCode::Refused);
        return reply.to_vec().ok();
    }
    let host = |label: &str| name(&format!("{label}.{SIP_ZONE}."));
    let (sip, silent, nosrv) = (host("sip")?, host("silent")?, host("nosrv")?);
    let srv = |service: &str, target: &Name| name(&format!("{service}.{target}"));
    let mut records = Vec::new();
    match question.query_type() {
        RecordType::A if [&sip, &silent, &nosrv].contains(&&asked) => {
            records.push(Record::from_rdata(
                asked.clone(),
                60,
                RData::A(A::new(127, 0, 0, 1)),
            ));
        }
        RecordType::SRV => {
            let found = if Some(&asked) == srv("_sip._udp", &sip).as_ref()
                || Some(&asked) == srv("_sip._tcp", &sip).as_ref()
            {
                Some((sip.clone(), sip_port))
            } else if Some(&asked) == srv("_sip._udp", &silent).as_ref() {
                Some((silent.clone(), silent_port))
            } else {
                None
            };
            if let Some((target, port)) = found {
                records.push(Record::from_rdata(
                    asked.clone(),
                    60,
                    RData::SRV(SRV::new(10, 10, port, target)),
                ));
            }
        }
        _ => {}
    }
    let known = [&sip, &silent, &nosrv].contains(&&asked)
        || [&sip, &silent]
            .iter()
            .flat_map(|t| ["_sip._udp", "_sip._tcp", "_sips._tcp"].map(|s| srv(s, t)))
            .flatten()
            .any(|n| n == asked);
    if !known {
        reply.set_response_code(ResponseCode::NXDomain);
    }
    reply.add_answers(records);
    reply.to_vec().ok()
}
