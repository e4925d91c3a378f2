//! Finding out what a file is: its format, its text encoding, its CSV
//! delimiter, and whether any CSV record is too long or cut off.

use std::io::Read;

use encoding_rs::Encoding;

use super::input::{DecodingReader, Input, CHUNK};
use super::{Format, MAX_RECORD_BYTES};
use crate::error::{Error, Result};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Detects the format from the first bytes: ZIP (`PK\x03\x04`) is XLSX; `{`
/// or `[` first (after a UTF-8 BOM and white space) is JSON; else CSV.
pub fn detect_format(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"PK\x03\x04") {
        return Format::Xlsx;
    }
    let b = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    match b.iter().find(|c| !c.is_ascii_whitespace()) {
        Some(b'{') | Some(b'[') => Format::Json,
        _ => Format::Csv,
    }
}

/// How a text encoding was chosen: it decides what a file that does not
/// decode in it is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chosen {
    /// Named by the user.
    Forced,
    /// Named by the file's byte-order mark.
    Bom,
    /// Valid UTF-8, or guessed by `chardetng`.
    Detected,
}

/// The encoding of a text file, and the file's SHA-256 (found in the same pass).
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    pub encoding: &'static Encoding,
    pub how: Chosen,
    pub sha256: String,
}

impl Encoded {
    /// Lower-case encoding name.
    pub fn name(&self) -> String {
        name_of(self.encoding)
    }
}

fn not_text(why: &str) -> Error {
    Error::Invalid(format!(
        "the file is not a text file ({why}); nothing was imported"
    ))
}

fn name_of(e: &'static Encoding) -> String {
    e.name().to_ascii_lowercase()
}

/// UTF-8 validity of a stream read in pieces.
#[derive(Debug, Default)]
struct Utf8Check {
    /// The start of a character cut by the end of the last piece.
    carry: Vec<u8>,
    /// Bytes fed so far.
    fed: u64,
    /// The offset of the first byte that is not UTF-8.
    bad_at: Option<u64>,
}

impl Utf8Check {
    fn feed(&mut self, piece: &[u8]) {
        if self.bad_at.is_some() {
            return;
        }
        let start = self.fed - self.carry.len() as u64;
        self.fed += piece.len() as u64;
        let joined;
        let data: &[u8] = if self.carry.is_empty() {
            piece
        } else {
            let mut j = std::mem::take(&mut self.carry);
            j.extend_from_slice(piece);
            joined = j;
            &joined
        };
        match std::str::from_utf8(data) {
            Ok(_) => self.carry.clear(),
            Err(e) if e.error_len().is_none() => self.carry = data[e.valid_up_to()..].to_vec(),
            Err(e) => self.bad_at = Some(start + e.valid_up_to() as u64),
        }
    }

    /// `Ok(true)` when valid, `Ok(false)` when valid but for a character cut
    /// by the end of the file, `Err(offset)` of the first bad byte.
    fn finish(&self) -> std::result::Result<bool, u64> {
        match self.bad_at {
            Some(at) => Err(at),
            None => Ok(self.carry.is_empty()),
        }
    }
}

/// Chooses a text file's encoding (the module documentation of `import`
/// says how) in one pass over the file, which also hashes it and looks for
/// NUL bytes and invalid UTF-8 anywhere in it. `label` (an `encoding_rs`
/// label) overrides the detection. Whether the file decodes in the encoding
/// is found by [`scan_text`].
pub(crate) fn choose_encoding(input: Input<'_>, label: Option<&str>) -> Result<Encoded> {
    let head = input.head(1 << 20)?;
    if head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Err(Error::Invalid(
            "the file is an old Excel .xls (or another OLE document), not a text file: save it as .xlsx or CSV".into(),
        ));
    }
    let forced = match label {
        Some(l) => Some(Encoding::for_label(l.trim().as_bytes()).ok_or_else(|| {
            Error::Invalid(format!("unknown encoding {l:?}; try utf-8 or windows-1251"))
        })?),
        None => None,
    };
    let bom = Encoding::for_bom(&head).map(|(e, _)| e);
    // UTF-16 only with a BOM (or when asked for): its NUL bytes are not binary.
    let utf16 = match forced {
        Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => Some(e),
        Some(_) => None,
        None => bom.filter(|e| *e != encoding_rs::UTF_8),
    };
    let mut utf8 = Utf8Check::default();
    let mut offset = 0u64;
    let sha256 = input.each_chunk(|piece| {
        if utf16.is_none() {
            // A memchr: fast even in a debug build.
            if let Some(p) = memchr::memchr(0, piece) {
                return Err(not_text(&format!("it has a NUL byte at offset {}", offset + p as u64)));
            }
            utf8.feed(piece);
        }
        offset += piece.len() as u64;
        Ok(())
    })?;
    let how = if forced.is_some() { Chosen::Forced } else { Chosen::Bom };
    if let Some(encoding) = utf16 {
        return Ok(Encoded { encoding, how, sha256 });
    }
    let utf8 = utf8.finish();
    let encoding = match forced {
        Some(e) if e == encoding_rs::UTF_8 => match utf8 {
            Ok(true) => e,
            Ok(false) => {
                return Err(Error::Invalid(
                    "the file is not valid UTF-8 (its last character is cut off); choose its encoding, e.g. windows-1251".into(),
                ))
            }
            Err(at) => {
                return Err(Error::Invalid(format!(
                    "the file is not valid UTF-8 (bad byte at offset {at}); choose its encoding, e.g. windows-1251"
                )))
            }
        },
        Some(e) => e,
        // A UTF-8 BOM, valid UTF-8, or UTF-8 but for a character cut by a
        // truncated file: UTF-8.
        None if bom == Some(encoding_rs::UTF_8) => encoding_rs::UTF_8,
        None if utf8.is_ok() => return Ok(Encoded { encoding: encoding_rs::UTF_8, how: Chosen::Detected, sha256 }),
        None => {
            // The first MiB tells the encoding as well as the whole file would.
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            let sample = match head.iter().rposition(|&b| b == b'\n') {
                Some(p) if (head.len() as u64) < offset => &head[..=p],
                _ => &head[..],
            };
            det.feed(sample, true);
            let e = det.guess(None, chardetng::Utf8Detection::Deny);
            return Ok(Encoded { encoding: e, how: Chosen::Detected, sha256 });
        }
    };
    Ok(Encoded { encoding, how, sha256 })
}

/// What the pass over a CSV file's text found.
#[derive(Debug)]
pub(crate) struct TextScan {
    pub delimiter: u8,
    pub scan: Scan,
}

/// The text the delimiter is detected from and binary data looked for.
const PREFIX: usize = 256 * 1024;

/// Reads the file's text once in `enc`: refuses it when it does not decode
/// (a file whose encoding was named by the user, its BOM or a guess; a file
/// taken for UTF-8 is read with U+FFFD for a cut character), when its start
/// looks like binary data, or when a record is too long; detects the
/// delimiter from its start unless `delimiter` is given.
pub(crate) fn scan_text(input: Input<'_>, enc: &Encoded, delimiter: Option<u8>) -> Result<TextScan> {
    let io = |e| Error::io("reading the file", e);
    let mut r = DecodingReader::new(input.reader()?, enc.encoding);
    let mut buf = vec![0u8; CHUNK];
    let mut prefix = Vec::with_capacity(PREFIX + CHUNK);
    let mut complete = false;
    while prefix.len() < PREFIX {
        let n = r.read(&mut buf).map_err(io)?;
        if n == 0 {
            complete = true;
            break;
        }
        prefix.extend_from_slice(&buf[..n]);
    }
    let text = match std::str::from_utf8(&prefix) {
        Ok(t) => t,
        // Cut inside a character by the end of the prefix.
        Err(e) => std::str::from_utf8(&prefix[..e.valid_up_to()]).unwrap_or_default(),
    };
    refuse_undecodable(r.had_errors(), enc)?;
    check_controls(text)?;
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(text, complete));
    let mut scanner = RecordScanner::new(delimiter);
    scanner.feed(&prefix)?;
    loop {
        let n = r.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        scanner.feed(&buf[..n])?;
    }
    refuse_undecodable(r.had_errors(), enc)?;
    Ok(TextScan { delimiter, scan: scanner.finish() })
}

/// The refusal of a file that had bytes with no character in `enc`.
fn refuse_undecodable(had_errors: bool, enc: &Encoded) -> Result<()> {
    if !had_errors {
        return Ok(());
    }
    let name = enc.encoding.name();
    match enc.how {
        _ if enc.encoding == encoding_rs::UTF_16LE || enc.encoding == encoding_rs::UTF_16BE => {
            Err(not_text(&format!("it is not valid {name}")))
        }
        // Taken for UTF-8 but for a character cut by the end of the file (a
        // forced UTF-8 was checked whole before).
        _ if enc.encoding == encoding_rs::UTF_8 => Ok(()),
        Chosen::Forced => Err(Error::Invalid(format!("the file is not valid {name}; choose another encoding"))),
        Chosen::Bom | Chosen::Detected => Err(not_text(&format!("it is neither UTF-8 nor valid {name}"))),
    }
}

/// Refuses text with many control characters (other than tab, line breaks,
/// form feed and the DOS end-of-file mark): binary data decoded as text.
fn check_controls(text: &str) -> Result<()> {
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in text.chars().take(65_536) {
        total += 1;
        if (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1a')) || c == '\u{FFFD}'
        {
            bad += 1;
        }
    }
    if bad >= 4 && bad * 100 > total {
        return Err(not_text(&format!(
            "{bad} control characters in its first {total}"
        )));
    }
    Ok(())
}

/// Picks `;`, `,` or tab: the candidate that occurs outside quotes on the
/// header and the same number of times on most of the next records (ties:
/// more columns, then `;`, `,`, tab). `complete`: `text` is the whole file,
/// not only its start.
pub(crate) fn detect_delimiter(text: &str, complete: bool) -> u8 {
    const CANDIDATES: [u8; 3] = [b';', b',', b'\t'];
    let mut end = text.len().min(PREFIX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text.as_bytes()[..end];
    let cut = end < text.len() || !complete;
    let mut lines: Vec<[usize; 3]> = Vec::new();
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    let mut blank = true;
    for &b in sample {
        match b {
            b'"' => {
                in_quotes = !in_quotes;
                blank = false;
            }
            b'\n' if !in_quotes => {
                if !blank {
                    lines.push(counts);
                }
                counts = [0; 3];
                blank = true;
                if lines.len() >= 30 {
                    break;
                }
            }
            b'\r' => {}
            _ if !in_quotes => {
                if let Some(i) = CANDIDATES.iter().position(|c| *c == b) {
                    counts[i] += 1;
                }
                blank = false;
            }
            _ => blank = false,
        }
    }
    if !blank && !cut && lines.len() < 30 {
        lines.push(counts);
    }
    let Some(header) = lines.first().copied() else {
        return b';';
    };
    let mut best: Option<(usize, usize, usize)> = None; // (consistent, header count, index)
    for i in 0..3 {
        if header[i] == 0 {
            continue;
        }
        let consistent = lines[1..].iter().filter(|l| l[i] == header[i]).count();
        let key = (consistent, header[i]);
        match best {
            Some((c, h, _)) if (c, h) >= key => {}
            _ => best = Some((key.0, key.1, i)),
        }
    }
    best.map(|(_, _, i)| CANDIDATES[i]).unwrap_or(b';')
}

/// What the record scan found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// A quoted field opened on this line is still open at the end of the
    /// file: `(line, last line)`.
    pub unterminated: Option<(u64, u64)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum St {
    Start,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Walks the CSV records as the `csv` crate reads them (RFC 4180 quotes,
/// doubled to escape) without building them, fed the text in pieces:
/// refuses a record longer than [`MAX_RECORD_BYTES`] before anything is
/// allocated for it, and notes a quoted field left open at the end of the
/// file (a truncated file).
pub(crate) struct RecordScanner {
    delim: u8,
    st: St,
    /// The physical line being read (1-based).
    line: u64,
    /// Where the current record starts (byte offset in the text) and its line.
    rec_start: u64,
    rec_line: u64,
    /// Bytes fed so far.
    fed: u64,
}

impl RecordScanner {
    pub(crate) fn new(delim: u8) -> Self {
        RecordScanner { delim, st: St::Start, line: 1, rec_start: 0, rec_line: 1, fed: 0 }
    }

    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<()> {
        let (delim, base, n) = (self.delim, self.fed, bytes.len());
        let newlines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count() as u64;
        let mut i = 0usize;
        while i < n {
            let b = bytes[i];
            match self.st {
                St::Quoted => {
                    // Fast path: skip to the next quote, counting lines.
                    match memchr::memchr(b'"', &bytes[i..]) {
                        Some(off) => {
                            self.line += newlines(&bytes[i..i + off]);
                            i += off;
                            self.st = St::QuoteInQuoted;
                        }
                        None => {
                            self.line += newlines(&bytes[i..]);
                            i = n;
                        }
                    }
                }
                St::Unquoted if b != delim && b != b'\n' && b != b'\r' => {
                    // Fast path: skip to the byte before the next delimiter or
                    // line end (`i += 1` below lands on it).
                    let off = memchr::memchr3(delim, b'\n', b'\r', &bytes[i..]).unwrap_or(n - i);
                    i += off - 1;
                }
                _ if b == b'\n' || b == b'\r' => {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    self.st = St::Start;
                    self.rec_start = base + i as u64 + 1;
                    self.rec_line = self.line;
                }
                St::Start if b == b'"' => self.st = St::Quoted,
                St::QuoteInQuoted if b == b'"' => self.st = St::Quoted,
                _ if b == delim => self.st = St::Start,
                _ => self.st = St::Unquoted,
            }
            if (base + i as u64).saturating_sub(self.rec_start) > MAX_RECORD_BYTES as u64 {
                return Err(Error::Invalid(format!(
                    "line {}: a record is longer than 10 MB{}; the file was not imported",
                    self.rec_line,
                    if matches!(self.st, St::Quoted | St::QuoteInQuoted) {
                        " (a quoted field that is never closed, or binary data)"
                    } else {
                        ""
                    }
                )));
            }
            i += 1;
        }
        self.fed = base + n as u64;
        Ok(())
    }

    pub(crate) fn finish(self) -> Scan {
        let mut scan = Scan::default();
        if self.st == St::Quoted && self.fed > self.rec_start {
            scan.unterminated = Some((self.rec_line, self.line));
        }
        scan
    }
}

/// [`RecordScanner`] over a whole text.
#[cfg(test)]
fn scan_records(text: &str, delim: u8) -> Result<Scan> {
    let mut s = RecordScanner::new(delim);
    s.feed(text.as_bytes())?;
    Ok(s.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(detect_format(b"PK\x03\x04rest"), Format::Xlsx);
        assert_eq!(detect_format(b"\xEF\xBB\xBF  [ {}]"), Format::Json);
        assert_eq!(detect_format(b"\n{\"a\":1}"), Format::Json);
        assert_eq!(detect_format("Дата;Имя\n".as_bytes()), Format::Csv);
        assert_eq!(detect_format(b""), Format::Csv);
    }

    /// The encoding chosen and the text read in it, refusals included.
    fn decode(bytes: &[u8], label: Option<&str>) -> Result<(String, String)> {
        let enc = choose_encoding(Input::Bytes(bytes), label)?;
        assert_eq!(enc.sha256, crate::import::sha256_hex(bytes));
        scan_text(Input::Bytes(bytes), &enc, None)?;
        let mut text = String::new();
        DecodingReader::new(bytes, enc.encoding).read_to_string(&mut text).unwrap();
        Ok((enc.name(), text))
    }

    #[test]
    fn encodings() {
        let ru = "Дата;ФИО\n14.03.2025;Иванов Иван Иванович\n";
        assert_eq!(decode(ru.as_bytes(), None).unwrap(), ("utf-8".into(), ru.into()));
        let mut bom = UTF8_BOM.to_vec();
        bom.extend_from_slice(ru.as_bytes());
        assert_eq!(decode(&bom, None).unwrap(), ("utf-8".into(), ru.into()));
        let (cp, _, _) = encoding_rs::WINDOWS_1251.encode(ru);
        assert_eq!(decode(&cp, None).unwrap(), ("windows-1251".into(), ru.into()));
        // Override: the same bytes read as KOI8-R are something else.
        let (name, text) = decode(&cp, Some("koi8-r")).unwrap();
        assert_eq!(name, "koi8-r");
        assert_ne!(text, ru);
        assert!(decode(&cp, Some("utf-8")).unwrap_err().to_string().contains("not valid UTF-8 (bad byte at offset 0)"));
        assert!(decode(&cp, Some("klingon")).is_err());
        // UTF-16 with a BOM (Excel's "Unicode text").
        let mut u16 = vec![0xFF, 0xFE];
        for u in ru.encode_utf16() {
            u16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&u16, None).unwrap(), ("utf-16le".into(), ru.into()));
        // A UTF-8 file cut inside a character is still UTF-8.
        let cut = &ru.as_bytes()[..ru.len() - 2];
        assert_eq!(decode(cut, None).unwrap().0, "utf-8");
        // 0xA5 is no character in ISO-8859-3; 0x98 none in Windows-1251.
        let e = decode(b"a;b\n\xa5;c\n", Some("iso-8859-3")).unwrap_err().to_string();
        assert!(e.contains("not valid ISO-8859-3; choose another encoding"), "{e}");
        // A guess that does not decode is a file that is not text.
        let guessed = Encoded { encoding: encoding_rs::WINDOWS_1251, how: Chosen::Detected, sha256: String::new() };
        let e = refuse_undecodable(true, &guessed).unwrap_err().to_string();
        assert!(e.contains("not a text file (it is neither UTF-8 nor valid windows-1251)"), "{e}");
        assert!(refuse_undecodable(false, &guessed).is_ok());
    }

    #[test]
    fn utf8_is_checked_across_pieces() {
        let text = "Иванов;ёлка\n".repeat(40_000);
        assert!(text.len() > 2 * CHUNK, "characters are cut between pieces");
        assert_eq!(decode(text.as_bytes(), None).unwrap().0, "utf-8");
        let mut bad = text.clone().into_bytes();
        bad[2 * CHUNK + 5] = 0xFF;
        let at = std::str::from_utf8(&bad).unwrap_err().valid_up_to();
        assert!(at > 2 * CHUNK);
        let e = decode(&bad, Some("utf-8")).unwrap_err().to_string();
        assert!(e.contains(&format!("bad byte at offset {at}")), "{e}");
        let mut check = Utf8Check::default();
        for piece in "яя".as_bytes().chunks(1) {
            check.feed(piece);
        }
        assert_eq!(check.finish(), Ok(true));
        check.feed(&"я".as_bytes()[..1]);
        assert_eq!(check.finish(), Ok(false));
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("a;b;c\n1;2;3\n", true), b';');
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n", true), b',');
        assert_eq!(detect_delimiter("a\tb\tc\n1\t2\t3\n", true), b'\t');
        // Commas inside values and quotes do not win over a steady `;`.
        assert_eq!(detect_delimiter("ФИО;Дата;Адрес\nИванов, Иван;14.03.2025;\"Москва, ул. Ленина, 1\"\nПетров;15.03.2025;Тверь\n", true), b';');
        // `;` inside quoted values does not win over `,`.
        assert_eq!(
            detect_delimiter(
                "name,comment,date\n\"Ivan\",\"a;b;c;d\",2025-03-14\n\"Olga\",\"x\",2025-03-15\n",
                true
            ),
            b','
        );
        assert_eq!(detect_delimiter("single\nvalue\n", true), b';');
        assert_eq!(detect_delimiter("", true), b';');
    }

    #[test]
    fn scan_finds_unterminated_quotes_and_long_records() {
        assert!(scan_records("a;b\n1;\"x\ny\"\n2;z\n", b';')
            .unwrap()
            .unterminated
            .is_none());
        let s = scan_records("a;b\n1;x\n2;\"cut off\nhere", b';').unwrap();
        assert_eq!(s.unterminated, Some((3, 4)));
        // A quote inside an unquoted field is literal.
        assert!(scan_records("a;b\n1;5\" screen\n", b';')
            .unwrap()
            .unterminated
            .is_none());
        let long = format!("a;b\n1;{}\n", "x".repeat(MAX_RECORD_BYTES + 10));
        let e = scan_records(&long, b';').unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("longer than 10 MB"),
            "{e}"
        );
    }
}
