//! Shipped fine-tuned (QAT) networks: found next to their base weights, their provenance names
//! the base file by checksum, and they evaluate through the bit-exact integer inference of the
//! post-training path at least as well as the post-training network at the same setting.
use pann::nn::{
    idx::DatasetId,
    model::ModelId,
    qat::{self, QatMethod},
};

/// Test images of the slice evaluated here.
const IMAGES: usize = 500;
/// On the slice, fine-tuned top-1 may fall below post-training top-1 by this much (points).
const SLACK_POINTS: f64 = 1.0;

#[test]
fn shipped_fine_tuned_weights_load_and_evaluate_through_the_integer_inference() {
    let dir = pann::nn::default_data_dir();
    for (model, ds) in [
        (ModelId::Lenet5, DatasetId::FashionMnist),
        (ModelId::CcexamCnn, DatasetId::Mnist),
    ] {
        let found = qat::shipped(&dir, model, ds).unwrap();
        let labels: Vec<String> = found
            .iter()
            .map(|w| w.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for want in ["pann-twos2", "pann-twos3", "uniform2-mse", "uniform3-mse"] {
            assert!(
                labels.iter().any(|l| l.contains(&format!(".{want}."))),
                "{} {}: {want} missing from {labels:?}",
                model.name(),
                ds.name()
            );
        }
        let base_path = dir.join(model.weights_file(ds));
        let base_sha = pann::report::sha256_hex(&std::fs::read(&base_path).unwrap());
        let base = model.load(&dir, ds).unwrap();
        let (calib, test) = qat::calib_and_test(&dir, ds, 512, 0, Some(IMAGES)).unwrap();
        for w in &found {
            assert_eq!(w.prov.base_sha256, base_sha, "{}", w.path.display());
            assert_eq!(w.prov.model, model.name());
            if let QatMethod::Pann { .. } = w.prov.method {
                assert!(w.prov.budget.is_some(), "{}", w.path.display());
            }
            let m = w.prov.method;
            let ft = qat::integer_top1(&w.net, model, ds, m, None, &calib, &test).unwrap();
            let ptq = qat::integer_top1(&base, model, ds, m, None, &calib, &test).unwrap();
            assert!(
                ft + SLACK_POINTS >= ptq,
                "{}: fine-tuned {ft} % < post-training {ptq} %",
                w.path.display()
            );
        }
    }
}
