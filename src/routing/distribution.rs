//! How a route shares messages among those of its gateways that are up:
//! failover (the first one up in configured order takes every message), or
//! by weight (smooth weighted round robin, the way nginx balances upstreams:
//! with weights 3 and 1, three of every four messages go to the first, and
//! not in bursts). Every part of one concatenated message goes to the same
//! gateway, picked from a key the parts share, as long as the gateways that
//! are up stay the same. No I/O.

/// The state of one route's choice.
#[derive(Debug, Clone)]
pub struct Distribution {
    /// `None`: failover. Else one weight (at least 1) per gateway.
    weights: Option<Vec<u32>>,
    /// Smooth weighted round robin's running score per gateway.
    current: Vec<i64>,
}

impl Distribution {
    /// For a route of `gateways` gateways; `weights`, when given, has one
    /// entry per gateway (the configuration checks that; a list of another
    /// length, or a zero weight, falls back to failover).
    pub fn new(weights: Option<Vec<u32>>, gateways: usize) -> Distribution {
        let weights =
            weights.filter(|weights| weights.len() == gateways && weights.iter().all(|&w| w > 0));
        Distribution {
            weights,
            current: vec![0; gateways],
        }
    }

    /// The gateway (index into the route's list) for the next message, or
    /// `None` when none is up. `up[i]` says whether gateway `i` is up;
    /// `parts_key` is `Some` for a part of a concatenated message, the same
    /// for all its parts.
    pub fn pick(&mut self, up: &[bool], parts_key: Option<u64>) -> Option<usize> {
        let Some(weights) = &self.weights else {
            return up.iter().position(|&up| up);
        };
        let candidates = || {
            weights
                .iter()
                .enumerate()
                .filter(|(index, _)| up.get(*index).copied().unwrap_or(false))
        };
        let total: i64 = candidates().map(|(_, &weight)| i64::from(weight)).sum();
        if total == 0 {
            return None;
        }
        if let Some(key) = parts_key {
            // A point in the total weight that only the key decides.
            let mut point = i64::try_from(key % total.unsigned_abs()).unwrap_or(0);
            for (index, &weight) in candidates() {
                point -= i64::from(weight);
                if point < 0 {
                    return Some(index);
                }
            }
            return None;
        }
        let mut best: Option<usize> = None;
        for (index, &weight) in candidates() {
            self.current[index] += i64::from(weight);
            if best.is_none_or(|best| self.current[index] > self.current[best]) {
                best = Some(index);
            }
        }
        let best = best?;
        self.current[best] -= total;
        Some(best)
    }
}

/// A key every part of one concatenated message shares: its sender,
/// destination and concatenation reference.
pub fn parts_key(source: &str, destination: &str, reference: u16) -> u64 {
    // FNV-1a: stable across runs and releases, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = source
        .bytes()
        .chain([0])
        .chain(destination.bytes())
        .chain([0])
        .chain(reference.to_be_bytes());
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(distribution: &mut Distribution, up: &[bool], rounds: usize) -> Vec<usize> {
        let mut counts = vec![0; up.len()];
        for _ in 0..rounds {
            counts[distribution.pick(up, None).unwrap()] += 1;
        }
        counts
    }

    #[test]
    fn without_weights_the_first_gateway_up_takes_everything() {
        let mut failover = Distribution::new(None, 3);
        assert_eq!(counts(&mut failover, &[true, true, true], 10), [10, 0, 0]);
        assert_eq!(counts(&mut failover, &[false, true, true], 10), [0, 10, 0]);
        assert_eq!(failover.pick(&[false, false, false], None), None);
        // Weights that do not fit the gateways are failover.
        let mut misfit = Distribution::new(Some(vec![1, 1, 1]), 2);
        assert_eq!(counts(&mut misfit, &[true, true], 10), [10, 0]);
    }

    #[test]
    fn weights_share_in_proportion_without_bursts() {
        let mut weighted = Distribution::new(Some(vec![3, 1]), 2);
        let sequence: Vec<usize> = (0..8)
            .map(|_| weighted.pick(&[true, true], None).unwrap())
            .collect();
        assert_eq!(sequence, [0, 0, 1, 0, 0, 0, 1, 0]);
        assert_eq!(counts(&mut weighted, &[true, true], 4000), [3000, 1000]);
        // A gateway that is down gets nothing; the others share its part.
        let mut three = Distribution::new(Some(vec![1, 1, 1]), 3);
        assert_eq!(
            counts(&mut three, &[true, false, true], 1000),
            [500, 0, 500]
        );
        assert_eq!(three.pick(&[false, false, false], None), None);
    }

    #[test]
    fn parts_of_one_message_stay_together_and_messages_spread() {
        let mut weighted = Distribution::new(Some(vec![1, 1]), 2);
        let up = [true, true];
        let mut used = [0; 2];
        for reference in 0..200u16 {
            let key = parts_key("Shop", "34600123456", reference);
            let first = weighted.pick(&up, Some(key)).unwrap();
            for _ in 0..3 {
                assert_eq!(weighted.pick(&up, Some(key)), Some(first));
            }
            used[first] += 1;
        }
        assert!(used.iter().all(|&count| count > 60), "{used:?}");
    }
}
