]#include <string>

namespace geo {

// A shape base class.
class Shape {
  public:
    virtual ~Shape() = default;
    virtual double area() const = 0;

    std::string name() const {
        return "shape";
    }
};

struct Square : Shape {
    double s;
    double area() const override { return s * s; }
};

template <typename T>
T twice(T x) {
    return x + x;
}

} // namespace geo

double geo_area(const geo::Shape &s) {
    return s.area();
}

void Widget::draw() {
    render();
}
