//! CSV the user opens in a spreadsheet. Every cell goes through [`cell`]: text a spreadsheet would
//! run as a formula gets a leading apostrophe (OWASP's advice against CSV injection), whoever
//! wrote it (a carrier's friendly name or region, a user's agent name, an audit summary). One
//! E.164 number is the only text that starts with `+` and is left as it is.

use std::borrow::Cow;
use std::io::Write;

/// The text to write for `text`.
pub fn cell(text: &str) -> Cow<'_, str> {
    let lone_number = text
        .strip_prefix('+')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    if !lone_number && text.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A CSV writer whose every cell is guarded.
pub struct CsvOut<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> CsvOut<W> {
    pub fn new(out: W) -> Self {
        Self {
            writer: csv::Writer::from_writer(out),
        }
    }

    pub fn row<I, S>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let guarded: Vec<String> = cells
            .into_iter()
            .map(|c| cell(c.as_ref()).into_owned())
            .collect();
        self.writer.write_record(&guarded)
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_that_a_spreadsheet_would_run_is_defused_and_a_lone_number_is_kept() {
        for (text, written) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("@sum", "'@sum"),
            ("-2+3", "'-2+3"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("+14155550100 +14155550101", "'+14155550100 +14155550101"),
            ("\t=1", "'\t=1"),
            ("+", "'+"),
            ("+14155550100", "+14155550100"),
            ("Sales line", "Sales line"),
            ("ie1", "ie1"),
            ("", ""),
        ] {
            assert_eq!(cell(text), written, "{text:?}");
        }
    }

    #[test]
    fn rows_are_written_guarded() {
        let mut bytes = Vec::new();
        let mut out = CsvOut::new(&mut bytes);
        out.row(["+14155550100", "=1+1", "us1"]).unwrap();
        out.flush().unwrap();
        drop(out);
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "+14155550100,'=1+1,us1\n"
        );
    }
}
