//! An append-only list kept in blocks of a fixed size.
//!
//! What `stats --rows flow-state`, flows and `diff` hold per event grows to a
//! million entries and more, one event at a time, with no count known in
//! advance. A `Vec` doubling its way there copies everything it holds at
//! each step and touches about twice the memory it ends with (fresh
//! memory is costly to touch on a small VM: the kernel zeroes every
//! page). Blocks never move once filled. Written by hand: the whole type is
//! a few lines, less than a dependency's worth.

use std::ops::Index;

/// Items per block.
const BLOCK: usize = 1 << 14;

/// An append-only list that never moves what it holds.
#[derive(Debug, Clone)]
pub struct Blocks<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Blocks<T> {
    fn default() -> Self {
        Blocks {
            blocks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Blocks<T> {
    /// Add `item` at the end.
    pub fn push(&mut self, item: T) {
        match self.blocks.last_mut() {
            Some(block) if block.len() < BLOCK => block.push(item),
            _ => {
                let mut block = Vec::with_capacity(BLOCK);
                block.push(item);
                self.blocks.push(block);
            }
        }
        self.len += 1;
    }

    /// The item at `index`.
    pub fn get(&self, index: usize) -> Option<&T> {
        self.blocks.get(index / BLOCK)?.get(index % BLOCK)
    }

    /// The item at `index`, to change.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.blocks.get_mut(index / BLOCK)?.get_mut(index % BLOCK)
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no item.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every item, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.blocks.iter().flatten()
    }
}

impl<T> Index<usize> for Blocks<T> {
    type Output = T;

    fn index(&self, index: usize) -> &T {
        &self.blocks[index / BLOCK][index % BLOCK]
    }
}

impl<T> IntoIterator for Blocks<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.blocks.into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_items_in_order_across_blocks() {
        let mut list = Blocks::default();
        assert!(list.is_empty());
        let n = 2 * BLOCK + 5;
        for i in 0..n {
            list.push(i);
        }
        assert_eq!(list.len(), n);
        assert_eq!(list[BLOCK], BLOCK);
        assert_eq!(list.get(n - 1), Some(&(n - 1)));
        assert_eq!(list.get(n), None);
        *list.get_mut(BLOCK + 1).unwrap() = 0;
        assert_eq!(list[BLOCK + 1], 0);
        *list.get_mut(BLOCK + 1).unwrap() = BLOCK + 1;
        assert!(list.iter().copied().eq(0..n));
        assert!(list.into_iter().eq(0..n));
    }
}
