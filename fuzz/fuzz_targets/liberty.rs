//! Liberty reader: any bytes give a library or an error, never a panic or a stack overflow.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let files = vec![("fuzz.lib".to_string(), data.to_vec(), data.to_vec())];
    if let Ok(lib) = pann::energy::Liberty::from_texts(&files) {
        let names: Vec<String> = lib.cell_names().map(str::to_string).collect();
        for n in names {
            let _ = lib.cell_logic(&n);
        }
    }
});
