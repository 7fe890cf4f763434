//! Power–accuracy curves of one network: float, uniform b-bit (two's-complement MAC and its
//! unsigned conversion), PANN traversed over R (one float network re-quantized at every R,
//! no retraining) and PANN at the energy budget of each b-bit network; and, when fine-tuned
//! networks of the model are shipped next to its weights ([`crate::nn::qat`]), `pann-qat` and
//! `uniform-qat` rows for them (their budget point and their own traversal over R).
//!
//! Energy per inference = Σ over MAC layers of operations per image × fJ per operation, each
//! layer's fJ/op from a gate-level simulation of a sample of its own real stream
//! ([`super::sample`], [`super::energy`]); the fitted power models predict the same numbers
//! and their error against the simulation is reported per layer.
//!
//! Choices (stated in every output):
//! - a b-bit network has b-bit signed symmetric weights and b-bit unsigned (post-ReLU)
//!   activation codes. On a **two's-complement** MAC the activation port is `b+1` bits (the
//!   code with a 0 sign bit), the weight port `b` bits; on the **unsigned** MAC (weights as
//!   sign + magnitude routed to S⁺/S⁻) both are `b` bits. Both run the same integer network, so
//!   their accuracy is identical by construction.
//! - **MAC ops** = MACs (zero weights included: a MAC spends its cycle). **PANN ops** =
//!   additions, each an operation of the unsigned `b̃x × 2` MAC (|w| ∈ {0, 1}, the sign picks
//!   S⁺ or S⁻) fed with that layer's addition stream; zero weights cost nothing.
//! - The first and last MAC layers stay 8-bit for every method and are charged identically:
//!   the unsigned 8×8 MAC under the 8-bit network's streams.
//! - Accumulators are B = 32 bits. Under `total`, a MAC is simulated clock-gated as a real
//!   design would be ([`super::energy::gated`]: an accumulator is clocked only when it adds a
//!   non-zero product, so the unsigned split's idle accumulator is not), the gating cells and
//!   enable logic charged; `total-ungated` clocks every flip-flop once per operation (a PANN
//!   accumulator pair once per addition; the unit is clock-gated while idle, so a skipped zero
//!   weight costs no clock); leakage is charged per operation for one clock period.
//! - b̃x and R at a budget are chosen on a held-out calibration split of the training set
//!   (never the test set); the test top-1 of every b̃x is reported as well.

use super::energy::{mac, Accounting, EnergySource, Measured};
use super::sample::{addition_pairs, mac_pairs, SampleSize};
use super::TradeoffError;
use crate::circuits::Repr;
use crate::nn::float;
use crate::nn::idx::{Dataset, DatasetId, Split};
use crate::nn::model::{ModelId, Network};
use crate::nn::pann::{heldout_split, PannConfig, PannNet, PtqOptions};
use crate::nn::qnet::{calibration_slice, QuantNet};
use crate::nn::quant::QuantConfig;
use std::path::PathBuf;

/// What a curve run computes.
#[derive(Clone, Debug)]
pub struct CurveConfig {
    /// Network.
    pub model: ModelId,
    /// Dataset.
    pub dataset: DatasetId,
    /// Data directory (datasets, weights).
    pub data_dir: PathBuf,
    /// Test images evaluated (the first ones; `None`: all).
    pub limit: Option<usize>,
    /// Held-out calibration images (training split, disjoint from the calibration images).
    pub heldout: usize,
    /// Calibration images of the activation ranges.
    pub calib_size: usize,
    /// Seed of the calibration and held-out images.
    pub seed: u64,
    /// Stream sample per layer.
    pub sample: SampleSize,
    /// Cell library, clock and power models.
    pub source: EnergySource,
    /// Uniform bit widths (and budgets).
    pub bits: Vec<u32>,
    /// PANN activation bits searched.
    pub act_bits: Vec<u32>,
    /// R values of the deployment-time traversal (also the grid E_add is measured on).
    pub r_grid: Vec<f64>,
    /// Post-training choices (PANN Δw granularity; activation clipping and bias correction of
    /// every quantized network).
    pub ptq: PtqOptions,
    /// Evaluate every b̃x of a budget on the test set (otherwise only the chosen one; the
    /// others' test top-1 is NaN).
    pub test_every_candidate: bool,
}

impl CurveConfig {
    /// Defaults for `model` on `dataset`: all test images, 2000 held-out images, b ∈ {2, 3,
    /// 4, 8}, b̃x ∈ 2..=8, R from 0.25 to 16; `quick` uses 500 held-out images, 128
    /// calibration images and the quick stream sample.
    pub fn new(
        model: ModelId,
        dataset: DatasetId,
        source: EnergySource,
        quick: bool,
    ) -> CurveConfig {
        CurveConfig {
            model,
            dataset,
            data_dir: crate::nn::default_data_dir(),
            limit: None,
            heldout: if quick { 500 } else { 2000 },
            calib_size: if quick { 128 } else { 512 },
            seed: 0,
            sample: if quick {
                SampleSize::QUICK
            } else {
                SampleSize::FULL
            },
            source,
            bits: vec![2, 3, 4, 8],
            act_bits: (2..=8).collect(),
            r_grid: if quick {
                vec![0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
            } else {
                vec![
                    0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0, 5.6, 8.0, 11.0, 16.0,
                ]
            },
            test_every_candidate: !quick,
            ptq: PtqOptions::default(),
        }
    }

    /// Check what can be checked before loading anything.
    pub fn validate(&self) -> Result<(), TradeoffError> {
        let bad = |m: String| Err(TradeoffError::Input(m));
        if let Some(r) = self.r_grid.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
            return bad(format!(
                "--r {r}: R must be a positive number of additions per weight"
            ));
        }
        if let Some(b) = self.act_bits.iter().find(|b| !(2..=8).contains(*b)) {
            return bad(format!("--act-bits {b}: b̃x must be in 2..=8"));
        }
        if let Some(b) = self.bits.iter().find(|b| !(2..=8).contains(*b)) {
            return bad(format!("--bits {b}: must be in 2..=8"));
        }
        if self.r_grid.len() < 2 {
            return bad("--r: give at least 2 R values".into());
        }
        if self.limit == Some(0) || self.heldout == 0 {
            return bad("--limit and the held-out split need at least 1 image".into());
        }
        Ok(())
    }
}

/// Energy of one MAC layer of one network.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LayerEnergy {
    /// Layer name.
    pub layer: String,
    /// `mac` or `add`.
    pub op: &'static str,
    /// The circuit charged (one-line description).
    pub circuit: String,
    /// Operations per image.
    pub ops_per_image: u64,
    /// fJ/op, simulated and predicted.
    pub energy: Measured,
}

impl LayerEnergy {
    /// fJ per image under `a` (simulation).
    pub fn per_image(&self, a: Accounting) -> f64 {
        self.ops_per_image as f64 * self.energy.sim.get(a)
    }
    /// fJ per image under `a` (power models), if any.
    pub fn per_image_model(&self, a: Accounting) -> Option<f64> {
        Some(self.ops_per_image as f64 * self.energy.model.as_ref()?.get(a))
    }
}

/// One point of the figure: a quantized (or float) network, its energy and accuracy.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Point {
    /// `float`, `uniform`, `uniform-unsigned`, `pann`, or for fine-tuned networks `pann-qat`
    /// and `uniform-qat`.
    pub method: String,
    /// Weight / activation bits of a uniform network.
    pub bits: Option<u32>,
    /// b̃x of a PANN network.
    pub act_bits: Option<u32>,
    /// Target R of a PANN network.
    pub r: Option<f64>,
    /// R reached (mean |q| over the PANN layers, weighted by their weights).
    pub r_reached: Option<f64>,
    /// `curve` (the R traversal), the budget (`twos-2`, `unsigned-4`) a point was chosen at, or
    /// the uniform network's own repr-bits; `curve:twos-2`: the traversal over R of the network
    /// fine-tuned at the `twos-2` budget.
    pub budget: String,
    /// Accounting of `budget_fj` (budget points only).
    pub accounting: Option<Accounting>,
    /// The budget in fJ per inference (budget points only).
    pub budget_fj: Option<f64>,
    /// Whether this b̃x is the one the held-out split chose at this budget.
    pub chosen: bool,
    /// Test top-1 (%).
    pub top1: f64,
    /// Held-out calibration top-1 (%).
    pub calib_top1: Option<f64>,
    /// Every MAC layer's energy (empty for float).
    pub layers: Vec<LayerEnergy>,
    /// Bit operations per image: Σ MACs·b_w·b_x (uniform layers) + Σ additions·b̃x.
    pub bops: u64,
}

impl Point {
    /// Whether this is a post-training uniform network (`uniform`, `uniform-unsigned`; not the
    /// fine-tuned `uniform-qat`): the networks that define the budgets.
    pub fn is_budget_uniform(&self) -> bool {
        self.method == "uniform" || self.method == "uniform-unsigned"
    }
    /// fJ per inference under `a` (simulation).
    pub fn energy(&self, a: Accounting) -> f64 {
        self.layers.iter().map(|l| l.per_image(a)).sum()
    }
    /// fJ per inference under `a` (power models), if any.
    pub fn energy_model(&self, a: Accounting) -> Option<f64> {
        self.layers.iter().map(|l| l.per_image_model(a)).sum()
    }
}

/// Everything a curve run produced.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Curve {
    /// Model name.
    pub model: String,
    /// Dataset name.
    pub dataset: String,
    /// Test images evaluated.
    pub images: usize,
    /// Held-out images.
    pub heldout_images: usize,
    /// Every point (float first).
    pub points: Vec<Point>,
    /// MACs per image of the whole network.
    pub macs_per_image: u64,
    /// Cell library.
    pub library: String,
    /// Clock period, ns.
    pub clock_ns: f64,
    /// Seed.
    pub seed: u64,
    /// Stream sample per layer.
    pub sample: SampleSize,
    /// Post-training choices.
    pub ptq: PtqOptions,
}

struct Data {
    net: Network,
    calib: Dataset,
    heldout: Dataset,
    test: Dataset,
    sample_images: Dataset,
}

fn top1(pred: &[usize], ds: &Dataset) -> f64 {
    100.0 * float::count_correct(pred, ds) as f64 / ds.len().max(1) as f64
}

fn load(c: &CurveConfig) -> Result<Data, TradeoffError> {
    let net = c.model.load(&c.data_dir, c.dataset)?;
    let train = c.dataset.load(&c.data_dir, Split::Train)?;
    let mut test = c.dataset.load(&c.data_dir, Split::Test)?;
    if let Some(n) = c.limit {
        test = test.head(n);
    }
    let pc = pann_config(c, 8, 1.0, c.ptq);
    Ok(Data {
        calib: calibration_slice(&train, c.calib_size, c.seed),
        heldout: heldout_split(&train, &pc, c.heldout),
        sample_images: test.head(c.sample.images),
        net,
        test,
    })
}

fn pann_config(c: &CurveConfig, act_bits: u32, r: f64, ptq: PtqOptions) -> PannConfig {
    PannConfig {
        model: c.model,
        dataset: c.dataset,
        r,
        act_bits,
        calib_size: c.calib_size,
        seed: c.seed,
        granularity: ptq.granularity,
        act_quantizer: ptq.act_quantizer,
        bias_correction: ptq.bias_correction,
        ..PannConfig::default()
    }
}

/// `ptq`: the activation clipping rule (`quantizer`) and bias correction.
fn uniform_config(c: &CurveConfig, b: u32, repr: Repr, ptq: PtqOptions) -> QuantConfig {
    QuantConfig {
        wbits: b,
        abits: b,
        repr,
        quantizer: ptq.act_quantizer,
        calib_size: c.calib_size,
        seed: c.seed,
        bias_correction: ptq.bias_correction,
        ..QuantConfig::default()
    }
}

/// Progress callback: (stage, done, total).
pub type Progress<'a> = &'a mut dyn FnMut(&str, usize, usize);

struct Run<'a> {
    c: &'a CurveConfig,
    d: Data,
    /// Energy of the edge layers (first, last): index → layer energy.
    edges: Vec<(usize, LayerEnergy)>,
}

impl Run<'_> {
    fn is_edge(&self, m: usize, n: usize) -> bool {
        m == 0 || m + 1 == n
    }

    fn uniform(
        &self,
        net: &Network,
        b: u32,
        repr: Repr,
        ptq: PtqOptions,
    ) -> Result<Point, TradeoffError> {
        let q = QuantNet::build(net, &uniform_config(self.c, b, repr, ptq), &self.d.calib)?;
        let n = q.layers.len();
        let spec = mac(if repr == Repr::Twos { b + 1 } else { b }, b, repr)?;
        let mut layers = Vec::new();
        let mut bops = 0;
        for (m, l) in q.layers.iter().enumerate() {
            bops += l.macs_per_image() * (l.w_bits * l.x_bits) as u64;
            if let Some((_, e)) = self.edges.iter().find(|(i, _)| *i == m) {
                layers.push(e.clone());
                continue;
            }
            let pairs = mac_pairs(&q, m, &self.d.sample_images, self.c.sample);
            layers.push(LayerEnergy {
                layer: l.name.clone(),
                op: "mac",
                circuit: spec.describe(),
                ops_per_image: l.macs_per_image(),
                energy: self.c.source.measure(spec, &pairs)?,
            });
        }
        debug_assert!(self.is_edge(0, n));
        let (pred, _) = q.predict(&self.d.test);
        let (hpred, _) = q.predict(&self.d.heldout);
        Ok(Point {
            method: if repr == Repr::Twos {
                "uniform"
            } else {
                "uniform-unsigned"
            }
            .into(),
            bits: Some(b),
            act_bits: Some(b),
            r: None,
            r_reached: None,
            budget: format!("{}-{b}", budget_repr(repr)),
            accounting: None,
            budget_fj: None,
            chosen: false,
            top1: top1(&pred, &self.d.test),
            calib_top1: Some(top1(&hpred, &self.d.heldout)),
            layers,
            bops,
        })
    }

    /// A PANN network at (b̃x, R): accuracy on the held-out split (and the test set when
    /// `test`), and its layers' energy (`energy`: sample and simulate its streams; otherwise
    /// interpolate from `grid`).
    fn pann(
        &self,
        net: &Network,
        act_bits: u32,
        r: f64,
        grid: Option<&PannGrid>,
        test: bool,
        ptq: PtqOptions,
    ) -> Result<Point, TradeoffError> {
        let p = PannNet::build(net, &pann_config(self.c, act_bits, r, ptq), &self.d.calib)?;
        let spec = mac(act_bits, 2, Repr::Unsigned)?;
        let mut layers = Vec::new();
        let (mut bops, mut abs_q, mut weights) = (0u64, 0.0, 0usize);
        for (m, (l, info)) in p.q.layers.iter().zip(&p.layers).enumerate() {
            if let Some((_, e)) = self.edges.iter().find(|(i, _)| *i == m) {
                bops += l.macs_per_image() * 64;
                layers.push(e.clone());
                continue;
            }
            bops += info.additions_per_image * act_bits as u64;
            abs_q += info.r_reached * l.w_q.len() as f64;
            weights += l.w_q.len();
            let energy = match grid {
                Some(g) => g.at(m, r),
                None => {
                    let pairs = addition_pairs(&p, m, &self.d.sample_images, self.c.sample);
                    self.c.source.measure(spec, &pairs)?
                }
            };
            layers.push(LayerEnergy {
                layer: l.name.clone(),
                op: "add",
                circuit: spec.describe(),
                ops_per_image: info.additions_per_image,
                energy,
            });
        }
        let t1 = if test {
            top1(&p.predict(&self.d.test).0, &self.d.test)
        } else {
            f64::NAN
        };
        let (hpred, _) = p.predict(&self.d.heldout);
        Ok(Point {
            method: "pann".into(),
            bits: None,
            act_bits: Some(act_bits),
            r: Some(r),
            r_reached: Some(abs_q / weights.max(1) as f64),
            budget: "curve".into(),
            accounting: None,
            budget_fj: None,
            chosen: false,
            top1: t1,
            calib_top1: Some(top1(&hpred, &self.d.heldout)),
            layers,
            bops,
        })
    }
}

impl Run<'_> {
    /// Rows of the fine-tuned networks `qat` (see [`crate::nn::qat`]), each quantized exactly
    /// as it was fine-tuned (per-layer Δw, min-max activations, its own clipping rule for
    /// `uniform-qat`, no bias correction; the curve's post-training options do not apply)
    /// and charged under its own streams: `uniform-qat` at its bits
    /// (two's-complement MAC, budget `twos-b`); `pann-qat` at the (b̃x, R) it was trained at
    /// (budget and accounting from its provenance, `budget_fj` that of the uniform network
    /// of that budget in `points`) and, for the deployment-time traversal, at every R of the
    /// grid (budget `curve:<its budget>`). Held-out top-1 is left empty: the held-out split is
    /// part of the training split the networks were fine-tuned on.
    fn qat(
        &self,
        qat: &[crate::nn::qat::QatWeights],
        points: &[Point],
        progress: Progress<'_>,
    ) -> Result<Vec<Point>, TradeoffError> {
        use crate::nn::qat::QatMethod;
        let per = |w: &crate::nn::qat::QatWeights| match w.prov.method {
            QatMethod::Pann { .. } => 1 + self.c.r_grid.len(),
            QatMethod::Uniform { .. } => 1,
        };
        let total: usize = qat.iter().map(per).sum();
        let mut out = Vec::new();
        for w in qat {
            progress("fine-tuned networks", out.len(), total);
            let method = w.prov.method.curve_method().to_string();
            match w.prov.method {
                QatMethod::Uniform { bits, quantizer } => {
                    let trained = PtqOptions {
                        act_quantizer: quantizer,
                        ..PtqOptions::default()
                    };
                    let mut p = self.uniform(&w.net, bits, Repr::Twos, trained)?;
                    p.method = method;
                    p.calib_top1 = None;
                    out.push(p);
                }
                QatMethod::Pann { r, act_bits } => {
                    let budget = w.prov.budget.clone();
                    let name = w.prov.accounting.as_deref().unwrap_or("datapath");
                    let accounting = budget.as_ref().map(|_| {
                        Accounting::ALL
                            .into_iter()
                            .find(|a| a.name() == name)
                            .unwrap_or(Accounting::Datapath)
                    });
                    let mut p =
                        self.pann(&w.net, act_bits, r, None, true, PtqOptions::default())?;
                    p.method = method.clone();
                    p.calib_top1 = None;
                    p.budget = budget.clone().unwrap_or_else(|| "trained".into());
                    p.accounting = accounting;
                    p.budget_fj = match (&budget, accounting) {
                        (Some(b), Some(a)) => points
                            .iter()
                            .find(|u| u.is_budget_uniform() && u.budget == *b)
                            .map(|u| u.energy(a)),
                        _ => None,
                    };
                    out.push(p);
                    let tag = budget.unwrap_or_else(|| w.prov.method.tag());
                    for &rg in &self.c.r_grid {
                        progress("fine-tuned networks", out.len(), total);
                        let mut p =
                            self.pann(&w.net, act_bits, rg, None, true, PtqOptions::default())?;
                        p.method = method.clone();
                        p.calib_top1 = None;
                        p.budget = format!("curve:{tag}");
                        out.push(p);
                    }
                }
            }
        }
        Ok(out)
    }
}

fn budget_repr(r: Repr) -> &'static str {
    match r {
        Repr::Twos => "twos",
        _ => "unsigned",
    }
}

/// E_add per inner layer measured on the R grid of one b̃x, interpolated in log R.
struct PannGrid {
    /// (R, layer index → measured fJ/addition).
    rows: Vec<(f64, Vec<(usize, Measured)>)>,
    /// MACs per image of each inner layer.
    macs: Vec<(usize, u64)>,
}

impl PannGrid {
    fn at(&self, m: usize, r: f64) -> Measured {
        let get = |i: usize| {
            self.rows[i]
                .1
                .iter()
                .find(|(k, _)| *k == m)
                .map(|(_, e)| e.clone())
                .expect("inner layer measured")
        };
        let n = self.rows.len();
        if r <= self.rows[0].0 {
            return get(0);
        }
        if r >= self.rows[n - 1].0 {
            return get(n - 1);
        }
        let i = self.rows.iter().position(|(x, _)| *x >= r).expect("inside");
        let (r0, r1) = (self.rows[i - 1].0.ln(), self.rows[i].0.ln());
        let k = (r1 - r.ln()) / (r1 - r0);
        get(i - 1).lerp(&get(i), k)
    }
    /// Inner-layer energy per inference at R (≈ R · Σ MACs · E_add(R)).
    fn inner(&self, r: f64, a: Accounting) -> f64 {
        self.macs
            .iter()
            .map(|&(m, macs)| r * macs as f64 * self.at(m, r).sim.get(a))
            .sum()
    }
    /// The R whose inner energy is `budget` (bisection in log R; clamped to the grid).
    fn solve(&self, budget: f64, a: Accounting) -> f64 {
        let (mut lo, mut hi) = (self.rows[0].0, self.rows[self.rows.len() - 1].0);
        if self.inner(lo, a) >= budget {
            return lo;
        }
        if self.inner(hi, a) <= budget {
            return hi;
        }
        for _ in 0..60 {
            let mid = (lo * hi).sqrt();
            if self.inner(mid, a) > budget {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        (lo * hi).sqrt()
    }
}

/// Run the whole curve. `progress(stage, done, total)` reports each stage.
pub fn run_curve(c: &CurveConfig, progress: Progress<'_>) -> Result<Curve, TradeoffError> {
    c.validate()?;
    let d = load(c)?;
    let float_top1 = top1(&float::predict(&d.net, &d.test), &d.test);
    // Edge layers: the unsigned 8×8 MAC under the 8-bit network's streams.
    let q8 = QuantNet::build(
        &d.net,
        &uniform_config(c, 8, Repr::Unsigned, c.ptq),
        &d.calib,
    )?;
    let n = q8.layers.len();
    let spec8 = mac(8, 8, Repr::Unsigned)?;
    let mut edges = Vec::new();
    for m in [0, n - 1] {
        let l = &q8.layers[m];
        let pairs = mac_pairs(&q8, m, &d.sample_images, c.sample);
        edges.push((
            m,
            LayerEnergy {
                layer: l.name.clone(),
                op: "mac",
                circuit: spec8.describe(),
                ops_per_image: l.macs_per_image(),
                energy: c.source.measure(spec8, &pairs)?,
            },
        ));
    }
    let macs_per_image: u64 = q8.layers.iter().map(|l| l.macs_per_image()).sum();
    let inner_macs: Vec<(usize, u64)> = (1..n - 1)
        .map(|m| (m, q8.layers[m].macs_per_image()))
        .collect();
    let run = Run { c, d, edges };
    let mut points = vec![Point {
        method: "float".into(),
        bits: Some(32),
        act_bits: None,
        r: None,
        r_reached: None,
        budget: String::new(),
        accounting: None,
        budget_fj: None,
        chosen: false,
        top1: float_top1,
        calib_top1: None,
        layers: Vec::new(),
        bops: 0,
    }];
    // Uniform networks.
    let total = c.bits.len() * 2;
    for (i, (&b, repr)) in c
        .bits
        .iter()
        .flat_map(|b| [(b, Repr::Twos), (b, Repr::Unsigned)])
        .enumerate()
    {
        progress("uniform b-bit networks", i, total);
        points.push(run.uniform(&run.d.net, b, repr, c.ptq)?);
    }
    // PANN traversal over R for every b̃x (this also measures E_add on the grid).
    let mut grids = Vec::new();
    let total = c.act_bits.len() * c.r_grid.len();
    for (i, &ab) in c.act_bits.iter().enumerate() {
        let mut rows = Vec::new();
        for (j, &r) in c.r_grid.iter().enumerate() {
            progress("PANN over R", i * c.r_grid.len() + j, total);
            let p = run.pann(&run.d.net, ab, r, None, true, c.ptq)?;
            let energies = inner_macs
                .iter()
                .map(|&(m, _)| (m, p.layers[m].energy.clone()))
                .collect();
            rows.push((r, energies));
            points.push(p);
        }
        grids.push((
            ab,
            PannGrid {
                rows,
                macs: inner_macs.clone(),
            },
        ));
    }
    // PANN at every budget.
    let uniforms: Vec<Point> = points
        .iter()
        .filter(|p| p.is_budget_uniform())
        .cloned()
        .collect();
    let total = uniforms.len() * Accounting::ALL.len();
    let mut k = 0;
    for u in &uniforms {
        for a in Accounting::ALL {
            progress("PANN at each budget", k, total);
            k += 1;
            let budget = u.energy(a);
            let edge: f64 = run.edges.iter().map(|(_, e)| e.per_image(a)).sum();
            let mut found = Vec::new();
            for (ab, g) in &grids {
                let r = g.solve(budget - edge, a);
                let mut p = run.pann(&run.d.net, *ab, r, Some(g), c.test_every_candidate, c.ptq)?;
                p.budget = u.budget.clone();
                p.accounting = Some(a);
                p.budget_fj = Some(budget);
                found.push(p);
            }
            let best = found
                .iter()
                .enumerate()
                .max_by(|x, y| {
                    let (a, b) = (x.1.calib_top1.unwrap_or(0.0), y.1.calib_top1.unwrap_or(0.0));
                    a.partial_cmp(&b).expect("finite").then(y.0.cmp(&x.0))
                })
                .map(|(i, _)| i)
                .unwrap_or(0);
            found[best].chosen = true;
            if found[best].top1.is_nan() {
                let (ab, r) = (
                    found[best].act_bits.unwrap_or(8),
                    found[best].r.unwrap_or(1.0),
                );
                let g = &grids.iter().find(|(b, _)| *b == ab).expect("grid").1;
                found[best].top1 = run.pann(&run.d.net, ab, r, Some(g), true, c.ptq)?.top1;
            }
            points.extend(found);
        }
    }
    // Fine-tuned networks shipped next to the weights.
    let qat = crate::nn::qat::shipped(&c.data_dir, c.model, c.dataset)?;
    let qat_points = run.qat(&qat, &points, progress)?;
    points.extend(qat_points);
    progress("done", 1, 1);
    Ok(Curve {
        model: c.model.name().into(),
        dataset: c.dataset.name().into(),
        images: run.d.test.len(),
        heldout_images: run.d.heldout.len(),
        points,
        macs_per_image,
        library: c.source.cells.clone(),
        clock_ns: c.source.clock_ns,
        seed: c.seed,
        sample: c.sample,
        ptq: c.ptq,
    })
}
