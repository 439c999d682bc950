//! What a SIP trunk connection is made of, checked field by field: where the agent's outbound
//! calls go (host or SIP URI, transport, port), optional digest credentials, and the carrier's
//! signalling ranges for an allow-list. Every check names the field and what to change.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::secrets::Sensitive;
use crate::store::sip_trunks::SipTrunkRow;

/// How SIP messages travel to the trunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SipTransport {
    Udp,
    Tcp,
    Tls,
}

impl SipTransport {
    pub const ALL: [SipTransport; 3] = [SipTransport::Udp, SipTransport::Tcp, SipTransport::Tls];

    pub fn as_str(self) -> &'static str {
        match self {
            SipTransport::Udp => "udp",
            SipTransport::Tcp => "tcp",
            SipTransport::Tls => "tls",
        }
    }

    pub fn parse(text: &str) -> Option<SipTransport> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text))
    }

    /// The port a trunk listens on when none is given (RFC 3261: 5060, and 5061 for TLS).
    pub fn default_port(self) -> u16 {
        match self {
            SipTransport::Tls => 5061,
            SipTransport::Udp | SipTransport::Tcp => 5060,
        }
    }

    /// How the UI and the check's steps name it.
    pub fn label(self) -> &'static str {
        match self {
            SipTransport::Udp => "UDP",
            SipTransport::Tcp => "TCP",
            SipTransport::Tls => "TLS",
        }
    }
}

impl std::fmt::Display for SipTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// What the SIP trunk form sends, before any check.
#[derive(Debug, Clone, Default)]
pub struct SipTrunkForm {
    pub name: String,
    /// A host name, an IP address, `host:port`, or a SIP URI (`sip:host:port;transport=tcp`).
    pub termination: String,
    /// `udp`, `tcp` or `tls`; from the URI's `transport` parameter when empty.
    pub transport: Option<String>,
    pub port: Option<String>,
    pub username: Option<String>,
    pub password: Option<Sensitive<String>>,
    /// The carrier's signalling addresses: IPs or CIDR ranges, one per entry.
    pub allowed_ranges: Vec<String>,
}

/// A trunk whose every field passed. The host is a domain name or an IP literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipTrunk {
    pub host: String,
    pub transport: SipTransport,
    /// The port given, or the transport's default when none was.
    pub port: u16,
    /// Whether a port was given. Without one, a host name's SIP SRV records say where the trunk
    /// listens (RFC 3263), and `port` is only the fallback.
    pub port_given: bool,
    pub allowed_ranges: Vec<IpNet>,
}

impl SipTrunk {
    /// The trunk as its row keeps it (the row passed these checks when it was saved).
    pub fn from_row(row: &SipTrunkRow) -> Result<SipTrunk, SipTrunkError> {
        Ok(SipTrunk {
            host: row.host.clone(),
            transport: SipTransport::parse(&row.transport)
                .ok_or_else(|| SipTrunkError::UnknownTransport(row.transport.clone()))?,
            port: row.port,
            port_given: row.port_given,
            allowed_ranges: ranges(&row.allowed_ranges)?,
        })
    }

    /// The termination target as a SIP URI, as the check sends its OPTIONS to it.
    pub fn termination_uri(&self) -> String {
        let host = match self.host.parse::<IpAddr>() {
            Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
            _ => self.host.clone(),
        };
        let scheme = if self.transport == SipTransport::Tls {
            "sips"
        } else {
            "sip"
        };
        let port = if self.port_given {
            format!(":{}", self.port)
        } else {
            String::new()
        };
        format!(
            "{scheme}:{host}{port};transport={}",
            self.transport.as_str()
        )
    }

    /// Whether `address` is inside one of the allow-listed ranges (`None`: no list was given).
    pub fn allows(&self, address: IpAddr) -> Option<bool> {
        if self.allowed_ranges.is_empty() {
            return None;
        }
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        Some(
            self.allowed_ranges
                .iter()
                .any(|range| range.contains(&address)),
        )
    }
}

/// Digest credentials of a trunk: both or neither.
#[derive(Clone, PartialEq, Eq)]
pub struct SipDigest {
    pub username: String,
    pub password: Sensitive<String>,
}

impl std::fmt::Debug for SipDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipDigest")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// The most ranges one trunk keeps; carriers publish a handful.
pub const MAX_RANGES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SipTrunkError {
    #[error("Enter where outbound calls go: the carrier's SIP host (for example sip.example.com) or a SIP URI.")]
    NoHost,
    #[error("\"{0}\" is not a host name or IP address. Enter something like sip.example.com or 203.0.113.10.")]
    NotAHost(String),
    #[error("\"{0}\" is not a SIP URI NumberDesk can use. Write it as sip:host, sip:host:port or sip:host;transport=tcp.")]
    BadUri(String),
    #[error("Choose UDP, TCP or TLS as the transport (\"{0}\" is none of them).")]
    UnknownTransport(String),
    #[error("The URI says transport {uri} but the form says {form}. Pick one.")]
    TransportClash {
        uri: SipTransport,
        form: SipTransport,
    },
    #[error("The port must be a number from 1 to 65535 (\"{0}\" is not).")]
    PortOutOfRange(String),
    #[error("The URI gives port {uri} but the form says {form}. Pick one.")]
    PortClash { uri: u16, form: u16 },
    #[error("TLS on port 5060 will not connect: 5060 is SIP's unencrypted port. Use 5061 (or the TLS port your carrier gives), or choose UDP or TCP.")]
    TlsOn5060,
    #[error("A username needs its password: enter the trunk's digest password, or clear the username if the trunk authenticates by IP.")]
    UsernameWithoutPassword,
    #[error(
        "A password needs its username: enter the trunk's digest username, or clear the password."
    )]
    PasswordWithoutUsername,
    #[error("\"{0}\" is not an IP address or a range in CIDR form (for example 203.0.113.0/24).")]
    BadRange(String),
    #[error("At most {MAX_RANGES} signalling ranges can be listed for one trunk.")]
    TooManyRanges,
}

impl UserError for SipTrunkError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::NoHost
            | Self::NotAHost(_)
            | Self::BadUri(_)
            | Self::UnknownTransport(_)
            | Self::TransportClash { .. }
            | Self::PortOutOfRange(_)
            | Self::PortClash { .. }
            | Self::TlsOn5060
            | Self::UsernameWithoutPassword
            | Self::PasswordWithoutUsername
            | Self::BadRange(_)
            | Self::TooManyRanges => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

/// Checks every field of the form (the name is the connection's, checked when it is saved).
pub fn validate(form: &SipTrunkForm) -> Result<(SipTrunk, Option<SipDigest>), SipTrunkError> {
    let target = termination(form.termination.trim())?;
    let form_transport = match blank(form.transport.as_deref()) {
        None => None,
        Some(text) => Some(
            SipTransport::parse(text)
                .ok_or_else(|| SipTrunkError::UnknownTransport(text.to_owned()))?,
        ),
    };
    let transport = match (target.transport, form_transport) {
        (Some(uri), Some(form)) if uri != form => {
            return Err(SipTrunkError::TransportClash { uri, form })
        }
        (Some(chosen), _) | (None, Some(chosen)) => chosen,
        (None, None) if target.secure => SipTransport::Tls,
        (None, None) => SipTransport::Udp,
    };
    let form_port = match blank(form.port.as_deref()) {
        None => None,
        Some(text) => Some(port(text)?),
    };
    let (port, port_given) = match (target.port, form_port) {
        (Some(uri), Some(form)) if uri != form => {
            return Err(SipTrunkError::PortClash { uri, form })
        }
        (Some(chosen), _) | (None, Some(chosen)) => (chosen, true),
        (None, None) => (transport.default_port(), false),
    };
    if transport == SipTransport::Tls && port == 5060 {
        return Err(SipTrunkError::TlsOn5060);
    }
    let digest = match (
        blank(form.username.as_deref()),
        form.password.as_ref().filter(|p| !p.expose().is_empty()),
    ) {
        (Some(username), Some(password)) => Some(SipDigest {
            username: username.to_owned(),
            password: password.clone(),
        }),
        (Some(_), None) => return Err(SipTrunkError::UsernameWithoutPassword),
        (None, Some(_)) => return Err(SipTrunkError::PasswordWithoutUsername),
        (None, None) => None,
    };
    let allowed_ranges = ranges(&form.allowed_ranges)?;
    Ok((
        SipTrunk {
            host: target.host,
            transport,
            port,
            port_given,
            allowed_ranges,
        },
        digest,
    ))
}

fn blank(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// What the termination field named.
struct Termination {
    host: String,
    port: Option<u16>,
    transport: Option<SipTransport>,
    /// `sips:`: TLS unless a transport says otherwise.
    secure: bool,
}

fn termination(text: &str) -> Result<Termination, SipTrunkError> {
    if text.is_empty() {
        return Err(SipTrunkError::NoHost);
    }
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("sip:") || lower.starts_with("sips:") {
        return sip_uri(text);
    }
    let (host, port) = split_host_port(text)?;
    Ok(Termination {
        host: checked_host(host)?,
        port,
        transport: None,
        secure: false,
    })
}

/// A SIP URI, read by rsip; only its host, port and `transport` parameter are kept.
fn sip_uri(text: &str) -> Result<Termination, SipTrunkError> {
    let bad = || SipTrunkError::BadUri(text.to_owned());
    let uri = rsip::Uri::try_from(text).map_err(|_| bad())?;
    let secure = matches!(uri.scheme, Some(rsip::Scheme::Sips));
    let host = match &uri.host_with_port.host {
        rsip::Host::Domain(domain) => checked_host(&domain.to_string())?,
        rsip::Host::IpAddr(ip) => ip.to_string(),
    };
    let port = match uri.host_with_port.port.as_ref() {
        None => None,
        Some(port) => Some(self::port(&port.to_string())?),
    };
    let transport = match uri.transport() {
        None => None,
        Some(rsip::Transport::Udp) => Some(SipTransport::Udp),
        Some(rsip::Transport::Tcp) => Some(SipTransport::Tcp),
        Some(rsip::Transport::Tls) => Some(SipTransport::Tls),
        Some(other) => return Err(SipTrunkError::UnknownTransport(other.to_string())),
    };
    Ok(Termination {
        host,
        port,
        transport,
        secure,
    })
}

/// `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address.
fn split_host_port(text: &str) -> Result<(&str, Option<u16>), SipTrunkError> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| SipTrunkError::NotAHost(text.to_owned()))?;
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(self::port(port)?))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(SipTrunkError::NotAHost(text.to_owned())),
        };
    }
    if text.parse::<IpAddr>().is_ok() {
        return Ok((text, None));
    }
    match text.rsplit_once(':') {
        Some((host, port)) => Ok((host, Some(self::port(port)?))),
        None => Ok((text, None)),
    }
}

fn port(text: &str) -> Result<u16, SipTrunkError> {
    match text.trim().parse::<u32>() {
        Ok(port @ 1..=65535) => Ok(port as u16),
        _ => Err(SipTrunkError::PortOutOfRange(text.trim().to_owned())),
    }
}

/// An IP literal as it is, or a domain name of letter-digit-hyphen labels (RFC 1123), lower-cased.
fn checked_host(text: &str) -> Result<String, SipTrunkError> {
    let text = text.trim().trim_end_matches('.');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(ip.to_string());
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let labels: Vec<&str> = text.split('.').collect();
    let all_digits = labels
        .iter()
        .all(|label| label.bytes().all(|b| b.is_ascii_digit()));
    if text.is_empty() || text.len() > 253 || !labels.iter().all(|l| label_ok(l)) || all_digits {
        return Err(SipTrunkError::NotAHost(text.to_owned()));
    }
    Ok(text.to_ascii_lowercase())
}

fn ranges(entries: &[String]) -> Result<Vec<IpNet>, SipTrunkError> {
    let mut ranges: Vec<IpNet> = Vec::new();
    for entry in entries
        .iter()
        .flat_map(|entry| entry.split([',', '\n', ' ']))
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let range = match entry.parse::<IpNet>() {
            Ok(range) => range.trunc(),
            Err(_) => entry
                .parse::<IpAddr>()
                .map(IpNet::from)
                .map_err(|_| SipTrunkError::BadRange(entry.to_owned()))?,
        };
        if !ranges.contains(&range) {
            ranges.push(range);
        }
    }
    if ranges.len() > MAX_RANGES {
        return Err(SipTrunkError::TooManyRanges);
    }
    Ok(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(termination: &str) -> SipTrunkForm {
        SipTrunkForm {
            name: "Office trunk".into(),
            termination: termination.into(),
            ..SipTrunkForm::default()
        }
    }

    #[test]
    fn a_host_a_uri_and_their_defaults() {
        let (trunk, digest) = validate(&form("SIP.Example.com")).unwrap();
        assert_eq!(trunk.host, "sip.example.com");
        assert_eq!((trunk.transport, trunk.port), (SipTransport::Udp, 5060));
        assert!(digest.is_none());
        let (trunk, _) = validate(&form("sip:pbx.example.net:5080;transport=tcp")).unwrap();
        assert_eq!(
            (trunk.host.as_str(), trunk.transport, trunk.port),
            ("pbx.example.net", SipTransport::Tcp, 5080)
        );
        let (trunk, _) = validate(&form("sips:pbx.example.net")).unwrap();
        assert_eq!((trunk.transport, trunk.port), (SipTransport::Tls, 5061));
        assert!(!trunk.port_given);
        assert_eq!(
            trunk.termination_uri(),
            "sips:pbx.example.net;transport=tls"
        );
        let (trunk, _) = validate(&form("[2001:db8::5]:5070")).unwrap();
        assert_eq!((trunk.host.as_str(), trunk.port), ("2001:db8::5", 5070));
        assert_eq!(
            trunk.termination_uri(),
            "sip:[2001:db8::5]:5070;transport=udp"
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(validate(&form("  ")).unwrap_err(), SipTrunkError::NoHost);
        for bad in [
            "not a host",
            "-bad.example.com",
            "a..b",
            "sip_x.example.com",
            "999.1.1.1",
        ] {
            assert!(
                matches!(
                    validate(&form(bad)).unwrap_err(),
                    SipTrunkError::NotAHost(_)
                ),
                "{bad}"
            );
        }
        for (port, ok) in [
            ("0", false),
            ("65536", false),
            ("x", false),
            ("65535", true),
        ] {
            let result = validate(&SipTrunkForm {
                port: Some(port.into()),
                ..form("sip.example.com")
            });
            assert_eq!(result.is_ok(), ok, "{port}");
        }
        let tls_5060 = SipTrunkForm {
            transport: Some("TLS".into()),
            port: Some("5060".into()),
            ..form("sip.example.com")
        };
        assert_eq!(validate(&tls_5060).unwrap_err(), SipTrunkError::TlsOn5060);
        assert_eq!(
            validate(&form("sips:sip.example.com:5060")).unwrap_err(),
            SipTrunkError::TlsOn5060
        );
        let clash = SipTrunkForm {
            transport: Some("udp".into()),
            ..form("sip:sip.example.com;transport=tcp")
        };
        assert!(matches!(
            validate(&clash).unwrap_err(),
            SipTrunkError::TransportClash { .. }
        ));
        let lonely = SipTrunkForm {
            username: Some("agent".into()),
            ..form("sip.example.com")
        };
        assert_eq!(
            validate(&lonely).unwrap_err(),
            SipTrunkError::UsernameWithoutPassword
        );
        let orphan = SipTrunkForm {
            password: Some(Sensitive::new("pw".into())),
            ..form("sip.example.com")
        };
        assert_eq!(
            validate(&orphan).unwrap_err(),
            SipTrunkError::PasswordWithoutUsername
        );
        let range = SipTrunkForm {
            allowed_ranges: vec!["203.0.113.0/24".into(), "10.0.0.300".into()],
            ..form("sip.example.com")
        };
        assert_eq!(
            validate(&range).unwrap_err(),
            SipTrunkError::BadRange("10.0.0.300".into())
        );
    }

    #[test]
    fn ranges_decide_whether_an_address_is_allowed() {
        let (trunk, _) = validate(&SipTrunkForm {
            allowed_ranges: vec!["203.0.113.7/24, 198.51.100.9".into()],
            ..form("sip.example.com")
        })
        .unwrap();
        assert_eq!(trunk.allowed_ranges.len(), 2);
        assert_eq!(trunk.allows("203.0.113.200".parse().unwrap()), Some(true));
        assert_eq!(trunk.allows("198.51.100.9".parse().unwrap()), Some(true));
        assert_eq!(trunk.allows("198.51.100.10".parse().unwrap()), Some(false));
        assert_eq!(
            trunk.allows("::ffff:203.0.113.1".parse().unwrap()),
            Some(true)
        );
        let (open, _) = validate(&form("sip.example.com")).unwrap();
        assert_eq!(open.allows("192.0.2.1".parse().unwrap()), None);
    }
}
