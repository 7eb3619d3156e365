//! Labelled texts: the TSV the corpora in `../shared/data/` use, and that analyst
//! feedback exports to, so `fenghuo model train` reads both the same way.
//!
//! Columns, tab-separated, with a header line: `label, source, text[, reason[, domain]]`;
//! `label` is `risk` or `neutral`, `domain` is set on risk rows where known.

/// One labelled text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    pub risk: bool,
    pub source: String,
    pub text: String,
    /// The risk domain (执法办案, 袭警, …), when the row names one.
    pub domain: Option<String>,
}

/// Parses a labelled TSV; errors name the line.
pub fn parse_tsv(tsv: &str) -> Result<Vec<Labelled>, String> {
    let mut rows = Vec::new();
    for (index, line) in tsv.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        let (Some(label), Some(source), Some(text)) =
            (columns.first(), columns.get(1), columns.get(2))
        else {
            return Err(format!(
                "line {}: expected label, source, text columns",
                index + 1
            ));
        };
        let risk = match *label {
            "risk" => true,
            "neutral" => false,
            other => return Err(format!("line {}: unknown label {other:?}", index + 1)),
        };
        let domain = columns
            .get(4)
            .map(|d| d.trim())
            .filter(|d| risk && !d.is_empty())
            .map(str::to_owned);
        rows.push(Labelled {
            risk,
            source: (*source).to_owned(),
            text: (*text).to_owned(),
            domain,
        });
    }
    Ok(rows)
}

/// Writes rows in the same format (tabs and newlines inside a text become spaces).
pub fn to_tsv(rows: &[(Labelled, String)]) -> String {
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut out = String::from("label\tsource\ttext\treason\tdomain\n");
    for (row, reason) in rows {
        out.push_str(if row.risk { "risk" } else { "neutral" });
        for column in [
            row.source.as_str(),
            row.text.as_str(),
            reason.as_str(),
            row.domain.as_deref().unwrap_or(""),
        ] {
            out.push('\t');
            out.push_str(&clean(column));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_domains_and_bad_labels() {
        let rows = parse_tsv("label\tsource\ttext\treason\tdomain\nrisk\ta\t甲\tr\t袭警\nneutral\tb\t乙\tr\t\nrisk\tc\t丙\n").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].domain.as_deref(), Some("袭警"));
        assert_eq!((rows[1].risk, rows[1].domain.clone()), (false, None));
        assert_eq!(rows[2].domain, None);
        let again = parse_tsv(&to_tsv(&[(rows[0].clone(), "x\ty".into())])).unwrap();
        assert_eq!(again[0], rows[0]);
        assert!(parse_tsv("h\nmaybe\tx\tt\n")
            .unwrap_err()
            .contains("line 2"));
    }
}
