//! Audited reading: opening a person's data, searching the register and
//! every export are ledger events too (`read.person`, `read.search`,
//! `read.export`), recorded by every role. Their bodies say what was read,
//! how many rows and which filter fields were used — never the values: a
//! search records that a text was typed, not the text; a person's page is
//! about the person's pseudonymous subject id, like every other event about
//! them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::ledger::NewEvent;
use crate::vault::Vault;

text_enum!(
    /// What was read.
    #[cfg_attr(feature = "ts", ts(rename = "ReadWhat"))]
    What, "read", [
    PersonPage = "person_page",
    RequestPage = "request_page",
    Register = "register",
    PersonSearch = "person_search",
    ConsentsCsv = "consents_csv",
    ConsentsIso27560 = "consents_iso27560",
    AccessAnswer = "access_answer",
    SuppressionList = "suppression_list",
    Document = "document",
    RequestFile = "request_file",
]);

/// The names of the filter fields that were set (not their values).
pub fn fields(pairs: &[(&str, bool)]) -> Vec<String> {
    pairs.iter().filter(|(_, set)| *set).map(|(k, _)| k.to_string()).collect()
}

/// The register filter's fields that were set (`text` when a search text was typed).
pub fn filter_fields(f: &crate::consents::Filter) -> Vec<String> {
    fields(&[
        ("agreement", f.agreement.is_some()),
        ("version", f.version.is_some()),
        ("action", f.action.is_some()),
        ("channel", f.channel.is_some()),
        ("from", f.from.is_some()),
        ("to", f.to.is_some()),
        ("subject", f.subject.is_some()),
        ("text", f.text.as_deref().is_some_and(|t| !t.trim().is_empty())),
    ])
}

/// Whether a register listing is a search (a text or a person named), audited as one.
pub fn is_search(f: &crate::consents::Filter) -> bool {
    f.subject.is_some() || f.text.as_deref().is_some_and(|t| !t.trim().is_empty())
}

/// A log that no longer takes events (shorter than its own checkpoints,
/// see [`crate::ledger::append`]) is flagged already; reading it to find out
/// what happened stays possible.
fn recorded(r: Result<Vec<u64>>) -> Result<u64> {
    match r {
        Ok(s) => Ok(s[0]),
        Err(Error::Tampered(_)) => Ok(0),
        Err(e) => Err(e),
    }
}

impl Vault {
    /// Records that a person's data was opened (`read.person`, about their subject).
    pub fn audit_person(&mut self, subject: &str, what: What) -> Result<u64> {
        let ev = NewEvent::new("read.person", json!({ "what": what.as_str() })).about(subject);
        recorded(self.record_any(&[ev]))
    }

    /// Records a search (`read.search`): which filter fields were set and how many rows it found.
    pub fn audit_search(&mut self, what: What, fields: Vec<String>, results: u64) -> Result<u64> {
        let ev = NewEvent::new("read.search", json!({ "what": what.as_str(), "fields": fields, "results": results }));
        recorded(self.record_any(&[ev]))
    }

    /// Records an export (`read.export`): what, how many rows, and facts
    /// without personal data (filter fields, a document's id, a format).
    pub fn audit_export(&mut self, what: What, rows: u64, detail: Value) -> Result<u64> {
        let mut body = json!({ "what": what.as_str(), "rows": rows });
        if let (Some(b), Value::Object(d)) = (body.as_object_mut(), detail) {
            for (k, v) in d {
                b.insert(k, v);
            }
        }
        recorded(self.record_any(&[NewEvent::new("read.export", body)]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_names_of_the_fields_set_are_kept() {
        assert_eq!(fields(&[("text", true), ("agreement", false), ("from", true)]), ["text", "from"]);
        assert!(fields(&[]).is_empty());
    }
}
