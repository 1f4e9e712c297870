//! Cells of the CSV exports: text a spreadsheet would run as a formula is defused, numbers stay
//! numbers, and "Excel en français" gets a semicolon and decimal commas. Every export writes its
//! cells through here.

use std::borrow::Cow;

/// How a file is written.
#[derive(Clone, Copy, Debug)]
pub struct CsvOptions {
    pub delimiter: u8,
    /// Starts with a UTF-8 byte-order mark (Excel's hint that the file is UTF-8).
    pub bom: bool,
    /// Decimals written with a comma (`12,50`), as Excel reads them in French locales.
    pub decimal_comma: bool,
}

impl CsvOptions {
    /// Plain CSV (comma, decimal point), or Excel in French: semicolon and decimal comma.
    pub fn new(french_excel: bool, bom: bool) -> Self {
        Self {
            delimiter: if french_excel { b';' } else { b',' },
            bom,
            decimal_comma: french_excel,
        }
    }
}

/// One cell: text (possibly typed by a user) or a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Integer(i64),
    /// `value` in units of 10^-`places` (`1250` with 2 places is 12.50).
    Decimal {
        value: i64,
        places: u32,
    },
}

impl Cell {
    /// An amount in minor units (hundredths, for USD and CDF alike).
    pub fn money(minor: i64) -> Self {
        Self::Decimal {
            value: minor,
            places: 2,
        }
    }

    /// The cell as written in the file (before the CSV quoting of the `csv` crate).
    pub fn render(&self, options: &CsvOptions) -> Cow<'_, str> {
        match self {
            Self::Text(text) => defuse(text),
            Self::Integer(n) => Cow::Owned(n.to_string()),
            Self::Decimal { value, places } => {
                let scale = 10i64.checked_pow(*places).unwrap_or(1);
                let sign = if *value < 0 { "-" } else { "" };
                let (units, fraction) = (
                    value.unsigned_abs() / scale.unsigned_abs(),
                    value.unsigned_abs() % scale.unsigned_abs(),
                );
                let point = if options.decimal_comma { ',' } else { '.' };
                Cow::Owned(if *places == 0 {
                    format!("{sign}{units}")
                } else {
                    format!(
                        "{sign}{units}{point}{fraction:0width$}",
                        width = *places as usize
                    )
                })
            }
        }
    }
}

/// A text cell safe to open in a spreadsheet: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be run as a formula (`=HYPERLINK(…)`, DDE), so it gets a leading `'`:
/// the spreadsheet shows it as text (quote included) and never runs it.
pub fn defuse(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<Option<String>> for Cell {
    fn from(text: Option<String>) -> Self {
        Self::Text(text.unwrap_or_default())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Self::Integer(n)
    }
}

impl From<Option<i64>> for Cell {
    fn from(n: Option<i64>) -> Self {
        n.map_or_else(|| Self::Text(String::new()), Self::Integer)
    }
}

/// Writes one record: each cell rendered for `options`, then the end of the line.
pub fn write_record<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    cells: &[Cell],
    options: &CsvOptions,
) -> csv::Result<()> {
    for cell in cells {
        writer.write_field(cell.render(options).as_bytes())?;
    }
    writer.write_record(None::<&[u8]>)
}

/// A whole small document: `header`, then `rows`, with a byte-order mark when `options` ask.
pub fn document(header: &[&str], rows: &[Vec<Cell>], options: &CsvOptions) -> csv::Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(options.delimiter)
        .from_writer(Vec::new());
    let header: Vec<Cell> = header.iter().copied().map(Cell::from).collect();
    write_record(&mut writer, &header, options)?;
    for row in rows {
        write_record(&mut writer, row, options)?;
    }
    let mut body = writer.into_inner().map_err(|e| e.into_error())?;
    if options.bom {
        body.splice(0..0, "\u{feff}".bytes());
    }
    Ok(body)
}

/// The response that downloads `body` as `filename`.
pub fn attachment(
    filename: &str,
    content_type: &'static str,
    body: Vec<u8>,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: CsvOptions = CsvOptions {
        delimiter: b',',
        bom: false,
        decimal_comma: false,
    };

    fn text(s: &str, o: &CsvOptions) -> String {
        Cell::from(s).render(o).into_owned()
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_gets_a_quote() {
        for s in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1",
            "-2+3",
            "@SUM(1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(text(s, &PLAIN), format!("'{s}"));
        }
        for s in ["Jess", "", "a=b", " =1", "2026-11-25T10:00:00Z", "'déjà"] {
            assert_eq!(text(s, &PLAIN), s);
        }
    }

    #[test]
    fn numbers_stay_numbers_even_negative() {
        assert_eq!(Cell::from(-500).render(&PLAIN), "-500");
        assert_eq!(Cell::money(-500).render(&PLAIN), "-5.00");
        assert_eq!(Cell::money(1250).render(&PLAIN), "12.50");
        assert_eq!(Cell::money(-5).render(&PLAIN), "-0.05");
        assert_eq!(Cell::from(None::<i64>).render(&PLAIN), "");
        let rate = Cell::Decimal {
            value: 28_500_000,
            places: 4,
        };
        assert_eq!(rate.render(&PLAIN), "2850.0000");
    }

    #[test]
    fn excel_in_french_gets_semicolons_and_decimal_commas() {
        let fr = CsvOptions::new(true, false);
        assert_eq!(fr.delimiter, b';');
        assert_eq!(Cell::money(1250).render(&fr), "12,50");
        assert_eq!(Cell::money(-1250).render(&fr), "-12,50");
        assert_eq!(Cell::from(42).render(&fr), "42");
        assert_eq!(text("@SUM(1)", &fr), "'@SUM(1)");
        let plain = CsvOptions::new(false, true);
        assert_eq!((plain.delimiter, plain.bom), (b',', true));
    }
}
