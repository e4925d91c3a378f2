//! What an access or portability answer holds: everything the vault keeps
//! about a person (every merged subject) — personal data records, every
//! consent, refusal and withdrawal with its exact agreement version, what
//! those versions say (purposes, data, recipients, storage, term), earlier
//! requests — gathered into one model ([`Facts`], schema
//! `consent-ledger/access/1`, documented in docs/FORMAT.md) that the JSON
//! and CSV exports write and the answer letters will render.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::NaiveDate;
use rusqlite::Connection;
use serde::Serialize;

use crate::agreements::{self, model::ThirdParty};
use crate::consents::{self, export::neutralise};
use crate::error::{Error, Result};
use crate::subjects;

pub const SCHEMA: &str = "consent-ledger/access/1";

#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    pub name: String,
    pub inn: String,
    pub ogrn: String,
    pub address: String,
    pub contact: String,
    pub email: String,
}

/// The person's identifiers and current contact details.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// The subject everything was merged into.
    pub subject: String,
    /// Every subject that is this person.
    pub subjects: Vec<String>,
    pub names: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub erased: bool,
    /// Processing restricted (blocked): only storage allowed.
    pub restricted: bool,
}

/// One record of personal data and the event that committed to it.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub event_seq: u64,
    pub kind: String,
    pub recorded_at: String,
    pub data: serde_json::Value,
    pub matches_ledger: bool,
}

/// One consent action.
#[derive(Debug, Clone, Serialize)]
pub struct Consent {
    pub id: u64,
    pub action: String,
    pub acted_at: String,
    pub agreement: String,
    pub agreement_sha256: Option<String>,
    pub channel: String,
    pub url: Option<String>,
    pub ip: Option<String>,
}

/// What an agreement version the person acted on says about the processing.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub label: String,
    pub title: String,
    pub law: String,
    pub content_sha256: Option<String>,
    pub purposes: Vec<String>,
    pub data_items: Vec<String>,
    pub actions: Vec<String>,
    pub methods: Option<String>,
    pub third_parties: Vec<ThirdParty>,
    pub storage: String,
    pub term: String,
    pub withdrawal: String,
}

/// An earlier (or this) request of the person.
#[derive(Debug, Clone, Serialize)]
pub struct RequestSummary {
    pub id: u64,
    pub kind: String,
    pub law: String,
    pub received: String,
    pub status: String,
    pub due: String,
    pub closed_on: Option<String>,
    pub outcome: Option<String>,
}

/// Everything an access answer states.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub schema: &'static str,
    /// The day the facts were gathered.
    pub as_of: String,
    /// The request answered, if any.
    pub request: Option<u64>,
    pub organisation: Organisation,
    pub person: Person,
    pub records: Vec<Record>,
    pub consents: Vec<Consent>,
    pub agreements: Vec<Agreement>,
    pub requests: Vec<RequestSummary>,
}

/// Gathers the facts about the person `subject` belongs to.
pub fn gather(conn: &Connection, subject: &str, request: Option<u64>, today: NaiveDate) -> Result<Facts> {
    let root = consents::current_subject(conn, subject)?;
    let all = consents::same_person(conn, &root)?;
    let r = crate::organisation::get(conn)?;
    let organisation = Organisation {
        name: r.full_name,
        inn: r.inn,
        ogrn: r.ogrn,
        address: r.legal_address,
        contact: r.dpo,
        email: r.withdrawal_email,
    };
    let erased: bool = conn.query_row(
        "SELECT erased_at IS NOT NULL FROM subjects WHERE id = ?1",
        [&root],
        |r| r.get(0),
    )?;
    let mut person = Person {
        subject: root.clone(),
        subjects: all.clone(),
        names: vec![],
        emails: vec![],
        phones: vec![],
        erased,
        restricted: super::fulfil::is_restricted(conn, &root)?,
    };
    let mut records = vec![];
    {
        let mut contacts = conn.prepare_cached("SELECT kind, value FROM subject_contacts WHERE subject_id = ?1 ORDER BY kind, value")?;
        for s in &all {
            let rows = contacts
                .query_map([s], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for (k, v) in rows {
                let list = match k.as_str() {
                    "name" => &mut person.names,
                    "email" => &mut person.emails,
                    _ => &mut person.phones,
                };
                if !list.contains(&v) {
                    list.push(v);
                }
            }
            match subjects::data(conn, s) {
                Ok(data) => {
                    for d in data {
                        let e = crate::ledger::get(conn, d.event_seq)?;
                        records.push(Record {
                            event_seq: d.event_seq,
                            kind: e.kind,
                            recorded_at: e.recorded_at,
                            data: d.data,
                            matches_ledger: d.matches_ledger,
                        });
                    }
                }
                Err(Error::Erased(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    records.sort_by_key(|r| r.event_seq);
    let timeline = consents::timeline(conn, &root)?;
    let mut versions: BTreeMap<(u64, u32), ()> = BTreeMap::new();
    let consents = timeline
        .items
        .iter()
        .map(|d| {
            versions.insert((d.entry.agreement, d.entry.version), ());
            Consent {
                id: d.entry.id,
                action: d.entry.action.as_str().into(),
                acted_at: d.entry.acted_at.clone(),
                agreement: d.entry.label.clone(),
                agreement_sha256: d.content_sha256.clone(),
                channel: d.entry.channel.as_str().into(),
                url: d.entry.url.clone(),
                ip: d.data["ip"].as_str().map(String::from),
            }
        })
        .collect();
    let mut agreements_out = vec![];
    for (a, v) in versions.keys() {
        let view = agreements::view(conn, *a, Some(*v))?;
        let c = &view.content;
        agreements_out.push(Agreement {
            label: view.version.label.clone(),
            title: c.title.clone(),
            law: match c.regime {
                agreements::Regime::Fz152 => "152-fz".into(),
                agreements::Regime::Gdpr => "gdpr".into(),
            },
            content_sha256: view.version.content_sha256.clone(),
            purposes: c.purposes.clone(),
            data_items: c.data_items.clone(),
            actions: c.actions.clone(),
            methods: c.methods.map(|m| serde_json::to_value(m).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()),
            third_parties: c.third_parties.clone(),
            storage: c.storage.clone(),
            term: c.term.clone(),
            withdrawal: c.withdrawal.clone(),
        });
    }
    let requests = super::list(
        conn,
        &super::Filter { subject: Some(root.clone()), ..Default::default() },
        None,
        1000,
        today,
    )?
    .into_iter()
    .map(|i| RequestSummary {
        id: i.id,
        kind: i.kind.as_str().into(),
        law: i.law.as_str().into(),
        received: i.received,
        status: i.status.as_str().into(),
        due: i.due,
        closed_on: i.closed_on,
        outcome: i.outcome,
    })
    .collect();
    Ok(Facts {
        schema: SCHEMA,
        as_of: today.to_string(),
        request,
        organisation,
        person,
        records,
        consents,
        agreements: agreements_out,
        requests,
    })
}

/// The facts as JSON (RFC 8785 canonical, so the same facts give the same bytes).
pub fn json(facts: &Facts) -> Result<String> {
    let v = serde_json::to_value(facts).map_err(|e| Error::Invalid(e.to_string()))?;
    crate::ledger::canonical_json(&v)
}

/// The consents as CSV (`;`, UTF-8 with BOM, formula-safe), one row per action.
pub fn csv(facts: &Facts, out: impl Write) -> Result<()> {
    let io = |e: csv::Error| Error::io("writing the CSV", e.into());
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(out);
    w.write_record([
        "\u{feff}id", "acted_at", "action", "agreement", "agreement_sha256", "channel", "url", "ip",
    ])
    .map_err(io)?;
    for c in &facts.consents {
        let id = c.id.to_string();
        let row = [
            id.as_str(),
            &c.acted_at,
            &c.action,
            &c.agreement,
            c.agreement_sha256.as_deref().unwrap_or(""),
            &c.channel,
            c.url.as_deref().unwrap_or(""),
            c.ip.as_deref().unwrap_or(""),
        ];
        w.write_record(row.iter().map(|v| neutralise(v).into_owned())).map_err(io)?;
    }
    w.flush().map_err(|e| Error::io("writing the CSV", e))?;
    Ok(())
}

/// Writes the answer as `json_path` and the CSV beside it (same name,
/// `.csv`), each atomically; returns both paths.
pub fn write_files(facts: &Facts, json_path: &std::path::Path) -> Result<[std::path::PathBuf; 2]> {
    crate::files::write_atomic(json_path, json(facts)?.as_bytes())?;
    let mut buf = Vec::new();
    csv(facts, &mut buf)?;
    let csv_path = json_path.with_extension("csv");
    crate::files::write_atomic(&csv_path, &buf)?;
    Ok([json_path.to_path_buf(), csv_path])
}

/// The third parties the person's data went to (GDPR Art. 19: tell each of
/// a rectification, erasure or restriction), from the agreements they acted on.
pub fn recipients(facts: &Facts) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for a in &facts.agreements {
        for t in &a.third_parties {
            let s = if t.address.is_empty() { t.name.clone() } else { format!("{}, {}", t.name, t.address) };
            if !t.name.is_empty() && !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}
