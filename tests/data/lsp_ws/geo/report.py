from geo.shapes import Circle, total_area


def report(radii):
    """Prints the total area of circles with the given radii."""
    circles = [Circle(r) for r in radii]
    print("total:", total_area(circles))
    label = "Σ ≈ 😀"; print(label, total_area(circles))
