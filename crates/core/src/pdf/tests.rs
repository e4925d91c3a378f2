//! End-to-end tests of PDF rendering (real fonts, real bytes) and an ignored
//! test that writes sample PDFs to `target/pdf-samples/` and times rendering.

use super::*;
use chrono::TimeZone;

const RU_WORDS: &[&str] = &[
    "оператор", "обрабатывает", "персональные", "данные", "субъекта", "на", "основании",
    "согласия", "которое", "может", "быть", "отозвано", "в", "любой", "момент", "путём",
    "направления", "письменного", "заявления", "сведения", "хранятся", "в", "зашифрованном",
    "виде", "и", "не", "передаются", "третьим", "лицам", "без", "законного", "основания",
    "журнал", "изменений", "защищён", "от", "подделки", "цепочкой", "хэшей",
];
const EN_WORDS: &[&str] = &[
    "the", "controller", "processes", "personal", "data", "of", "the", "subject", "on",
    "the", "basis", "of", "consent", "which", "may", "be", "withdrawn", "at", "any", "time",
    "by", "written", "notice", "records", "are", "kept", "encrypted", "and", "never",
    "shared", "with", "third", "parties", "without", "a", "lawful", "basis", "the",
    "ledger", "is", "protected", "against", "tampering", "by", "a", "chain", "of", "hashes",
];

/// Deterministic pseudo-text of `n` words.
fn words(list: &[&str], n: usize, seed: usize) -> String {
    let mut s: String = (0..n)
        .map(|i| list[(i * 7 + seed * 13 + i / 5) % list.len()])
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(first) = s.chars().next() {
        s.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
    }
    s + "."
}

fn fake_hash(seed: usize) -> String {
    hex::encode(Sha256::digest(seed.to_le_bytes()))
}

/// A document of about `sections` / 2.5 pages, with every kind of block.
fn sample(lang: &str, sections: usize) -> PdfDoc {
    let ru = lang == "ru";
    let list = if ru { RU_WORDS } else { EN_WORDS };
    let t = |r: &str, e: &str| if ru { r.to_string() } else { e.to_string() };
    let mut blocks = vec![
        Block::Title(t(
            "Отчёт о согласиях на обработку персональных данных",
            "Report on consents to the processing of personal data",
        )),
        Block::KeyValues(vec![
            (t("Организация", "Organisation"), t("ООО «Ромашка», ИНН 7700000000", "Daisy Ltd, reg. no. 01234567")),
            (t("Сформирован", "Generated"), "2025-03-14 09:26:53 UTC".into()),
            (t("Хэш последнего события", "Hash of the last event"), fake_hash(1)),
            (t("Примечание", "Note"), words(list, 40, 3)),
        ]),
        Block::Paragraph(words(list, 90, 1)),
    ];
    if ru {
        blocks.push(Block::Heading("Очень длинное слово".into()));
        let long: String = "Длинноеслововбезпробелов".chars().cycle().take(200).collect();
        blocks.push(Block::Paragraph(format!(
            "Перед словом. {long} После слова идёт обычный текст, который переносится как обычно.\nНовая строка после переноса."
        )));
    }
    for s in 0..sections {
        blocks.push(Block::Heading(format!(
            "{}. {}",
            s + 1,
            words(list, 3 + s % 6, s).trim_end_matches('.')
        )));
        blocks.push(Block::Paragraph(words(list, 60 + (s * 37) % 120, s)));
        match s % 4 {
            0 => blocks.push(Block::Bullets(
                (0..4).map(|i| words(list, 5 + (i * 11 + s) % 30, s + i)).collect(),
            )),
            1 => blocks.push(Block::KeyValues(vec![
                (t("Субъект", "Subject"), format!("S-{:05}", s * 17)),
                (t("Цель", "Purpose"), words(list, 12 + s % 20, s)),
                (t("Событие", "Event"), fake_hash(s)),
            ])),
            2 => blocks.push(Block::Mono(format!(
                "sha256:{}\nprev:{}",
                fake_hash(s),
                fake_hash(s + 1)
            ))),
            _ => blocks.push(Block::Spacer(3.0)),
        }
        if s == sections / 2 {
            blocks.push(Block::Heading(t("Журнал событий", "Event log")));
            blocks.push(Block::Table {
                headers: vec![
                    "№".into(),
                    t("Дата", "Date"),
                    t("Субъект", "Subject"),
                    t("Событие", "Event"),
                ],
                rows: (0..70)
                    .map(|i| {
                        // One row taller than a page, to be split between lines.
                        let event = if i == 40 {
                            (0..80).map(|j| words(list, 4 + j % 5, j)).collect::<Vec<_>>().join("\n")
                        } else {
                            words(list, 3 + (i * 5) % 25, i)
                        };
                        vec![
                            format!("{}", i + 1),
                            format!("2025-01-{:02} 10:{:02}", i % 28 + 1, i % 60),
                            format!("S-{:05}", i * 31 % 99991),
                            event,
                        ]
                    })
                    .collect(),
                widths: vec![0.6, 2.0, 1.4, 5.0],
            });
        }
    }
    PdfDoc {
        title: t("Отчёт о согласиях", "Consent report"),
        language: lang.into(),
        footer: format!("A3-v2 · sha256:{}", fake_hash(42)),
        created: chrono::Utc.with_ymd_and_hms(2025, 3, 14, 9, 26, 53).unwrap(),
        blocks,
    }
}

/// The ~20-page documents of the size test and the samples.
fn twenty_pages(lang: &str) -> PdfDoc {
    sample(lang, if lang == "ru" { 37 } else { 55 })
}



fn laid_out_pages(doc: &PdfDoc) -> usize {
    layout::paginate(&doc.blocks, fonts().unwrap(), &Geometry::a4())
        .unwrap()
        .len()
}

#[test]
fn russian_and_english_twenty_pages() {
    for lang in ["ru", "en"] {
        let doc = twenty_pages(lang);
        let pdf = render(&doc).unwrap();
        assert!(pdf.starts_with(b"%PDF"), "{lang}");
        let pages = page_count(&pdf);
        assert_eq!(pages, laid_out_pages(&doc), "{lang}");
        assert!((18..=22).contains(&pages), "{lang}: {pages} pages");
        assert!(pdf.len() < 300 * 1024, "{lang}: {} bytes", pdf.len());
        // Fonts are subset: far smaller than the ~600 KB TTF files.
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("CLREGU+"), "subset tag on the regular font");
        assert!(text.contains("CLBOLD+"), "subset tag on the bold font");
        assert!(text.contains("/ToUnicode"), "text must be extractable");
    }
}

#[test]
fn output_is_deterministic() {
    let doc = sample("en", 3);
    let a = render(&doc).unwrap();
    let b = render(&doc).unwrap();
    assert!(a == b, "two renders of the same document differ");
    let mut other = doc.clone();
    other.footer.push('!');
    assert!(render(&other).unwrap() != a);
}

#[test]
fn measured_text_stays_inside_the_margins() {
    let fonts = fonts().unwrap();
    let g = Geometry::a4();
    let doc = sample("ru", 12);
    for page in layout::paginate(&doc.blocks, fonts, &g).unwrap() {
        for item in page.items {
            if let Item::Text { x, text, font, size, .. } = item {
                let right = x + fonts.width(&text, font, size);
                assert!(right <= g.right() + 0.01, "{text:?} ends at {right}");
            }
        }
    }
    // Real metrics: bold is wider than regular, Cyrillic has glyphs (not .notdef).
    let w = |s: &str, f| fonts.width(s, f, 10.0);
    assert!(w("Согласие", FontKind::Bold) > w("Согласие", FontKind::Regular));
    let notdef = fonts.regular.advance_slow('\u{E000}');
    assert!("Жщюя".chars().all(|c| fonts.regular.advance(c) != notdef || notdef == 0.0));
}

#[test]
fn empty_document_and_bad_language() {
    let mut doc = sample("en", 0);
    doc.blocks.clear();
    let pdf = render(&doc).unwrap();
    assert_eq!(page_count(&pdf), 1);
    doc.language = "de".into();
    assert!(matches!(render(&doc), Err(Error::Invalid(_))));
}

/// Writes sample PDFs to `target/pdf-samples/` and prints render times:
/// `cargo test --release -p consent-ledger-core --lib pdf -- --ignored --nocapture`
#[test]
#[ignore]
fn write_samples() {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("pdf-samples");
    std::fs::create_dir_all(&dir).unwrap();
    let started = std::time::Instant::now();
    fonts().unwrap();
    println!("fonts parsed in {} ms", started.elapsed().as_millis());
    let mut edge = sample("ru", 4);
    edge.footer = format!("A3-v2 · {}", words(RU_WORDS, 80, 5));
    edge.blocks.insert(2, Block::Paragraph("\n".repeat(38)));
    for (name, doc) in [("ru", twenty_pages("ru")), ("en", twenty_pages("en")), ("edge", edge)] {
        let started = std::time::Instant::now();
        let pdf = render(&doc).unwrap();
        let first = started.elapsed();
        let runs = 5;
        let started = std::time::Instant::now();
        for _ in 0..runs {
            render(&doc).unwrap();
        }
        let avg = started.elapsed() / runs;
        println!(
            "{name}: {} pages, {} bytes, first render {:.1} ms, average of {runs} more {:.1} ms",
            page_count(&pdf),
            pdf.len(),
            first.as_secs_f64() * 1e3,
            avg.as_secs_f64() * 1e3
        );
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        println!("wrote {}", path.display());
    }
}
