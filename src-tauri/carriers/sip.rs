//! A SIP `OPTIONS` request to a trunk, the way a person debugging it would send one: the host
//! looked up, the request sent over the trunk's transport (UDP with RFC 3261's retransmissions,
//! TCP, or TLS), a digest challenge answered once when credentials are set, and every step's
//! outcome kept so the check can say which one failed. Messages are built and parsed by rsip.
//!
//! Nothing here knows NumberDesk's rules of what an answer means; `flows::sip::check` does.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rsip::prelude::*;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use crate::secrets::Sensitive;

/// How the request travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SipWire {
    Udp,
    Tcp,
    Tls,
}

impl SipWire {
    fn via_name(self) -> &'static str {
        match self {
            SipWire::Udp => "UDP",
            SipWire::Tcp => "TCP",
            SipWire::Tls => "TLS",
        }
    }
}

/// Where the OPTIONS goes and with what.
#[derive(Clone)]
pub struct OptionsRequest {
    pub host: String,
    /// The port given, or the transport's default.
    pub port: u16,
    /// Whether the port was given: without one, a host name's SRV records are asked first.
    pub port_given: bool,
    /// The name server to ask (UDP); `None` for the system's resolver.
    pub name_server: Option<SocketAddr>,
    pub wire: SipWire,
    /// Digest username and password, to answer a 401 or 407 once.
    pub digest: Option<(String, Sensitive<String>)>,
    /// How long to wait for each answer (UDP retransmits within it).
    pub timeout: Duration,
}

/// What looking the host up gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The host is an IP address: nothing to look up.
    Literal(IpAddr),
    /// The addresses of the host (or of the SRV record's target), in the order they are tried.
    Resolved {
        srv: Option<SrvFound>,
        ips: Vec<IpAddr>,
    },
    /// The name has no address (or the resolver failed), with why.
    Failed(String),
}

/// The SRV record a lookup followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvFound {
    /// e.g. `_sip._udp.sip.example.com`
    pub name: String,
    pub target: String,
    pub port: u16,
}

/// One final answer to the OPTIONS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipAnswer {
    /// Where it came from (the address the request was sent to, or for UDP the sender).
    pub from: SocketAddr,
    pub status: u16,
    /// The reason phrase of the status line, as the trunk wrote it.
    pub reason: String,
    /// From sending the request (the last one, after a challenge) to this answer.
    pub round_trip: Duration,
    /// The first answer was a 401 or 407 that was answered with the credentials.
    pub challenged: Option<u16>,
    /// The trunk's `Server` or `User-Agent` header, if it sent one.
    pub server: Option<String>,
}

/// Why no final answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SipFailure {
    /// Nothing came back in time (UDP: after every retransmission).
    Timeout { waited: Duration },
    /// The connection was refused or failed (TCP, TLS), or the socket could not send.
    Unreachable(String),
    /// TLS could not be set up (certificate, handshake).
    Tls(String),
    /// Something came back that is not a SIP answer to this request.
    NotSip(String),
}

/// Everything the probe saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsOutcome {
    pub lookup: Lookup,
    /// The address the request went to, once the host had one.
    pub target: Option<SocketAddr>,
    pub answer: Result<SipAnswer, SipFailure>,
}

/// RFC 3261's T1 and T2: UDP retransmissions start after T1 and double up to T2.
const T1: Duration = Duration::from_millis(500);
const T2: Duration = Duration::from_secs(4);
/// The largest answer read (an OPTIONS answer is a few hundred bytes).
const MAX_ANSWER: usize = 64 * 1024;

/// Sends one OPTIONS (and, after a challenge, one more with the credentials).
pub async fn options(request: &OptionsRequest) -> OptionsOutcome {
    let lookup = lookup(request).await;
    let (address, port) = match &lookup {
        Lookup::Literal(ip) => (*ip, request.port),
        Lookup::Resolved { srv, ips } => (ips[0], srv.as_ref().map_or(request.port, |s| s.port)),
        Lookup::Failed(why) => {
            return OptionsOutcome {
                answer: Err(SipFailure::Unreachable(why.clone())),
                lookup,
                target: None,
            }
        }
    };
    let target = SocketAddr::new(address, port);
    let answer = exchange(request, target).await;
    OptionsOutcome {
        lookup,
        target: Some(target),
        answer,
    }
}

/// RFC 3263 in short: an IP address is used as it is; a host name without a port is asked for
/// its SIP SRV record (`_sip._udp`, `_sip._tcp` or `_sips._tcp` by transport) first, whose
/// target and port are then used; then the name's addresses are looked up.
async fn lookup(request: &OptionsRequest) -> Lookup {
    if let Ok(ip) = request.host.parse::<IpAddr>() {
        return Lookup::Literal(ip);
    }
    let resolver = match resolver(request.name_server) {
        Ok(resolver) => resolver,
        Err(why) => return Lookup::Failed(format!("the name server could not be used: {why}")),
    };
    let mut host = request.host.clone();
    let mut srv = None;
    if !request.port_given {
        let service = match request.wire {
            SipWire::Udp => "_sip._udp",
            SipWire::Tcp => "_sip._tcp",
            SipWire::Tls => "_sips._tcp",
        };
        let name = format!("{service}.{}.", request.host);
        if let Ok(found) = resolver.srv_lookup(name.as_str()).await {
            // The lowest priority wins; among equals, the heaviest.
            if let Some(best) = found
                .iter()
                .min_by_key(|r| (r.priority(), std::cmp::Reverse(r.weight())))
            {
                host = best.target().to_utf8().trim_end_matches('.').to_owned();
                srv = Some(SrvFound {
                    name: name.trim_end_matches('.').to_owned(),
                    target: host.clone(),
                    port: best.port(),
                });
            }
        }
    }
    match resolver.lookup_ip(format!("{host}.").as_str()).await {
        Ok(found) => {
            let mut ips: Vec<IpAddr> = Vec::new();
            for ip in found.iter() {
                if !ips.contains(&ip) {
                    ips.push(ip);
                }
            }
            // IPv4 first: most trunks publish it, and many hosts have no IPv6 route.
            ips.sort_by_key(|ip| ip.is_ipv6());
            if ips.is_empty() {
                Lookup::Failed(format!("{host} has no address"))
            } else {
                Lookup::Resolved { srv, ips }
            }
        }
        Err(error) => match error.kind() {
            hickory_resolver::error::ResolveErrorKind::NoRecordsFound { .. } => {
                Lookup::Failed(format!("{host} has no address in DNS"))
            }
            _ => Lookup::Failed(format!("{host} could not be looked up ({error})")),
        },
    }
}

/// The resolver of one check: the given name server, or the system's configuration.
fn resolver(
    name_server: Option<SocketAddr>,
) -> Result<hickory_resolver::TokioAsyncResolver, hickory_resolver::error::ResolveError> {
    use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
    match name_server {
        Some(server) => {
            let mut options = ResolverOpts::default();
            options.timeout = Duration::from_secs(2);
            options.attempts = 1;
            let group = NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
            Ok(hickory_resolver::TokioAsyncResolver::tokio(
                ResolverConfig::from_parts(None, vec![], group),
                options,
            ))
        }
        None => hickory_resolver::TokioAsyncResolver::tokio_from_system_conf(),
    }
}

/// The request, then the challenge if one comes and credentials are set.
async fn exchange(request: &OptionsRequest, target: SocketAddr) -> Result<SipAnswer, SipFailure> {
    let mut transport = Transport::open(request, target).await?;
    let call = Call::new(request, transport.local_address());
    let first = call.request(1, None);
    let (answer, raw, round_trip) = transport.round_trip(&first, &call, 1).await?;
    let status = answer.status_code().code();
    let Some((username, password)) = request
        .digest
        .as_ref()
        .filter(|_| status == 401 || status == 407)
    else {
        return Ok(summary(&answer, &raw, transport.peer(), round_trip, None));
    };
    let Some(authorization) = answer_challenge(&answer, &first, username, password.expose()) else {
        return Err(SipFailure::NotSip(format!(
            "the {status} answer has no digest challenge NumberDesk can answer"
        )));
    };
    let second = call.request(2, Some(authorization));
    let (answer, raw, round_trip) = transport.round_trip(&second, &call, 2).await?;
    Ok(summary(
        &answer,
        &raw,
        transport.peer(),
        round_trip,
        Some(status),
    ))
}

fn summary(
    answer: &rsip::Response,
    raw: &[u8],
    from: SocketAddr,
    round_trip: Duration,
    challenged: Option<u16>,
) -> SipAnswer {
    let server = answer.headers.iter().find_map(|header| match header {
        rsip::Header::Server(server) => Some(server.value().to_owned()),
        rsip::Header::UserAgent(agent) => Some(agent.value().to_owned()),
        _ => None,
    });
    SipAnswer {
        from,
        status: answer.status_code().code(),
        reason: reason_phrase(raw),
        round_trip,
        challenged,
        server,
    }
}

/// The reason phrase of a status line (`SIP/2.0 488 Not Acceptable Here`).
fn reason_phrase(raw: &[u8]) -> String {
    let line = raw
        .split(|&b| b == b'\r' || b == b'\n')
        .next()
        .unwrap_or(&[]);
    let text = String::from_utf8_lossy(line);
    text.splitn(3, ' ')
        .nth(2)
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect()
}

/// The `Authorization` (401) or `Proxy-Authorization` (407) answering the challenge.
fn answer_challenge(
    answer: &rsip::Response,
    sent: &rsip::Request,
    username: &str,
    password: &str,
) -> Option<rsip::Header> {
    let proxy = answer.status_code().code() == 407;
    let challenge: rsip::typed::WwwAuthenticate = answer.headers.iter().find_map(|h| match h {
        rsip::Header::WwwAuthenticate(w) if !proxy => w.typed().ok(),
        rsip::Header::ProxyAuthenticate(p) if proxy => p.typed().ok().map(|p| p.0),
        _ => None,
    })?;
    if challenge.scheme != rsip::headers::auth::Scheme::Digest {
        return None;
    }
    let algorithm = challenge
        .algorithm
        .unwrap_or(rsip::headers::auth::Algorithm::Md5);
    let qop = match challenge.qop {
        Some(rsip::headers::auth::Qop::Auth) => Some(rsip::headers::auth::AuthQop::Auth {
            cnonce: random_token(),
            nc: 1,
        }),
        Some(rsip::headers::auth::Qop::AuthInt) => Some(rsip::headers::auth::AuthQop::AuthInt {
            cnonce: random_token(),
            nc: 1,
        }),
        None => None,
    };
    let response = rsip::services::DigestGenerator {
        username,
        password,
        nonce: &challenge.nonce,
        uri: &sent.uri,
        realm: &challenge.realm,
        method: &rsip::Method::Options,
        qop: qop.as_ref(),
        algorithm,
    }
    .compute();
    let authorization = rsip::typed::Authorization {
        scheme: rsip::headers::auth::Scheme::Digest,
        username: username.to_owned(),
        realm: challenge.realm,
        nonce: challenge.nonce,
        uri: sent.uri.clone(),
        response,
        algorithm: Some(algorithm),
        opaque: challenge.opaque,
        qop,
    };
    Some(if proxy {
        rsip::typed::ProxyAuthorization(authorization).into()
    } else {
        authorization.into()
    })
}

/// A token for Call-IDs, tags, branches and cnonces: unique per call (a per-process random key
/// from std's hasher over a counter and the time), as SIP asks; not a secret.
fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", hasher.finish())
}

/// What identifies this probe's requests: one Call-ID, tag and branch per request.
struct Call {
    uri: rsip::Uri,
    wire: SipWire,
    local: SocketAddr,
    call_id: String,
    tag: String,
}

impl Call {
    fn new(request: &OptionsRequest, local: SocketAddr) -> Call {
        let host = match request.host.parse::<IpAddr>() {
            Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
            _ => request.host.clone(),
        };
        let scheme = if request.wire == SipWire::Tls {
            "sips"
        } else {
            "sip"
        };
        let uri =
            rsip::Uri::try_from(format!("{scheme}:{host}:{}", request.port)).unwrap_or_default();
        Call {
            uri,
            wire: request.wire,
            local,
            call_id: format!("{}@numberdesk", random_token()),
            tag: random_token(),
        }
    }

    fn request(&self, cseq: u32, authorization: Option<rsip::Header>) -> rsip::Request {
        let local = match self.local {
            SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
            v4 => v4.to_string(),
        };
        let mut headers: rsip::Headers = Default::default();
        headers.push(
            rsip::headers::Via::new(format!(
                "SIP/2.0/{} {local};branch=z9hG4bK{};rport",
                self.wire.via_name(),
                random_token()
            ))
            .into(),
        );
        headers.push(rsip::headers::MaxForwards::new("70").into());
        headers.push(
            rsip::headers::From::new(format!("<sip:numberdesk-check@{local}>;tag={}", self.tag))
                .into(),
        );
        headers.push(rsip::headers::To::new(format!("<{}>", self.uri)).into());
        headers.push(rsip::headers::CallId::new(self.call_id.clone()).into());
        headers.push(rsip::headers::CSeq::new(format!("{cseq} OPTIONS")).into());
        headers.push(rsip::headers::Contact::new(format!("<sip:numberdesk-check@{local}>")).into());
        headers.push(rsip::headers::Accept::new("application/sdp").into());
        headers.push(rsip::headers::UserAgent::new("NumberDesk trunk check").into());
        if let Some(authorization) = authorization {
            headers.push(authorization);
        }
        headers.push(rsip::headers::ContentLength::new("0").into());
        rsip::Request {
            method: rsip::Method::Options,
            uri: self.uri.clone(),
            version: rsip::Version::V2,
            headers,
            body: Vec::new(),
        }
    }

    /// Whether `answer` answers request `cseq` of this call.
    fn answers(&self, answer: &rsip::Response, cseq: u32) -> bool {
        let call_id = answer
            .call_id_header()
            .map(|c| c.value() == self.call_id)
            .unwrap_or(false);
        let seq = answer
            .cseq_header()
            .ok()
            .and_then(|c| c.typed().ok())
            .is_some_and(|c| c.seq == cseq && c.method == rsip::Method::Options);
        call_id && seq
    }
}

/// An open transport to the trunk.
enum Transport {
    Udp {
        socket: UdpSocket,
        target: SocketAddr,
        timeout: Duration,
        peer: SocketAddr,
    },
    Stream {
        stream: Box<dyn Stream>,
        local: SocketAddr,
        peer: SocketAddr,
        timeout: Duration,
        buffer: Vec<u8>,
    },
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

impl Transport {
    async fn open(request: &OptionsRequest, target: SocketAddr) -> Result<Transport, SipFailure> {
        let unreachable = |error: std::io::Error| SipFailure::Unreachable(error.to_string());
        match request.wire {
            SipWire::Udp => {
                let bind: SocketAddr = if target.is_ipv6() {
                    "[::]:0".parse().expect("an address")
                } else {
                    "0.0.0.0:0".parse().expect("an address")
                };
                let socket = UdpSocket::bind(bind).await.map_err(unreachable)?;
                socket.connect(target).await.map_err(unreachable)?;
                Ok(Transport::Udp {
                    socket,
                    target,
                    timeout: request.timeout,
                    peer: target,
                })
            }
            SipWire::Tcp | SipWire::Tls => {
                let tcp = tokio::time::timeout(request.timeout, TcpStream::connect(target))
                    .await
                    .map_err(|_| SipFailure::Timeout {
                        waited: request.timeout,
                    })?
                    .map_err(unreachable)?;
                let local = tcp.local_addr().map_err(unreachable)?;
                let stream: Box<dyn Stream> = if request.wire == SipWire::Tls {
                    Box::new(tls(tcp, &request.host, request.timeout).await?)
                } else {
                    Box::new(tcp)
                };
                Ok(Transport::Stream {
                    stream,
                    local,
                    peer: target,
                    timeout: request.timeout,
                    buffer: Vec::new(),
                })
            }
        }
    }

    fn local_address(&self) -> SocketAddr {
        match self {
            Transport::Udp { socket, target, .. } => socket.local_addr().unwrap_or(*target),
            Transport::Stream { local, .. } => *local,
        }
    }

    fn peer(&self) -> SocketAddr {
        match self {
            Transport::Udp { peer, .. } | Transport::Stream { peer, .. } => *peer,
        }
    }

    /// Sends `request` and waits for its final answer (1xx answers are skipped); with the time
    /// from the (first) send to that answer.
    async fn round_trip(
        &mut self,
        request: &rsip::Request,
        call: &Call,
        cseq: u32,
    ) -> Result<(rsip::Response, Vec<u8>, Duration), SipFailure> {
        let sent = Instant::now();
        let (answer, raw) = self.final_answer_to(request, call, cseq).await?;
        Ok((answer, raw, sent.elapsed()))
    }

    async fn final_answer_to(
        &mut self,
        request: &rsip::Request,
        call: &Call,
        cseq: u32,
    ) -> Result<(rsip::Response, Vec<u8>), SipFailure> {
        let bytes: Vec<u8> = request.clone().into();
        match self {
            Transport::Udp {
                socket,
                timeout,
                peer,
                ..
            } => {
                let started = Instant::now();
                let mut interval = T1;
                let mut buffer = vec![0u8; MAX_ANSWER];
                socket
                    .send(&bytes)
                    .await
                    .map_err(|e| SipFailure::Unreachable(e.to_string()))?;
                let mut next_send = started + interval;
                loop {
                    let deadline = started + *timeout;
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(SipFailure::Timeout { waited: *timeout });
                    }
                    let wake = next_send.min(deadline);
                    match tokio::time::timeout(wake - now, socket.recv(&mut buffer)).await {
                        Err(_) if Instant::now() >= deadline => {
                            return Err(SipFailure::Timeout { waited: *timeout })
                        }
                        Err(_) => {
                            // Timer E: send again, waiting twice as long, up to T2.
                            socket
                                .send(&bytes)
                                .await
                                .map_err(|e| SipFailure::Unreachable(e.to_string()))?;
                            interval = (interval * 2).min(T2);
                            next_send = Instant::now() + interval;
                        }
                        // ICMP port unreachable shows as a refused receive on a connected socket.
                        Ok(Err(error)) => return Err(SipFailure::Unreachable(error.to_string())),
                        Ok(Ok(read)) => {
                            let raw = buffer[..read].to_vec();
                            if let Some(answer) = final_answer(&raw, call, cseq)? {
                                *peer = socket.peer_addr().unwrap_or(*peer);
                                return Ok((answer, raw));
                            }
                        }
                    }
                }
            }
            Transport::Stream {
                stream,
                timeout,
                buffer,
                ..
            } => {
                let timeout = *timeout;
                tokio::time::timeout(timeout, stream.write_all(&bytes))
                    .await
                    .map_err(|_| SipFailure::Timeout { waited: timeout })?
                    .map_err(|e| SipFailure::Unreachable(e.to_string()))?;
                let started = Instant::now();
                loop {
                    while let Some(raw) = take_message(buffer)? {
                        if let Some(answer) = final_answer(&raw, call, cseq)? {
                            return Ok((answer, raw));
                        }
                    }
                    let left = timeout.saturating_sub(started.elapsed());
                    let mut chunk = [0u8; 4096];
                    let read = tokio::time::timeout(left, stream.read(&mut chunk))
                        .await
                        .map_err(|_| SipFailure::Timeout { waited: timeout })?
                        .map_err(|e| SipFailure::Unreachable(e.to_string()))?;
                    if read == 0 {
                        return Err(SipFailure::Unreachable(
                            "the trunk closed the connection without answering".to_owned(),
                        ));
                    }
                    buffer.extend_from_slice(&chunk[..read]);
                    if buffer.len() > MAX_ANSWER {
                        return Err(SipFailure::NotSip(
                            "the answer is longer than any SIP answer to OPTIONS".to_owned(),
                        ));
                    }
                }
            }
        }
    }
}

/// The answer in `raw` if it is the final answer to request `cseq`; `None` for a provisional
/// answer or one to another request (a late retransmission's).
fn final_answer(raw: &[u8], call: &Call, cseq: u32) -> Result<Option<rsip::Response>, SipFailure> {
    let message = rsip::SipMessage::try_from(raw).map_err(|error| {
        SipFailure::NotSip(format!("the answer is not a SIP message ({error})"))
    })?;
    let rsip::SipMessage::Response(answer) = message else {
        return Err(SipFailure::NotSip(
            "a SIP request came back instead of an answer".to_owned(),
        ));
    };
    if !call.answers(&answer, cseq) || answer.status_code().code() < 200 {
        return Ok(None);
    }
    Ok(Some(answer))
}

/// One whole message from the front of a stream's buffer: the headers, then `Content-Length`
/// bytes of body.
fn take_message(buffer: &mut Vec<u8>) -> Result<Option<Vec<u8>>, SipFailure> {
    // Keep-alive CRLFs between messages (RFC 5626) are not messages.
    while buffer.starts_with(b"\r\n") {
        buffer.drain(..2);
    }
    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&buffer[..end]);
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            let name = name.trim();
            (name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l"))
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let total = end + 4 + length;
    if buffer.len() < total {
        return Ok(None);
    }
    Ok(Some(buffer.drain(..total).collect()))
}

async fn tls(
    tcp: TcpStream,
    host: &str,
    timeout: Duration,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, SipFailure> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| SipFailure::Tls(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| SipFailure::Tls(e.to_string()))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    tokio::time::timeout(timeout, connector.connect(name, tcp))
        .await
        .map_err(|_| SipFailure::Timeout { waited: timeout })?
        .map_err(|e| SipFailure::Tls(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_gives_whole_messages_only() {
        let mut buffer = b"\r\nSIP/2.0 200 OK\r\nContent-Length: 3\r\n\r\nab".to_vec();
        assert_eq!(take_message(&mut buffer).unwrap(), None);
        buffer.extend_from_slice(b"cSIP/2.0");
        let message = take_message(&mut buffer).unwrap().unwrap();
        assert!(message.ends_with(b"\r\n\r\nabc"), "{message:?}");
        assert_eq!(buffer, b"SIP/2.0");
    }

    #[test]
    fn the_reason_phrase_is_read_as_written() {
        assert_eq!(
            reason_phrase(b"SIP/2.0 488 Not Acceptable Here\r\nVia: x\r\n"),
            "Not Acceptable Here"
        );
        assert_eq!(reason_phrase(b"SIP/2.0 200\r\n"), "");
    }
}
