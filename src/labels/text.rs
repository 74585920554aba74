//! Text on labels, shaped once: a sheet repeats the same lines on every
//! label and its codes use a 33-character alphabet, so each line is shaped
//! the first time it is met and each code is put together from its
//! characters' glyphs. (Shaping every line of every label parsed the font
//! again each time: most of a sheet's drawing time.)

use std::collections::HashMap;
use std::rc::Rc;

use krilla::text::{Font, GlyphId, KrillaGlyph};

/// A font with its shaped lines.
pub struct Shaper {
    face: rustybuzz::Face<'static>,
    pub font: Font,
    lines: HashMap<String, Rc<[KrillaGlyph]>>,
    chars: HashMap<char, (GlyphId, f32)>,
}

impl Shaper {
    pub fn new(bytes: &'static [u8]) -> Result<Self, String> {
        let face =
            rustybuzz::Face::from_slice(bytes, 0).ok_or("the label font could not be read")?;
        let font = Font::new(bytes.into(), 0).ok_or("the label font could not be loaded")?;
        Ok(Self {
            face,
            font,
            lines: HashMap::new(),
            chars: HashMap::new(),
        })
    }

    fn units_per_em(&self) -> f32 {
        f32::from(u16::try_from(self.face.units_per_em()).unwrap_or(2048))
    }

    /// A line of text, shaped (kerning, marks) and cached.
    pub fn line(&mut self, text: &str) -> Rc<[KrillaGlyph]> {
        if let Some(found) = self.lines.get(text) {
            return found.clone();
        }
        let upem = self.units_per_em();
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(&self.face, &[], buffer);
        let infos = shaped.glyph_infos();
        let positions = shaped.glyph_positions();
        let glyphs: Rc<[KrillaGlyph]> = infos
            .iter()
            .zip(positions)
            .enumerate()
            .map(|(i, (info, pos))| {
                let start = info.cluster as usize;
                let end = infos[i + 1..]
                    .iter()
                    .find(|next| next.cluster != info.cluster)
                    .map_or(text.len(), |next| next.cluster as usize);
                KrillaGlyph::new(
                    GlyphId::new(info.glyph_id),
                    pos.x_advance as f32 / upem,
                    pos.x_offset as f32 / upem,
                    pos.y_offset as f32 / upem,
                    pos.y_advance as f32 / upem,
                    start..end.max(start),
                    None,
                )
            })
            .collect();
        self.lines.insert(text.to_owned(), glyphs.clone());
        glyphs
    }

    /// A code (letters, digits, hyphens: no kerning or marks to apply),
    /// glyph by glyph from the characters already met.
    pub fn code(&mut self, code: &str) -> Vec<KrillaGlyph> {
        let upem = self.units_per_em();
        code.char_indices()
            .map(|(at, c)| {
                let (id, advance) = *self.chars.entry(c).or_insert_with(|| {
                    let id = self.face.glyph_index(c).map_or(0, |g| g.0);
                    let advance = self
                        .face
                        .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(id))
                        .map_or(0.0, f32::from);
                    (GlyphId::new(u32::from(id)), advance / upem)
                });
                KrillaGlyph::new(id, advance, 0.0, 0.0, 0.0, at..at + c.len_utf8(), None)
            })
            .collect()
    }

    /// The width of a line of `text` at `size` points.
    pub fn width(&mut self, text: &str, size: f32) -> f32 {
        width(&self.line(text), size)
    }

    /// `text` cut (with "…") to at most `max_width` points at `size`.
    pub fn fit(&mut self, text: &str, size: f32, max_width: f32) -> String {
        if self.width(text, size) <= max_width {
            return text.to_owned();
        }
        let chars: Vec<char> = text.chars().collect();
        let (mut low, mut high) = (0, chars.len());
        // The longest prefix that fits with its ellipsis.
        while low < high {
            let mid = (low + high).div_ceil(2);
            let candidate: String = chars[..mid].iter().collect::<String>() + "…";
            if self.width(&candidate, size) <= max_width {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        let cut: String = chars[..low].iter().collect();
        format!("{}…", cut.trim_end())
    }
}

pub fn width(glyphs: &[KrillaGlyph], size: f32) -> f32 {
    glyphs.iter().map(|g| g.x_advance).sum::<f32>() * size
}

#[cfg(test)]
mod tests {
    use super::*;

    static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

    #[test]
    fn a_code_from_its_characters_is_as_wide_as_shaped() {
        let mut shaper = Shaper::new(FONT).expect("font");
        let code = "ABCD-EFGH-JKMN-P";
        let composed = width(&shaper.code(code), 10.0);
        let shaped = shaper.width(code, 10.0);
        assert!((composed - shaped).abs() < 2.0, "{composed} vs {shaped}");
        assert!(composed > 50.0);
    }

    #[test]
    fn long_lines_are_cut_to_fit_with_an_ellipsis() {
        let mut shaper = Shaper::new(FONT).expect("font");
        let name = "Mật ong rừng Hưng Thi nguyên chất thu hoạch vụ xuân";
        let fitted = shaper.fit(name, 6.0, 60.0);
        assert!(
            fitted.ends_with('…') && fitted.starts_with("Mật ong"),
            "{fitted}"
        );
        assert!(shaper.width(&fitted, 6.0) <= 60.0);
        assert_eq!(shaper.fit("Lô A1", 6.0, 60.0), "Lô A1");
    }
}
