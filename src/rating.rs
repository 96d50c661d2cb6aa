//! What a submission costs and what goes back: the one place the switch
//! prices messages. A route's price is per message part; a submission to
//! several destinations costs each destination's price × the parts, all
//! reserved at accept, atomically with the stored messages. Each part
//! carries its own price, which goes back to the account when the part
//! ends without reaching an SMSC (expired, cancelled, refused by every
//! upstream). Checked arithmetic throughout: a sum that does not fit is
//! refused, never wrapped. No I/O.

use crate::model::{Message, Money};

/// What a submission costs: for each destination, the price of its route
/// per part (zero where no route covers it) × `parts`. `None` when the sum
/// does not fit.
pub fn submission_cost(prices: impl IntoIterator<Item = Money>, parts: usize) -> Option<Money> {
    let parts = u32::try_from(parts).ok()?;
    prices.into_iter().try_fold(Money::ZERO, |total, price| {
        price
            .checked_mul(parts)
            .and_then(|cost| total.checked_add(cost))
    })
}

/// What goes back to the account when `message` (one part) ends without
/// an SMSC having taken it: the price reserved for it.
pub fn refund(message: &Message) -> Money {
    message.price
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn each_destination_pays_its_price_for_every_part() {
        let prices = [money("0.35"), money("1.00"), Money::ZERO];
        assert_eq!(submission_cost(prices, 3), Some(money("4.05")));
        assert_eq!(submission_cost([], 3), Some(Money::ZERO));
        assert_eq!(submission_cost([money("1.00")], 0), Some(Money::ZERO));
    }

    #[test]
    fn a_cost_that_does_not_fit_is_none() {
        let huge = Money::from_micros(i64::MAX / 2);
        assert_eq!(submission_cost([huge, huge, huge], 1), None);
        assert_eq!(submission_cost([huge], 3), None);
    }
}
