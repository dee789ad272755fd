//! Fixes to html2text's line layout that need to see whole lines: a blank line before a list that
//! follows text (html2text glues a list to the paragraph before it), and code lines too long for
//! the pane wrapped with a visible continuation marker at the line's own indent (html2text cuts
//! them mid-word at column 0).

use unicode_width::UnicodeWidthChar;

use super::{StyledRange, TextStyle};

/// Drawn at the start of each continuation of a wrapped code line.
pub(super) const CONTINUATION: &str = "↪ ";

/// One rendered line before the layout fixes.
#[derive(Debug, Default)]
pub(super) struct Line {
    pub text: String,
    pub ranges: Vec<StyledRange>,
    /// The line opens a list item (`* ` or `1. ` written by the list, not by the text).
    pub list_start: bool,
    /// The line continues a preformatted line that html2text wrapped.
    pub code_continues: bool,
}

/// Applies both fixes, then drops trailing whitespace from every line.
pub(super) fn lay_out(lines: Vec<Line>, width: usize) -> Vec<(String, Vec<StyledRange>)> {
    let mut out: Vec<(String, Vec<StyledRange>)> = Vec::with_capacity(lines.len());
    let mut in_list = false;
    let mut lines = lines.into_iter().peekable();
    while let Some(line) = lines.next() {
        let blank = line.text.trim().is_empty();
        if line.list_start {
            let after_text = out.last().is_some_and(|(l, _)| !l.trim().is_empty());
            if after_text && !in_list {
                out.push((String::new(), Vec::new()));
            }
            in_list = true;
        } else if blank {
            in_list = false;
        }
        let mut group = vec![line];
        while lines.peek().is_some_and(|l| l.code_continues) {
            group.extend(lines.next());
        }
        if group.len() == 1 {
            out.extend(group.into_iter().map(|l| (l.text, l.ranges)));
        } else {
            out.extend(rewrap_code(group, width));
        }
    }
    for (text, ranges) in &mut out {
        trim_end(text, ranges);
    }
    out
}

/// One line on its own, trailing whitespace dropped (for renderings without lists or code).
pub(super) fn finished(line: Line) -> (String, Vec<StyledRange>) {
    let (mut text, mut ranges) = (line.text, line.ranges);
    trim_end(&mut text, &mut ranges);
    (text, ranges)
}

fn trim_end(text: &mut String, ranges: &mut Vec<StyledRange>) {
    let kept = text.trim_end().len();
    text.truncate(kept);
    ranges.retain_mut(|r| {
        r.end = r.end.min(kept);
        r.start < r.end
    });
}

/// Where a line's code starts: the first code-styled byte (what comes before is the block's prefix,
/// such as `> ` or a list's indent).
fn code_start(line: &Line) -> usize {
    line.ranges
        .iter()
        .find(|r| r.style.code)
        .map_or(0, |r| r.start)
}

/// One preformatted line that html2text wrapped over `group`, wrapped again: the first piece under
/// the block's prefix, every later one under the prefix, the line's indent and [`CONTINUATION`].
fn rewrap_code(group: Vec<Line>, width: usize) -> Vec<(String, Vec<StyledRange>)> {
    let first_at = code_start(&group[0]);
    let prefix = group[0].text[..first_at].to_string();
    let cont_prefix = group
        .get(1)
        .map(|l| l.text[..code_start(l)].to_string())
        .unwrap_or_else(|| prefix.clone());
    let style = group[0].ranges.iter().find(|r| r.style.code).map_or(
        TextStyle {
            code: true,
            ..TextStyle::default()
        },
        |r| r.style,
    );
    let mut code = String::new();
    for line in &group {
        code.push_str(&line.text[code_start(line)..]);
    }
    let columns = |s: &str| s.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>();
    let room = width.saturating_sub(columns(&prefix)).max(1);
    let indent = code.chars().take_while(|&c| c == ' ').count().min(room / 2);
    let cont_room = width
        .saturating_sub(columns(&cont_prefix) + indent + CONTINUATION.chars().count())
        .max(8);

    let mut out = Vec::new();
    let mut rest = code.as_str();
    let mut first = true;
    while !rest.is_empty() {
        let limit = if first { room } else { cont_room };
        let mut used = 0;
        let mut cut = rest.len();
        for (i, c) in rest.char_indices() {
            let w = c.width().unwrap_or(0);
            if used + w > limit && i > 0 {
                cut = i;
                break;
            }
            used += w;
        }
        // Code reads better broken after a space, when one is in the second half of the piece.
        if cut < rest.len()
            && let Some(space) = rest[..cut].rfind(' ')
            && space + 1 > cut / 2
        {
            cut = space + 1;
        }
        let (piece, tail) = rest.split_at(cut);
        let mut text = if first {
            prefix.clone()
        } else {
            format!("{cont_prefix}{}{CONTINUATION}", " ".repeat(indent))
        };
        let start = if first {
            text.len()
        } else {
            cont_prefix.len() + indent
        };
        text.push_str(piece);
        let ranges = vec![StyledRange {
            start,
            end: text.len(),
            style,
        }];
        out.push((text, ranges));
        rest = tail;
        first = false;
    }
    out
}
