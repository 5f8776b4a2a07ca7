//! Header maps kept for reuse, per thread.
//!
//! A proxied request builds a header map for the request it reads, one for the request it
//! sends on and one for the response it reads back. The response's (eight or more headers) is
//! larger than glibc's per-thread cache takes (1,032 bytes), so each one costs a trip into the
//! allocator proper. Once a map is done with (written out to the client or the backend, or
//! replaced on the message by a response's), [`recycle`] keeps it, cleared, and
//! [`empty_map`] hands it out again to the next map this thread builds. The transport and
//! the message formatter use it; a program embedding the crates need not.
//!
//! hyper keeps one map per connection for the same reason; per thread, a map freed by one
//! connection serves the next head read by any other.
//!
//! ```
//! use http::header::{HeaderValue, SERVER};
//! use mediate_core::header_pool;
//!
//! let mut map = header_pool::empty_map(8);
//! map.insert(SERVER, HeaderValue::from_static("backend"));
//! header_pool::recycle(map);
//! let again = header_pool::empty_map(8); // the same memory, empty
//! assert!(again.is_empty());
//! ```

use std::cell::RefCell;

use http::HeaderMap;

/// How many cleared maps a thread keeps.
const KEPT: usize = 8;

/// Maps that can hold more headers than this are not kept: a rare large head should not
/// hold its memory for the life of the thread.
const LARGEST_KEPT: usize = 48;

thread_local! {
    static SPARE: RefCell<Vec<HeaderMap>> = const { RefCell::new(Vec::new()) };
}

/// An empty map for `headers` headers: the smallest kept one that holds them, else a new one.
pub fn empty_map(headers: usize) -> HeaderMap {
    let kept = SPARE.with(|spare| {
        let mut spare = spare.borrow_mut();
        let fit = spare
            .iter()
            .enumerate()
            .filter(|(_, map)| map.capacity() >= headers)
            .min_by_key(|(_, map)| map.capacity())
            .map(|(i, _)| i)?;
        Some(spare.swap_remove(fit))
    });
    kept.unwrap_or_else(|| HeaderMap::with_capacity(headers))
}

/// Keeps `map`'s memory for a later [`empty_map`] (its headers are dropped now).
pub fn recycle(mut map: HeaderMap) {
    let capacity = map.capacity();
    if capacity == 0 || capacity > LARGEST_KEPT {
        return;
    }
    map.clear();
    SPARE.with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.len() < KEPT {
            spare.push(map);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use http::header::{CONTENT_TYPE, SERVER};

    /// Runs `f` on a thread of its own, so that other tests' maps are not in its pool.
    fn on_fresh_thread(f: impl FnOnce() + Send + 'static) {
        std::thread::spawn(f).join().unwrap();
    }

    #[test]
    fn a_recycled_map_comes_back_empty_with_its_capacity() {
        on_fresh_thread(|| {
            let mut map = empty_map(10);
            let capacity = map.capacity();
            map.insert(SERVER, HeaderValue::from_static("backend"));
            map.append(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            recycle(map);
            let again = empty_map(10);
            assert!(again.is_empty());
            assert_eq!(again.get(SERVER), None);
            assert_eq!(again.capacity(), capacity);
            assert!(SPARE.with(|s| s.borrow().is_empty()));
        });
    }

    #[test]
    fn the_smallest_map_that_fits_is_handed_out() {
        on_fresh_thread(|| {
            recycle(HeaderMap::with_capacity(30));
            recycle(HeaderMap::with_capacity(3));
            recycle(HeaderMap::with_capacity(10));
            assert_eq!(
                empty_map(2).capacity(),
                HeaderMap::<HeaderValue>::with_capacity(3).capacity()
            );
            assert_eq!(
                empty_map(8).capacity(),
                HeaderMap::<HeaderValue>::with_capacity(10).capacity()
            );
            // No kept map holds 60 headers: a new one, and the large one stays kept.
            assert_eq!(
                empty_map(60).capacity(),
                HeaderMap::<HeaderValue>::with_capacity(60).capacity()
            );
            assert_eq!(SPARE.with(|s| s.borrow().len()), 1);
        });
    }

    #[test]
    fn empty_huge_and_surplus_maps_are_not_kept() {
        on_fresh_thread(|| {
            recycle(HeaderMap::new());
            recycle(HeaderMap::with_capacity(LARGEST_KEPT * 2));
            assert!(SPARE.with(|s| s.borrow().is_empty()));
            for _ in 0..KEPT + 3 {
                recycle(HeaderMap::with_capacity(4));
            }
            assert_eq!(SPARE.with(|s| s.borrow().len()), KEPT);
        });
    }
}
