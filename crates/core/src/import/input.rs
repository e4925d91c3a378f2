//! Where a file to import is read from: its bytes already in memory, or a
//! file on disk read in pieces as it is parsed (so a 2 GB CSV never is in
//! memory at once), and the decoding reader that turns any text encoding
//! into UTF-8 as it is read.

use std::borrow::Cow;
use std::io::{BufReader, Read};
use std::path::Path;

use encoding_rs::{CoderResult, Decoder, Encoding};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The bytes a file reader asks for at once.
pub(crate) const CHUNK: usize = 256 * 1024;

/// A file to import. Everything that reads it opens it again from the start,
/// so it can be read more than once (to detect, to check, to parse).
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    Bytes(&'a [u8]),
    File(&'a Path),
}

impl<'a> From<&'a [u8]> for Input<'a> {
    fn from(b: &'a [u8]) -> Self {
        Input::Bytes(b)
    }
}

impl<'a> From<&'a Vec<u8>> for Input<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        Input::Bytes(b)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Input<'a> {
    fn from(b: &'a [u8; N]) -> Self {
        Input::Bytes(b)
    }
}

impl<'a> From<&'a Path> for Input<'a> {
    fn from(p: &'a Path) -> Self {
        Input::File(p)
    }
}

impl<'a> From<&'a std::path::PathBuf> for Input<'a> {
    fn from(p: &'a std::path::PathBuf) -> Self {
        Input::File(p)
    }
}

impl<'a> Input<'a> {
    fn io(&self, e: std::io::Error) -> Error {
        match self {
            Input::File(p) => Error::io(format!("reading {}", p.display()), e),
            Input::Bytes(_) => Error::io("reading the file", e),
        }
    }

    /// The size in bytes.
    pub fn len(&self) -> Result<u64> {
        match self {
            Input::Bytes(b) => Ok(b.len() as u64),
            Input::File(p) => std::fs::metadata(p).map(|m| m.len()).map_err(|e| self.io(e)),
        }
    }

    /// True when the file has no bytes.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// A reader from the first byte.
    pub(crate) fn reader(&self) -> Result<Box<dyn Read + Send + 'a>> {
        match *self {
            Input::Bytes(b) => Ok(Box::new(b)),
            Input::File(p) => {
                let f = std::fs::File::open(p).map_err(|e| self.io(e))?;
                Ok(Box::new(BufReader::with_capacity(CHUNK, f)))
            }
        }
    }

    /// Up to the first `n` bytes.
    pub(crate) fn head(&self, n: usize) -> Result<Cow<'a, [u8]>> {
        match *self {
            Input::Bytes(b) => Ok(Cow::Borrowed(&b[..b.len().min(n)])),
            Input::File(_) => {
                let mut out = Vec::with_capacity(n.min(CHUNK));
                self.reader()?.take(n as u64).read_to_end(&mut out).map_err(|e| self.io(e))?;
                Ok(Cow::Owned(out))
            }
        }
    }

    /// The whole file, for a format read as a whole. A file on disk larger
    /// than `limit` bytes is refused before it is read: "`what` is N MB, …:
    /// `advice`".
    pub(crate) fn whole(&self, limit: u64, what: &str, advice: &str) -> Result<Cow<'a, [u8]>> {
        match *self {
            Input::Bytes(b) => Ok(Cow::Borrowed(b)),
            Input::File(_) => {
                let len = self.len()?;
                if len > limit {
                    return Err(Error::Invalid(format!(
                        "{what} is {}, more than the {} this app reads whole: {advice}; nothing was imported",
                        megabytes(len),
                        megabytes(limit)
                    )));
                }
                let mut out = Vec::with_capacity(len as usize);
                self.reader()?.read_to_end(&mut out).map_err(|e| self.io(e))?;
                Ok(Cow::Owned(out))
            }
        }
    }

    /// The hex SHA-256 of the file, read in pieces.
    pub fn sha256(&self) -> Result<String> {
        self.each_chunk(|_| Ok(()))
    }

    /// Reads the file once from start to end, giving each piece to `each`;
    /// returns the hex SHA-256 of all of it.
    pub(crate) fn each_chunk(&self, mut each: impl FnMut(&[u8]) -> Result<()>) -> Result<String> {
        let mut hash = Sha256::new();
        match *self {
            Input::Bytes(b) => {
                for piece in b.chunks(CHUNK) {
                    hash.update(piece);
                    each(piece)?;
                }
            }
            Input::File(_) => {
                let mut r = self.reader()?;
                let mut buf = vec![0u8; CHUNK];
                loop {
                    let n = match r.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(self.io(e)),
                    };
                    hash.update(&buf[..n]);
                    each(&buf[..n])?;
                }
            }
        }
        Ok(hex::encode(hash.finalize()))
    }
}

/// `n` bytes as "12.3 MB" (decimal megabytes, as file managers show them).
pub(crate) fn megabytes(n: u64) -> String {
    let mb = n as f64 / 1e6;
    if mb >= 100.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

/// Reads text in `encoding` from `inner` and gives it out as UTF-8, a
/// malformed sequence replaced by U+FFFD and noted in [`had_errors`]. A BOM
/// of `encoding` at the start is dropped. (`encoding_rs_io` does the same but
/// does not tell whether anything was replaced, which decides whether a file
/// is refused.)
///
/// [`had_errors`]: DecodingReader::had_errors
pub(crate) struct DecodingReader<R> {
    inner: R,
    decoder: Decoder,
    /// Raw bytes read and not yet decoded: `raw[start..end]`.
    raw: Vec<u8>,
    start: usize,
    end: usize,
    /// Decoded bytes not yet given out: `out[out_pos..]`.
    out: String,
    out_pos: usize,
    eof: bool,
    /// The decoder was told the input ended (it may not be used again).
    finished: bool,
    had_errors: bool,
}

impl<R: Read> DecodingReader<R> {
    pub(crate) fn new(inner: R, encoding: &'static Encoding) -> Self {
        DecodingReader {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            raw: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            out: String::with_capacity(3 * 64 * 1024 + 16),
            out_pos: 0,
            eof: false,
            finished: false,
            had_errors: false,
        }
    }

    /// True once a byte sequence that is no character in the encoding was read.
    pub(crate) fn had_errors(&self) -> bool {
        self.had_errors
    }

    /// Decodes the next piece into `out`; false at the end of the input.
    fn fill(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() {
            if self.start == self.end && !self.eof {
                self.start = 0;
                self.end = loop {
                    match self.inner.read(&mut self.raw) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                };
                self.eof = self.end == 0;
            }
            if self.eof && self.start == self.end {
                if self.finished {
                    return Ok(false);
                }
                self.finished = true;
                // Flush what the decoder holds (a sequence cut by the end of the file).
                let (_, _, errors) = self.decoder.decode_to_string(b"", &mut self.out, true);
                self.had_errors |= errors;
                return Ok(!self.out.is_empty());
            }
            let (result, read, errors) =
                self.decoder.decode_to_string(&self.raw[self.start..self.end], &mut self.out, false);
            self.had_errors |= errors;
            self.start += read;
            debug_assert!(matches!(result, CoderResult::InputEmpty | CoderResult::OutputFull));
        }
        Ok(true)
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.out_pos == self.out.len() && !self.fill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out.as_bytes()[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(bytes: &[u8], e: &'static Encoding, piece: usize) -> (String, bool) {
        let mut r = DecodingReader::new(bytes, e);
        let mut out = Vec::new();
        let mut buf = vec![0u8; piece];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        (String::from_utf8(out).unwrap(), r.had_errors())
    }

    #[test]
    fn decodes_as_encoding_rs_does_whatever_the_piece_size() {
        let ru = "Дата;ФИО\n14.03.2025;Иванов Иван Иванович «ёлка» €\n".repeat(3000);
        let (cp, _, _) = encoding_rs::WINDOWS_1251.encode(&ru);
        let mut utf16 = vec![0xFF, 0xFE];
        for u in ru.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let mut bom8 = b"\xEF\xBB\xBF".to_vec();
        bom8.extend_from_slice(ru.as_bytes());
        for piece in [1, 7, 4096, 1 << 20] {
            assert_eq!(decode_in_pieces(&cp, encoding_rs::WINDOWS_1251, piece), (ru.clone(), false));
            assert_eq!(decode_in_pieces(&utf16, encoding_rs::UTF_16LE, piece), (ru.clone(), false));
            assert_eq!(decode_in_pieces(&bom8, encoding_rs::UTF_8, piece), (ru.clone(), false));
        }
        // A bad byte and a character cut by the end are replaced and noted.
        assert_eq!(decode_in_pieces(b"ab\xa5c", encoding_rs::ISO_8859_3, 3), ("ab\u{FFFD}c".into(), true));
        assert_eq!(decode_in_pieces("ая".as_bytes().split_last().unwrap().1, encoding_rs::UTF_8, 2), ("а\u{FFFD}".into(), true));
        assert_eq!(decode_in_pieces(b"", encoding_rs::UTF_8, 2), (String::new(), false));
    }

    #[test]
    fn a_file_reads_as_its_bytes_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let data: Vec<u8> = (0..(CHUNK * 2 + 17)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let (file, bytes) = (Input::File(&path), Input::Bytes(&data));
        assert_eq!(file.len().unwrap(), data.len() as u64);
        assert_eq!(file.head(10).unwrap(), bytes.head(10).unwrap());
        let mut seen = (Vec::new(), Vec::new());
        let h1 = file.each_chunk(|c| { seen.0.extend_from_slice(c); Ok(()) }).unwrap();
        let h2 = bytes.each_chunk(|c| { seen.1.extend_from_slice(c); Ok(()) }).unwrap();
        assert_eq!((h1, &seen.0), (h2, &seen.1));
        assert_eq!(seen.0, data);
        let e = file.whole(1000, "the JSON file", "split it").unwrap_err().to_string();
        assert!(e.contains("0.5 MB") && e.contains("0.0 MB") && e.contains("split it"), "{e}");
        assert_eq!(&*file.whole(u64::MAX, "the JSON file", "").unwrap(), &data[..]);
        let gone = Input::File(Path::new("/nonexistent/consent-ledger/x.csv"));
        assert!(gone.len().unwrap_err().to_string().contains("/nonexistent/consent-ledger/x.csv"));
    }
}
