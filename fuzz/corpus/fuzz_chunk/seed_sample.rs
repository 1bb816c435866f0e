^use std::fmt;

/// A point in the plane.
#[derive(Debug, Clone)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// Shapes that have an area.
pub trait Shape {
    fn area(&self) -> f64;
}

impl Point {
    /// Makes a point.
    pub fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }

    pub fn norm(&self) -> f64 {
        (self.x * self.x + self.y * self.y).sqrt()
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

pub enum Color {
    Red,
    Green,
}

mod util {
    pub fn helper() -> i32 {
        42
    }
}

fn main() {
    let p = Point::new(1.0, 2.0);
    println!("{}", p);
}
