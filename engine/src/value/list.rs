//! Lists with the BEAM's costs.
//!
//! A [`List`] is one of
//!
//! - the empty list;
//! - a slice `items[start..]` of a shared vector: what most builtins return,
//!   and what a tail becomes, so `[h | t]`, `tl/1` and `[a, b | rest]` on it
//!   take O(1) (the tail shares the vector with a larger start);
//! - a cons cell (head, tail): what `[x | list]` makes, in O(1), so a loop
//!   that prepends n times costs O(n).
//!
//! A list still reads as a slice (`Deref<Target = [Value]>`): a cons cell
//! builds its flat copy on the first such read, once (iteratively, reusing
//! the flat copy of any cell below it), keeps it, and lets go of its tail
//! (the copy holds the whole list), so cells below it and their own copies
//! are freed unless something else holds them. Matching `[h | t]`, `hd`,
//! `tl`, `length`, [`List::to_vec`], [`List::walk`] and comparisons never
//! flatten.
//!
//! Nothing here recurses per element: flattening and walking are loops, and
//! a long chain of cons cells is dropped by a loop ([`Cons`]'s `Drop`).

use std::cell::{Cell, OnceCell};
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use super::Value;

/// An Elixir list (proper). See the module documentation.
#[derive(Clone, Default)]
pub struct List(Repr);

#[derive(Clone, Default)]
enum Repr {
    #[default]
    Empty,
    /// `items[start..]`, never empty (`start < items.len()`).
    Slice {
        items: Rc<Vec<Value>>,
        start: usize,
    },
    Cons(Rc<Cons>),
}

struct Cons {
    head: Value,
    /// The number of elements from this cell on.
    len: usize,
    /// The rest of the list, until `flat` is built; then the empty list.
    tail: Cell<List>,
    /// The whole list (head first) as a flat vector, built on the first
    /// read as a slice.
    flat: OnceCell<Rc<Vec<Value>>>,
}

/// Tails at most this long are copied when something is prepended: the
/// result is a flat vector, which reads as a slice at no further cost.
const COPY_TAIL: usize = 8;

impl List {
    /// The empty list.
    pub const fn new() -> List {
        List(Repr::Empty)
    }

    /// `[head | tail]`, O(1) (a short tail is copied instead).
    pub fn cons(head: Value, tail: List) -> List {
        if tail.len() <= COPY_TAIL {
            let mut items = Vec::with_capacity(tail.len() + 1);
            items.push(head);
            items.extend(tail.walk());
            return List::from(items);
        }
        List::cons_cell(head, tail)
    }

    fn cons_cell(head: Value, tail: List) -> List {
        let len = tail.len() + 1;
        List(Repr::Cons(Rc::new(Cons { head, len, tail: Cell::new(tail), flat: OnceCell::new() })))
    }

    /// `[a, b, ... | tail]`: `heads` in front of `tail`, O(heads) (a tail no
    /// longer than `heads` is copied into one flat vector instead).
    pub fn prepend(mut heads: Vec<Value>, tail: List) -> List {
        if heads.is_empty() {
            return tail;
        }
        if tail.len() <= COPY_TAIL.max(heads.len()) {
            heads.reserve(tail.len());
            heads.extend(tail.walk());
            return List::from(heads);
        }
        let mut out = tail;
        while let Some(h) = heads.pop() {
            out = List::cons_cell(h, out);
        }
        out
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Empty => 0,
            Repr::Slice { items, start } => items.len() - start,
            Repr::Cons(c) => c.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self.0, Repr::Empty)
    }

    /// The first element (`hd/1`), O(1).
    pub fn head(&self) -> Option<&Value> {
        match &self.0 {
            Repr::Empty => None,
            Repr::Slice { items, start } => items.get(*start),
            Repr::Cons(c) => Some(&c.head),
        }
    }

    /// Everything after the first element (`tl/1`), O(1); `None` for `[]`.
    pub fn tail(&self) -> Option<List> {
        match &self.0 {
            Repr::Empty => None,
            Repr::Slice { items, start } => Some(List::slice(items.clone(), start + 1)),
            Repr::Cons(c) => Some(c.rest()),
        }
    }

    /// The first element and the rest (`[h | t]`), O(1).
    pub fn split_first(&self) -> Option<(&Value, List)> {
        Some((self.head()?, self.tail()?))
    }

    /// The first `n` elements and the rest (`[a, b | rest]`), O(n); `None`
    /// when the list is shorter than `n`.
    pub fn split_front(&self, n: usize) -> Option<(Vec<Value>, List)> {
        if self.len() < n {
            return None;
        }
        let mut heads = Vec::with_capacity(n);
        let mut rest = self.clone();
        for _ in 0..n {
            let (h, t) = rest.split_first()?;
            heads.push(h.clone());
            rest = t;
        }
        Some((heads, rest))
    }

    /// The list without its first `n` elements (all of them if it is
    /// shorter): O(1) on a flat list, O(n) through cons cells.
    pub fn skip(&self, n: usize) -> List {
        let mut rest = self.clone();
        let mut left = n;
        while left > 0 {
            let next = match &rest.0 {
                Repr::Empty => break,
                Repr::Slice { items, start } => return List::slice(items.clone(), start + left),
                Repr::Cons(c) => match c.flat.get() {
                    Some(flat) => return List::slice(flat.clone(), left),
                    None => c.rest(),
                },
            };
            rest = next;
            left -= 1;
        }
        rest
    }

    /// The element at `index`, O(1) on a flat list, O(index) through cons
    /// cells (without flattening them).
    pub fn nth_value(&self, index: usize) -> Option<Value> {
        match self.flat_slice() {
            Some(items) => items.get(index).cloned(),
            None => self.skip(index).head().cloned(),
        }
    }

    /// The last element, O(1) on a flat list, O(n) through cons cells
    /// (without flattening them).
    pub fn last_value(&self) -> Option<Value> {
        let mut cur = self.clone();
        loop {
            let next = match &cur.0 {
                Repr::Empty => return None,
                Repr::Slice { items, .. } => return items.last().cloned(),
                Repr::Cons(c) => match c.flat.get() {
                    Some(flat) => return flat.last().cloned(),
                    None if c.len == 1 => return Some(c.head.clone()),
                    None => c.rest(),
                },
            };
            cur = next;
        }
    }

    /// The elements as a new vector, without flattening cons cells (unlike
    /// the slice's `to_vec`, which would keep a flat copy in the list).
    pub fn to_vec(&self) -> Vec<Value> {
        match self.flat_slice() {
            Some(items) => items.to_vec(),
            None => self.walk().collect(),
        }
    }

    /// The elements in order (cloned), without flattening cons cells.
    pub fn walk(&self) -> Walk {
        Walk { rest: self.clone() }
    }

    /// The elements as a slice when that costs nothing: the list is flat,
    /// or a cons cell already flattened. `None` for an unflattened cons cell.
    pub fn flat_slice(&self) -> Option<&[Value]> {
        match &self.0 {
            Repr::Empty => Some(&[]),
            Repr::Slice { items, start } => Some(items.get(*start..).unwrap_or(&[])),
            Repr::Cons(c) => c.flat.get().map(|flat| flat.as_slice()),
        }
    }

    /// The elements as a slice (flattens a cons cell once, see the module
    /// documentation).
    pub fn as_slice(&self) -> &[Value] {
        match &self.0 {
            Repr::Empty => &[],
            Repr::Slice { items, start } => items.get(*start..).unwrap_or(&[]),
            Repr::Cons(c) => c.flat_vec(),
        }
    }

    /// Whether both are the same list in memory (then they are equal).
    pub fn ptr_eq(&self, other: &List) -> bool {
        match (&self.0, &other.0) {
            (Repr::Empty, Repr::Empty) => true,
            (Repr::Slice { items: a, start: i }, Repr::Slice { items: b, start: j }) => i == j && Rc::ptr_eq(a, b),
            (Repr::Cons(a), Repr::Cons(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// `items[start..]` (the empty list when nothing is left).
    fn slice(items: Rc<Vec<Value>>, start: usize) -> List {
        if start >= items.len() {
            List::new()
        } else {
            List(Repr::Slice { items, start })
        }
    }
}

impl Cons {
    /// The list after this cell's head, O(1).
    fn rest(&self) -> List {
        match self.flat.get() {
            Some(flat) => List::slice(flat.clone(), 1),
            None => {
                let tail = self.tail.take();
                let rest = tail.clone();
                self.tail.set(tail);
                rest
            }
        }
    }

    /// The flat vector of the list from this cell on, built on first use;
    /// the tail is let go then.
    fn flat_vec(&self) -> &[Value] {
        if let Some(flat) = self.flat.get() {
            return flat;
        }
        let flat = Rc::new(self.flatten());
        let flat = self.flat.get_or_init(|| flat);
        drop(self.tail.take());
        flat
    }

    /// Heads down the chain until a flat part (a slice, or a cell already
    /// flattened).
    fn flatten(&self) -> Vec<Value> {
        let mut out = Vec::with_capacity(self.len);
        out.push(self.head.clone());
        let mut cur = self.rest();
        loop {
            let next = match &cur.0 {
                Repr::Empty => break,
                Repr::Slice { items, start } => {
                    out.extend_from_slice(items.get(*start..).unwrap_or(&[]));
                    break;
                }
                Repr::Cons(c) => {
                    if let Some(flat) = c.flat.get() {
                        out.extend_from_slice(flat);
                        break;
                    }
                    out.push(c.head.clone());
                    c.rest()
                }
            };
            cur = next;
        }
        out
    }
}

impl Drop for Cons {
    /// Unlinks the chain cell by cell, so dropping a long chain takes no
    /// native stack per element.
    fn drop(&mut self) {
        let mut next = self.tail.take();
        while let Repr::Cons(rc) = next.0 {
            match Rc::try_unwrap(rc) {
                // The last reference: take its tail, then let the cell go
                // (its own drop sees an empty tail).
                Ok(cell) => next = cell.tail.take(),
                // Shared further up: dropping this reference is enough.
                Err(_) => break,
            }
        }
    }
}

/// See [`List::walk`].
pub struct Walk {
    rest: List,
}

impl Iterator for Walk {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        let (head, tail) = {
            let (h, t) = self.rest.split_first()?;
            (h.clone(), t)
        };
        self.rest = tail;
        Some(head)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.rest.len(), Some(self.rest.len()))
    }
}

impl ExactSizeIterator for Walk {}

impl Deref for List {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        self.as_slice()
    }
}

impl AsRef<[Value]> for List {
    fn as_ref(&self) -> &[Value] {
        self.as_slice()
    }
}

impl From<Vec<Value>> for List {
    fn from(items: Vec<Value>) -> List {
        List::slice(Rc::new(items), 0)
    }
}

impl From<&[Value]> for List {
    fn from(items: &[Value]) -> List {
        List::from(items.to_vec())
    }
}

impl FromIterator<Value> for List {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> List {
        List::from(iter.into_iter().collect::<Vec<Value>>())
    }
}

impl<'a> IntoIterator for &'a List {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.walk()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(l: &List) -> Vec<i64> {
        l.walk().map(|v| v.as_int().unwrap_or(-1)).collect()
    }

    fn int_list(range: std::ops::Range<i64>) -> List {
        range.map(Value::Int).collect()
    }

    #[test]
    fn slices_share_their_vector() {
        let l = int_list(0..5);
        let (h, t) = l.split_first().expect("non-empty");
        assert_eq!(h, &Value::Int(0));
        assert_eq!(ints(&t), vec![1, 2, 3, 4]);
        assert_eq!(&*t, &l[1..]);
        assert!(matches!(&t.0, Repr::Slice { items, start: 1 } if matches!(&l.0, Repr::Slice { items: i0, .. } if Rc::ptr_eq(items, i0))));
        assert!(int_list(0..1).tail().expect("non-empty").is_empty());
        assert!(List::new().tail().is_none());
        assert!(List::new().head().is_none());
    }

    #[test]
    fn cons_is_lazy_and_flattens_once() {
        let mut l = List::new();
        for i in (0..100).rev() {
            l = List::cons(Value::Int(i), l);
        }
        assert_eq!(l.len(), 100);
        let Repr::Cons(c) = &l.0 else { panic!("a long list built by cons is a cons cell") };
        assert!(c.flat.get().is_none());
        // Matching [h | t] and walking do not flatten.
        let (h, t) = l.split_first().expect("non-empty");
        assert_eq!((h, t.len()), (&Value::Int(0), 99));
        assert_eq!(ints(&l), (0..100).collect::<Vec<_>>());
        assert!(c.flat.get().is_none());
        // Reading as a slice flattens; the tail is then a slice of that.
        assert_eq!(l.iter().map(|v| v.as_int().unwrap_or(-1)).collect::<Vec<_>>(), (0..100).collect::<Vec<_>>());
        assert!(c.flat.get().is_some());
        assert!(matches!(l.tail().expect("non-empty").0, Repr::Slice { start: 1, .. }));
        // Flattening a cell reuses the flat copy of the cell below it.
        let l2 = List::cons(Value::Int(-1), l.clone());
        assert_eq!(l2.len(), 101);
        assert_eq!(l2[0], Value::Int(-1));
        assert_eq!(&l2[1..], &l[..]);
        assert_eq!(
            (l.last_value(), l.nth_value(99), l2.nth_value(100)),
            (Some(Value::Int(99)), Some(Value::Int(99)), Some(Value::Int(99)))
        );
    }

    /// Once a cell is flattened it lets go of its tail: a loop that prepends
    /// and reads the list as a slice each time keeps one flat copy, not one
    /// per cell.
    #[test]
    fn a_flattened_cell_frees_the_cells_below() {
        let below = (0..20).rev().fold(List::new(), |acc, i| List::cons(Value::Int(i), acc));
        let Repr::Cons(cell) = &below.0 else { panic!("a cons cell") };
        let watch = Rc::downgrade(cell);
        assert_eq!(below.as_slice().len(), 20);
        let top = List::cons(Value::Int(-1), below);
        assert!(watch.upgrade().is_some(), "still the tail of `top`");
        assert_eq!(top.as_slice()[..3], [Value::Int(-1), Value::Int(0), Value::Int(1)]);
        assert!(watch.upgrade().is_none(), "`top` holds its own flat copy now");
        assert_eq!((top.len(), top.tail().map(|t| t.len())), (21, Some(20)));
        assert_eq!(ints(&top), (-1..20).collect::<Vec<_>>());
    }

    #[test]
    fn walking_does_not_flatten() {
        let l = (0..50).rev().fold(List::new(), |acc, i| List::cons(Value::Int(i), acc));
        assert!(l.flat_slice().is_none());
        assert_eq!(l.walk().len(), 50);
        assert_eq!(ints(&l), (0..50).collect::<Vec<_>>());
        assert_eq!(l.to_vec().len(), 50);
        assert_eq!((l.last_value(), l.nth_value(7)), (Some(Value::Int(49)), Some(Value::Int(7))));
        assert_eq!(format!("{:?}", List::prepend(vec![Value::Int(1)], List::new())), "[1]");
        assert!(l.flat_slice().is_none());
        assert_eq!(l.as_slice().len(), 50);
        assert_eq!(l.flat_slice().map(<[Value]>::len), Some(50));
    }

    #[test]
    fn prepend_and_split_front() {
        let tail = int_list(10..30);
        let l = List::prepend(vec![Value::Int(1), Value::Int(2)], tail.clone());
        assert_eq!(ints(&l), [1, 2].into_iter().chain(10..30).collect::<Vec<_>>());
        let (heads, rest) = l.split_front(3).expect("long enough");
        assert_eq!(heads, vec![Value::Int(1), Value::Int(2), Value::Int(10)]);
        assert_eq!(ints(&rest), (11..30).collect::<Vec<_>>());
        assert!(l.split_front(23).is_none());
        assert_eq!(l.split_front(22).map(|(_, r)| r.is_empty()), Some(true));
        assert_eq!(ints(&l.skip(5)), (13..30).collect::<Vec<_>>());
        assert!(l.skip(100).is_empty());
        assert_eq!(l.last_value(), Some(Value::Int(29)));
        assert_eq!(l.nth_value(2), Some(Value::Int(10)));
        assert_eq!(l.nth_value(21), Some(Value::Int(29)));
        assert_eq!(l.nth_value(22), None);
        assert_eq!(List::new().last_value(), None);
        assert_eq!(l.to_vec(), l.as_slice().to_vec());
        // A short tail is copied: the result is flat.
        let short = List::prepend(vec![Value::Int(0)], int_list(1..3));
        assert!(matches!(short.0, Repr::Slice { .. }));
        assert_eq!(ints(&short), vec![0, 1, 2]);
        assert!(List::prepend(vec![], List::new()).is_empty());
    }

    /// A list is three words, so `Value` stays as large as its `Range`.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_value_stays_four_words() {
        assert_eq!(std::mem::size_of::<List>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 32);
    }

    #[test]
    fn a_long_chain_drops_without_recursion() {
        let mut l = List::new();
        for i in 0..1_000_000 {
            l = List::cons(Value::Int(i), l);
        }
        assert_eq!(l.len(), 1_000_000);
        let t = l.skip(10);
        drop(l);
        assert_eq!(t.len(), 999_990);
        assert_eq!(t.head(), Some(&Value::Int(999_989)));
        drop(t);
    }
}
