//! Finding out what a file is: its format, its text encoding, its CSV
//! delimiter, and whether any CSV record is too long or cut off.

use std::borrow::Cow;

use encoding_rs::Encoding;

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

/// A decoded text file.
#[derive(Debug)]
pub(crate) struct Decoded<'a> {
    /// The text without its BOM (borrowed from the file when it was UTF-8).
    pub text: Cow<'a, str>,
    /// Lower-case encoding name.
    pub encoding: String,
}

fn not_text(why: &str) -> Error {
    Error::Invalid(format!(
        "the file is not a text file ({why}); nothing was imported"
    ))
}

fn name_of(e: &'static Encoding) -> String {
    e.name().to_ascii_lowercase()
}

/// Decodes a text file. `label` (an `encoding_rs` label) overrides the
/// detection described in the module documentation.
pub(crate) fn decode<'a>(bytes: &'a [u8], label: Option<&str>) -> Result<Decoded<'a>> {
    if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
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
    // UTF-16 only with a BOM (or when asked for): its NUL bytes are not binary.
    let bom16 = Encoding::for_bom(bytes)
        .filter(|(e, _)| *e != encoding_rs::UTF_8)
        .map(|(e, _)| e);
    let utf16 = match forced {
        Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => Some(e),
        Some(_) => None,
        None => bom16,
    };
    if let Some(e) = utf16 {
        let (text, had_errors) = e.decode_with_bom_removal(bytes);
        if had_errors {
            return Err(not_text(&format!("it is not valid {}", e.name())));
        }
        check_controls(&text)?;
        return Ok(Decoded {
            text: Cow::Owned(text.into_owned()),
            encoding: name_of(e),
        });
    }
    // `contains` on bytes is a memchr: fast even in a debug build.
    if bytes.contains(&0) {
        let pos = bytes.iter().position(|&b| b == 0).unwrap_or(0);
        return Err(not_text(&format!("it has a NUL byte at offset {pos}")));
    }
    let decoded = match forced {
        Some(e) if e == encoding_rs::UTF_8 => {
            let b = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
            match std::str::from_utf8(b) {
                Ok(s) => Decoded { text: Cow::Borrowed(s), encoding: "utf-8".into() },
                Err(err) => {
                    return Err(Error::Invalid(format!(
                        "the file is not valid UTF-8 (bad byte at offset {}); choose its encoding, e.g. windows-1251",
                        err.valid_up_to() + (bytes.len() - b.len())
                    )))
                }
            }
        }
        Some(e) => {
            let (text, had_errors) = decode_all(e, bytes);
            if had_errors {
                return Err(Error::Invalid(format!(
                    "the file is not valid {}; choose another encoding",
                    e.name()
                )));
            }
            Decoded {
                text: Cow::Owned(text),
                encoding: name_of(e),
            }
        }
        None => detect_and_decode(bytes)?,
    };
    check_controls(&decoded.text)?;
    Ok(decoded)
}

/// Decodes `bytes` as `e` (not UTF-16; no BOM handling) into a string
/// grown as needed; true when a byte had no character. (encoding_rs's
/// one-call decoding reserves the worst case, three bytes per byte of a
/// single-byte encoding: for a 135 MB file, 400 MB reserved for 155 MB used.)
fn decode_all(e: &'static Encoding, bytes: &[u8]) -> (String, bool) {
    let mut decoder = e.new_decoder_without_bom_handling();
    // Cyrillic letters take two bytes in UTF-8.
    let mut out = String::with_capacity(bytes.len().saturating_mul(2).max(64));
    let (mut src, mut had_errors) = (bytes, false);
    loop {
        let (result, read, errors) = decoder.decode_to_string(src, &mut out, true);
        had_errors |= errors;
        src = &src[read..];
        match result {
            encoding_rs::CoderResult::InputEmpty => return (out, had_errors),
            encoding_rs::CoderResult::OutputFull => {
                out.reserve(decoder.max_utf8_buffer_length(src.len()).unwrap_or(src.len() * 3).max(64))
            }
        }
    }
}

fn detect_and_decode(bytes: &[u8]) -> Result<Decoded<'_>> {
    let b = bytes.strip_prefix(UTF8_BOM);
    let had_bom = b.is_some();
    let b = b.unwrap_or(bytes);
    match std::str::from_utf8(b) {
        Ok(s) => {
            return Ok(Decoded {
                text: Cow::Borrowed(s),
                encoding: "utf-8".into(),
            })
        }
        // A truncated file may end inside a multi-byte character: still UTF-8.
        Err(e) if e.error_len().is_none() || had_bom => {
            return Ok(Decoded {
                text: String::from_utf8_lossy(b),
                encoding: "utf-8".into(),
            });
        }
        Err(_) => {}
    }
    // The first MiB tells the encoding as well as the whole file would.
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let sample = &bytes[..bytes.len().min(1 << 20)];
    let sample = match sample.iter().rposition(|&b| b == b'\n') {
        Some(p) if sample.len() < bytes.len() => &sample[..=p],
        _ => sample,
    };
    det.feed(sample, true);
    let e = det.guess(None, chardetng::Utf8Detection::Deny);
    let (text, had_errors) = decode_all(e, bytes);
    if had_errors {
        return Err(not_text(&format!(
            "it is neither UTF-8 nor valid {}",
            e.name()
        )));
    }
    Ok(Decoded {
        text: Cow::Owned(text),
        encoding: name_of(e),
    })
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
/// more columns, then `;`, `,`, tab).
pub(crate) fn detect_delimiter(text: &str) -> u8 {
    const CANDIDATES: [u8; 3] = [b';', b',', b'\t'];
    let mut end = text.len().min(256 * 1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text.as_bytes()[..end];
    let cut = end < text.len();
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

/// Walks the CSV records as the `csv` crate reads them (RFC 4180 quotes,
/// doubled to escape) without building them: refuses a record longer than
/// [`MAX_RECORD_BYTES`] before anything is allocated for it, and notes a
/// quoted field left open at the end of the file (a truncated file).
pub(crate) fn scan_records(text: &str, delim: u8) -> Result<Scan> {
    #[derive(Clone, Copy, PartialEq)]
    enum St {
        Start,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let bytes = text.as_bytes();
    let mut st = St::Start;
    let mut line: u64 = 1;
    let mut rec_start = 0usize;
    let mut rec_line: u64 = 1;
    let mut i = 0usize;
    let n = bytes.len();
    while i < n {
        let b = bytes[i];
        match st {
            St::Quoted => {
                // Fast path: skip to the next quote, counting lines.
                match bytes[i..].iter().position(|&c| c == b'"') {
                    Some(off) => {
                        line += bytes[i..i + off].iter().filter(|&&c| c == b'\n').count() as u64;
                        i += off;
                        st = St::QuoteInQuoted;
                    }
                    None => {
                        line += bytes[i..].iter().filter(|&&c| c == b'\n').count() as u64;
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
                    line += 1;
                }
                st = St::Start;
                rec_start = i + 1;
                rec_line = line;
            }
            St::Start if b == b'"' => st = St::Quoted,
            St::QuoteInQuoted if b == b'"' => st = St::Quoted,
            _ if b == delim => st = St::Start,
            _ => st = St::Unquoted,
        }
        if i.saturating_sub(rec_start) > MAX_RECORD_BYTES {
            return Err(Error::Invalid(format!(
                "line {rec_line}: a record is longer than 10 MB{}; the file was not imported",
                if st == St::Quoted || st == St::QuoteInQuoted {
                    " (a quoted field that is never closed, or binary data)"
                } else {
                    ""
                }
            )));
        }
        i += 1;
    }
    let mut scan = Scan::default();
    if st == St::Quoted && n > rec_start {
        scan.unterminated = Some((rec_line, line));
    }
    Ok(scan)
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

    #[test]
    fn decoding_a_whole_file_grows_its_string_and_reports_bad_bytes() {
        let w1251 = encoding_rs::WINDOWS_1251;
        // "€" (0x88) takes three bytes in UTF-8: more than the first reservation.
        for input in [vec![0x88u8; 100], b"\xcf\xf0\xe8\xe2\xe5\xf2;1\n".repeat(50), vec![]] {
            let (want, _) = w1251.decode_without_bom_handling(&input);
            assert_eq!(decode_all(w1251, &input), (want.into_owned(), false));
        }
        // 0xA5 is no character in ISO-8859-3.
        let (text, bad) = decode_all(encoding_rs::ISO_8859_3, b"ab\xa5c");
        assert!(bad);
        assert_eq!(text, "ab\u{FFFD}c");
    }

    #[test]
    fn encodings() {
        let ru = "Дата;ФИО\n14.03.2025;Иванов Иван Иванович\n";
        let d = decode(ru.as_bytes(), None).unwrap();
        assert_eq!(
            (d.encoding.as_str(), matches!(d.text, Cow::Borrowed(_))),
            ("utf-8", true)
        );
        let mut bom = UTF8_BOM.to_vec();
        bom.extend_from_slice(ru.as_bytes());
        let d = decode(&bom, None).unwrap();
        assert_eq!(d.text, ru);
        let (cp, _, _) = encoding_rs::WINDOWS_1251.encode(ru);
        let d = decode(&cp, None).unwrap();
        assert_eq!((d.encoding.as_str(), &*d.text), ("windows-1251", ru));
        // Override: the same bytes read as KOI8-R are something else.
        let d = decode(&cp, Some("koi8-r")).unwrap();
        assert_eq!(d.encoding, "koi8-r");
        assert_ne!(d.text, ru);
        assert!(decode(&cp, Some("utf-8"))
            .unwrap_err()
            .to_string()
            .contains("not valid UTF-8"));
        assert!(decode(&cp, Some("klingon")).is_err());
        // UTF-16 with a BOM (Excel's "Unicode text").
        let mut u16 = vec![0xFF, 0xFE];
        for u in ru.encode_utf16() {
            u16.extend_from_slice(&u.to_le_bytes());
        }
        let d = decode(&u16, None).unwrap();
        assert_eq!((d.encoding.as_str(), &*d.text), ("utf-16le", ru));
        // A UTF-8 file cut inside a character is still UTF-8.
        let cut = &ru.as_bytes()[..ru.len() - 2];
        assert_eq!(decode(cut, None).unwrap().encoding, "utf-8");
    }

    #[test]
    fn binary_files_are_refused() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";
        assert!(decode(png, None)
            .unwrap_err()
            .to_string()
            .contains("not a text file"));
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| ((i * 7919 + 13) % 255 + 1) as u8)
            .collect();
        assert!(decode(&noise, None)
            .unwrap_err()
            .to_string()
            .contains("not a text file"));
        assert!(decode(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", None)
            .unwrap_err()
            .to_string()
            .contains(".xls"));
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
        // Commas inside values and quotes do not win over a steady `;`.
        assert_eq!(detect_delimiter("ФИО;Дата;Адрес\nИванов, Иван;14.03.2025;\"Москва, ул. Ленина, 1\"\nПетров;15.03.2025;Тверь\n"), b';');
        // `;` inside quoted values does not win over `,`.
        assert_eq!(
            detect_delimiter(
                "name,comment,date\n\"Ivan\",\"a;b;c;d\",2025-03-14\n\"Olga\",\"x\",2025-03-15\n"
            ),
            b','
        );
        assert_eq!(detect_delimiter("single\nvalue\n"), b';');
        assert_eq!(detect_delimiter(""), b';');
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
