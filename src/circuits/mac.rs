//! Netlist construction for every [`Unit`]: multiplier, adder and MAC.

use super::{adders, multipliers, AccStyle, ClockGating, Repr, Unit, ValidMacSpec};
use crate::netlist::{Builder, Bus, Component, NetId, Netlist};

/// Build the netlist of `spec`.
pub fn build(spec: &ValidMacSpec) -> Netlist {
    let mut b = Builder::new();
    match spec.unit {
        Unit::Mult => build_mult(&mut b, spec),
        Unit::Adder => build_adder(&mut b, spec),
        Unit::Mac => build_mac(&mut b, spec),
    }
    b.finish().expect("generated circuits are well formed")
}

fn build_adder(b: &mut Builder, spec: &ValidMacSpec) {
    let n = spec.acc as usize;
    let x = b.input("a", n);
    let y = b.input("b", n);
    b.set_component(Component::AccAdder);
    let z = b.zero();
    let (mut s, cout) = adders::add(b, spec.adder, &x, &y, z);
    s.push(cout);
    b.output("s", &s);
}

/// Product bits of `x × w` for the representation (magnitudes for sign-magnitude and the
/// unsigned MAC's weight), plus the sign bit when the product has a separate sign.
fn product(b: &mut Builder, spec: &ValidMacSpec, x: &[NetId], w: &[NetId]) -> (Bus, Option<NetId>) {
    let fin = spec.final_adder();
    let mult = |b: &mut Builder, x: &[NetId], w: &[NetId], signed| {
        multipliers::multiply(b, spec.mult, x, w, signed, fin)
    };
    let (nx, nw) = (x.len(), w.len());
    match (spec.unit, spec.repr) {
        (_, Repr::Twos) => (mult(b, x, w, true), None),
        (Unit::Mult, Repr::Unsigned) => (mult(b, x, w, false), None),
        (_, Repr::Unsigned) => {
            let p = mult(b, x, &w[..nw - 1], false);
            (p, Some(w[nw - 1]))
        }
        (_, Repr::Signmag) => {
            let p = mult(b, &x[..nx - 1], &w[..nw - 1], false);
            let s = b.xor2(x[nx - 1], w[nw - 1]);
            (p, Some(s))
        }
    }
}

fn build_mult(b: &mut Builder, spec: &ValidMacSpec) {
    let x = b.input("x", spec.bx as usize);
    let w = b.input("w", spec.bw as usize);
    b.set_component(Component::Multiplier);
    let (mut p, sign) = product(b, spec, &x, &w);
    p.extend(sign);
    b.output("p", &p);
}

/// An accumulator register: `bits` flip-flops (D connected later), labelled `name`.
fn acc_register(b: &mut Builder, name: &str, bits: usize) -> Bus {
    b.set_component(Component::AccReg);
    let r: Bus = (0..bits).map(|_| b.dff()).collect();
    b.label(name, &r);
    r
}

/// Operand registers that load only when `x ≠ 0` (hold multiplexers, enable = OR of the
/// `x` bits), and the one-bit register `x_nz` of that enable: `(x_reg, w_reg, x_nz, enable)`.
fn isolated_operand_registers(
    b: &mut Builder,
    x: &[NetId],
    w: &[NetId],
) -> (Bus, Bus, NetId, NetId) {
    let mut nz = x[0];
    for &xi in &x[1..] {
        nz = b.or2(nz, xi);
    }
    let hold = |b: &mut Builder, d: &[NetId]| -> Bus {
        d.iter()
            .map(|&di| {
                let q = b.dff();
                let next = b.mux2(q, di, nz);
                b.connect_dff(q, next);
                q
            })
            .collect()
    };
    let xr = hold(b, x);
    let wr = hold(b, w);
    let live = b.register(&[nz])[0];
    b.label("x_nz", &[live]);
    (xr, wr, live, nz)
}

/// OR of `bits` (a chain of OR2; `bits` non-empty).
fn any(b: &mut Builder, bits: &[NetId]) -> NetId {
    let mut r = bits[0];
    for &x in &bits[1..] {
        r = b.or2(r, x);
    }
    r
}

/// Clock gates of a MAC (see [`ClockGating`]): `regs` = the accumulator registers
/// (`acc0`, and `acc1` for the unsigned split), `xr`/`wr` the operand registers, `live` the
/// operand-isolation register and `load_x` its load enable (x ≠ 0), `w` the weight port.
#[allow(clippy::too_many_arguments)]
fn clock_gates(
    b: &mut Builder,
    spec: &ValidMacSpec,
    regs: &[Bus],
    xr: &[NetId],
    wr: &[NetId],
    live: Option<NetId>,
    load_x: Option<NetId>,
    w: &[NetId],
) {
    b.set_component(Component::ClockGating);
    let (nx, nw) = (xr.len(), wr.len());
    // Magnitude bits of the held operands (the bits the product depends on besides signs).
    let (xm, wm) = match spec.repr {
        Repr::Twos => (xr, wr),
        Repr::Unsigned => (xr, &wr[..nw - 1]),
        Repr::Signmag => (&xr[..nx - 1], &wr[..nw - 1]),
    };
    let (zx, zw) = (any(b, xm), any(b, wm));
    let mut nz = b.and2(zx, zw);
    if let Some(l) = live {
        nz = b.and2(nz, l);
    }
    // A zero product adds 0 (sign-magnitude: ~0 + 1 = 0 mod 2^B): the accumulator holds.
    if spec.repr == Repr::Unsigned {
        let s = wr[nw - 1];
        let pos = b.and_not(nz, s);
        let neg = b.and2(nz, s);
        b.clock_gate("acc0", pos, &regs[0]);
        b.clock_gate("acc1", neg, &regs[1]);
    } else {
        b.clock_gate("acc0", nz, &regs[0]);
    }
    if spec.clock_gating != ClockGating::All {
        return;
    }
    // Weight register: loads only a different weight (the D input equals Q otherwise).
    let diff: Bus = w.iter().zip(wr).map(|(&a, &q)| b.xor2(a, q)).collect();
    let mut load_w = any(b, &diff);
    if let Some(load) = load_x {
        // The isolation's hold multiplexers load only on a non-zero activation.
        load_w = b.and2(load_w, load);
        b.clock_gate("x_reg", load, xr);
    }
    b.clock_gate("w_reg", load_w, wr);
}

fn build_mac(b: &mut Builder, spec: &ValidMacSpec) {
    let nb = spec.acc as usize;
    b.set_component(Component::OperandRegs);
    let x = b.input("x", spec.bx as usize);
    let w = b.input("w", spec.bw as usize);
    let (xr, wr, live, load_x) = if spec.operand_isolation {
        let (xr, wr, live, nz) = isolated_operand_registers(b, &x, &w);
        (xr, wr, Some(live), Some(nz))
    } else {
        (b.register(&x), b.register(&w), None, None)
    };
    b.label("x_reg", &xr);
    b.label("w_reg", &wr);
    let n_acc = if spec.repr == Repr::Unsigned { 2 } else { 1 };
    let csa = spec.acc_style == AccStyle::CarrySave;
    // Registers first (their outputs feed the adders), named acc0..acc3 as in MacState.
    let regs: Vec<Bus> = (0..n_acc * (1 + csa as usize))
        .map(|k| acc_register(b, &format!("acc{k}"), nb))
        .collect();
    b.set_component(Component::Multiplier);
    let (p, sign) = product(b, spec, &xr, &wr);
    b.set_component(Component::AccAdder);
    // Operand isolation: the held product counts only while its activation was non-zero.
    let (p, sign) = match live {
        Some(l) => (
            p.iter().map(|&pi| b.and2(pi, l)).collect::<Bus>(),
            sign.map(|s| b.and2(s, l)),
        ),
        None => (p, sign),
    };
    let z = b.zero();
    // Addends (B bits each) and carry-ins of the one or two accumulators.
    let addends: Vec<(Bus, NetId)> = match (spec.repr, sign) {
        (Repr::Twos, _) => {
            let msb = p[p.len() - 1];
            let a = (0..nb).map(|i| p.get(i).copied().unwrap_or(msb)).collect();
            vec![(a, z)]
        }
        (Repr::Signmag, Some(s)) => {
            // acc + (p ^ s…s) + s = acc ± p.
            let a = (0..nb)
                .map(|i| {
                    let pi = p.get(i).copied().unwrap_or(z);
                    b.xor2(pi, s)
                })
                .collect();
            vec![(a, s)]
        }
        (Repr::Unsigned, Some(s)) => {
            let pos = (0..nb)
                .map(|i| {
                    let pi = p.get(i).copied().unwrap_or(z);
                    b.and_not(pi, s)
                })
                .collect();
            let neg = (0..nb)
                .map(|i| {
                    let pi = p.get(i).copied().unwrap_or(z);
                    b.and2(pi, s)
                })
                .collect();
            vec![(pos, z), (neg, z)]
        }
        _ => unreachable!("sign-magnitude and unsigned products carry a sign"),
    };
    let names: &[&str] = match (n_acc, csa) {
        (1, false) => &["acc"],
        (2, false) => &["acc_pos", "acc_neg"],
        (1, true) => &["acc_s", "acc_c"],
        _ => &["acc_pos_s", "acc_pos_c", "acc_neg_s", "acc_neg_c"],
    };
    for (k, (a, cin)) in addends.iter().enumerate() {
        if csa {
            let (s_reg, c_reg) = (&regs[2 * k], &regs[2 * k + 1]);
            // Carry register bit 0 holds the carry-in (constant 0 unless sign-magnitude).
            let mut sum = Vec::with_capacity(nb);
            let mut car = vec![*cin];
            for i in 0..nb {
                let c_in = if i == 0 && b.const_value(*cin).is_some() {
                    z
                } else {
                    c_reg[i]
                };
                let (s, c) = b.full_adder(s_reg[i], c_in, a[i]);
                sum.push(s);
                if i + 1 < nb {
                    car.push(c);
                }
            }
            for i in 0..nb {
                b.connect_dff(s_reg[i], sum[i]);
                b.connect_dff(c_reg[i], car[i]);
            }
            let mut c_out = c_reg.clone();
            c_out[0] = if b.const_value(*cin).is_some() {
                z
            } else {
                c_reg[0]
            };
            b.output(names[2 * k], s_reg);
            b.output(names[2 * k + 1], &c_out);
        } else {
            let r = &regs[k];
            let (s, _) = adders::add(b, spec.adder, r, a, *cin);
            for i in 0..nb {
                b.connect_dff(r[i], s[i]);
            }
            b.output(names[k], r);
        }
    }
    if !spec.clock_gating.is_none() {
        clock_gates(b, spec, &regs, &xr, &wr, live, load_x, &w);
    }
}
