//! The sandbox's SIP trunk: a responder on loopback, over UDP and TCP, answering `OPTIONS` the
//! way a carrier's SBC does. By default it asks for digest credentials (401 with a nonce it
//! remembers) and answers 200 only to a digest computed with the right password and one of its
//! nonces; a script can make it answer a fixed status (403, 404, 488, 503 …) or stay silent.
//! A second UDP port never answers at all: a host that drops SIP.
//!
//! Like a real trunk it refuses what is not a well-formed request: no Via, Call-ID, CSeq, From
//! or To is 400; a method other than OPTIONS is 405.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rsip::prelude::*;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;

/// The realm of the sandbox trunk's challenges.
pub const SIP_REALM: &str = "sandbox.numberdesk.test";
/// The digest credentials the sandbox trunk accepts by default.
pub const SIP_USERNAME: &str = "sandbox-trunk";
pub const SIP_PASSWORD: &str = "sandbox-trunk-secret";

/// How the responder answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SipBehaviour {
    /// 401 to a request without credentials (or with a nonce it never gave), 200 to a right
    /// digest, 401 again to a wrong one. With `proxy`, 407 and `Proxy-Authenticate` instead.
    Digest {
        username: String,
        password: String,
        #[serde(default)]
        proxy: bool,
    },
    /// This status to every well-formed OPTIONS (200 included).
    Status { code: u16 },
    /// Reads every request and never answers.
    Silence,
}

impl Default for SipBehaviour {
    fn default() -> Self {
        SipBehaviour::Digest {
            username: SIP_USERNAME.to_owned(),
            password: SIP_PASSWORD.to_owned(),
            proxy: false,
        }
    }
}

/// Where the sandbox trunk listens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SipInfo {
    /// UDP and TCP on the same port.
    pub host: String,
    /// The trunk's name in the sandbox's DNS zone: its SRV records give the port.
    #[serde(default)]
    pub host_name: String,
    /// A name whose SRV record points at the silent port.
    #[serde(default)]
    pub silent_host_name: String,
    /// The sandbox's name server (`127.0.0.1:port`, UDP).
    #[serde(default)]
    pub dns: String,
    pub port: u16,
    /// A UDP port where nothing ever answers.
    pub silent_port: u16,
    pub username: String,
    pub password: String,
}

/// One request the responder read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SipSeen {
    pub transport: &'static str,
    pub method: String,
    pub with_credentials: bool,
    /// The status it answered, or none (silence).
    pub answered: Option<u16>,
}

#[derive(Default)]
struct State {
    behaviour: SipBehaviour,
    nonces: HashSet<String>,
    seen: Vec<SipSeen>,
    issued: u64,
}

/// The running responder; its tasks end when the sandbox's shutdown signal fires.
#[derive(Clone)]
pub struct SipResponder {
    info: SipInfo,
    state: Arc<Mutex<State>>,
}

impl SipResponder {
    pub(crate) async fn start(
        preferred: Option<(u16, u16)>,
        shutdown: watch::Receiver<bool>,
    ) -> std::io::Result<SipResponder> {
        let (udp, tcp) = match preferred {
            Some((port, _)) => match pair_at(port).await {
                Some(pair) => pair,
                None => same_port().await?,
            },
            None => same_port().await?,
        };
        let port = udp.local_addr()?.port();
        let silent = match preferred {
            Some((_, silent)) => match UdpSocket::bind(("127.0.0.1", silent)).await {
                Ok(socket) => socket,
                Err(_) => UdpSocket::bind("127.0.0.1:0").await?,
            },
            None => UdpSocket::bind("127.0.0.1:0").await?,
        };
        let responder = SipResponder {
            info: SipInfo {
                host: "127.0.0.1".to_owned(),
                host_name: String::new(),
                silent_host_name: String::new(),
                dns: String::new(),
                port,
                silent_port: silent.local_addr()?.port(),
                username: SIP_USERNAME.to_owned(),
                password: SIP_PASSWORD.to_owned(),
            },
            state: Arc::default(),
        };
        tokio::spawn(serve_udp(udp, responder.clone(), shutdown.clone()));
        tokio::spawn(serve_tcp(tcp, responder.clone(), shutdown.clone()));
        tokio::spawn(drain_silently(silent, shutdown));
        Ok(responder)
    }

    /// The responder with its names in the sandbox's DNS zone and that zone's name server.
    pub(crate) fn named(
        mut self,
        host_name: String,
        silent_host_name: String,
        dns: String,
    ) -> Self {
        self.info.host_name = host_name;
        self.info.silent_host_name = silent_host_name;
        self.info.dns = dns;
        self
    }

    pub fn info(&self) -> &SipInfo {
        &self.info
    }

    pub fn set_behaviour(&self, behaviour: SipBehaviour) {
        self.lock().behaviour = behaviour;
    }

    /// Every request read, oldest first.
    pub fn seen(&self) -> Vec<SipSeen> {
        self.lock().seen.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answer to one datagram or stream message, or `None` to stay silent.
    fn answer(&self, raw: &[u8], transport: &'static str) -> Option<Vec<u8>> {
        let request = match rsip::SipMessage::try_from(raw) {
            Ok(rsip::SipMessage::Request(request)) => request,
            // Not a request: a real trunk drops it.
            _ => return None,
        };
        let mut state = self.lock();
        let with_credentials = request.headers.iter().any(|h| {
            matches!(
                h,
                rsip::Header::Authorization(_) | rsip::Header::ProxyAuthorization(_)
            )
        });
        let mut seen = SipSeen {
            transport,
            method: request.method.to_string(),
            with_credentials,
            answered: None,
        };
        let well_formed = request.via_header().is_ok()
            && request.call_id_header().is_ok()
            && request.cseq_header().is_ok()
            && request.from_header().is_ok()
            && request.to_header().is_ok();
        let (status, challenge) = if !well_formed {
            (400, None)
        } else if request.method != rsip::Method::Options {
            (405, None)
        } else {
            match state.behaviour.clone() {
                SipBehaviour::Silence => {
                    state.seen.push(seen);
                    return None;
                }
                SipBehaviour::Status { code } => (code, None),
                SipBehaviour::Digest {
                    username,
                    password,
                    proxy,
                } => {
                    if digest_matches(&request, &username, &password, proxy, &state.nonces) {
                        (200, None)
                    } else {
                        state.issued += 1;
                        let nonce = format!("sbx{:08x}{}", state.issued, request.method);
                        state.nonces.insert(nonce.clone());
                        (if proxy { 407 } else { 401 }, Some(nonce))
                    }
                }
            }
        };
        seen.answered = Some(status);
        state.seen.push(seen);
        drop(state);
        Some(response(&request, status, challenge))
    }
}

/// UDP and TCP on `port`, if both are free.
async fn pair_at(port: u16) -> Option<(UdpSocket, TcpListener)> {
    let udp = UdpSocket::bind(("127.0.0.1", port)).await.ok()?;
    let tcp = TcpListener::bind(("127.0.0.1", port)).await.ok()?;
    Some((udp, tcp))
}

/// A UDP socket and a TCP listener on one loopback port, as a trunk listens. The UDP port is
/// picked by the system; its TCP twin may be taken (an outgoing connection's ephemeral port, or
/// another listener), so another port is tried then, a bounded number of times.
async fn same_port() -> std::io::Result<(UdpSocket, TcpListener)> {
    let mut last = None;
    for _ in 0..32 {
        let udp = UdpSocket::bind("127.0.0.1:0").await?;
        let port = udp.local_addr()?.port();
        match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => last = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free port")))
}

/// Whether the request carries a digest for `username` and `password`, over a nonce this
/// responder gave, in the header its challenge asked for.
fn digest_matches(
    request: &rsip::Request,
    username: &str,
    password: &str,
    proxy: bool,
    nonces: &HashSet<String>,
) -> bool {
    let authorization = request.headers.iter().find_map(|h| match h {
        rsip::Header::Authorization(a) if !proxy => a.typed().ok(),
        rsip::Header::ProxyAuthorization(a) if proxy => a.typed().ok().map(|a| a.0),
        _ => None,
    });
    let Some(authorization) = authorization else {
        return false;
    };
    authorization.username == username
        && authorization.realm == SIP_REALM
        && nonces.contains(&authorization.nonce)
        && rsip::services::DigestGenerator::from(&authorization, password, &request.method)
            .verify(&authorization.response)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        480 => "Temporarily Unavailable",
        486 => "Busy Here",
        488 => "Not Acceptable Here",
        500 => "Server Internal Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// The response to `request`: its Via, From, Call-ID and CSeq, To with a tag, and the challenge.
fn response(request: &rsip::Request, status: u16, challenge: Option<String>) -> Vec<u8> {
    let mut lines = vec![format!("SIP/2.0 {status} {}", reason(status))];
    for header in request.headers.iter() {
        match header {
            rsip::Header::Via(via) => lines.push(format!("Via: {}", via.value())),
            rsip::Header::From(from) => lines.push(format!("From: {}", from.value())),
            rsip::Header::CallId(id) => lines.push(format!("Call-ID: {}", id.value())),
            rsip::Header::CSeq(cseq) => lines.push(format!("CSeq: {}", cseq.value())),
            rsip::Header::To(to) => lines.push(format!("To: {};tag=sbx-trunk", to.value())),
            _ => {}
        }
    }
    if let Some(nonce) = challenge {
        let name = if status == 407 {
            "Proxy-Authenticate"
        } else {
            "WWW-Authenticate"
        };
        lines.push(format!(
            "{name}: Digest realm=\"{SIP_REALM}\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\""
        ));
    }
    if status == 200 {
        lines.push("Allow: INVITE, ACK, CANCEL, BYE, OPTIONS".to_owned());
        lines.push("Accept: application/sdp".to_owned());
    }
    lines.push("Server: NumberDesk sandbox trunk".to_owned());
    lines.push("Content-Length: 0".to_owned());
    let mut text = lines.join("\r\n");
    text.push_str("\r\n\r\n");
    text.into_bytes()
}

async fn serve_udp(
    socket: UdpSocket,
    responder: SipResponder,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut buffer = vec![0u8; 65_536];
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            received = socket.recv_from(&mut buffer) => {
                let Ok((read, from)) = received else { continue };
                if let Some(answer) = responder.answer(&buffer[..read], "udp") {
                    let _ = socket.send_to(&answer, from).await;
                }
            }
        }
    }
}

async fn serve_tcp(
    listener: TcpListener,
    responder: SipResponder,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                tokio::spawn(serve_stream(stream, responder.clone(), shutdown.clone()));
            }
        }
    }
}

/// One TCP connection: whole messages (headers, then Content-Length bytes) answered in turn.
async fn serve_stream(
    mut stream: TcpStream,
    responder: SipResponder,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while let Some(message) = whole_message(&mut buffer) {
            if let Some(answer) = responder.answer(&message, "tcp") {
                if stream.write_all(&answer).await.is_err() {
                    return;
                }
            }
        }
        tokio::select! {
            _ = shutdown.changed() => return,
            read = stream.read(&mut chunk) => match read {
                Ok(0) | Err(_) => return,
                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            }
        }
        if buffer.len() > 1 << 20 {
            return;
        }
    }
}

fn whole_message(buffer: &mut Vec<u8>) -> Option<Vec<u8>> {
    while buffer.starts_with(b"\r\n") {
        buffer.drain(..2);
    }
    let end = buffer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buffer[..end]);
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let total = end + 4 + length;
    (buffer.len() >= total).then(|| buffer.drain(..total).collect())
}

async fn drain_silently(socket: UdpSocket, mut shutdown: watch::Receiver<bool>) {
    let mut buffer = vec![0u8; 65_536];
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = socket.recv_from(&mut buffer) => {}
        }
    }
}
