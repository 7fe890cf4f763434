//! Operand streams agree with integer inference: in output-stationary order every `K`
//! consecutive pairs, accumulated by the reference MAC, give the layer's accumulator words.
use pann::nn::{
    idx::{DatasetId, Split},
    mac,
    model::ModelId,
    qnet::{calibration_slice, QuantNet},
    quant::QuantConfig,
    stream::{self, Dataflow, LayerStream},
};

fn qnet(cfg: &QuantConfig) -> (QuantNet, pann::nn::idx::Dataset) {
    let dir = pann::nn::default_data_dir();
    let net = ModelId::CcexamCnn.load(&dir, DatasetId::Mnist).unwrap();
    let train = DatasetId::Mnist.load(&dir, Split::Train).unwrap();
    let q = QuantNet::build(&net, cfg, &calibration_slice(&train, 64, 0)).unwrap();
    (q, DatasetId::Mnist.load(&dir, Split::Test).unwrap().head(2))
}

#[test]
fn output_stationary_stream_reproduces_every_accumulator_of_every_layer() {
    // 16-bit accumulators: some dot products wrap, and the stream must reproduce that too.
    let cfg = QuantConfig {
        acc_bits: 16,
        wbits: 4,
        abits: 4,
        ..QuantConfig::default()
    };
    let (q, imgs) = qnet(&cfg);
    let traced: Vec<Vec<Vec<i64>>> = (0..imgs.len())
        .map(|i| q.forward_traced(imgs.image(i)).1)
        .collect();
    for (m, name) in ["conv1", "conv2", "fc1", "fc2"].iter().enumerate() {
        let s = LayerStream::new(&q, name, &imgs, Dataflow::OutputStationary).unwrap();
        let k = s.dot_len();
        let pairs: Vec<(i64, i64)> = s.collect();
        let accs: Vec<i64> = pairs
            .chunks(k)
            .map(|c| mac::accumulate(c.iter().copied(), 16).value)
            .collect();
        let expected: Vec<i64> = traced.iter().flat_map(|t| t[m].iter().copied()).collect();
        assert_eq!(accs, expected, "layer {name}");
    }
}

#[test]
fn weight_stationary_is_a_reordering_of_output_stationary() {
    let (q, imgs) = qnet(&QuantConfig::default());
    let os = LayerStream::new(&q, "fc2", &imgs, Dataflow::OutputStationary).unwrap();
    let ws = LayerStream::new(
        &q,
        "fc2",
        &imgs,
        Dataflow::WeightStationary {
            n: pann::arith::DEFAULT_HOLD,
        },
    )
    .unwrap();
    assert_eq!(os.len(), 2 * 10 * 128);
    let (mut a, mut b): (Vec<_>, Vec<_>) = (os.collect(), ws.clone().collect());
    // Weight-stationary holds each weight for (images × positions) consecutive pairs.
    assert!(b[..2].iter().all(|p| p.1 == b[0].1));
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let st = stream::stats(ws, pann::nn::mac::Repr::Twos, None);
    assert_eq!(st.pairs, 2560);
    assert_eq!(st.w_toggle_rate.len(), 8);
}

#[test]
fn csv_export_writes_header_and_every_pair() {
    let (q, imgs) = qnet(&QuantConfig::default());
    let s = LayerStream::new(&q, "fc2", &imgs, Dataflow::OutputStationary).unwrap();
    let n = s.len();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.csv");
    let st = stream::write_csv(s, &p, pann::nn::mac::Repr::Twos, None).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.starts_with("x,w\n"));
    assert_eq!(text.lines().count(), n + 1);
    assert_eq!(st.pairs as usize, n);
}

#[test]
fn unknown_layer_and_bad_spec_are_errors() {
    let (q, imgs) = qnet(&QuantConfig::default());
    let e = LayerStream::new(&q, "conv3", &imgs, Dataflow::OutputStationary).unwrap_err();
    assert!(e.to_string().contains("unknown layer `conv3`"), "{e}");
    assert!(LayerStream::parse_spec("nn:ccexam-cnn").is_err());
    let (m, d, l) = LayerStream::parse_spec("nn:ccexam-cnn:conv2").unwrap();
    assert_eq!(
        (m, d, l.as_str()),
        (ModelId::CcexamCnn, DatasetId::Mnist, "conv2")
    );
}
