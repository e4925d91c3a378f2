//! JSON consent receipts and records: Kantara Consent Receipt v1.1 and
//! ISO/IEC TS 27560 consent records (as the W3C DPV guide "consent-27560"
//! writes them), one object, an array, or an object holding an array.
//!
//! What the readers rely on:
//! - Kantara CR v1.1: `consentTimestamp` (Unix seconds; 12–13 digits are
//!   taken as milliseconds, as some generators write), `piiPrincipalId`,
//!   `piiControllers`, `policyUrl`, `services[].service`,
//!   `services[].purposes[]`, `collectionMethod`, `jurisdiction`,
//!   `consentReceiptID`. A receipt records consent given; a `state`/`status`
//!   member (WSO2 writes `ACTIVE`/`REVOKED`) is honoured when present.
//! - ISO/IEC TS 27560 with DPV: the record identifier (`dct:identifier`,
//!   ISO `record_id`), the data subject (`dpv:hasDataSubject`, ISO
//!   `pii_principal_id`), the consent status or statuses
//!   (`dpv:hasConsentStatus`, ISO event `state`) with their time
//!   (`dpv:isIndicatedAtTime`, or a record-level `timestamp`/`hasTimestamp`),
//!   the notice (`dpv:hasNotice`), the indication method
//!   (`dpv:hasIndicationMethod`), and personal data given as
//!   `dpv:hasPersonalData` `{"@type": "pd:EmailAddress", "rdf:value": …}`.
//!   A receipt (`dpv:hasRecordOfActivity`) is read through to its record.
//!   Member names match with or without their prefix and in camelCase or
//!   snake_case. Statuses map: ConsentGiven / RenewedConsentGiven → given,
//!   ConsentRefused → refused, ConsentWithdrawn → withdrawn;
//!   ConsentRequested, ConsentRequestDeferred and ConsentUnknown are skipped
//!   (the subject did nothing); others (ConsentExpired, ConsentInvalidated,
//!   ConsentTerminated, …) are row errors, as they are not the subject's act.
//!   A record with several statuses gives one row per status.
//!
//! A top-level array is split one element at a time (the file is never held
//! as one parsed value); a single object, or an object holding the array
//! (`records`, `receipts`, `consents`, `@graph`), is parsed whole.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;

use chrono::{TimeZone, Utc};
use serde_json::{Map, Value};

use super::mapping::preset_mapping;
use super::input::Input;
use super::{normalize_email, normalize_phone, parse_action, parse_datetime, parse_ip, sha256_hex};
use super::{Action, Format, Options, Preset, Preview, Row, RowError, Source};
use crate::error::{Error, Result};

/// Wrapper members whose array holds the records.
const WRAPPERS: [&str; 6] = [
    "records",
    "receipts",
    "consentrecords",
    "consentreceipts",
    "consents",
    "@graph",
];

/// `dpv:hasConsentStatus` → `hasconsentstatus`; `pii_principal_id` →
/// `piiprincipalid`; `@id` stays.
fn key(k: &str) -> String {
    let k = if k.starts_with('@') {
        k
    } else {
        k.rsplit(':').next().unwrap_or(k)
    };
    k.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

fn get<'v>(o: &'v Map<String, Value>, names: &[&str]) -> Option<&'v Value> {
    names.iter().find_map(|n| {
        o.iter()
            .find(|(k, v)| key(k) == *n && !v.is_null())
            .map(|(_, v)| v)
    })
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value, the `@id`/identifier of an object, or the first of an array.
fn ident(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => get(
            o,
            &[
                "hasidentifier",
                "identifier",
                "@id",
                "id",
                "url",
                "title",
                "value",
            ],
        )
        .and_then(ident),
        Value::Array(a) => a.iter().find_map(ident),
        _ => as_text(v),
    }
}

fn flatten(o: &Map<String, Value>) -> BTreeMap<String, String> {
    o.iter()
        .filter_map(|(k, v)| {
            let s = match v {
                Value::Null => return None,
                Value::String(s) if s.trim().is_empty() => return None,
                Value::String(s) => s.clone(),
                Value::Object(_) | Value::Array(_) => v.to_string(),
                _ => v.to_string(),
            };
            Some((k.clone(), s))
        })
        .collect()
}

/// An identifier as an e-mail or a phone number.
enum Who {
    Email(String),
    Phone(String),
    Neither,
}

fn who(id: &str) -> Who {
    if let Some(e) = normalize_email(id) {
        return Who::Email(e);
    }
    let t = id.trim().trim_start_matches("tel:");
    if t.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
        if let Some(p) = normalize_phone(t) {
            return Who::Phone(p);
        }
    }
    Who::Neither
}

struct Base {
    line: u64,
    fields: BTreeMap<String, String>,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    subject_id: Option<String>,
    agreement: Option<String>,
    channel: Option<String>,
    url: Option<String>,
    ip: Option<std::net::IpAddr>,
    reasons: Vec<String>,
}

impl Base {
    fn new(line: u64, o: &Map<String, Value>) -> Base {
        let mut b = Base {
            line,
            fields: flatten(o),
            name: None,
            email: None,
            phone: None,
            subject_id: None,
            agreement: None,
            channel: None,
            url: get(o, &["url", "pageurl"]).and_then(as_text),
            ip: None,
            reasons: Vec::new(),
        };
        if let Some(raw) = get(o, &["ip", "ipaddress"]).and_then(as_text) {
            match parse_ip(&raw) {
                Some(a) => b.ip = Some(a),
                None => b
                    .reasons
                    .push(format!("IP {raw:?} is not an IPv4 or IPv6 address")),
            }
        }
        b
    }

    fn identify(&mut self, id: Option<String>) {
        if let Some(id) = id {
            match who(&id) {
                Who::Email(e) => self.email = self.email.take().or(Some(e)),
                Who::Phone(p) => self.phone = self.phone.take().or(Some(p)),
                Who::Neither => {}
            }
            self.subject_id = Some(id);
        }
    }

    fn row(
        &self,
        action: Action,
        at: Option<(chrono::DateTime<Utc>, String)>,
        channel: Option<String>,
    ) -> std::result::Result<Row, RowError> {
        let mut reasons = self.reasons.clone();
        if self.name.is_none() && self.email.is_none() && self.phone.is_none() {
            reasons.push(match &self.subject_id {
                Some(id) => format!("subject identifier {id:?} is neither an e-mail nor a phone number, and no name, e-mail or phone is given"),
                None => "no name, e-mail or phone: a consent must say whose it is".into(),
            });
        }
        match (at, reasons.is_empty()) {
            (Some((acted_at, acted_at_original)), true) => Ok(Row {
                line: self.line,
                name: self.name.clone(),
                email: self.email.clone(),
                phone: self.phone.clone(),
                address: None,
                id_document: None,
                action,
                acted_at,
                acted_at_original,
                ip: self.ip,
                url: self.url.clone(),
                user_agent: None,
                channel: channel.or_else(|| self.channel.clone()),
                agreement: self.agreement.clone(),
                fields: self.fields.clone(),
                warnings: Vec::new(),
            }),
            (at, _) => {
                if at.is_none() {
                    reasons.insert(0, "no time of the consent event".into());
                }
                Err(RowError::text(self.line, reasons.join("; ")))
            }
        }
    }
}

/// A time given as a number (Unix seconds, or milliseconds) or a string.
fn time_of(v: &Value) -> std::result::Result<(chrono::DateTime<Utc>, String), String> {
    let original = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let parsed = match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) if i.abs() >= 100_000_000_000 => Utc.timestamp_millis_opt(i).single(),
            Some(i) => Utc.timestamp_opt(i, 0).single(),
            None => n.as_f64().and_then(|f| {
                Utc.timestamp_millis_opt((f * 1000.0).round() as i64)
                    .single()
            }),
        },
        Value::String(s) => parse_datetime(s),
        _ => None,
    };
    parsed
        .map(|t| (t, original.clone()))
        .ok_or_else(|| format!("date {original:?} is not a date"))
}

fn kantara(line: u64, v: &Value) -> std::result::Result<Row, RowError> {
    let Some(o) = v.as_object() else {
        return Err(RowError::text(line, "the record is not a JSON object"));
    };
    let mut b = Base::new(line, o);
    b.identify(get(o, &["piiprincipalid"]).and_then(ident));
    b.agreement = get(o, &["policyurl"]).and_then(as_text).or_else(|| {
        get(o, &["services"])
            .and_then(|s| s.as_array())
            .and_then(|a| a.first())
            .and_then(|s| s.as_object())
            .and_then(|s| get(s, &["service"]))
            .and_then(as_text)
    });
    b.channel = get(o, &["collectionmethod"]).and_then(as_text);
    let mut action = Action::Given;
    if let Some(raw) = get(o, &["state", "status", "consentstatus"]).and_then(as_text) {
        match parse_action(&raw) {
            Some(a) => action = a,
            None => b
                .reasons
                .push(format!("status {raw:?} is not given, refused or withdrawn")),
        }
    }
    let at = match get(o, &["consenttimestamp"]).map(time_of) {
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            return Err(RowError::text(line, [vec![e], b.reasons].concat().join("; ")))
        }
        None => {
            return Err(RowError::text(line, [vec!["no consentTimestamp".to_string()], b.reasons]
                    .concat()
                    .join("; ")))
        }
    };
    b.row(action, at, None)
}

/// The personal data of a DPV record: `{"@type": "pd:EmailAddress", "rdf:value": "…"}`.
fn personal_data(v: &Value, b: &mut Base) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| personal_data(x, b)),
        Value::Object(o) => {
            if let Some(pd) = get(o, &["haspersonaldata"]) {
                personal_data(pd, b);
            }
            let types: Vec<String> = match get(o, &["@type", "type"]) {
                Some(Value::Array(a)) => a.iter().filter_map(as_text).collect(),
                Some(t) => as_text(t).into_iter().collect(),
                None => vec![],
            };
            let Some(value) = get(o, &["value"]).and_then(as_text) else {
                return;
            };
            for t in types.iter().map(|t| key(t)) {
                if t.contains("email") {
                    if let Some(e) = normalize_email(&value) {
                        b.email = b.email.take().or(Some(e));
                    }
                } else if t.contains("telephone") || t.contains("phone") {
                    if let Some(p) = normalize_phone(&value) {
                        b.phone = b.phone.take().or(Some(p));
                    }
                } else if t == "name" || t == "fullname" || t == "legalname" {
                    b.name = b.name.take().or(Some(value.clone()));
                }
            }
        }
        _ => {}
    }
}

/// What a DPV status is to the importer.
enum Status {
    Act(Action),
    Skip,
    Other(String),
}

fn status_of(s: &str) -> Status {
    if let Some(a) = parse_action(s) {
        return Status::Act(a);
    }
    let k = key(s.rsplit(['#', '/']).next().unwrap_or(s));
    if [
        "consentrequested",
        "consentrequestdeferred",
        "consentunknown",
        "requested",
        "deferred",
        "unknown",
    ]
    .contains(&k.as_str())
    {
        Status::Skip
    } else {
        Status::Other(s.to_string())
    }
}

fn iso27560(line: u64, v: &Value) -> Vec<std::result::Result<Row, RowError>> {
    let Some(o) = v.as_object() else {
        return vec![Err(RowError::text(line, "the record is not a JSON object"))];
    };
    // A receipt: read its record(s).
    if let Some(inner) = get(o, &["hasrecordofactivity"]) {
        return match inner {
            Value::Array(a) => a.iter().flat_map(|r| iso27560(line, r)).collect(),
            r @ Value::Object(_) => iso27560(line, r),
            _ => vec![Err(RowError::text(line, "hasRecordOfActivity is neither a record nor a list of records"))],
        };
    }
    let mut b = Base::new(line, o);
    if let Some(ds) = get(
        o,
        &[
            "hasdatasubject",
            "piiprincipalid",
            "piiprincipal",
            "datasubject",
            "datasubjectid",
            "subject",
        ],
    ) {
        let obj = match ds {
            Value::Array(a) => a.first().and_then(Value::as_object),
            other => other.as_object(),
        };
        if let Some(d) = obj {
            b.name = get(d, &["name", "fullname"]).and_then(as_text);
            if let Some(e) = get(d, &["email", "hasemail", "emailaddress"]).and_then(as_text) {
                b.email = normalize_email(&e);
            }
            if let Some(p) =
                get(d, &["telephone", "phone", "hastelephone", "phonenumber"]).and_then(as_text)
            {
                b.phone = normalize_phone(&p);
            }
            if let Some(pd) = get(d, &["haspersonaldata"]) {
                personal_data(pd, &mut b);
            }
        }
        b.identify(ident(ds));
    }
    for k in ["hasprocess", "haspersonaldata"] {
        if let Some(p) = get(o, &[k]) {
            personal_data(&Value::Array(vec![p.clone()]), &mut b);
        }
    }
    b.agreement = get(o, &["hasnotice", "notice", "privacynotice", "policyurl"])
        .and_then(ident)
        .or_else(|| {
            get(o, &["hasprocess"])
                .and_then(|p| match p {
                    Value::Array(a) => a.first().and_then(Value::as_object),
                    other => other.as_object(),
                })
                .and_then(|p| get(p, &["hasservice", "service"]))
                .and_then(ident)
        });
    b.channel = get(
        o,
        &[
            "hasindicationmethod",
            "expressionmethod",
            "collectionmethod",
            "method",
        ],
    )
    .and_then(as_text);
    let record_time = get(
        o,
        &[
            "isindicatedattime",
            "timestamp",
            "hastimestamp",
            "eventtime",
            "consenttimestamp",
            "time",
        ],
    );

    let statuses: Vec<&Value> = match get(
        o,
        &[
            "hasconsentstatus",
            "consentstatus",
            "status",
            "state",
            "eventstate",
            "consentstate",
        ],
    ) {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => vec![],
    };
    if statuses.is_empty() {
        let mut r = b.reasons.clone();
        r.insert(0, "no consent status (dpv:hasConsentStatus)".into());
        return vec![Err(RowError::text(line, r.join("; ")))];
    }
    let mut out = Vec::new();
    for st in statuses {
        let (names, time, method): (Vec<String>, Option<&Value>, Option<String>) = match st {
            Value::Object(s) => (
                match get(s, &["@type", "type", "status", "state", "value"]) {
                    Some(Value::Array(a)) => a.iter().filter_map(as_text).collect(),
                    Some(t) => as_text(t).into_iter().collect(),
                    None => vec![],
                },
                get(
                    s,
                    &[
                        "isindicatedattime",
                        "timestamp",
                        "hastimestamp",
                        "eventtime",
                        "time",
                    ],
                ),
                get(s, &["hasindicationmethod", "method"]).and_then(as_text),
            ),
            other => (as_text(other).into_iter().collect(), None, None),
        };
        let statuses: Vec<Status> = names.iter().map(|n| status_of(n)).collect();
        let chosen = statuses.iter().find_map(|s| {
            if let Status::Act(a) = s {
                Some(*a)
            } else {
                None
            }
        });
        let action = match chosen {
            Some(a) => a,
            None if statuses.iter().any(|s| matches!(s, Status::Skip)) => continue,
            None => {
                let what = statuses
                    .iter()
                    .find_map(|s| {
                        if let Status::Other(o) = s {
                            Some(o.clone())
                        } else {
                            None
                        }
                    })
                    .unwrap_or_else(|| "(none)".into());
                out.push(Err(RowError::text(line, format!("status {what:?} is not given, refused or withdrawn"))));
                continue;
            }
        };
        let at = match time.or(record_time) {
            Some(t) => match time_of(t) {
                Ok(t) => Some(t),
                Err(e) => {
                    out.push(Err(RowError::text(line, e)));
                    continue;
                }
            },
            None => None,
        };
        out.push(b.row(action, at, method));
    }
    if out.is_empty() {
        out.push(Err(RowError::text(line, "the record has no given, refused or withdrawn status (only requested/unknown)")));
    }
    out
}

fn looks_kantara(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        get(o, &["consenttimestamp"]).is_some()
            || (get(o, &["piiprincipalid"]).is_some() && get(o, &["services"]).is_some())
    })
}

/// Splits a top-level JSON array into its elements without parsing them.
struct ArraySplitter<'a> {
    text: Cow<'a, str>,
    pos: usize,
    done: bool,
}

impl<'a> ArraySplitter<'a> {
    /// `text[start]` is the opening `[`.
    fn new(text: Cow<'a, str>, start: usize) -> Self {
        ArraySplitter {
            text,
            pos: start + 1,
            done: false,
        }
    }

    /// Where the next element lies in `text`.
    fn next_element(&mut self) -> Option<std::result::Result<Range<usize>, String>> {
        if self.done {
            return None;
        }
        let b = self.text.as_bytes();
        while self.pos < b.len() && (b[self.pos].is_ascii_whitespace() || b[self.pos] == b',') {
            self.pos += 1;
        }
        if self.pos >= b.len() {
            self.done = true;
            return Some(Err(
                "the JSON array is not closed: the file looks truncated".into(),
            ));
        }
        if b[self.pos] == b']' {
            self.done = true;
            let rest = self.text[self.pos + 1..].trim();
            return (!rest.is_empty())
                .then(|| Err("text after the end of the JSON array".to_string()));
        }
        let start = self.pos;
        let mut depth = 0usize;
        let mut in_str = false;
        let mut esc = false;
        let mut i = start;
        while i < b.len() {
            let c = b[i];
            if in_str {
                if esc {
                    esc = false;
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    in_str = false;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
            } else {
                match c {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth == 0 => break,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    b',' if depth == 0 => break,
                    _ => {}
                }
            }
            i += 1;
        }
        if in_str || depth > 0 || i > b.len() {
            self.done = true;
            return Some(Err("the record is cut off: the file looks truncated".into()));
        }
        self.pos = i;
        Some(Ok(start..i))
    }
}

enum Src<'a> {
    Stream(ArraySplitter<'a>),
    Owned(std::vec::IntoIter<Value>),
}

/// The records of a JSON file, as rows.
pub(crate) struct JsonRows<'a> {
    src: Src<'a>,
    preset: Option<Preset>,
    index: u64,
    pending: VecDeque<std::result::Result<Row, RowError>>,
    first: Option<Value>,
}

impl JsonRows<'_> {
    /// The next record as a value, with its 1-based number.
    fn next_value(&mut self) -> Option<(u64, std::result::Result<Value, String>)> {
        if let Some(v) = self.first.take() {
            self.index += 1;
            return Some((self.index, Ok(v)));
        }
        let item = match &mut self.src {
            Src::Owned(it) => it.next().map(Ok),
            Src::Stream(s) => s.next_element().map(|r| {
                r.and_then(|range| {
                    serde_json::from_str::<Value>(&s.text[range])
                        .map_err(|e| format!("the record is not valid JSON: {e}"))
                })
            }),
        }?;
        self.index += 1;
        Some((self.index, item))
    }
}

impl Iterator for JsonRows<'_> {
    type Item = std::result::Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Some(r);
            }
            let (line, v) = self.next_value()?;
            let v = match v {
                Ok(v) => v,
                Err(reason) => return Some(Err(RowError::text(line, reason))),
            };
            let preset = self.preset.unwrap_or(if looks_kantara(&v) {
                Preset::Kantara
            } else {
                Preset::Iso27560
            });
            match preset {
                Preset::Kantara => return Some(kantara(line, &v)),
                _ => self.pending.extend(iso27560(line, &v)),
            }
        }
    }
}

struct Opened<'a> {
    rows: JsonRows<'a>,
    headers: Vec<String>,
    preset: Preset,
    sha256: String,
}

/// The largest JSON file read from disk: its text is held whole while its
/// records are read one at a time. (Decimal megabytes, as file managers show.)
pub const MAX_JSON_BYTES: u64 = 160_000_000;
/// The largest JSON file that is not a list (`[…]`): it is parsed whole,
/// which takes several times its size.
pub const MAX_JSON_OBJECT_BYTES: u64 = 16_000_000;

/// True when the text (after a BOM and white space) starts a list.
fn is_list(head: &[u8]) -> bool {
    let b = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'[')
}

/// The file as UTF-8 text without its BOM, and its SHA-256; a file on disk
/// larger than this app reads whole is refused before it is read.
fn text_of(input: Input<'_>) -> Result<(Cow<'_, str>, String)> {
    let bytes = if is_list(&input.head(64 * 1024)?) {
        input.whole(MAX_JSON_BYTES, "the JSON file", "split its list of records into several files")?
    } else {
        input.whole(
            MAX_JSON_OBJECT_BYTES,
            "the JSON file, which is not a list of records,",
            "write the records as a list ([{…}, {…}]), which is read one record at a time, or split the file",
        )?
    };
    let not_utf8 = |e: std::str::Utf8Error| {
        Error::Invalid(format!(
            "the JSON file is not UTF-8 (bad byte at offset {}); JSON must be UTF-8",
            e.valid_up_to()
        ))
    };
    let sha256 = sha256_hex(&bytes);
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let text = match bytes {
        Cow::Borrowed(b) => Cow::Borrowed(std::str::from_utf8(&b[bom..]).map_err(not_utf8)?),
        Cow::Owned(mut v) => {
            v.drain(..bom);
            Cow::Owned(String::from_utf8(v).map_err(|e| not_utf8(e.utf8_error()))?)
        }
    };
    Ok((text, sha256))
}

fn open_json<'a>(input: Input<'a>, opts: &Options) -> Result<Opened<'a>> {
    let (text, sha256) = text_of(input)?;
    let start = text.len() - text.trim_start().len();
    let mut rows = JsonRows {
        src: Src::Owned(Vec::new().into_iter()),
        preset: opts.preset,
        index: 0,
        pending: VecDeque::new(),
        first: None,
    };
    if text[start..].starts_with('[') {
        let mut s = ArraySplitter::new(text, start);
        match s.next_element() {
            None => {}
            Some(Ok(first)) => {
                rows.first = Some(serde_json::from_str(&s.text[first]).map_err(|e| {
                    Error::Invalid(format!("the first record is not valid JSON: {e}"))
                })?);
            }
            Some(Err(e)) => return Err(Error::Invalid(e)),
        }
        rows.src = Src::Stream(s);
    } else {
        let v: Value = serde_json::from_str(&text[start..])
            .map_err(|e| Error::Invalid(format!("the file is not valid JSON: {e}")))?;
        let list = match v {
            Value::Object(mut o) => {
                let wrapper = o
                    .keys()
                    .find(|k| WRAPPERS.contains(&key(k).as_str()) && o[*k].is_array())
                    .cloned();
                match wrapper {
                    Some(k) => match o.remove(&k) {
                        Some(Value::Array(a)) => a,
                        _ => unreachable!("checked to be an array"),
                    },
                    None => vec![Value::Object(o)],
                }
            }
            _ => {
                return Err(Error::Invalid(
                    "the JSON file holds neither a record nor a list of records".into(),
                ))
            }
        };
        let mut it = list.into_iter();
        rows.first = it.next();
        rows.src = Src::Owned(it);
    }
    let headers: Vec<String> = rows
        .first
        .as_ref()
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let preset = opts.preset.unwrap_or(match &rows.first {
        Some(v) if looks_kantara(v) => Preset::Kantara,
        _ => Preset::Iso27560,
    });
    Ok(Opened {
        rows,
        headers,
        preset,
        sha256,
    })
}

pub(crate) fn open<'a>(input: Input<'a>, opts: &Options) -> Result<(Source, JsonRows<'a>)> {
    let o = open_json(input, opts)?;
    let source = Source {
        format: Format::Json,
        encoding: "utf-8".into(),
        delimiter: None,
        mapping: preset_mapping(o.preset, &o.headers),
        headers: o.headers,
        sha256: o.sha256,
        preset: Some(o.preset),
    };
    Ok((source, o.rows))
}

pub(crate) fn preview(input: Input<'_>, opts: &Options, n: usize) -> Result<Preview> {
    let mut o = open_json(input, opts)?;
    let mut rows = Vec::new();
    while rows.len() < n {
        match o.rows.next_value() {
            Some((_, Ok(Value::Object(m)))) => rows.push(
                o.headers
                    .iter()
                    .map(|h| match m.get(h) {
                        None | Some(Value::Null) => String::new(),
                        Some(Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                    })
                    .collect(),
            ),
            Some((_, Ok(v))) => rows.push(vec![v.to_string()]),
            Some((line, Err(e))) => return Err(Error::Invalid(format!("record {line}: {e}"))),
            None => break,
        }
    }
    let mapping = preset_mapping(o.preset, &o.headers);
    Ok(Preview {
        source: Source {
            format: Format::Json,
            encoding: "utf-8".into(),
            delimiter: None,
            headers: o.headers,
            sha256: o.sha256,
            preset: Some(o.preset),
            mapping: mapping.clone(),
        },
        rows,
        suggested: mapping,
        missing: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{open as open_any, Action, Options, Preset};

    fn all(text: &str) -> Vec<Result<super::Row, super::RowError>> {
        open_any(text.as_bytes(), &Options::default())
            .unwrap()
            .1
            .collect()
    }

    #[test]
    fn kantara_receipt() {
        let r = all(
            r#"{"version":"KI-CR-v1.1.0","jurisdiction":"RU","consentTimestamp":1741936921,"collectionMethod":"web form",
            "consentReceiptID":"0f8a…","piiPrincipalId":"Ivan@Example.ru","piiControllers":[{"piiController":"ООО Ромашка"}],
            "policyUrl":"https://romashka.example/privacy/v2","services":[{"service":"Рассылка","purposes":[{"purpose":"Новости","consentType":"EXPLICIT"}]}]}"#,
        );
        let row = r[0].as_ref().unwrap();
        assert_eq!(row.line, 1);
        assert_eq!(row.email.as_deref(), Some("ivan@example.ru"));
        assert_eq!(row.acted_at.to_rfc3339(), "2025-03-14T07:22:01+00:00");
        assert_eq!(row.acted_at_original, "1741936921");
        assert_eq!(
            row.agreement.as_deref(),
            Some("https://romashka.example/privacy/v2")
        );
        assert_eq!(row.channel.as_deref(), Some("web form"));
        assert_eq!(row.fields["jurisdiction"], "RU");
        assert!(row.fields["services"].contains("Рассылка"));
        assert_eq!(row.action, Action::Given);
    }

    #[test]
    fn kantara_without_policy_url_and_with_bad_subject() {
        let r = all(
            r#"[{"consentTimestamp":1741936921000,"piiPrincipalId":"+7 916 123-45-67","services":[{"service":"Доставка"}]},
                       {"consentTimestamp":"вчера","piiPrincipalId":"user-42"},
                       {"consentTimestamp":1741936921,"piiPrincipalId":"user-42","state":"REVOKED"}]"#,
        );
        let a = r[0].as_ref().unwrap();
        assert_eq!(
            (a.phone.as_deref(), a.agreement.as_deref()),
            (Some("79161234567"), Some("Доставка"))
        );
        assert_eq!(a.acted_at.to_rfc3339(), "2025-03-14T07:22:01+00:00");
        let e = r[1].as_ref().unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.reason.contains("\"вчера\" is not a date"), "{}", e.reason);
        let e = r[2].as_ref().unwrap_err();
        assert!(
            e.reason
                .contains("\"user-42\" is neither an e-mail nor a phone"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn dpv_record_with_given_and_withdrawn() {
        let r = all(
            r#"{"@id":"https://example.com/a6f5","@type":"dpv:ConsentRecord","dct:identifier":"a6f5",
            "dpv:hasDataSubject":{"@id":"0760c9ba","dpv:hasPersonalData":{"@type":"pd:EmailAddress","rdf:value":"anna@example.ru"}},
            "dpv:hasNotice":{"@id":"https://example.com/notices/v3","@type":"dpv:ConsentNotice"},
            "dpv:hasConsentStatus":[
              {"@type":"dpv:ConsentRequested","dpv:isIndicatedAtTime":"2024-01-01T09:00:00Z"},
              {"@type":["dpv:ConsentGiven","dpv:ExpressedConsent"],"dpv:hasIndicationMethod":"Interaction in App","dpv:isIndicatedAtTime":"2024-01-01"},
              {"@type":"dpv:ConsentWithdrawn","dpv:isIndicatedAtTime":"2024-04-20T10:00:00+03:00"}]}"#,
        );
        assert_eq!(r.len(), 2, "{r:?}");
        let g = r[0].as_ref().unwrap();
        assert_eq!(
            (g.action, g.email.as_deref()),
            (Action::Given, Some("anna@example.ru"))
        );
        assert_eq!(
            g.agreement.as_deref(),
            Some("https://example.com/notices/v3")
        );
        assert_eq!(g.channel.as_deref(), Some("Interaction in App"));
        assert_eq!(g.acted_at_original, "2024-01-01");
        let w = r[1].as_ref().unwrap();
        assert_eq!(
            (w.action, w.acted_at.to_rfc3339()),
            (Action::Withdrawn, "2024-04-20T07:00:00+00:00".to_string())
        );
    }

    #[test]
    fn iso_plain_names_and_expired_status() {
        let r = all(r#"{"records":[
            {"record_id":"r1","pii_principal_id":"oleg@example.com","state":"refused","timestamp":"2025-03-14T10:00:00+03:00"},
            {"record_id":"r2","pii_principal_id":"oleg@example.com","status":"ConsentExpired","hasTimestamp":"2025-03-14T10:00:00Z"},
            {"record_id":"r3","pii_principal_id":"oleg@example.com","dpv:hasConsentStatus":"dpv:ConsentGiven"}]}"#);
        assert_eq!(r[0].as_ref().unwrap().action, Action::Refused);
        assert!(r[1].as_ref().unwrap_err().reason.contains("ConsentExpired"));
        let e = r[2].as_ref().unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.reason.contains("no time"), "{}", e.reason);
    }

    #[test]
    fn truncated_and_invalid_arrays() {
        let r = all(
            r#"[{"consentTimestamp":1741936921,"piiPrincipalId":"a@b.ru"}, {"consentTimestamp":17419"#,
        );
        assert!(r[0].is_ok());
        let e = r[1].as_ref().unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.reason.contains("truncated"), "{}", e.reason);
        let r = all(
            r#"[{"consentTimestamp":1741936921,"piiPrincipalId":"a@b.ru"}, {"x": tru}, "str", {"consentTimestamp":1741936921,"piiPrincipalId":"c@d.ru"}]"#,
        );
        assert_eq!(r.len(), 4);
        assert!(r[1].as_ref().unwrap_err().reason.contains("not valid JSON"));
        assert!(r[2].is_err());
        assert!(r[3].is_ok());
        assert!(open_any(b"{\"a\": ", &Options::default()).is_err());
        assert!(open_any(b"[{\"a\": ", &Options::default()).is_err());
        assert_eq!(all("[]").len(), 0);
        assert_eq!(all("[ ]").len(), 0);
    }

    #[test]
    fn preset_forces_the_reader() {
        let text = r#"[{"piiPrincipalId":"a@b.ru","consentTimestamp":1741936921}]"#;
        let (src, rows) = open_any(
            text.as_bytes(),
            &Options {
                preset: Some(Preset::Iso27560),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(src.preset, Some(Preset::Iso27560));
        let r: Vec<_> = rows.collect();
        assert!(r[0]
            .as_ref()
            .unwrap_err()
            .reason
            .contains("no consent status"));
    }
}
