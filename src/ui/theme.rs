//! The reader's colours: a [`Theme`] is one named style per role (a border, an unread headline, an
//! error…), and it is the only place colours and text attributes are chosen. The views and popups
//! draw with `app.theme`'s roles and name no colour of their own.
//!
//! This module owns the built-in themes (`dark`, the default and the colours tidings always had;
//! `light`; `high-contrast`; `terminal`, which uses only the terminal's 16 colours so its palette
//! decides), the monochrome theme that `NO_COLOR` asks for (<https://no-color.org>: bold, reverse,
//! underline and dim only), and how the `theme` and `[colors]` settings of
//! [`crate::config::Config`] become a theme. `NO_COLOR` is handed in by the caller (the runtime reads
//! the environment once), so the choice stays a pure function.

use std::ffi::OsStr;

use ratatui::style::{Color, Modifier, Style};

use crate::config::{Colors, Config, RoleColor, ThemeName};

/// A style per role. Each role is where the views use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Pane and dialog titles.
    pub title: Style,
    /// The border of a pane without the focus.
    pub border: Style,
    /// The border of the focused pane (drawn thick as well).
    pub focused_border: Style,
    /// The border of a dialog.
    pub popup_border: Style,
    /// The selected row of a list (feeds, headlines, links, search results, feed choices).
    pub selected: Style,
    /// Group rows of the feed list: All, Starred, tags.
    pub group: Style,
    /// Quiet text: feeds with nothing unread, hints, placeholders, the status line's right side.
    pub dim: Style,
    /// Errors: the status line's, a dialog's, and a failing feed's `!`.
    pub error: Style,
    /// An unread headline.
    pub unread: Style,
    /// A read headline.
    pub read: Style,
    /// The unread marker `●`.
    pub unread_marker: Style,
    /// The star `★`.
    pub starred: Style,
    /// Field labels: the article header's `Feed:`, `Date:`…, the feed details' left column.
    pub label: Style,
    /// The article's title in its header.
    pub article_title: Style,
    /// Code in an article.
    pub code: Style,
    /// Links in an article.
    pub link: Style,
    /// Strong (bold) text in an article.
    pub strong: Style,
    /// Emphasised (italic) text in an article.
    pub emphasis: Style,
    /// The refresh progress in the status line.
    pub progress: Style,
    /// Notices in the status line.
    pub status: Style,
    /// Keys in the help, and the focused field's label in a dialog.
    pub key: Style,
    /// Work under way in a dialog (fetching, adding).
    pub busy: Style,
    /// The cursor in a text field.
    pub cursor: Style,
    /// A text field.
    pub input: Style,
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::dark()
    }
}

const fn fg(color: Color) -> Style {
    Style::new().fg(color)
}

const fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

const fn plain() -> Style {
    Style::new()
}

const fn reversed() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

const fn underlined() -> Style {
    Style::new().add_modifier(Modifier::UNDERLINED)
}

const fn faint() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

impl Theme {
    /// The built-in theme of that name.
    pub fn builtin(name: ThemeName) -> Theme {
        match name {
            ThemeName::Dark => Theme::dark(),
            ThemeName::Light => Theme::light(),
            ThemeName::HighContrast => Theme::high_contrast(),
            ThemeName::Terminal => Theme::terminal(),
        }
    }

    /// The theme the settings ask for; with `no_color` (see [`no_color`]) the monochrome theme,
    /// whatever they say.
    pub fn from_config(config: &Config, no_color: bool) -> Theme {
        if no_color {
            Theme::monochrome()
        } else {
            Theme::builtin(config.theme).with_colors(&config.colors)
        }
    }

    /// Light text on a dark terminal: the default.
    pub const fn dark() -> Theme {
        Theme {
            title: bold(),
            border: fg(Color::DarkGray),
            focused_border: fg(Color::Cyan),
            popup_border: fg(Color::Cyan),
            selected: reversed(),
            group: bold(),
            dim: fg(Color::DarkGray),
            error: fg(Color::Red),
            unread: bold(),
            read: fg(Color::Gray),
            unread_marker: fg(Color::Cyan),
            starred: fg(Color::Yellow),
            label: fg(Color::DarkGray),
            article_title: bold().fg(Color::Cyan),
            code: fg(Color::Yellow),
            link: fg(Color::Blue).add_modifier(Modifier::UNDERLINED),
            strong: bold(),
            emphasis: Style::new().add_modifier(Modifier::ITALIC),
            progress: fg(Color::Black).bg(Color::Cyan),
            status: plain(),
            key: bold().fg(Color::Yellow),
            busy: fg(Color::Cyan),
            cursor: reversed(),
            input: underlined(),
        }
    }

    /// Dark text on a light terminal, in fixed colours of the 256-colour palette.
    pub const fn light() -> Theme {
        const BLUE: Color = Color::Indexed(25); // #005faf
        const PURPLE: Color = Color::Indexed(90); // #870087
        const GREY: Color = Color::Indexed(244); // #808080
        Theme {
            title: bold(),
            border: fg(Color::Indexed(250)),
            focused_border: fg(BLUE),
            popup_border: fg(BLUE),
            selected: fg(Color::Indexed(16)).bg(Color::Indexed(153)),
            group: bold(),
            dim: fg(GREY),
            error: fg(Color::Indexed(160)),
            unread: bold(),
            read: fg(Color::Indexed(240)),
            unread_marker: fg(BLUE),
            starred: fg(Color::Indexed(166)),
            label: fg(GREY),
            article_title: bold().fg(BLUE),
            code: fg(PURPLE),
            link: fg(BLUE).add_modifier(Modifier::UNDERLINED),
            strong: bold(),
            emphasis: Style::new().add_modifier(Modifier::ITALIC),
            progress: fg(Color::Indexed(231)).bg(BLUE),
            status: plain(),
            key: bold().fg(PURPLE),
            busy: fg(BLUE),
            cursor: reversed(),
            input: underlined(),
        }
    }

    /// Bright colours and bold on a dark terminal, no greys darker than the text's.
    pub const fn high_contrast() -> Theme {
        Theme {
            title: bold().fg(Color::White),
            border: fg(Color::White),
            focused_border: bold().fg(Color::LightYellow),
            popup_border: fg(Color::LightYellow),
            // Reversed, not a fixed background: the marker and the star keep their colours on it.
            selected: bold().add_modifier(Modifier::REVERSED),
            group: bold().fg(Color::White),
            dim: fg(Color::Gray),
            error: bold().fg(Color::LightRed),
            unread: bold().fg(Color::White),
            read: fg(Color::Gray),
            unread_marker: bold().fg(Color::LightCyan),
            starred: bold().fg(Color::LightYellow),
            label: fg(Color::LightCyan),
            article_title: bold().fg(Color::LightYellow),
            code: fg(Color::LightGreen),
            link: fg(Color::LightCyan).add_modifier(Modifier::UNDERLINED),
            strong: bold().fg(Color::White),
            emphasis: Style::new().add_modifier(Modifier::ITALIC),
            progress: bold().fg(Color::Black).bg(Color::LightYellow),
            status: fg(Color::White),
            key: bold().fg(Color::LightYellow),
            busy: bold().fg(Color::LightCyan),
            cursor: reversed(),
            input: underlined(),
        }
    }

    /// Only the terminal's own colours (the eight ANSI ones), faint text instead of greys, reversed
    /// instead of a fixed background: whatever the palette, light or dark, decides how it looks.
    pub const fn terminal() -> Theme {
        Theme {
            title: bold(),
            border: plain(),
            focused_border: fg(Color::Cyan),
            popup_border: fg(Color::Cyan),
            selected: reversed(),
            group: bold(),
            dim: faint(),
            error: fg(Color::Red),
            unread: bold(),
            read: plain(),
            unread_marker: fg(Color::Cyan),
            starred: fg(Color::Yellow),
            label: faint(),
            article_title: bold().fg(Color::Cyan),
            code: fg(Color::Magenta),
            link: fg(Color::Blue).add_modifier(Modifier::UNDERLINED),
            strong: bold(),
            emphasis: Style::new().add_modifier(Modifier::ITALIC),
            progress: fg(Color::Cyan).add_modifier(Modifier::REVERSED),
            status: plain(),
            key: bold().fg(Color::Yellow),
            busy: fg(Color::Cyan),
            cursor: reversed(),
            input: underlined(),
        }
    }

    /// No colour at all (`NO_COLOR`): bold, reverse, underline and dim only.
    pub const fn monochrome() -> Theme {
        Theme {
            title: bold(),
            border: plain(),
            focused_border: bold(),
            popup_border: plain(),
            selected: reversed(),
            group: bold(),
            dim: faint(),
            error: bold(),
            unread: bold(),
            read: plain(),
            unread_marker: bold(),
            starred: bold(),
            label: faint(),
            article_title: bold(),
            code: plain(),
            link: underlined(),
            strong: bold(),
            emphasis: underlined(),
            progress: reversed(),
            status: plain(),
            key: bold(),
            busy: bold(),
            cursor: reversed(),
            input: underlined(),
        }
    }

    /// This theme with the roles `[colors]` names coloured as it says: the text's colour, and the
    /// background (which replaces a reversed highlight) when given.
    pub fn with_colors(mut self, colors: &Colors) -> Theme {
        // Every role, named: a role added to `Colors` must be added here too.
        let Colors {
            title,
            border,
            focused_border,
            popup_border,
            selected,
            group,
            dim,
            error,
            unread,
            read,
            unread_marker,
            starred,
            label,
            article_title,
            code,
            link,
            strong,
            emphasis,
            progress,
            status,
            key,
            busy,
            cursor,
            input,
        } = colors;
        let roles = [
            (&mut self.title, title),
            (&mut self.border, border),
            (&mut self.focused_border, focused_border),
            (&mut self.popup_border, popup_border),
            (&mut self.selected, selected),
            (&mut self.group, group),
            (&mut self.dim, dim),
            (&mut self.error, error),
            (&mut self.unread, unread),
            (&mut self.read, read),
            (&mut self.unread_marker, unread_marker),
            (&mut self.starred, starred),
            (&mut self.label, label),
            (&mut self.article_title, article_title),
            (&mut self.code, code),
            (&mut self.link, link),
            (&mut self.strong, strong),
            (&mut self.emphasis, emphasis),
            (&mut self.progress, progress),
            (&mut self.status, status),
            (&mut self.key, key),
            (&mut self.busy, busy),
            (&mut self.cursor, cursor),
            (&mut self.input, input),
        ];
        for (style, color) in roles {
            if let Some(color) = color {
                recolor(style, *color);
            }
        }
        self
    }
}

fn recolor(style: &mut Style, color: RoleColor) {
    if let Some(fg) = color.fg {
        style.fg = Some(fg);
    }
    if let Some(bg) = color.bg {
        style.bg = Some(bg);
        style.add_modifier.remove(Modifier::REVERSED);
    }
}

/// Whether the value of `NO_COLOR` asks for no colour: set and not empty (<https://no-color.org>).
pub fn no_color(value: Option<&OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn no_color_is_set_and_not_empty() {
        assert!(!no_color(None));
        assert!(!no_color(Some(OsStr::new(""))));
        assert!(no_color(Some(OsStr::new("1"))));
        assert!(no_color(Some(OsStr::new("0"))), "any value counts");
    }

    #[test]
    fn no_color_wins_over_the_settings() {
        let c = config("theme = \"light\"\n[colors]\nerror = \"#ff0000\"\n");
        assert_eq!(Theme::from_config(&c, true), Theme::monochrome());
        assert_ne!(Theme::from_config(&c, false), Theme::monochrome());
    }

    /// Every style of a theme, for checks over all roles.
    fn styles(t: &Theme) -> Vec<Style> {
        vec![
            t.title,
            t.border,
            t.focused_border,
            t.popup_border,
            t.selected,
            t.group,
            t.dim,
            t.error,
            t.unread,
            t.read,
            t.unread_marker,
            t.starred,
            t.label,
            t.article_title,
            t.code,
            t.link,
            t.strong,
            t.emphasis,
            t.progress,
            t.status,
            t.key,
            t.busy,
            t.cursor,
            t.input,
        ]
    }

    #[test]
    fn monochrome_has_no_colour_and_only_the_four_attributes() {
        let allowed = Modifier::BOLD | Modifier::REVERSED | Modifier::UNDERLINED | Modifier::DIM;
        for s in styles(&Theme::monochrome()) {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?}");
            assert!(allowed.contains(s.add_modifier), "{s:?}");
        }
    }

    #[test]
    fn terminal_uses_only_the_ansi_colours_and_no_greys() {
        for s in styles(&Theme::terminal()) {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(
                    !matches!(
                        c,
                        Color::Indexed(_)
                            | Color::Rgb(..)
                            | Color::Gray
                            | Color::DarkGray
                            | Color::Black
                            | Color::White
                    ),
                    "{s:?}"
                );
            }
        }
    }

    #[test]
    fn each_role_of_colors_recolours_its_own_role() {
        let roles = [
            "title",
            "border",
            "focused_border",
            "popup_border",
            "selected",
            "group",
            "dim",
            "error",
            "unread",
            "read",
            "unread_marker",
            "starred",
            "label",
            "article_title",
            "code",
            "link",
            "strong",
            "emphasis",
            "progress",
            "status",
            "key",
            "busy",
            "cursor",
            "input",
        ];
        let base = styles(&Theme::dark());
        for (i, role) in roles.iter().enumerate() {
            let c = config(&format!("[colors]\n{role} = \"#010203\"\n"));
            let themed = styles(&Theme::from_config(&c, false));
            for (j, (before, after)) in base.iter().zip(&themed).enumerate() {
                if i == j {
                    assert_eq!(after.fg, Some(Color::Rgb(1, 2, 3)), "{role}");
                } else {
                    assert_eq!(before, after, "{role} changed role {}", roles[j]);
                }
            }
        }
    }

    #[test]
    fn a_background_replaces_the_reversed_highlight() {
        let c = config("[colors]\nselected = { fg = \"black\", bg = \"238\" }\nerror = 196\n");
        let t = Theme::from_config(&c, false);
        assert_eq!(t.selected.fg, Some(Color::Black));
        assert_eq!(t.selected.bg, Some(Color::Indexed(238)));
        assert!(!t.selected.add_modifier.contains(Modifier::REVERSED));
        assert_eq!(t.error, fg(Color::Indexed(196)));
    }
}
