//! The rows selected for an operation: a bit per row, so selecting a
//! million rows costs 125 KB.

/// A set of row indices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    bits: Vec<u64>,
    count: usize,
}

impl Marks {
    /// Whether `row` is selected.
    pub fn contains(&self, row: usize) -> bool {
        self.bits
            .get(row / 64)
            .is_some_and(|w| w & (1 << (row % 64)) != 0)
    }

    /// Select or unselect `row`.
    pub fn set(&mut self, row: usize, on: bool) {
        let word = row / 64;
        if word >= self.bits.len() {
            if !on {
                return;
            }
            self.bits.resize(word + 1, 0);
        }
        let bit = 1u64 << (row % 64);
        let was = self.bits[word] & bit != 0;
        if on && !was {
            self.bits[word] |= bit;
            self.count += 1;
        } else if !on && was {
            self.bits[word] &= !bit;
            self.count -= 1;
        }
    }

    /// Flip `row`.
    pub fn toggle(&mut self, row: usize) {
        let on = !self.contains(row);
        self.set(row, on);
    }

    /// Number of selected rows.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Unselect everything.
    pub fn clear(&mut self) {
        self.bits.clear();
        self.count = 0;
    }

    /// The selected rows, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, bits)| {
            let bits = *bits;
            (0..64)
                .filter(move |b| bits & (1 << b) != 0)
                .map(move |b| w * 64 + b)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_and_counts() {
        let mut marks = Marks::default();
        marks.toggle(3);
        marks.set(200, true);
        marks.set(200, true);
        assert_eq!(marks.count(), 2);
        assert_eq!(marks.iter().collect::<Vec<_>>(), vec![3, 200]);
        marks.toggle(3);
        assert!(!marks.contains(3));
        assert_eq!(marks.count(), 1);
    }
}
