//! Stored changes laid over the configuration file's objects. The admin
//! API stores every change it makes to an account, a route, a gateway or
//! an MO route, keyed by what names that object in the file (a system_id;
//! a prefix and its accounts; a name; a number and keyword). At start the
//! switch lays the stored changes over the file's objects in the order
//! they were stored, and the admin API lays each new one over the objects
//! in force the same way. Pure: no I/O.

/// Lays one change over `items`: `change` is given the item whose
/// `key_of` is `key`, if there is one, and answers what takes its place:
/// `Some` replaces it where it stands (or joins the end when there was
/// none), `None` removes it.
pub fn apply<T, K: PartialEq>(
    items: &mut Vec<T>,
    key_of: impl Fn(&T) -> K,
    key: &K,
    change: impl FnOnce(Option<&T>) -> Option<T>,
) {
    let place = items.iter().position(|item| key_of(item) == *key);
    match (place, change(place.map(|at| &items[at]))) {
        (Some(at), Some(item)) => items[at] = item,
        (Some(at), None) => {
            items.remove(at);
        }
        (None, Some(item)) => items.push(item),
        (None, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(item: &(&'static str, u32)) -> &'static str {
        item.0
    }

    #[test]
    fn a_change_replaces_in_place_removes_or_joins_the_end() {
        let mut items = vec![("a", 1), ("b", 2), ("c", 3)];
        apply(&mut items, key, &"b", |old| old.map(|(k, v)| (*k, v * 10)));
        apply(&mut items, key, &"a", |_| None);
        apply(&mut items, key, &"d", |old| {
            assert!(old.is_none());
            Some(("d", 4))
        });
        apply(&mut items, key, &"e", |_| None);
        assert_eq!(items, [("b", 20), ("c", 3), ("d", 4)]);
    }
}
