//! Page layout for PDF documents, free of any PDF types: measuring, word wrap,
//! pagination into positioned text lines, rules and fills.
//!
//! All lengths are PostScript points (1/72 in); `y` grows DOWNWARD from the top
//! edge of the page (the PDF writer flips it). Text width comes from a
//! [`Measure`], so the same code runs against real font metrics when rendering
//! and against a fake fixed-pitch measure in tests.
//!
//! Rules applied here:
//! - words wrap greedily; a word longer than the line is broken between
//!   characters (never inside a base character + combining marks cluster);
//! - vertical space collapses at the top of a page;
//! - a title or heading is never the last thing on a page: it moves to the next
//!   page together with the first line (or first table row) of the block after it;
//! - table rows move whole to the next page when they fit there, rows taller than
//!   a page are split between lines; the header row is repeated on every page.

/// One piece of document content, laid out top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Big bold document title.
    Title(String),
    /// Bold section heading, kept on the same page as the first line of the next block.
    Heading(String),
    /// Wrapped body text; `'\n'` starts a new line.
    Paragraph(String),
    /// Bulleted list; each item wraps with a hanging indent.
    Bullets(Vec<String>),
    /// Two-column grid: label | value, both wrapped.
    KeyValues(Vec<(String, String)>),
    /// Grid with a header row repeated on every page. `widths` are relative
    /// (e.g. `[1.0, 3.0]`), one per column; empty means equal columns.
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
        widths: Vec<f32>,
    },
    /// Small text for hashes and ids; breaks anywhere.
    Mono(String),
    /// A bar chart kept whole on one page: for each group (e.g. a month,
    /// labelled under its bars) one bar per series, each series in its own
    /// shade of gray named in the legend, over a scale from 0.
    Bars {
        series: Vec<String>,
        groups: Vec<(String, Vec<u64>)>,
    },
    /// Vertical space in millimetres (dropped at the top of a page).
    Spacer(f32),
    /// Start a new page (ignored when the current page is still empty).
    PageBreak,
}

/// The two faces a document uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FontKind {
    Regular,
    Bold,
}

/// Text measuring, supplied by whoever owns the fonts.
pub trait Measure {
    /// Advance width in points of `text` set in `font` at `size` points, exactly
    /// as it will be drawn (no kerning or shaping is applied when drawing).
    fn width(&self, text: &str, font: FontKind, size: f32) -> f32;
}

/// Millimetres to points.
pub const MM: f32 = 72.0 / 25.4;

/// Page size and margins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    pub width: f32,
    pub height: f32,
    pub margin_left: f32,
    pub margin_right: f32,
    pub margin_top: f32,
    /// Below the body; the footer lives inside this margin.
    pub margin_bottom: f32,
}

impl Geometry {
    /// A4 portrait, 20 mm margins, 22 mm at the bottom to leave room for the footer.
    pub fn a4() -> Self {
        Geometry {
            width: 210.0 * MM,
            height: 297.0 * MM,
            margin_left: 20.0 * MM,
            margin_right: 20.0 * MM,
            margin_top: 20.0 * MM,
            margin_bottom: 22.0 * MM,
        }
    }

    pub fn content_width(&self) -> f32 {
        self.width - self.margin_left - self.margin_right
    }

    pub fn right(&self) -> f32 {
        self.width - self.margin_right
    }

    /// Lowest `y` body content may reach.
    pub fn body_bottom(&self) -> f32 {
        self.height - self.margin_bottom
    }

    pub fn body_height(&self) -> f32 {
        self.body_bottom() - self.margin_top
    }
}

/// Something drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// One line of text; `gray` 0 is black.
    Text {
        x: f32,
        baseline: f32,
        text: String,
        font: FontKind,
        size: f32,
        gray: f32,
    },
    /// A straight line.
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        thickness: f32,
        gray: f32,
    },
    /// A filled rectangle; `y` is its top edge.
    Fill {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        gray: f32,
    },
}

/// Everything on one page, in drawing order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
}

#[cfg(test)]
impl Page {
    /// The text lines of the page, top to bottom (for tests).
    pub fn texts(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// Font, size and line pitch of a kind of text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    pub font: FontKind,
    pub size: f32,
    pub line_height: f32,
}

impl TextStyle {
    /// Baseline of a line whose box starts at `top`: capitals centred in the box.
    fn baseline(&self, top: f32) -> f32 {
        top + self.line_height / 2.0 + 0.365 * self.size
    }
}

pub const BODY: TextStyle = TextStyle {
    font: FontKind::Regular,
    size: 10.5,
    line_height: 14.5,
};
pub const TITLE: TextStyle = TextStyle {
    font: FontKind::Bold,
    size: 18.0,
    line_height: 23.0,
};
pub const HEADING: TextStyle = TextStyle {
    font: FontKind::Bold,
    size: 13.0,
    line_height: 17.0,
};
pub const CELL: TextStyle = TextStyle {
    font: FontKind::Regular,
    size: 9.5,
    line_height: 12.5,
};
pub const CELL_BOLD: TextStyle = TextStyle {
    font: FontKind::Bold,
    ..CELL
};
pub const MONO: TextStyle = TextStyle {
    font: FontKind::Regular,
    size: 8.5,
    line_height: 11.0,
};
pub const FOOTER: TextStyle = TextStyle {
    font: FontKind::Regular,
    size: 7.5,
    line_height: 9.5,
};

const TITLE_AFTER: f32 = 10.0;
const HEADING_BEFORE: f32 = 10.0;
const HEADING_AFTER: f32 = 4.0;
const PARAGRAPH_AFTER: f32 = 6.0;
const BULLET_INDENT: f32 = 13.0;
const BULLET_ITEM_GAP: f32 = 2.0;
const BULLET: &str = "•";
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 3.0;
const TABLE_AFTER: f32 = 8.0;
const GRID_THICKNESS: f32 = 0.5;
const GRID_GRAY: f32 = 0.55;
const HEADER_FILL_GRAY: f32 = 0.9;
/// Relative widths of the label and value columns of [`Block::KeyValues`].
const KEY_VALUE_WIDTHS: [f32; 2] = [1.0, 2.0];
const CHART_HEIGHT: f32 = 62.0 * MM;
/// The shades of the series of a bar chart, darkest first.
const SERIES_GRAYS: [f32; 4] = [0.15, 0.55, 0.8, 0.35];
const CHART_GRID_GRAY: f32 = 0.8;
const FOOTER_RULE_FROM_BOTTOM: f32 = 17.0 * MM;
const FOOTER_TEXT_GRAY: f32 = 0.3;
const FOOTER_GAP: f32 = 12.0;
/// Slack for float comparisons of lengths.
const EPS: f32 = 0.01;

// ---------------------------------------------------------------------------
// Text preparation and wrapping

/// Line breaks normalised to `'\n'`, tabs to spaces, other control characters
/// and soft hyphens removed.
fn clean(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => Some('\n'),
            '\t' => Some(' '),
            '\u{00AD}' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Characters that belong to the cluster of the character before them
/// (combining marks, variation selectors, zero-width joiner).
fn extends_cluster(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A
        | 0x064B..=0x065F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200C..=0x200D
        | 0x20D0..=0x20FF | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0xE0100..=0xE01EF)
}

/// Splits `s` into clusters that must not be separated by a line break:
/// a character with the combining marks after it; a character after a
/// zero-width joiner stays with the one before.
fn clusters(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        let joined = extends_cluster(c) || prev == Some('\u{200D}');
        if i > start && !joined {
            out.push(&s[start..i]);
            start = i;
        }
        prev = Some(c);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Breaks `text` (one line, no `'\n'`) between clusters into pieces no wider
/// than `width`; a single cluster wider than `width` gets a piece of its own.
/// Spaces at the start of a continuation piece are dropped.
fn break_clusters(m: &dyn Measure, text: &str, style: TextStyle, width: f32) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0.0;
    for cl in clusters(text) {
        if cur.is_empty() && !out.is_empty() && cl.trim().is_empty() {
            continue;
        }
        let w = m.width(cl, style.font, style.size);
        if !cur.is_empty() && cur_w + w > width + EPS {
            out.push(std::mem::take(&mut cur));
            cur_w = 0.0;
            if cl.trim().is_empty() {
                continue;
            }
        }
        cur.push_str(cl);
        cur_w += w;
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// Greedy word wrap to `width`. Every `'\n'` starts a new line (an empty line
/// stays as an empty string); runs of spaces collapse; a word wider than the
/// line starts on a line of its own and is broken between characters.
pub fn wrap_words(m: &dyn Measure, text: &str, style: TextStyle, width: f32) -> Vec<String> {
    let text = clean(text);
    let space = m.width(" ", style.font, style.size);
    let mut out = Vec::new();
    for hard in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in hard.split(' ').filter(|w| !w.is_empty()) {
            let w = m.width(word, style.font, style.size);
            if !line.is_empty() && line_w + space + w <= width + EPS {
                line.push(' ');
                line.push_str(word);
                line_w += space + w;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            if w <= width + EPS {
                line = word.to_string();
                line_w = w;
            } else {
                let mut pieces = break_clusters(m, word, style, width);
                let last = pieces.pop().unwrap_or_default();
                out.extend(pieces);
                line_w = m.width(&last, style.font, style.size);
                line = last;
            }
        }
        out.push(line);
    }
    out
}

/// Wraps `text` anywhere between characters (for hashes and ids); every
/// `'\n'` starts a new line.
pub fn wrap_chars(m: &dyn Measure, text: &str, style: TextStyle, width: f32) -> Vec<String> {
    clean(text)
        .split('\n')
        .flat_map(|hard| break_clusters(m, hard, style, width))
        .collect()
}

/// Shortens `line` until `line` + "…" fits in `width`.
fn ellipsize(m: &dyn Measure, line: &str, style: TextStyle, width: f32) -> String {
    let cls = clusters(line);
    let dots = m.width("…", style.font, style.size);
    let mut n = cls.len();
    loop {
        let s: String = cls[..n].concat();
        let s = s.trim_end().to_string();
        if n == 0 || m.width(&s, style.font, style.size) + dots <= width + EPS {
            return s + "…";
        }
        n -= 1;
    }
}

// ---------------------------------------------------------------------------
// Tables

/// A table row with its cells already wrapped.
#[derive(Debug)]
struct Row {
    cells: Vec<(Vec<String>, TextStyle)>,
    lines: usize,
}

impl Row {
    fn height(&self, lines: usize) -> f32 {
        lines as f32 * CELL.line_height + 2.0 * CELL_PAD_Y
    }
}

/// A table ready to be placed: x of every column edge, optional header, rows.
#[derive(Debug)]
struct Grid {
    edges: Vec<f32>,
    header: Option<Row>,
    rows: Vec<Row>,
}

impl Grid {
    fn header_height(&self) -> f32 {
        self.header.as_ref().map_or(0.0, |h| h.height(h.lines))
    }

    /// Body height left on a fresh page once the header is drawn.
    fn room_on_fresh_page(&self, g: &Geometry) -> f32 {
        g.body_height() - self.header_height()
    }

    /// Height the row needs on the current page before anything else can
    /// follow: all of it when it will be moved whole, else one line.
    fn min_height(&self, row: &Row, g: &Geometry) -> f32 {
        let full = row.height(row.lines);
        if full <= self.room_on_fresh_page(g) + EPS {
            full
        } else {
            row.height(1)
        }
    }

    /// Height needed to start the table: header plus the first row's minimum.
    fn start_height(&self, g: &Geometry) -> f32 {
        self.header_height() + self.rows.first().map_or(0.0, |r| self.min_height(r, g))
    }
}

fn make_row(m: &dyn Measure, cells: &[&str], styles: &[TextStyle], edges: &[f32]) -> Row {
    let cells: Vec<(Vec<String>, TextStyle)> = (0..edges.len() - 1)
        .map(|i| {
            let style = styles[i.min(styles.len() - 1)];
            let width = (edges[i + 1] - edges[i] - 2.0 * CELL_PAD_X).max(1.0);
            let text = cells.get(i).copied().unwrap_or("");
            (wrap_words(m, text, style, width), style)
        })
        .collect();
    let lines = cells.iter().map(|(l, _)| l.len()).max().unwrap_or(1).max(1);
    Row { cells, lines }
}

/// Column edges from relative widths spread over the content width.
fn edges(g: &Geometry, widths: &[f32]) -> Vec<f32> {
    let total: f32 = widths.iter().sum();
    let mut x = g.margin_left;
    let mut out = vec![x];
    for w in widths {
        x += w / total * g.content_width();
        out.push(x);
    }
    // Exactly the right margin, whatever the rounding.
    if let Some(last) = out.last_mut() {
        *last = g.right();
    }
    out
}

/// Builds the grid of a `KeyValues` or `Table` block; `max_rows` limits how
/// many body rows are wrapped (to measure the start of a table cheaply).
fn grid(
    m: &dyn Measure,
    g: &Geometry,
    block: &Block,
    max_rows: usize,
) -> Result<Option<Grid>, String> {
    match block {
        Block::KeyValues(pairs) => {
            if pairs.is_empty() {
                return Ok(None);
            }
            let edges = edges(g, &KEY_VALUE_WIDTHS);
            let styles = [CELL_BOLD, CELL];
            let rows = pairs
                .iter()
                .take(max_rows)
                .map(|(k, v)| make_row(m, &[k, v], &styles, &edges))
                .collect();
            Ok(Some(Grid {
                edges,
                header: None,
                rows,
            }))
        }
        Block::Table {
            headers,
            rows,
            widths,
        } => {
            let columns = if !headers.is_empty() {
                headers.len()
            } else if !widths.is_empty() {
                widths.len()
            } else {
                rows.iter().map(Vec::len).max().unwrap_or(0)
            };
            if columns == 0 {
                return Ok(None);
            }
            if !widths.is_empty() && widths.len() != columns {
                return Err(format!(
                    "PDF table: {} column widths for {columns} columns",
                    widths.len()
                ));
            }
            if widths.iter().any(|w| !w.is_finite() || *w <= 0.0) {
                return Err(format!(
                    "PDF table: column widths must be positive numbers, got {widths:?}"
                ));
            }
            if let Some(r) = rows.iter().find(|r| r.len() > columns) {
                return Err(format!(
                    "PDF table: a row has {} cells but the table has {columns} columns",
                    r.len()
                ));
            }
            let equal = vec![1.0; columns];
            let edges = edges(g, if widths.is_empty() { &equal } else { widths });
            let header = (!headers.is_empty()).then(|| {
                let cells: Vec<&str> = headers.iter().map(String::as_str).collect();
                make_row(m, &cells, &[CELL_BOLD], &edges)
            });
            let rows = rows
                .iter()
                .take(max_rows)
                .map(|r| {
                    let cells: Vec<&str> = r.iter().map(String::as_str).collect();
                    make_row(m, &cells, &[CELL], &edges)
                })
                .collect();
            Ok(Some(Grid {
                edges,
                header,
                rows,
            }))
        }
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------------------
// Pagination

/// Cursor over the pages being filled.
struct Flow<'a> {
    m: &'a dyn Measure,
    g: &'a Geometry,
    pages: Vec<Page>,
    /// Top of the next thing to place.
    y: f32,
    /// Space to leave before the next thing, unless it starts a page.
    pending: f32,
    /// Nothing placed on the current page yet.
    fresh: bool,
}

impl<'a> Flow<'a> {
    fn new(m: &'a dyn Measure, g: &'a Geometry) -> Self {
        Flow {
            m,
            g,
            pages: vec![Page::default()],
            y: g.margin_top,
            pending: 0.0,
            fresh: true,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = self.g.margin_top;
        self.pending = 0.0;
        self.fresh = true;
    }

    /// Collapsible space (the larger of two adjacent spaces wins).
    fn space(&mut self, h: f32) {
        if !self.fresh {
            self.pending = self.pending.max(h);
        }
    }

    /// Makes sure `h` fits below the pending space, starting a new page
    /// otherwise, and moves past the pending space.
    fn reserve(&mut self, h: f32) {
        if self.fresh {
            self.pending = 0.0;
            return;
        }
        if self.y + self.pending + h > self.g.body_bottom() + EPS {
            self.new_page();
        } else {
            self.y += self.pending;
            self.pending = 0.0;
        }
    }

    fn push(&mut self, item: Item) {
        self.fresh = false;
        self.pages
            .last_mut()
            .expect("there is always a page")
            .items
            .push(item);
    }

    fn text(&mut self, x: f32, top: f32, text: String, style: TextStyle) {
        if text.is_empty() {
            self.fresh = false;
            return;
        }
        self.push(Item::Text {
            x,
            baseline: style.baseline(top),
            text,
            font: style.font,
            size: style.size,
            gray: 0.0,
        });
    }

    /// Places one line of text at the cursor; an empty line at the top of a
    /// page is dropped like any other vertical space.
    fn line(&mut self, x: f32, text: String, style: TextStyle) {
        self.reserve(style.line_height);
        if text.is_empty() && self.fresh {
            return;
        }
        let top = self.y;
        self.text(x, top, text, style);
        self.y += style.line_height;
    }

    fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.push(Item::Rule {
            x1,
            y1,
            x2,
            y2,
            thickness: GRID_THICKNESS,
            gray: GRID_GRAY,
        });
    }

    /// Space that comes before `block` (collapsed with the space after the previous one).
    fn space_before(block: &Block) -> f32 {
        match block {
            Block::Heading(_) => HEADING_BEFORE,
            _ => 0.0,
        }
    }

    /// Height of the part of `block` that must share a page with a heading before it.
    fn first_height(&self, block: &Block) -> Result<f32, String> {
        Ok(match block {
            Block::Title(_) => TITLE.line_height,
            Block::Heading(_) => HEADING.line_height,
            Block::Paragraph(_) | Block::Bullets(_) => BODY.line_height,
            Block::Mono(_) => MONO.line_height,
            Block::Bars { .. } => CHART_HEIGHT,
            Block::KeyValues(_) | Block::Table { .. } => {
                grid(self.m, self.g, block, 1)?.map_or(0.0, |grid| grid.start_height(self.g))
            }
            Block::Spacer(_) | Block::PageBreak => 0.0,
        })
    }

    /// A title or heading: moved to the next page with the start of `next`
    /// when they do not fit together.
    fn headline(
        &mut self,
        text: &str,
        style: TextStyle,
        after: f32,
        next: Option<&Block>,
    ) -> Result<(), String> {
        let lines = wrap_words(self.m, text, style, self.g.content_width());
        let mut keep = lines.len() as f32 * style.line_height;
        if let Some(next) = next {
            let follow = self.first_height(next)?;
            if follow > 0.0 {
                keep += after.max(Self::space_before(next)) + follow;
            }
        }
        self.reserve(keep);
        for l in lines {
            self.line(self.g.margin_left, l, style);
        }
        self.space(after);
        Ok(())
    }

    fn block(&mut self, block: &Block, next: Option<&Block>) -> Result<(), String> {
        let width = self.g.content_width();
        let left = self.g.margin_left;
        match block {
            Block::Title(t) => self.headline(t, TITLE, TITLE_AFTER, next)?,
            Block::Heading(t) => {
                self.space(HEADING_BEFORE);
                self.headline(t, HEADING, HEADING_AFTER, next)?
            }
            Block::Paragraph(t) => {
                for l in wrap_words(self.m, t, BODY, width) {
                    self.line(left, l, BODY);
                }
                self.space(PARAGRAPH_AFTER);
            }
            Block::Bullets(items) => {
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        self.space(BULLET_ITEM_GAP);
                    }
                    let lines = wrap_words(self.m, item, BODY, width - BULLET_INDENT);
                    for (i, l) in lines.into_iter().enumerate() {
                        self.reserve(BODY.line_height);
                        if i == 0 {
                            let top = self.y;
                            self.text(left + 2.0, top, BULLET.to_string(), BODY);
                        }
                        self.line(left + BULLET_INDENT, l, BODY);
                    }
                }
                if !items.is_empty() {
                    self.space(PARAGRAPH_AFTER);
                }
            }
            Block::Mono(t) => {
                for l in wrap_chars(self.m, t, MONO, width) {
                    self.line(left, l, MONO);
                }
                self.space(PARAGRAPH_AFTER);
            }
            Block::Bars { series, groups } => {
                self.bars(series, groups)?;
                self.space(TABLE_AFTER);
            }
            Block::KeyValues(_) | Block::Table { .. } => {
                if let Some(grid) = grid(self.m, self.g, block, usize::MAX)? {
                    self.table(&grid);
                    self.space(TABLE_AFTER);
                }
            }
            Block::Spacer(mm) => {
                if !mm.is_finite() || *mm < 0.0 {
                    return Err(format!("PDF spacer must be a non-negative length, got {mm}"));
                }
                if !self.fresh {
                    self.pending += mm * MM;
                }
            }
            Block::PageBreak => {
                if !self.fresh {
                    self.new_page();
                }
            }
        }
        Ok(())
    }

    fn small(&mut self, x: f32, top: f32, text: String) {
        self.text(x, top, text, FOOTER);
    }

    /// A bar chart (see [`Block::Bars`]).
    fn bars(&mut self, series: &[String], groups: &[(String, Vec<u64>)]) -> Result<(), String> {
        if series.is_empty() || groups.is_empty() {
            return Ok(());
        }
        if let Some((label, _)) = groups.iter().find(|(_, v)| v.len() != series.len()) {
            return Err(format!("PDF chart: group {label:?} has not one value per series"));
        }
        self.reserve(CHART_HEIGHT);
        let (top, left, right) = (self.y, self.g.margin_left, self.g.right());
        // The legend.
        let mut x = left;
        for (i, s) in series.iter().enumerate() {
            let box_top = top + (CELL.line_height - 7.0) / 2.0;
            self.push(Item::Fill { x, y: box_top, width: 7.0, height: 7.0, gray: SERIES_GRAYS[i % SERIES_GRAYS.len()] });
            self.text(x + 10.0, top, s.clone(), CELL);
            x += 10.0 + self.m.width(s, CELL.font, CELL.size) + 14.0;
        }
        // The scale: 0, half and a round maximum (1, 2 or 5 × 10^k).
        let most = groups.iter().flat_map(|(_, v)| v.iter().copied()).max().unwrap_or(0).max(1);
        let mut step = 1u64;
        let max = loop {
            if let Some(m) = [1, 2, 5].iter().map(|k| k * step).find(|m| *m >= most) {
                break m;
            }
            step = step.saturating_mul(10);
        };
        let marks = [max, max / 2, 0];
        let gutter = marks.iter().map(|v| self.m.width(&v.to_string(), FOOTER.font, FOOTER.size)).fold(0.0, f32::max) + 6.0;
        let plot_top = top + CELL.line_height + 8.0;
        let plot_bottom = top + CHART_HEIGHT - FOOTER.line_height - 6.0;
        let plot_h = plot_bottom - plot_top;
        let x0 = left + gutter;
        for v in marks {
            let y = plot_bottom - plot_h * (v as f32 / max as f32);
            self.push(Item::Rule { x1: x0, y1: y, x2: right, y2: y, thickness: GRID_THICKNESS, gray: CHART_GRID_GRAY });
            let label = v.to_string();
            let w = self.m.width(&label, FOOTER.font, FOOTER.size);
            self.small(x0 - 4.0 - w, y - FOOTER.line_height / 2.0, label);
        }
        // The bars, and as many group labels as fit without touching.
        let gw = (right - x0) / groups.len() as f32;
        let bw = gw * 0.8 / series.len() as f32;
        let widest = groups.iter().map(|(l, _)| self.m.width(l, FOOTER.font, FOOTER.size)).fold(0.0, f32::max);
        let every = ((widest + 4.0) / gw).ceil().max(1.0) as usize;
        for (i, (label, values)) in groups.iter().enumerate() {
            let gx = x0 + i as f32 * gw;
            for (j, v) in values.iter().enumerate() {
                let h = plot_h * (*v as f32 / max as f32);
                if h > 0.0 {
                    let gray = SERIES_GRAYS[j % SERIES_GRAYS.len()];
                    self.push(Item::Fill { x: gx + gw * 0.1 + j as f32 * bw, y: plot_bottom - h, width: bw, height: h, gray });
                }
            }
            if i % every == 0 {
                let w = self.m.width(label, FOOTER.font, FOOTER.size);
                self.small(gx + (gw - w) / 2.0, plot_bottom + 3.0, label.clone());
            }
        }
        self.y = top + CHART_HEIGHT;
        Ok(())
    }

    /// Draws lines `start..start + n` of `row` at the cursor, with its grid lines.
    fn row_part(&mut self, grid: &Grid, row: &Row, start: usize, n: usize, header: bool, top_rule: bool) {
        let top = self.y;
        let h = row.height(n);
        let (x0, x1) = (grid.edges[0], *grid.edges.last().expect("edges"));
        if header {
            self.push(Item::Fill {
                x: x0,
                y: top,
                width: x1 - x0,
                height: h,
                gray: HEADER_FILL_GRAY,
            });
        }
        if top_rule {
            self.rule(x0, top, x1, top);
        }
        self.rule(x0, top + h, x1, top + h);
        for &x in &grid.edges {
            self.rule(x, top, x, top + h);
        }
        for (col, (lines, style)) in row.cells.iter().enumerate() {
            let x = grid.edges[col] + CELL_PAD_X;
            for (j, l) in lines.iter().skip(start).take(n).enumerate() {
                let line_top = top + CELL_PAD_Y + j as f32 * style.line_height;
                self.text(x, line_top, l.clone(), *style);
            }
        }
        self.y = top + h;
    }

    fn table(&mut self, grid: &Grid) {
        self.reserve(grid.start_height(self.g));
        let room = grid.room_on_fresh_page(self.g);
        let pad = 2.0 * CELL_PAD_Y;
        let lh = CELL.line_height;
        // Header (if any) drawn at the top of every page the table is on.
        let mut top_rule = true;
        let mut rows_on_page = false;
        if let Some(h) = &grid.header {
            self.row_part(grid, h, 0, h.lines, true, true);
            top_rule = false;
        }
        for row in &grid.rows {
            let mut start = 0;
            while start < row.lines {
                let rest = row.lines - start;
                let avail = self.g.body_bottom() - self.y;
                if row.height(rest) <= avail + EPS {
                    self.row_part(grid, row, start, rest, false, top_rule);
                    top_rule = false;
                    rows_on_page = true;
                    break;
                }
                let movable = start == 0 && row.height(rest) <= room + EPS;
                let mut fit = ((avail - pad + EPS) / lh).floor().max(0.0) as usize;
                if !rows_on_page {
                    // Nothing but the header here yet: always make progress.
                    fit = fit.max(1);
                }
                if !movable && fit >= 1 {
                    let n = fit.min(rest);
                    self.row_part(grid, row, start, n, false, top_rule);
                    start += n;
                    if start >= row.lines {
                        break;
                    }
                }
                self.new_page();
                top_rule = true;
                rows_on_page = false;
                if let Some(h) = &grid.header {
                    self.row_part(grid, h, 0, h.lines, true, true);
                    top_rule = false;
                }
            }
        }
    }
}

/// Lays the blocks out on pages (at least one page, possibly empty).
pub fn paginate(blocks: &[Block], m: &dyn Measure, g: &Geometry) -> Result<Vec<Page>, String> {
    let mut flow = Flow::new(m, g);
    for (i, block) in blocks.iter().enumerate() {
        flow.block(block, blocks.get(i + 1))?;
    }
    Ok(flow.pages)
}

/// The footer of one page: a thin rule, `text` on the left (wrapped to at most
/// two lines, the second shortened with "…" if needed) and `label` (the page
/// number) on the right. `label_room` is the width kept free for the widest
/// label of the document, so the left text wraps the same way on every page.
pub fn footer(m: &dyn Measure, g: &Geometry, text: &str, label: &str, label_room: f32) -> Vec<Item> {
    let style = FOOTER;
    let rule_y = g.height - FOOTER_RULE_FROM_BOTTOM;
    let first_baseline = rule_y + 4.0 + style.size;
    let mut items = vec![Item::Rule {
        x1: g.margin_left,
        y1: rule_y,
        x2: g.right(),
        y2: rule_y,
        thickness: 0.4,
        gray: 0.6,
    }];
    let label_w = m.width(label, style.font, style.size);
    items.push(Item::Text {
        x: g.right() - label_w,
        baseline: first_baseline,
        text: label.to_string(),
        font: style.font,
        size: style.size,
        gray: FOOTER_TEXT_GRAY,
    });
    let width = (g.content_width() - label_room.max(label_w) - FOOTER_GAP).max(10.0);
    let mut lines: Vec<String> = wrap_words(m, text, style, width)
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() > 2 {
        lines.truncate(2);
        lines[1] = ellipsize(m, &lines[1], style, width);
    }
    for (i, l) in lines.into_iter().enumerate() {
        items.push(Item::Text {
            x: g.margin_left,
            baseline: first_baseline + i as f32 * style.line_height,
            text: l,
            font: style.font,
            size: style.size,
            gray: FOOTER_TEXT_GRAY,
        });
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character is half as wide as the size, bold a bit wider.
    struct Fixed;

    impl Measure for Fixed {
        fn width(&self, text: &str, font: FontKind, size: f32) -> f32 {
            let per = match font {
                FontKind::Regular => 0.5,
                FontKind::Bold => 0.6,
            };
            text.chars().count() as f32 * per * size
        }
    }

    fn lorem(words: usize) -> String {
        let base = [
            "согласие", "на", "обработку", "персональных", "данных", "consent", "ledger",
            "is", "tamper-evident", "and", "offline",
        ];
        (0..words).map(|i| base[i % base.len()]).collect::<Vec<_>>().join(" ")
    }

    fn texts_of(pages: &[Page]) -> Vec<Vec<String>> {
        pages
            .iter()
            .map(|p| p.texts().into_iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn long_word_is_split_and_no_line_exceeds_the_width() {
        let width = 100.0;
        let long: String = "я".repeat(200);
        let text = format!("Начало {long} конец\nвторая строка");
        let lines = wrap_words(&Fixed, &text, BODY, width);
        for l in &lines {
            assert!(Fixed.width(l, BODY.font, BODY.size) <= width + EPS, "too wide: {l:?}");
        }
        // 200 chars at 5.25 pt each = 1050 pt: at least 11 pieces.
        let pieces: Vec<&String> = lines.iter().filter(|l| l.starts_with('я')).collect();
        assert!(pieces.len() >= 11, "{lines:?}");
        assert_eq!(lines.first().map(String::as_str), Some("Начало"));
        assert_eq!(lines.last().map(String::as_str), Some("вторая строка"));
        // Nothing lost: all the characters are still there, in order.
        let joined: String = lines.concat().split_whitespace().collect();
        let expected: String = text.split_whitespace().collect();
        assert_eq!(joined, expected);
    }

    #[test]
    fn wrapping_is_greedy_and_keeps_blank_lines() {
        // 10 chars per 52.5pt line at 5.25 pt per char.
        let lines = wrap_words(&Fixed, "aaa bbb ccc  ddd\n\neee", BODY, 52.5);
        assert_eq!(lines, vec!["aaa bbb", "ccc ddd", "", "eee"]);
    }

    #[test]
    fn combining_marks_stay_with_their_letter() {
        // "е" + combining acute accent, repeated: every piece must begin with a base letter.
        let word: String = "е\u{301}".repeat(30);
        for l in wrap_chars(&Fixed, &word, MONO, 20.0) {
            assert!(!l.starts_with('\u{301}'), "{l:?}");
            assert!(!l.is_empty());
        }
    }

    #[test]
    fn mono_breaks_anywhere_and_fills_lines() {
        let hash = "0123456789abcdef".repeat(4);
        let per = 0.5 * MONO.size;
        let lines = wrap_chars(&Fixed, &hash, MONO, 20.0 * per);
        let lens: Vec<usize> = lines.iter().map(String::len).collect();
        assert_eq!(lens, vec![20, 20, 20, 4]);
        assert_eq!(lines.concat(), hash);
    }

    #[test]
    fn long_text_spans_pages_and_stays_inside_the_body() {
        let g = Geometry::a4();
        let blocks: Vec<Block> = (0..40).map(|_| Block::Paragraph(lorem(120))).collect();
        let pages = paginate(&blocks, &Fixed, &g).unwrap();
        assert!(pages.len() >= 5, "{} pages", pages.len());
        for p in &pages {
            assert!(!p.items.is_empty());
            for item in &p.items {
                if let Item::Text { x, baseline, text, font, size, .. } = item {
                    assert!(*x >= g.margin_left - EPS);
                    assert!(x + Fixed.width(text, *font, *size) <= g.right() + EPS, "{text}");
                    assert!(*baseline > g.margin_top && *baseline < g.body_bottom());
                }
            }
        }
    }

    #[test]
    fn heading_is_kept_with_the_next_line() {
        let g = Geometry::a4();
        // Fill the first page until exactly one body line is left free.
        let lines_per_page = (g.body_height() / BODY.line_height).floor() as usize;
        let filler = vec!["x"; lines_per_page - 1].join("\n");
        let blocks = vec![
            Block::Paragraph(filler),
            Block::Heading("Раздел 2".into()),
            Block::Paragraph("первая строка раздела".into()),
        ];
        let pages = paginate(&blocks, &Fixed, &g).unwrap();
        let texts = texts_of(&pages);
        assert_eq!(pages.len(), 2, "{texts:?}");
        assert!(!texts[0].contains(&"Раздел 2".to_string()));
        assert_eq!(texts[1], vec!["Раздел 2", "первая строка раздела"]);
        // The heading starts the page: no space above it.
        match &pages[1].items[0] {
            Item::Text { baseline, .. } => {
                assert!((baseline - HEADING.baseline(g.margin_top)).abs() < EPS)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn heading_before_a_table_moves_with_header_and_first_row() {
        let g = Geometry::a4();
        let lines_per_page = (g.body_height() / BODY.line_height).floor() as usize;
        let filler = vec!["x"; lines_per_page - 3].join("\n");
        let blocks = vec![
            Block::Paragraph(filler),
            Block::Heading("Таблица".into()),
            Block::Table {
                headers: vec!["A".into(), "B".into()],
                rows: vec![vec!["1".into(), "2".into()]; 3],
                widths: vec![1.0, 3.0],
            },
        ];
        let texts = texts_of(&paginate(&blocks, &Fixed, &g).unwrap());
        assert_eq!(texts.len(), 2);
        assert_eq!(&texts[1][..3], &["Таблица", "A", "B"]);
    }

    #[test]
    fn table_header_is_repeated_on_every_page() {
        let g = Geometry::a4();
        let rows: Vec<Vec<String>> = (0..150)
            .map(|i| vec![format!("{i}"), format!("строка {i} {}", lorem(i % 7))])
            .collect();
        let blocks = vec![
            Block::Title("T".into()),
            Block::Table {
                headers: vec!["№".into(), "Описание".into()],
                rows,
                widths: vec![1.0, 4.0],
            },
        ];
        let pages = paginate(&blocks, &Fixed, &g).unwrap();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let texts = texts_of(&pages);
        for (n, t) in texts.iter().enumerate() {
            let skip = if n == 0 { 1 } else { 0 };
            assert_eq!(&t[skip..skip + 2], &["№", "Описание"], "page {n}");
        }
        // Every row is there exactly once, in order.
        let numbers: Vec<usize> = texts
            .iter()
            .flatten()
            .filter_map(|s| s.parse().ok())
            .collect();
        assert_eq!(numbers, (0..150).collect::<Vec<_>>());
        // Grid lines stay inside the body.
        for p in &pages {
            for item in &p.items {
                if let Item::Rule { y1, y2, x2, .. } = item {
                    assert!(*y1 >= g.margin_top - EPS && *y2 <= g.body_bottom() + EPS);
                    assert!(*x2 <= g.right() + EPS);
                }
            }
        }
    }

    #[test]
    fn a_row_taller_than_a_page_is_split_between_lines() {
        let g = Geometry::a4();
        let tall = (0..150).map(|i| format!("line{i}")).collect::<Vec<_>>().join("\n");
        let blocks = vec![Block::Table {
            headers: vec!["H1".into(), "H2".into()],
            rows: vec![vec!["short".into(), tall], vec!["after".into(), "end".into()]],
            widths: vec![],
        }];
        let pages = paginate(&blocks, &Fixed, &g).unwrap();
        let texts = texts_of(&pages);
        assert!(pages.len() >= 3, "{texts:?}");
        for t in &texts {
            assert_eq!(&t[..2], &["H1", "H2"]);
        }
        let all: Vec<&String> = texts.iter().flatten().collect();
        let lines: Vec<&&String> = all.iter().filter(|s| s.starts_with("line")).collect();
        assert_eq!(lines.len(), 150);
        assert_eq!(all.last().map(|s| s.as_str()), Some("end"));
    }

    #[test]
    fn key_values_and_bullets_wrap_inside_their_columns() {
        let g = Geometry::a4();
        let blocks = vec![Block::KeyValues(vec![
            ("Организация".into(), lorem(60)),
            ("Хэш".into(), "f".repeat(200)),
        ])];
        let pages = paginate(&blocks, &Fixed, &g).unwrap();
        assert_eq!(pages.len(), 1);
        assert!(pages[0].texts().len() > 4, "both cells wrapped");
        let value_col = g.margin_left + g.content_width() / 3.0;
        for item in &pages[0].items {
            if let Item::Text { x, text, font, size, .. } = item {
                let right = x + Fixed.width(text, *font, *size);
                if *x < value_col {
                    assert!(right <= value_col - CELL_PAD_X + EPS, "{text}");
                } else {
                    assert!(right <= g.right() + EPS, "{text}");
                }
            }
        }
        let blocks = vec![Block::Bullets(vec![lorem(50), "короткий".into()])];
        let pages = paginate(&blocks, &Fixed, &g).unwrap();
        let texts = pages[0].texts();
        assert_eq!(texts.iter().filter(|t| **t == BULLET).count(), 2);
        assert!(texts.len() > 4, "first item wrapped");
        for item in &pages[0].items {
            if let Item::Text { x, text, font, size, .. } = item {
                if text != BULLET {
                    // Hanging indent: every line of an item starts at the indent.
                    assert!((x - (g.margin_left + BULLET_INDENT)).abs() < EPS);
                    assert!(x + Fixed.width(text, *font, *size) <= g.right() + EPS);
                }
            }
        }
    }

    #[test]
    fn page_break_and_spacer_collapse_at_page_top() {
        let g = Geometry::a4();
        let blocks = vec![
            Block::PageBreak,
            Block::Paragraph("a".into()),
            Block::PageBreak,
            Block::PageBreak,
            Block::Spacer(30.0),
            Block::Paragraph("b".into()),
        ];
        let pages = paginate(&blocks, &Fixed, &g).unwrap();
        assert_eq!(texts_of(&pages), vec![vec!["a"], vec!["b"]]);
        assert!(paginate(&[Block::Spacer(f32::NAN)], &Fixed, &g).is_err());
        let bad = Block::Table {
            headers: vec!["a".into()],
            rows: vec![],
            widths: vec![1.0, 2.0],
        };
        assert!(paginate(&[bad], &Fixed, &g).is_err());
    }

    #[test]
    fn footer_wraps_to_two_lines_at_most() {
        let g = Geometry::a4();
        let long = format!("A3-v2 · sha256:{}", "ab".repeat(200));
        let items = footer(&Fixed, &g, &long, "Page 3 of 20", 0.0);
        let texts: Vec<&str> = items
            .iter()
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert!(texts[2].ends_with('…'));
        for item in &items {
            if let Item::Text { x, text, font, size, baseline, .. } = item {
                assert!(x + Fixed.width(text, *font, *size) <= g.right() + EPS);
                assert!(*baseline < g.height - 8.0 * MM);
            }
        }
    }
}
