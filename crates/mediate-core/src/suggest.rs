//! "Did you mean" suggestions: which of the names a configuration could have used is close
//! to the one it did use.
//!
//! Every "unknown …" message of mediate (mediators, attributes, child elements, scopes,
//! transports, methods, artifact keys) suggests names by the one rule of [`suggestions`], so
//! that the same typo gets the same answer wherever it is made.

/// The candidates close to `name`, best first.
///
/// A candidate is close when, compared without regard to case:
///
/// 1. its edit distance (Levenshtein, counted in characters) to `name` is at most a third of
///    `name`'s length, and at least 2: `lgo` → `log`, `proprety` → `property`;
/// 2. or it ends with `name`, when `name` has at least 3 characters: `action` →
///    `responseAction`;
/// 3. or its last dotted segment is `name`'s: `Audit` → `com.acme.Audit`.
///
/// Candidates of the first kind come first, nearest first; the others follow. Candidates
/// equally close are in the order of their names (byte order), whatever order they were given
/// in.
///
/// ```
/// use mediate_core::suggestions;
///
/// let names = ["log", "loopback", "property", "com.acme.Audit", "responseAction"];
/// assert_eq!(suggestions("lg", names), ["log"]);
/// assert_eq!(suggestions("LOG", names), ["log"]);
/// assert_eq!(suggestions("Audit", names), ["com.acme.Audit"]);
/// assert_eq!(suggestions("action", names), ["responseAction"]);
/// assert!(suggestions("xslt", names).is_empty());
/// ```
pub fn suggestions<I>(name: &str, candidates: I) -> Vec<I::Item>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let near = Nearness::of(name);
    let mut scored: Vec<(usize, I::Item)> = candidates
        .into_iter()
        .filter_map(|c| near.score(c.as_ref()).map(|score| (score, c)))
        .collect();
    scored.sort_by(|(sa, a), (sb, b)| sa.cmp(sb).then_with(|| a.as_ref().cmp(b.as_ref())));
    scored.into_iter().map(|(_, c)| c).collect()
}

/// The candidate closest to `name`, if any is close (the first of [`suggestions`]).
///
/// ```
/// use mediate_core::closest;
///
/// let scopes = ["default", "transport", "axis2", "axis2-client"];
/// assert_eq!(closest("transprt", scopes), Some("transport"));
/// assert_eq!(closest("Axis2", scopes), Some("axis2"));
/// assert_eq!(closest("registry", scopes), None);
/// ```
pub fn closest<I>(name: &str, candidates: I) -> Option<I::Item>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let near = Nearness::of(name);
    candidates
        .into_iter()
        .filter_map(|c| near.score(c.as_ref()).map(|score| (score, c)))
        .min_by(|(sa, a), (sb, b)| sa.cmp(sb).then_with(|| a.as_ref().cmp(b.as_ref())))
        .map(|(_, c)| c)
}

/// `` ; did you mean `x`?`` for the [`closest`] of `candidates` to `name`, or nothing: the
/// suffix of an "unknown …" message.
///
/// ```
/// use mediate_core::did_you_mean;
///
/// let allowed = ["initialDuration", "errorCodes"];
/// assert_eq!(
///     format!("unknown attribute `initialDuraton`{}", did_you_mean("initialDuraton", allowed)),
///     "unknown attribute `initialDuraton`; did you mean `initialDuration`?"
/// );
/// assert_eq!(did_you_mean("zzzzzzzz", allowed), "");
/// ```
pub fn did_you_mean<I>(name: &str, candidates: I) -> String
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    did_you_mean_any(closest(name, candidates).as_slice())
}

/// `` ; did you mean `a` or `b`?`` for `names` (best first), or nothing when there are none.
pub(crate) fn did_you_mean_any<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    format!("; did you mean {}?", quoted.join(" or "))
}

/// What a candidate is compared with: the misspelt name, lowercased.
struct Nearness {
    lower: String,
    /// `lower`'s last dotted segment.
    last: String,
    /// The largest edit distance that counts as close.
    limit: usize,
}

impl Nearness {
    fn of(name: &str) -> Self {
        let lower = name.to_lowercase();
        Self {
            last: last_segment(&lower).to_owned(),
            limit: (name.chars().count() / 3).max(2),
            lower,
        }
    }

    /// The candidate's rank (lower is closer), or `None` when it is not close.
    fn score(&self, candidate: &str) -> Option<usize> {
        let lower = candidate.to_lowercase();
        let distance = levenshtein(&self.lower, &lower);
        if distance <= self.limit {
            Some(distance)
        } else if (self.lower.chars().count() >= 3 && lower.ends_with(&self.lower))
            || last_segment(&lower) == self.last
        {
            Some(self.limit + 1)
        } else {
            None
        }
    }
}

/// What follows the last `.` of `s` (all of `s` without one).
fn last_segment(s: &str) -> &str {
    s.rsplit('.').next().unwrap_or(s)
}

/// The edit distance between `a` and `b`, in characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_basics() {
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("log", "log"), 0);
        assert_eq!(levenshtein("héllo", "hello"), 1);
    }

    #[test]
    fn within_a_third_of_the_length_and_at_least_two() {
        let names = ["category", "level", "separator", "description"];
        assert_eq!(closest("categry", names), Some("category"));
        assert_eq!(closest("LEVEL", names), Some("level"));
        assert_eq!(closest("lvl", names), Some("level"));
        // `descrptn` is 3 edits away, over its limit max(2, 8 / 3) = 2.
        assert_eq!(closest("descrptn", names), None);
        assert_eq!(closest("descrption", names), Some("description"));
        assert_eq!(closest("colour", names), None);
        assert_eq!(closest("x", [] as [&str; 0]), None);
    }

    #[test]
    fn a_suffix_or_the_last_dotted_segment_ranks_after_every_near_name() {
        let names = ["responseAction", "actions", "com.acme.Audit"];
        assert_eq!(suggestions("action", names), ["actions", "responseAction"]);
        assert_eq!(suggestions("x.Audit", names), ["com.acme.Audit"]);
        // A suffix counts from 3 characters.
        assert!(suggestions("on", ["responseAction"]).is_empty());
    }

    #[test]
    fn ties_go_to_the_first_name_in_byte_order() {
        assert_eq!(
            suggestions("lg", ["lug", "log", "leg"]),
            ["leg", "log", "lug"]
        );
        assert_eq!(closest("lg", ["lug", "log", "leg"]), Some("leg"));
    }

    #[test]
    fn candidates_of_any_string_type() {
        let owned = vec!["sequence".to_owned(), "api".to_owned()];
        assert_eq!(
            closest("sequnce", &owned).map(String::as_str),
            Some("sequence")
        );
        assert_eq!(
            did_you_mean("sequnce", owned.iter().map(String::as_str)),
            "; did you mean `sequence`?"
        );
        let slice: &[&str] = &["then", "else"];
        assert_eq!(closest("thne", slice).copied(), Some("then"));
    }

    #[test]
    fn phrases() {
        assert_eq!(did_you_mean_any::<&str>(&[]), "");
        assert_eq!(did_you_mean_any(&["log"]), "; did you mean `log`?");
        assert_eq!(
            did_you_mean_any(&["log", "loop"]),
            "; did you mean `log` or `loop`?"
        );
    }
}
