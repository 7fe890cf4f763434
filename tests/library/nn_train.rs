//! One-epoch smoke test of candle training on a small slice (feature `train` only; not in CI).
#![cfg(feature = "train")]
use pann::nn::{
    float,
    idx::{DatasetId, Split},
    model::ModelId,
    train::{train, TrainConfig},
};

#[test]
fn one_epoch_of_mlp_on_2000_images_learns_something_and_round_trips() {
    let dir = pann::nn::default_data_dir();
    let cfg = TrainConfig {
        epochs: 1,
        batch: 64,
        lr: 1e-3,
        seed: 0,
        limit: Some(2000),
    };
    let net = train(&dir, ModelId::Mlp, DatasetId::Mnist, &cfg, &mut |_| {}).unwrap();
    let test = DatasetId::Mnist.load(&dir, Split::Test).unwrap().head(1000);
    let acc = float::count_correct(&float::predict(&net, &test), &test);
    assert!(acc > 700, "{acc} / 1000");
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("mlp.safetensors");
    net.save_safetensors(&p, &[]).unwrap();
    let mut back = ModelId::Mlp.architecture();
    back.load_safetensors(&p).unwrap();
    assert_eq!(float::predict(&back, &test), float::predict(&net, &test));
}
