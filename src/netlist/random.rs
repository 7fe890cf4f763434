//! Random netlists for property tests of simulators (every gate kind, flip-flops with
//! feedback, reconvergent fan-out).

use super::{Builder, Component, GateKind, NetId, Netlist};
use rand::{Rng, SeedableRng};

/// A random netlist: `inputs` input bits split over ports `a` and `b`, `gates` random gates
/// over all kinds, `dffs` flip-flops whose D inputs are random later nets (feedback loops
/// through registers), and an output port `y` over the last gates.
pub fn random_netlist(seed: u64, inputs: usize, gates: usize, dffs: usize) -> Netlist {
    random_netlist_with(seed, inputs, gates, dffs, false)
}

/// [`random_netlist`] with port `b` and half the flip-flops declared after half the gates, so
/// that neither the input bits nor the flip-flops are runs of consecutive nets (simulators
/// that fill them in place when they are must also be right when they are not).
pub fn random_netlist_scattered(seed: u64, inputs: usize, gates: usize, dffs: usize) -> Netlist {
    random_netlist_with(seed, inputs, gates, dffs, true)
}

fn random_netlist_with(
    seed: u64,
    inputs: usize,
    gates: usize,
    dffs: usize,
    scatter: bool,
) -> Netlist {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut b = Builder::new();
    let na = inputs.div_ceil(2).max(1);
    let nb = inputs.saturating_sub(na).max(1);
    let mut nets: Vec<NetId> = b.input("a", na);
    let early = if scatter { gates / 2 } else { 0 };
    let first_dffs = if scatter { dffs / 2 } else { dffs };
    if !scatter {
        nets.extend(b.input("b", nb));
    }
    let mut qs: Vec<NetId> = (0..first_dffs).map(|_| b.dff()).collect();
    nets.extend(&qs);
    let kinds = &GateKind::ALL[3..15];
    for g in 0..gates {
        if scatter && g == early {
            nets.extend(b.input("b", nb));
            let late: Vec<NetId> = (first_dffs..dffs).map(|_| b.dff()).collect();
            nets.extend(&late);
            qs.extend(late);
        }
        let k = kinds[rng.gen_range(0..kinds.len())];
        // Prefer recent nets (deep logic), sometimes any earlier net (reconvergence).
        let pick = |rng: &mut rand_chacha::ChaCha8Rng| {
            let lo = if rng.gen_bool(0.7) {
                nets.len().saturating_sub(8)
            } else {
                0
            };
            nets[rng.gen_range(lo..nets.len())]
        };
        let ins = [pick(&mut rng), pick(&mut rng), pick(&mut rng)];
        let id = b.push_slots(k, ins);
        nets.push(id);
    }
    for &q in &qs {
        let d = nets[rng.gen_range(0..nets.len())];
        b.connect_dff(q, d);
    }
    b.set_component(Component::Logic);
    let tail: Vec<NetId> = nets.iter().rev().take(8).copied().collect();
    b.output("y", &tail);
    b.output("q", &qs);
    b.finish().expect("random netlist is well formed")
}

/// `len` random input vectors for `n` (one value per input port, uniform over its width).
pub fn random_vectors(seed: u64, n: &Netlist, len: usize) -> Vec<Vec<u128>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..len)
        .map(|_| {
            n.inputs()
                .iter()
                .map(|p| {
                    let w = p.bits.len();
                    let m = if w >= 128 { !0 } else { (1u128 << w) - 1 };
                    rng.gen::<u128>() & m
                })
                .collect()
        })
        .collect()
}
