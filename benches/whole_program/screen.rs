//! Reading tidings' screen: its panes (found from the border corners on the top row; the focused pane
//! has a thick border), the selected (reverse-video) row of a pane, and the status line.

/// One pane: its border title and the columns of its left and right border.
#[derive(Debug, Clone)]
pub struct Pane {
    pub title: String,
    pub left: u16,
    pub right: u16,
    pub focused: bool,
}

/// A cell's text; a cell never written to (ratatui skips cells that stay blank) is a space.
fn text(c: &vt100::Cell) -> &str {
    match c.contents() {
        "" => " ",
        s => s,
    }
}

fn cell(screen: &vt100::Screen, row: u16, col: u16) -> String {
    screen
        .cell(row, col)
        .map_or(" ".into(), |c| text(c).to_string())
}

/// The panes on screen, left to right.
pub fn panes(screen: &vt100::Screen) -> Vec<Pane> {
    let (_, cols) = screen.size();
    let mut out = Vec::new();
    let mut col = 0;
    while col < cols {
        let corner = cell(screen, 0, col);
        if corner == "┌" || corner == "┏" {
            let focused = corner == "┏";
            let closing = if focused { "┓" } else { "┐" };
            let Some(right) = (col + 1..cols).find(|&c| cell(screen, 0, c) == closing) else {
                break;
            };
            let title: String = (col + 1..right).map(|c| cell(screen, 0, c)).collect();
            let title = title
                .trim_matches(|c: char| c == '─' || c == '━' || c.is_whitespace())
                .to_string();
            out.push(Pane {
                title,
                left: col,
                right,
                focused,
            });
            col = right + 1;
        } else {
            col += 1;
        }
    }
    out
}

/// The title of the n-th pane (0: feeds, 1: headlines).
pub fn pane_title(screen: &vt100::Screen, n: usize) -> Option<String> {
    panes(screen).into_iter().nth(n).map(|p| p.title)
}

/// The text of the n-th pane's rows.
pub fn pane_text(screen: &vt100::Screen, n: usize) -> String {
    let Some(p) = panes(screen).into_iter().nth(n) else {
        return String::new();
    };
    let (rows, _) = screen.size();
    (1..rows.saturating_sub(2))
        .map(|row| {
            (p.left + 1..p.right)
                .map(|c| cell(screen, row, c))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The selected (reverse-video) row of the n-th pane, trimmed.
pub fn selected(screen: &vt100::Screen, n: usize) -> Option<String> {
    let p = panes(screen).into_iter().nth(n)?;
    let (rows, _) = screen.size();
    (1..rows.saturating_sub(2)).find_map(|row| {
        let cells: Vec<&vt100::Cell> = (p.left + 1..p.right)
            .filter_map(|col| screen.cell(row, col))
            .collect();
        let inverse = cells.iter().filter(|c| c.inverse()).count();
        (inverse > 1).then(|| {
            let row: String = cells.iter().map(|c| text(c)).collect();
            row.trim().to_string()
        })
    })
}

/// The bottom row (status line).
pub fn status_line(screen: &vt100::Screen) -> String {
    let (rows, cols) = screen.size();
    screen
        .rows(0, cols)
        .nth(rows as usize - 1)
        .unwrap_or_default()
}

/// The first `n` characters of `s` (titles are cut to fit their column on screen).
pub fn prefix(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
