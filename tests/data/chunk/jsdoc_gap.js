/**
 * Module dependencies.
 */

var fs = require('fs');

/**
 * Reads the whole file.
 */

exports.read = function (path) {
  return fs.readFileSync(path, 'utf8');
};

// A line comment above a blank line heads a section.

function plain(a) {
  return a + 1;
}

/**
 * Writes the file.
 */


exports.write = function (path, data) {
  fs.writeFileSync(path, data);
};

/**
 * Sums two numbers.
 */

class Sum {
  add(a, b) {
    return a + b;
  }
}
