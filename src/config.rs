//! User settings from `config.toml`; every field has a sensible default, so the file is optional.
//!
//! The colour settings (`theme`, `[colors]`) are read here as data: a theme name and a colour per
//! role. Turning them into styles is the reader's business (`ui::theme`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ratatui::style::Color;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::ui::keymap::KeyConfig;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Minutes between two refreshes of the same feed.
    pub refresh_interval_minutes: u64,
    /// Feeds fetched at the same time.
    pub max_concurrent_fetches: usize,
    /// Requests at the same time to one host.
    pub max_per_host: usize,
    /// Whole-request timeout in seconds (connect, headers and body).
    pub timeout_seconds: u64,
    pub connect_timeout_seconds: u64,
    /// Largest accepted response body after decompression.
    pub max_body_bytes: usize,
    /// Program used to open links; `$BROWSER`, then `xdg-open`, when unset. `%u` marks where the URL
    /// goes, else it is the last argument.
    pub browser: Option<String>,
    /// The browser runs in this terminal (w3m, lynx): the reader steps aside until it exits.
    pub browser_in_terminal: bool,
    /// The reader takes the mouse (wheel, clicks); off leaves it to the terminal (selecting text).
    pub mouse: bool,
    /// Where `S` saves articles (`~/` is the home directory); unset: the download folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub save_dir: Option<String>,
    /// What `S` writes: Markdown (`.md`) or plain text (`.txt`).
    pub save_format: SaveFormat,
    /// The command `|` pipes the article to, without asking (split like a shell would, run without
    /// one); unset: `|` asks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipe_command: Option<String>,
    /// Run after a background refresh brings new articles (argv, no shell): the count, then the
    /// feeds' names, are added as arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_command: Option<Vec<String>>,
    /// Ring the terminal's bell after a background refresh brings new articles.
    pub notify_bell: bool,
    /// The reader's colours (`NO_COLOR` in the environment wins over it).
    pub theme: ThemeName,
    /// Where downloaded enclosures go, in a folder per feed (`~/` is the home directory); unset:
    /// the download folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_dir: Option<String>,
    /// Downloads at the same time.
    pub download_concurrency: usize,
    /// The program that plays a downloaded file; `%f` marks where the file goes, else it is the
    /// last argument. Unset: `xdg-open`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub player: Option<String>,
    /// Images in the article pane: `auto` (detected), `off`, or one protocol forced.
    pub images: ImageMode,
    /// The image cache's total size, in MiB (least recently used images go first).
    pub image_cache_mb: u64,
    /// Colours of single roles of the theme, over the theme's own.
    #[serde(skip_serializing_if = "Colors::is_empty")]
    pub colors: Colors,
    /// Key bindings per mode, laid over the defaults (read as data here; the reader's keymap
    /// merges them).
    #[serde(skip_serializing_if = "KeyConfig::is_empty")]
    pub keys: KeyConfig,
    /// Macros: `,` then a key runs its actions in turn (Newsboat's macros).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub macros: std::collections::BTreeMap<String, Vec<String>>,
    /// Filters: articles a query matches are hidden (or marked read) as they arrive.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<FilterRule>,
}

/// One `[[filters]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FilterRule {
    /// In the search language (README, Search).
    pub query: String,
    /// `hide` (the default) or `read`.
    #[serde(default = "hide")]
    pub action: crate::store::FilterAction,
}

fn hide() -> crate::store::FilterAction {
    crate::store::FilterAction::Hide
}

/// How the article pane draws images (config `images`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ImageMode {
    /// Ask the terminal (after the first frame) which protocol it speaks.
    #[default]
    Auto,
    Off,
    Halfblocks,
    Sixel,
    Kitty,
    Iterm2,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            refresh_interval_minutes: 60,
            max_concurrent_fetches: 8,
            max_per_host: 2,
            timeout_seconds: 30,
            connect_timeout_seconds: 10,
            max_body_bytes: 16 * 1024 * 1024,
            browser: None,
            browser_in_terminal: false,
            mouse: true,
            save_dir: None,
            save_format: SaveFormat::Markdown,
            pipe_command: None,
            notify_command: None,
            notify_bell: false,
            theme: ThemeName::Dark,
            download_dir: None,
            download_concurrency: 2,
            player: None,
            images: ImageMode::Auto,
            image_cache_mb: 200,
            colors: Colors::default(),
            keys: KeyConfig::default(),
            macros: std::collections::BTreeMap::new(),
            filters: Vec::new(),
        }
    }
}

/// The default configuration, every setting commented with what it does (`tidings config --default`).
pub const DEFAULT_FILE: &str = r##"# tidings configuration: ~/.config/tidings/config.toml (or DIR/config.toml with --home DIR).
# Every setting is optional; these are the defaults. Unknown settings are errors.

# Minutes between two refreshes of the same feed (a feed's own `--every` wins).
refresh_interval_minutes = 60
# Feeds fetched at the same time, and requests at the same time to one host.
max_concurrent_fetches = 8
max_per_host = 2
# Whole-request and connect timeouts, in seconds.
timeout_seconds = 30
connect_timeout_seconds = 10
# Largest response accepted, after decompression, in bytes.
max_body_bytes = 16777216
# The program that opens links; `%u` marks where the URL goes, else it is the last argument.
# Unset: $BROWSER, then xdg-open.
# browser = "firefox --new-tab %u"
# The browser runs in this terminal (w3m, lynx): the reader steps aside until it exits.
browser_in_terminal = false
# The mouse: the wheel scrolls the pane under the pointer, a click selects, a second click opens, a
# click on a numbered link [3] opens it. false leaves the mouse to the terminal (to select text).
mouse = true
# Where S saves the open article (~/ is your home); unset: your download folder (XDG_DOWNLOAD_DIR,
# else ~/Downloads). A file is never overwritten: "Title (2).md" instead.
# save_dir = "~/Downloads"
# What S writes: markdown (.md) or text (.txt).
save_format = "markdown"
# The command | pipes the open article's text to (on its standard input) without asking; unset: |
# asks for one. Split into arguments like a shell would, but run without a shell.
# pipe_command = "wc -w"
# After a background refresh brings new articles (off by default): a command to run, as a list of
# arguments (no shell), to which the count and the feeds' names are added; and/or the terminal bell.
# notify_command = ["notify-send", "tidings: new articles"]
notify_bell = false
# The reader's colours: dark, light (for light backgrounds), high-contrast, or terminal (only the
# terminal's own 16 colours, so its palette decides). NO_COLOR=1 in the environment draws without
# colour (bold, reverse, underline, dim) whatever is set here.
theme = "dark"
# Where downloaded podcast episodes and other enclosures go, in a folder per feed (~/ is your
# home); unset: your download folder (XDG_DOWNLOAD_DIR, else ~/Downloads).
# download_dir = "~/Podcasts"
# Downloads at the same time (and never more than max_per_host from one server).
download_concurrency = 2
# The program that plays a downloaded file; `%f` marks where the file goes, else it is the last
# argument. Split into arguments like a shell would, but run without a shell. Unset: xdg-open.
# player = "mpv --no-video %f"
# Images in the article pane: auto (ask the terminal: kitty, iTerm2, sixel, else Unicode
# half-blocks), off, or one forced: halfblocks, sixel, kitty, iterm2. NO_COLOR or TERM=dumb: off.
images = "auto"
# The image cache's size in MiB (the least recently used images go first).
image_cache_mb = 200
# Filters: what a query matches (the search language, README's Search) is hidden, or marked read
# (action = "read"), as it arrives. Hidden is not deleted: the feed list's Hidden entry shows it.
# Filters made in the reader (Ctrl-F in a search) are kept in the cache: `tidings filter list`.
# [[filters]]
# query = "title:sponsor"
# [[filters]]
# query = "feed:\"Daily links\" older:7d"
# action = "read"

# Macros: , then the key runs the actions in turn (the names are those of [keys] below).
# [macros]
# r = ["toggle_read", "next_unread"]
# s = ["toggle_star", "down"]

# Keys, per mode: [keys.feeds], [keys.headlines], [keys.article], or [keys.all] for the three
# panes (a pane's own table wins over it). A key is a character ("j", "G", "?"), a name (space,
# enter, esc, tab, backspace, delete, insert, up, down, left, right, home, end, pageup, pagedown,
# f1 … f24) after ctrl-, alt- or shift- if held, or a chord of keys separated by spaces ("g g").
# The action is one of the names below; "none" unbinds a key. A binding replaces the default one
# for its key (and a chord the defaults on its first key); two actions for one key in one table are
# an error. The actions: down, up, next_pane, prev_pane, open, top, bottom, page_down, page_up,
# next_unread, prev_unread, refresh_selected, refresh_all, toggle_read, mark_all_read, toggle_star,
# open_in_browser, copy_link, toggle_unread_only, cycle_order, fetch_full_text, toggle_text_source,
# toggle_feed_full_text, toggle_images, add_feed, edit_feed, delete_feed, feed_info, import,
# toggle_failing_only, link_list, search, hide_like_this, save_article, pipe_article,
# queue_download, show_downloads, open_in_pager, macro, undo, redraw, help, back, quit. Dialogs take
# [keys.popup] for down, up, page_down, page_up, top, bottom, open (Enter), back (Esc), next_pane
# (Tab), prev_pane and quit, with keys that type nothing (ctrl-j, f2).
# [keys.all]
# x = "toggle_read"
# m = "none"
# [keys.headlines]
# "g g" = "top"
# "ctrl-f" = "page_down"
# [keys.popup]
# "ctrl-j" = "down"

# A colour for any role of the theme: a name (red, lightblue, darkgray, default …), a 256-colour
# index ("238" or 238) or "#rrggbb"; { fg = …, bg = … } sets the background too (a background
# replaces the reversed highlight). The roles: title, border, focused_border, popup_border, selected,
# group, dim, error, unread, read, unread_marker, starred, label, article_title, code, link, strong,
# emphasis, progress, status, key, busy, cursor, input.
# [colors]
# unread_marker = "lightblue"
# selected = { fg = "black", bg = "#ffd75f" }
"##;

impl Config {
    /// The configuration in effect, as TOML (`tidings config`).
    pub fn to_toml(&self) -> String {
        let mut text = toml::to_string(self).unwrap_or_default();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }

    /// Reads the file if it exists; a missing file gives the defaults, a broken one a clear error.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let config: Config = toml::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("invalid config file {}: {e}", path.display()))?;
                // A macro names one key and actions that exist.
                for (key, actions) in &config.macros {
                    if key.chars().count() != 1 {
                        anyhow::bail!(
                            "invalid config file {}: macros.{key:?}: a macro is one key (a character)",
                            path.display()
                        );
                    }
                    if let Some(bad) = actions
                        .iter()
                        .find(|a| crate::ui::keymap::Action::from_name(a).is_none())
                    {
                        anyhow::bail!(
                            "invalid config file {}: macros.{key}: no action {bad:?} (the names are \
                             in `tidings config --default`)",
                            path.display()
                        );
                    }
                }
                // A filter's query is read now, so a mistake says where it is at start.
                for (i, rule) in config.filters.iter().enumerate() {
                    if let Err(e) = crate::store::query::parse(&rule.query, 0) {
                        anyhow::bail!(
                            "invalid config file {}: filters[{i}].query {:?}: {e}",
                            path.display(),
                            rule.query
                        );
                    }
                }
                Ok(config)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// The folder `S` saves into: `save_dir` (with `~/` expanded), else the user's download folder
    /// (XDG_DOWNLOAD_DIR), else `~/Downloads`.
    pub fn save_folder(&self) -> PathBuf {
        folder_or_downloads(self.save_dir.as_deref())
    }

    /// The folder downloads go to: `download_dir` (with `~/` expanded), else the user's download
    /// folder (XDG_DOWNLOAD_DIR), else `~/Downloads`.
    pub fn download_folder(&self) -> PathBuf {
        folder_or_downloads(self.download_dir.as_deref())
    }

    pub fn refresh_interval(&self) -> Duration {
        Duration::from_secs(self.refresh_interval_minutes.max(1) * 60)
    }
}

/// What `S` writes (`save_format = "…"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SaveFormat {
    /// Markdown: the title as a heading, the links as reference definitions (`.md`).
    #[default]
    Markdown,
    /// Plain text, as the article pane shows it (`.txt`).
    Text,
}

/// The built-in themes (`theme = "…"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeName {
    /// Light text on a dark terminal (the default).
    #[default]
    Dark,
    /// Dark text on a light terminal (256 colours).
    Light,
    /// Bright colours and bold on a dark terminal.
    HighContrast,
    /// Only the terminal's 16 colours and faint text, no greys: follows the terminal's palette.
    Terminal,
}

/// `[colors]`: a colour for any role of the theme. Each role is one named style of the reader (see
/// `ui::theme::Theme` for where it is used).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Colors {
    pub title: Option<RoleColor>,
    pub border: Option<RoleColor>,
    pub focused_border: Option<RoleColor>,
    pub popup_border: Option<RoleColor>,
    pub selected: Option<RoleColor>,
    pub group: Option<RoleColor>,
    pub dim: Option<RoleColor>,
    pub error: Option<RoleColor>,
    pub unread: Option<RoleColor>,
    pub read: Option<RoleColor>,
    pub unread_marker: Option<RoleColor>,
    pub starred: Option<RoleColor>,
    pub label: Option<RoleColor>,
    pub article_title: Option<RoleColor>,
    pub code: Option<RoleColor>,
    pub link: Option<RoleColor>,
    pub strong: Option<RoleColor>,
    pub emphasis: Option<RoleColor>,
    pub progress: Option<RoleColor>,
    pub status: Option<RoleColor>,
    pub key: Option<RoleColor>,
    pub busy: Option<RoleColor>,
    pub cursor: Option<RoleColor>,
    pub input: Option<RoleColor>,
}

impl Colors {
    pub fn is_empty(&self) -> bool {
        *self == Colors::default()
    }
}

/// One role's colours: `"red"` (the text), or `{ fg = "red", bg = "238" }`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoleColor {
    pub fg: Option<Color>,
    pub bg: Option<Color>,
}

/// What a colour may be, for error messages.
const COLOR_EXPECTED: &str = "a colour: a name (black, red, green, yellow, blue, magenta, cyan, \
     gray, darkgray, lightred, lightgreen, lightyellow, lightblue, lightmagenta, lightcyan, white, \
     default), a 256-colour index (0-255) or #rrggbb";

/// The named colours, as written in the file (the 16 ANSI colours and the terminal's default).
const COLOR_NAMES: [(&str, Color); 17] = [
    ("default", Color::Reset),
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
];

/// Reads a colour as the config file writes it: a name (case, `-`, `_` and spaces ignored; `grey`
/// for `gray`, `reset` for `default`), a 256-colour index, or `#rrggbb`.
pub fn parse_color(text: &str) -> Result<Color, String> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix('#') {
        if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
            return Ok(Color::Rgb(byte(0), byte(2), byte(4)));
        }
        return Err(format!(
            "invalid colour `{text}`: #rrggbb needs six hex digits"
        ));
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u8>() {
            Ok(index) => Ok(Color::Indexed(index)),
            Err(_) => Err(format!(
                "invalid colour `{text}`: a 256-colour index is 0-255"
            )),
        };
    }
    let name: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_ascii_lowercase()
        .replace("grey", "gray");
    let name = match name.as_str() {
        "reset" => "default",
        "lightgray" => "gray",
        other => other,
    };
    COLOR_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| *c)
        .ok_or_else(|| format!("invalid colour `{text}`, expected {COLOR_EXPECTED}"))
}

/// A colour as the config file writes it (the inverse of [`parse_color`]).
pub fn color_name(color: Color) -> String {
    match color {
        Color::Indexed(i) => i.to_string(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        named => COLOR_NAMES
            .iter()
            .find(|(_, c)| *c == named)
            .map_or("default", |(n, _)| n)
            .to_string(),
    }
}

/// One colour in the file: a string, or a bare index (`238`).
struct ColorValue(Color);

impl<'de> Deserialize<'de> for ColorValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ColorVisitor).map(ColorValue)
    }
}

struct ColorVisitor;

impl Visitor<'_> for ColorVisitor {
    type Value = Color;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(COLOR_EXPECTED)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Color, E> {
        parse_color(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Color, E> {
        u8::try_from(v)
            .map(Color::Indexed)
            .map_err(|_| E::custom(format!("invalid colour {v}: a 256-colour index is 0-255")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Color, E> {
        u8::try_from(v)
            .map(Color::Indexed)
            .map_err(|_| E::custom(format!("invalid colour {v}: a 256-colour index is 0-255")))
    }
}

impl<'de> Deserialize<'de> for RoleColor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RoleVisitor;

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Pair {
            fg: Option<ColorValue>,
            bg: Option<ColorValue>,
        }

        impl<'de> Visitor<'de> for RoleVisitor {
            type Value = RoleColor;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{COLOR_EXPECTED}; or a table {{ fg = …, bg = … }}")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<RoleColor, E> {
                ColorVisitor.visit_str(v).map(RoleColor::fg)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RoleColor, E> {
                ColorVisitor.visit_i64(v).map(RoleColor::fg)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RoleColor, E> {
                ColorVisitor.visit_u64(v).map(RoleColor::fg)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RoleColor, A::Error> {
                let pair = Pair::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RoleColor {
                    fg: pair.fg.map(|c| c.0),
                    bg: pair.bg.map(|c| c.0),
                })
            }
        }

        deserializer.deserialize_any(RoleVisitor)
    }
}

impl Serialize for RoleColor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match (self.fg, self.bg) {
            (Some(fg), None) => serializer.serialize_str(&color_name(fg)),
            (fg, bg) => {
                let mut map = serializer.serialize_map(None)?;
                if let Some(fg) = fg {
                    map.serialize_entry("fg", &color_name(fg))?;
                }
                if let Some(bg) = bg {
                    map.serialize_entry("bg", &color_name(bg))?;
                }
                map.end()
            }
        }
    }
}

impl RoleColor {
    /// Only the text's colour.
    pub fn fg(color: Color) -> RoleColor {
        RoleColor {
            fg: Some(color),
            bg: None,
        }
    }
}

/// A folder setting (`~/` expanded), or when unset the user's download folder (XDG_DOWNLOAD_DIR),
/// else `~/Downloads`, else the current folder.
fn folder_or_downloads(setting: Option<&str>) -> PathBuf {
    let home = || directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    if let Some(dir) = setting.filter(|d| !d.trim().is_empty()) {
        return match (dir.strip_prefix("~/"), home()) {
            (Some(rest), Some(home)) => home.join(rest),
            _ if dir == "~" => home().unwrap_or_else(|| PathBuf::from(dir)),
            _ => PathBuf::from(dir),
        };
    }
    directories::UserDirs::new()
        .and_then(|d| d.download_dir().map(Path::to_path_buf))
        .or_else(|| home().map(|h| h.join("Downloads")))
        .unwrap_or_else(|| PathBuf::from("."))
}
