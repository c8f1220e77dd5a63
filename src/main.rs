fn main() { println!("{}", scalewright::VERSION); }
