//! Fitting text into columns by display width (wide characters count two).

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width of `text`.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` cut to `max` columns (with `…` when cut) and padded with spaces
/// to exactly `max` columns.
pub fn fit(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(max + 4);
    let mut used = 0;
    let total = width(text);
    if total <= max {
        out.push_str(text);
        used = total;
    } else if max > 0 {
        for c in text.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > max - 1 {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', max.saturating_sub(used)));
    out
}

/// The last `max` columns of `text` (for input lines longer than the screen).
pub fn tail(text: &str, max: usize) -> (&str, usize) {
    let mut used = 0;
    let mut start = text.len();
    for (i, c) in text.char_indices().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > max {
            break;
        }
        used += w;
        start = i;
    }
    (&text[start..], used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_wide_characters() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(width(&fit("日本語テキスト", 6)), 6);
        assert_eq!(fit("日本語", 4), "日… ");
        assert_eq!(tail("abcdef", 3), ("def", 3));
    }
}
