//! Feed documents from the generated items: RSS 2.0 (escaped `<description>` or CDATA
//! `<content:encoded>`), Atom (`<content type="html">`) and RSS 1.0 / RDF (`<description>`), chosen by
//! feed index.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::feedgen::{FEED_EPOCH, Format, feed_title, format_of, served_items};

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn date(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

fn rfc3339(t: i64) -> String {
    date(t).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The document of feed `index` at `version`.
pub fn render_feed(index: usize, version: u64, items: usize, self_url: &str) -> Vec<u8> {
    let items = served_items(index, version, items);
    let title = esc(&feed_title(index));
    let site = format!("https://site{index}.example.com/");
    let updated = items.first().map_or(FEED_EPOCH, |i| i.time);
    let mut x = String::with_capacity(items.iter().map(|i| i.html.len() + 800).sum());
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    match format_of(index) {
        Format::Rss2 => {
            let encoded = (index / 3) % 2 == 1;
            x.push_str("<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n");
            x.push_str(&format!("<title>{title}</title>\n<link>{site}</link>\n<description>News and notes from {title}</description>\n<language>en</language>\n<lastBuildDate>{}</lastBuildDate>\n", date(updated).to_rfc2822()));
            for i in &items {
                x.push_str(&format!(
                    "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"true\">{}</guid>\n<pubDate>{}</pubDate>\n<dc:creator>{}</dc:creator>\n",
                    esc(&i.title), i.link, i.guid, date(i.time).to_rfc2822(), esc(&i.author)
                ));
                if encoded {
                    x.push_str(&format!("<description>{}</description>\n<content:encoded><![CDATA[{}]]></content:encoded>\n", esc(&i.title), i.html));
                } else {
                    x.push_str(&format!("<description>{}</description>\n", esc(&i.html)));
                }
                x.push_str("</item>\n");
            }
            x.push_str("</channel>\n</rss>\n");
        }
        Format::Atom => {
            x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
            x.push_str(&format!("<title>{title}</title>\n<id>{site}</id>\n<link href=\"{site}\"/>\n<link rel=\"self\" href=\"{}\"/>\n<updated>{}</updated>\n", esc(self_url), rfc3339(updated)));
            for i in &items {
                x.push_str(&format!(
                    "<entry>\n<title>{}</title>\n<id>{}</id>\n<link rel=\"alternate\" href=\"{}\"/>\n<published>{}</published>\n<updated>{}</updated>\n<author><name>{}</name></author>\n<content type=\"html\">{}</content>\n</entry>\n",
                    esc(&i.title), i.guid, i.link, rfc3339(i.time), rfc3339(i.time), esc(&i.author), esc(&i.html)
                ));
            }
            x.push_str("</feed>\n");
        }
        Format::Rdf => {
            x.push_str("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n");
            x.push_str(&format!("<channel rdf:about=\"{}\">\n<title>{title}</title>\n<link>{site}</link>\n<description>News and notes from {title}</description>\n<items><rdf:Seq>\n", esc(self_url)));
            for i in &items {
                x.push_str(&format!("<rdf:li rdf:resource=\"{}\"/>\n", i.link));
            }
            x.push_str("</rdf:Seq></items>\n</channel>\n");
            for i in &items {
                x.push_str(&format!(
                    "<item rdf:about=\"{}\">\n<title>{}</title>\n<link>{}</link>\n<dc:creator>{}</dc:creator>\n<dc:date>{}</dc:date>\n<description>{}</description>\n</item>\n",
                    i.link, esc(&i.title), i.link, esc(&i.author), rfc3339(i.time), esc(&i.html)
                ));
            }
            x.push_str("</rdf:RDF>\n");
        }
    }
    x.into_bytes()
}
