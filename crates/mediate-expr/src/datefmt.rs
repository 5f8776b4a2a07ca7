//! Java date/time patterns (`SimpleDateFormat` / `java.time.format.DateTimeFormatter`) on chrono.
//!
//! MI expressions carry Java patterns: `get-property('SYSTEM_DATE', 'yyyy-MM-dd')` formats with
//! `java.text.SimpleDateFormat`, and MI 4.4's `${formatDateTime(...)}` uses
//! `java.time.format.DateTimeFormatter`. chrono's own `strftime` syntax is unrelated, so this module
//! compiles a Java pattern once into a list of items ([`JavaDateFormat::compile`]) and then formats
//! ([`JavaDateFormat::format`]) or parses ([`JavaDateFormat::parse`]) with it, locale fixed to English.
//!
//! # Dialect
//!
//! The two Java classes agree on the common letters; where they differ we follow
//! `DateTimeFormatter` (the MI 4.4 function) and note it below.
//!
//! | letter | meaning | notes |
//! |---|---|---|
//! | `G` | era | `G`..`GGG` `AD`, `GGGG` `Anno Domini`, `GGGGG` `A` |
//! | `y` | year of era | `yy` = two digits (parse: 2000–2099, as `DateTimeFormatter`); otherwise padded to the count |
//! | `u` | proleptic year | `DateTimeFormatter` meaning (in `SimpleDateFormat` `u` is the day number of week) |
//! | `Y` | ISO week-based year | Java's value depends on the locale's week rules; we fix ISO-8601 weeks |
//! | `M` / `L` | month | `M`/`MM` number, `MMM` `Jan`, `MMMM` `January`, `MMMMM` `J` |
//! | `d` / `D` | day of month / day of year | |
//! | `E` | day of week | `E`..`EEE` `Mon`, `EEEE` `Monday`, `EEEEE` `M`; checked against the date when parsing |
//! | `a` | `AM` / `PM` | |
//! | `H` `k` `K` `h` | hour 0–23, 1–24, 0–11, 1–12 | |
//! | `m` `s` | minute, second | |
//! | `S` | fraction of second | the count is the number of digits (`SSS` = milliseconds, `SSSSSSSSS` = nanos); parsing accepts `count..=9` digits |
//! | `z` | zone text | `UTC`, or the offset's own text when it is a name (e.g. chrono-tz `IST`), otherwise `GMT+05:30` |
//! | `Z` | offset | `Z`..`ZZZ` `+0530`, `ZZZZ` `GMT+05:30` (`GMT` at zero), `ZZZZZ` `+05:30` (`Z` at zero) |
//! | `X` | ISO offset, `Z` at zero | `X` `+05`/`+0530`, `XX` `+0530`, `XXX` `+05:30`, `XXXX` `+0530[ss]`, `XXXXX` `+05:30[:ss]` |
//! | `x` | ISO offset | as `X` but zero prints `+00`, `+0000`, `+00:00` |
//! | `w` `W` `F` | ISO week of week-based year, week of month (ISO rules, may be 0), day-of-week-in-month | |
//!
//! Text between single quotes is literal (`'T'`), `''` is one quote (inside or outside quotes),
//! `[`…`]` is a `DateTimeFormatter` optional section (always printed; optional when parsing),
//! any other non-letter is literal. Other ASCII letters and `{`, `}`, `#` are rejected with the
//! 1-based column ([`PatternError`]).
//!
//! # Parsing
//!
//! A numeric field immediately followed by another numeric field (`yyyyMMdd`) takes exactly its
//! count of digits (Java's adjacent value parsing); otherwise it takes at least its count and at most
//! the field's natural width. Month and day names are case-insensitive and both short and long
//! forms are accepted. The result, [`ParsedDateTime`], keeps what the pattern supplied: a date when
//! any date field was present (missing year → 1970, month/day → 1, as `SimpleDateFormat`),
//! a time when any time field was present, and the offset when a zone field was present.

use std::fmt::{self, Write as _};

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone,
    Timelike, Weekday,
};

/// A pattern that could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date pattern at column {column}: {message}")]
pub struct PatternError {
    /// 1-based column (in characters) of the offending pattern letter or quote.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Input text that does not match a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse date at column {column}: {message}")]
pub struct DateParseError {
    /// 1-based column (in characters) of the input where parsing failed.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// What a parse produced: the date, time and offset, each present when the pattern supplied it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedDateTime {
    date: Option<NaiveDate>,
    time: Option<NaiveTime>,
    offset: Option<FixedOffset>,
}

impl ParsedDateTime {
    /// The date, when the pattern had a date field.
    pub fn date(&self) -> Option<NaiveDate> {
        self.date
    }

    /// The time of day, when the pattern had a time field.
    pub fn time(&self) -> Option<NaiveTime> {
        self.time
    }

    /// The UTC offset, when the pattern had a zone/offset field.
    pub fn offset(&self) -> Option<FixedOffset> {
        self.offset
    }

    /// Local date-time; a missing date is 1970-01-01 and a missing time is midnight
    /// (`SimpleDateFormat` defaults). The offset, if any, is ignored.
    pub fn to_naive(&self) -> NaiveDateTime {
        let date = self
            .date
            .unwrap_or(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default());
        date.and_time(self.time.unwrap_or(NaiveTime::MIN))
    }

    /// The instant: [`to_naive`](Self::to_naive) interpreted in the parsed offset, or in
    /// `default_offset` when the input carried none.
    pub fn to_fixed(&self, default_offset: FixedOffset) -> DateTime<FixedOffset> {
        let offset = self.offset.unwrap_or(default_offset);
        let naive = self.to_naive();
        // A fixed offset maps every local time to exactly one instant.
        DateTime::from_naive_utc_and_offset(naive - offset, offset)
    }
}

/// A compiled Java date pattern. Compile once, then format or parse many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaDateFormat {
    items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Literal(String),
    Field(Field),
    Optional(Vec<Item>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field {
    letter: char,
    count: usize,
}

impl Field {
    fn is_numeric(self) -> bool {
        match self.letter {
            'y' | 'u' | 'Y' | 'd' | 'D' | 'H' | 'k' | 'K' | 'h' | 'm' | 's' | 'S' | 'w' | 'W'
            | 'F' => true,
            'M' | 'L' => self.count <= 2,
            _ => false,
        }
    }
}

/// Largest count accepted per letter.
fn max_count(letter: char) -> Option<usize> {
    Some(match letter {
        'G' | 'M' | 'L' | 'E' | 'Z' | 'X' | 'x' => 5,
        'y' | 'u' | 'Y' => 9,
        'd' | 'H' | 'k' | 'K' | 'h' | 'm' | 's' | 'w' => 2,
        'D' => 3,
        'W' | 'F' => 1,
        'S' => 9,
        'a' => 2,
        'z' => 4,
        _ => return None,
    })
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl JavaDateFormat {
    /// Compiles a Java date pattern (see the module docs for the letters).
    pub fn compile(pattern: &str) -> Result<Self, PatternError> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut stack: Vec<(usize, Vec<Item>)> = Vec::new();
        let mut items: Vec<Item> = Vec::new();
        let mut i = 0;
        let err = |col: usize, msg: String| PatternError {
            column: col + 1,
            message: msg,
        };
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    push_literal(&mut items, "'");
                    i += 2;
                    continue;
                }
                let start = i;
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(start, "unterminated quoted literal".into())),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            text.push(ch);
                            i += 1;
                        }
                    }
                }
                push_literal(&mut items, &text);
            } else if c.is_ascii_alphabetic() {
                let mut count = 1;
                while chars.get(i + count) == Some(&c) {
                    count += 1;
                }
                let Some(max) = max_count(c) else {
                    return Err(err(i, format!("unknown pattern letter '{c}'")));
                };
                if count > max {
                    return Err(err(i, format!("too many pattern letters '{c}' ({count})")));
                }
                items.push(Item::Field(Field { letter: c, count }));
                i += count;
            } else if c == '[' {
                stack.push((i, std::mem::take(&mut items)));
                i += 1;
            } else if c == ']' {
                let Some((_, outer)) = stack.pop() else {
                    return Err(err(i, "']' without matching '['".into()));
                };
                let section = std::mem::replace(&mut items, outer);
                items.push(Item::Optional(section));
                i += 1;
            } else if matches!(c, '{' | '}' | '#') {
                return Err(err(i, format!("reserved character '{c}'")));
            } else {
                let mut buf = [0u8; 4];
                push_literal(&mut items, c.encode_utf8(&mut buf));
                i += 1;
            }
        }
        if let Some((start, _)) = stack.pop() {
            return Err(err(start, "'[' without matching ']'".into()));
        }
        Ok(JavaDateFormat { items })
    }

    /// Formats a date-time with this pattern (English names).
    pub fn format<Tz: TimeZone>(&self, dt: &DateTime<Tz>) -> String
    where
        Tz::Offset: fmt::Display,
    {
        let naive = dt.naive_local();
        let offset = dt.offset().fix();
        let zone_text = dt.offset().to_string();
        let ctx = FormatCtx {
            naive,
            offset,
            zone_text,
        };
        let mut out = String::new();
        format_items(&self.items, &ctx, &mut out);
        out
    }

    /// Parses `input`, which must match the whole pattern.
    pub fn parse(&self, input: &str) -> Result<ParsedDateTime, DateParseError> {
        let chars: Vec<char> = input.chars().collect();
        let mut st = ParseState::default();
        let pos = parse_items(&self.items, &chars, 0, &mut st)?;
        if pos != chars.len() {
            return Err(DateParseError {
                column: pos + 1,
                message: "unparsed text at end of input".into(),
            });
        }
        st.resolve(chars.len())
    }
}

fn push_literal(items: &mut Vec<Item>, text: &str) {
    if let Some(Item::Literal(s)) = items.last_mut() {
        s.push_str(text);
    } else {
        items.push(Item::Literal(text.to_owned()));
    }
}

// ---------------------------------------------------------------------------------------------
// formatting

struct FormatCtx {
    naive: NaiveDateTime,
    offset: FixedOffset,
    zone_text: String,
}

fn pad(out: &mut String, value: i64, width: usize) {
    if value < 0 {
        let _ = write!(out, "-{:0width$}", value.unsigned_abs(), width = width);
    } else {
        let _ = write!(out, "{value:0width$}");
    }
}

fn format_items(items: &[Item], ctx: &FormatCtx, out: &mut String) {
    for item in items {
        match item {
            Item::Literal(s) => out.push_str(s),
            Item::Optional(inner) => format_items(inner, ctx, out),
            Item::Field(f) => format_field(*f, ctx, out),
        }
    }
}

fn format_field(f: Field, ctx: &FormatCtx, out: &mut String) {
    let d = ctx.naive.date();
    let t = ctx.naive.time();
    let n = f.count;
    match f.letter {
        'G' => {
            let ad = d.year() > 0;
            out.push_str(match (n, ad) {
                (4, true) => "Anno Domini",
                (4, false) => "Before Christ",
                (5, true) => "A",
                (5, false) => "B",
                (_, true) => "AD",
                (_, false) => "BC",
            });
        }
        'y' | 'u' | 'Y' => {
            let year = match f.letter {
                'y' if d.year() <= 0 => 1 - i64::from(d.year()),
                'Y' => i64::from(d.iso_week().year()),
                _ => i64::from(d.year()),
            };
            if n == 2 {
                pad(out, year.rem_euclid(100), 2);
            } else {
                pad(out, year, n);
            }
        }
        'M' | 'L' => {
            let m = d.month() as usize;
            match n {
                1 | 2 => pad(out, m as i64, n),
                3 => out.push_str(&MONTHS[m - 1][..3]),
                4 => out.push_str(MONTHS[m - 1]),
                _ => out.push_str(&MONTHS[m - 1][..1]),
            }
        }
        'd' => pad(out, i64::from(d.day()), n),
        'D' => pad(out, i64::from(d.ordinal()), n),
        'E' => {
            let name = DAYS[d.weekday().num_days_from_monday() as usize];
            match n {
                4 => out.push_str(name),
                5 => out.push_str(&name[..1]),
                _ => out.push_str(&name[..3]),
            }
        }
        'a' => out.push_str(if t.hour() < 12 { "AM" } else { "PM" }),
        'H' => pad(out, i64::from(t.hour()), n),
        'k' => pad(out, i64::from(if t.hour() == 0 { 24 } else { t.hour() }), n),
        'K' => pad(out, i64::from(t.hour() % 12), n),
        'h' => {
            let h = t.hour() % 12;
            pad(out, i64::from(if h == 0 { 12 } else { h }), n);
        }
        'm' => pad(out, i64::from(t.minute()), n),
        's' => pad(out, i64::from(t.second()), n),
        'S' => {
            let nanos = t.nanosecond().min(999_999_999);
            let digits = format!("{nanos:09}");
            out.push_str(&digits[..n]);
        }
        'w' => pad(out, i64::from(d.iso_week().week()), n),
        'W' => pad(out, i64::from(iso_week_of_month(d)), n),
        'F' => pad(out, i64::from((d.day() - 1) / 7 + 1), n),
        'z' => {
            if ctx
                .zone_text
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            {
                out.push_str(&ctx.zone_text);
            } else if ctx.offset.local_minus_utc() == 0 {
                out.push_str("UTC");
            } else {
                out.push_str("GMT");
                write_offset(out, ctx.offset.local_minus_utc(), true, false);
            }
        }
        'Z' => {
            let secs = ctx.offset.local_minus_utc();
            match n {
                4 => {
                    out.push_str("GMT");
                    if secs != 0 {
                        write_offset(out, secs, true, false);
                    }
                }
                5 if secs == 0 => out.push('Z'),
                5 => write_offset(out, secs, true, false),
                _ => write_offset(out, secs, false, true),
            }
        }
        'X' | 'x' => {
            let secs = ctx.offset.local_minus_utc();
            if f.letter == 'X' && secs == 0 {
                out.push('Z');
                return;
            }
            match n {
                1 => {
                    let (sign, abs) = split_offset(secs);
                    let _ = write!(out, "{sign}{:02}", abs / 3600);
                    if (abs / 60) % 60 != 0 {
                        let _ = write!(out, "{:02}", (abs / 60) % 60);
                    }
                }
                2 => write_offset(out, secs, false, true),
                3 => write_offset(out, secs, true, true),
                4 => write_offset(out, secs, false, false),
                _ => write_offset(out, secs, true, false),
            }
        }
        // compile() only admits the letters above
        _ => {}
    }
}

fn split_offset(secs: i32) -> (char, u32) {
    (if secs < 0 { '-' } else { '+' }, secs.unsigned_abs())
}

/// `±HH[:]MM`, then `[:]SS` when non-zero unless `drop_seconds`.
fn write_offset(out: &mut String, secs: i32, colon: bool, drop_seconds: bool) {
    let (sign, abs) = split_offset(secs);
    let sep = if colon { ":" } else { "" };
    let _ = write!(out, "{sign}{:02}{sep}{:02}", abs / 3600, (abs / 60) % 60);
    if !drop_seconds && abs % 60 != 0 {
        let _ = write!(out, "{sep}{:02}", abs % 60);
    }
}

/// ISO week of month (`WeekFields.ISO`): Monday start, the first week needs 4 days; earlier days are week 0.
fn iso_week_of_month(d: NaiveDate) -> u32 {
    let first_dow = d
        .with_day(1)
        .map_or(0, |f| f.weekday().num_days_from_monday());
    let week = (d.day() - 1 + first_dow) / 7;
    if 7 - first_dow >= 4 { week + 1 } else { week }
}

// ---------------------------------------------------------------------------------------------
// parsing

#[derive(Debug, Clone, Default)]
struct ParseState {
    bce: bool,
    year_of_era: Option<i64>,
    year: Option<i64>,
    week_year: Option<i64>,
    month: Option<u32>,
    day: Option<u32>,
    day_of_year: Option<u32>,
    weekday: Option<Weekday>,
    week: Option<u32>,
    hour: Option<u32>,
    clock_hour: Option<u32>,
    half_hour: Option<u32>,
    pm: Option<bool>,
    minute: Option<u32>,
    second: Option<u32>,
    nano: Option<u32>,
    offset: Option<i32>,
    has_date: bool,
    has_time: bool,
}

fn perr(pos: usize, message: impl Into<String>) -> DateParseError {
    DateParseError {
        column: pos + 1,
        message: message.into(),
    }
}

fn parse_items(
    items: &[Item],
    input: &[char],
    mut pos: usize,
    st: &mut ParseState,
) -> Result<usize, DateParseError> {
    for (idx, item) in items.iter().enumerate() {
        match item {
            Item::Literal(s) => {
                for c in s.chars() {
                    if input.get(pos) == Some(&c) {
                        pos += 1;
                    } else {
                        return Err(perr(pos, format!("expected {s:?}")));
                    }
                }
            }
            Item::Optional(inner) => {
                let mut trial = st.clone();
                if let Ok(p) = parse_items(inner, input, pos, &mut trial) {
                    *st = trial;
                    pos = p;
                }
            }
            Item::Field(f) => {
                let adjacent =
                    matches!(items.get(idx + 1), Some(Item::Field(next)) if next.is_numeric());
                pos = parse_field(*f, adjacent, input, pos, st)?;
            }
        }
    }
    Ok(pos)
}

fn parse_digits(
    input: &[char],
    pos: usize,
    min: usize,
    max: usize,
) -> Result<(i64, usize), DateParseError> {
    let mut end = pos;
    while end < input.len() && end - pos < max && input[end].is_ascii_digit() {
        end += 1;
    }
    if end - pos < min {
        return Err(perr(pos, format!("expected {min} digit(s)")));
    }
    let value = input[pos..end].iter().fold(0i64, |acc, c| {
        acc * 10 + i64::from(c.to_digit(10).unwrap_or(0))
    });
    Ok((value, end))
}

/// Matches one of `names` (case-insensitive, longest first); returns its index and the new position.
fn parse_name(input: &[char], pos: usize, names: &[String]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (i, name) in names.iter().enumerate() {
        let len = name.chars().count();
        if pos + len > input.len() {
            continue;
        }
        let matches = name
            .chars()
            .zip(&input[pos..pos + len])
            .all(|(a, b)| a.eq_ignore_ascii_case(b));
        if matches && best.is_none_or(|(_, l)| len > l) {
            best = Some((i, len));
        }
    }
    best.map(|(i, len)| (i, pos + len))
}

fn to_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn parse_field(
    f: Field,
    adjacent: bool,
    input: &[char],
    pos: usize,
    st: &mut ParseState,
) -> Result<usize, DateParseError> {
    let n = f.count;
    let num = |natural_max: usize| -> Result<(i64, usize), DateParseError> {
        let max = if adjacent { n } else { natural_max.max(n) };
        parse_digits(input, pos, n, max)
    };
    match f.letter {
        'G' => {
            let names: Vec<String> = ["Anno Domini", "Before Christ", "AD", "BC", "A", "B"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
            let (i, p) = parse_name(input, pos, &names).ok_or_else(|| perr(pos, "expected era"))?;
            st.bce = i % 2 == 1;
            st.has_date = true;
            Ok(p)
        }
        'y' | 'u' | 'Y' => {
            let (v, p) = if n == 2 {
                let (v, p) = parse_digits(input, pos, 2, 2)?;
                (2000 + v, p)
            } else {
                num(9)?
            };
            match f.letter {
                'y' => st.year_of_era = Some(v),
                'u' => st.year = Some(v),
                _ => st.week_year = Some(v),
            }
            st.has_date = true;
            Ok(p)
        }
        'M' | 'L' if n <= 2 => {
            let (v, p) = num(2)?;
            st.month = Some(to_u32(v));
            st.has_date = true;
            Ok(p)
        }
        'M' | 'L' => {
            let mut names: Vec<String> = MONTHS.iter().map(|s| (*s).to_owned()).collect();
            names.extend(MONTHS.iter().map(|s| s[..3].to_owned()));
            if n == 5 {
                names = MONTHS.iter().map(|s| s[..1].to_owned()).collect();
            }
            let (i, p) =
                parse_name(input, pos, &names).ok_or_else(|| perr(pos, "expected month name"))?;
            st.month = Some((i % 12) as u32 + 1);
            st.has_date = true;
            Ok(p)
        }
        'd' => {
            let (v, p) = num(2)?;
            st.day = Some(to_u32(v));
            st.has_date = true;
            Ok(p)
        }
        'D' => {
            let (v, p) = num(3)?;
            st.day_of_year = Some(to_u32(v));
            st.has_date = true;
            Ok(p)
        }
        'E' => {
            let mut names: Vec<String> = DAYS.iter().map(|s| (*s).to_owned()).collect();
            names.extend(DAYS.iter().map(|s| s[..3].to_owned()));
            if n == 5 {
                names = DAYS.iter().map(|s| s[..1].to_owned()).collect();
            }
            let (i, p) = parse_name(input, pos, &names)
                .ok_or_else(|| perr(pos, "expected day-of-week name"))?;
            st.weekday = Weekday::try_from((i % 7) as u8).ok();
            Ok(p)
        }
        'a' => {
            let names = vec!["AM".to_owned(), "PM".to_owned()];
            let (i, p) =
                parse_name(input, pos, &names).ok_or_else(|| perr(pos, "expected AM/PM"))?;
            st.pm = Some(i == 1);
            Ok(p)
        }
        'H' | 'k' | 'K' | 'h' => {
            let (v, p) = num(2)?;
            let v = to_u32(v);
            let (ok, slot) = match f.letter {
                'H' => (v <= 23, &mut st.hour),
                'k' => ((1..=24).contains(&v), &mut st.clock_hour),
                'K' => (v <= 11, &mut st.half_hour),
                _ => ((1..=12).contains(&v), &mut st.half_hour),
            };
            if !ok {
                return Err(perr(pos, format!("hour {v} out of range")));
            }
            *slot = Some(if f.letter == 'h' { v % 12 } else { v });
            st.has_time = true;
            Ok(p)
        }
        'm' | 's' => {
            let (v, p) = num(2)?;
            let v = to_u32(v);
            if v > 59 {
                return Err(perr(pos, format!("value {v} out of range")));
            }
            if f.letter == 'm' {
                st.minute = Some(v);
            } else {
                st.second = Some(v);
            }
            st.has_time = true;
            Ok(p)
        }
        'S' => {
            let (_, p) = num(9)?;
            let digits: String = input[pos..p].iter().collect();
            let nanos = format!("{digits:0<9}");
            st.nano = nanos.parse().ok();
            st.has_time = true;
            Ok(p)
        }
        'w' => {
            let (v, p) = num(2)?;
            st.week = Some(to_u32(v));
            Ok(p)
        }
        'W' | 'F' => Ok(num(1)?.1),
        'z' | 'Z' | 'X' | 'x' => {
            let (secs, p) = parse_offset(input, pos)?;
            st.offset = Some(secs);
            Ok(p)
        }
        _ => Err(perr(pos, format!("unsupported letter '{}'", f.letter))),
    }
}

/// Any offset form the formatter writes: `Z`, `UTC`/`GMT`/`UT` with an optional offset,
/// or `±HH[[:]MM[[:]SS]]`.
fn parse_offset(input: &[char], mut pos: usize) -> Result<(i32, usize), DateParseError> {
    let start = pos;
    let rest: String = input[pos..input.len().min(pos + 3)].iter().collect();
    let upper = rest.to_ascii_uppercase();
    let mut prefixed = false;
    for prefix in ["UTC", "GMT", "UT"] {
        if upper.starts_with(prefix) {
            pos += prefix.len();
            prefixed = true;
            break;
        }
    }
    if !prefixed && matches!(input.get(pos), Some('Z' | 'z')) {
        return Ok((0, pos + 1));
    }
    let sign = match input.get(pos) {
        Some('+') => 1,
        Some('-') => -1,
        _ if prefixed => return Ok((0, pos)),
        _ => return Err(perr(start, "expected zone offset")),
    };
    pos += 1;
    let (h, mut p) = parse_digits(input, pos, 1, 2)?;
    let mut total = h * 3600;
    for unit in [60, 1] {
        let colon = input.get(p) == Some(&':');
        let q = if colon { p + 1 } else { p };
        match parse_digits(input, q, 2, 2) {
            Ok((v, np)) if v < 60 => {
                total += v * unit;
                p = np;
            }
            _ => break,
        }
    }
    if total > 18 * 3600 {
        return Err(perr(start, "offset out of range"));
    }
    Ok((sign * total as i32, p))
}

impl ParseState {
    fn resolve(self, end: usize) -> Result<ParsedDateTime, DateParseError> {
        let bad = |msg: &str| perr(end, msg);
        let offset = match self.offset {
            Some(s) => Some(FixedOffset::east_opt(s).ok_or_else(|| bad("offset out of range"))?),
            None => None,
        };
        let time = if self.has_time {
            let hour = if let Some(h) = self.hour {
                h
            } else if let Some(k) = self.clock_hour {
                k % 24
            } else if let Some(h) = self.half_hour {
                h + if self.pm == Some(true) { 12 } else { 0 }
            } else {
                0
            };
            let t = NaiveTime::from_hms_nano_opt(
                hour,
                self.minute.unwrap_or(0),
                self.second.unwrap_or(0),
                self.nano.unwrap_or(0),
            )
            .ok_or_else(|| bad("invalid time"))?;
            if let (Some(pm), Some(_)) = (self.pm, self.hour)
                && pm != (hour >= 12)
            {
                return Err(bad("AM/PM conflicts with the hour"));
            }
            Some(t)
        } else {
            None
        };
        let date = if self.has_date {
            let year = match (self.year, self.year_of_era) {
                (Some(y), _) => Some(y),
                (None, Some(y)) if self.bce => Some(1 - y),
                (None, Some(y)) => Some(y),
                (None, None) => None,
            };
            let year_i32 = |y: i64| i32::try_from(y).map_err(|_| bad("year out of range"));
            let date = if let (Some(wy), Some(w), None, None) =
                (self.week_year.or(year), self.week, self.month, self.day)
            {
                NaiveDate::from_isoywd_opt(year_i32(wy)?, w, self.weekday.unwrap_or(Weekday::Mon))
            } else if let (Some(doy), None) = (self.day_of_year, self.month) {
                NaiveDate::from_yo_opt(year_i32(year.or(self.week_year).unwrap_or(1970))?, doy)
            } else {
                NaiveDate::from_ymd_opt(
                    year_i32(year.or(self.week_year).unwrap_or(1970))?,
                    self.month.unwrap_or(1),
                    self.day.unwrap_or(1),
                )
            }
            .ok_or_else(|| bad("invalid date"))?;
            if let Some(wd) = self.weekday
                && date.weekday() != wd
            {
                return Err(bad("day of week conflicts with the date"));
            }
            Some(date)
        } else {
            None
        };
        Ok(ParsedDateTime { date, time, offset })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn dt(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn fmt(p: &str, s: &str) -> String {
        JavaDateFormat::compile(p).unwrap().format(&dt(s))
    }

    #[test]
    fn letters_format() {
        let s = "2024-03-07T09:05:03.123456789+05:30";
        assert_eq!(fmt("G GGGG GGGGG", s), "AD Anno Domini A");
        assert_eq!(fmt("y yy yyy yyyy yyyyy", s), "2024 24 2024 2024 02024");
        assert_eq!(fmt("u uu uuuu", s), "2024 24 2024");
        assert_eq!(fmt("Y YYYY", "2024-12-30T00:00:00Z"), "2025 2025");
        assert_eq!(fmt("M MM MMM MMMM MMMMM", s), "3 03 Mar March M");
        assert_eq!(fmt("L LL LLL LLLL", s), "3 03 Mar March");
        assert_eq!(fmt("d dd D DD DDD", s), "7 07 67 67 067");
        assert_eq!(fmt("E EE EEE EEEE EEEEE", s), "Thu Thu Thu Thursday T");
        assert_eq!(fmt("a", s), "AM");
        assert_eq!(fmt("a h K", "2024-03-07T13:05:03Z"), "PM 1 1");
        assert_eq!(
            fmt("H HH k kk K KK h hh", "2024-03-07T00:05:03Z"),
            "0 00 24 24 0 00 12 12"
        );
        assert_eq!(fmt("m mm s ss", s), "5 05 3 03");
        assert_eq!(
            fmt("S SS SSS SSSSSS SSSSSSSSS", s),
            "1 12 123 123456 123456789"
        );
        assert_eq!(fmt("w ww", s), "10 10");
        assert_eq!(fmt("W F", s), "1 1");
        assert_eq!(fmt("W", "2024-09-01T00:00:00Z"), "0"); // Sunday: before the first ISO week
        assert_eq!(fmt("F", "2024-03-29T00:00:00Z"), "5");
        assert_eq!(fmt("z zzzz", s), "GMT+05:30 GMT+05:30");
        assert_eq!(fmt("z", "2024-03-07T00:00:00Z"), "UTC");
        assert_eq!(fmt("Z ZZZ ZZZZ ZZZZZ", s), "+0530 +0530 GMT+05:30 +05:30");
        assert_eq!(fmt("Z ZZZZ ZZZZZ", "2024-03-07T00:00:00Z"), "+0000 GMT Z");
        assert_eq!(
            fmt("X XX XXX XXXX XXXXX", s),
            "+0530 +0530 +05:30 +0530 +05:30"
        );
        assert_eq!(fmt("X XXX", "2024-03-07T00:00:00-08:00"), "-08 -08:00");
        assert_eq!(fmt("X XXX", "2024-03-07T00:00:00Z"), "Z Z");
        assert_eq!(fmt("x xx xxx", "2024-03-07T00:00:00Z"), "+00 +0000 +00:00");
        assert_eq!(fmt("xxx", s), "+05:30");
    }

    #[test]
    fn utc_zone_text_and_bce() {
        let utc = Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap();
        let f = JavaDateFormat::compile("yyyy-MM-dd HH:mm:ss z").unwrap();
        assert_eq!(f.format(&utc), "2024-01-02 03:04:05 UTC");
        let bc = Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            JavaDateFormat::compile("y G u").unwrap().format(&bc),
            "1 BC 0"
        );
    }

    #[test]
    fn literals_and_quotes() {
        let s = "2024-03-07T09:05:03Z";
        assert_eq!(fmt("yyyy-MM-dd'T'HH:mm:ss", s), "2024-03-07T09:05:03");
        assert_eq!(fmt("h 'o''clock' a", s), "9 o'clock AM");
        assert_eq!(fmt("''yy''", s), "'24'");
        assert_eq!(fmt("'at' HH[:mm]", s), "at 09:05");
        assert_eq!(fmt("dd.MM.yyyy, € / ", s), "07.03.2024, € / ");
    }

    #[test]
    fn pattern_errors() {
        let e = JavaDateFormat::compile("yyyy-MM-dd q").unwrap_err();
        assert_eq!(e.column, 12);
        assert!(e.message.contains("'q'"));
        assert_eq!(JavaDateFormat::compile("yyyy 'T").unwrap_err().column, 6);
        assert_eq!(JavaDateFormat::compile("ddd").unwrap_err().column, 1);
        assert_eq!(JavaDateFormat::compile("HH:mm ]").unwrap_err().column, 7);
        assert_eq!(JavaDateFormat::compile("HH[:mm").unwrap_err().column, 3);
        assert_eq!(JavaDateFormat::compile("é {").unwrap_err().column, 3);
        assert!(JavaDateFormat::compile("").is_ok());
    }

    fn parse(p: &str, s: &str) -> ParsedDateTime {
        JavaDateFormat::compile(p).unwrap().parse(s).unwrap()
    }

    #[test]
    fn parse_basic() {
        let r = parse(
            "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
            "2024-03-07T09:05:03.123+05:30",
        );
        assert_eq!(
            r.to_fixed(FixedOffset::east_opt(0).unwrap()),
            dt("2024-03-07T09:05:03.123+05:30")
        );
        assert_eq!(r.offset(), FixedOffset::east_opt(19800));
        let r = parse("yyyyMMddHHmmss", "20240307090503");
        assert_eq!(r.to_naive().to_string(), "2024-03-07 09:05:03");
        let r = parse("dd/MM/yy", "07/03/24");
        assert_eq!(r.date(), NaiveDate::from_ymd_opt(2024, 3, 7));
        assert_eq!(r.time(), None);
        let r = parse("HH:mm", "23:59");
        assert_eq!(r.date(), None);
        assert_eq!(r.to_naive().to_string(), "1970-01-01 23:59:00");
        let r = parse(
            "EEE, d MMM yyyy hh:mm a z",
            "thu, 7 march 2024 01:05 pm GMT+01:00",
        );
        assert_eq!(
            r.to_fixed(FixedOffset::east_opt(0).unwrap()),
            dt("2024-03-07T13:05:00+01:00")
        );
        let r = parse("G yyyy-DDD", "BC 0001-032");
        assert_eq!(r.date(), NaiveDate::from_ymd_opt(0, 2, 1));
        let r = parse("YYYY-'W'ww-E", "2025-W01-Mon").date();
        assert_eq!(r, NaiveDate::from_ymd_opt(2024, 12, 30));
        let r = parse("d M yyyy[ HH:mm]", "7 3 2024");
        assert_eq!(r.time(), None);
        let r = parse("d M yyyy[ HH:mm]", "7 3 2024 10:11");
        assert_eq!(r.time(), NaiveTime::from_hms_opt(10, 11, 0));
        assert_eq!(parse("k", "24").time(), NaiveTime::from_hms_opt(0, 0, 0));
        assert_eq!(
            parse("h a", "12 AM").time(),
            NaiveTime::from_hms_opt(0, 0, 0)
        );
        assert_eq!(
            parse("K a", "11 PM").time(),
            NaiveTime::from_hms_opt(23, 0, 0)
        );
        assert_eq!(
            parse("ss.S", "01.5").time(),
            NaiveTime::from_hms_milli_opt(0, 0, 1, 500)
        );
        assert_eq!(
            parse("Z", "-0800").offset(),
            FixedOffset::east_opt(-8 * 3600)
        );
        assert_eq!(parse("X", "Z").offset(), FixedOffset::east_opt(0));
        assert_eq!(parse("z", "UTC").offset(), FixedOffset::east_opt(0));
        assert_eq!(parse("ZZZZ", "GMT").offset(), FixedOffset::east_opt(0));
        assert_eq!(parse("W F w", "1 1 10"), parse("", ""));
    }

    #[test]
    fn parse_errors() {
        let f = JavaDateFormat::compile("yyyy-MM-dd").unwrap();
        assert_eq!(f.parse("2024-3-07").unwrap_err().column, 6);
        assert_eq!(f.parse("2024-02-30").unwrap_err().message, "invalid date");
        assert_eq!(f.parse("2024-02-01x").unwrap_err().column, 11);
        let f = JavaDateFormat::compile("EEE yyyy-MM-dd").unwrap();
        assert!(f.parse("Mon 2024-03-07").is_err());
        assert!(JavaDateFormat::compile("HH").unwrap().parse("24").is_err());
        assert!(
            JavaDateFormat::compile("HH a")
                .unwrap()
                .parse("13 AM")
                .is_err()
        );
    }

    #[test]
    fn round_trips() {
        let patterns = [
            "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
            "EEEE, dd MMMM yyyy hh:mm:ss.SSS a Z",
            "yyyyMMddHHmmssSSSxx",
            "G uuuu-DDD HH:mm:ss.SSSSSSSSS ZZZZ",
            "dd MMM yyyy kk:mm:ss.SSSSSS ZZZZZ",
            "yyyy-MM-dd HH:mm:ss.SSS z",
        ];
        let s = dt("2023-11-30T00:07:59.250+11:00");
        for p in patterns {
            let f = JavaDateFormat::compile(p).unwrap();
            let text = f.format(&s);
            let back = f
                .parse(&text)
                .unwrap_or_else(|e| panic!("{p}: {text}: {e}"));
            assert_eq!(
                back.to_fixed(FixedOffset::east_opt(0).unwrap()),
                s,
                "{p}: {text}"
            );
        }
    }

    #[test]
    fn send_sync() {
        fn assert_send_sync<T: Send + Sync + Clone + fmt::Debug>() {}
        assert_send_sync::<JavaDateFormat>();
    }
}
