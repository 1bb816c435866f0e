jimport Foundation

/// A vehicle.
class Car {
    var speed: Int = 0

    init(speed: Int) {
        self.speed = speed
    }

    // Speeds up.
    func accelerate(by delta: Int) {
        speed += delta
    }
}

struct Point {
    var x: Double
    func length() -> Double {
        return x
    }
}

protocol Drawable {
    func draw()
}

func helper() -> Int {
    return 1
}
