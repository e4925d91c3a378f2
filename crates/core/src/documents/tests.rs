//! Unit tests of the documents layer: template filling and the text form.

use super::*;

#[test]
fn fill_replaces_known_placeholders_and_refuses_unknown_ones() {
    let vars = |k: &str| match k {
        "name" => Some("Фёдоров {not a placeholder}".to_string()),
        "n" => Some("41".to_string()),
        _ => None,
    };
    assert_eq!(fill("Кому: {name}, № {n}.", &vars).unwrap(), "Кому: Фёдоров {not a placeholder}, № 41.");
    assert_eq!(fill("no placeholders", &vars).unwrap(), "no placeholders");
    assert!(fill("{nmae}", &vars).unwrap_err().to_string().contains("unknown placeholder {nmae}"));
    assert!(fill("open {name", &vars).unwrap_err().to_string().contains("unclosed"));
}

#[test]
fn the_writer_keeps_the_pdf_blocks_and_the_text_in_step() {
    let mut w = Writer::default();
    w.title("Ответ");
    w.para("  ");
    w.para("Текст <b>не разметка</b>");
    w.bullets(vec!["один".into(), "два".into()]);
    w.bullets(vec![]);
    w.pairs(vec![("Дата".into(), "05.03.2026".into())]);
    w.table(vec!["A".into(), "B".into()], vec![vec!["1".into(), "2".into()]], vec![]);
    w.text_only("Документ R1-ACK-ru");
    assert_eq!(w.blocks.len(), 5, "{:?}", w.blocks);
    assert_eq!(
        w.text,
        "Ответ\n\nТекст <b>не разметка</b>\n\n- один\n- два\n\nДата: 05.03.2026\n\nA | B\n1 | 2\n\nДокумент R1-ACK-ru\n"
    );
}

#[test]
fn revisions_after_the_first_are_numbered() {
    assert_eq!(revision_id("R41-ANS-ru", 1), "R41-ANS-ru");
    assert_eq!(revision_id("R41-ANS-ru", 3), "R41-ANS-ru/3");
    assert_eq!(footer("ООО «Ромашка»", "R41-ANS-ru", "ab"), "ООО «Ромашка» · R41-ANS-ru · SHA-256 ab");
}
