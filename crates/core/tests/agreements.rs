//! Agreements end to end through a real encrypted vault: template → draft →
//! blocked publish → fix → publish with acknowledged warnings → frozen
//! version (triggers and, past them, verify) → new draft → diff → export → retire.

mod common;

use common::*;
use consent_ledger_core::agreements::{
    self, Behaviour, DiffOp, ExportFormat, Language, TemplateKind,
};
use consent_ledger_core::organisation::Requisites;
use consent_ledger_core::Vault;

fn requisites() -> Requisites {
    Requisites {
        full_name: "Общество с ограниченной ответственностью «Ромашка»".into(),
        short_name: "ООО «Ромашка»".into(),
        inn: "7712345671".into(),
        ogrn: "1027700000129".into(),
        legal_address: "125009, Москва, ул. Тверская, д. 1".into(),
        dpo: "Петров П. П.".into(),
        withdrawal_email: "privacy@romashka.example".into(),
    }
}

fn vault(dir: &std::path::Path) -> Vault {
    let mut v = create(dir).vault;
    v.set_requisites(requisites()).unwrap();
    v
}

fn new(v: &mut Vault, kind: TemplateKind, lang: Language) -> u64 {
    v.with_tx(|tx, _| agreements::create(tx, kind, lang, None, None))
        .unwrap()
}

fn publish(v: &mut Vault, id: u64, ack: &[&str]) -> consent_ledger_core::Result<agreements::Published> {
    let ack: Vec<String> = ack.iter().map(|s| s.to_string()).collect();
    v.with_tx(|tx, actor| agreements::publish(tx, actor, id, &ack, Language::En))
}

#[test]
fn blocked_then_fixed_then_published_with_its_hash_in_the_ledger() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = vault(&tmp.path().join("v"));
    let id = new(&mut v, TemplateKind::Processing, Language::Ru);

    // A blocking error: no purposes.
    let mut c = agreements::view(v.conn(), id, None).unwrap().content;
    c.purposes.clear();
    v.with_tx(|tx, _| agreements::save_draft(tx, id, c.clone())).unwrap();
    let before = v.info().unwrap().events;
    let e = publish(&mut v, id, &[]).unwrap_err();
    assert_eq!(e.code(), "invalid");
    assert!(e.to_string().contains("purpose.missing"), "{e}");
    assert_eq!(v.info().unwrap().events, before, "nothing recorded");
    assert!(agreements::view(v.conn(), id, None).unwrap().version.draft);

    // Fixed, but pre-ticked: a warning that must be acknowledged.
    c.purposes = vec!["Ответ на обращение через форму на сайте".into()];
    c.behaviour = Behaviour::PreTicked;
    v.with_tx(|tx, _| agreements::save_draft(tx, id, c.clone())).unwrap();
    let e = publish(&mut v, id, &[]).unwrap_err();
    assert!(e.to_string().contains("behaviour.preticked_152"), "{e}");
    let p = publish(&mut v, id, &["behaviour.preticked_152"]).unwrap();
    assert_eq!((p.version, p.label.as_str()), (1, format!("A{id}-v1").as_str()));

    let ev = v.event(p.seq).unwrap();
    assert_eq!(ev.kind, "agreement.published");
    let body: serde_json::Value = serde_json::from_str(&ev.body).unwrap();
    assert_eq!(body["content_sha256"], p.content_sha256.as_str());
    assert_eq!(body["acknowledged_warnings"], serde_json::json!(["behaviour.preticked_152"]));
    // No personal data of the DPO in the ledger, only in the hashed snapshot.
    assert!(!ev.body.contains("Петров"));

    let view = agreements::view(v.conn(), id, None).unwrap();
    assert!(!view.version.draft);
    assert_eq!(view.version.content_sha256.as_deref(), Some(p.content_sha256.as_str()));
    assert_eq!(view.requisites, requisites(), "snapshot of the requisites");
    assert!(v.verify(|_, _| true).unwrap().ok());
}

#[test]
fn a_published_version_is_frozen_and_editing_starts_a_new_draft() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut v = vault(&dir);
    let id = new(&mut v, TemplateKind::Gdpr, Language::En);
    let p1 = publish(&mut v, id, &[]).unwrap();

    // Publishing again or editing through SQL is refused.
    assert_eq!(publish(&mut v, id, &[]).unwrap_err().code(), "invalid");
    let raw = raw_conn(&dir);
    for sql in [
        "UPDATE agreement_versions SET content = '{}' WHERE version = 1",
        "UPDATE agreement_versions SET status = 'draft' WHERE version = 1",
        "DELETE FROM agreement_versions WHERE version = 1",
        "DELETE FROM agreements",
        "UPDATE agreements SET language = 'ru'",
    ] {
        let e = raw.execute(sql, []).unwrap_err().to_string();
        assert!(
            e.contains("a published agreement version is immutable")
                || e.contains("agreements are never deleted")
                || e.contains("agreements change only by retirement"),
            "{sql}: {e}"
        );
    }
    drop(raw);

    // A later change of the requisites leaves the published text alone.
    let mut r = requisites();
    r.legal_address = "Санкт-Петербург, Невский пр., 2".into();
    v.set_requisites(r).unwrap();
    let old = agreements::view(v.conn(), id, Some(1)).unwrap();
    assert!(agreements::render::plain_text(&old.document).contains("Тверская"));

    // Editing creates v2; v1 stays readable; the diff shows the change.
    let mut c = old.content.clone();
    c.purposes.push("Sending the newsletter I asked for".into());
    let v2 = v.with_tx(|tx, _| agreements::save_draft(tx, id, c.clone())).unwrap();
    assert_eq!(v2, 2);
    let again = v.with_tx(|tx, _| agreements::save_draft(tx, id, c)).unwrap();
    assert_eq!(again, 2, "a draft is edited in place");
    let d = agreements::diff(v.conn(), id, 1, 2).unwrap();
    let ins: Vec<&str> = d
        .iter()
        .filter(|l| l.op == DiffOp::Insert)
        .map(|l| l.text.as_str())
        .collect();
    assert!(ins.contains(&"• Sending the newsletter I asked for"), "{ins:?}");
    assert!(ins.iter().any(|l| l.contains("Невский")), "{ins:?}");
    assert!(d.iter().any(|l| l.op == DiffOp::Delete && l.text.contains("Тверская")));

    let p2 = publish(&mut v, id, &[]).unwrap();
    assert_ne!(p2.content_sha256, p1.content_sha256);
    let list = agreements::list(v.conn()).unwrap();
    assert_eq!(list[0].published_version, Some(2));
    assert!(v.verify(|_, _| true).unwrap().ok());
}

#[test]
fn altering_a_published_version_past_the_triggers_is_caught_by_verify_and_export() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut v = vault(&dir);
    let id = new(&mut v, TemplateKind::Processing, Language::Ru);
    let p = publish(&mut v, id, &[]).unwrap();
    new(&mut v, TemplateKind::Gdpr, Language::En); // later rows are not blamed
    drop(v);

    raw_conn(&dir)
        .execute_batch(
            "DROP TRIGGER agreement_versions_frozen;
             UPDATE agreement_versions SET content = replace(content, 'Ответ на обращение', 'Продажа базы')
             WHERE agreement_id = 1 AND version = 1;",
        )
        .unwrap();
    let v = Vault::unlock(&dir, PASS).unwrap();
    let report = v.verify(|_, _| true).unwrap();
    let problem = report.problem.expect("tampering detected");
    assert_eq!((problem.code, problem.seq), ("agreement_altered", Some(p.seq)));
    assert!(problem.message.contains(&format!("A{id}-v1")), "{}", problem.message);
    let e = agreements::export(v.conn(), id, None, ExportFormat::Text).unwrap_err();
    assert_eq!(e.code(), "tampered");

}

#[test]
fn rewriting_text_and_hash_together_or_forging_a_publication_is_caught() {
    use sha2::{Digest, Sha256};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut v = vault(&dir);
    let a = new(&mut v, TemplateKind::Gdpr, Language::En);
    let p = publish(&mut v, a, &[]).unwrap();
    let b = new(&mut v, TemplateKind::Gdpr, Language::En); // stays a draft
    drop(v);

    // Text and the row's hash rewritten consistently: the ledger still holds the original.
    let good = tmp.path().join("good");
    copy_vault(&dir, &good);
    let raw = raw_conn(&dir);
    let content: String = raw
        .query_row("SELECT content FROM agreement_versions WHERE agreement_id = ?1", [a as i64], |r| r.get(0))
        .unwrap();
    let forged = content.replace("enquiry", "data sale");
    let forged_hash = hex::encode(Sha256::digest(forged.as_bytes()));
    raw.execute_batch("DROP TRIGGER agreement_versions_frozen").unwrap();
    raw.execute(
        "UPDATE agreement_versions SET content = ?1, content_hash = ?2 WHERE agreement_id = ?3",
        rusqlite::params![forged, forged_hash, a as i64],
    )
    .unwrap();
    drop(raw);
    let v = Vault::unlock(&dir, PASS).unwrap();
    let problem = v.verify(|_, _| true).unwrap().problem.unwrap();
    assert_eq!((problem.code, problem.seq), ("agreement_altered", Some(p.seq)));
    assert_eq!(agreements::export(v.conn(), a, None, ExportFormat::Pdf).unwrap_err().code(), "tampered");
    drop(v);

    // A draft dressed up as published, pointing at another version's event,
    // with a self-consistent hash; no trigger needs dropping for that.
    let raw = raw_conn(&good);
    let text = "{\"forged\":true}";
    raw.execute(
        "UPDATE agreement_versions SET status = 'published', content = ?1, content_hash = ?2,
            published_at = 'x', published_seq = ?3 WHERE agreement_id = ?4",
        rusqlite::params![text, hex::encode(Sha256::digest(text.as_bytes())), p.seq as i64, b as i64],
    )
    .unwrap();
    drop(raw);
    let v = Vault::unlock(&good, PASS).unwrap();
    let problem = v.verify(|_, _| true).unwrap().problem.unwrap();
    assert_eq!((problem.code, problem.seq), ("agreement_altered", Some(p.seq)));
    assert!(problem.message.contains(&format!("A{b}-v1")), "{}", problem.message);
    assert_eq!(agreements::export(v.conn(), b, None, ExportFormat::Text).unwrap_err().code(), "tampered");
}

#[test]
fn retirement_undone_or_invented_past_the_triggers_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut v = vault(&dir);
    let a = new(&mut v, TemplateKind::Gdpr, Language::En);
    let b = new(&mut v, TemplateKind::Gdpr, Language::En);
    let seq = v.with_tx(|tx, actor| agreements::retire(tx, actor, a)).unwrap();
    drop(v);
    let raw = raw_conn(&dir);
    raw.execute_batch("DROP TRIGGER agreements_retire_only").unwrap();
    raw.execute("UPDATE agreements SET retired_at = NULL, retired_seq = NULL WHERE id = ?1", [a as i64]).unwrap();
    drop(raw);
    let v = Vault::unlock(&dir, PASS).unwrap();
    let problem = v.verify(|_, _| true).unwrap().problem.unwrap();
    assert_eq!((problem.code, problem.seq), ("agreement_altered", Some(seq)));
    drop(v);
    let raw = raw_conn(&dir);
    raw.execute("UPDATE agreements SET retired_at = 'x', retired_seq = ?1 WHERE id = ?2", rusqlite::params![seq as i64, a as i64]).unwrap();
    raw.execute("UPDATE agreements SET retired_at = 'x', retired_seq = 1 WHERE id = ?1", [b as i64]).unwrap();
    drop(raw);
    let v = Vault::unlock(&dir, PASS).unwrap();
    let problem = v.verify(|_, _| true).unwrap().problem.unwrap();
    assert_eq!(problem.code, "agreement_altered");
    assert!(problem.message.contains(&format!("A{b}")), "{}", problem.message);
}

#[test]
fn a_deleted_published_version_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut v = vault(&dir);
    let id = new(&mut v, TemplateKind::Gdpr, Language::En);
    let p = publish(&mut v, id, &[]).unwrap();
    drop(v);
    raw_conn(&dir)
        .execute_batch(
            "DROP TRIGGER agreement_versions_no_delete; DELETE FROM agreement_versions;",
        )
        .unwrap();
    let v = Vault::unlock(&dir, PASS).unwrap();
    let problem = v.verify(|_, _| true).unwrap().problem.unwrap();
    assert_eq!((problem.code, problem.seq), ("agreement_altered", Some(p.seq)));
}

#[test]
fn exports_carry_label_and_hash_and_drafts_are_not_exported() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = vault(&tmp.path().join("v"));
    let id = new(&mut v, TemplateKind::Dissemination, Language::Ru);
    assert_eq!(
        agreements::export(v.conn(), id, None, ExportFormat::Pdf).unwrap_err().code(),
        "invalid"
    );
    let p = publish(&mut v, id, &[]).unwrap();
    let txt = agreements::export(v.conn(), id, None, ExportFormat::Text).unwrap();
    assert_eq!(txt.file_name, format!("A{id}-v1.txt"));
    let txt = String::from_utf8(txt.bytes).unwrap();
    assert!(txt.contains(&p.content_sha256));
    assert!(txt.contains("ООО «Ромашка»") || txt.contains("«Ромашка»"));
    let html = String::from_utf8(
        agreements::export(v.conn(), id, Some(1), ExportFormat::Html).unwrap().bytes,
    )
    .unwrap();
    assert!(html.contains(&format!("data-sha256=\"{}\"", p.content_sha256)));
    assert!(html.contains("_category_2"), "a checkbox per category");
    let pdf = agreements::export(v.conn(), id, None, ExportFormat::Pdf).unwrap();
    assert!(pdf.bytes.starts_with(b"%PDF"));
    assert!(pdf.bytes.len() < 300 * 1024, "{} bytes", pdf.bytes.len());
}

#[test]
fn retired_agreements_cannot_change_and_translations_are_linked() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = vault(&tmp.path().join("v"));
    let ru = new(&mut v, TemplateKind::Processing, Language::Ru);
    publish(&mut v, ru, &[]).unwrap();
    let same = v.with_tx(|tx, _| {
        agreements::create(tx, TemplateKind::Processing, Language::Ru, None, Some(ru))
    });
    assert_eq!(same.unwrap_err().code(), "invalid");
    let en = v
        .with_tx(|tx, _| {
            agreements::create(tx, TemplateKind::Processing, Language::En, Some("Consent (EN)"), Some(ru))
        })
        .unwrap();
    assert_eq!(agreements::view(v.conn(), en, None).unwrap().translation_of, Some(ru));
    // A translation keeps the original's template and law.
    let other = v.with_tx(|tx, _| agreements::create(tx, TemplateKind::Gdpr, Language::En, None, Some(ru)));
    assert_eq!(other.unwrap_err().code(), "invalid");
    let promo = new(&mut v, TemplateKind::Marketing, Language::Ru);
    let promo_en = v
        .with_tx(|tx, _| agreements::create(tx, TemplateKind::Marketing, Language::En, None, Some(promo)))
        .unwrap();
    assert_eq!(
        agreements::view(v.conn(), promo_en, None).unwrap().content.regime,
        agreements::Regime::Fz152
    );
    assert_eq!(agreements::view(v.conn(), ru, None).unwrap().translations, vec![en]);

    let seq = v.with_tx(|tx, actor| agreements::retire(tx, actor, ru)).unwrap();
    assert_eq!(v.event(seq).unwrap().kind, "agreement.retired");
    let c = agreements::view(v.conn(), ru, None).unwrap().content;
    assert_eq!(
        v.with_tx(|tx, _| agreements::save_draft(tx, ru, c)).unwrap_err().code(),
        "invalid"
    );
    assert_eq!(
        v.with_tx(|tx, actor| agreements::retire(tx, actor, ru)).unwrap_err().code(),
        "invalid"
    );
    // Still readable and exportable as evidence.
    assert!(agreements::export(v.conn(), ru, Some(1), ExportFormat::Text).is_ok());
    assert!(agreements::list(v.conn()).unwrap().iter().any(|s| s.id == ru && s.retired_at.is_some()));
}

#[test]
fn bad_input_is_refused_and_nothing_is_stored_half_way() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = vault(&tmp.path().join("v"));
    let id = new(&mut v, TemplateKind::Gdpr, Language::En);
    let good = agreements::view(v.conn(), id, None).unwrap().content;

    let mut huge = good.clone();
    huge.extra = "x".repeat(agreements::model::MAX_TEXT_CHARS + 1);
    let mut other_template = good.clone();
    other_template.template = TemplateKind::Marketing;
    let mut other_law = good.clone();
    other_law.regime = agreements::Regime::Fz152;
    for bad in [huge, other_template, other_law] {
        assert_eq!(
            v.with_tx(|tx, _| agreements::save_draft(tx, id, bad)).unwrap_err().code(),
            "invalid"
        );
    }
    assert_eq!(agreements::view(v.conn(), id, None).unwrap().content, good);

    // Markup is stored and shown as text.
    let mut html = good.clone();
    html.title = "<script>alert('x')</script>".into();
    v.with_tx(|tx, _| agreements::save_draft(tx, id, html)).unwrap();
    let view = agreements::view(v.conn(), id, None).unwrap();
    assert_eq!(view.content.title, "<script>alert('x')</script>");
    assert_eq!(
        agreements::view(v.conn(), 99, None).unwrap_err().code(),
        "not_found"
    );
}
