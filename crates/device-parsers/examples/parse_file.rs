//! Parse a saved capture:
//! `cargo run -p device-parsers --example parse_file -- PLATFORM "COMMAND" FILE [--table]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let table = args.iter().any(|a| a == "--table");
    let args: Vec<String> = args.into_iter().filter(|a| a != "--table").collect();
    if args.len() != 4 {
        eprintln!("usage: parse_file PLATFORM COMMAND FILE [--table]");
        std::process::exit(2);
    }
    let platform: device_parsers::Platform = match args[1].parse() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let text = match std::fs::read(&args[3]) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            eprintln!("cannot read {}: {e}", args[3]);
            std::process::exit(1);
        }
    };
    match device_parsers::parse(platform, &args[2], &text) {
        Ok(p) if table => print!("{}", p.to_table()),
        Ok(p) => println!("{p}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
