//! `cargo bench -p consent-ledger-core --bench agreements`: checking,
//! publishing and exporting a 20-page agreement, next to this machine's own
//! limits measured in the same run (a bare committed SQLCipher write, SHA-256
//! of the same bytes).

use std::time::{Duration, Instant};

use consent_ledger_core::agreements::{self, ExportFormat, Language, TemplateKind};
use consent_ledger_core::crypto::KdfParams;
use consent_ledger_core::{CreateOptions, Vault};
use sha2::{Digest, Sha256};

const PASS: &str = "tulip orbit canyon ledger 42";
const RUNS: usize = 15;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn time<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    (median(times), last.unwrap())
}

/// About 20 A4 pages of Russian legal prose, with a few long lists.
fn long_content() -> agreements::Content {
    let mut c = agreements::templates::get(TemplateKind::Processing, Language::Ru)
        .unwrap()
        .content
        .clone();
    let para = "Оператор обеспечивает конфиденциальность и безопасность персональных данных при их обработке, принимает необходимые правовые, организационные и технические меры для защиты персональных данных от неправомерного или случайного доступа к ним, уничтожения, изменения, блокирования, копирования, предоставления, распространения, а также от иных неправомерных действий в отношении персональных данных. ";
    c.extra = (0..152)
        .map(|i| format!("{}. {}", i + 1, para))
        .collect::<Vec<_>>()
        .join("\n\n");
    c.purposes = (1..=30)
        .map(|i| format!("Цель обработки номер {i}: исполнение обязательств по договору и обратная связь"))
        .collect();
    c.form_fields = (1..=40).map(|i| format!("Поле формы {i}")).collect();
    c
}

/// Page objects in the PDF: `/Type /Page` (with or without the space), not `/Pages`.
fn pages(pdf: &[u8]) -> usize {
    let count = |pat: &[u8]| {
        pdf.windows(pat.len() + 1)
            .filter(|w| &w[..pat.len()] == pat && w[pat.len()] != b's')
            .count()
    };
    count(b"/Type /Page") + count(b"/Type/Page")
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let opts = CreateOptions {
        organisation: "ООО «Бенчмарк»".into(),
        operator: "bench".into(),
        kdf: KdfParams::insecure_for_tests(),
    };
    let mut v = Vault::create(&tmp.path().join("v"), PASS, &opts).unwrap().vault;
    let mut r = v.requisites().unwrap();
    r.full_name = "Общество с ограниченной ответственностью «Бенчмарк»".into();
    r.legal_address = "125009, г. Москва, ул. Примерная, д. 1".into();
    r.withdrawal_email = "privacy@bench.example".into();
    v.set_requisites(r.clone()).unwrap();
    let content = long_content();
    let chars: usize = agreements::render::plain_text(&agreements::render::document(&content, &r))
        .chars()
        .count();

    // Machine limits: one committed write to the encrypted database, SHA-256 of the text.
    // (A throwaway table in this throwaway vault: a bare durable insert of the same text.)
    v.conn()
        .execute_batch("CREATE TABLE bench_limit (x TEXT)")
        .unwrap();
    let text = serde_json::to_string(&content).unwrap();
    let (commit, _) = time(|| {
        let tx = v.conn_mut().transaction().unwrap();
        tx.execute("INSERT INTO bench_limit (x) VALUES (?1)", [&text]).unwrap();
        tx.commit().unwrap();
    });
    let (hash, _) = time(|| Sha256::digest(text.as_bytes()));

    let (check, findings) = time(|| agreements::check(&content, &r, Language::Ru));
    assert!(findings.is_empty(), "{findings:?}");
    let (render, _) = time(|| agreements::render::document(&content, &r));

    // Publishing: each run publishes a fresh draft of the same 20-page text.
    let mut publish = Vec::new();
    let mut last = 0;
    for _ in 0..RUNS {
        let id = v
            .with_tx(|tx, _| agreements::create(tx, TemplateKind::Processing, Language::Ru, None, None))
            .unwrap();
        v.with_tx(|tx, _| agreements::save_draft(tx, id, content.clone()))
            .unwrap();
        let t = Instant::now();
        v.with_tx(|tx, actor| agreements::publish(tx, actor, id, &[], Language::Ru))
            .unwrap();
        publish.push(t.elapsed());
        last = id;
    }
    let publish = median(publish);

    let (pdf_time, pdf) = time(|| agreements::export(v.conn(), last, None, ExportFormat::Pdf).unwrap());
    let (html_time, html) = time(|| agreements::export(v.conn(), last, None, ExportFormat::Html).unwrap());
    std::fs::write(tmp.path().join("bench.pdf"), &pdf.bytes).unwrap();

    println!("agreement of {chars} characters, {} PDF pages (median of {RUNS} runs)", pages(&pdf.bytes));
    println!("  machine: durable SQLCipher insert of the same text {:>7.2} ms", ms(commit));
    println!("  machine: SHA-256 of the content ({} KB)           {:>8.3} ms", text.len() / 1024, ms(hash));
    println!("  compliance check                                  {:>8.3} ms   (target < 50 ms)", ms(check));
    println!("  render document blocks                            {:>8.3} ms", ms(render));
    println!("  publish (check, render, hash, ledger event, commit) {:>6.2} ms   (target < 50 ms)", ms(publish));
    println!("  export PDF                                        {:>8.1} ms   (target < 300 ms)", ms(pdf_time));
    println!("  PDF size                                          {:>8} KB   (target < 300 KB)", pdf.bytes.len() / 1024);
    println!("  export HTML snippet                               {:>8.2} ms, {} KB", ms(html_time), html.bytes.len() / 1024);
    if let Ok(out) = std::env::var("BENCH_PDF_OUT") {
        std::fs::write(out, &pdf.bytes).unwrap();
    }
}
