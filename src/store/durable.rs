//! `Durable`: the answer to one `Store::commit`, delivered when the batch is
//! on disk (or has failed). An actor `.await`s it; a plain thread calls
//! `wait()`. Built on a mutex, a condition variable and a waker, so it needs
//! no particular async runtime and never panics.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::error::StoreError;

/// Resolves to `Ok(())` once the batch is durable.
#[must_use = "a commit is only known to be durable once this resolves"]
pub struct Durable {
    slot: Arc<Slot>,
}

/// The committer's end: fills the slot once. Dropped unfilled (the store
/// closed, or its thread died), it answers `StoreError::Closed`, so no
/// writer waits forever.
pub(super) struct Completer {
    slot: Option<Arc<Slot>>,
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    filled: Condvar,
}

#[derive(Default)]
struct SlotState {
    result: Option<Result<(), StoreError>>,
    waker: Option<Waker>,
    /// A thread is blocked in `wait`: only then is the condition variable
    /// signalled (a futex call per commit otherwise, for nobody).
    thread_waiting: bool,
}

impl Slot {
    /// Nothing panics while holding the lock, so it is never poisoned; if it
    /// were, the state inside is still consistent (one `Option` per field).
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A waiting `Durable` and the `Completer` that will answer it.
pub(super) fn pair() -> (Completer, Durable) {
    let slot = Arc::new(Slot::default());
    (
        Completer {
            slot: Some(slot.clone()),
        },
        Durable { slot },
    )
}

impl Durable {
    /// A `Durable` already answered, for a batch refused before it reached
    /// the committer.
    pub(super) fn ready(result: Result<(), StoreError>) -> Durable {
        let (completer, durable) = pair();
        completer.fill(result);
        durable
    }

    /// Blocks the calling thread until the batch is durable. Not for use on
    /// an async runtime's threads: `.await` it there.
    pub fn wait(self) -> Result<(), StoreError> {
        let mut state = self.slot.lock();
        loop {
            if let Some(result) = state.result.take() {
                return result;
            }
            state.thread_waiting = true;
            state = self
                .slot
                .filled
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Future for Durable {
    type Output = Result<(), StoreError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.slot.lock();
        match state.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Completer {
    pub(super) fn fill(mut self, result: Result<(), StoreError>) {
        if let Some(slot) = self.slot.take() {
            let (waker, thread_waiting) = {
                let mut state = slot.lock();
                state.result = Some(result);
                (state.waker.take(), state.thread_waiting)
            };
            if thread_waiting {
                slot.filled.notify_all();
            }
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

impl Drop for Completer {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            Completer { slot: Some(slot) }.fill(Err(StoreError::Closed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;
    use std::time::Duration;

    #[test]
    fn wait_returns_what_the_completer_fills() {
        let (completer, durable) = pair();
        let filler = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            completer.fill(Ok(()));
        });
        assert!(durable.wait().is_ok());
        filler.join().unwrap();
    }

    #[test]
    fn a_dropped_completer_answers_closed() {
        let (completer, durable) = pair();
        drop(completer);
        assert!(matches!(durable.wait(), Err(StoreError::Closed)));
    }

    #[test]
    fn await_is_woken_by_the_completer() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let (completer, durable) = pair();
        let filler = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            completer.fill(Err(StoreError::Closed));
        });
        let result =
            runtime.block_on(async { tokio::time::timeout(Duration::from_secs(5), durable).await });
        assert!(matches!(result, Ok(Err(StoreError::Closed))));
        filler.join().unwrap();
    }
}
