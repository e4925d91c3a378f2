//! PDF documents: a small layout layer (measure, wrap, paginate) over printpdf.
//!
//! Callers describe a document as a list of [`Block`]s; [`render`] lays them
//! out on A4 pages (see `layout.rs`, which knows nothing about PDF), adds a
//! footer with "page N of M" to every page and writes the PDF with the bundled
//! DejaVu Sans Condensed fonts, embedded as subsets. Text is real text: it can
//! be searched and copied, Cyrillic included.
//!
//! The output is deterministic: the same [`PdfDoc`] always gives the same
//! bytes (dates come from [`PdfDoc::created`], font resource names are fixed and
//! the trailer `/ID` is derived from the content).

mod layout;

use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument,
    PdfFont, PdfFontHandle, PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Point, Pt, Rect,
    TextItem, TextMatrix,
};
use sha2::{Digest, Sha256};

pub use layout::Block;
use layout::{FontKind, Geometry, Item, Measure};

use crate::error::Error;

/// A document to render.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfDoc {
    /// Title in the PDF metadata (not printed; put a [`Block::Title`] for that).
    pub title: String,
    /// `"ru"` or `"en"`: wording of the page numbers.
    pub language: String,
    /// Printed at the bottom left of every page, wrapped to two lines at most.
    pub footer: String,
    /// Creation and modification date in the PDF metadata.
    pub created: chrono::DateTime<chrono::Utc>,
    pub blocks: Vec<Block>,
}

const REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansCondensed.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansCondensed-Bold.ttf");

/// Fixed font resource names; their first six letters are also the subset tag
/// (`CLREGU+DejaVuSansCondensed`), which PDF wants as six capital letters.
const REGULAR_ID: &str = "CLREGU";
const BOLD_ID: &str = "CLBOLD";

/// Characters below this code point get their advance from a table.
const TABLE_CHARS: usize = 0x2200;

/// One font face with its advance widths.
struct Face {
    font: ParsedFont,
    units_per_em: f32,
    /// Advance in ems of every code point below [`TABLE_CHARS`].
    table: Vec<f32>,
}

impl Face {
    fn load(bytes: &[u8], name: &str) -> Result<Self, String> {
        let mut warnings = Vec::new();
        let font = ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .ok_or_else(|| format!("the bundled font {name} cannot be read: {warnings:?}"))?;
        let units_per_em = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        let mut face = Face {
            font,
            units_per_em,
            table: Vec::new(),
        };
        face.table = (0..TABLE_CHARS as u32)
            .map(|c| char::from_u32(c).map_or(0.0, |c| face.advance_slow(c)))
            .collect();
        Ok(face)
    }

    /// Advance in ems from the font tables. A character the font lacks is drawn
    /// as glyph 0 (.notdef), exactly as printpdf encodes it.
    fn advance_slow(&self, c: char) -> f32 {
        let gid = self.font.lookup_glyph_index(c as u32).unwrap_or(0);
        f32::from(self.font.get_horizontal_advance(gid)) / self.units_per_em
    }

    fn advance(&self, c: char) -> f32 {
        match self.table.get(c as usize) {
            Some(w) => *w,
            None => self.advance_slow(c),
        }
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
}

impl Measure for Fonts {
    fn width(&self, text: &str, font: FontKind, size: f32) -> f32 {
        let face = match font {
            FontKind::Regular => &self.regular,
            FontKind::Bold => &self.bold,
        };
        text.chars().map(|c| face.advance(c)).sum::<f32>() * size
    }
}

/// The bundled fonts, parsed once per process.
fn fonts() -> Result<&'static Fonts, Error> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                regular: Face::load(REGULAR_TTF, "DejaVuSansCondensed.ttf")?,
                bold: Face::load(BOLD_TTF, "DejaVuSansCondensed-Bold.ttf")?,
            })
        })
        .as_ref()
        .map_err(|e| Error::Invalid(e.clone()))
}

fn page_label(language: &str, n: usize, of: usize) -> String {
    match language {
        "ru" => format!("Стр. {n} из {of}"),
        _ => format!("Page {n} of {of}"),
    }
}

fn pdf_date(t: &chrono::DateTime<chrono::Utc>) -> Result<printpdf::OffsetDateTime, Error> {
    printpdf::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .map_err(|e| Error::Invalid(format!("PDF date {t}: {e}")))
}

fn gray(g: f32) -> Color {
    Color::Greyscale(Greyscale {
        percent: g,
        icc_profile: None,
    })
}

/// Turns one laid-out page into printpdf operations; `height` flips `y`.
fn page_ops(items: &[Item], height: f32) -> Vec<Op> {
    let mut ops = Vec::new();
    // Fills first, then rules, then text on top.
    for item in items {
        if let Item::Fill {
            x,
            y,
            width,
            height: h,
            gray: g,
        } = item
        {
            ops.push(Op::SetFillColor { col: gray(*g) });
            ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(*x),
                    y: Pt(height - y - h),
                    width: Pt(*width),
                    height: Pt(*h),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            });
        }
    }
    let mut stroke: Option<(f32, f32)> = None;
    for item in items {
        if let Item::Rule {
            x1,
            y1,
            x2,
            y2,
            thickness,
            gray: g,
        } = item
        {
            if stroke != Some((*thickness, *g)) {
                ops.push(Op::SetOutlineColor { col: gray(*g) });
                ops.push(Op::SetOutlineThickness { pt: Pt(*thickness) });
                stroke = Some((*thickness, *g));
            }
            let point = |x: f32, y: f32| LinePoint {
                p: Point {
                    x: Pt(x),
                    y: Pt(height - y),
                },
                bezier: false,
            };
            ops.push(Op::DrawLine {
                line: Line {
                    points: vec![point(*x1, *y1), point(*x2, *y2)],
                    is_closed: false,
                },
            });
        }
    }
    let mut font: Option<(FontKind, f32)> = None;
    let mut fill: Option<f32> = None;
    let mut in_text = false;
    for item in items {
        if let Item::Text {
            x,
            baseline,
            text,
            font: f,
            size,
            gray: g,
        } = item
        {
            if !in_text {
                ops.push(Op::StartTextSection);
                in_text = true;
            }
            if font != Some((*f, *size)) {
                let id = match f {
                    FontKind::Regular => REGULAR_ID,
                    FontKind::Bold => BOLD_ID,
                };
                ops.push(Op::SetFont {
                    font: PdfFontHandle::External(FontId(id.to_string())),
                    size: Pt(*size),
                });
                font = Some((*f, *size));
            }
            if fill != Some(*g) {
                ops.push(Op::SetFillColor { col: gray(*g) });
                fill = Some(*g);
            }
            ops.push(Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Pt(*x), Pt(height - baseline)),
            });
            ops.push(Op::ShowText {
                items: vec![TextItem::Text(text.clone())],
            });
        }
    }
    if in_text {
        ops.push(Op::EndTextSection);
    }
    ops
}

/// printpdf writes a random trailer `/ID`; replace it (same length, so the
/// cross-reference offsets stay valid) by one derived from the content.
fn deterministic_id(bytes: &mut [u8]) {
    const LEN: usize = 32;
    let Some(at) = bytes.windows(3).rposition(|w| w == b"/ID") else {
        return;
    };
    // Expect `/ID[(…32…)(…32…)]`, possibly with spaces.
    let mut spans = Vec::new();
    let mut i = at + 3;
    while i < bytes.len() && spans.len() < 2 {
        match bytes[i] {
            b'(' => {
                let start = i + 1;
                if start + LEN < bytes.len()
                    && bytes[start + LEN] == b')'
                    && bytes[start..start + LEN].iter().all(u8::is_ascii_alphanumeric)
                {
                    spans.push(start);
                    i = start + LEN + 1;
                } else {
                    return;
                }
            }
            b'[' | b' ' | b'\n' | b'\r' => i += 1,
            _ => return,
        }
    }
    if spans.len() != 2 {
        return;
    }
    for &s in &spans {
        bytes[s..s + LEN].fill(b'0');
    }
    let digest = hex::encode_upper(Sha256::digest(&*bytes));
    for &s in &spans {
        bytes[s..s + LEN].copy_from_slice(&digest.as_bytes()[..LEN]);
    }
}

/// The number of pages of a PDF this module wrote, from its page tree's `/Count`.
pub fn page_count(pdf: &[u8]) -> usize {
    let Some(at) = memchr::memmem::find(pdf, b"/Count") else { return 0 };
    let digits: String = pdf[at + 6..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    digits.parse().unwrap_or(0)
}

/// Lays out and writes the document: A4, 20 mm margins, 10.5 pt body text,
/// footer and page number on every page.
pub fn render(doc: &PdfDoc) -> Result<Vec<u8>, Error> {
    if doc.language != "ru" && doc.language != "en" {
        return Err(Error::Invalid(format!(
            "PDF language must be \"ru\" or \"en\", not {:?}",
            doc.language
        )));
    }
    let fonts = fonts()?;
    let g = Geometry::a4();
    let pages = layout::paginate(&doc.blocks, fonts, &g).map_err(Error::Invalid)?;
    let total = pages.len();
    let widest_label = (1..=total)
        .map(|n| {
            let l = page_label(&doc.language, n, total);
            fonts.width(&l, layout::FOOTER.font, layout::FOOTER.size)
        })
        .fold(0.0f32, f32::max);

    let mut pdf = PdfDocument::new(&doc.title);
    let date = pdf_date(&doc.created)?;
    let info = &mut pdf.metadata.info;
    info.creation_date = date;
    info.modification_date = date;
    info.metadata_date = date;
    info.creator = "Consent Ledger".into();
    info.producer = "Consent Ledger".into();
    for (id, face) in [(REGULAR_ID, &fonts.regular), (BOLD_ID, &fonts.bold)] {
        pdf.resources
            .fonts
            .map
            .insert(FontId(id.to_string()), PdfFont::new(face.font.clone()));
    }

    let pdf_pages = pages
        .into_iter()
        .enumerate()
        .map(|(i, mut page)| {
            let label = page_label(&doc.language, i + 1, total);
            page.items
                .extend(layout::footer(fonts, &g, &doc.footer, &label, widest_label));
            PdfPage::new(Mm(210.0), Mm(297.0), page_ops(&page.items, g.height))
        })
        .collect();
    pdf.with_pages(pdf_pages);

    let options = PdfSaveOptions {
        subset_fonts: true,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    let mut bytes = pdf.save(&options, &mut warnings);
    if let Some(w) = warnings
        .iter()
        .find(|w| w.severity == PdfParseErrorSeverity::Error)
    {
        return Err(Error::Invalid(format!("PDF could not be written: {}", w.msg)));
    }
    deterministic_id(&mut bytes);
    Ok(bytes)
}

#[cfg(test)]
mod tests;
