//! Numbers read from a CSV file, as other consoles export them: the `csv` crate reads the
//! records; this module finds the column with the numbers (by its header, or the first column
//! of a file without one) and the optional label column. A row's number is not judged here;
//! [`super::numbers`] does that for every row, so the preview can name each bad one.

use crate::domain::failure::{Classified, ErrorKind, UserError};

/// The largest file NumberDesk reads (a 100,000-row export is about 3 MB).
pub const MAX_CSV_BYTES: usize = 16 * 1024 * 1024;
/// The most rows one import takes.
pub const MAX_ROWS: usize = 100_000;

/// One row of the file, before its number is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The row's line in the file, from 1 (the header, when there is one, is line 1).
    pub line: u64,
    /// The number cell as written.
    pub text: String,
    pub label: Option<String>,
}

/// What the whole file got wrong: nothing of it is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("The file has no rows.")]
    Empty,
    #[error("The file is larger than {} MB. Split it into smaller files.", MAX_CSV_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("The file has more than {MAX_ROWS} rows. Split it into smaller files.")]
    TooManyRows,
    #[error("Line {0} is not text in UTF-8. Save the file as \"CSV UTF-8\" and choose it again.")]
    NotText(u64),
    #[error("Line {line} could not be read as CSV: {problem}.")]
    Malformed { line: u64, problem: String },
    #[error("No column holds phone numbers. Name it \"phone_number\" (or \"number\", \"e164\", \"phone\"), or put the numbers in the first column of a file without a header row. The columns are: {0}.")]
    NoNumberColumn(String),
}

impl UserError for CsvError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Empty
            | Self::TooLarge
            | Self::TooManyRows
            | Self::NotText(_)
            | Self::Malformed { .. }
            | Self::NoNumberColumn(_) => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

/// Header names (lower case, letters and digits only) of the number column.
const NUMBER_HEADERS: [&str; 10] = [
    "phonenumber",
    "number",
    "e164",
    "phone",
    "did",
    "tn",
    "telephonenumber",
    "msisdn",
    "numbere164",
    "phonenumbere164",
];
/// Header names of the label column.
const LABEL_HEADERS: [&str; 5] = ["friendlyname", "label", "name", "description", "nickname"];

fn header_key(cell: &str) -> String {
    cell.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Whether a cell looks like a number rather than a header: it starts with +, ( or a digit.
fn looks_numeric(cell: &str) -> bool {
    cell.trim()
        .chars()
        .next()
        .is_some_and(|c| c == '+' || c == '(' || c.is_ascii_digit())
}

/// Reads every row of `bytes`. Blank rows are skipped; every other row becomes a candidate,
/// whatever its number cell holds.
pub fn read(bytes: &[u8]) -> Result<Vec<Candidate>, CsvError> {
    if bytes.len() > MAX_CSV_BYTES {
        return Err(CsvError::TooLarge);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut records = Vec::new();
    let mut lines = LineCounter::default();
    for record in reader.byte_records() {
        let record = record.map_err(|error| malformed(&error))?;
        let offset = record.position().map_or(0, |p| p.byte());
        let line = lines.line_of(bytes, usize::try_from(offset).unwrap_or(usize::MAX));
        let cells: Vec<String> = record
            .iter()
            .map(|cell| std::str::from_utf8(cell).map(str::to_owned))
            .collect::<Result<_, _>>()
            .map_err(|_| CsvError::NotText(line))?;
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        records.push((line, cells));
        if records.len() > MAX_ROWS + 1 {
            return Err(CsvError::TooManyRows);
        }
    }
    let Some((_, first)) = records.first() else {
        return Err(CsvError::Empty);
    };
    let has_header = !first.iter().any(|cell| looks_numeric(cell));
    let (number_column, label_column) = if has_header {
        let keys: Vec<String> = first.iter().map(|c| header_key(c)).collect();
        let find = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| keys.iter().position(|key| key == name))
        };
        let number =
            find(&NUMBER_HEADERS).ok_or_else(|| CsvError::NoNumberColumn(first.join(", ")))?;
        (number, find(&LABEL_HEADERS).filter(|&l| l != number))
    } else {
        (0, (first.len() > 1).then_some(1))
    };
    let rows = &records[usize::from(has_header)..];
    if rows.is_empty() {
        return Err(CsvError::Empty);
    }
    if rows.len() > MAX_ROWS {
        return Err(CsvError::TooManyRows);
    }
    Ok(rows
        .iter()
        .map(|(line, cells)| Candidate {
            line: *line,
            text: cells.get(number_column).cloned().unwrap_or_default(),
            label: label_column
                .and_then(|column| cells.get(column))
                .filter(|label| !label.is_empty())
                .cloned(),
        })
        .collect())
}

/// The line a record starts on, from its byte offset. The csv crate's own line count lags a line
/// after CRLF line ends (its offset points at the `\n` left of the previous record's end), so the
/// line is counted here: terminators and blank lines before the record are skipped, then the
/// `\n`s before it counted, from where the last count stopped.
#[derive(Default)]
struct LineCounter {
    counted_to: usize,
    newlines: u64,
}

impl LineCounter {
    fn line_of(&mut self, bytes: &[u8], offset: usize) -> u64 {
        let start = offset
            + bytes[offset.min(bytes.len())..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        let start = start.max(self.counted_to).min(bytes.len());
        self.newlines += bytes[self.counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.counted_to = start;
        self.newlines + 1
    }
}

fn malformed(error: &csv::Error) -> CsvError {
    let line = error.position().map_or(0, |p| p.line());
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => CsvError::NotText(line),
        _ => CsvError::Malformed {
            line,
            problem: error.to_string(),
        },
    }
}

/// Numbers typed or pasted by hand: one per entry or per line, with commas and semicolons also
/// separating them. Each becomes a candidate numbered from 1.
pub fn typed(entries: &[String]) -> Vec<Candidate> {
    entries
        .iter()
        .flat_map(|entry| entry.split(['\n', ',', ';']))
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .enumerate()
        .map(|(index, text)| Candidate {
            line: index as u64 + 1,
            text: text.to_owned(),
            label: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_names_the_columns_in_any_order() {
        let file = b"\xEF\xBB\xBFFriendly Name,Phone Number\r\nFront desk,+1 415 555 0100\r\n\r\n,+14155550101\r\n";
        let rows = read(file).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].text, "+1 415 555 0100");
        assert_eq!(rows[0].label.as_deref(), Some("Front desk"));
        assert_eq!((rows[1].line, rows[1].label.as_deref()), (4, None));
    }

    #[test]
    fn lines_are_counted_the_same_with_lf_and_crlf() {
        for end in ["\n", "\r\n"] {
            let file = [
                "number",
                "+14155550100",
                "",
                "",
                "\"+1415\n5550101\"",
                "+14155550102",
            ]
            .join(end);
            let lines: Vec<u64> = read(file.as_bytes())
                .unwrap()
                .iter()
                .map(|r| r.line)
                .collect();
            assert_eq!(lines, [2, 5, 7], "{end:?}");
        }
    }

    #[test]
    fn without_a_header_the_first_column_holds_the_numbers() {
        let rows = read(b"+14155550100,Sales\n+14155550101\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].label.as_deref(), Some("Sales"));
        assert_eq!(rows[1].line, 2);
    }

    #[test]
    fn a_file_it_cannot_use_says_why() {
        assert_eq!(read(b"").unwrap_err(), CsvError::Empty);
        assert_eq!(read(b"number\n\n").unwrap_err(), CsvError::Empty);
        assert!(matches!(
            read(b"city,owner\nParis,Ann\n").unwrap_err(),
            CsvError::NoNumberColumn(columns) if columns == "city, owner"
        ));
        assert_eq!(
            read(b"number\n+1415\xff5550100\n").unwrap_err(),
            CsvError::NotText(2)
        );
        let big = vec![b'1'; MAX_CSV_BYTES + 1];
        assert_eq!(read(&big).unwrap_err(), CsvError::TooLarge);
    }

    #[test]
    fn typed_numbers_split_on_lines_and_commas() {
        let rows = typed(&[
            "+14155550100, +14155550101".into(),
            "\n+14155550102\n".into(),
        ]);
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["+14155550100", "+14155550101", "+14155550102"]);
        assert_eq!(rows[2].line, 3);
    }
}
