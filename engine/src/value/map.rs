//! Maps as the BEAM keeps them: a small map (up to [`SMALL`] keys) is a
//! sorted array, a larger one a persistent tree (imbl's `OrdMap`: O(1)
//! clone, O(log n) insert on a shared copy). Keys are in term order either
//! way, so iteration is the order `inspect` prints.

use std::cmp::Ordering;

use super::Value;

/// The largest map kept as a sorted array (the BEAM's flatmap limit).
pub const SMALL: usize = 32;

type Tree = imbl::GenericOrdMap<Value, Value, imbl::shared_ptr::RcK>;

/// A map from values to values, keys in term order.
#[derive(Clone, Default)]
pub struct MapT(Repr);

#[derive(Clone)]
enum Repr {
    Small(Vec<(Value, Value)>),
    Large(Tree),
}

impl Default for Repr {
    fn default() -> Repr {
        Repr::Small(Vec::new())
    }
}

impl MapT {
    pub fn new() -> MapT {
        MapT::default()
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Small(v) => v.len(),
            Repr::Large(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, key: &Value) -> Option<&Value> {
        match &self.0 {
            Repr::Small(v) => v.binary_search_by(|(k, _)| k.cmp(key)).ok().map(|i| &v[i].1),
            Repr::Large(t) => t.get(key),
        }
    }

    pub fn get_mut(&mut self, key: &Value) -> Option<&mut Value> {
        match &mut self.0 {
            Repr::Small(v) => v.binary_search_by(|(k, _)| k.cmp(key)).ok().map(|i| &mut v[i].1),
            Repr::Large(t) => t.get_mut(key),
        }
    }

    pub fn contains_key(&self, key: &Value) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`; the previous value, if any.
    pub fn insert(&mut self, key: Value, value: Value) -> Option<Value> {
        match &mut self.0 {
            Repr::Small(v) => match v.binary_search_by(|(k, _)| k.cmp(&key)) {
                Ok(i) => Some(std::mem::replace(&mut v[i].1, value)),
                Err(i) if v.len() < SMALL => {
                    v.insert(i, (key, value));
                    None
                }
                Err(_) => {
                    let mut t: Tree = std::mem::take(v).into_iter().collect();
                    t.insert(key, value);
                    self.0 = Repr::Large(t);
                    None
                }
            },
            Repr::Large(t) => t.insert(key, value),
        }
    }

    pub fn remove(&mut self, key: &Value) -> Option<Value> {
        match &mut self.0 {
            Repr::Small(v) => v.binary_search_by(|(k, _)| k.cmp(key)).ok().map(|i| v.remove(i).1),
            Repr::Large(t) => t.remove(key),
        }
    }

    /// Keeps the entries `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&Value, &Value) -> bool) {
        match &mut self.0 {
            Repr::Small(v) => v.retain(|(k, val)| keep(k, val)),
            Repr::Large(t) => {
                let gone: Vec<Value> = t.iter().filter(|(k, v)| !keep(k, v)).map(|(k, _)| k.clone()).collect();
                for k in gone {
                    t.remove(&k);
                }
            }
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        match &self.0 {
            Repr::Small(v) => Iter::Small(v.iter()),
            Repr::Large(t) => Iter::Large(t.iter()),
        }
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Value> + '_ {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + '_ {
        self.iter().map(|(_, v)| v)
    }

    /// The entry with the smallest key.
    pub fn first(&self) -> Option<(&Value, &Value)> {
        self.iter().next()
    }

    /// The entry with the largest key.
    pub fn last(&self) -> Option<(&Value, &Value)> {
        self.iter().next_back()
    }
}

/// The entries of a [`MapT`], in key order.
#[derive(Clone)]
pub enum Iter<'a> {
    Small(std::slice::Iter<'a, (Value, Value)>),
    Large(imbl::ordmap::Iter<'a, Value, Value, imbl::shared_ptr::RcK>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Value, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Small(i) => i.next().map(|(k, v)| (k, v)),
            Iter::Large(i) => i.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Iter::Small(i) => i.size_hint(),
            Iter::Large(i) => i.size_hint(),
        }
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Small(i) => i.next_back().map(|(k, v)| (k, v)),
            Iter::Large(i) => i.next_back(),
        }
    }
}

impl<'a> IntoIterator for &'a MapT {
    type Item = (&'a Value, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for MapT {
    type Item = (Value, Value);
    type IntoIter = std::vec::IntoIter<(Value, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        match self.0 {
            Repr::Small(v) => v.into_iter(),
            Repr::Large(t) => t.into_iter().collect::<Vec<_>>().into_iter(),
        }
    }
}

impl FromIterator<(Value, Value)> for MapT {
    fn from_iter<I: IntoIterator<Item = (Value, Value)>>(iter: I) -> MapT {
        let mut m = MapT::new();
        m.extend(iter);
        m
    }
}

impl Extend<(Value, Value)> for MapT {
    fn extend<I: IntoIterator<Item = (Value, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl PartialEq for MapT {
    fn eq(&self, other: &MapT) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for MapT {}

impl PartialOrd for MapT {
    fn partial_cmp(&self, other: &MapT) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Erlang's order of maps: by size, then keys, then values.
impl Ord for MapT {
    fn cmp(&self, other: &MapT) -> Ordering {
        self.len().cmp(&other.len()).then_with(|| self.keys().cmp(other.keys())).then_with(|| self.values().cmp(other.values()))
    }
}

impl std::fmt::Debug for MapT {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_maps_agree_on_order_lookup_and_removal() {
        let mut m = MapT::new();
        for i in (0..100).rev() {
            assert_eq!(m.insert(Value::Int(i), Value::Int(i * 2)), None);
            assert_eq!(m.len(), (100 - i) as usize);
            assert_eq!(m.keys().next(), Some(&Value::Int(i)), "keys stay sorted");
        }
        assert_eq!(m.get(&Value::Int(40)), Some(&Value::Int(80)));
        assert_eq!(m.insert(Value::Int(40), Value::Nil), Some(Value::Int(80)));
        let keys: Vec<i64> = m.keys().filter_map(|k| k.as_int()).collect();
        assert_eq!(keys, (0..100).collect::<Vec<_>>());
        let small: MapT = (0..10).map(|i| (Value::Int(i), Value::Int(i))).collect();
        let mut large = m.clone();
        large.retain(|k, _| k.as_int().is_some_and(|i| i < 10));
        large.extend((0..10).map(|i| (Value::Int(i), Value::Int(i))));
        assert_eq!(small, large, "equal whatever their representation");
        assert_eq!(small.cmp(&large), Ordering::Equal);
        assert_eq!(m.remove(&Value::Int(99)), Some(Value::Int(198)));
        assert_eq!(m.last().map(|(k, _)| k.clone()), Some(Value::Int(98)));
    }
}
