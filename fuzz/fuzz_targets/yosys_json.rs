//! Yosys JSON import: any text gives a netlist or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pann::netlist::yosys::{import_json, ImportOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = import_json(text, &ImportOptions::default());
    let ports = ImportOptions {
        top: None,
        inputs: vec!["x".into(), "w".into()],
        outputs: vec!["y".into()],
    };
    let _ = import_json(text, &ports);
});
