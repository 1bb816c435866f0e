const std = @import("std");

/// Adds two numbers.
pub fn add(a: i32, b: i32) i32 {
    return a + b;
}

pub const Store = struct {
    count: usize,

    pub fn init() Store {
        return .{ .count = 0 };
    }
};

test "add works" {
    try std.testing.expect(add(1, 2) == 3);
}
