"""Plane shapes and their measures."""
import math


class Shape:
    """A closed figure in the plane."""

    def area(self):
        """The surface the shape covers."""
        raise NotImplementedError

    def perimeter(self):
        raise NotImplementedError


class Circle(Shape):
    """A circle given by its radius."""

    def __init__(self, radius):
        self.radius = radius

    def area(self):
        return math.pi * self.radius * self.radius

    def perimeter(self):
        return 2 * math.pi * self.radius


def total_area(shapes):
    """Sum of the areas of every shape in the list."""
    return sum(s.area() for s in shapes)
