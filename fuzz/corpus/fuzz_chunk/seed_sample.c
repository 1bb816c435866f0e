\#include <stdio.h>

/* A point. */
struct point {
    int x;
    int y;
};

typedef struct {
    int w, h;
} size_t2;

enum color { RED, GREEN };

// Adds two ints.
static int add(int a, int b) {
    return a + b;
}

int *find(int *v, int n) {
    return n ? v : 0;
}

int main(void) {
    printf("%d\n", add(1, 2));
    return 0;
}
