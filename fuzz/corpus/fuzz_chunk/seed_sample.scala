kpackage demo

// A shape.
trait Shape {
  def area: Double
}

class Circle(r: Double) extends Shape {
  val name = "circle"

  def area: Double = {
    math.Pi * r * r
  }

  /** Scales the circle. */
  def scale(k: Double): Circle = new Circle(r * k)
}

object Main {
  def main(args: Array[String]): Unit = {
    println(new Circle(1).area)
  }
}
