//! A published agreement version as a PDF: its document blocks laid out by
//! [`crate::pdf`], with the version label and content hash in every footer.

use super::model::{version_label, DocBlock, Snapshot};
use super::templates::labels;
use crate::error::Result;
use crate::pdf::{self, Block, PdfDoc};

/// Blank line the subject signs or writes on.
const BLANK: &str = "______________________________";

fn block(b: &DocBlock) -> Block {
    match b {
        DocBlock::Title { text } => Block::Title(text.clone()),
        DocBlock::Heading { text } => Block::Heading(text.clone()),
        DocBlock::Paragraph { text } => Block::Paragraph(text.clone()),
        DocBlock::Bullets { items } => Block::Bullets(items.clone()),
        DocBlock::Fields { rows } => Block::KeyValues(rows.clone()),
        DocBlock::Table { headers, rows } => Block::Table {
            headers: headers.clone(),
            rows: rows.clone(),
            widths: match headers.len() {
                3 => vec![1.3, 2.6, 1.1],
                n => vec![1.0; n],
            },
        },
        DocBlock::Signature { fields } => Block::KeyValues(
            fields
                .iter()
                .map(|f| (f.clone(), BLANK.to_string()))
                .collect(),
        ),
    }
}

/// Renders `snap` (whose content hashes to `hash`) published at `published_at` (RFC 3339).
pub fn render(snap: &Snapshot, hash: &str, published_at: &str) -> Result<Vec<u8>> {
    let l = labels(snap.content.language);
    let label = version_label(snap.agreement, snap.version);
    let created = chrono::DateTime::parse_from_rfc3339(published_at)
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    let mut blocks: Vec<Block> = snap.document.iter().map(block).collect();
    blocks.push(Block::Spacer(6.0));
    blocks.push(Block::KeyValues(vec![
        (l.version.clone(), label.clone()),
        (l.published.clone(), created.format("%Y-%m-%d %H:%M UTC").to_string()),
        (l.hash.clone(), hash.to_string()),
    ]));
    pdf::render(&PdfDoc {
        title: super::render::fill(&snap.content.title, &snap.requisites),
        language: snap.content.language.as_str().to_string(),
        footer: format!("{label} · SHA-256 {hash}"),
        created,
        blocks,
    })
}
