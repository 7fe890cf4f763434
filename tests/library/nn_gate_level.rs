//! The hardware and the model agree bit for bit: a real layer's operand stream (ccexam CNN,
//! conv2, first MNIST test image, output-stationary) through the gate-level MAC gives, at
//! every dot-product boundary, exactly the accumulator words of bit-exact integer inference.

use pann::circuits::driver::RegisterMap;
use pann::circuits::{build, MacDriver, MacSpec, MacState, MultArch};
use pann::nn::idx::{DatasetId, Split};
use pann::nn::model::ModelId;
use pann::nn::qnet::{calibration_slice, QuantNet};
use pann::nn::quant::QuantConfig;
use pann::nn::stream::{Dataflow, LayerStream};
use pann::sim::zero_delay::output_values;
use pann::sim::ZeroDelaySim;
use pann::simulate::nn_code_bits;

#[test]
fn conv2_stream_through_the_gate_level_mac_equals_integer_inference() {
    let spec = MacSpec {
        mult: MultArch::BoothDadda,
        acc: 24,
        ..MacSpec::default()
    }
    .validate()
    .unwrap();
    let (xb, wb) = nn_code_bits(&spec);
    let dir = pann::nn::default_data_dir();
    let net = ModelId::CcexamCnn.load(&dir, DatasetId::Mnist).unwrap();
    let train = DatasetId::Mnist.load(&dir, Split::Train).unwrap();
    let cfg = QuantConfig {
        wbits: wb,
        abits: xb,
        first_bits: xb.min(wb),
        last_bits: xb.min(wb),
        acc_bits: spec.acc,
        ..Default::default()
    };
    let q = QuantNet::build(
        &net,
        &cfg,
        &calibration_slice(&train, cfg.calib_size, cfg.seed),
    )
    .unwrap();
    let test = DatasetId::Mnist.load(&dir, Split::Test).unwrap().head(1);
    let layer = "conv2";
    let stream = LayerStream::new(&q, layer, &test, Dataflow::OutputStationary).unwrap();
    let k = stream.dot_len();
    let dots = 300; // the first 300 dot products (> one output channel)
    let mut pairs: Vec<(u64, u64)> = stream
        .take(k * dots)
        .map(|(x, w)| (spec.encode_x(x), spec.encode_w(w)))
        .collect();
    // Two more cycles flush the operand register and the last product into the accumulator.
    pairs.extend([(0, 0), (0, 0)]);
    let n = build(&spec);
    let map = RegisterMap::new(&spec, &n);
    let drv = MacDriver::new(&spec, &map, MacState::default(), &pairs);
    let mut acc = Vec::new();
    let (_, stats) = ZeroDelaySim::new(&n).run_observed(&drv, &mut |_, valid, v| {
        acc.extend(output_values(&n, valid, v).into_iter().map(|o| o[0] as u64))
    });
    assert_eq!(stats.mispredictions, 0);
    let m = q.mac_index(layer).unwrap();
    let (_, words) = q.forward_traced(test.image(0));
    let mask = (1u64 << spec.acc) - 1;
    // The accumulator at cycle t holds the products of pairs 0..t-1 (two-stage pipeline).
    for j in 0..dots {
        let hw = acc[(j + 1) * k + 1].wrapping_sub(acc[j * k + 1]) & mask;
        let model = (words[m][j] as u64) & mask;
        assert_eq!(hw, model, "dot product {j}");
    }
    assert!(words[m][..dots].iter().any(|&w| w != 0));
}
