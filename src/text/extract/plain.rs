//! The plain-text rendering of extracted content (what `tidings extract` prints and the benchmark
//! scores): an iterative DOM walk, blank lines between paragraphs, one line per list item and table row.

use dom_query::NodeRef;

/// What a tag does to the text layout.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Not rendered at all.
    Skip,
    /// Inline content.
    Inline,
    /// A block separated by a blank line.
    Para,
    /// A block on its own line (list item, table row, definition).
    Line,
    /// A table cell.
    Cell,
    /// Preformatted block.
    Pre,
    /// A line break.
    Br,
}

pub(super) fn kind_of(tag: &str) -> Kind {
    match tag {
        "script" | "style" | "noscript" | "template" | "head" | "title" | "meta" | "link"
        | "iframe" | "svg" | "select" | "option" | "button" | "input" | "textarea" | "object"
        | "embed" | "canvas" | "audio" | "video" | "source" | "track" | "map" | "area" => {
            Kind::Skip
        }
        "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "ul" | "ol"
        | "dl" | "table" | "figure" | "section" | "article" | "header" | "footer" | "main"
        | "aside" | "nav" | "form" | "fieldset" | "address" | "details" | "summary" | "hr"
        | "center" | "body" | "html" | "caption" | "figcaption" | "thead" | "tbody" | "tfoot"
        | "hgroup" => Kind::Para,
        "li" | "tr" | "dt" | "dd" | "legend" | "option_group" => Kind::Line,
        "td" | "th" => Kind::Cell,
        "pre" | "listing" | "xmp" | "plaintext" => Kind::Pre,
        "br" => Kind::Br,
        _ => Kind::Inline,
    }
}

/// Accumulates text with collapsed whitespace and block separators.
pub(super) struct TextOut {
    out: String,
    /// Pending line breaks before the next text (0, 1 or 2).
    pending_breaks: u8,
    /// A space is pending before the next text.
    pending_space: bool,
    /// A cell separator is pending before the next text.
    pending_cell: bool,
    /// An inline element started or ended since the last text.
    boundary: bool,
}

impl TextOut {
    fn new() -> Self {
        TextOut {
            out: String::new(),
            pending_breaks: 0,
            pending_space: false,
            pending_cell: false,
            boundary: false,
        }
    }

    fn brk(&mut self, n: u8) {
        if !self.out.is_empty() {
            self.pending_breaks = self.pending_breaks.max(n);
        }
        self.pending_space = false;
        self.pending_cell = false;
    }

    fn flush_sep(&mut self, next: Option<char>) {
        if self.out.is_empty() {
            self.pending_breaks = 0;
            self.pending_space = false;
            self.pending_cell = false;
            return;
        }
        if self.pending_breaks > 0 {
            // Trim trailing spaces of the finished line.
            while self.out.ends_with(' ') {
                self.out.pop();
            }
            for _ in 0..self.pending_breaks {
                self.out.push('\n');
            }
        } else if self.pending_cell {
            while self.out.ends_with(' ') {
                self.out.pop();
            }
            self.out.push_str(" | ");
        } else if self.pending_space && !self.out.ends_with([' ', '\n']) {
            self.out.push(' ');
        } else if self.boundary && cjk_boundary(self.out.chars().next_back(), next) {
            // Scripts written without spaces: an element boundary separates
            // words (as in html_text and browsers' copy/paste of such pages).
            self.out.push(' ');
        }
        self.boundary = false;
        self.pending_breaks = 0;
        self.pending_space = false;
        self.pending_cell = false;
    }

    /// Appends text with whitespace collapsed.
    fn text(&mut self, s: &str) {
        let words = s.split(is_html_ws).peekable();
        let mut first = true;
        let mut any = false;
        if s.starts_with(is_html_ws) {
            self.pending_space = true;
        }
        for w in words {
            if w.is_empty() {
                continue;
            }
            let w = clean_chars(w);
            if w.is_empty() {
                continue;
            }
            if !first {
                self.pending_space = true;
            }
            self.flush_sep(w.chars().next());
            self.out.push_str(&w);
            first = false;
            any = true;
        }
        if any && s.ends_with(is_html_ws) {
            self.pending_space = true;
        }
    }

    /// Appends preformatted text verbatim (line structure kept).
    fn pre_text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        self.flush_sep(None);
        for (i, line) in s.split('\n').enumerate() {
            if i > 0 {
                self.out.push('\n');
            }
            self.out.push_str(&clean_chars(line.trim_end_matches('\r')));
        }
    }

    fn finish(mut self) -> String {
        while self.out.ends_with([' ', '\n']) {
            self.out.pop();
        }
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }
}

/// True for characters of scripts written without spaces between words.
pub(super) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xac00..=0xd7af
        | 0xf900..=0xfaff | 0xff66..=0xff9f | 0x20000..=0x2fa1f)
}

/// Whether an element boundary between `prev` and `next` gets a space.
pub(super) fn cjk_boundary(prev: Option<char>, next: Option<char>) -> bool {
    match (prev, next) {
        (Some(a), Some(b)) => {
            (is_cjk(a) || is_cjk(b)) && a.is_alphanumeric() && b.is_alphanumeric()
        }
        _ => false,
    }
}

pub(super) fn is_html_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// Drops control characters and stray combining strike-through marks
/// (U+0335..U+0338) that some CMSes wrap around dashes.
pub(super) fn clean_chars(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(|c| {
        !c.is_control()
            && !matches!(
                c,
                '\u{335}'..='\u{338}' | '\u{ad}' | '\u{200b}' | '\u{feff}'
            )
    }) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .filter(|&c| {
                !c.is_control()
                    && !matches!(
                        c,
                        '\u{335}'..='\u{338}' | '\u{ad}' | '\u{200b}' | '\u{feff}'
                    )
            })
            .collect(),
    )
}

/// Renders the children of `root` as plain text (iteratively).
pub(super) fn node_to_text(root: &NodeRef<'_>) -> String {
    enum Step<'a> {
        Enter(NodeRef<'a>),
        Leave(Kind),
    }
    let mut out = TextOut::new();
    let mut pre_depth = 0usize;
    let mut stack: Vec<Step<'_>> = Vec::new();
    push_children(root, &mut stack, Step::Enter);
    while let Some(step) = stack.pop() {
        match step {
            Step::Enter(node) => {
                if node.is_text() {
                    let t = node.text();
                    if pre_depth > 0 {
                        out.pre_text(&t);
                    } else {
                        out.text(&t);
                    }
                    continue;
                }
                if !node.is_element() {
                    continue;
                }
                let name = node.node_name().unwrap_or_default();
                let kind = kind_of(name.as_ref());
                match kind {
                    Kind::Skip => continue,
                    Kind::Br => {
                        out.brk(1);
                        // A <br> forces the break even at the start of a block.
                        if !out.out.is_empty() && out.pending_breaks == 0 {
                            out.pending_breaks = 1;
                        }
                        continue;
                    }
                    Kind::Para | Kind::Pre => out.brk(2),
                    Kind::Line => out.brk(1),
                    Kind::Cell => {}
                    Kind::Inline => out.boundary = true,
                }
                if kind == Kind::Pre {
                    pre_depth += 1;
                }
                if name.as_ref() == "img" {
                    continue;
                }
                stack.push(Step::Leave(kind));
                push_children(&node, &mut stack, Step::Enter);
            }
            Step::Leave(kind) => match kind {
                Kind::Para => out.brk(2),
                Kind::Pre => {
                    pre_depth = pre_depth.saturating_sub(1);
                    out.brk(2);
                }
                Kind::Line => out.brk(1),
                Kind::Cell if !out.out.is_empty() && out.pending_breaks == 0 => {
                    out.pending_cell = true;
                }
                Kind::Inline => out.boundary = true,
                _ => {}
            },
        }
    }
    out.finish()
}

pub(super) fn push_children<'a, T>(
    node: &NodeRef<'a>,
    stack: &mut Vec<T>,
    f: impl Fn(NodeRef<'a>) -> T,
) {
    let start = stack.len();
    let mut child = node.first_child();
    while let Some(c) = child {
        child = c.next_sibling();
        stack.push(f(c));
    }
    stack[start..].reverse();
}

pub(super) fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}
