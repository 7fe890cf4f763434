//! Float reference accuracy of the pretrained ccexam CNN on the full MNIST test set.
use pann::nn::{
    float,
    idx::{DatasetId, Split},
    model::ModelId,
};

/// The published accuracy: 9,905 / 10,000 (SOURCE.md of the checkpoint).
const CCEXAM_CORRECT: usize = 9905;

#[test]
fn ccexam_float_reproduces_9905_of_10000() {
    let dir = pann::nn::default_data_dir();
    let ds = DatasetId::Mnist.load(&dir, Split::Test).unwrap();
    let net = ModelId::CcexamCnn.load(&dir, DatasetId::Mnist).unwrap();
    let pred = float::predict(&net, &ds);
    assert_eq!(&pred[..10], &[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    assert_eq!(float::count_correct(&pred, &ds), CCEXAM_CORRECT);
}

#[test]
fn pth_and_safetensors_hold_the_same_weights() {
    let dir = pann::nn::default_data_dir();
    let a = ModelId::CcexamCnn.load(&dir, DatasetId::Mnist).unwrap();
    let mut b = ModelId::CcexamCnn.architecture();
    b.load_pth(&dir.join("weights/ccexam_mnist_cnn.pth"))
        .unwrap();
    for ((na, _, va), (nb, _, vb)) in a.tensors().iter().zip(b.tensors().iter()) {
        assert_eq!(na, nb);
        assert_eq!(va, vb, "{na}");
    }
}
