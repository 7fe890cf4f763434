//! One-off conversion of the ccexam PyTorch checkpoint to safetensors (already done; the result
//! is committed as `data/weights/ccexam_mnist_cnn.safetensors`).
//! Run: `cargo run --release --example convert_ccexam`
fn main() -> anyhow::Result<()> {
    use pann::nn::model::ModelId;
    let dir = pann::nn::default_data_dir();
    let mut net = ModelId::CcexamCnn.architecture();
    net.load_pth(&dir.join("weights/ccexam_mnist_cnn.pth"))?;
    net.save_safetensors(
        &dir.join("weights/ccexam_mnist_cnn.safetensors"),
        &[(
            "source",
            "ccexam 1.0.0 ccexam/weights/mnist.pth (MIT), converted by pann",
        )],
    )?;
    println!("wrote {} tensors", net.tensors().len());
    Ok(())
}
